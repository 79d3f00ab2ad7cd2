#include "tests/support/TestSupport.h"

#include "core/base/Assets.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <cmath>
#include <cstdio>
#include <vector>

#include <QDir>
#include <QJsonDocument>
#include <QProcess>
#include <QFileInfo>
#include <QTest>
#include <QTimeZone>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/GdalErrors.h"
#include "core/scene/SceneScanner.h"
#include "core/synth/HlsSynth.h"

namespace prithvi::test {

QString sampleDir() { return QString::fromStdString(defaultSamplesDir()); }

bool haveSamples() { return QFileInfo::exists(sampleDir() + QStringLiteral("/stars/L7_ETMs.tif")); }

QString samplePath(const QString& relative) {
  const QString path = sampleDir() + QLatin1Char('/') + relative;
  if (!QFileInfo::exists(path))
    qWarning("sample %s is missing: run packaging/fetch-samples.sh", qPrintable(path));
  return path;
}

std::string expectError(ErrorKind kind, const std::function<void()>& work) {
  try {
    work();
  } catch (const Error& error) {
    if (error.kind() != kind) qWarning("unexpected kind for: %s", error.what());
    return error.kind() == kind ? std::string(error.what()) : std::string();
  }
  return {};
}

void expectError(ErrorKind kind, const std::function<void()>& work, const char* fragment) {
  const std::string message = expectError(kind, work);
  QVERIFY2(!message.empty(), qPrintable(QString("expected an error containing '%1'").arg(fragment)));
  QVERIFY2(QString::fromStdString(message).contains(QString::fromUtf8(fragment)), message.c_str());
}

std::string utm13Wkt() {
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, 32613);
  char* wkt = nullptr;
  OSRExportToWkt(srs, &wkt);
  std::string text = wkt;
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  return text;
}

void writeInt16Tiff(const std::string& path, int width, int height, int bands,
                    int (*value)(int band, int x, int y), const char* options) {
  ensureGdalRegistered();
  GDALDriverH driver = GDALGetDriverByName("GTiff");
  char** createOptions = CSLTokenizeString2(options, ",", 0);
  GDALDatasetH dataset = GDALCreate(driver, path.c_str(), width, height, bands, GDT_Int16, createOptions);
  CSLDestroy(createOptions);
  if (!dataset) qFatal("cannot create %s", path.c_str());
  double transform[6] = {500000, 30, 0, 3300000, 0, -30};
  GDALSetGeoTransform(dataset, transform);
  GDALSetProjection(dataset, utm13Wkt().c_str());
  std::vector<int16_t> row(width);
  for (int b = 0; b < bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(dataset, b + 1);
    GDALSetRasterNoDataValue(band, -9999);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) row[x] = int16_t(value(b, x, y));
      if (GDALRasterIO(band, GF_Write, 0, y, width, 1, row.data(), width, 1, GDT_Int16, 0, 0) != CE_None)
        qFatal("cannot write %s", path.c_str());
    }
  }
  GDALClose(dataset);
}

Scene gridOnlyScene(const std::string& id, int width, int height) {
  Scene scene;
  scene.id = id;
  scene.kind = SceneKind::MultiBandRaster;
  scene.acquired = QDateTime(QDate(2021, 6, 1), QTime(17, 0), Qt::UTC);
  scene.width = width;
  scene.height = height;
  scene.geoTransform = GeoTransform({500000, 30, 0, 3300000, 0, -30});
  scene.epsg = 32613;
  scene.crsWkt = utm13Wkt();
  return scene;
}

namespace {

// Synthesises `dates` dates of T13REN in `year` under `folder`, adds them to the project and
// labels the first `labelled` of them from the water truth (the first `validated` validated).
FloodProject addFloodScenes(ProjectStore& project, const QString& folder, int size, int dates, int year, int labelled,
                            int validated) {
  HlsSynthOptions synth;
  synth.size = size;
  synth.dates = dates;
  synth.year = year;
  synth.outDir = folder.toStdString();
  const HlsSynthResult result = synthesizeHlsTile(synth);
  FloodProject made;
  made.path = project.path();
  project.addScenes(scanForScenes({synth.outDir}).scenes);
  for (Scene& scene : project.scenes())
    if (scene.acquired.date().year() == year) made.scenes.push_back(std::move(scene));

  GDALDatasetH truth = GDALOpen((result.truthDir + "/T13REN.water.tif").c_str(), GA_ReadOnly);
  if (!truth) qFatal("no water truth in %s", result.truthDir.c_str());
  made.water.resize(size_t(size) * size);
  if (GDALRasterIO(GDALGetRasterBand(truth, 1), GF_Read, 0, 0, size, size, made.water.data(), size, size, GDT_Byte, 0,
                   0) != CE_None)
    qFatal("cannot read the water truth");
  GDALClose(truth);

  LabelStore labels(project);
  for (int i = 0; i < labelled; ++i) {
    const int64_t id = labels.createLabelSet(made.scenes[size_t(i)].id, "flood", "ana");
    LabelEditor editor(labels, id);
    for (int value : {0, 1}) {
      PixelRegion region{{0, 0, size, size}, std::vector<uint8_t>(made.water.size())};
      for (size_t p = 0; p < made.water.size(); ++p) region.inside[p] = made.water[p] == value;
      editor.fillRegion(value, region);
    }
    if (i < validated) {
      labels.review(id, ReviewAction::Submit, "ana");
      labels.review(id, ReviewAction::Validate, "rev");
    }
    made.labelSets.push_back(id);
  }
  return made;
}

}  // namespace

FloodProject makeFloodProject(const QString& dir, int size, int dates, int labelled, int validated) {
  QDir().mkpath(dir);
  auto project = ProjectStore::create((dir + "/project.gpkg").toStdString());
  return addFloodScenes(*project, dir + "/hls", size, dates, 2021, labelled, validated);
}

FloodProject addFloodYear(const std::string& projectPath, const QString& dir, int size, int dates, int year, int labelled,
                          int validated) {
  auto project = ProjectStore::open(projectPath);
  return addFloodScenes(*project, dir + "/hls-" + QString::number(year), size, dates, year, labelled, validated);
}

double gdalPixel(const std::string& path, int x, int y) {
  ensureGdalRegistered();
  GDALDatasetH dataset = GDALOpen(path.c_str(), GA_ReadOnly);
  double value = std::nan("");
  if (dataset) {
    if (GDALRasterIO(GDALGetRasterBand(dataset, 1), GF_Read, x, y, 1, 1, &value, 1, 1, GDT_Float64, 0, 0) != CE_None)
      value = std::nan("");
    GDALClose(dataset);
  }
  return value;
}

QJsonObject ProcessRun::json() const { return QJsonDocument::fromJson(out).object(); }

ProcessRun runProcess(const QString& program, const QStringList& arguments, int timeoutMs) {
  QProcess process;
  process.start(program, arguments);
  process.waitForFinished(timeoutMs);
  return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

ProcessRun runPrithvi(const QStringList& arguments) { return runProcess(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), arguments); }

SmallDisk::SmallDisk(const QString& folder_, int kilobytes) : folder(folder_) {
  if (::geteuid() != 0) {
    why = QStringLiteral("mounting a tmpfs needs root");
    return;
  }
  QDir().mkpath(folder);
  QProcess mount;
  mount.start(QStringLiteral("mount"), {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                                        QStringLiteral("size=%1k").arg(kilobytes), QStringLiteral("tmpfs"), folder});
  if (!mount.waitForFinished(30000) || mount.exitCode() != 0)
    why = QStringLiteral("cannot mount a tmpfs here: ") + QString::fromUtf8(mount.readAllStandardError());
}

SmallDisk::~SmallDisk() {
  if (why.isEmpty()) QProcess::execute(QStringLiteral("umount"), {folder});
}

bool SmallDisk::makeReadOnly() const {
  return why.isEmpty() && QProcess::execute(QStringLiteral("mount"), {QStringLiteral("-o"), QStringLiteral("remount,ro"), folder}) == 0;
}

void SmallDisk::fill(qint64 leaveBytes) const {
  QFile filler(folder + QStringLiteral("/filler"));
  if (!filler.open(QIODevice::WriteOnly | QIODevice::Append)) qFatal("cannot fill %s", qPrintable(folder));
  struct statvfs space {};
  ::statvfs(folder.toLocal8Bit().constData(), &space);
  const QByteArray block(4096, 'x');
  qint64 left = qint64(space.f_bavail) * qint64(space.f_frsize) - leaveBytes;
  while (left > 0 && filler.write(block.constData(), std::min<qint64>(left, block.size())) > 0) left -= block.size();
}

void writeHugeHeaderTiff(const std::string& path, uint32_t width, uint32_t height) {
  // A classic little-endian TIFF with one IFD and a single strip of 16 bytes: the header
  // claims width x height int16 pixels while the file holds almost nothing.
  struct Entry {
    uint16_t tag, type;
    uint32_t count, value;
  };
  const uint32_t dataOffset = 8;
  const uint32_t ifdOffset = dataOffset + 16;
  std::vector<Entry> entries = {
      {256, 4, 1, width},      {257, 4, 1, height},  {258, 3, 1, 16},       {259, 3, 1, 1},
      {262, 3, 1, 1},          {273, 4, 1, dataOffset}, {277, 3, 1, 1},     {278, 4, 1, height},
      {279, 4, 1, 16},         {284, 3, 1, 1},       {339, 3, 1, 2}};
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) qFatal("cannot create %s", path.c_str());
  const char header[8] = {'I', 'I', 42, 0, char(ifdOffset & 0xff), char((ifdOffset >> 8) & 0xff), 0, 0};
  std::fwrite(header, 1, 8, file);
  const char zeros[16] = {};
  std::fwrite(zeros, 1, 16, file);
  const uint16_t count = uint16_t(entries.size());
  std::fwrite(&count, 2, 1, file);
  for (const Entry& entry : entries) std::fwrite(&entry, sizeof(Entry), 1, file);
  const uint32_t next = 0;
  std::fwrite(&next, 4, 1, file);
  std::fclose(file);
}

bool waitUntil(const std::function<bool()>& done, int seconds, int pollMs) {
  QElapsedTimer clock;
  clock.start();
  while (!done()) {
    if (clock.elapsed() > qint64(seconds) * 1000) return false;
    QThread::msleep(ulong(pollMs));
  }
  return true;
}

}  // namespace prithvi::test
