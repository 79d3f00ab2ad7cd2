// The CLI flows that write numbers into files, run once in the C locale and once under
// de_DE.UTF-8 (comma decimals), from the same project: every result must be the same. Before
// numbers ignored the locale, a checkpoint written under de_DE could not be read back.
//   cube build + timeseries, dataset build + finetune + resume + evaluate, labels export,
//   export map (SVG), weights init + inspect (test_model_cli).
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "core/base/NumberText.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

// A project of its own per locale (a cube or a run folder written in one must not serve the other).
struct Flow {
  QString locale;
  QString dir;
  test::FloodProject project;
};

test::ProcessRun runIn(const QString& locale, const QStringList& arguments) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert(QStringLiteral("LC_ALL"), locale);
  environment.insert(QStringLiteral("LANG"), locale);
  process.setProcessEnvironment(environment);
  process.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), arguments);
  process.waitForFinished(300000);
  return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestLocaleCli : public QObject {
  Q_OBJECT
  QTemporaryDir mDir;
  std::vector<Flow> mFlows;

  // Runs `arguments` (with "%1" replaced by the flow's folder) in each flow's locale; all must succeed.
  std::vector<test::ProcessRun> inBoth(const QStringList& arguments) {
    std::vector<test::ProcessRun> runs;
    for (const Flow& flow : mFlows) {
      QStringList filled;
      for (const QString& argument : arguments)
        filled << QString(argument).replace(QStringLiteral("%1"), flow.dir)
                      .replace(QStringLiteral("%P"), QString::fromStdString(flow.project.path));
      runs.push_back(runIn(flow.locale, filled));
      if (runs.back().code != 0)
        qWarning("%s: prithvi %s -> %d\n%s", qPrintable(flow.locale), qPrintable(filled.join(' ')), runs.back().code,
                 runs.back().err.constData());
    }
    return runs;
  }

 private Q_SLOTS:
  void initTestCase() {
    if (!test::runProcess(QStringLiteral("/usr/bin/locale"), {QStringLiteral("-a")}).out.toLower().contains("de_de.utf8"))
      QSKIP("the de_DE.UTF-8 locale is not installed (packaging/bootstrap.sh makes it)");
    for (const QString& locale : {QStringLiteral("C"), QStringLiteral("de_DE.UTF-8")}) {
      Flow flow;
      flow.locale = locale;
      flow.dir = mDir.filePath(locale == QLatin1String("C") ? QStringLiteral("c") : QStringLiteral("de"));
      QVERIFY(QDir().mkpath(flow.dir));
      flow.project = test::makeFloodProject(flow.dir, 192, 2, 2, 2);
      mFlows.push_back(flow);
    }
  }

  void cubeAndTimeSeries() {
    for (const auto& run : inBoth({"cube", "build", "%P", "--tile", "T13REN"})) QCOMPARE(run.code, 0);
    const MapPoint point = mFlows.front().project.scenes.front().geoTransform.pixelToMap(40.5, 70.5);
    const auto runs = inBoth({"timeseries", "%P", "-x", QString::fromStdString(numberText(point.x)), "-y",
                              QString::fromStdString(numberText(point.y)), "--json"});
    QCOMPARE(runs[0].code, 0);
    QCOMPARE(runs[1].code, 0);
    const QJsonObject c = runs[0].json(), german = runs[1].json();
    QVERIFY(!c.isEmpty());
    QCOMPARE(german, c);  // same dates, same values, read through each locale's own cube
  }

  void datasetFinetuneResumeEvaluate() {
    for (const auto& run : inBoth({"dataset", "build", "%P", "--preset", "demo_flood", "--out", "%1/flood.zarr"}))
      QCOMPARE(run.code, 0);
    const QStringList train = {"finetune", "--preset", "demo_flood", "--data", "%1/flood.zarr", "--run", "%1/run",
                               "--batch", "2", "--eval-every", "4", "--threads", "1", "--workers", "1"};
    for (const auto& run : inBoth(train + QStringList{"--steps", "8"})) QCOMPARE(run.code, 0);
    // Again with more steps: resumes from last.safetensors, reading its best metric back.
    for (const auto& run : inBoth(train + QStringList{"--steps", "12"})) QCOMPARE(run.code, 0);
    for (const Flow& flow : mFlows) {
      const QByteArray events = readAll(flow.dir + "/run/events.jsonl");
      QVERIFY2(events.contains("\"resumed\"") || events.contains("resum"), qPrintable(flow.locale));
    }
    const auto evaluations = inBoth({"evaluate", "--model", "%1/run/checkpoints/best.safetensors", "--data",
                                     "%1/flood.zarr", "--split", "val", "--json"});
    QCOMPARE(evaluations[0].code, 0);
    QCOMPARE(evaluations[1].code, 0);
    const QJsonObject c = evaluations[0].json(), german = evaluations[1].json();
    QVERIFY(c.contains(QStringLiteral("miou")));
    QCOMPARE(german[QStringLiteral("miou")].toDouble(), c[QStringLiteral("miou")].toDouble());
    QCOMPARE(german[QStringLiteral("loss")].toDouble(), c[QStringLiteral("loss")].toDouble());
  }

  void labelsExportAndMapExport() {
    for (const auto& run : inBoth({"labels", "export", "%P", "1", "--mask", "%1/labels.tif"})) QCOMPARE(run.code, 0);
    QCOMPARE(test::gdalPixel((mFlows[1].dir + "/labels.tif").toStdString(), 60, 60),
             test::gdalPixel((mFlows[0].dir + "/labels.tif").toStdString(), 60, 60));
    const QString scene = QString::fromStdString(mFlows.front().project.scenes.front().id);
    for (const auto& run : inBoth({"export", "map", "--project", "%P", "--layer", scene + ":truecolor", "--title",
                                   "Flood 0.5", "--size", "400x300", "--out", "%1/map.svg"}))
      QCOMPARE(run.code, 0);
    const QByteArray c = readAll(mFlows[0].dir + "/map.svg"), german = readAll(mFlows[1].dir + "/map.svg");
    QVERIFY(c.size() > 1000);
    QCOMPARE(german.size(), c.size());
    QVERIFY(german == c);
  }
};

QTEST_GUILESS_MAIN(TestLocaleCli)
#include "test_locale_cli.moc"
