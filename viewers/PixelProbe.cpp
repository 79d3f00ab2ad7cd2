#include "viewers/PixelProbe.h"

#include <cmath>

#include "core/raster/Crs.h"

namespace prithvi {

PixelProbe probePixel(const MapLayer& layer, const MapPoint& point, const std::string& mapCrs) {
  PixelProbe probe;
  probe.layerId = layer.id;
  probe.sceneId = layer.scene.id;
  const Scene& scene = layer.scene;
  try {
    MapPoint scenePoint = point;
    if (!scene.crsWkt.empty() && !sameCrs(mapCrs, scene.crsWkt)) {
      // Map CRS -> lon/lat -> scene CRS.
      const auto lonLat = LonLatTransform(mapCrs).toLonLat(point);
      if (!lonLat) return probe;
      const auto projected = LonLatTransform(scene.crsWkt).fromLonLat(*lonLat);
      if (!projected) return probe;
      scenePoint = *projected;
    }
    const auto pixel = scene.geoTransform.mapToPixel(scenePoint.x, scenePoint.y);
    if (!pixel) return probe;
    const int x = int(std::floor(pixel->x)), y = int(std::floor(pixel->y));
    if (x < 0 || y < 0 || x >= scene.width || y >= scene.height) return probe;
    probe.inside = true;
    probe.pixelX = x;
    probe.pixelY = y;
    const RasterBlock block = layer.reader->readBands({x, y, 1, 1}, DataType::Float64);
    for (size_t i = 0; i < scene.bands.size(); ++i) {
      const SceneBand& band = scene.bands[i];
      ProbedBand probed;
      probed.name = band.name;
      probed.role = band.role;
      probed.raw = block.value(int(i), 0, 0);
      probed.valid = !(band.nodata && probed.raw == *band.nodata) && !std::isnan(probed.raw);
      probed.value = probed.raw * band.scale + band.offset;
      if (band.role == BandRole::Fmask && probed.valid) probe.fmask = decodeFmask(uint8_t(probed.raw));
      if (band.role == BandRole::Fmask && !probed.valid) probe.fmask = decodeFmask(kFmaskFill);
      probe.bands.push_back(probed);
    }
  } catch (...) {
    probe.inside = false;
  }
  return probe;
}

}  // namespace prithvi
