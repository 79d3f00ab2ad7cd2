// Cloud-gap filling with 'prithvi infer' (an MAE checkpoint, --output filled): a granule whose
// clear copy is the truth gets clouds and shadows painted with their Fmask bits; the filled
// image keeps every clear pixel bit for bit, changes only the flagged pixels, is what the MAE
// reconstructs with exactly those tokens hidden, carries the scene's grid, band names, scale
// and nodata, and its error against the truth is what one computes by hand. Frames, regions
// and the outputs a checkpoint cannot make are covered too.

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <gdal.h>

#include <torch/torch.h>

#include <cmath>

#include "core/hls/Hls.h"
#include "core/metrics/ImageMetrics.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"
#include "tests/support/TestSupport.h"
#include "training/data/ChipLoader.h"
#include "training/engine/Network.h"
#include "training/engine/SceneInference.h"
#include "training/engine/TiledInference.h"
#include "training/model/Checkpoint.h"
#include "training/model/Weights.h"

using namespace prithvi;
using namespace prithvi::engine;

namespace {

constexpr int kSize = 64;
const std::string kSegmentationModel = PRITHVI_SOURCE_DIR "/assets/models/demo-flood.safetensors";

struct Written {
  int width = 0, height = 0, bands = 0;
  std::array<double, 6> transform{};
  std::string wkt;
  std::vector<std::string> descriptions;
  std::vector<double> scales, nodata;
  std::vector<int16_t> values;  // band-sequential
  std::map<std::string, std::string> metadata;
  int16_t at(int band, int x, int y) const { return values[(size_t(band) * height + y) * width + x]; }
};

Written readInt16(const std::string& path) {
  ensureGdalRegistered();
  GDALDatasetH dataset = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!dataset) qFatal("cannot open %s", path.c_str());
  Written out;
  out.width = GDALGetRasterXSize(dataset);
  out.height = GDALGetRasterYSize(dataset);
  out.bands = GDALGetRasterCount(dataset);
  GDALGetGeoTransform(dataset, out.transform.data());
  out.wkt = GDALGetProjectionRef(dataset);
  out.values.resize(size_t(out.width) * out.height * out.bands);
  for (int b = 0; b < out.bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(dataset, b + 1);
    out.descriptions.push_back(GDALGetDescription(band));
    int has = 0;
    out.scales.push_back(GDALGetRasterScale(band, &has));
    if (!has) out.scales.back() = NAN;
    out.nodata.push_back(GDALGetRasterNoDataValue(band, &has));
    if (!has) out.nodata.back() = NAN;
    if (GDALRasterIO(band, GF_Read, 0, 0, out.width, out.height, out.values.data() + size_t(b) * out.width * out.height,
                     out.width, out.height, GDT_Int16, 0, 0) != CE_None)
      qFatal("cannot read %s", path.c_str());
  }
  if (char** items = GDALGetMetadata(dataset, nullptr))
    for (int i = 0; items[i]; ++i) {
      const std::string item = items[i];
      const size_t equals = item.find('=');
      if (equals != std::string::npos) out.metadata[item.substr(0, equals)] = item.substr(equals + 1);
    }
  GDALClose(dataset);
  return out;
}

template <typename T>
std::vector<T> readBand(const std::string& path, GDALDataType type) {
  GDALDatasetH dataset = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!dataset) qFatal("cannot open %s", path.c_str());
  std::vector<T> values(size_t(kSize) * kSize);
  if (GDALRasterIO(GDALGetRasterBand(dataset, 1), GF_Read, 0, 0, kSize, kSize, values.data(), kSize, kSize, type, 0, 0) !=
      CE_None)
    qFatal("cannot read %s", path.c_str());
  GDALClose(dataset);
  return values;
}

// Cloud or shadow by the Fmask bits, decoded here on their own (bit 1 cloud, bit 3 shadow, 255 fill).
bool flagged(uint8_t fmask) { return fmask != 255 && (fmask & ((1 << 1) | (1 << 3))); }

}  // namespace

class TestGapFilling : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  Scene mClouded, mTruth, mOther;  // the painted first date, its clear copy, the second date
  std::vector<std::vector<int16_t>> mTruthBands;  // six bands, kSize^2 each
  std::vector<uint8_t> mPainted;                  // 1 where clouds or shadows were painted
  std::vector<uint8_t> mOtherFlagged;             // cloud/shadow of the second date
  std::string mCheckpoint;
  model::PrithviConfig mConfig = model::PrithviConfig::byName("tiny_test");  // 2 frames, patch 8, chips of 32

  std::string path(const char* name) { return mDir.filePath(name).toStdString(); }

  InferenceResult fill(const std::string& out, int window, double overlap, int batch, std::optional<Window> region = {},
                       int frame = -1) {
    InferenceOptions options;
    options.window = window;
    options.overlap = overlap;
    options.batch = batch;
    options.region = region;
    options.frame = frame;
    return inferScenes(mCheckpoint, {mClouded, mOther}, out, options);
  }

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(1);
    HlsSynthOptions synth;
    synth.size = kSize;
    synth.dates = 2;
    synth.seed = 7;
    synth.outDir = path("hls");
    const HlsSynthResult made = synthesizeHlsTile(synth);
    std::vector<Scene> scenes = scanForScenes({synth.outDir}).scenes;
    QCOMPARE(int(scenes.size()), 2);
    std::sort(scenes.begin(), scenes.end(), [](const Scene& a, const Scene& b) { return a.acquired < b.acquired; });
    mOther = scenes[1];
    const auto otherFmask = readBand<uint8_t>(mOther.band(BandRole::Fmask)->path, GDT_Byte);
    for (uint8_t value : otherFmask) mOtherFlagged.push_back(flagged(value));

    // The first date twice: "truth" with no cloud or shadow bits, and "clouded" with painted
    // clouds (bright) and shadows (dark) flagged in Fmask. Same HLS file names, so the
    // scanner reads them as granules (scale 0.0001, fill -9999).
    const Scene& first = scenes[0];
    QDir().mkpath(mDir.filePath("truth"));
    QDir().mkpath(mDir.filePath("clouded"));
    const GeoTransform grid = first.geoTransform;
    auto fmask = readBand<uint8_t>(first.band(BandRole::Fmask)->path, GDT_Byte);
    for (uint8_t& value : fmask)
      if (value != 255) value &= uint8_t(~(fmask::kCloud | fmask::kShadow));
    for (BandRole role : kPrithviBands) mTruthBands.push_back(readBand<int16_t>(first.band(role)->path, GDT_Int16));
    mPainted.assign(size_t(kSize) * kSize, 0);
    std::vector<uint8_t> clouded = fmask;
    std::vector<std::vector<int16_t>> cloudedBands = mTruthBands;
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const size_t p = size_t(y) * kSize + x;
        if (mTruthBands[0][p] == kHlsFill || fmask[p] == 255) continue;
        const bool cloud = std::hypot(x - 20.5, y - 24.5) < 9;
        const bool shadow = !cloud && x >= 38 && x < 48 && y >= 40 && y < 46;
        if (!cloud && !shadow) continue;
        mPainted[p] = 1;
        clouded[p] |= cloud ? fmask::kCloud : fmask::kShadow;
        for (auto& band : cloudedBands) band[p] = cloud ? int16_t(6000 + (x * 7 + y) % 50) : int16_t(band[p] / 3);
      }
    auto write = [&](const char* folder, const std::vector<std::vector<int16_t>>& bands, const std::vector<uint8_t>& mask) {
      RasterWriteOptions reflectance;
      reflectance.nodata = kHlsFill;
      for (int b = 0; b < 6; ++b) {
        const std::string name = QFileInfo(QString::fromStdString(first.band(kPrithviBands[b])->path)).fileName().toStdString();
        writeRaster(path(folder) + "/" + name, kSize, kSize, 1, DataType::Int16, bands[size_t(b)].data(), grid, first.crsWkt,
                    reflectance);
      }
      RasterWriteOptions bits;
      bits.nodata = 255;
      const std::string name = QFileInfo(QString::fromStdString(first.band(BandRole::Fmask)->path)).fileName().toStdString();
      writeRaster(path(folder) + "/" + name, kSize, kSize, 1, DataType::Byte, mask.data(), grid, first.crsWkt, bits);
      const std::vector<Scene> found = scanForScenes({path(folder)}).scenes;
      if (found.size() != 1) qFatal("expected one granule in %s", folder);
      return found.front();
    };
    mTruth = write("truth", mTruthBands, fmask);
    mClouded = write("clouded", cloudedBands, clouded);
    int64_t painted = 0;
    for (uint8_t value : mPainted) painted += value;
    qInfo("painted %lld cloud and shadow pixels on %s", (long long)painted, mClouded.id.c_str());
    QVERIFY(painted > 250);

    // A cloud-gap checkpoint of the tiny test MAE (random weights), saved as train() saves one.
    torch::manual_seed(3);
    model::PrithviMae mae(mConfig);
    mCheckpoint = path("cloud-gap.safetensors");
    const std::string config = "{\"head\": \"upernet\", \"mask_ratio\": 0.75, \"model_config\": " + mConfig.toJson() + "}";
    model::saveTrainingCheckpoint(mCheckpoint, model::toStateDict(*mae), {}, config, "{}", {{"task", "cloud_gap"}});
  }

  void filledKeepsClearPixelsAndFillsOnlyTheGaps() {
    const std::string out = path("filled.tif");
    const InferenceResult result = fill(out, 32, 0.5, 3);
    QCOMPARE(result.output, std::string("filled"));  // the default for an MAE
    QCOMPARE(result.artifactKind, std::string("filled_image"));
    QCOMPARE(result.frame, 0);
    QCOMPARE(result.task, std::string("cloud_gap"));
    Written filled = readInt16(out);
    QCOMPARE(filled.bands, 6);
    QCOMPARE(filled.width, kSize);
    QCOMPARE(filled.transform, mClouded.geoTransform.coefficients());
    QVERIFY(sameCrs(filled.wkt, mClouded.crsWkt));
    QCOMPARE(filled.descriptions, (std::vector<std::string>{"Blue", "Green", "Red", "NIR", "SWIR1", "SWIR2"}));
    for (int b = 0; b < 6; ++b) {
      QCOMPARE(filled.scales[size_t(b)], 0.0001);
      QCOMPARE(filled.nodata[size_t(b)], -9999.0);
    }
    QCOMPARE(filled.metadata["PRITHVI_TASK"], std::string("cloud_gap"));
    QCOMPARE(filled.metadata["PRITHVI_FRAME"], std::string("0"));
    QCOMPARE(filled.metadata["PRITHVI_FRAME_SCENE"], mClouded.id);
    QCOMPARE(filled.metadata["PRITHVI_FILLED_PIXELS"], std::to_string(result.filledPixels));

    const torch::Tensor input = readDates({mClouded}, {0, 0, kSize, kSize});  // (6, 1, H, W) DN, NaN = fill
    int64_t painted = 0, changed = 0, fill = 0;
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const size_t p = size_t(y) * kSize + x;
        painted += mPainted[p];
        for (int b = 0; b < 6; ++b) {
          const float dn = input[b][0][y][x].item<float>();
          const int16_t original = std::isnan(dn) ? kHlsFill : int16_t(dn);
          if (!mPainted[p]) {
            if (filled.at(b, x, y) != original)
              QFAIL(qPrintable(QString("clear pixel %1,%2 band %3 changed from %4 to %5")
                                   .arg(x).arg(y).arg(b).arg(original).arg(filled.at(b, x, y))));
            fill += b == 0 && original == kHlsFill;
          } else {
            QVERIFY(filled.at(b, x, y) != kHlsFill);
            changed += filled.at(b, x, y) != original;
          }
        }
      }
    QCOMPARE(result.filledPixels, painted);
    QCOMPARE(result.predictedPixels, int64_t(kSize) * kSize - fill);
    qInfo("%lld pixels filled; %lld of %lld of their band values differ from the clouded input", (long long)painted,
          (long long)changed, (long long)painted * 6);
    QVERIFY(changed > painted * 6 * 9 / 10);

    // Against the truth, by hand and with the metric the cloud-gap training reports.
    double absolute = 0;
    ImageMetrics metrics;
    for (int b = 0; b < 6; ++b) {
      std::vector<float> predicted(size_t(kSize) * kSize), truth(size_t(kSize) * kSize);
      for (size_t p = 0; p < predicted.size(); ++p) {
        predicted[p] = float(filled.values[size_t(b) * kSize * kSize + p] * 1e-4);
        truth[p] = float(mTruthBands[size_t(b)][p] * 1e-4);
        if (mPainted[p]) absolute += std::abs(double(filled.values[size_t(b) * kSize * kSize + p]) - mTruthBands[size_t(b)][p]) * 1e-4;
      }
      metrics.addPlane(predicted.data(), truth.data(), mPainted.data(), kSize, kSize);
    }
    const double byHand = absolute / double(painted * 6);
    qInfo("filled pixels against the truth: MAE %.5f reflectance (by hand %.5f), PSNR %.2f dB, SSIM %.3f (random weights)",
          metrics.meanAbsoluteError(), byHand, metrics.psnr(), metrics.ssim());
    QVERIFY(std::isfinite(byHand) && byHand > 0 && byHand < 1);
    QCOMPARE(metrics.pixels(), painted * 6);
    QVERIFY(std::abs(metrics.meanAbsoluteError() - byHand) < 1e-6);
  }

  void oneWindowIsTheMaeReconstructionOfTheHiddenTokens() {
    // One 64-pixel window: the filled pixels are the decoder's output with the tokens of both
    // frames' cloud/shadow hidden, de-normalised to DN.
    const std::string out = path("one-window.tif");
    const InferenceResult result = fill(out, 64, 0.25, 4);
    QCOMPARE(result.windows, int64_t(1));
    Written filled = readInt16(out);

    LoadedRun run = loadRun(mCheckpoint, torch::kCPU);
    torch::NoGradGuard noGrad;
    const torch::Tensor dn = readDates({mClouded, mOther}, {0, 0, kSize, kSize});
    const torch::Tensor pixels = normaliseChip(dn, mConfig.mean, mConfig.std).unsqueeze(0);
    const auto fmask0 = readBand<uint8_t>(mClouded.band(BandRole::Fmask)->path, GDT_Byte);
    torch::Tensor cloud = torch::zeros({1, 2, kSize, kSize});
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        cloud[0][0][y][x] = float(flagged(fmask0[size_t(y) * kSize + x]));
        cloud[0][1][y][x] = float(mOtherFlagged[size_t(y) * kSize + x]);
      }
    // Token (t, h, w), w fastest, patch 8: hidden when any of its pixels is flagged.
    torch::Tensor tokens = torch::zeros({1, 2 * 8 * 8});
    for (int t = 0; t < 2; ++t)
      for (int h = 0; h < 8; ++h)
        for (int w = 0; w < 8; ++w)
          tokens[0][(t * 8 + h) * 8 + w] = cloud[0][t].slice(0, h * 8, h * 8 + 8).slice(1, w * 8, w * 8 + 8).max();
    qInfo("hidden tokens: %d of 64 in frame 0, %d of 64 in frame 1", int(tokens[0].slice(0, 0, 64).sum().item<float>()),
          int(tokens[0].slice(0, 64, 128).sum().item<float>()));
    QVERIFY(tokens[0].slice(0, 64, 128).sum().item<float>() > 0);  // the second date's clouds are hidden too
    const model::MaeOutput direct = run.network.mae->forwardMasked(pixels, model::MaskSpec::fromTokens(tokens));
    const torch::Tensor reconstruction = run.network.mae->unpatchify(direct.pred, direct.grid)[0];  // (6, 2, H, W)
    int worst = 0, compared = 0;
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        if (!mPainted[size_t(y) * kSize + x]) continue;
        for (int b = 0; b < 6; ++b) {
          const double expected = std::round(reconstruction[b][0][y][x].item<double>() * mConfig.std[size_t(b)] + mConfig.mean[size_t(b)]);
          worst = std::max(worst, int(std::abs(expected - filled.at(b, x, y))));
          ++compared;
        }
      }
    qInfo("one window against the direct MAE reconstruction: largest difference %d DN over %d values", worst, compared);
    QVERIFY(compared > 1000);
    QVERIFY(worst <= 1);  // rounding of float sums only
  }

  void aRegionIsTheSameWindowOfTheWholeImage() {
    // One window at a time, so both runs make the same sums: the same values, bit for bit.
    const InferenceResult whole = fill(path("whole-b1.tif"), 32, 0.5, 1);
    const Written a = readInt16(path("whole-b1.tif"));
    for (const Window region : {Window{10, 12, 30, 20}, Window{6, 21, 40, 34}}) {  // smaller and larger than a window
      const InferenceResult part = fill(path("region-b1.tif"), 32, 0.5, 1, region);
      QCOMPARE(part.width, region.width);
      QCOMPARE(part.height, region.height);
      QVERIFY(part.windows <= whole.windows);  // windows run: those with a gap in the frame
      const Written b = readInt16(path("region-b1.tif"));
      const MapPoint origin = mClouded.geoTransform.pixelToMap(region.x, region.y);
      QCOMPARE(b.transform[0], origin.x);
      QCOMPARE(b.transform[3], origin.y);
      int64_t painted = 0;
      for (int y = 0; y < region.height; ++y)
        for (int x = 0; x < region.width; ++x) {
          painted += mPainted[size_t(y + region.y) * kSize + x + region.x];
          for (int band = 0; band < 6; ++band) QCOMPARE(b.at(band, x, y), a.at(band, x + region.x, y + region.y));
        }
      QCOMPARE(part.filledPixels, painted);
      QVERIFY(painted > 0);
    }
  }

  void anotherFrameFillsThatDate() {
    const std::string out = path("frame1.tif");
    const InferenceResult result = fill(out, 32, 0.5, 4, {}, 1);
    QCOMPARE(result.frame, 1);
    Written filled = readInt16(out);
    QCOMPARE(filled.metadata["PRITHVI_FRAME"], std::string("1"));
    QCOMPARE(filled.metadata["PRITHVI_FRAME_SCENE"], mOther.id);
    int64_t flaggedPixels = 0;
    const torch::Tensor input = readDates({mOther}, {0, 0, kSize, kSize});
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const size_t p = size_t(y) * kSize + x;
        flaggedPixels += mOtherFlagged[p];
        if (mOtherFlagged[p]) continue;
        const float dn = input[0][0][y][x].item<float>();
        QCOMPARE(filled.at(0, x, y), std::isnan(dn) ? kHlsFill : int16_t(dn));
      }
    QCOMPARE(result.filledPixels, flaggedPixels);
    test::expectError(ErrorKind::Usage, [&] { fill(path("frame2.tif"), 32, 0.5, 4, {}, 2); }, "numbered from 0");
  }

  void refusesOutputsTheCheckpointCannotMake() {
    InferenceOptions options;
    options.output = "classes";
    test::expectError(ErrorKind::Usage, [&] { inferScenes(mCheckpoint, {mClouded, mOther}, path("no.tif"), options); },
                      "has no classes");
    options.output = "probabilities";
    test::expectError(ErrorKind::Usage, [&] { inferScenes(mCheckpoint, {mClouded, mOther}, path("no.tif"), options); },
                      "has no classes");
    options.output = "uncertainty";
    test::expectError(ErrorKind::Usage, [&] { inferScenes(mCheckpoint, {mClouded, mOther}, path("no.tif"), options); },
                      "has no classes");
    options.output = "filled";
    test::expectError(ErrorKind::Usage, [&] { inferScenes(kSegmentationModel, {mClouded}, path("no.tif"), options); },
                      "needs an MAE checkpoint");
    options.output = "gaps";
    test::expectError(ErrorKind::Usage, [&] { inferScenes(mCheckpoint, {mClouded, mOther}, path("no.tif"), options); },
                      "classes, probabilities, uncertainty or filled");
    // A frame without Fmask: nothing says where to fill.
    std::vector<int16_t> bands;
    for (const auto& band : mTruthBands) bands.insert(bands.end(), band.begin(), band.end());
    RasterWriteOptions described;
    described.bandDescriptions = {"Blue", "Green", "Red", "NIR", "SWIR1", "SWIR2"};
    writeRaster(path("stack.tif"), kSize, kSize, 6, DataType::Int16, bands.data(), mClouded.geoTransform, mClouded.crsWkt,
                described);
    const Scene stack = scanForScenes({path("stack.tif")}).scenes.at(0);
    options.output = "";
    options.outputBesideInputs = true;  // no.tif beside stack.tif: this case is about the missing Fmask
    test::expectError(ErrorKind::BadInput, [&] { inferScenes(mCheckpoint, {stack, mOther}, path("no.tif"), options); },
                      "no Fmask band");
    QVERIFY(!QFileInfo::exists(mDir.filePath("no.tif")));
  }

  void releasedWeightsFillZeroShot() {
    // The same MAE as plain converted weights (what 'prithvi weights convert' writes, the
    // config in the metadata): loaded as the pretrained MAE, it fills the same pixels.
    LoadedRun run = loadRun(mCheckpoint, torch::kCPU);
    model::StateDict weights = model::toStateDict(*run.network.mae);
    weights.metadata[model::kConfigMetadataKey] = mConfig.toJson();
    const std::string released = path("released.safetensors");
    model::writeSafetensors(released, weights);
    InferenceOptions options;
    options.window = 32;
    options.overlap = 0.5;
    options.batch = 3;
    const InferenceResult result = inferScenes(released, {mClouded, mOther}, path("zero-shot.tif"), options);
    QCOMPARE(result.task, std::string("pretrain"));
    QCOMPARE(result.output, std::string("filled"));
    QVERIFY(readInt16(path("zero-shot.tif")).values == readInt16(path("filled.tif")).values);
    // Encoder-only weights hold no decoder to reconstruct with.
    model::StateDict encoder;
    for (const auto& [name, tensor] : weights.tensors)
      if (name.rfind("encoder.", 0) == 0) encoder.set(name, tensor);
    encoder.metadata = weights.metadata;
    model::writeSafetensors(path("encoder.safetensors"), encoder);
    test::expectError(ErrorKind::BadInput,
                      [&] { inferScenes(path("encoder.safetensors"), {mClouded, mOther}, path("no.tif"), options); },
                      "without the MAE decoder");
  }

  void theCommandFillsAndReportsTheArtifact() {
    // The granules by their ids, in either order: the frames go by date, frame 0 is the first date.
    const QString clouded = mDir.filePath("clouded/") + QString::fromStdString(mClouded.id);
    const QString other = QFileInfo(QString::fromStdString(mOther.band(BandRole::Blue)->path)).absolutePath() + "/" +
                          QString::fromStdString(mOther.id);
    const QString out = mDir.filePath("cli-filled.tif");
    const test::ProcessRun run = test::runPrithvi({"infer", "--model", QString::fromStdString(mCheckpoint), "--input", other,
                                                   "--input", clouded, "--window", "32", "--overlap", "0.5", "--batch", "3",
                                                   "--threads", "1", "--out", out, "--events", "jsonl"});
    QVERIFY2(run.code == 0, run.err.constData());
    QVERIFY2(run.out.contains("\"kind\":\"filled_image\""), run.out.constData());
    QVERIFY(readInt16(out.toStdString()).values == readInt16(path("filled.tif")).values);
    // --frame by scene id: the second date.
    const test::ProcessRun second = test::runPrithvi({"infer", "--model", QString::fromStdString(mCheckpoint), "--input", clouded,
                                                      "--input", other, "--window", "32", "--overlap", "0.5", "--threads", "1",
                                                      "--frame", QString::fromStdString(mOther.id), "--out", out, "--json"});
    QVERIFY2(second.code == 0, second.err.constData());
    QCOMPARE(second.json()["frame"].toInt(), 1);
    QCOMPARE(second.json()["kind"].toString(), QString("filled_image"));
    QVERIFY(readInt16(out.toStdString()).values == readInt16(path("frame1.tif")).values);
    const test::ProcessRun refused = test::runPrithvi({"infer", "--model", QString::fromStdString(mCheckpoint), "--input",
                                                       other, "--input", clouded, "--output", "classes", "--out",
                                                       mDir.filePath("never.tif")});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("has no classes"), refused.err.constData());
  }

  void theFilledImageScansAsAReflectanceScene() {
    // The project's scanner takes the bands by their names and the scale from the file.
    const std::vector<Scene> found = scanForScenes({path("filled.tif")}).scenes;
    QCOMPARE(int(found.size()), 1);
    QVERIFY(found[0].hasPrithviBands());
    QCOMPARE(found[0].band(BandRole::Red)->scale, 0.0001);
    const torch::Tensor again = readDates({found[0]}, {0, 0, kSize, kSize});
    const torch::Tensor clouded = readDates({mClouded}, {0, 0, kSize, kSize});
    // Clear pixels read back as the same DN, fill as fill.
    const torch::Tensor clear =
        torch::from_blob(mPainted.data(), {kSize, kSize}, torch::kUInt8).eq(0).expand({6, 1, kSize, kSize});
    QVERIFY(torch::equal(again.nan_to_num(-1e6).masked_select(clear), clouded.nan_to_num(-1e6).masked_select(clear)));
    QVERIFY(!torch::equal(again.nan_to_num(-1e6), clouded.nan_to_num(-1e6)));
  }
};

QTEST_GUILESS_MAIN(TestGapFilling)
#include "test_gap_filling.moc"
