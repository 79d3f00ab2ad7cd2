#pragma once
// Reads a scene's bands by role into one block, whatever files hold them: the band files are
// opened once and read in parallel on the global thread pool.

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"

namespace prithvi {

// DN -> reflectance for one band of a scene: value * scale + offset, NaN for the band's nodata,
// the HLS fill value (granules) and non-finite values. The one rule behind map tiles,
// statistics and the labelling region tools.
struct ReflectanceConversion {
  float scale = 1, offset = 0;
  bool hasNodata = false;
  float nodata = 0;
  bool hlsFill = false;
  ReflectanceConversion(const Scene& scene, const SceneBand& band);
  float operator()(float dn) const {
    if ((hasNodata && dn == nodata) || (hlsFill && dn == float(kHlsFill)) || !std::isfinite(dn))
      return std::numeric_limits<float>::quiet_NaN();
    return dn * scale + offset;
  }
};

class SceneReader {
 public:
  // Opens every file of the scene; throws Error(BadInput) when one is missing or changed shape.
  explicit SceneReader(const Scene& scene);

  const Scene& scene() const { return mScene; }
  // What GDAL reports about the file holding `role`'s band (overviews, block size, types);
  // throws Error(Usage) when the scene has no band for the role.
  const RasterInfo& rasterInfo(BandRole role) const;
  // The overview level readResampled reads `role`'s band at for these sizes (GDAL's choice).
  int overviewLevelFor(BandRole role, const Window& window, int outWidth, int outHeight) const;
  // The bands of `roles`, in that order, as one block in `type` (default: the first band's
  // type). Throws Error(Usage) when the scene has no band for a role.
  // Large windows read their bands in parallel; small ones (chips) read on the calling thread,
  // where dispatching would cost more than it saves.
  RasterBlock read(const Window& window, const std::vector<BandRole>& roles,
                   std::optional<DataType> type = std::nullopt) const;
  // The bands of `roles` over a full-resolution window, resampled to outWidth x outHeight
  // (GDAL reads the overview that fits). Average for reflectance, Nearest for bit fields such
  // as Fmask. Large outputs read their bands in parallel, like read().
  RasterBlock readResampled(const Window& window, int outWidth, int outHeight, const std::vector<BandRole>& roles,
                            std::optional<DataType> type = std::nullopt,
                            Resampling resampling = Resampling::Average) const;
  // Many windows at once, spread over the thread pool one window per task (a data loader's
  // access pattern). Results are in the order of `windows`.
  std::vector<RasterBlock> readMany(const std::vector<Window>& windows, const std::vector<BandRole>& roles,
                                    std::optional<DataType> type = std::nullopt) const;

  // The bands of `roles` over a full-resolution window as reflectance (Float32, NaN = nodata),
  // converted with ReflectanceConversion.
  RasterBlock readReflectance(const Window& window, const std::vector<BandRole>& roles) const;

  // Every band of the scene in scene().bands order, roles repeated or not (identify, probes).
  RasterBlock readBands(const Window& window, std::optional<DataType> type = std::nullopt) const;

 private:
  std::vector<const SceneBand*> bandsFor(const std::vector<BandRole>& roles) const;
  DataType typeFor(const SceneBand& band, std::optional<DataType> type) const;
  void readSerial(const Window& window, const std::vector<const SceneBand*>& bands, RasterBlock& block) const;

  Scene mScene;
  std::map<std::string, std::shared_ptr<RasterSource>> mSources;  // by path
};

}  // namespace prithvi
