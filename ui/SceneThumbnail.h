#pragma once
// A small picture of a scene, or of a window of it, as the catalog and the label suggestions
// show them: true colour (or the first band) stretched on the scene's own statistics.

#include <QImage>

#include "core/raster/RasterSource.h"

namespace prithvi {

struct Scene;

// `window` in scene pixels; the picture is size x size, the window's longer side fitting it.
// Reads the disk (or the network): call it off the GUI thread.
QImage renderSceneThumbnail(const Scene& scene, const Window& window, int size);

}  // namespace prithvi
