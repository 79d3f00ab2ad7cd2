// The `prithvi` CLI end to end: exit codes, one-line errors, JSON output, job events, and the
// synth -> project -> import -> catalog path.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QRegularExpression>
#include <QTest>
#include <fstream>

#include "tests/support/TestSupport.h"



namespace {
using Run = prithvi::test::ProcessRun;
using prithvi::test::runPrithvi;

int ramp(int band, int x, int y) { return band * 100 + x + y; }
}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  QString path(const char* name) const { return mDir.path() + QLatin1Char('/') + QLatin1String(name); }

 private Q_SLOTS:
  void helpAndUsageErrors() {
    QCOMPARE(runPrithvi({QStringLiteral("--help")}).code, 0);
    QCOMPARE(runPrithvi({}).code, 2);
    const Run unknown = runPrithvi({QStringLiteral("frobnicate")});
    QCOMPARE(unknown.code, 2);
    QVERIFY(unknown.err.contains("unknown command 'frobnicate'"));
    for (const char* command : {"info", "synth", "project", "import", "catalog", "overviews", "demo", "timeseries", "cube"}) {
      const Run help = runPrithvi({QLatin1String(command), QStringLiteral("--help")});
      QCOMPARE(help.code, 0);
      QVERIFY2(help.out.contains("Usage:"), command);
    }
    QCOMPARE(runPrithvi({QStringLiteral("info")}).code, 2);
    QCOMPARE(runPrithvi({QStringLiteral("info"), QStringLiteral("--bogus"), QStringLiteral("x")}).code, 2);
    const Run badDates = runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--dates"),
                                  QStringLiteral("zero"), QStringLiteral("--out"), path("x")});
    QCOMPARE(badDates.code, 2);
    QVERIFY(badDates.err.contains("--dates takes a whole number from 1 to 1000"));
    const Run badTile = runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--tile"),
                                 QStringLiteral("T99ZZZ"), QStringLiteral("--size"), QStringLiteral("32"),
                                 QStringLiteral("--out"), path("x")});
    QCOMPARE(badTile.code, 2);
  }

  // --version names the program's version and commit and every library with a version number.
  void versionNamesTheLibraries() {
    const Run run = runPrithvi({QStringLiteral("--version")});
    QCOMPARE(run.code, 0);
    const QStringList lines = QString::fromUtf8(run.out).trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.value(0).startsWith(QStringLiteral("prithvi " PRITHVI_VERSION)), run.out.constData());
    // Built from a git checkout with git installed: the commit is named.
    if (!QStandardPaths::findExecutable(QStringLiteral("git")).isEmpty() && QFile::exists(QStringLiteral(PRITHVI_SOURCE_DIR "/.git")))
      QVERIFY2(QRegularExpression(QStringLiteral("\\(git [0-9a-f]{12}(-modified)?\\)$")).match(lines.value(0)).hasMatch(),
               run.out.constData());
    for (const char* library : {"Qt", "GDAL", "PROJ", "OpenCV", "SQLite", "LibTorch", "VTK"}) {
      const QRegularExpression line(QStringLiteral("^  %1 [0-9]+\\.[0-9]+").arg(QLatin1String(library)));
      QVERIFY2(std::any_of(lines.begin(), lines.end(), [&](const QString& l) { return line.match(l).hasMatch(); }),
               qPrintable(QStringLiteral("no %1 version in:\n%2").arg(QLatin1String(library), QString::fromUtf8(run.out))));
    }
  }

  void infoOnSampleAsJson() {
    const Run run = runPrithvi({QStringLiteral("info"), QStringLiteral("--json"), prithvi::test::samplePath(QStringLiteral("stars/L7_ETMs.tif"))});
    QCOMPARE(run.code, 0);
    const QJsonObject info = run.json();
    QCOMPARE(info[QStringLiteral("width")].toInt(), 349);
    QCOMPARE(info[QStringLiteral("epsg")].toInt(), 31985);
    QCOMPARE(info[QStringLiteral("bands")].toArray().size(), 6);
  }

  void badInputGivesOneLineAndExit3() {
    const std::string text = path("notes.tif").toStdString();
    std::ofstream(text) << "not a raster";
    const std::string huge = path("huge.tif").toStdString();
    prithvi::test::writeHugeHeaderTiff(huge, 1000000, 1000000);
    for (const std::string& file : {text, huge}) {
      const Run run = runPrithvi({QStringLiteral("info"), QString::fromStdString(file)});
      QCOMPARE(run.code, 3);
      QCOMPARE(run.err.count('\n'), 1);
      QVERIFY(run.err.startsWith("prithvi: "));
    }
    QCOMPARE(runPrithvi({QStringLiteral("info"), path("missing.tif")}).code, 3);
    // Another SQLite database is not a project.
    QProcess::execute(QStringLiteral("sqlite3"), {path("other.db"), QStringLiteral("create table t(x);")});
    const Run notProject = runPrithvi({QStringLiteral("catalog"), path("other.db")});
    QCOMPARE(notProject.code, 3);
    QVERIFY2(notProject.err.contains("not a Prithvi Studio project"), notProject.err.constData());
  }

  void synthImportCatalogRoundTrip() {
    const Run synth = runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--tile"), QStringLiteral("T13REN"),
                               QStringLiteral("--dates"), QStringLiteral("3"), QStringLiteral("--size"), QStringLiteral("64"),
                               QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--out"), path("hls"),
                               QStringLiteral("--json")});
    QCOMPARE(synth.code, 0);
    QCOMPARE(synth.json()[QStringLiteral("granules")].toArray().size(), 3);

    QCOMPARE(runPrithvi({QStringLiteral("project"), QStringLiteral("create"), path("p.gpkg")}).code, 0);
    const Run again = runPrithvi({QStringLiteral("project"), QStringLiteral("create"), path("p.gpkg")});
    QCOMPARE(again.code, 2);

    const std::string odd = path("odd.tif").toStdString();
    prithvi::test::writeInt16Tiff(odd, 20, 20, 4, ramp);
    const Run import = runPrithvi({QStringLiteral("import"), path("p.gpkg"), path("hls"), QString::fromStdString(odd),
                                prithvi::test::samplePath(QStringLiteral("satellite")), QStringLiteral("--json")});
    QCOMPARE(import.code, 0);
    const QJsonObject report = import.json();
    QCOMPARE(report[QStringLiteral("added")].toArray().size(), 3 + 1 + 2);
    for (const auto& skipped : report[QStringLiteral("skipped")].toArray())
      QVERIFY(!skipped.toObject()[QStringLiteral("reason")].toString().isEmpty());

    // Importing again adds nothing and says why.
    const Run reimport = runPrithvi({QStringLiteral("import"), path("p.gpkg"), path("hls"), QStringLiteral("--json")});
    QCOMPARE(reimport.code, 0);
    QCOMPARE(reimport.json()[QStringLiteral("added")].toArray().size(), 0);
    QVERIFY(reimport.out.contains("already in the project"));

    const Run catalog = runPrithvi({QStringLiteral("catalog"), path("p.gpkg"), QStringLiteral("--json")});
    QCOMPARE(catalog.code, 0);
    const QJsonObject summary = catalog.json();
    QCOMPARE(summary[QStringLiteral("scene_count")].toInt(), 6);
    const Run l30 = runPrithvi({QStringLiteral("catalog"), path("p.gpkg"), QStringLiteral("--tile"), QStringLiteral("T13REN"),
                             QStringLiteral("--json")});
    QCOMPARE(l30.json()[QStringLiteral("scenes")].toArray().size(), 3);
    const Run text = runPrithvi({QStringLiteral("catalog"), path("p.gpkg")});
    QVERIFY(text.out.contains("tile 13REN: 3 scene(s) on 3 date(s)"));

    // The footprint layer is a GeoPackage layer that GDAL's own tools open.
    QProcess ogrinfo;
    ogrinfo.start(QStringLiteral("ogrinfo"), {QStringLiteral("-so"), path("p.gpkg"), QStringLiteral("scene_footprints")});
    QVERIFY(ogrinfo.waitForFinished(60000));
    QCOMPARE(ogrinfo.exitCode(), 0);
    QVERIFY(ogrinfo.readAllStandardOutput().contains("Feature Count: 6"));
  }

  // One granule with a truncated band among good ones: the good one is imported, the broken one
  // is left out whole (not imported short of a band), the exit code is 4; a folder with nothing
  // importable is exit 3; `info` names the truncation.
  void aBrokenGranuleIsSkippedAndTheRestImported() {
    const QString hls = path("broken-hls");
    QCOMPARE(runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--tile"), QStringLiteral("T13REN"),
                         QStringLiteral("--dates"), QStringLiteral("2"), QStringLiteral("--size"), QStringLiteral("64"),
                         QStringLiteral("--out"), hls})
                 .code,
             0);
    const QStringList reds = QDir(hls).entryList({QStringLiteral("*.B04.tif")}, QDir::Files, QDir::Name);
    QCOMPARE(reds.size(), 2);
    const QString red = hls + QLatin1Char('/') + reds.front();
    QVERIFY(QFile::resize(red, 3000));
    const Run info = runPrithvi({QStringLiteral("info"), red});
    QCOMPARE(info.code, 3);
    QVERIFY2(info.err.contains("is truncated") && info.err.contains("only 3000 bytes"), info.err.constData());

    QCOMPARE(runPrithvi({QStringLiteral("project"), QStringLiteral("create"), path("broken.gpkg")}).code, 0);
    const Run import = runPrithvi({QStringLiteral("import"), path("broken.gpkg"), hls, QStringLiteral("--json")});
    QCOMPARE(import.code, 4);
    const QJsonObject report = import.json();
    QCOMPARE(report[QStringLiteral("added")].toArray().size(), 1);
    QCOMPARE(report[QStringLiteral("added")].toArray().first().toString() + QStringLiteral(".B04.tif"), reds.back());
    int failed = 0;
    for (const auto& skipped : report[QStringLiteral("skipped")].toArray())
      if (skipped.toObject()[QStringLiteral("failed")].toBool()) ++failed;
    QCOMPARE(failed, 7);  // the truncated band and the six other files of its granule
    const Run catalog = runPrithvi({QStringLiteral("catalog"), path("broken.gpkg"), QStringLiteral("--json")});
    QCOMPARE(catalog.json()[QStringLiteral("scene_count")].toInt(), 1);

    QVERIFY(QDir().mkpath(path("nothing")));
    const Run nothing = runPrithvi({QStringLiteral("import"), path("broken.gpkg"), path("nothing")});
    QCOMPARE(nothing.code, 3);
    QVERIFY2(nothing.err.contains("nothing to import"), nothing.err.constData());
  }

  void demoProjectIsCreatedOnceAndReused() {
    const Run first = runPrithvi({QStringLiteral("demo"), QStringLiteral("--dir"), path("demo"), QStringLiteral("--samples"),
                                  prithvi::test::sampleDir()});
    QCOMPARE(first.code, 0);
    const QString project = QString::fromUtf8(first.out.trimmed());
    QCOMPARE(project, path("demo") + QStringLiteral("/demo.gpkg"));
    const Run catalog = runPrithvi({QStringLiteral("catalog"), project, QStringLiteral("--json")});
    // 12 synthetic granules, 2 Landsat band-file scenes, the 6-band ETM+ stack, the land-cover map.
    QCOMPARE(catalog.json()[QStringLiteral("scene_count")].toInt(), 12 + 2 + 2);
    const Run second = runPrithvi({QStringLiteral("demo"), QStringLiteral("--dir"), path("demo")});
    QCOMPARE(second.code, 0);
    QCOMPARE(QString::fromUtf8(second.out.trimmed()), project);
  }

  void timeseriesFromFilesAndCubeAgree() {
    const QString project = path("p.gpkg");  // made by synthImportCatalogRoundTrip
    const QStringList at = {QStringLiteral("--x"), QStringLiteral("500980"), QStringLiteral("--y"), QStringLiteral("3299100"),
                            QStringLiteral("--crs"), QStringLiteral("EPSG:32613"), QStringLiteral("--json")};
    const Run files = runPrithvi(QStringList{QStringLiteral("timeseries"), project} + at);
    QCOMPARE(files.code, 0);
    const QJsonObject fromFiles = files.json();
    QCOMPARE(fromFiles[QStringLiteral("source")].toString(), QStringLiteral("files"));
    QCOMPARE(fromFiles[QStringLiteral("pixel")].toArray(), (QJsonArray{33, 30}));
    QCOMPARE(fromFiles[QStringLiteral("observations")].toArray().size(), 3);
    QCOMPARE(runPrithvi({QStringLiteral("cube"), QStringLiteral("build"), project, QStringLiteral("--tile"), QStringLiteral("T13REN")}).code, 0);
    const Run cube = runPrithvi(QStringList{QStringLiteral("timeseries"), project} + at);
    QCOMPARE(cube.json()[QStringLiteral("source")].toString(), QStringLiteral("cube"));
    QCOMPARE(cube.json()[QStringLiteral("observations")], fromFiles[QStringLiteral("observations")]);
    const Run outside = runPrithvi({QStringLiteral("timeseries"), project, QStringLiteral("--x"), QStringLiteral("0"),
                                    QStringLiteral("--y"), QStringLiteral("0")});
    QCOMPARE(outside.code, 3);
    QVERIFY(outside.err.contains("outside every tile"));
  }

  void jobEventsAreJsonLines() {
    const Run run = runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--dates"), QStringLiteral("2"),
                             QStringLiteral("--size"), QStringLiteral("32"), QStringLiteral("--out"), path("events"),
                             QStringLiteral("--events"), QStringLiteral("jsonl")});
    QCOMPARE(run.code, 0);
    const QList<QByteArray> lines = run.out.trimmed().split('\n');
    QVERIFY(lines.size() >= 2);
    QStringList kinds;
    for (const auto& line : lines) {
      QJsonParseError error;
      const QJsonObject event = QJsonDocument::fromJson(line, &error).object();
      QCOMPARE(error.error, QJsonParseError::NoError);
      kinds << event[QStringLiteral("event")].toString();
    }
    QCOMPARE(kinds.first(), QStringLiteral("started"));
    QCOMPARE(kinds.last(), QStringLiteral("finished"));
    QVERIFY(QJsonDocument::fromJson(lines.last()).object()[QStringLiteral("status")].toString() == QStringLiteral("ok"));
    const Run failed = runPrithvi({QStringLiteral("overviews"), path("nothing.tif"), QStringLiteral("--events"), QStringLiteral("jsonl")});
    QCOMPARE(failed.code, 3);
    QVERIFY(failed.out.contains("\"status\":\"failed\""));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
