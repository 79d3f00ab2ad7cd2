#include "ui/SceneThumbnail.h"

#include <algorithm>
#include <cstring>

#include "core/render/Render.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

QImage renderSceneThumbnail(const Scene& scene, const Window& window, int size) {
  SceneReader reader(scene);
  LayerStyle style;
  if (!scene.hasPrithviBands()) {
    style.kind = LayerStyle::Kind::SingleBand;
    style.band = scene.bands.empty() ? BandRole::Other : scene.bands.front().role;
  }
  const auto statistics = sceneStatistics(reader, style, 128);
  for (size_t i = 0; i < statistics.size() && i < 3; ++i) style.stretch[i] = stretchFor(statistics[i], {});
  MapGrid grid;
  const double pixel = double(std::max(window.width, window.height)) / size;
  const GeoTransform& t = scene.geoTransform;
  const MapPoint corner = t.pixelToMap(window.x, window.y);
  grid.transform = GeoTransform({corner.x, t.pixelWidth() * pixel, 0, corner.y, 0, t.pixelHeight() * pixel});
  grid.width = size;
  grid.height = size;
  grid.crs = scene.crsWkt;
  const TileRenderResult result = renderSceneTile(reader, style, grid);
  QImage image(size, size, QImage::Format_ARGB32);
  image.fill(Qt::transparent);
  if (!result.argb.empty()) std::memcpy(image.bits(), result.argb.data(), result.argb.size() * 4);
  return image;
}

}  // namespace prithvi
