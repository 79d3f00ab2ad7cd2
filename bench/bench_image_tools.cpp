// The image tools on one 1024x1024, 6-band synthetic HLS window, in one run: SLIC superpixels
// (S = 16) with their boundary recall against the synthetic land-cover edges, magic-wand clicks,
// the masked SSIM of a gap-filling evaluation, and 512x512 map tiles of a UTM zone 12 scene drawn
// on a zone 13 map (reprojected) and on its own grid (the aligned fast path). Built against any revision
// whose RegionTools.h and ImageMetrics.h have these signatures, so an older build's libraries give
// the baseline figures (bench/run_baseline.sh).
//   build/bin/bench_image_tools [--data DIR] [--repeats 5]
#include <gdal_priv.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/labels/RegionTools.h"
#include "core/metrics/ImageMetrics.h"
#include "core/raster/Crs.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"

using namespace prithvi;

namespace {

constexpr int kSize = 1024;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::vector<float> readBand(const std::string& path, bool reflectance) {
  GDALDataset* dataset = GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!dataset) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<float> values(size_t(kSize) * kSize);
  if (dataset->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, kSize, kSize, values.data(), kSize, kSize, GDT_Float32, 0,
                                          0) != CE_None)
    std::exit(1);
  GDALClose(dataset);
  if (reflectance)
    for (float& v : values) v = v == -9999.0f ? std::nanf("") : v * 0.0001f;
  return values;
}

// Land-cover edges of the truth: pixels whose right or lower neighbour has another code in
// either truth mask (water, crop type).
std::vector<uint8_t> truthEdges(const std::vector<float>& water, const std::vector<float>& crops) {
  std::vector<uint8_t> edge(water.size(), 0);
  for (int y = 0; y + 1 < kSize; ++y)
    for (int x = 0; x + 1 < kSize; ++x) {
      const size_t p = size_t(y) * kSize + x;
      for (size_t q : {p + 1, p + kSize})
        if (water[p] != water[q] || crops[p] != crops[q]) edge[p] = 1;
    }
  return edge;
}

// Boundary recall: the share of truth edge pixels with a superpixel boundary within 2 pixels.
double boundaryRecall(const std::vector<int32_t>& labels, const std::vector<uint8_t>& edges) {
  std::vector<uint8_t> boundary(labels.size(), 0);
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) {
      const size_t p = size_t(y) * kSize + x;
      if ((x + 1 < kSize && labels[p] != labels[p + 1]) || (y + 1 < kSize && labels[p] != labels[p + kSize]))
        boundary[p] = 1;
    }
  int64_t edgePixels = 0, found = 0;
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) {
      if (!edges[size_t(y) * kSize + x]) continue;
      ++edgePixels;
      bool near = false;
      for (int dy = -2; dy <= 2 && !near; ++dy)
        for (int dx = -2; dx <= 2 && !near; ++dx) {
          const int nx = x + dx, ny = y + dy;
          near = nx >= 0 && ny >= 0 && nx < kSize && ny < kSize && boundary[size_t(ny) * kSize + nx];
        }
      found += near;
    }
  return edgePixels ? double(found) / double(edgePixels) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataDir = QDir::tempPath().toStdString() + "/prithvi-bench";
  int repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dataDir = argv[i + 1];
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  GDALAllRegister();
  const std::string dir = dataDir + "/hls-1024";
  HlsSynthOptions options;
  options.dates = 1;
  options.size = kSize;
  options.outDir = dir;
  if (!QFileInfo::exists(QString::fromStdString(dir + "/truth/T13REN.truth.json"))) synthesizeHlsTile(options);
  QDir folder(QString::fromStdString(dir));
  const QStringList bandFiles = folder.entryList({"HLS.*.B*.tif"}, QDir::Files, QDir::Name);
  SpectralWindow window;
  window.width = window.height = kSize;
  for (const QString& file : bandFiles) {
    const std::vector<float> band = readBand(dir + "/" + file.toStdString(), true);
    window.values.insert(window.values.end(), band.begin(), band.end());
    ++window.bands;
  }
  const std::vector<uint8_t> edges =
      truthEdges(readBand(dir + "/truth/T13REN.water.tif", false), readBand(dir + "/truth/T13REN.crops.tif", false));
  std::printf("window: %d x %d pixels, %d bands (%s)\n", kSize, kSize, window.bands,
              bandFiles.value(0).section('.', 0, 3).toUtf8().constData());

  QElapsedTimer timer;
  std::vector<double> slicMs;
  std::vector<int32_t> labels;
  for (int r = 0; r < repeats; ++r) {
    timer.start();
    labels = slicSuperpixels(window, 16);
    slicMs.push_back(timer.nsecsElapsed() / 1e6);
  }
  const int32_t superpixels = *std::max_element(labels.begin(), labels.end()) + 1;
  std::printf("SLIC S=16:            %8.1f ms median of %d  (%d superpixels, boundary recall %.4f)\n",
              median(slicMs), repeats, superpixels, boundaryRecall(labels, edges));

  // Clicks on water, a parcel and forest-like texture: seeds spread over the window.
  std::vector<double> wandMs;
  int64_t wandPixels = 0;
  for (int r = 0; r < repeats; ++r)
    for (int seed = 0; seed < 8; ++seed) {
      const int x = 64 + seed * 117 % 896, y = 64 + seed * 331 % 896;
      if (!std::isfinite(window.at(0, x, y))) continue;
      timer.start();
      const std::vector<uint8_t> region = magicWandRegion(window, x, y, 0.1);
      wandMs.push_back(timer.nsecsElapsed() / 1e6);
      if (r == 0) wandPixels += std::count(region.begin(), region.end(), uint8_t(1));
    }
  std::printf("magic wand tol 0.1:   %8.1f ms median of %zu clicks (%lld pixels taken by the first 8)\n",
              median(wandMs), wandMs.size(), (long long)wandPixels);

  // SSIM of a band against a shifted copy over a square mask, as a gap-filling evaluation does.
  std::vector<float> truth(window.values.begin(), window.values.begin() + size_t(kSize) * kSize), predicted(truth);
  for (float& v : truth)
    if (!std::isfinite(v)) v = 0;
  for (size_t p = 0; p < predicted.size(); ++p) predicted[p] = truth[p] * 0.97f + 0.002f;
  std::vector<uint8_t> mask(truth.size(), 0);
  for (int y = 256; y < 768; ++y) std::fill_n(mask.begin() + size_t(y) * kSize + 256, 512, uint8_t(1));
  std::vector<double> ssimMs;
  double ssim = 0;
  for (int r = 0; r < repeats; ++r) {
    ImageMetrics metrics;
    timer.start();
    metrics.addPlane(predicted.data(), truth.data(), mask.data(), kSize, kSize);
    ssimMs.push_back(timer.nsecsElapsed() / 1e6);
    ssim = metrics.ssim();
  }
  std::printf("masked SSIM 1024^2:   %8.1f ms median of %d  (SSIM %.6f)\n", median(ssimMs), repeats, ssim);

  // Map tiles: a zone 12 granule, one date, with overviews as HLS COGs have them.
  HlsSynthOptions zone12 = options;
  zone12.tile = "12RYN";
  zone12.outDir = dataDir + "/hls-1024-12RYN";
  if (!QFileInfo::exists(QString::fromStdString(zone12.outDir + "/truth/T12RYN.truth.json"))) synthesizeHlsTile(zone12);
  ScanOptions scan;
  scan.computeCloudCover = false;
  const Scene scene = scanForScenes({zone12.outDir}, scan).scenes.at(0);
  SceneReader reader(scene);
  LayerStyle style;
  style.kind = LayerStyle::Kind::Rgb;
  style.rgb = {BandRole::Red, BandRole::Green, BandRole::Blue};
  for (auto& stretch : style.stretch) stretch = {0.0, 0.3};
  const auto& g = scene.geoTransform.coefficients();
  const MapPoint centre{g[0] + g[1] * kSize / 2, g[3] + g[5] * kSize / 2};
  LonLatTransform sceneCrs("EPSG:" + std::to_string(scene.epsg)), mapCrs("EPSG:32613");
  const MapPoint mapCentre = *mapCrs.fromLonLat(*sceneCrs.toLonLat(centre));
  for (const double metresPerPixel : {30.0, 120.0}) {
    for (const bool reprojected : {true, false}) {
      MapGrid grid;
      grid.width = grid.height = 512;
      grid.crs = reprojected ? "EPSG:32613" : "EPSG:" + std::to_string(scene.epsg);
      const MapPoint at = reprojected ? mapCentre : centre;
      grid.transform = GeoTransform({at.x - 256 * metresPerPixel, metresPerPixel, 0, at.y + 256 * metresPerPixel, 0,
                                     -metresPerPixel});
      std::vector<double> tileMs;
      int64_t drawn = 0;
      for (int r = 0; r < repeats * 4; ++r) {
        timer.start();
        const TileRenderResult tile = renderSceneTile(reader, style, grid);
        tileMs.push_back(timer.nsecsElapsed() / 1e6);
        drawn = std::count_if(tile.argb.begin(), tile.argb.end(), [](uint32_t argb) { return (argb >> 24) != 0; });
      }
      std::printf("map tile 512^2 %s at %3.0f m: %6.1f ms median of %d  (%lld pixels drawn)\n",
                  reprojected ? "zone 12 on zone 13" : "on its own grid  ", metresPerPixel, median(tileMs),
                  repeats * 4, (long long)drawn);
    }
  }
  return 0;
}
