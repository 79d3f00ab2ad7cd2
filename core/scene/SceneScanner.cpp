#include "core/scene/SceneScanner.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <variant>

#include <QDirIterator>
#include <QFileInfo>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/ThreadPool.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RemoteRasters.h"

namespace prithvi {

namespace {

struct BandFile {
  std::string path;
  std::string band;  // sensor code ("B05", "Fmask")
  BandRole role = BandRole::Other;
  std::shared_ptr<RasterSource> raster;
};

// A scene made of one file per band, before its grid is checked.
struct BandFileGroup {
  std::string id;
  SceneKind kind = SceneKind::BandFiles;
  std::string sensor;
  std::string tile;
  QDateTime acquired;
  bool hlsScaling = false;
  std::vector<BandFile> files;
};

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool isSidecar(const std::string& name) {
  const std::string lower = lowered(name);
  for (const char* suffix : {".txt", ".xml", ".json", ".md", ".ovr", ".aux.xml", ".msk", ".prj", ".tfw", ".hdr"})
    if (lower.size() > strlen(suffix) && lower.compare(lower.size() - strlen(suffix), strlen(suffix), suffix) == 0)
      return true;
  return false;
}

// Landsat band layouts: which band number carries which role.
BandRole landsatRole(const std::string& sensor, const std::string& band) {
  const bool oli = sensor == "LC08" || sensor == "LC09" || sensor == "LO08" || sensor == "LO09";
  static const std::map<std::string, BandRole> olirRoles = {
      {"B1", BandRole::Coastal}, {"B2", BandRole::Blue},  {"B3", BandRole::Green},    {"B4", BandRole::Red},
      {"B5", BandRole::NIR},     {"B6", BandRole::SWIR1}, {"B7", BandRole::SWIR2},    {"B9", BandRole::Cirrus},
      {"B10", BandRole::Thermal1}, {"B11", BandRole::Thermal2}};
  static const std::map<std::string, BandRole> tmRoles = {
      {"B1", BandRole::Blue},  {"B2", BandRole::Green}, {"B3", BandRole::Red},          {"B4", BandRole::NIR},
      {"B5", BandRole::SWIR1}, {"B7", BandRole::SWIR2}, {"B6", BandRole::Thermal1},
      {"B6_VCID_1", BandRole::Thermal1}, {"B6_VCID_2", BandRole::Thermal2}};
  const auto& roles = oli ? olirRoles : tmRoles;
  auto it = roles.find(band);
  return it == roles.end() ? BandRole::Other : it->second;
}

// Collection 1/2 product ids (LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF) and the older
// scene ids (LC81950252013188LGN00_B4.TIF).
bool parseLandsatName(const std::string& fileName, BandFileGroup& group, std::string& band) {
  static const std::regex collection(R"(^(L[COTEM]0[4-9])_(\w{4})_(\d{6})_(\d{8})_(\d{8})_(\d{2})_(\w{2})_(B\w+|BQA|QA_PIXEL)\.(tif|TIF)$)");
  static const std::regex preCollection(R"(^(L[COTEM])([4-9])(\d{6})(\d{4})(\d{3})(\w{3}\d{2})_(B\w+|BQA)\.(tif|TIF)$)");
  std::smatch m;
  if (std::regex_match(fileName, m, collection)) {
    group.sensor = m[1];
    group.tile = m[3];
    const QDate date = QDate::fromString(QString::fromStdString(m[4]), QStringLiteral("yyyyMMdd"));
    group.acquired = QDateTime(date, QTime(0, 0), Qt::UTC);
    group.id = fileName.substr(0, fileName.size() - m[8].length() - m[9].length() - 2);
    band = m[8];
    return date.isValid();
  }
  if (std::regex_match(fileName, m, preCollection)) {
    group.sensor = m[1].str() + "0" + m[2].str();
    group.tile = m[3];
    const QDate date = QDate(std::stoi(m[4]), 1, 1).addDays(std::stoi(m[5]) - 1);
    group.acquired = QDateTime(date, QTime(0, 0), Qt::UTC);
    group.id = fileName.substr(0, fileName.find('_'));
    band = m[7];
    return date.isValid();
  }
  return false;
}

std::vector<std::string> expandPaths(const std::vector<std::string>& paths, bool recursive,
                                     std::vector<SkippedFile>& skipped) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (isRemoteRasterPath(path)) {  // a streamed band file: read through GDAL as it is
      files.push_back(path);
      continue;
    }
    const QFileInfo info(QString::fromStdString(path));
    if (!info.exists()) {
      // A granule named by its id ("DIR/HLS.L30.T13REN.2021150T173909.v2.0"): its band files.
      const QStringList bands =
          info.dir().entryList({info.fileName() + QStringLiteral(".*.tif")}, QDir::Files, QDir::Name);
      if (bands.isEmpty()) skipped.push_back({path, "no such file, folder or granule", true});
      for (const QString& band : bands) files.push_back(info.dir().absoluteFilePath(band).toStdString());
    } else if (info.isDir()) {
      QDirIterator it(info.absoluteFilePath(), QDir::Files | QDir::Readable,
                      recursive ? QDirIterator::Subdirectories : QDirIterator::NoIteratorFlags);
      std::vector<std::string> found;
      while (it.hasNext()) found.push_back(it.next().toStdString());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(info.absoluteFilePath().toStdString());
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

std::string sizeText(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

std::string fileNameOf(const std::string& path) { return QFileInfo(QString::fromStdString(path)).fileName().toStdString(); }

// Georeferencing shared by every scene kind.
void placeScene(Scene& scene, const RasterInfo& info, std::vector<std::string>& warnings) {
  scene.width = info.width;
  scene.height = info.height;
  scene.geoTransform = info.geoTransform;
  scene.epsg = info.epsg;
  scene.crsWkt = info.crsWkt;
  if (info.crsWkt.empty() || !info.hasGeoTransform) {
    warnings.push_back(scene.id + ": no coordinate reference system or geotransform; it cannot be placed on the map");
    return;
  }
  try {
    scene.footprint = footprintLonLat(info.geoTransform, info.width, info.height, info.crsWkt);
  } catch (const Error& error) {
    warnings.push_back(scene.id + ": " + error.what());
  }
}

void computeCloudCover(Scene& scene, const RasterSource& fmaskRaster, int bandIndex) {
  const RasterInfo& info = fmaskRaster.info();
  const RasterBlock block = fmaskRaster.read({0, 0, info.width, info.height}, {bandIndex}, DataType::Byte);
  const CloudCover cover = cloudCoverOf(block.band<uint8_t>(0), int64_t(info.width) * info.height);
  scene.cloudCoverPercent = cover.cloudPercent();
}

// Checks that the files of a group share one grid and builds the scene; files off the grid
// are skipped with the reason.
std::optional<Scene> sceneOfGroup(BandFileGroup& group, const ScanOptions& options, ScanResult& result) {
  // The grid most files share is the scene's grid.
  std::map<std::string, int> votes;
  auto gridKey = [](const RasterInfo& info) {
    return sizeText(info.width, info.height) + " " + info.geoTransform.toString() + " " + std::to_string(info.epsg);
  };
  for (const auto& file : group.files) ++votes[gridKey(file.raster->info())];
  const std::string grid =
      std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;

  Scene scene;
  scene.id = group.id;
  scene.kind = group.kind;
  scene.sensor = group.sensor;
  scene.tile = group.tile;
  scene.acquired = group.acquired;
  const RasterInfo* reference = nullptr;
  for (const auto& file : group.files) {
    const RasterInfo& info = file.raster->info();
    if (gridKey(info) != grid) {
      const std::string reason =
          "band " + file.band + " is " + sizeText(info.width, info.height) +
          (info.geoTransform.pixelWidth() != 0 ? " at " + std::to_string(int(info.geoTransform.pixelWidth() + 0.5)) + " m" : "") +
          " but the other bands of " + group.id + " share a different grid (" + grid.substr(0, grid.find(' ')) +
          "); it is left out of the scene";
      result.skipped.push_back({file.path, reason});
      continue;
    }
    if (!reference) reference = &info;
    SceneBand band;
    band.role = file.role;
    band.name = file.band;
    band.path = file.path;
    band.bandIndex = 1;
    band.nodata = info.bands[0].nodata;
    if (group.hlsScaling && file.role != BandRole::Fmask && file.role != BandRole::Other) {
      const bool thermal = file.role == BandRole::Thermal1 || file.role == BandRole::Thermal2;
      band.scale = thermal ? 0.01 : kHlsReflectanceScale;
      if (!band.nodata) band.nodata = kHlsFill;
    } else if (file.role == BandRole::Fmask && !band.nodata) {
      band.nodata = kFmaskFill;
    }
    scene.bands.push_back(band);
  }
  if (!reference) return std::nullopt;
  // Prithvi's order first, then the rest by name, so listings read the same every time.
  std::stable_sort(scene.bands.begin(), scene.bands.end(),
                   [](const SceneBand& a, const SceneBand& b) { return int(a.role) < int(b.role); });
  placeScene(scene, *reference, result.warnings);
  if (group.kind == SceneKind::HlsGranule) {
    std::vector<std::string> missing;
    for (BandRole role : kPrithviBands)
      if (!scene.band(role)) missing.push_back(bandRoleName(role));
    if (!scene.band(BandRole::Fmask)) missing.push_back("Fmask");
    if (!missing.empty()) {
      std::string list;
      for (const auto& name : missing) list += (list.empty() ? "" : ", ") + name;
      result.warnings.push_back(group.id + ": granule lacks " + list);
    }
  }
  if (options.computeCloudCover)
    for (const auto& file : group.files)
      if (file.role == BandRole::Fmask && gridKey(file.raster->info()) == grid) computeCloudCover(scene, *file.raster, 1);
  return scene;
}

// Band roles of a plain raster: the user's list, else band descriptions, else known layouts.
std::vector<BandRole> inferBandRoles(const RasterInfo& info, const std::string& fileName,
                                     const ScanOptions& options, std::string* assumption) {
  const int count = int(info.bands.size());
  if (!options.bandRoles.empty()) {
    if (int(options.bandRoles.size()) != count)
      throwUsage(fileName + " has " + std::to_string(count) + " bands but " +
                 std::to_string(options.bandRoles.size()) + " band roles were given");
    return options.bandRoles;
  }
  static const std::vector<std::pair<std::regex, BandRole>> descriptionRoles = {
      {std::regex("^(blue|b0?2|band ?2 ?- ?blue)$", std::regex::icase), BandRole::Blue},
      {std::regex("^(green|b0?3)$", std::regex::icase), BandRole::Green},
      {std::regex("^(red|b0?4)$", std::regex::icase), BandRole::Red},
      {std::regex("^(nir|nir ?narrow|narrow ?nir|b8a|near.?infrared)$", std::regex::icase), BandRole::NIR},
      {std::regex("^(swir ?1|swir16|b11)$", std::regex::icase), BandRole::SWIR1},
      {std::regex("^(swir ?2|swir22|b12)$", std::regex::icase), BandRole::SWIR2},
      {std::regex("^(fmask|qa|cloud ?mask)$", std::regex::icase), BandRole::Fmask}};
  std::vector<BandRole> roles(count, BandRole::Other);
  int described = 0;
  for (int b = 0; b < count; ++b)
    for (const auto& [pattern, role] : descriptionRoles)
      if (std::regex_match(info.bands[b].description, pattern)) {
        roles[b] = role;
        ++described;
        break;
      }
  if (described > 0) return roles;
  if (count == 6) {
    // Landsat TM/ETM+ reflective stacks (bands 1,2,3,4,5,7) and Prithvi chips share this order.
    *assumption = "6 undescribed bands taken as Blue, Green, Red, NIR, SWIR1, SWIR2; "
                  "pass --band-roles if that is wrong";
    return {kPrithviBands[0], kPrithviBands[1], kPrithviBands[2], kPrithviBands[3], kPrithviBands[4], kPrithviBands[5]};
  }
  return roles;
}

std::optional<Scene> sceneOfRaster(const std::shared_ptr<RasterSource>& raster, const ScanOptions& options,
                                   ScanResult& result) {
  const RasterInfo& info = raster->info();
  const std::string name = fileNameOf(info.path);
  std::string assumption;
  const std::vector<BandRole> roles = inferBandRoles(info, name, options, &assumption);
  if (!assumption.empty()) result.warnings.push_back(name + ": " + assumption);
  Scene scene;
  scene.id = name;
  scene.kind = SceneKind::MultiBandRaster;
  for (int b = 0; b < int(info.bands.size()); ++b) {
    SceneBand band;
    band.role = roles[b];
    band.name = info.bands[b].description.empty() ? "band " + std::to_string(b + 1) : info.bands[b].description;
    band.path = info.path;
    band.bandIndex = b + 1;
    band.scale = info.bands[b].scale;
    band.offset = info.bands[b].offset;
    band.nodata = info.bands[b].nodata;
    scene.bands.push_back(band);
  }
  placeScene(scene, info, result.warnings);
  if (const SceneBand* fmaskBand = scene.band(BandRole::Fmask); fmaskBand && options.computeCloudCover)
    computeCloudCover(scene, *raster, fmaskBand->bandIndex);
  return scene;
}

}  // namespace

Scene sceneOfFile(const std::string& path) {
  ScanOptions options;
  options.computeCloudCover = false;
  options.recursive = false;
  options.includeTruthMasks = true;
  options.plainWhenNotHls = true;
  ScanResult scan = scanForScenes({path}, options);
  if (scan.scenes.size() != 1)
    throwBadInput(path + " is not a raster this program reads" +
                  (scan.skipped.empty() ? std::string() : ": " + scan.skipped.front().reason));
  return scan.scenes.front();
}

std::vector<BandRole> parseBandRoles(const std::string& text) {
  std::vector<BandRole> roles;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item == "-") {
      roles.push_back(BandRole::Other);
    } else if (auto role = bandRoleFromName(item)) {
      roles.push_back(*role);
    } else {
      throwUsage("unknown band role '" + item +
                 "'; use Blue, Green, Red, NIR, SWIR1, SWIR2, Fmask, Coastal, Cirrus, Thermal1, Thermal2 or Other");
    }
    start = end + 1;
  }
  return roles;
}

ScanResult scanForScenes(const std::vector<std::string>& paths, const ScanOptions& options, Feedback* feedback) {
  ScanResult result;
  const std::vector<std::string> files = expandPaths(paths, options.recursive, result.skipped);
  std::map<std::string, BandFileGroup> groups;  // ordered: granules come out sorted by id
  std::vector<std::shared_ptr<RasterSource>> plain;
  std::map<std::string, std::string> brokenGroups;  // granule id -> why it is left out

  // Streamed files wait on round trips: open them many at once first.
  std::map<std::string, std::variant<std::shared_ptr<RasterSource>, std::string>> opened;
  std::vector<std::string> remote;
  for (const std::string& path : files)
    if (isRemoteRasterPath(path) && !isSidecar(fileNameOf(path))) remote.push_back(path);
  if (!remote.empty()) {
    std::mutex mutex;
    static ThreadPool networkOpens(16);
    networkOpens.parallelFor(int(remote.size()), [&](int i) {
      if (isCanceled(feedback)) return;
      std::variant<std::shared_ptr<RasterSource>, std::string> outcome;
      try {
        outcome = openRasterShared(remote[size_t(i)]);  // kept open: the first view follows
      } catch (const Error& error) {
        outcome = std::string(error.what());
      }
      std::lock_guard lock(mutex);
      opened.emplace(remote[size_t(i)], std::move(outcome));
    });
  }
  auto openRaster = [&](const std::string& path) {
    const auto found = opened.find(path);
    if (found == opened.end()) return RasterSource::open(path);
    if (const auto* why = std::get_if<std::string>(&found->second)) throwBadInput(*why);
    return std::get<std::shared_ptr<RasterSource>>(found->second);
  };

  const int64_t total = int64_t(files.size());
  for (int64_t i = 0; i < total; ++i) {
    throwIfCanceled(feedback);
    const std::string& path = files[i];
    const std::string name = fileNameOf(path);
    reportProgress(feedback, i, total, name);
    if (isSidecar(name)) {
      result.skipped.push_back({path, "not a raster (metadata or sidecar file)"});
      continue;
    }
    BandFileGroup candidate;
    std::string band;
    std::string whyNotHls;
    const auto hlsName = HlsFileName::parse(name, &whyNotHls);
    const bool looksHls = name.rfind("HLS.", 0) == 0;
    if (looksHls && !hlsName && !options.plainWhenNotHls) {
      result.skipped.push_back({path, "HLS file name " + whyNotHls});
      continue;
    }
    const bool landsatNamed = !hlsName && parseLandsatName(name, candidate, band);
    std::shared_ptr<RasterSource> raster;
    try {
      raster = openRaster(path);
    } catch (const Error& error) {
      result.skipped.push_back({path, error.what(), true});
      // One unusable band file rules out its whole granule: a granule without it would be
      // imported quietly short of a band.
      if (hlsName || landsatNamed) {
        const std::string id = hlsName ? hlsName->granuleId() : candidate.id;
        brokenGroups.emplace(id, (hlsName ? hlsName->band : band) + " is unusable");
      }
      continue;
    }
    if (hlsName) {
      BandFileGroup& group = groups[hlsName->granuleId()];
      group.id = hlsName->granuleId();
      group.kind = SceneKind::HlsGranule;
      group.sensor = hlsSensorName(hlsName->sensor);
      group.tile = hlsName->tile;
      group.acquired = hlsName->acquired;
      group.hlsScaling = true;
      group.files.push_back({path, hlsName->band, hlsBandRole(hlsName->sensor, hlsName->band), raster});
    } else if (landsatNamed) {
      BandFileGroup& group = groups[candidate.id];
      if (group.files.empty()) group = candidate;
      group.files.push_back({path, band, landsatRole(candidate.sensor, band), raster});
    } else if (auto truth = raster->info().metadata.find(std::string(kTruthMaskMetadataKey));
               truth != raster->info().metadata.end() && !options.includeTruthMasks) {
      result.skipped.push_back({path, "a " + truth->second + " truth mask, not imagery (labels are imported as labels)"});
    } else {
      plain.push_back(raster);
    }
  }
  for (auto& [id, group] : groups) {
    throwIfCanceled(feedback);
    if (auto broken = brokenGroups.find(id); broken != brokenGroups.end()) {
      for (const BandFile& file : group.files)
        result.skipped.push_back({file.path, "granule " + id + " left out: its band " + broken->second, true});
      continue;
    }
    std::erase_if(group.files, [&](const BandFile& file) {
      const size_t bands = file.raster->info().bands.size();
      if (bands == 1) return false;
      result.skipped.push_back({file.path, "has " + std::to_string(bands) + " bands; a per-band file of " + id +
                                               " must have one", true});
      return true;
    });
    if (group.files.empty()) continue;
    if (auto scene = sceneOfGroup(group, options, result)) result.scenes.push_back(std::move(*scene));
  }
  for (const auto& raster : plain) {
    throwIfCanceled(feedback);
    if (auto scene = sceneOfRaster(raster, options, result)) result.scenes.push_back(std::move(*scene));
  }
  reportProgress(feedback, total, total, "scanned");
  return result;
}

}  // namespace prithvi
