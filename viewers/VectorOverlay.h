#pragma once
// A vector layer drawn over the map: polygons filled lightly with their outline, lines, and
// points as small circles, in one colour per layer.

#include <QColor>
#include <memory>

#include "core/vector/VectorFile.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

class VectorOverlay : public MapOverlay {
 public:
  VectorOverlay(std::shared_ptr<const VectorData> data, QColor color);
  void paint(QPainter& painter, const MapCanvas& canvas) override;
  void setVisible(bool visible) { mVisible = visible; }
  bool isVisible() const { return mVisible; }
  const VectorData& data() const { return *mData; }
  QColor color() const { return mColor; }

 private:
  std::shared_ptr<const VectorData> mData;
  QColor mColor;
  bool mVisible = true;
};

}  // namespace prithvi
