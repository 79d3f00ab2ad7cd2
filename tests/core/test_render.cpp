// Rendering: statistics and stretches, spectral indices, colour maps, the per-pixel renderer
// with Fmask overlays, and tiles of scenes rendered into map grids of the same or another CRS.
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <thread>
#include <limits>

#include <gdal_priv.h>

#include "core/base/Error.h"
#include "core/raster/Crs.h"
#include "core/raster/Overviews.h"
#include "core/raster/RasterSource.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The test raster: 1024 x 1024, UTM 13N at 30 m (origin 500000, 3300000), three bands whose
// DN run 1000..1255 with neighbours differing, and one nodata pixel at (3, 2).
constexpr int kSide = 1024;
int pattern(int band, int x, int y) {
  if (x == 3 && y == 2) return -9999;
  return 1000 + (x * 7 + y * 13 + band * 50) % 256;
}
// With scale 0.0001 and the stretch [0.1, 0.1255] each DN step is one byte step: byte = DN - 1000.
constexpr double kScale = 0.0001;

int channel(uint32_t argb, int shift) { return int((argb >> shift) & 0xff); }
int alpha(uint32_t argb) { return channel(argb, 24); }
bool near(uint32_t a, uint32_t b, int tolerance) {
  for (int shift : {0, 8, 16, 24})
    if (std::abs(channel(a, shift) - channel(b, shift)) > tolerance) return false;
  return true;
}
QByteArray hex(uint32_t argb) { return QByteArray::number(argb, 16); }
// An overlay colour over an opaque pixel, computed in floating point.
uint32_t blend(uint32_t base, uint32_t overlay) {
  const double a = alpha(overlay) / 255.0;
  uint32_t result = 0xff000000u;
  for (int shift : {0, 8, 16})
    result |= uint32_t(std::lround(channel(overlay, shift) * a + channel(base, shift) * (1 - a))) << shift;
  return result;
}

// What the test raster's true-colour pixel (x, y) renders to with the 1-DN-per-byte stretch.
uint32_t expectedColour(int x, int y) {
  if (pattern(0, x, y) == -9999) return 0;
  // Bands are written Blue, Green, Red (band 0, 1, 2).
  return 0xff000000u | uint32_t(pattern(2, x, y) - 1000) << 16 | uint32_t(pattern(1, x, y) - 1000) << 8 |
         uint32_t(pattern(0, x, y) - 1000);
}

LayerStyle trueColourStyle() {
  LayerStyle style;
  style.kind = LayerStyle::Kind::Rgb;
  style.rgb = {BandRole::Red, BandRole::Green, BandRole::Blue};
  for (auto& stretch : style.stretch) stretch = {0.1, 0.1255};
  return style;
}

}  // namespace

class TestRender : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::string mRasterPath;
  Scene mScene;

  std::string path(const char* name) { return (mDir.path() + QLatin1Char('/') + QLatin1String(name)).toStdString(); }

  MapGrid utmGrid(double pixelX, double pixelY, double pixelSize, int width, int height) const {
    // A grid whose top-left corner is at scene pixel (pixelX, pixelY).
    MapGrid grid;
    grid.transform = GeoTransform({500000 + pixelX * 30, pixelSize, 0, 3300000 - pixelY * 30, 0, -pixelSize});
    grid.width = width;
    grid.height = height;
    grid.crs = "EPSG:32613";
    return grid;
  }

  // Renders `grid` (in `crs`) and checks sample pixels against the source pixel found by
  // transforming each output pixel centre to lon/lat and into the scene: the colour must be
  // that of the source pixel or one of its 8 neighbours.
  void checkReprojected(const MapGrid& grid) {
    SceneReader reader(mScene);
    const TileRenderResult tile = renderSceneTile(reader, trueColourStyle(), grid);
    QCOMPARE(int(tile.argb.size()), grid.width * grid.height);
    QCOMPARE(tile.overviewLevel, 0);
    LonLatTransform mapCrs(grid.crs);
    LonLatTransform sceneCrs("EPSG:32613");
    const std::vector<std::pair<int, int>> samples = {{grid.width / 2, grid.height / 2}, {7, 9}, {50, 20},
                                                      {33, 61}, {grid.width - 1, grid.height - 1}, {17, 16}};
    for (const auto& [i, j] : samples) {
      const MapPoint centre = grid.transform.pixelToMap(i + 0.5, j + 0.5);
      const auto lonLat = mapCrs.toLonLat(centre);
      QVERIFY(lonLat);
      const auto utm = sceneCrs.fromLonLat(*lonLat);
      QVERIFY(utm);
      const int sx = int(std::floor((utm->x - 500000) / 30)), sy = int(std::floor((3300000 - utm->y) / 30));
      QVERIFY(sx > 1 && sy > 1 && sx < kSide - 1 && sy < kSide - 1);
      const uint32_t actual = tile.argb[size_t(j) * grid.width + i];
      bool found = false;
      for (int dy = -1; dy <= 1 && !found; ++dy)
        for (int dx = -1; dx <= 1 && !found; ++dx) found = actual == expectedColour(sx + dx, sy + dy);
      QVERIFY2(found, qPrintable(QStringLiteral("output (%1,%2) -> source (%3,%4): got %5, expected %6")
                                     .arg(i).arg(j).arg(sx).arg(sy)
                                     .arg(QString::fromLatin1(hex(actual)))
                                     .arg(QString::fromLatin1(hex(expectedColour(sx, sy))))));
    }
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mRasterPath = path("pattern.tif");
    test::writeInt16Tiff(mRasterPath, kSide, kSide, 3, pattern);
    ScanOptions options;
    options.bandRoles = {BandRole::Blue, BandRole::Green, BandRole::Red};
    const ScanResult scan = scanForScenes({mRasterPath}, options);
    QCOMPARE(int(scan.scenes.size()), 1);
    mScene = scan.scenes[0];
    QCOMPARE(mScene.epsg, 32613);
    for (auto& band : mScene.bands) band.scale = kScale;  // DN -> reflectance goes through the scale
  }

  // ---- statistics and stretches --------------------------------------------------------------

  void statisticsOfKnownArray() {
    const std::vector<float> values = {1, 2, 3, 4, kNaN, 5, 6, 7, 8, 9, 10};
    const BandStatistics s = computeStatistics(values.data(), values.size(), 9);
    QCOMPARE(s.count, int64_t(10));
    QCOMPARE(s.min, 1.0);
    QCOMPARE(s.max, 10.0);
    QCOMPARE(s.mean, 5.5);
    QVERIFY(std::abs(s.stdDev - std::sqrt(8.25)) < 1e-12);  // population standard deviation
    QCOMPARE(s.histogramMin, 1.0);
    QCOMPARE(s.histogramMax, 10.0);
    const std::vector<int64_t> expected = {1, 1, 1, 1, 1, 1, 1, 1, 2};  // the maximum lands in the last bin
    QCOMPARE(s.histogram, expected);
  }

  void percentilesInterpolateWithinBins() {
    // 0..99, one value per bin of width 0.99: the percentiles of a uniform distribution.
    std::vector<float> values(100);
    for (int i = 0; i < 100; ++i) values[size_t(i)] = float(i);
    const BandStatistics s = computeStatistics(values.data(), values.size(), 100);
    QCOMPARE(s.count, int64_t(100));
    QVERIFY(std::abs(s.percentile(50) - 49.5) < 1e-9);
    QVERIFY(std::abs(s.percentile(10) - 9.9) < 1e-9);
    QVERIFY(std::abs(s.percentile(2.5) - 2.475) < 1e-9);  // half way through the third bin
    QCOMPARE(s.percentile(0), 0.0);
    QCOMPARE(s.percentile(100), 99.0);

    // A hand-made bimodal histogram over [0, 4]: half in the first bin, half in the last.
    BandStatistics bimodal;
    bimodal.count = 100;
    bimodal.min = bimodal.histogramMin = 0;
    bimodal.max = bimodal.histogramMax = 4;
    bimodal.histogram = {50, 0, 0, 50};
    QVERIFY(std::abs(bimodal.percentile(25) - 0.5) < 1e-12);
    QVERIFY(std::abs(bimodal.percentile(75) - 3.5) < 1e-12);
    QVERIFY(std::abs(bimodal.percentile(50) - 1.0) < 1e-12);
  }

  void allInvalidGivesZeros() {
    const std::vector<float> values(17, kNaN);
    const BandStatistics s = computeStatistics(values.data(), values.size(), 32);
    QCOMPARE(s.count, int64_t(0));
    QCOMPARE(s.min, 0.0);
    QCOMPARE(s.max, 0.0);
    QCOMPARE(s.mean, 0.0);
    QCOMPARE(s.stdDev, 0.0);
    QCOMPARE(int(s.histogram.size()), 32);
    for (int64_t bin : s.histogram) QCOMPARE(bin, int64_t(0));
    QCOMPARE(s.percentile(50), 0.0);
    for (StretchMode mode : {StretchMode::MinMax, StretchMode::PercentClip, StretchMode::StdDev}) {
      StretchParams params;
      params.mode = mode;
      const ChannelStretch stretch = stretchFor(s, params);
      QVERIFY(std::isfinite(stretch.min) && std::isfinite(stretch.max));
      QVERIFY(stretch.max > stretch.min);
    }
  }

  void stretchModes() {
    std::vector<float> values(100);
    for (int i = 0; i < 100; ++i) values[size_t(i)] = float(i);
    const BandStatistics s = computeStatistics(values.data(), values.size(), 100);
    StretchParams params;
    params.mode = StretchMode::MinMax;
    ChannelStretch stretch = stretchFor(s, params);
    QCOMPARE(stretch.min, 0.0);
    QCOMPARE(stretch.max, 99.0);

    params.mode = StretchMode::PercentClip;  // 2 and 98 %
    stretch = stretchFor(s, params);
    QVERIFY(std::abs(stretch.min - 1.98) < 1e-9);
    QVERIFY(std::abs(stretch.max - 97.02) < 1e-9);

    params.mode = StretchMode::StdDev;
    params.stdDevs = 1;
    const double sigma = std::sqrt((100.0 * 100.0 - 1) / 12);  // of 0..99
    stretch = stretchFor(s, params);
    QVERIFY(std::abs(stretch.min - (49.5 - sigma)) < 1e-6);
    QVERIFY(std::abs(stretch.max - (49.5 + sigma)) < 1e-6);
    params.stdDevs = 5;  // clamped to the data range
    stretch = stretchFor(s, params);
    QCOMPARE(stretch.min, 0.0);
    QCOMPARE(stretch.max, 99.0);

    // A constant band never gives min == max.
    const std::vector<float> constant(50, 0.3f);
    const BandStatistics flat = computeStatistics(constant.data(), constant.size());
    for (StretchMode mode : {StretchMode::MinMax, StretchMode::PercentClip, StretchMode::StdDev}) {
      params.mode = mode;
      stretch = stretchFor(flat, params);
      QVERIFY(stretch.max > stretch.min);
      QVERIFY(std::abs(stretch.min - 0.3) < 1e-5 && std::abs(stretch.max - 0.3) < 1e-5);
    }
  }

  // ---- indices ----------------------------------------------------------------------------------

  void indexFormulas() {
    auto one = [](SpectralIndex index, std::vector<float> inputs) {
      std::vector<const float*> bands;
      for (const float& value : inputs) bands.push_back(&value);
      float out = -123;
      computeIndex(index, bands, 1, &out);
      return double(out);
    };
    QCOMPARE(indexBands(SpectralIndex::NDVI), (std::vector<BandRole>{BandRole::NIR, BandRole::Red}));
    QCOMPARE(indexBands(SpectralIndex::NDWI), (std::vector<BandRole>{BandRole::Green, BandRole::NIR}));
    QCOMPARE(indexBands(SpectralIndex::MNDWI), (std::vector<BandRole>{BandRole::Green, BandRole::SWIR1}));
    QCOMPARE(indexBands(SpectralIndex::NBR), (std::vector<BandRole>{BandRole::NIR, BandRole::SWIR2}));
    QCOMPARE(indexBands(SpectralIndex::EVI), (std::vector<BandRole>{BandRole::NIR, BandRole::Red, BandRole::Blue}));

    QVERIFY(std::abs(one(SpectralIndex::NDVI, {0.5f, 0.1f}) - 0.4 / 0.6) < 1e-6);
    QVERIFY(std::abs(one(SpectralIndex::NDWI, {0.2f, 0.5f}) - (-0.3 / 0.7)) < 1e-6);
    QVERIFY(std::abs(one(SpectralIndex::MNDWI, {0.2f, 0.3f}) - (-0.2)) < 1e-6);
    QVERIFY(std::abs(one(SpectralIndex::NBR, {0.5f, 0.1f}) - 0.4 / 0.6) < 1e-6);
    // EVI = 2.5 (0.5 - 0.1) / (0.5 + 0.6 - 0.375 + 1)
    QVERIFY(std::abs(one(SpectralIndex::EVI, {0.5f, 0.1f, 0.05f}) - 1.0 / 1.725) < 1e-6);

    // NaN in -> NaN out; a zero denominator -> NaN.
    QVERIFY(std::isnan(one(SpectralIndex::NDVI, {kNaN, 0.1f})));
    QVERIFY(std::isnan(one(SpectralIndex::NBR, {0.3f, kNaN})));
    QVERIFY(std::isnan(one(SpectralIndex::EVI, {0.3f, 0.1f, kNaN})));
    QVERIFY(std::isnan(one(SpectralIndex::NDVI, {0.0f, 0.0f})));
    QVERIFY(std::isnan(one(SpectralIndex::MNDWI, {0.25f, -0.25f})));
    QVERIFY(std::isnan(one(SpectralIndex::EVI, {2.75f, 0.0f, 0.5f})));  // 2.75 + 0 - 3.75 + 1 = 0

    // Arrays: several pixels at once, and the wrong number of bands is an error.
    const std::vector<float> nir = {0.4f, 0.3f, 0.0f}, red = {0.1f, 0.3f, 0.0f};
    std::vector<float> out(3);
    computeIndex(SpectralIndex::NDVI, {nir.data(), red.data()}, 3, out.data());
    QVERIFY(std::abs(out[0] - 0.6f) < 1e-6f);
    QCOMPARE(out[1], 0.0f);
    QVERIFY(std::isnan(out[2]));
    QVERIFY_THROWS_EXCEPTION(Error, computeIndex(SpectralIndex::EVI, {nir.data(), red.data()}, 3, out.data()));
  }

  void namesRoundTrip() {
    for (SpectralIndex index :
         {SpectralIndex::NDVI, SpectralIndex::NDWI, SpectralIndex::MNDWI, SpectralIndex::NBR, SpectralIndex::EVI})
      QCOMPARE(spectralIndexFromName(spectralIndexName(index)), std::optional<SpectralIndex>(index));
    QCOMPARE(spectralIndexFromName("ndvi"), std::optional<SpectralIndex>(SpectralIndex::NDVI));
    QVERIFY(!spectralIndexFromName("SAVI"));
    for (ColorMapName map : {ColorMapName::Gray, ColorMapName::Viridis, ColorMapName::Magma, ColorMapName::RdYlGn,
                             ColorMapName::Blues, ColorMapName::BrBG})
      QCOMPARE(colorMapFromName(colorMapName(map)), std::optional<ColorMapName>(map));
    QCOMPARE(colorMapFromName("viridis"), std::optional<ColorMapName>(ColorMapName::Viridis));
    QVERIFY(!colorMapFromName("jet"));
  }

  // ---- colour maps and styles ---------------------------------------------------------------

  void colourTables() {
    const auto& gray = colorTable(ColorMapName::Gray);
    for (int i = 0; i < 256; ++i) QCOMPARE(gray[size_t(i)], 0xff000000u | uint32_t(i) << 16 | uint32_t(i) << 8 | uint32_t(i));
    const std::vector<std::tuple<ColorMapName, uint32_t, uint32_t>> ends = {
        {ColorMapName::Viridis, 0xff440154, 0xfffde725}, {ColorMapName::Magma, 0xff000004, 0xfffcfdbf},
        {ColorMapName::RdYlGn, 0xffa50026, 0xff006837},  {ColorMapName::Blues, 0xfff7fbff, 0xff08306b},
        {ColorMapName::BrBG, 0xff543005, 0xff003c30}};
    for (const auto& [map, first, last] : ends) {
      const auto& table = colorTable(map);
      QCOMPARE(hex(table[0]), hex(first));
      QCOMPARE(hex(table[255]), hex(last));
      for (uint32_t entry : table) QCOMPARE(alpha(entry), 255);
    }
    // Viridis gets brighter (green rises monotonically), Blues darker.
    const auto& viridis = colorTable(ColorMapName::Viridis);
    for (int i = 1; i < 256; ++i) QVERIFY(channel(viridis[size_t(i)], 8) >= channel(viridis[size_t(i) - 1], 8));
    const auto& blues = colorTable(ColorMapName::Blues);
    for (int i = 1; i < 256; ++i) QVERIFY(channel(blues[size_t(i)], 16) <= channel(blues[size_t(i) - 1], 16));
    // The middle of the diverging maps is their pale centre.
    QVERIFY(near(colorTable(ColorMapName::RdYlGn)[128], 0xffffffbf, 3));
    QVERIFY(near(colorTable(ColorMapName::BrBG)[128], 0xfff5f5f5, 3));
  }

  void stylesAndPresets() {
    const auto& presets = stylePresets();
    QCOMPARE(int(presets.size()), 4);
    QCOMPARE(std::string(presets[0].name), std::string("True colour"));
    QVERIFY((presets[0].rgb == std::array<BandRole, 3>{BandRole::Red, BandRole::Green, BandRole::Blue}));
    QCOMPARE(std::string(presets[1].name), std::string("Colour infrared"));
    QVERIFY((presets[1].rgb == std::array<BandRole, 3>{BandRole::NIR, BandRole::Red, BandRole::Green}));
    QCOMPARE(std::string(presets[2].name), std::string("SWIR"));
    QVERIFY((presets[2].rgb == std::array<BandRole, 3>{BandRole::SWIR2, BandRole::NIR, BandRole::Red}));
    QCOMPARE(std::string(presets[3].name), std::string("Agriculture"));
    QVERIFY((presets[3].rgb == std::array<BandRole, 3>{BandRole::SWIR1, BandRole::NIR, BandRole::Blue}));

    LayerStyle style;
    style.rgb = presets[2].rgb;
    QCOMPARE(style.bandsToRead(), (std::vector<BandRole>{BandRole::SWIR2, BandRole::NIR, BandRole::Red}));
    style.kind = LayerStyle::Kind::SingleBand;
    style.band = BandRole::SWIR1;
    QCOMPARE(style.bandsToRead(), std::vector<BandRole>{BandRole::SWIR1});
    style.kind = LayerStyle::Kind::Index;
    style.index = SpectralIndex::EVI;
    QCOMPARE(style.bandsToRead(), indexBands(SpectralIndex::EVI));
    QVERIFY(!style.needsFmask());
    style.fmaskOverlay = fmask::kCloud;
    QVERIFY(style.needsFmask());

    const uint32_t cloud = fmaskOverlayColor(fmask::kCloud);
    QVERIFY(alpha(cloud) > 130 && alpha(cloud) < 180);                     // ~60 %
    QVERIFY(channel(cloud, 16) > 200 && channel(cloud, 8) > 200 && channel(cloud, 0) > 200);  // light
    const uint32_t shadow = fmaskOverlayColor(fmask::kShadow);
    QVERIFY(alpha(shadow) > 110 && alpha(shadow) < 150);                   // ~50 %
    QVERIFY(channel(shadow, 16) < 80 && channel(shadow, 8) < 80 && channel(shadow, 0) < 80);  // dark
    const uint32_t water = fmaskOverlayColor(fmask::kWater);
    QVERIFY(channel(water, 0) > 200 && channel(water, 16) < 100);          // blue
    const uint32_t snow = fmaskOverlayColor(fmask::kSnowIce);
    QVERIFY(channel(snow, 0) > 200 && channel(snow, 8) > 200 && channel(snow, 16) < 200);  // cyan-ish
    QVERIFY(alpha(fmaskOverlayColor(fmask::kCirrus)) > 0);
    QVERIFY(alpha(fmaskOverlayColor(fmask::kAdjacent)) > 0);
  }

  // ---- renderPixels -------------------------------------------------------------------------

  void rgbStretchAndGamma() {
    LayerStyle style;
    style.stretch = {ChannelStretch{0.0, 0.2}, ChannelStretch{0.1, 0.3}, ChannelStretch{0.0, 0.4}};
    // pixel 0: t = 0.25, 0.2, 0.75 -> 63.75, 51, 191.25; pixel 1: clamped; pixel 2: G invalid.
    const std::vector<float> r = {0.05f, -0.1f, 0.1f}, g = {0.14f, 0.5f, kNaN}, b = {0.3f, 0.4f, 0.1f};
    std::vector<uint32_t> out(3, 0xdeadbeef);
    renderPixels(style, {r.data(), g.data(), b.data()}, nullptr, 3, 1, out.data());
    QCOMPARE(hex(out[0]), hex(0xff4033bf));  // 64, 51, 191
    QCOMPARE(hex(out[1]), hex(0xff00ffff));
    QCOMPARE(hex(out[2]), hex(0x00000000));

    // gamma 2: out = sqrt(t): t = 0.5 -> 180.3, t = 0.1 -> 80.6, t = 0.1 -> 80.6.
    style.gamma = 2;
    const std::vector<float> r2 = {0.1f, 0.0f}, g2 = {0.12f, 0.3f}, b2 = {0.04f, 0.4f};
    std::vector<uint32_t> out2(2);
    renderPixels(style, {r2.data(), g2.data(), b2.data()}, nullptr, 2, 1, out2.data());
    QVERIFY2(near(out2[0], 0xffb45151, 1), hex(out2[0]).constData());
    QCOMPARE(hex(out2[1]), hex(0xff00ffff));  // the ends stay put
    // gamma 0.5: out = t^2: t = 0.5 -> 63.75, t = 0.1 -> 2.55
    style.gamma = 0.5;
    renderPixels(style, {r2.data(), g2.data(), b2.data()}, nullptr, 2, 1, out2.data());
    QVERIFY2(near(out2[0], 0xff400303, 1), hex(out2[0]).constData());
  }

  void renderPixelsMatchesReference() {
    // Long enough for the vectorised body and its scalar tail (1003 = 4 * 250 + 3), with NaN
    // scattered through every band and values on both sides of the stretch.
    const int n = 1003;
    std::vector<float> r(n), g(n), b(n);
    for (int i = 0; i < n; ++i) {
      r[size_t(i)] = float((i * 37) % 101) / 100.0f * 0.5f - 0.05f;
      g[size_t(i)] = float((i * 53) % 97) / 96.0f * 0.4f;
      b[size_t(i)] = float((i * 11) % 89) / 88.0f * 0.3f + 0.01f;
      if (i % 17 == 3) r[size_t(i)] = kNaN;
      if (i % 23 == 5) g[size_t(i)] = kNaN;
      if (i % 29 == 7 || i == n - 1) b[size_t(i)] = kNaN;
    }
    LayerStyle style;
    style.stretch = {ChannelStretch{0.0, 0.4}, ChannelStretch{0.05, 0.35}, ChannelStretch{0.02, 0.25}};
    auto reference = [&](int i, double gamma) -> uint32_t {
      const float values[3] = {r[size_t(i)], g[size_t(i)], b[size_t(i)]};
      uint32_t pixel = 0xff000000u;
      for (int c = 0; c < 3; ++c) {
        if (std::isnan(values[c])) return 0;
        const ChannelStretch& s = style.stretch[size_t(c)];
        const double t = std::clamp((values[c] - s.min) / (s.max - s.min), 0.0, 1.0);
        pixel |= uint32_t(std::lround(std::pow(t, 1 / gamma) * 255)) << (16 - 8 * c);
      }
      return pixel;
    };
    std::vector<uint32_t> out(n);
    for (double gamma : {1.0, 2.2, 0.7}) {
      style.gamma = gamma;
      renderPixels(style, {r.data(), g.data(), b.data()}, nullptr, n, 1, out.data());
      int transparent = 0;
      for (int i = 0; i < n; ++i) {
        const uint32_t expected = reference(i, gamma);
        transparent += expected == 0;
        // Float arithmetic and the gamma table may land a level off where the exact value
        // is within a hair of a half.
        if (!near(out[size_t(i)], expected, 1))
          QFAIL(qPrintable(QStringLiteral("gamma %1 pixel %2: %3 != %4").arg(gamma).arg(i)
                               .arg(QString::fromLatin1(hex(out[size_t(i)]))).arg(QString::fromLatin1(hex(expected)))));
        if (alpha(out[size_t(i)]) != alpha(expected)) QFAIL("alpha differs");
      }
      QVERIFY(transparent > 100);
    }
    // A single band through a colour map, the same way.
    LayerStyle single;
    single.kind = LayerStyle::Kind::SingleBand;
    single.colorMap = ColorMapName::Magma;
    single.stretch[0] = {0.0, 0.4};
    renderPixels(single, {r.data()}, nullptr, n, 1, out.data());
    const auto& magma = colorTable(ColorMapName::Magma);
    for (int i = 0; i < n; ++i) {
      if (std::isnan(r[size_t(i)])) {
        QCOMPARE(out[size_t(i)], 0u);
        continue;
      }
      const double t = std::clamp(r[size_t(i)] / 0.4, 0.0, 1.0);
      const long level = std::lround(t * 255);
      QVERIFY(out[size_t(i)] == magma[size_t(level)] || out[size_t(i)] == magma[size_t(std::max(0L, level - 1))] ||
              out[size_t(i)] == magma[size_t(std::min(255L, level + 1))]);
    }
  }

  void singleBandThroughColourMap() {
    LayerStyle style;
    style.kind = LayerStyle::Kind::SingleBand;
    style.band = BandRole::NIR;
    style.colorMap = ColorMapName::Viridis;
    style.stretch[0] = {0.0, 1.0};
    const std::vector<float> nir = {0.0f, 1.0f, 0.2f, 2.0f, -1.0f, kNaN};
    std::vector<uint32_t> out(6);
    renderPixels(style, {nir.data()}, nullptr, 3, 2, out.data());
    const auto& viridis = colorTable(ColorMapName::Viridis);
    QCOMPARE(hex(out[0]), hex(0xff440154));
    QCOMPARE(hex(out[1]), hex(0xfffde725));
    QCOMPARE(hex(out[2]), hex(viridis[51]));  // 0.2 * 255
    QCOMPARE(hex(out[3]), hex(viridis[255]));
    QCOMPARE(hex(out[4]), hex(viridis[0]));
    QCOMPARE(out[5], 0u);
    QVERIFY_THROWS_EXCEPTION(Error, renderPixels(style, {nir.data(), nir.data()}, nullptr, 3, 2, out.data()));
  }

  void indexThroughColourMap() {
    LayerStyle style;
    style.kind = LayerStyle::Kind::Index;
    style.index = SpectralIndex::NDVI;
    style.colorMap = ColorMapName::RdYlGn;
    style.stretch[0] = {-1.0, 1.0};
    // NDVI: 0.5 -> t 0.75 -> entry 191; -1 -> 0; invalid red; zero denominator.
    const std::vector<float> nir = {0.3f, 0.0f, 0.3f, 0.0f}, red = {0.1f, 0.2f, kNaN, 0.0f};
    std::vector<uint32_t> out(4);
    renderPixels(style, {nir.data(), red.data()}, nullptr, 2, 2, out.data());
    const auto& table = colorTable(ColorMapName::RdYlGn);
    QCOMPARE(hex(out[0]), hex(table[191]));
    QCOMPARE(hex(out[1]), hex(table[0]));
    QCOMPARE(out[2], 0u);
    QCOMPARE(out[3], 0u);
  }

  void fmaskOverlayBlends() {
    LayerStyle style;
    style.stretch = {ChannelStretch{0.0, 1.0}, ChannelStretch{0.0, 1.0}, ChannelStretch{0.0, 1.0}};
    style.fmaskOverlay = fmask::kCloud | fmask::kShadow | fmask::kWater;
    const int n = 7;
    const std::vector<float> grey(n, 0.4f);  // 102
    const std::vector<uint8_t> mask = {0,
                                       fmask::kCloud,
                                       uint8_t(fmask::kCloud | fmask::kShadow),
                                       fmask::kShadow,
                                       fmask::kSnowIce,  // not selected
                                       fmask::kWater,
                                       kFmaskFill};
    std::vector<uint32_t> out(n);
    renderPixels(style, {grey.data(), grey.data(), grey.data()}, mask.data(), n, 1, out.data());
    const uint32_t base = 0xff666666;
    auto blended = [&](uint32_t overlay) { return blend(base, overlay); };
    QCOMPARE(hex(out[0]), hex(base));
    QVERIFY2(near(out[1], blended(fmaskOverlayColor(fmask::kCloud)), 1), hex(out[1]).constData());
    QVERIFY(channel(out[1], 16) > 102);  // cloud brightens
    QCOMPARE(hex(out[2]), hex(out[1]));  // cloud wins over shadow
    QVERIFY2(near(out[3], blended(fmaskOverlayColor(fmask::kShadow)), 1), hex(out[3]).constData());
    QVERIFY(channel(out[3], 16) < 102);  // shadow darkens
    QCOMPARE(hex(out[4]), hex(base));
    QVERIFY2(near(out[5], blended(fmaskOverlayColor(fmask::kWater)), 1), hex(out[5]).constData());
    QCOMPARE(out[6], 0u);  // fill is transparent
  }

  // ---- tiles of a scene -----------------------------------------------------------------------

  void sameCrsNativeResolution() {
    SceneReader reader(mScene);
    const LayerStyle style = trueColourStyle();
    // Top-left corner 10 pixels outside the scene: those rows and columns are transparent.
    const MapGrid grid = utmGrid(-10, -10, 30, 64, 48);
    const TileRenderResult tile = renderSceneTile(reader, style, grid);
    QVERIFY(!tile.canceled);
    QCOMPARE(tile.overviewLevel, 0);
    QCOMPARE(int(tile.argb.size()), 64 * 48);
    for (int j = 0; j < 48; ++j)
      for (int i = 0; i < 64; ++i) {
        const uint32_t actual = tile.argb[size_t(j) * 64 + i];
        const uint32_t expected = (i < 10 || j < 10) ? 0u : expectedColour(i - 10, j - 10);
        if (actual != expected)
          QFAIL(qPrintable(QStringLiteral("pixel %1,%2: %3 != %4").arg(i).arg(j)
                               .arg(QString::fromLatin1(hex(actual))).arg(QString::fromLatin1(hex(expected)))));
      }
    QCOMPARE(tile.argb[size_t(12) * 64 + 13], 0u);  // the nodata pixel (3, 2)

    // The bottom-right corner of the scene.
    const TileRenderResult corner = renderSceneTile(reader, style, utmGrid(kSide - 20, kSide - 8, 30, 32, 16));
    for (int j = 0; j < 16; ++j)
      for (int i = 0; i < 32; ++i) {
        const uint32_t expected = (i >= 20 || j >= 8) ? 0u : expectedColour(kSide - 20 + i, kSide - 8 + j);
        QCOMPARE(hex(corner.argb[size_t(j) * 32 + i]), hex(expected));
      }

    // Zoomed in 2x: each source pixel fills 2 x 2 output pixels.
    const TileRenderResult zoomed = renderSceneTile(reader, style, utmGrid(100, 200, 15, 40, 40));
    QCOMPARE(zoomed.overviewLevel, 0);
    for (int j = 0; j < 40; ++j)
      for (int i = 0; i < 40; ++i)
        QCOMPARE(hex(zoomed.argb[size_t(j) * 40 + i]), hex(expectedColour(100 + i / 2, 200 + j / 2)));

    // A grid away from the scene gives nothing.
    QVERIFY(renderSceneTile(reader, style, utmGrid(5000, 0, 30, 64, 64)).argb.empty());
  }

  void zoomedOutReadsOverview() {
    const std::string file = path("pattern-ovr.tif");
    test::writeInt16Tiff(file, kSide, kSide, 3, pattern);
    QCOMPARE(buildOverviews(file), (std::vector<int>{2, 4}));
    Scene scene = mScene;
    for (auto& band : scene.bands) band.path = file;
    SceneReader reader(scene);
    // 120 m output pixels: 4 x 4 source pixels each, starting at scene pixel (64, 128).
    const MapGrid grid = utmGrid(64, 128, 120, 48, 40);
    const TileRenderResult tile = renderSceneTile(reader, trueColourStyle(), grid);
    QCOMPARE(tile.overviewLevel, 2);  // the 4x overview
    QCOMPARE(int(tile.argb.size()), 48 * 40);
    int compared = 0;
    for (int j = 0; j < 40; ++j)
      for (int i = 0; i < 48; ++i) {
        double sums[3] = {0, 0, 0};
        for (int dy = 0; dy < 4; ++dy)
          for (int dx = 0; dx < 4; ++dx)
            for (int b = 0; b < 3; ++b) sums[b] += pattern(b, 64 + 4 * i + dx, 128 + 4 * j + dy) - 1000;
        const uint32_t actual = tile.argb[size_t(j) * 48 + i];
        QCOMPARE(alpha(actual), 255);
        // Overviews are built level by level with integer rounding: within 2 DN of the exact mean.
        const int red = int(std::lround(sums[2] / 16)), green = int(std::lround(sums[1] / 16)),
                  blue = int(std::lround(sums[0] / 16));
        if (std::abs(channel(actual, 16) - red) > 2 || std::abs(channel(actual, 8) - green) > 2 ||
            std::abs(channel(actual, 0) - blue) > 2)
          QFAIL(qPrintable(QStringLiteral("pixel %1,%2: %3 vs mean %4 %5 %6").arg(i).arg(j)
                               .arg(QString::fromLatin1(hex(actual))).arg(red).arg(green).arg(blue)));
        ++compared;
      }
    QCOMPARE(compared, 48 * 40);
    // The level reported is the one GDAL picks for that window and read size.
    GDALDatasetH dataset = GDALOpen(file.c_str(), GA_ReadOnly);
    QVERIFY(dataset);
    for (double size : {45.0, 60.0, 75.0, 90.0, 120.0, 150.0, 200.0, 250.0, 480.0}) {
      const TileRenderResult small = renderSceneTile(reader, trueColourStyle(), utmGrid(0, 0, size, 32, 32));
      const double k = size / 30;
      int x = 0, y = 0, w = int(std::ceil(32 * k - 1e-9)), h = w;
      GDALRasterIOExtraArg extra;
      INIT_RASTERIO_EXTRA_ARG(extra);
      extra.eResampleAlg = GRIORA_Average;
      const int gdalLevel = GDALBandGetBestOverviewLevel2(GDALRasterBand::FromHandle(GDALGetRasterBand(dataset, 1)),
                                                          x, y, w, h, std::max(1, int(std::lround(w / k))),
                                                          std::max(1, int(std::lround(h / k))), &extra) + 1;
      QCOMPARE(small.overviewLevel, gdalLevel);
    }
    GDALClose(dataset);
    // Reprojected and zoomed out (0.0012 degrees, about 4 source pixels): an overview is read
    // and the tile inside the scene is opaque.
    const auto centre = LonLatTransform("EPSG:32613").toLonLat({500000 + 512 * 30, 3300000 - 512 * 30});
    MapGrid lonLat;
    lonLat.width = lonLat.height = 64;
    lonLat.crs = "EPSG:4326";
    lonLat.transform = GeoTransform({centre->lon - 32 * 0.0012, 0.0012, 0, centre->lat + 32 * 0.0012, 0, -0.0012});
    const TileRenderResult reprojected = renderSceneTile(reader, trueColourStyle(), lonLat);
    QVERIFY(reprojected.overviewLevel >= 1);
    for (uint32_t pixel : reprojected.argb) QCOMPARE(alpha(pixel), 255);
    // Without overviews the same grid reads full resolution through GDAL's averaging: same answer.
    SceneReader plain(mScene);
    const TileRenderResult direct = renderSceneTile(plain, trueColourStyle(), grid);
    QCOMPARE(direct.overviewLevel, 0);
    for (size_t i = 0; i < tile.argb.size(); ++i) QVERIFY(near(direct.argb[i], tile.argb[i], 2));
  }

  void lonLatGridReprojects() {
    // A 0.0003 degree grid (about 29 m x 33 m) around a point inside the scene.
    LonLatTransform utm("EPSG:32613");
    const auto centre = utm.toLonLat({500000 + 400.3 * 30, 3300000 - 611.7 * 30});
    QVERIFY(centre);
    MapGrid grid;
    grid.width = 65;
    grid.height = 65;
    grid.crs = "EPSG:4326";
    grid.transform = GeoTransform({centre->lon - 32.5 * 0.0003, 0.0003, 0, centre->lat + 32.5 * 0.0003, 0, -0.0003});
    checkReprojected(grid);
  }

  void webMercatorGridReprojects() {
    LonLatTransform utm("EPSG:32613");
    LonLatTransform mercator("EPSG:3857");
    const auto centre = mercator.fromLonLat(*utm.toLonLat({500000 + 700.5 * 30, 3300000 - 200.25 * 30}));
    QVERIFY(centre);
    MapGrid grid;
    grid.width = 70;
    grid.height = 66;
    grid.crs = "EPSG:3857";
    grid.transform = GeoTransform({centre->x - 35 * 33.0, 33.0, 0, centre->y + 33 * 33.0, 0, -33.0});
    checkReprojected(grid);

    // A Web Mercator grid over the scene's corner: outside is transparent, inside is opaque.
    const auto corner = mercator.fromLonLat(*utm.toLonLat({500000, 3300000}));
    grid.transform = GeoTransform({corner->x - 32 * 33.0, 33.0, 0, corner->y + 32 * 33.0, 0, -33.0});
    SceneReader reader(mScene);
    const TileRenderResult tile = renderSceneTile(reader, trueColourStyle(), grid);
    QCOMPARE(alpha(tile.argb[0]), 0);                          // north-west of the scene
    QCOMPARE(alpha(tile.argb[size_t(60) * grid.width + 60]), 255);  // inside
  }

  void sceneReaderResampling() {
    SceneReader reader(mScene);
    // 8 x 8 pixels at (16, 16) into 2 x 2: Average gives 4 x 4 means, Nearest picks pixels.
    const Window window{16, 16, 8, 8};
    const RasterBlock average = reader.readResampled(window, 2, 2, {BandRole::Red, BandRole::Blue}, DataType::Float32);
    const RasterBlock nearest =
        reader.readResampled(window, 2, 2, {BandRole::Red, BandRole::Blue}, DataType::Float32, Resampling::Nearest);
    QCOMPARE(average.bandCount(), 2);
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i) {
        double sum = 0;
        bool member = false;
        for (int dy = 0; dy < 4; ++dy)
          for (int dx = 0; dx < 4; ++dx) {
            const int value = pattern(2, 16 + 4 * i + dx, 16 + 4 * j + dy);
            sum += value;
            member = member || nearest.value(0, i, j) == value;
          }
        QVERIFY(std::abs(average.value(0, i, j) - sum / 16) < 0.51);
        QVERIFY(member);
        QVERIFY(nearest.value(0, i, j) == std::floor(nearest.value(0, i, j)));
      }
    // Same size: a plain read, whatever the resampling.
    const RasterBlock same = reader.readResampled(window, 8, 8, {BandRole::Green}, std::nullopt, Resampling::Average);
    QCOMPARE(same.type(), DataType::Int16);
    QCOMPARE(same.value(0, 3, 5), double(pattern(1, 19, 21)));
    // A large read goes through the parallel path and agrees with read().
    const RasterBlock big = reader.readResampled({0, 0, kSide, kSide}, 600, 600, {BandRole::Red, BandRole::Green});
    const RasterBlock bigAgain = reader.readResampled({0, 0, kSide, kSide}, 600, 600, {BandRole::Green});
    QVERIFY(std::memcmp(big.bandData(1), bigAgain.bandData(0), big.bandBytes()) == 0);
    QVERIFY_THROWS_EXCEPTION(Error, reader.readResampled(window, 2, 2, {BandRole::NIR}));
    QCOMPARE(reader.rasterInfo(BandRole::Red).width, kSide);
  }

  void concurrentTilesAgree() {
    SceneReader reader(mScene);
    std::vector<MapGrid> grids;
    for (int k = 0; k < 8; ++k) grids.push_back(utmGrid(37 * k, 51 * k, 30 + 10 * k, 64, 64));
    MapGrid lonLat;
    lonLat.width = lonLat.height = 64;
    lonLat.crs = "EPSG:4326";
    const auto corner = LonLatTransform("EPSG:32613").toLonLat({500000 + 3000, 3300000 - 3000});
    lonLat.transform = GeoTransform({corner->lon, 0.0004, 0, corner->lat, 0, -0.0004});
    grids.push_back(lonLat);
    std::vector<TileRenderResult> serial;
    for (const auto& grid : grids) serial.push_back(renderSceneTile(reader, trueColourStyle(), grid));
    std::vector<std::vector<TileRenderResult>> parallel(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int round = 0; round < 3; ++round)
          for (size_t g = 0; g < grids.size(); ++g)
            parallel[size_t(t)].push_back(renderSceneTile(reader, trueColourStyle(), grids[(g + size_t(t)) % grids.size()]));
      });
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < 4; ++t)
      for (size_t k = 0; k < parallel[size_t(t)].size(); ++k)
        QVERIFY(parallel[size_t(t)][k].argb == serial[(k + size_t(t)) % grids.size()].argb);
  }

  void cancelStopsEarly() {
    SceneReader reader(mScene);
    std::atomic<bool> cancel{true};
    const TileRenderResult tile = renderSceneTile(reader, trueColourStyle(), utmGrid(0, 0, 30, 256, 256), &cancel);
    QVERIFY(tile.canceled);
    QVERIFY(tile.argb.empty());
    cancel = false;
    const TileRenderResult done = renderSceneTile(reader, trueColourStyle(), utmGrid(0, 0, 30, 256, 256), &cancel);
    QVERIFY(!done.canceled);
    QCOMPARE(int(done.argb.size()), 256 * 256);
  }

  void viewAndSceneStatistics() {
    SceneReader reader(mScene);
    LayerStyle style = trueColourStyle();
    // The view of sameCrsNativeResolution: scene pixels 0..53 x 0..37, one of them nodata.
    const auto view = viewStatistics(reader, style, utmGrid(-10, -10, 30, 64, 48));
    QCOMPARE(int(view.size()), 3);
    for (int band = 0; band < 3; ++band) {
      const int role = 2 - band;  // Red, Green, Blue are file bands 2, 1, 0
      int lo = 1 << 30, hi = -(1 << 30);
      for (int y = 0; y < 38; ++y)
        for (int x = 0; x < 54; ++x)
          if (pattern(role, x, y) != -9999) {
            lo = std::min(lo, pattern(role, x, y));
            hi = std::max(hi, pattern(role, x, y));
          }
      QCOMPARE(view[size_t(band)].count, int64_t(54 * 38 - 1));
      QVERIFY(std::abs(view[size_t(band)].min - lo * kScale) < 1e-6);
      QVERIFY(std::abs(view[size_t(band)].max - hi * kScale) < 1e-6);
    }
    // An index gives one set of statistics.
    style.kind = LayerStyle::Kind::Index;
    style.index = SpectralIndex::MNDWI;
    QVERIFY_THROWS_EXCEPTION(Error, viewStatistics(reader, style, utmGrid(0, 0, 30, 8, 8)));  // no SWIR1
    style.kind = LayerStyle::Kind::SingleBand;
    style.band = BandRole::Green;
    const auto scene = sceneStatistics(reader, style, 256);
    QCOMPARE(int(scene.size()), 1);
    QCOMPARE(scene[0].count, int64_t(256 * 256));  // read at 256 x 256, averaged
    QVERIFY(scene[0].min >= 0.1 - 1e-6 && scene[0].max <= 0.1255 + 1e-6);
    QVERIFY(scene[0].max > scene[0].min);
  }

  void hlsGranuleWithFmask() {
    HlsSynthOptions options;
    options.dates = 1;
    options.size = 300;
    options.seed = 7;
    options.outDir = path("hls");
    synthesizeHlsTile(options);
    const ScanResult scan = scanForScenes({options.outDir});
    QCOMPARE(int(scan.scenes.size()), 1);
    const Scene& granule = scan.scenes[0];
    SceneReader reader(granule);

    LayerStyle style;
    const auto statistics = sceneStatistics(reader, style);
    QCOMPARE(int(statistics.size()), 3);
    for (int c = 0; c < 3; ++c) style.stretch[size_t(c)] = stretchFor(statistics[size_t(c)], StretchParams{});
    QVERIFY(statistics[0].max < 2.0);  // reflectance, not DN

    MapGrid grid;
    grid.transform = GeoTransform({granule.geoTransform.originX(), granule.geoTransform.pixelWidth(), 0,
                                   granule.geoTransform.originY(), 0, granule.geoTransform.pixelHeight()});
    grid.width = granule.width;
    grid.height = granule.height;
    grid.crs = granule.crsWkt;  // WKT rather than EPSG:n
    const TileRenderResult plain = renderSceneTile(reader, style, grid);
    style.fmaskOverlay = fmask::kCloud | fmask::kShadow;
    const TileRenderResult overlaid = renderSceneTile(reader, style, grid);
    QCOMPARE(plain.argb.size(), overlaid.argb.size());

    const auto fmaskFile = RasterSource::open(granule.band(BandRole::Fmask)->path);
    const RasterBlock mask = fmaskFile->read({0, 0, granule.width, granule.height}, {1});
    const auto redFile = RasterSource::open(granule.band(BandRole::Red)->path);
    const RasterBlock red = redFile->read({0, 0, granule.width, granule.height}, {1});
    int clouds = 0, shadows = 0, clear = 0, fill = 0;
    for (size_t i = 0; i < plain.argb.size(); ++i) {
      const uint8_t f = mask.band<uint8_t>(0)[i];
      const bool invalid = red.band<int16_t>(0)[i] == kHlsFill;
      if (invalid) {
        QCOMPARE(plain.argb[i], 0u);
        continue;
      }
      if (f == kFmaskFill) {
        QCOMPARE(overlaid.argb[i], 0u);
        ++fill;
      } else if (f & fmask::kCloud) {
        QVERIFY2(near(overlaid.argb[i], blend(plain.argb[i], fmaskOverlayColor(fmask::kCloud)), 1),
                 hex(overlaid.argb[i]).constData());
        ++clouds;
      } else if (f & fmask::kShadow) {
        QVERIFY2(near(overlaid.argb[i], blend(plain.argb[i], fmaskOverlayColor(fmask::kShadow)), 1),
                 hex(overlaid.argb[i]).constData());
        ++shadows;
      } else {
        QCOMPARE(overlaid.argb[i], plain.argb[i]);
        QCOMPARE(alpha(plain.argb[i]), 255);
        ++clear;
      }
    }
    QVERIFY(clear > 0);
    qInfo("granule pixels: %d clear, %d cloud, %d shadow, %d fill", clear, clouds, shadows, fill);
  }

  void landsatSampleTrueColour() {
    QVERIFY2(test::haveSamples(), "run packaging/fetch-samples.sh first");
    const ScanResult scan = scanForScenes({test::samplePath(QStringLiteral("stars/L7_ETMs.tif")).toStdString()});
    QCOMPARE(int(scan.scenes.size()), 1);
    const Scene& scene = scan.scenes[0];
    QCOMPARE(scene.epsg, 31985);
    SceneReader reader(scene);
    LayerStyle style;  // true colour
    const auto statistics = sceneStatistics(reader, style);
    QCOMPARE(int(statistics.size()), 3);
    for (int c = 0; c < 3; ++c) {
      QVERIFY(statistics[size_t(c)].count > 100000);
      style.stretch[size_t(c)] = stretchFor(statistics[size_t(c)], StretchParams{});
      QVERIFY(style.stretch[size_t(c)].max > style.stretch[size_t(c)].min);
    }

    // The whole scene into 256 x 256 in its own CRS, and into Web Mercator.
    const double side = std::max(scene.width, scene.height) * scene.geoTransform.pixelWidth();
    MapGrid grid;
    grid.width = grid.height = 256;
    grid.crs = "EPSG:31985";
    grid.transform = GeoTransform({scene.geoTransform.originX(), side / 256, 0, scene.geoTransform.originY(), 0,
                                   -side / 256});
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) {
        LonLatTransform mercator("EPSG:3857");
        double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
        for (const LonLat& point : scene.footprint) {
          const auto m = mercator.fromLonLat(point);
          QVERIFY(m);
          minX = std::min(minX, m->x), maxX = std::max(maxX, m->x);
          minY = std::min(minY, m->y), maxY = std::max(maxY, m->y);
        }
        grid.crs = "EPSG:3857";
        grid.transform = GeoTransform({minX, (maxX - minX) / 256, 0, maxY, 0, -(maxY - minY) / 256});
      }
      const TileRenderResult tile = renderSceneTile(reader, style, grid);
      QCOMPARE(int(tile.argb.size()), 256 * 256);
      int opaque = 0;
      double sum = 0, sumSquares = 0;
      for (uint32_t pixel : tile.argb)
        if (alpha(pixel) == 255) {
          ++opaque;
          sum += channel(pixel, 8);
          sumSquares += double(channel(pixel, 8)) * channel(pixel, 8);
        }
      QVERIFY2(opaque > 256 * 256 * 85 / 100, qPrintable(QString::number(opaque)));
      const double mean = sum / opaque;
      QVERIFY(mean > 20 && mean < 235);
      QVERIFY(std::sqrt(sumSquares / opaque - mean * mean) > 10);  // an image, not a flat colour
      if (pass == 0) QVERIFY(tile.overviewLevel >= 0);
    }
  }
};

QTEST_GUILESS_MAIN(TestRender)
#include "test_render.moc"
