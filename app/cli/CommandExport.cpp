// prithvi export map, prithvi export polygons
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QPageSize>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <ogr_spatialref.h>

#include "app/cli/Cli.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/project/ProjectStore.h"
#include "core/raster/Crs.h"
#include "core/raster/Polygonize.h"
#include "core/raster/RasterSource.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "core/scene/SceneScanner.h"
#include "viewers/MapExport.h"

namespace prithvi::cli {

namespace {

namespace fs = std::filesystem;

QString qs(const std::string& text) { return QString::fromStdString(text); }

const char* kStyleNames = "truecolor, cir, swir, agriculture, ndvi, ndwi, mndwi, nbr, evi, band=ROLE or classes";

// ---- layer specs: SOURCE[:style][@opacity] ------------------------------------------------------

struct LayerSpec {
  std::string source;  // scene id or raster path
  std::string style;   // empty: chosen from the data
  double opacity = 1.0;
  std::string text;    // as given, for messages
};

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

bool isStyleName(const std::string& style) {
  const std::string key = lowered(style);
  if (key == "truecolor" || key == "cir" || key == "swir" || key == "agriculture" || key == "classes") return true;
  if (key.rfind("band=", 0) == 0) return true;
  return spectralIndexFromName(key).has_value();
}

LayerSpec parseLayerSpec(const std::string& text) {
  LayerSpec spec;
  spec.text = text;
  std::string rest = text;
  if (const size_t at = rest.rfind('@'); at != std::string::npos && at > 0) {
    QString value = qs(rest.substr(at + 1)).trimmed();
    const bool percent = value.endsWith(QLatin1Char('%'));
    if (percent) value.chop(1);
    bool ok = false;
    double opacity = value.toDouble(&ok);
    if (ok && percent) opacity /= 100;
    if (ok && opacity >= 0 && opacity <= 1) {
      spec.opacity = opacity;
      rest.resize(at);
    } else if (ok || !fs::exists(text)) {  // an '@' that is part of a file name is left alone
      throwUsage("layer '" + text + "': the opacity after '@' must be 0 to 1 (or 0% to 100%), not '" + rest.substr(at + 1) + "'");
    }
  }
  // A ':' ends the source only when a style follows: paths may hold colons.
  if (const size_t colon = rest.rfind(':'); colon != std::string::npos && colon > 0) {
    const std::string style = rest.substr(colon + 1);
    if (isStyleName(style)) {
      spec.style = style;
      rest.resize(colon);
    } else if (!fs::exists(rest)) {
      throwUsage("layer '" + text + "': unknown style '" + style + "' (use " + kStyleNames + ")");
    }
  }
  if (rest.empty()) throwUsage("layer '" + text + "' names no scene or raster");
  spec.source = rest;
  return spec;
}

// A one-band class map the scanner leaves out (a label mask marks itself as truth, not imagery)
// is still worth drawing: a scene of its own grid.
Scene classMapScene(const std::string& path) {
  const std::shared_ptr<RasterSource> raster = RasterSource::open(path);
  const RasterInfo& info = raster->info();
  Scene scene;
  scene.id = QFileInfo(qs(path)).fileName().toStdString();
  scene.kind = SceneKind::MultiBandRaster;
  scene.width = info.width;
  scene.height = info.height;
  scene.geoTransform = info.geoTransform;
  scene.epsg = info.epsg;
  scene.crsWkt = info.crsWkt;
  SceneBand band;
  band.path = info.path;
  band.name = "band 1";
  band.nodata = info.bands.front().nodata;
  scene.bands.push_back(band);
  if (!info.crsWkt.empty() && info.hasGeoTransform)
    scene.footprint = footprintLonLat(info.geoTransform, info.width, info.height, info.crsWkt);
  return scene;
}

Scene sceneOfFile(const std::string& path) {
  ScanOptions options;
  options.recursive = false;
  options.computeCloudCover = false;
  const ScanResult scan = scanForScenes({path}, options);
  if (scan.scenes.size() == 1) return scan.scenes.front();
  if (scan.scenes.size() > 1) {
    std::string ids;
    for (const Scene& scene : scan.scenes) ids += (ids.empty() ? "" : ", ") + scene.id;
    throwUsage(path + " holds " + std::to_string(scan.scenes.size()) + " scenes (" + ids + "): name one of them");
  }
  if (!scan.skipped.empty() && scan.skipped.front().reason.find("truth mask") != std::string::npos)
    return classMapScene(path);
  throwBadInput("cannot draw " + path + ": " + (scan.skipped.empty() ? std::string("it holds no raster") : scan.skipped.front().reason));
}

Scene sceneOfSpec(const LayerSpec& spec, ProjectStore* project) {
  if (project)
    if (std::optional<Scene> scene = project->scene(spec.source)) return *scene;
  std::error_code error;
  if (fs::exists(spec.source, error)) return sceneOfFile(spec.source);
  throwUsage("layer '" + spec.text + "': '" + spec.source + "' is " +
             (project ? "neither a scene of " + project->path() + " nor a file" : std::string("not a file (give --project to name scenes by id)")));
}

LayerStyle rgbStyle(BandRole red, BandRole green, BandRole blue) {
  LayerStyle style;
  style.kind = LayerStyle::Kind::Rgb;
  style.rgb = {red, green, blue};
  return style;
}

ColorMapName indexColorMap(SpectralIndex index) {
  switch (index) {
    case SpectralIndex::NDWI:
    case SpectralIndex::MNDWI: return ColorMapName::Blues;
    default: return ColorMapName::RdYlGn;
  }
}

std::string bandList(const Scene& scene) {
  std::string list;
  for (const SceneBand& band : scene.bands) list += (list.empty() ? "" : ", ") + std::string(bandRoleName(band.role));
  return list.empty() ? "none" : list;
}

// The style a spec names, or the one that suits the data: a class map's own colours, true
// colour for scenes with Prithvi's six bands, the first band in grey otherwise. Stretches come
// from the scene's 2-98 % percentiles.
LayerStyle styleOf(const LayerSpec& spec, const SceneReader& reader) {
  const Scene& scene = reader.scene();
  const std::string key = lowered(spec.style);
  LayerStyle style;
  if (key.empty()) {
    if (std::optional<LayerStyle> classes = classStyleOf(reader)) return *classes;
    if (scene.hasPrithviBands()) {
      style = rgbStyle(BandRole::Red, BandRole::Green, BandRole::Blue);
    } else {
      style.kind = LayerStyle::Kind::SingleBand;
      style.band = scene.bands.empty() ? BandRole::Other : scene.bands.front().role;
    }
  } else if (key == "classes") {
    std::optional<LayerStyle> classes = classStyleOf(reader);
    if (!classes)
      throwUsage("layer '" + spec.text + "': " + scene.id + " is not a class map (one band with a colour table); pick another style");
    return *classes;
  } else if (key == "truecolor") {
    style = rgbStyle(BandRole::Red, BandRole::Green, BandRole::Blue);
  } else if (key == "cir") {
    style = rgbStyle(BandRole::NIR, BandRole::Red, BandRole::Green);
  } else if (key == "swir") {
    style = rgbStyle(BandRole::SWIR2, BandRole::NIR, BandRole::Red);
  } else if (key == "agriculture") {
    style = rgbStyle(BandRole::SWIR1, BandRole::NIR, BandRole::Blue);
  } else if (key.rfind("band=", 0) == 0) {
    const std::optional<BandRole> role = bandRoleFromName(spec.style.substr(5));
    if (!role) throwUsage("layer '" + spec.text + "': unknown band '" + spec.style.substr(5) + "' (the scene has " + bandList(scene) + ")");
    style.kind = LayerStyle::Kind::SingleBand;
    style.band = *role;
  } else if (const std::optional<SpectralIndex> index = spectralIndexFromName(key)) {
    style.kind = LayerStyle::Kind::Index;
    style.index = *index;
    style.colorMap = indexColorMap(*index);
  } else {
    throwUsage("layer '" + spec.text + "': unknown style '" + spec.style + "' (use " + kStyleNames + ")");
  }
  for (BandRole role : style.bandsToRead())
    if (!scene.band(role))
      throwUsage("layer '" + spec.text + "': " + scene.id + " has no " + bandRoleName(role) + " band for style '" +
                 (spec.style.empty() ? "default" : spec.style) + "' (it has " + bandList(scene) + ")");
  const std::vector<BandStatistics> statistics = sceneStatistics(reader, style);
  for (size_t i = 0; i < statistics.size() && i < 3; ++i) style.stretch[i] = stretchFor(statistics[i], StretchParams{});
  return style;
}

// ---- extent, CRS, size --------------------------------------------------------------------------

MapExtent parseExtent(const QString& text) {
  const QStringList parts = text.split(QLatin1Char(','));
  double values[4] = {};
  bool ok = parts.size() == 4;
  for (int i = 0; ok && i < 4; ++i) values[i] = parts[i].trimmed().toDouble(&ok);
  if (!ok) throwUsage("--extent takes four numbers minx,miny,maxx,maxy in the map CRS, not '" + text.toStdString() + "'");
  const MapExtent extent{values[0], values[1], values[2], values[3]};
  if (extent.isEmpty())
    throwUsage("--extent " + text.toStdString() + " is empty: minx must be below maxx and miny below maxy");
  return extent;
}

void include(MapExtent& extent, bool& first, const MapPoint& point) {
  if (first) {
    extent = {point.x, point.y, point.x, point.y};
    first = false;
  }
  extent.minX = std::min(extent.minX, point.x);
  extent.maxX = std::max(extent.maxX, point.x);
  extent.minY = std::min(extent.minY, point.y);
  extent.maxY = std::max(extent.maxY, point.y);
}

// The union of the scenes in the map CRS: their exact grid corners when they share it, their
// footprints reprojected otherwise.
MapExtent unionExtent(const std::vector<ExportLayer>& layers, const std::string& mapCrs) {
  MapExtent extent;
  bool first = true;
  const LonLatTransform toMap(mapCrs);
  for (const ExportLayer& layer : layers) {
    const Scene& scene = layer.reader->scene();
    if (!scene.crsWkt.empty() && sameCrs(scene.crsWkt, mapCrs)) {
      for (auto [px, py] : {std::pair{0, 0}, {scene.width, 0}, {0, scene.height}, {scene.width, scene.height}})
        include(extent, first, scene.geoTransform.pixelToMap(px, py));
      continue;
    }
    for (const LonLat& point : scene.footprint)
      if (const auto map = toMap.fromLonLat(point)) include(extent, first, *map);
  }
  if (first) throwBadInput("the layers have no place in " + mapCrs + ": give --extent in the map CRS");
  return extent;
}

// The finest pixel of the layers, in map units (for a GeoTIFF at the data's own resolution).
double finestPixel(const std::vector<ExportLayer>& layers, const std::string& mapCrs, const MapExtent& extent) {
  double finest = 0;
  for (const ExportLayer& layer : layers) {
    const Scene& scene = layer.reader->scene();
    double pixel = std::abs(scene.geoTransform.pixelWidth());
    if (scene.crsWkt.empty() || !sameCrs(scene.crsWkt, mapCrs)) {
      // Another CRS: as many pixels across the extent as the scene has across its footprint.
      const MapExtent own = unionExtent({layer}, mapCrs);
      pixel = (own.maxX - own.minX) / std::max(1, scene.width);
    }
    if (pixel > 0 && (finest == 0 || pixel < finest)) finest = pixel;
  }
  return finest > 0 ? finest : (extent.maxX - extent.minX) / 1600;
}

struct PageChoice {
  std::optional<QPageSize> page;
  bool landscape = true;
  QSize pixels;
};

// "WxH" in pixels, or a paper size: A0-A5, letter, legal, tabloid, with -portrait/-landscape.
PageChoice parseSize(const QString& text) {
  PageChoice choice;
  static const QRegularExpression pixels(QStringLiteral("^(\\d+)\\s*[xX×]\\s*(\\d+)$"));
  if (const QRegularExpressionMatch match = pixels.match(text.trimmed()); match.hasMatch()) {
    bool okWidth = false, okHeight = false;
    const qlonglong width = match.captured(1).toLongLong(&okWidth), height = match.captured(2).toLongLong(&okHeight);
    if (!okWidth || !okHeight || width < 1 || height < 1)
      throwUsage("--size takes WIDTHxHEIGHT in pixels of at least 1, not '" + text.toStdString() + "'");
    if (width > kMaxExportSide || height > kMaxExportSide)
      throwUsage("--size " + text.toStdString() + " is too large: at most " + std::to_string(kMaxExportSide) + " pixels a side");
    choice.pixels = QSize(int(width), int(height));
    return choice;
  }
  QString name = text.trimmed().toLower();
  if (name.endsWith(QLatin1String("-portrait"))) {
    choice.landscape = false;
    name.chop(9);
  } else if (name.endsWith(QLatin1String("-landscape"))) {
    name.chop(10);
  }
  static const std::pair<const char*, QPageSize::PageSizeId> papers[] = {
      {"a0", QPageSize::A0}, {"a1", QPageSize::A1}, {"a2", QPageSize::A2},         {"a3", QPageSize::A3},
      {"a4", QPageSize::A4}, {"a5", QPageSize::A5}, {"letter", QPageSize::Letter}, {"legal", QPageSize::Legal},
      {"tabloid", QPageSize::Tabloid}};
  for (const auto& [paper, id] : papers)
    if (name == QLatin1String(paper)) {
      choice.page = QPageSize(id);
      return choice;
    }
  throwUsage("--size takes WIDTHxHEIGHT in pixels (e.g. 3000x2000) or a paper size (A0-A5, letter, legal, tabloid, "
             "optionally with -portrait), not '" + text.toStdString() + "'");
}

QJsonArray extentJson(const MapExtent& extent) { return {extent.minX, extent.minY, extent.maxX, extent.maxY}; }

const char* formatName(MapExportFormat format) {
  switch (format) {
    case MapExportFormat::Png: return "png";
    case MapExportFormat::Pdf: return "pdf";
    case MapExportFormat::Svg: return "svg";
    case MapExportFormat::GeoTiff: return "geotiff";
  }
  return "";
}

// ---- the actions --------------------------------------------------------------------------------

int exportMapAction(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("export map"),
                  QStringLiteral(
                      "Export a map of scenes and class maps, like File > Export Map in Prithvi Studio:\n"
                      "  .png .pdf .svg  a page with title, legend, scale bar, north arrow, CRS and date\n"
                      "  .tif            the composed view as a georeferenced RGBA GeoTIFF (no decorations)\n"
                      "A layer is SOURCE[:STYLE][@OPACITY], bottom layer first: SOURCE a scene id of --project or a\n"
                      "raster path; STYLE truecolor, cir, swir, agriculture, ndvi, ndwi, mndwi, nbr, evi, band=ROLE or\n"
                      "classes (default: a class map's colours, true colour for six-band scenes, the first band in\n"
                      "grey otherwise; stretched 2-98 %); OPACITY 0..1 or a percentage.\n"
                      "Example: prithvi export map --out flood.pdf --layer scene.tif:cir --layer flood.tif@0.7 --title Flood"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("the file to write (.png, .pdf, .svg or .tif)"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("project")}, QStringLiteral("project whose scenes --layer may name by id"), QStringLiteral("file.gpkg"));
  cli.addOption({QStringLiteral("layer")}, QStringLiteral("a layer, bottom first; repeat for more"), QStringLiteral("spec"));
  cli.addOption({QStringLiteral("extent")}, QStringLiteral("minx,miny,maxx,maxy in the map CRS (default: all layers)"),
                QStringLiteral("box"));
  cli.addOption({QStringLiteral("crs")}, QStringLiteral("map CRS, e.g. EPSG:32613 (default: the first layer's)"), QStringLiteral("crs"));
  cli.addOption({QStringLiteral("size")},
                QStringLiteral("WIDTHxHEIGHT pixels or a paper size such as A4 or A3-portrait (default: 1600x1200; A4 for "
                               "PDF; the data's resolution for .tif)"),
                QStringLiteral("size"));
  cli.addOption({QStringLiteral("dpi")}, QStringLiteral("resolution (default: 96; 300 for PDF)"), QStringLiteral("n"));
  cli.addOption({QStringLiteral("title")}, QStringLiteral("the map's title"), QStringLiteral("text"));
  cli.addOption({QStringLiteral("date")}, QStringLiteral("date line (default: the acquisition date of the topmost dated layer)"),
                QStringLiteral("text"));
  cli.addOption({QStringLiteral("no-legend")}, QStringLiteral("leave out the legend"));
  cli.addOption({QStringLiteral("no-scalebar")}, QStringLiteral("leave out the scale bar"));
  cli.addOption({QStringLiteral("no-north")}, QStringLiteral("leave out the north arrow"));
  cli.addOption({QStringLiteral("no-crs")}, QStringLiteral("leave out the CRS and date lines"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("export map", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter* events) {
    if (!cli.isSet(QStringLiteral("out"))) throwUsage("--out is required: the file to write (.png, .pdf, .svg or .tif)");
    const QStringList specTexts = cli.parser().values(QStringLiteral("layer"));
    if (specTexts.isEmpty()) throwUsage("give at least one --layer (a scene id of --project or a raster path)");
    const std::string out = cli.value(QStringLiteral("out")).toStdString();
    const MapExportFormat format = mapExportFormatOf(out);
    std::vector<LayerSpec> specs;
    for (const QString& text : specTexts) specs.push_back(parseLayerSpec(text.toStdString()));

    MapExportRequest request;
    request.title = cli.value(QStringLiteral("title"));
    request.legend = !cli.isSet(QStringLiteral("no-legend"));
    request.scaleBar = !cli.isSet(QStringLiteral("no-scalebar"));
    request.northArrow = !cli.isSet(QStringLiteral("no-north"));
    request.crsText = !cli.isSet(QStringLiteral("no-crs"));
    request.dpi = format == MapExportFormat::Pdf ? 300 : 96;
    if (cli.isSet(QStringLiteral("dpi"))) request.dpi = double(cli.intValue(QStringLiteral("dpi"), 10, 2400));
    std::optional<PageChoice> page;
    if (cli.isSet(QStringLiteral("size"))) page = parseSize(cli.value(QStringLiteral("size")));
    std::optional<MapExtent> extent;
    if (cli.isSet(QStringLiteral("extent"))) extent = parseExtent(cli.value(QStringLiteral("extent")));
    if (cli.isSet(QStringLiteral("crs"))) {
      request.mapCrs = cli.value(QStringLiteral("crs")).trimmed().toStdString();
      try {
        ogrSpatialReference(request.mapCrs);
      } catch (const Error& error) {
        throwUsage("--crs: " + std::string(error.what()));
      }
    }

    std::unique_ptr<ProjectStore> project;
    if (cli.isSet(QStringLiteral("project"))) {
      project = ProjectStore::open(cli.value(QStringLiteral("project")).toStdString());
      printStoreWarnings(*project);
    }
    reportProgress(&feedback, 0, 1, "reading the layers");
    for (const LayerSpec& spec : specs) {
      const Scene scene = sceneOfSpec(spec, project.get());
      auto reader = std::make_shared<const SceneReader>(scene);
      ExportLayer layer{reader, styleOf(spec, *reader), spec.opacity, qs(scene.id)};
      request.layers.push_back(std::move(layer));
    }
    if (cli.isSet(QStringLiteral("date"))) {
      request.dateText = cli.value(QStringLiteral("date"));
    } else {
      // The topmost layer with a date: a class map on top of its scene usually has none.
      for (auto it = request.layers.rbegin(); it != request.layers.rend() && request.dateText.isEmpty(); ++it)
        if (it->reader->scene().acquired.isValid())
          request.dateText = it->reader->scene().acquired.toUTC().date().toString(Qt::ISODate);
    }
    if (request.mapCrs.empty()) request.mapCrs = request.layers.front().reader->scene().crs();
    if (request.mapCrs.empty())
      throwBadInput(request.layers.front().reader->scene().id + " has no coordinate reference system: give --crs");
    request.extent = extent ? *extent : unionExtent(request.layers, request.mapCrs);

    if (page && page->page) {
      request.pageSize = page->page;
      request.landscape = page->landscape;
    } else if (page) {
      request.size = page->pixels;
    } else if (format == MapExportFormat::Pdf) {
      request.pageSize = QPageSize(QPageSize::A4);
    } else if (format == MapExportFormat::GeoTiff) {
      // The data's own resolution, within the size limit.
      const double pixel = finestPixel(request.layers, request.mapCrs, request.extent);
      double width = (request.extent.maxX - request.extent.minX) / pixel;
      double height = (request.extent.maxY - request.extent.minY) / pixel;
      const double shrink = std::min(1.0, kMaxExportSide / std::max(width, height));
      request.size = QSize(std::max(1, int(std::lround(width * shrink))), std::max(1, int(std::lround(height * shrink))));
    }

    QElapsedTimer timer;
    timer.start();
    exportMap(request, out, &feedback);
    const double seconds = timer.elapsed() / 1000.0;
    if (events) events->artifact(out, std::string("map_") + formatName(format));
    const QSize pixels = request.pixelSize();
    if (cli.json()) {
      QJsonArray layers;
      for (size_t i = 0; i < request.layers.size(); ++i)
        layers.append(QJsonObject{{QStringLiteral("scene"), qs(request.layers[i].reader->scene().id)},
                                  {QStringLiteral("style"), qs(specs[i].style.empty() ? "default" : specs[i].style)},
                                  {QStringLiteral("opacity"), request.layers[i].opacity}});
      printJson(QJsonObject{{QStringLiteral("path"), qs(out)},
                            {QStringLiteral("format"), QLatin1String(formatName(format))},
                            {QStringLiteral("width"), pixels.width()},
                            {QStringLiteral("height"), pixels.height()},
                            {QStringLiteral("dpi"), request.dpi},
                            {QStringLiteral("crs"), qs(request.mapCrs)},
                            {QStringLiteral("extent"), extentJson(request.extent)},
                            {QStringLiteral("layers"), layers},
                            {QStringLiteral("seconds"), seconds}});
    } else if (!cli.jsonEvents()) {
      printLine("wrote " + out + " (" + std::to_string(pixels.width()) + "x" + std::to_string(pixels.height()) + " pixels, " +
                QString::number(request.dpi).toStdString() + " DPI, " + QString::number(seconds, 'f', 1).toStdString() + " s)");
    }
    return int(kOk);
  });
}

int exportPolygonsAction(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("export polygons"),
                  QStringLiteral("Polygonise a class map (a model's output, a label mask, a land cover map) into a new "
                                 "GeoPackage layer: one polygon per 4-connected region of equal value, with the fields "
                                 "class_value and class_name (from the raster's category names); nodata is left out."));
  cli.addOption({QStringLiteral("raster")}, QStringLiteral("the class map"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("the new GeoPackage to write"), QStringLiteral("file.gpkg"));
  cli.addOption({QStringLiteral("layer")}, QStringLiteral("layer name (default: the raster's file name)"), QStringLiteral("name"));
  cli.addOption({QStringLiteral("band")}, QStringLiteral("the band holding the classes"), QStringLiteral("n"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("simplify")},
                QStringLiteral("simplify the pixel-edged outlines with this tolerance in pixels (0: keep every pixel "
                               "corner; 1 removes the staircase)"),
                QStringLiteral("px"), QStringLiteral("0"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("export polygons", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter* events) {
    if (!cli.isSet(QStringLiteral("raster")) || !cli.isSet(QStringLiteral("out")))
      throwUsage("--raster and --out are required (see 'prithvi export polygons --help')");
    ClassPolygonOptions options;
    options.layerName = cli.value(QStringLiteral("layer")).toStdString();
    options.band = int(cli.intValue(QStringLiteral("band"), 1, 65535));
    options.simplifyPixels = cli.doubleValue(QStringLiteral("simplify"), 0, 1000);
    const std::string raster = cli.value(QStringLiteral("raster")).toStdString();
    const std::string out = cli.value(QStringLiteral("out")).toStdString();
    std::error_code error;
    if (!fs::exists(raster, error)) throwUsage("--raster " + raster + " does not exist");
    const ClassPolygonResult result = polygonizeClassRaster(raster, out, options, &feedback);
    if (events) events->artifact(out, "polygons");
    if (cli.json()) {
      QJsonObject perClass;
      for (const auto& [value, count] : result.featuresPerClass) perClass[QString::number(value)] = qint64(count);
      printJson(QJsonObject{{QStringLiteral("path"), qs(out)},
                            {QStringLiteral("layer"), qs(result.layerName)},
                            {QStringLiteral("features"), qint64(result.features)},
                            {QStringLiteral("features_per_class"), perClass}});
    } else if (!cli.jsonEvents()) {
      printLine("wrote " + std::to_string(result.features) + " polygon(s) to " + out + ", layer " + result.layerName);
    }
    return int(kOk);
  });
}

const std::vector<Action> kActions = {
    {"map", exportMapAction, "a map page (PNG, PDF, SVG) or the view as a GeoTIFF"},
    {"polygons", exportPolygonsAction, "a class map's regions as GeoPackage polygons"},
};

}  // namespace

int commandExport(const QStringList& arguments) {
  return runAction("export", "export <action> [options]", kActions, arguments);
}

}  // namespace prithvi::cli
