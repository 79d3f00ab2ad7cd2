// prithvi timeseries, prithvi cube build
#include <QJsonArray>
#include <QJsonObject>
#include <cmath>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/ProjectStore.h"
#include "core/timeseries/TileCube.h"

namespace prithvi::cli {

namespace {
QJsonValue number(float value) { return std::isnan(value) ? QJsonValue() : QJsonValue(double(value)); }

// The tile to use: the one named, else the only tile whose grid holds the point.
std::vector<Scene> granulesUnder(const std::vector<Scene>& scenes, const std::string& tile, const MapPoint& point,
                                 const std::string& crs, std::pair<int, int>* pixel) {
  std::vector<std::string> tiles;
  for (const Scene& scene : scenes)
    if (scene.kind == SceneKind::HlsGranule && (tile.empty() || scene.tile == tile || "T" + scene.tile == tile) &&
        std::find(tiles.begin(), tiles.end(), scene.tile) == tiles.end())
      tiles.push_back(scene.tile);
  for (const std::string& candidate : tiles) {
    auto granules = tileGranules(scenes, candidate);
    if (auto at = tilePixelAt(granules.front(), point, crs)) {
      *pixel = *at;
      return granules;
    }
  }
  throwBadInput(tiles.empty() ? "the project has no HLS granules" + (tile.empty() ? std::string() : " of tile " + tile)
                              : "the point lies outside every tile's grid (check --crs: the default is the tile's own UTM CRS)");
}
}  // namespace

int commandTimeSeries(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("timeseries"),
                  QStringLiteral("The six bands, indices and Fmask flags of one pixel in every granule of its tile. "
                                 "Reads the tile's cube when it is up to date, else the granule files."));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("x")}, QStringLiteral("easting or longitude"), QStringLiteral("x"));
  cli.addOption({QStringLiteral("y")}, QStringLiteral("northing or latitude"), QStringLiteral("y"));
  cli.addOption({QStringLiteral("crs")}, QStringLiteral("CRS of x and y, e.g. EPSG:4326 (default: the tile's UTM)"),
                QStringLiteral("crs"));
  cli.addOption({QStringLiteral("tile")}, QStringLiteral("the tile, when several hold the point"), QStringLiteral("tile"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    bool okX = false, okY = false;
    const MapPoint point{cli.value(QStringLiteral("x")).toDouble(&okX), cli.value(QStringLiteral("y")).toDouble(&okY)};
    if (!okX || !okY) throwUsage("--x and --y take numbers, e.g. --x 512345 --y 3287654");
    const std::string project = cli.positional().front().toStdString();
    const auto store = ProjectStore::open(project);
    std::pair<int, int> pixel;
    const auto granules = granulesUnder(store->scenes(), cli.value(QStringLiteral("tile")).toStdString(), point,
                                        cli.value(QStringLiteral("crs")).toStdString(), &pixel);
    Feedback feedback;
    std::string cubeNote;  // why the cube was not read, when it was not
    feedback.setLogCallback([&](const std::string& level, const std::string& text) {
      if (level == "warning") cubeNote = text;
    });
    PixelProfile profile = readProfile(granules, pixel.first, pixel.second, cubePathFor(project, granules.front().tile), &feedback);
    profile.leftOut = leftOutDates(store->scenes(), granules.front().tile);
    if (!cubeNote.empty()) printError("warning: " + cubeNote);
    if (cli.json()) {
      QJsonArray observations;
      for (const Observation& o : profile.observations) {
        QJsonObject values, raw, indices;
        for (int b = 0; b < 6; ++b) {
          values[QLatin1String(bandRoleName(kPrithviBands[b]))] = number(o.reflectance[b]);
          raw[QLatin1String(bandRoleName(kPrithviBands[b]))] = o.raw[b];
        }
        for (SpectralIndex index : {SpectralIndex::NDVI, SpectralIndex::NDWI, SpectralIndex::MNDWI, SpectralIndex::NBR, SpectralIndex::EVI})
          indices[QLatin1String(spectralIndexName(index))] = number(o.index(index));
        const FmaskFlags flags = decodeFmask(o.fmask);
        QJsonObject fmask{{QStringLiteral("value"), int(o.fmask)},     {QStringLiteral("fill"), flags.fill},
                          {QStringLiteral("cloud"), flags.cloud},      {QStringLiteral("cirrus"), flags.cirrus},
                          {QStringLiteral("shadow"), flags.shadow},    {QStringLiteral("adjacent"), flags.adjacent},
                          {QStringLiteral("snow_ice"), flags.snowIce}, {QStringLiteral("water"), flags.water},
                          {QStringLiteral("aerosol"), flags.aerosolLevel}};
        QJsonObject entry;
        entry[QStringLiteral("granule")] = QString::fromStdString(o.sceneId);
        entry[QStringLiteral("date")] = QString::fromStdString(isoDate(o.acquired));
        entry[QStringLiteral("sensor")] = QString::fromStdString(o.sensor);
        entry[QStringLiteral("reflectance")] = values;
        entry[QStringLiteral("raw")] = raw;
        entry[QStringLiteral("indices")] = indices;
        entry[QStringLiteral("fmask")] = fmask;
        entry[QStringLiteral("flagged")] = o.flagged();
        observations.append(entry);
      }
      QJsonObject result;
      result[QStringLiteral("tile")] = QString::fromStdString(profile.tile);
      result[QStringLiteral("epsg")] = profile.epsg;
      result[QStringLiteral("pixel")] = QJsonArray{profile.pixelX, profile.pixelY};
      result[QStringLiteral("point")] = QJsonArray{profile.point.x, profile.point.y};
      result[QStringLiteral("source")] = profile.fromCube ? QStringLiteral("cube") : QStringLiteral("files");
      result[QStringLiteral("observations")] = observations;
      QJsonArray leftOut;
      for (const LeftOutDate& date : profile.leftOut)
        leftOut.append(QJsonObject{{QStringLiteral("granule"), QString::fromStdString(date.sceneId)},
                                   {QStringLiteral("date"), QString::fromStdString(isoDate(date.acquired))},
                                   {QStringLiteral("reason"), QString::fromStdString(date.reason)}});
      result[QStringLiteral("left_out")] = leftOut;
      if (!cubeNote.empty()) result[QStringLiteral("cube_note")] = QString::fromStdString(cubeNote);
      printJson(result);
      return int(kOk);
    }
    printLine("tile " + profile.tile + ", pixel " + std::to_string(profile.pixelX) + "," + std::to_string(profile.pixelY) +
              " (from the " + (profile.fromCube ? "cube" : "granule files") + ")");
    printLine("date        sensor  Blue    Green   Red     NIR     SWIR1   SWIR2   NDVI    flags");
    for (const Observation& o : profile.observations) {
      char line[256];
      std::snprintf(line, sizeof line, "%-11s %-6s  %-7.4f %-7.4f %-7.4f %-7.4f %-7.4f %-7.4f %-7.3f %s",
                    o.acquired.date().toString(Qt::ISODate).toStdString().c_str(), o.sensor.c_str(), o.reflectance[0],
                    o.reflectance[1], o.reflectance[2], o.reflectance[3], o.reflectance[4], o.reflectance[5],
                    o.index(SpectralIndex::NDVI), o.flagged() ? "flagged" : "");
      printLine(line);
    }
    for (const LeftOutDate& date : profile.leftOut)
      printLine(date.acquired.date().toString(Qt::ISODate).toStdString() + "  no reading: " + date.reason);
    return int(kOk);
  });
}

int commandCube(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("cube"),
                  QStringLiteral("Manage tile cubes.\n  build PROJECT --tile T   stack a tile's granules into a Zarr "
                                 "store beside the project for fast pixel profiles"));
  cli.addPositional(QStringLiteral("action"), QStringLiteral("build"));
  cli.addPositional(QStringLiteral("project"), QStringLiteral("project file (*.gpkg)"));
  cli.addOption({QStringLiteral("tile")}, QStringLiteral("MGRS tile, e.g. T13REN"), QStringLiteral("tile"));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  if (cli.positional().front() != QStringLiteral("build")) {
    printError("unknown action '" + cli.positional().front().toStdString() + "'; use 'prithvi cube build'");
    return kUsage;
  }
  if (!cli.isSet(QStringLiteral("tile"))) {
    printError("--tile is required, e.g. --tile T13REN");
    return kUsage;
  }
  const std::string project = cli.positional()[1].toStdString();
  const std::string tile = cli.value(QStringLiteral("tile")).toStdString();
  return runJob("cube", cli.jsonEvents(), [&](Feedback& feedback) {
    const auto granules = tileGranules(ProjectStore::open(project)->scenes(), tile);
    const std::string path = cubePathFor(project, granules.front().tile);
    buildTileCube(granules, path, {}, &feedback);
    if (!cli.jsonEvents()) {
      printLine("stacked " + std::to_string(granules.size()) + " granule(s) of T" + granules.front().tile + " into " + path);
      for (const LeftOutDate& date : leftOutDates(ProjectStore::open(project)->scenes(), tile))
        printLine("left out " + date.sceneId + ": " + date.reason);
    }
    return int(kOk);
  });
}

}  // namespace prithvi::cli
