#include "core/labels/LabelExchange.h"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <gdalwarper.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <QDir>

#include "core/base/AtomicFile.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/NumberText.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelGeometry.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/GdalErrors.h"
#include "core/raster/GdalTypes.h"
#include "core/raster/Polygonize.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/SceneReader.h"

namespace prithvi {

namespace fs = std::filesystem;

namespace {

using DatasetPtr = GdalDatasetPtr;

// Rows composed or warped per step: one row of mask tiles, so progress and cancel stay lively
// without re-reading the polygons too often.
constexpr int kStripRows = kMaskTileSize;

std::string fileNameOf(const std::string& path) { return fs::path(path).filename().string(); }

// Reading or writing the project file through GDAL in this process would drop SQLite's locks
// on it (ProjectStore.h), and an export would replace it.
void refuseProjectFile(LabelStore& store, const std::string& path, const std::string& why) {
  std::error_code error;
  if (fs::equivalent(path, store.project().path(), error))
    throwUsage(path + " is the project file itself: " + why);
}

Scene sceneOf(LabelStore& store, const LabelSet& set) {
  std::optional<Scene> scene = store.project().scene(set.sceneId);
  if (!scene) throwBadInput("label set " + std::to_string(set.id) + " refers to a missing scene " + set.sceneId);
  return std::move(*scene);
}

std::string isoTime(const QDateTime& time) {
  return time.isValid() ? time.toUTC().toString(Qt::ISODate).toStdString() : std::string();
}

// The geotransform of a window of a grid: the same pixels, the origin moved to its corner.
GeoTransform windowTransform(const GeoTransform& grid, const Window& window) {
  std::array<double, 6> coefficients = grid.coefficients();
  const MapPoint origin = grid.pixelToMap(window.x, window.y);
  coefficients[0] = origin.x;
  coefficients[3] = origin.y;
  return GeoTransform(coefficients);
}

int stripCount(int height) { return (height + kStripRows - 1) / kStripRows; }

// Steps of one job over several phases, for Feedback.
struct Progress {
  Feedback* feedback = nullptr;
  int64_t done = 0;
  int64_t total = 0;
  void step(const std::string& message) {
    throwIfCanceled(feedback);
    reportProgress(feedback, ++done, total, message);
  }
};

// The composed label raster of a whole scene (LabelStore::rasterize), strip by strip.
std::vector<uint8_t> composeScene(LabelStore& store, int64_t labelSetId, const Scene& scene, Progress& progress) {
  std::vector<uint8_t> raster(size_t(scene.width) * size_t(scene.height));
  for (int y = 0; y < scene.height; y += kStripRows) {
    const int rows = std::min(kStripRows, scene.height - y);
    const std::vector<uint8_t> strip = store.rasterize(labelSetId, {0, y, scene.width, rows});
    std::copy(strip.begin(), strip.end(), raster.begin() + ptrdiff_t(size_t(y) * size_t(scene.width)));
    progress.step("composing labels of set " + std::to_string(labelSetId));
  }
  return raster;
}

// How every label raster we write describes itself: one way for masks and mask chips.
RasterWriteOptions maskWriteOptions(const LabelSet& set, const ClassScheme& scheme, bool cog) {
  RasterWriteOptions options;
  options.cog = cog;
  options.nodata = scheme.ignoreValue;
  options.palette = scheme.palette();
  // Names need a .aux.xml sidecar beside a GeoTIFF: worth it for a mask, not for every chip
  // (the chips' index and scheme metadata name the classes).
  if (cog) options.categoryNames = scheme.categoryNames();
  options.bandDescriptions = {"labels (" + scheme.name + ")"};
  options.metadata = {{kTruthMaskMetadataKey, scheme.name},
                      {"PRITHVI_LABEL_SET_ID", std::to_string(set.id)},
                      {"PRITHVI_SCENE_ID", set.sceneId},
                      {"PRITHVI_CLASS_SCHEME", scheme.toJson()},
                      {"PRITHVI_REVIEW_STATE", reviewStateName(set.state)},
                      {"PRITHVI_LABEL_AUTHOR", set.author},
                      {"PRITHVI_LABEL_DATE", isoTime(set.labelDate)},
                      {"PRITHVI_LABEL_REVISION", std::to_string(set.revision)}};
  if (!set.reviewer.empty()) options.metadata.emplace_back("PRITHVI_LABEL_REVIEWER", set.reviewer);
  return options;
}

std::string classList(const ClassScheme& scheme) {
  std::string list;
  for (const LabelClass& labelClass : scheme.classes)
    list += (list.empty() ? "" : ", ") + std::to_string(labelClass.value) + " " + labelClass.name;
  return list + "; ignore value " + std::to_string(scheme.ignoreValue);
}


}  // namespace

// ---------------------------------------------------------------------------------------------
// Export

void exportLabelMask(LabelStore& store, int64_t labelSetId, const std::string& path, const MaskExportOptions& options,
                     Feedback* feedback) {
  refuseProjectFile(store, path, "write the mask to another file");
  const LabelSet set = store.labelSet(labelSetId);
  const ClassScheme scheme = store.scheme(set.scheme);
  const Scene scene = sceneOf(store, set);
  Progress progress{feedback, 0, stripCount(scene.height) + 1};
  const std::vector<uint8_t> raster = composeScene(store, labelSetId, scene, progress);
  writeRaster(path, scene.width, scene.height, 1, DataType::Byte, raster.data(), scene.geoTransform, scene.crsWkt,
              maskWriteOptions(set, scheme, options.cog));
  progress.step("wrote " + path);
}

PolygonExportResult exportLabelPolygons(LabelStore& store, const std::vector<int64_t>& labelSetIds,
                                        const std::string& gpkgPath, const PolygonExportOptions& options,
                                        Feedback* feedback) {
  if (labelSetIds.empty()) throwUsage("name at least one label set to export");
  refuseExistingPath(gpkgPath);
  struct Source {
    LabelSet set;
    ClassScheme scheme;
    Scene scene;
    size_t layer = 0;
  };
  PolygonExportResult result;
  std::vector<Source> sources;
  std::vector<std::string> layerCrs;
  for (int64_t id : labelSetIds) {
    Source source{store.labelSet(id), {}, {}, 0};
    source.scheme = store.scheme(source.set.scheme);
    source.scene = sceneOf(store, source.set);
    // One layer per CRS: a GeoPackage feature table has one.
    auto same = std::find_if(layerCrs.begin(), layerCrs.end(),
                             [&](const std::string& wkt) { return sameCrs(wkt, source.scene.crsWkt); });
    source.layer = size_t(same - layerCrs.begin());
    if (same == layerCrs.end()) {
      layerCrs.push_back(source.scene.crsWkt);
      const int epsg = source.scene.epsg;
      result.layers.push_back({epsg > 0 ? "labels_" + std::to_string(epsg) : "labels_crs" + std::to_string(layerCrs.size()),
                               epsg, 0});
    }
    if (!options.polygonize && !store.maskTiles(id).empty()) result.setsWithPixelEdits.push_back(id);
    sources.push_back(std::move(source));
  }

  NewGeoPackage out(gpkgPath);
  std::vector<OGRLayer*> layers;
  for (size_t i = 0; i < result.layers.size(); ++i)
    layers.push_back(&out.addPolygonLayer(result.layers[i].name, layerCrs[i],
                                          {{"label_set_id", OFTInteger64}, {"scene_id", OFTString},
                                           {"class_value", OFTInteger}, {"class_name", OFTString},
                                           {"state", OFTString}, {"author", OFTString}, {"label_date", OFTDateTime}}));

  Progress progress{feedback, 0, 0};
  for (const Source& source : sources)
    progress.total += options.polygonize ? stripCount(source.scene.height) + 1 : 1;
  for (const Source& source : sources) {
    OGRLayer* layer = layers[source.layer];
    auto write = [&](const OGRGeometry& geometry, int classValue) {
      OGRFeature feature(layer->GetLayerDefn());
      feature.SetField("label_set_id", GIntBig(source.set.id));
      feature.SetField("scene_id", source.set.sceneId.c_str());
      feature.SetField("class_value", classValue);
      if (const LabelClass* labelClass = source.scheme.find(classValue))
        feature.SetField("class_name", labelClass->name.c_str());
      feature.SetField("state", reviewStateName(source.set.state));
      feature.SetField("author", source.set.author.c_str());
      if (source.set.labelDate.isValid()) {
        const QDateTime date = source.set.labelDate.toUTC();
        feature.SetField("label_date", date.date().year(), date.date().month(), date.date().day(),
                         date.time().hour(), date.time().minute(), float(date.time().second()), 100);
      }
      feature.SetGeometry(&geometry);
      out.addFeature(*layer, feature);
      ++result.layers[source.layer].features;
      ++result.features;
    };

    if (!options.polygonize) {
      for (const LabelPolygon& polygon : store.polygons(source.set.id))
        write(*toOgrPolygon(polygon.rings), polygon.classValue);
      progress.step("exported polygons of set " + std::to_string(source.set.id));
      continue;
    }
    const std::vector<uint8_t> raster = composeScene(store, source.set.id, source.scene, progress);
    GdalErrorCapture errors;
    GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("MEM");
    DatasetPtr canvas(memory->Create("", source.scene.width, source.scene.height, 1, GDT_Byte, nullptr));
    if (!canvas) throwIo("cannot allocate the label raster of set " + std::to_string(source.set.id));
    std::array<double, 6> transform = source.scene.geoTransform.coefficients();
    canvas->SetGeoTransform(transform.data());
    GDALRasterBand* band = canvas->GetRasterBand(1);
    band->SetNoDataValue(source.scheme.ignoreValue);  // its mask band leaves unlabelled pixels out
    if (band->RasterIO(GF_Write, 0, 0, source.scene.width, source.scene.height, const_cast<uint8_t*>(raster.data()),
                       source.scene.width, source.scene.height, GDT_Byte, 0, 0, nullptr) != CE_None)
      throwIo("cannot fill the label raster: " + errors.message());
    GdalProgress polygonizing{feedback, progress.done, 1, progress.total,
                              "polygonising set " + std::to_string(source.set.id)};
    polygonizeBand(*band, write, &polygonizing);
    progress.step("polygonised set " + std::to_string(source.set.id));
  }
  out.publish();
  return result;
}

ChipExportResult exportTrainingChips(LabelStore& store, const std::vector<int64_t>& labelSetIds,
                                     const std::string& outDir, const ChipExportOptions& options, Feedback* feedback) {
  if (labelSetIds.empty()) throwUsage("name at least one label set to export");
  if (options.chipSize < 1 || options.chipSize > 8192)
    throwUsage("the chip size must be 1..8192 pixels, not " + std::to_string(options.chipSize));
  const int stride = options.stride == 0 ? options.chipSize : options.stride;
  if (stride < 1) throwUsage("the stride must be positive, not " + std::to_string(options.stride));
  if (!(options.minLabelledFraction >= 0 && options.minLabelledFraction <= 1))
    throwUsage("the minimum labelled fraction must be 0..1, not " + numberText(options.minLabelledFraction));
  ChipExportResult result;
  result.indexPath = (fs::path(outDir) / "chips.csv").string();
  if (fs::exists(result.indexPath))
    throwUsage(outDir + " already holds a chip export (chips.csv): choose an empty folder");

  struct Source {
    LabelSet set;
    ClassScheme scheme;
    Scene scene;
  };
  std::vector<Source> sources;
  std::set<int> classValues;
  Progress progress{feedback, 0, 0};
  // Check every set before writing anything.
  for (int64_t id : labelSetIds) {
    Source source{store.labelSet(id), {}, {}};
    source.scheme = store.scheme(source.set.scheme);
    source.scene = sceneOf(store, source.set);
    if (!source.scene.hasPrithviBands()) {
      std::string missing;
      for (BandRole role : kPrithviBands)
        if (!source.scene.band(role)) missing += (missing.empty() ? "" : ", ") + std::string(bandRoleName(role));
      throwBadInput("scene " + source.scene.id + " of label set " + std::to_string(id) + " lacks the band(s) " + missing +
                    ": training chips need Blue, Green, Red, NIR, SWIR1 and SWIR2 (re-import the scene with its band "
                    "roles named)");
    }
    for (const LabelClass& labelClass : source.scheme.classes) classValues.insert(labelClass.value);
    const int64_t columns = source.scene.width >= options.chipSize ? (source.scene.width - options.chipSize) / stride + 1 : 0;
    const int64_t rows = source.scene.height >= options.chipSize ? (source.scene.height - options.chipSize) / stride + 1 : 0;
    progress.total += stripCount(source.scene.height) + columns * rows;
    sources.push_back(std::move(source));
  }
  progress.total += 1;  // the index

  for (const char* folder : {"images", "masks"})
    if (!QDir().mkpath(QString::fromStdString((fs::path(outDir) / folder).string())))
      throwIo("cannot create folder " + (fs::path(outDir) / folder).string() + ": check the permissions");

  std::string csv = "chip_id,image,mask,label_set_id,scene_id,label_date,x,y,size,centre_lon,centre_lat,labelled_fraction";
  for (int value : classValues) csv += ",pixels_" + std::to_string(value);
  csv += "\n";
  auto quoted = [](const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string escaped = "\"";
    for (char c : text) escaped += c == '"' ? std::string("\"\"") : std::string(1, c);
    return escaped + "\"";
  };

  // A failed or canceled export takes its chips away again: without the index they are litter.
  std::vector<std::string> written;
  struct Cleanup {
    std::vector<std::string>& files;
    bool done = false;
    ~Cleanup() {
      std::error_code ignored;
      if (!done)
        for (const std::string& file : files) fs::remove(file, ignored);
    }
  } cleanup{written};

  const std::vector<BandRole> roles(std::begin(kPrithviBands), std::end(kPrithviBands));
  const int size = options.chipSize;
  const size_t chipPixels = size_t(size) * size_t(size);
  for (const Source& source : sources) {
    const Scene& scene = source.scene;
    const SceneReader reader(scene);
    const std::vector<uint8_t> raster = composeScene(store, source.set.id, scene, progress);
    const LonLatTransform lonLat(scene.crsWkt);
    // One nodata value for the image chip when the six bands agree on it (HLS: -9999).
    RasterWriteOptions imageOptions;
    imageOptions.cog = false;  // a chip is too small for overviews
    imageOptions.nodata = scene.band(roles[0])->nodata;
    for (BandRole role : roles) {
      imageOptions.bandDescriptions.push_back(bandRoleName(role));
      if (scene.band(role)->nodata != imageOptions.nodata) imageOptions.nodata.reset();
    }
    imageOptions.metadata = {{"PRITHVI_SCENE_ID", scene.id}, {"PRITHVI_LABEL_SET_ID", std::to_string(source.set.id)}};
    const RasterWriteOptions maskOptions = maskWriteOptions(source.set, source.scheme, false);

    std::vector<uint8_t> mask(chipPixels);
    for (int y = 0; y + size <= scene.height; y += stride)
      for (int x = 0; x + size <= scene.width; x += stride) {
        std::array<int64_t, 256> histogram{};
        for (int row = 0; row < size; ++row) {
          const uint8_t* line = raster.data() + size_t(y + row) * size_t(scene.width) + size_t(x);
          std::copy(line, line + size, mask.begin() + ptrdiff_t(size_t(row) * size_t(size)));
          for (int column = 0; column < size; ++column) ++histogram[line[column]];
        }
        const int64_t labelled = int64_t(chipPixels) - histogram[size_t(source.scheme.ignoreValue)];
        const double fraction = double(labelled) / double(chipPixels);
        if (labelled == 0 || fraction < options.minLabelledFraction) {
          ++result.windowsSkipped;
          progress.step("skipped a chip window with too few labels");
          continue;
        }
        const Window window{x, y, size, size};
        const GeoTransform transform = windowTransform(scene.geoTransform, window);
        const std::string chipId =
            "set" + std::to_string(source.set.id) + "_x" + std::to_string(x) + "_y" + std::to_string(y);
        const std::string image = "images/" + chipId + ".tif", maskFile = "masks/" + chipId + ".tif";
        const RasterBlock pixels = reader.read(window, roles, DataType::Int16);
        written.push_back((fs::path(outDir) / image).string());
        writeRaster(written.back(), size, size, 6, DataType::Int16, pixels.bandData(0), transform, scene.crsWkt,
                    imageOptions);
        written.push_back((fs::path(outDir) / maskFile).string());
        writeRaster(written.back(), size, size, 1, DataType::Byte, mask.data(), transform, scene.crsWkt, maskOptions);
        const std::optional<LonLat> centre = lonLat.toLonLat(scene.geoTransform.pixelToMap(x + size / 2.0, y + size / 2.0));
        csv += chipId + "," + image + "," + maskFile + "," + std::to_string(source.set.id) + "," + quoted(scene.id) + "," +
               isoTime(source.set.labelDate) + "," + std::to_string(x) + "," + std::to_string(y) + "," +
               std::to_string(size) + "," + (centre ? numberText(centre->lon) : "") + "," +
               (centre ? numberText(centre->lat) : "") + "," + numberText(fraction);
        for (int value : classValues) csv.append(",").append(std::to_string(histogram[size_t(value)]));
        csv += "\n";
        ++result.chips;
        progress.step("wrote chip " + chipId);
      }
  }

  writeFileAtomically(result.indexPath, csv);
  cleanup.done = true;
  progress.step("wrote " + result.indexPath);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Import

MaskImportResult importLabelMask(LabelEditor& editor, const std::string& rasterPath, const MaskImportOptions& options,
                                 Feedback* feedback) {
  refuseProjectFile(editor.store(), rasterPath, "import labels from a copy of the layer instead");
  if (editor.strokeActive()) throwUsage("finish the brush stroke before importing labels");
  const Scene& scene = editor.scene();
  const ClassScheme& scheme = editor.scheme();
  const std::shared_ptr<RasterSource> source = RasterSource::open(rasterPath);
  const RasterInfo& info = source->info();
  const std::string name = fileNameOf(rasterPath);
  if (options.band < 1 || options.band > int(info.bands.size()))
    throwUsage(name + " has no band " + std::to_string(options.band) + " (it has " + std::to_string(info.bands.size()) +
               ")");
  if (info.crsWkt.empty())
    throwBadInput(name + " has no coordinate reference system, so it cannot be placed on scene " + scene.id +
                  ": give it one (gdal_edit.py -a_srs EPSG:<code> " + name + ")");
  if (!info.hasGeoTransform)
    throwBadInput(name + " has no geotransform (ground control points are not read): warp it with gdalwarp first");

  // The part of the scene grid the raster's outline covers; the whole scene when part of the
  // outline has no place in the scene's CRS.
  const CrsTransform toScene(info.crsWkt, scene.crsWkt);
  Window window{0, 0, scene.width, scene.height};
  {
    constexpr int kPerSide = 32;
    double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
    bool complete = true;
    for (int i = 0; i <= kPerSide && complete; ++i) {
      const double t = double(i) / kPerSide;
      for (auto [px, py] : {std::pair{t * info.width, 0.0}, {t * info.width, double(info.height)},
                            {0.0, t * info.height}, {double(info.width), t * info.height}}) {
        const std::optional<MapPoint> map = toScene.transform(info.geoTransform.pixelToMap(px, py));
        const std::optional<MapPoint> pixel = map ? scene.geoTransform.mapToPixel(map->x, map->y) : std::nullopt;
        if (!pixel) {
          complete = false;
          break;
        }
        minX = std::min(minX, pixel->x), maxX = std::max(maxX, pixel->x);
        minY = std::min(minY, pixel->y), maxY = std::max(maxY, pixel->y);
      }
    }
    if (complete) {
      const int x0 = int(std::clamp(std::floor(minX) - 1, 0.0, double(scene.width)));
      const int x1 = int(std::clamp(std::ceil(maxX) + 1, 0.0, double(scene.width)));
      const int y0 = int(std::clamp(std::floor(minY) - 1, 0.0, double(scene.height)));
      const int y1 = int(std::clamp(std::ceil(maxY) + 1, 0.0, double(scene.height)));
      window = {x0, y0, x1 - x0, y1 - y0};
    }
    if (window.width <= 0 || window.height <= 0)
      throwBadInput(name + " does not overlap scene " + scene.id + ": is it the right file, and its CRS right?");
  }

  // Warp strip by strip onto the scene grid: memory stays bounded and progress moves.
  const BandInfo& band = info.bands[size_t(options.band) - 1];
  int sourceAlpha = 0;
  for (const BandInfo& other : info.bands)
    if (other.colorInterpretation == "Alpha") sourceAlpha = other.index;
  std::vector<int16_t> values(size_t(window.width) * size_t(window.height), int16_t(LabelEditor::kKeep));
  std::map<double, int64_t> unknown;
  MaskImportResult result;
  result.window = window;
  GdalErrorCapture errors;
  GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("MEM");
  const int strips = stripCount(window.height);
  for (int strip = 0; strip < strips; ++strip) {
    throwIfCanceled(feedback);
    const Window part{window.x, window.y + strip * kStripRows, window.width,
                      std::min(kStripRows, window.height - strip * kStripRows)};
    // Band 1 the values, band 2 the warper's alpha: 0 where the raster gave nothing.
    DatasetPtr target(memory->Create("", part.width, part.height, 2, GDT_Float64, nullptr));
    if (!target) throwIo("cannot allocate " + std::to_string(part.width) + " x " + std::to_string(part.height) + " pixels");
    std::array<double, 6> transform = windowTransform(scene.geoTransform, part).coefficients();
    target->SetGeoTransform(transform.data());
    target->SetProjection(scene.crsWkt.c_str());
    const RasterSource::HandleLease sourceHandle = source->borrowHandle();
    void* transformer = GDALCreateGenImgProjTransformer2(sourceHandle.get(),
                                                         GDALDataset::ToHandle(target.get()), nullptr);
    if (!transformer) throwBadInput("cannot warp " + name + " onto scene " + scene.id + ": " + errors.message());
    GDALWarpOptions* warp = GDALCreateWarpOptions();
    warp->hSrcDS = sourceHandle.get();
    warp->hDstDS = GDALDataset::ToHandle(target.get());
    warp->nBandCount = 1;
    warp->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int)));
    warp->panSrcBands[0] = options.band;
    warp->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int)));
    warp->panDstBands[0] = 1;
    warp->nSrcAlphaBand = sourceAlpha == options.band ? 0 : sourceAlpha;
    warp->nDstAlphaBand = 2;
    warp->eResampleAlg = GRA_NearestNeighbour;  // class values must not be blended
    warp->eWorkingDataType = GDT_Float64;
    if (band.nodata) {
      warp->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
      warp->padfSrcNoDataReal[0] = *band.nodata;
    }
    warp->papszWarpOptions = CSLSetNameValue(warp->papszWarpOptions, "INIT_DEST", "0");
    warp->pfnTransformer = GDALGenImgProjTransform;
    warp->pTransformerArg = transformer;
    GdalProgress warping{feedback, strip, 1, strips, "warping " + name + " onto the scene"};
    warp->pfnProgress = gdalProgress;
    warp->pProgressArg = &warping;
    CPLErr warped = CE_Failure;
    {
      GDALWarpOperation operation;
      if (operation.Initialize(warp) == CE_None) warped = operation.ChunkAndWarpImage(0, 0, part.width, part.height);
    }
    GDALDestroyGenImgProjTransformer(transformer);
    GDALDestroyWarpOptions(warp);
    throwIfCanceled(feedback);
    if (warped != CE_None) throwBadInput("cannot warp " + name + " onto scene " + scene.id + ": " + errors.message());

    std::vector<double> data(size_t(part.width) * size_t(part.height) * 2);
    int bands[] = {1, 2};
    if (target->RasterIO(GF_Read, 0, 0, part.width, part.height, data.data(), part.width, part.height, GDT_Float64, 2,
                         bands, 0, 0, 0, nullptr) != CE_None)
      throwIo("cannot read the warped labels: " + errors.message());
    const size_t plane = size_t(part.width) * size_t(part.height);
    for (size_t i = 0; i < plane; ++i) {
      const double value = data[i];
      if (data[plane + i] <= 0 || std::isnan(value) || value == scheme.ignoreValue) continue;
      if (std::find(options.keepValues.begin(), options.keepValues.end(), value) != options.keepValues.end()) continue;
      if (value != std::floor(value) || !scheme.find(int(std::clamp(value, -1.0, 1e6)))) {
        ++unknown[value];
        continue;
      }
      values[size_t(part.y - window.y) * size_t(window.width) + i] = int16_t(value);
      ++result.pixelsPerValue[int(value)];
    }
  }
  if (!unknown.empty()) {
    std::string list;
    int listed = 0;
    for (const auto& [value, count] : unknown)
      if (listed++ < 10) list += (list.empty() ? "" : ", ") + numberText(value) + " (" + std::to_string(count) + " pixels)";
    if (unknown.size() > 10) list += " and " + std::to_string(unknown.size() - 10) + " more";
    throwBadInput(name + " holds values that are not classes of scheme '" + scheme.name + "' (" + classList(scheme) +
                  "): " + list + "; recode them, or make them nodata");
  }
  int64_t labelled = 0;
  for (const auto& [value, count] : result.pixelsPerValue) labelled += count;
  if (labelled == 0)
    throwBadInput(name + " labels no pixel of scene " + scene.id +
                  ": where it overlaps the scene it holds only nodata or the ignore value");
  result.keptPixels = int64_t(values.size()) - labelled;
  editor.paintValues(window, values, "import " + name);
  return result;
}

VectorImportResult importLabelVectors(LabelEditor& editor, const std::string& vectorPath,
                                      const VectorImportOptions& options, Feedback* feedback) {
  refuseProjectFile(editor.store(), vectorPath, "copy the layer to another file first (ogr2ogr)");
  if (editor.strokeActive()) throwUsage("finish the brush stroke before importing labels");
  const Scene& scene = editor.scene();
  const ClassScheme& scheme = editor.scheme();
  const std::string name = fileNameOf(vectorPath);
  ensureGdalRegistered();
  GdalErrorCapture errors;
  std::error_code missing;
  if (!fs::exists(vectorPath, missing)) throwBadInput(vectorPath + " does not exist");
  DatasetPtr dataset(GDALDataset::Open(vectorPath.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR));
  if (!dataset) throwBadInput("cannot open " + vectorPath + " as vector data: " + errors.message("not a vector format GDAL reads"));
  if (dataset->GetLayerCount() == 0) throwBadInput(name + " holds no vector layer");
  OGRLayer* layer = options.layer.empty() ? dataset->GetLayer(0) : dataset->GetLayerByName(options.layer.c_str());
  if (!layer) {
    std::string names;
    for (int i = 0; i < dataset->GetLayerCount(); ++i) names += (i ? ", " : "") + std::string(dataset->GetLayer(i)->GetName());
    throwBadInput(name + " has no layer '" + options.layer + "' (layers: " + names + ")");
  }
  VectorImportResult result;
  result.layer = layer->GetName();
  const std::string where = name + (dataset->GetLayerCount() > 1 ? ", layer " + result.layer : std::string());

  OGRFeatureDefn* definition = layer->GetLayerDefn();
  const int classField = definition->GetFieldIndex(options.classField.c_str());
  if (classField < 0) {
    std::string fields;
    for (int i = 0; i < definition->GetFieldCount(); ++i)
      fields += (i ? ", " : "") + std::string(definition->GetFieldDefn(i)->GetNameRef());
    throwBadInput(where + " has no field '" + options.classField + "' (fields: " + (fields.empty() ? "none" : fields) +
                  "): name the field that holds the classes");
  }
  const OGRFieldType classType = definition->GetFieldDefn(classField)->GetType();

  std::string sourceCrs;
  if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
    char* wkt = nullptr;
    const char* wktOptions[] = {"FORMAT=WKT2_2018", nullptr};
    srs->exportToWkt(&wkt, wktOptions);
    sourceCrs = wkt ? wkt : "";
    CPLFree(wkt);
  }
  if (sourceCrs.empty()) sourceCrs = options.assumeCrs;
  if (sourceCrs.empty())
    throwBadInput(where + " has no coordinate reference system: say which one its coordinates are in (for "
                          "longitude/latitude, EPSG:4326)");
  const CrsTransform toScene(sourceCrs, scene.crsWkt);

  // The scene's extent in its CRS, for clipping.
  OGRPolygon extent;
  {
    OGRLinearRing ring;
    for (auto [px, py] : {std::pair{0, 0}, {scene.width, 0}, {scene.width, scene.height}, {0, scene.height}, {0, 0}}) {
      const MapPoint corner = scene.geoTransform.pixelToMap(px, py);
      ring.addPoint(corner.x, corner.y);
    }
    extent.addRing(&ring);
  }

  // Class of a feature, or the text to list as unknown.
  auto classOf = [&](OGRFeature& feature, std::string* unknownText) -> std::optional<int> {
    if (!feature.IsFieldSetAndNotNull(classField)) {
      *unknownText = "(empty)";
      return std::nullopt;
    }
    if (classType == OFTString) {
      const std::string text = feature.GetFieldAsString(classField);
      for (const LabelClass& labelClass : scheme.classes)
        if (QString::fromStdString(labelClass.name).compare(QString::fromStdString(text), Qt::CaseInsensitive) == 0)
          return labelClass.value;
      bool ok = false;
      const int value = QString::fromStdString(text).trimmed().toInt(&ok);
      if (ok && scheme.find(value)) return value;
      *unknownText = "'" + text + "'";
      return std::nullopt;
    }
    const double value = feature.GetFieldAsDouble(classField);
    if (value == std::floor(value) && std::abs(value) < 1e6 && scheme.find(int(value))) return int(value);
    *unknownText = numberText(value);
    return std::nullopt;
  };

  std::vector<LabelPolygon> polygons;
  std::map<std::string, int64_t> unknown;
  const int64_t total = std::max<GIntBig>(1, layer->GetFeatureCount(TRUE));
  layer->ResetReading();
  for (auto& feature : *layer) {
    throwIfCanceled(feedback);
    reportProgress(feedback, ++result.features, total, "reading " + where);
    const int64_t fid = feature->GetFID();
    std::string unknownText;
    const std::optional<int> classValue = classOf(*feature, &unknownText);
    if (!classValue) {
      ++unknown[unknownText];
      continue;
    }
    const OGRGeometry* original = feature->GetGeometryRef();
    if (!original || original->IsEmpty()) {
      result.skipped.push_back({fid, "no geometry"});
      continue;
    }
    const OGRwkbGeometryType type = wkbFlatten(original->getGeometryType());
    if (type != wkbPolygon && type != wkbMultiPolygon && type != wkbGeometryCollection && type != wkbCurvePolygon &&
        type != wkbMultiSurface) {
      result.skipped.push_back({fid, std::string("not a polygon (") + OGRGeometryTypeToName(type) + ")"});
      continue;
    }
    std::unique_ptr<OGRGeometry> geometry(original->getLinearGeometry());
    if (!geometry || geometry->transform(&toScene.ogr()) != OGRERR_NONE) {
      result.skipped.push_back({fid, "cannot be transformed into the scene's CRS"});
      continue;
    }
    if (!geometry->IsValid()) geometry.reset(geometry->MakeValid());
    if (!geometry) {
      result.skipped.push_back({fid, "invalid geometry that cannot be repaired"});
      continue;
    }
    if (!extent.Intersects(geometry.get())) {
      result.skipped.push_back({fid, "outside the scene"});
      ++result.outside;
      continue;
    }
    if (!extent.Contains(geometry.get())) {
      geometry.reset(extent.Intersection(geometry.get()));
      ++result.clipped;
      if (!geometry) {
        result.skipped.push_back({fid, "cannot be clipped to the scene: " + errors.message()});
        continue;
      }
    }
    const std::vector<std::vector<Ring>> parts = polygonRingsOf(*geometry);
    if (parts.empty()) result.skipped.push_back({fid, "nothing but an edge or a corner inside the scene"});
    for (const std::vector<Ring>& rings : parts) {
      // Slivers would be invisible polygons: none of their pixel centres is covered.
      if (polygonPixels(rings, scene.geoTransform, scene.width, scene.height).inside.empty()) {
        result.skipped.push_back({fid, "smaller than a pixel: covers no pixel centre"});
        continue;
      }
      polygons.push_back({0, *classValue, rings});
      ++result.polygonsPerValue[*classValue];
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& [text, count] : unknown) list += (list.empty() ? "" : ", ") + text + " (" + std::to_string(count) + " features)";
    throwBadInput(where + ": field '" + options.classField + "' holds values that are not classes of scheme '" +
                  scheme.name + "' (" + classList(scheme) + "): " + list);
  }
  if (polygons.empty())
    throwBadInput("none of the " + std::to_string(result.features) + " features of " + where + " labels scene " + scene.id +
                  (result.outside > 0 ? ": " + std::to_string(result.outside) +
                                            " lie outside it; is the coordinate reference system right?"
                                      : ": they are not polygons, or smaller than a pixel"));
  result.polygons = int64_t(polygons.size());
  editor.addPolygons(std::move(polygons), "import " + name);
  return result;
}

}  // namespace prithvi
