// `prithvi fetch` against loopback imitations of NASA's services: the CMR-STAC fixture serving
// items for synthetic granules, and the LP DAAC data host (bearer token, redirect to a signed URL
// on 127.0.0.2, Range requests, injected faults) serving their files.
#include <signal.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <cstring>

#include <gdal.h>

#include "core/project/ProjectStore.h"
#include "core/raster/BlockCache.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RemoteRasters.h"
#include "tests/support/StacFixture.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::HlsDataServer;
using test::StacFixtureServer;

namespace {

QByteArray sha256(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash hash(QCryptographicHash::Sha256);
  hash.addData(&file);
  return hash.result().toHex();
}

}  // namespace

class FetchCliTest : public QObject {
  Q_OBJECT

  QTemporaryDir mDir;
  QString mGranules;  // what the data host serves
  QString mTokenFile;
  const QString mToken = QStringLiteral("test-token-7f3a");

  // A fresh project and its folder.
  QString newProject(const QString& name) {
    const QString folder = mDir.filePath(name);
    QDir().mkpath(folder);
    const QString project = folder + QStringLiteral("/project.gpkg");
    ProjectStore::create(project.toStdString());
    return project;
  }

  QProcess* startFetch(const QString& project, const QString& stacUrl, const QStringList& extra) {
    auto* process = new QProcess(this);
    process->start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"),
                   QStringList{QStringLiteral("fetch"), project, QStringLiteral("--source"), stacUrl, QStringLiteral("--tile"),
                               QStringLiteral("T13REN"), QStringLiteral("--token-file"), mTokenFile, QStringLiteral("--json")} +
                       extra);
    return process;
  }

  // fetch --download, as the download tests want it, or with `extra` replacing that.
  test::ProcessRun fetch(const QString& project, const QString& stacUrl, const QStringList& extra = {QStringLiteral("--download")}) {
    QProcess* process = startFetch(project, stacUrl, extra);
    process->waitForFinished(240000);
    test::ProcessRun run{process->exitStatus() == QProcess::NormalExit ? process->exitCode() : -1,
                         process->readAllStandardOutput(), process->readAllStandardError()};
    delete process;
    return run;
  }

  QStringList granuleFiles() const { return QDir(mGranules).entryList({QStringLiteral("HLS.*.tif")}, QDir::Files, QDir::Name); }

  // Every downloaded file equals the served one, byte for byte.
  void compareWithServed(const QString& folder, int expectedFiles) {
    const QStringList got = QDir(folder).entryList({QStringLiteral("HLS.*")}, QDir::Files, QDir::Name);
    QCOMPARE(got.size(), expectedFiles);
    for (const QString& name : got) {
      QVERIFY2(!name.endsWith(QLatin1String(".part")), qPrintable(name));
      QCOMPARE(sha256(folder + QLatin1Char('/') + name), sha256(mGranules + QLatin1Char('/') + name));
    }
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mGranules = mDir.filePath(QStringLiteral("served"));
    const auto synth = test::runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--tile"), QStringLiteral("T13REN"),
                                         QStringLiteral("--dates"), QStringLiteral("3"), QStringLiteral("--size"), QStringLiteral("256"),
                                         QStringLiteral("--out"), mGranules});
    QVERIFY2(synth.code == 0, synth.err.constData());
    QVERIFY(granuleFiles().size() >= 21);  // 3 granules x (6 bands + Fmask)
    mTokenFile = mDir.filePath(QStringLiteral("token.txt"));
    QFile token(mTokenFile);
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write(mToken.toUtf8() + "\n");
  }

  // Every granule of the tile is downloaded, checked and imported; the token goes to the data
  // host and never to the signed URLs it redirects to.
  void downloadsEveryGranuleAndKeepsTheTokenOnTheDataHost() {
    // One file's connection drops after 30000 bytes: the same run continues it with a Range request.
    const QString dropped = granuleFiles().filter(QStringLiteral(".B05.tif")).front();
    HlsDataServer data({.root = mGranules,
                        .token = mToken,
                        .faults = QJsonArray{QJsonObject{{QStringLiteral("match"), dropped}, {QStringLiteral("drop_after"), 30000}, {QStringLiteral("times"), 1}}}});
    QVERIFY2(data.error().isEmpty(), qPrintable(data.error()));
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    QVERIFY2(stac.error().isEmpty(), qPrintable(stac.error()));
    const QString project = newProject(QStringLiteral("all"));
    const auto run = fetch(project, stac.url());
    QVERIFY2(run.code == 0, run.err.constData());
    const QJsonObject result = run.json();
    QCOMPARE(result.value(QStringLiteral("granules")).toArray().size(), 3);
    QCOMPARE(result.value(QStringLiteral("downloaded")).toInt(), 21);
    QCOMPARE(result.value(QStringLiteral("resumed")).toInt(), 1);
    for (const QJsonValue& granule : result.value(QStringLiteral("granules")).toArray())
      QVERIFY(granule.toObject().value(QStringLiteral("added")).toBool());
    compareWithServed(QFileInfo(project).absolutePath() + QStringLiteral("/hls"), 21);
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 3);

    int toData = 0, toSigned = 0;
    for (const QJsonObject& request : data.requests()) {
      if (request.value(QStringLiteral("host")).toString() == QLatin1String("data")) {
        ++toData;
        QVERIFY(request.value(QStringLiteral("bearer_ok")).toBool());
      } else {
        ++toSigned;
        QVERIFY2(!request.value(QStringLiteral("authorization")).toBool(), "the token reached the signed-URL host");
      }
    }
    QCOMPARE(toData, 22);  // 21 files, one of them asked for twice
    QCOMPARE(toSigned, 22);
    // The STAC API never sees it either.
    for (const QJsonObject& request : stac.requests())
      QVERIFY(!QJsonDocument(request).toJson().contains(mToken.toUtf8()));

    // A second run finds everything there: nothing is downloaded, nothing added twice.
    const auto again = fetch(project, stac.url());
    QVERIFY2(again.code == 0, again.err.constData());
    QCOMPARE(again.json().value(QStringLiteral("downloaded")).toInt(), 0);
    QCOMPARE(again.json().value(QStringLiteral("already_there")).toInt(), 21);
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 3);
  }

  // A run that ends with a file cut short (the connection dropped, then the server asked to come
  // back in an hour) keeps its .part and imports nothing; the next run continues the file from
  // where it stopped and ends with the served bytes.
  void anInterruptedRunIsResumedByTheNext() {
    const QString band = granuleFiles().filter(QStringLiteral(".B04.tif")).front();
    HlsDataServer data({.root = mGranules,
                        .token = mToken,
                        .faults = QJsonArray{QJsonObject{{QStringLiteral("match"), band}, {QStringLiteral("drop_after"), 40000}, {QStringLiteral("times"), 1}},
                                             QJsonObject{{QStringLiteral("match"), band}, {QStringLiteral("ranged"), true},
                                                         {QStringLiteral("status"), 503}, {QStringLiteral("retry_after"), 3600},
                                                         {QStringLiteral("times"), 1}}}});
    QVERIFY2(data.error().isEmpty(), qPrintable(data.error()));
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    const QString project = newProject(QStringLiteral("resume"));
    const QString folder = QFileInfo(project).absolutePath() + QStringLiteral("/hls");

    const auto first = fetch(project, stac.url());
    QCOMPARE(first.code, 1);
    QVERIFY2(first.err.contains("asks to wait 3600 s") && first.err.contains("try again later"), first.err.constData());
    QCOMPARE(QFileInfo(folder + QLatin1Char('/') + band + QStringLiteral(".part")).size(), 40000);
    QVERIFY(!QFileInfo::exists(folder + QLatin1Char('/') + band));
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 0);

    const auto second = fetch(project, stac.url());
    QVERIFY2(second.code == 0, second.err.constData());
    QVERIFY(second.json().value(QStringLiteral("resumed")).toInt() >= 1);
    compareWithServed(folder, 21);
    bool continued = false;
    for (const QJsonObject& request : data.requests())
      continued |= request.value(QStringLiteral("path")).toString().endsWith(band) &&
                   request.value(QStringLiteral("range")).toString() == QLatin1String("bytes=40000-") &&
                   request.value(QStringLiteral("status")).toInt() == 206;
    QVERIFY2(continued, "no Range request continued the file");
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 3);
  }

  // A wrong token: "Earthdata login failed", no scene, no file left behind.
  void wrongTokenFailsWithLoginAndLeavesNothing() {
    HlsDataServer data({.root = mGranules, .token = QStringLiteral("the-real-token")});
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    const QString project = newProject(QStringLiteral("badtoken"));
    const auto run = fetch(project, stac.url());
    QCOMPARE(run.code, 2);
    QVERIFY2(run.err.contains("Earthdata login failed"), run.err.constData());
    QVERIFY2(!run.err.contains(mToken.toUtf8()), "the token was printed");
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 0);
    QVERIFY(QDir(QFileInfo(project).absolutePath() + QStringLiteral("/hls")).entryList(QDir::Files).isEmpty());
  }

  // Ctrl-C: exit 130, nothing left behind (no file, no .part, no scene).
  void cancelLeavesNothingBehind() {
    HlsDataServer data({.root = mGranules,
                        .token = mToken,
                        .faults = QJsonArray{QJsonObject{{QStringLiteral("match"), QStringLiteral("Fmask")}, {QStringLiteral("delay"), 60}}}});
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    const QString project = newProject(QStringLiteral("cancel"));
    const QString folder = QFileInfo(project).absolutePath() + QStringLiteral("/hls");
    QProcess* process = startFetch(project, stac.url(), {QStringLiteral("--download"), QStringLiteral("--parallel"), QStringLiteral("2")});
    QVERIFY(test::waitUntil([&] { return QDir(folder).entryList({QStringLiteral("*.tif")}, QDir::Files).size() >= 3; }, 60));
    ::kill(pid_t(process->processId()), SIGINT);
    QVERIFY(process->waitForFinished(30000));
    QCOMPARE(process->exitCode(), 130);
    delete process;
    QVERIFY2(QDir(folder).entryList(QDir::Files).isEmpty(), qPrintable(QDir(folder).entryList(QDir::Files).join(QLatin1Char(' '))));
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 0);
  }
  // --stream (the default): scenes whose bands are read over HTTP; their pixels are the served
  // files' pixels, the time series through them equals the one through downloaded copies, and the
  // token still reaches the data host only.
  void streamedScenesReadLikeTheFiles() {
    HlsDataServer data({.root = mGranules, .token = mToken});
    QVERIFY2(data.error().isEmpty(), qPrintable(data.error()));
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    const QString streamed = newProject(QStringLiteral("stream"));
    const auto run = fetch(streamed, stac.url(), {});
    QVERIFY2(run.code == 0, run.err.constData());
    QCOMPARE(run.json().value(QStringLiteral("mode")).toString(), QStringLiteral("stream"));
    QVERIFY(!QFileInfo::exists(QFileInfo(streamed).absolutePath() + QStringLiteral("/hls")));  // nothing stored
    const std::vector<Scene> scenes = ProjectStore::open(streamed.toStdString())->scenes();
    QCOMPARE(int(scenes.size()), 3);

    // This process reads them as the app would, the token given for the data host.
    setEarthdataCredentials(mToken.toStdString(), {QUrl(data.url()).host().toStdString() + ":" + std::to_string(QUrl(data.url()).port())});
    int bandsCompared = 0;
    for (const Scene& scene : scenes)
      for (const SceneBand& band : scene.bands) {
        QVERIFY2(QString::fromStdString(band.path).startsWith(QStringLiteral("/vsicurl/") + data.url()), band.path.c_str());
        const auto remote = RasterSource::open(band.path);
        const auto local = RasterSource::open((mGranules + QLatin1Char('/') + QString::fromStdString(band.path).section(QLatin1Char('/'), -1)).toStdString());
        const Window whole{0, 0, local->info().width, local->info().height};
        const RasterBlock a = remote->read(whole, {1});
        const RasterBlock b = local->read(whole, {1});
        QCOMPARE(a.bandBytes(), b.bandBytes());
        QVERIFY(std::memcmp(a.bandData(0), b.bandData(0), a.bandBytes()) == 0);
        ++bandsCompared;
      }
    QCOMPARE(bandsCompared, 21);
    // Streaming turned GDAL's network on in this process; local rasters still find their
    // side-car files (category names in .aux.xml, as class maps carry them).
    const std::string classes = mDir.filePath(QStringLiteral("classes.tif")).toStdString();
    {
      GDALDatasetH dataset = GDALCreate(GDALGetDriverByName("GTiff"), classes.c_str(), 4, 4, 1, GDT_Byte, nullptr);
      QVERIFY(dataset);
      const char* names[] = {"Not water", "Water", nullptr};
      GDALSetRasterCategoryNames(GDALGetRasterBand(dataset, 1), const_cast<char**>(names));
      GDALClose(dataset);
    }
    QVERIFY(QFileInfo::exists(QString::fromStdString(classes + ".aux.xml")));
    QCOMPARE(RasterSource::open(classes)->info().bands[0].categoryNames.size(), size_t(2));

    // The same pixel's time series through the streamed scenes and through downloaded copies.
    const QString downloaded = newProject(QStringLiteral("stream-copy"));
    QVERIFY(fetch(downloaded, stac.url()).code == 0);
    const QString x = QString::number(scenes.front().geoTransform.originX() + 30 * 100.5, 'f', 1);
    const QString y = QString::number(scenes.front().geoTransform.originY() - 30 * 80.5, 'f', 1);
    QProcess series;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("EARTHDATA_TOKEN"), mToken);
    environment.insert(QStringLiteral("PRITHVI_EARTHDATA_HOSTS"), QUrl(data.url()).authority());
    series.setProcessEnvironment(environment);
    QByteArray outputs[2];
    // This process read every band already: the blocks are on disk, and another process reads
    // them from there without a request.
    const size_t requestsBefore = data.requests().size();
    for (int i = 0; i < 2; ++i) {
      series.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), {QStringLiteral("timeseries"), i == 0 ? streamed : downloaded,
                                                                QStringLiteral("-x"), x, QStringLiteral("-y"), y, QStringLiteral("--json")});
      QVERIFY(series.waitForFinished(120000));
      QVERIFY2(series.exitCode() == 0, series.readAllStandardError().constData());
      outputs[i] = series.readAllStandardOutput();
    }
    const QJsonObject streamedSeries = QJsonDocument::fromJson(outputs[0]).object();
    QCOMPARE(streamedSeries.value(QStringLiteral("observations")).toArray().size(), 3);
    QVERIFY2(streamedSeries.value(QStringLiteral("left_out")).toArray().isEmpty(), outputs[0].constData());
    QCOMPARE(outputs[0], outputs[1]);
    QCOMPARE(data.requests().size(), requestsBefore);

    // A damaged chunk on disk (cut short) is fetched again, and the pixels stay right.
    const std::string firstBand = scenes.front().bands.front().path;
    const QString url = QString::fromStdString(firstBand).mid(int(std::strlen("/vsicurl/")));
    const QString chunk = QString::fromStdString(blockCacheDir()) + QLatin1Char('/') +
                          QCryptographicHash::hash(url.toUtf8(), QCryptographicHash::Sha256).toHex().left(32) + QStringLiteral("/0");
    QVERIFY2(QFileInfo(chunk).size() > 1000, qPrintable(chunk));
    QVERIFY(QFile::resize(chunk, 1000));
    {
      const auto remote = RasterSource::open(firstBand);
      const auto local = RasterSource::open((mGranules + QLatin1Char('/') + url.section(QLatin1Char('/'), -1)).toStdString());
      const Window whole{0, 0, local->info().width, local->info().height};
      QVERIFY(std::memcmp(remote->read(whole, {1}).bandData(0), local->read(whole, {1}).bandData(0), local->read(whole, {1}).bandBytes()) == 0);
    }
    QVERIFY(data.requests().size() > requestsBefore);
    QVERIFY(QFileInfo(chunk).size() > 1000);

    for (const QJsonObject& request : data.requests())
      if (request.value(QStringLiteral("host")).toString() == QLatin1String("signed"))
        QVERIFY2(!request.value(QStringLiteral("authorization")).toBool(), "the token reached the signed-URL host");
  }

  // No token given, but an Earthdata login in ~/.netrc (as LP DAAC's tutorials set it up): the
  // fetch gets a token from Earthdata Login's token API and uses it; a wrong password says which
  // file to fix, and nothing is added.
  void netrcLoginBecomesAToken() {
    HlsDataServer::Options options;
    options.root = mGranules;
    options.token = mToken;
    options.ursLogin = QStringLiteral("alice:s3cret");
    HlsDataServer data(options);
    QVERIFY2(data.error().isEmpty(), qPrintable(data.error()));
    StacFixtureServer::Options stacOptions;
    stacOptions.granulesDir = mGranules;
    stacOptions.dataUrl = data.url();
    StacFixtureServer stac(stacOptions);
    QVERIFY2(stac.error().isEmpty(), qPrintable(stac.error()));
    auto run = [&](const QString& password, const QString& project) {
      const QString netrc = mDir.filePath(QStringLiteral("netrc-file"));
      QFile file(netrc);
      file.open(QIODevice::WriteOnly | QIODevice::Truncate);
      file.write("machine example.org login bob password nope\nmachine 127.0.0.1\n  login alice\n  password " +
                 password.toUtf8() + "\n");
      file.close();
      QProcess process;
      QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
      environment.remove(QStringLiteral("EARTHDATA_TOKEN"));
      environment.insert(QStringLiteral("NETRC"), netrc);
      environment.insert(QStringLiteral("PRITHVI_URS_URL"), data.url());
      environment.insert(QStringLiteral("PRITHVI_EARTHDATA_HOSTS"), QUrl(data.url()).authority());
      process.setProcessEnvironment(environment);
      process.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"),
                    {QStringLiteral("fetch"), project, QStringLiteral("--source"), stac.url(), QStringLiteral("--tile"),
                     QStringLiteral("T13REN"), QStringLiteral("--json")});
      process.waitForFinished(120000);
      return test::ProcessRun{process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
    };
    const QString wrong = newProject(QStringLiteral("netrc-wrong"));
    const auto refused = run(QStringLiteral("guess"), wrong);
    QVERIFY(refused.code != 0);
    QVERIFY2(refused.err.contains("Earthdata login failed") && refused.err.contains("netrc"), refused.err.constData());
    QCOMPARE(int(ProjectStore::open(wrong.toStdString())->scenes().size()), 0);

    const QString project = newProject(QStringLiteral("netrc-right"));
    const auto ok = run(QStringLiteral("s3cret"), project);
    QVERIFY2(ok.code == 0, ok.err.constData());
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 3);
    int tokenRequests = 0;
    for (const QJsonObject& request : data.requests()) {
      if (request.value(QStringLiteral("path")).toString() == QLatin1String("/api/users/find_or_create_token")) ++tokenRequests;
      else if (request.value(QStringLiteral("host")).toString() == QLatin1String("signed"))
        QVERIFY2(!request.value(QStringLiteral("authorization")).toBool(), "a credential reached the signed-URL host");
    }
    QCOMPARE(tokenRequests, 2);  // one per run
  }

  // Microsoft Planetary Computer: the blobs want their container's SAS token. One token request
  // serves every file of a download and of streamed reads; projects keep the URLs unsigned; the
  // Earthdata token never goes there.
  void planetaryComputerFilesAreSigned() {
    HlsDataServer::Options blobOptions;
    blobOptions.root = mGranules;
    blobOptions.sas = true;
    HlsDataServer blobs(blobOptions);
    QVERIFY2(blobs.error().isEmpty(), qPrintable(blobs.error()));
    StacFixtureServer::Options stacOptions;
    stacOptions.flavor = QStringLiteral("planetary");
    stacOptions.granulesDir = mGranules;
    stacOptions.dataUrl = blobs.url();
    StacFixtureServer stac(stacOptions);
    QVERIFY2(stac.error().isEmpty(), qPrintable(stac.error()));
    qputenv("PRITHVI_PLANETARY_HOSTS", QUrl(blobs.url()).authority().toUtf8());
    qputenv("PRITHVI_PLANETARY_SAS_API", (blobs.url() + QStringLiteral("/api/sas/v1")).toUtf8());
    bool tokenReachedAzure = false;
    auto tokenRequests = [&] {
      int count = 0;
      for (const QJsonObject& request : blobs.requests()) {
        tokenReachedAzure = tokenReachedAzure || request.value(QStringLiteral("authorization")).toBool();
        if (request.value(QStringLiteral("path")).toString().startsWith(QStringLiteral("/api/sas/v1/token/"))) ++count;
      }
      return count;
    };

    const QString downloaded = newProject(QStringLiteral("planetary-download"));
    // A STAC API at a URL gets NASA's collection names unless told (as Planetary Computer's are).
    const QStringList collections{QStringLiteral("--collections"), QStringLiteral("hls2-l30,hls2-s30")};
    const auto run = fetch(downloaded, stac.url(), QStringList{QStringLiteral("--download")} + collections);
    QVERIFY2(run.code == 0, run.err.constData());
    QVERIFY2(run.json().value(QStringLiteral("downloaded")).toInt() == 21, run.out.constData());
    compareWithServed(QFileInfo(downloaded).absolutePath() + QStringLiteral("/hls"), 21);
    QCOMPARE(tokenRequests(), 1);
    for (const QJsonObject& request : blobs.requests()) QVERIFY(request.value(QStringLiteral("status")).toInt() < 400);

    // Streamed: the project holds the plain URLs; this process signs them when it opens them.
    const QString streamed = newProject(QStringLiteral("planetary-stream"));
    const auto stream = fetch(streamed, stac.url(), collections);
    QVERIFY2(stream.code == 0, stream.err.constData());
    const std::vector<Scene> scenes = ProjectStore::open(streamed.toStdString())->scenes();
    QCOMPARE(int(scenes.size()), 3);
    const SceneBand& band = scenes.front().bands.front();
    QVERIFY2(!QString::fromStdString(band.path).contains(QStringLiteral("sig=")), band.path.c_str());
    const auto remote = RasterSource::open(band.path);
    const auto local = RasterSource::open((mGranules + QLatin1Char('/') + QString::fromStdString(band.path).section(QLatin1Char('/'), -1)).toStdString());
    const Window whole{0, 0, local->info().width, local->info().height};
    QVERIFY(std::memcmp(remote->read(whole, {1}).bandData(0), local->read(whole, {1}).bandData(0), local->read(whole, {1}).bandBytes()) == 0);
    // Two processes (download, stream) and this one: one token each, not one per file.
    QCOMPARE(tokenRequests(), 3);
    QVERIFY2(!tokenReachedAzure, "the Earthdata token reached Azure");
    qunsetenv("PRITHVI_PLANETARY_HOSTS");
    qunsetenv("PRITHVI_PLANETARY_SAS_API");
  }

  // A wrong token when streaming: the same "Earthdata login failed", no scene.
  void streamingWithAWrongTokenAddsNothing() {
    HlsDataServer data({.root = mGranules, .token = QStringLiteral("the-real-token")});
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    const QString project = newProject(QStringLiteral("stream-badtoken"));
    const auto run = fetch(project, stac.url(), {QStringLiteral("--stream")});
    QCOMPARE(run.code, 2);
    QVERIFY2(run.err.contains("Earthdata login failed"), run.err.constData());
    QCOMPARE(int(ProjectStore::open(project.toStdString())->scenes().size()), 0);
  }
  // Downloading granules the project streams switches those scenes to the local copies.
  void downloadingStreamedGranulesSwitchesThemToTheCopies() {
    HlsDataServer data({.root = mGranules, .token = mToken});
    StacFixtureServer stac({.granulesDir = mGranules, .dataUrl = data.url()});
    const QString project = newProject(QStringLiteral("switch"));
    QVERIFY(fetch(project, stac.url(), {QStringLiteral("--stream")}).code == 0);
    const auto run = fetch(project, stac.url());
    QVERIFY2(run.code == 0, run.err.constData());
    QCOMPARE(run.json().value(QStringLiteral("switched_to_download")).toInt(), 3);
    const auto store = ProjectStore::open(project.toStdString());
    QVERIFY(store->warnings().empty());
    const std::vector<Scene> scenes = store->scenes();
    QCOMPARE(int(scenes.size()), 3);
    const QString folder = QFileInfo(project).absolutePath() + QStringLiteral("/hls/");
    for (const Scene& scene : scenes)
      for (const SceneBand& band : scene.bands) QVERIFY2(QString::fromStdString(band.path).startsWith(folder), band.path.c_str());
  }
};

QTEST_GUILESS_MAIN(FetchCliTest)
#include "test_fetch_cli.moc"
