// The Label Next dock in a real window: Suggest runs `prithvi labels suggest` as a job, the
// chips come back with pictures, a click shows the chip with the last labelling tool ready, and
// Done is kept in the suggestions file.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "core/base/Assets.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/JobRunner.h"
#include "ui/LabelDock.h"
#include "ui/MainWindow.h"
#include "ui/SuggestionsDock.h"
#include "viewers/MapCanvas.h"

using namespace prithvi;
using prithvi::test::FloodProject;

class TestLabelNext : public QObject {
  Q_OBJECT
  QTemporaryDir mDir;
  FloodProject mFlood;
  std::unique_ptr<MainWindow> mWindow;

  template <typename T>
  T* child(const char* name) {
    return mWindow->findChild<T*>(QLatin1String(name));
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QVERIFY(QFileInfo::exists(JobRunner::cliPath()));
    // Two dates of a flood tile; the first is labelled all over, so every chip of the second is a candidate.
    mFlood = test::makeFloodProject(mDir.path(), 256, 2, 1, 0);
    QStandardPaths::setTestModeEnabled(true);
    mWindow = std::make_unique<MainWindow>();
    mWindow->resize(1600, 1000);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow.get()));
    QVERIFY(mWindow->openProject(QString::fromStdString(mFlood.path)));
  }

  void suggestShowsChipsAndAClickGoesThere() {
    auto* dock = mWindow->findChild<QDockWidget*>(QStringLiteral("suggestionsDock"));
    QVERIFY(dock);
    dock->raise();
    SuggestionsDock* panel = mWindow->suggestions();
    auto* models = child<QComboBox>("suggestModelCombo");
    QVERIFY(models->count() >= 1);  // the demo model at least
    QCOMPARE(models->currentData().toString(), QString::fromStdString(assetPath("models/demo-flood.safetensors")));
    child<QSpinBox>("suggestCountSpin")->setValue(4);
    QSignalSpy thumbnails(panel, &SuggestionsDock::thumbnailsDone);
    QTest::mouseClick(child<QPushButton>("suggestButton"), Qt::LeftButton);
    QVERIFY(child<QPushButton>("suggestCancelButton")->isEnabled());
    QVERIFY2(QTest::qWaitFor([&] { return panel->rowCount() == 4; }, 120000), qPrintable(child<QLabel>("suggestStatus")->text()));
    QVERIFY(thumbnails.count() > 0 || thumbnails.wait(30000));
    QTRY_VERIFY_WITH_TIMEOUT(!child<QPushButton>("suggestCancelButton")->isEnabled(), 10000);
    auto* table = child<QTableWidget>("suggestionsTable");
    const std::string labelledDate = mFlood.scenes.at(0).id, otherDate = mFlood.scenes.at(1).id;
    for (int r = 0; r < 4; ++r) {
      QVERIFY2(!table->item(r, 0)->icon().isNull(), qPrintable(QString::number(r)));
      QCOMPARE(table->item(r, 1)->toolTip(), QString::fromStdString(otherDate));  // never the labelled date
      const double unsure = table->item(r, 2)->text().toDouble();
      QVERIFY(unsure >= 0 && unsure <= 1);
    }
    QVERIFY(table->item(0, 2)->text().toDouble() >= table->item(3, 2)->text().toDouble() - 1e-9 ||
            table->item(0, 2)->text().toDouble() >= table->item(1, 2)->text().toDouble());
    QVERIFY(QTest::qWaitFor([&] { return mWindow->canvas()->isRenderComplete(); }, 30000));
    test::keepScreenshot(mWindow.get(), "label-next-suggestions.png");

    // A draft label set of that date, then a click on the second suggestion: the map shows the
    // chip, and the polygon tool (the last drawing tool) is ready.
    mWindow->showDate(QString::fromStdString(otherDate));
    LabelDock* labels = mWindow->findChild<LabelDock*>();
    QVERIFY(labels);
    const int64_t set = labels->createLabelSet(QStringLiteral("flood"), QStringLiteral("ana"));
    QVERIFY(set > 0);
    const QRect cell = table->visualItemRect(table->item(1, 1));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QVERIFY(QTest::qWaitFor([&] { return mWindow->canvas()->isRenderComplete(); }, 30000));
    QCOMPARE(labels->tool(), LabelTool::Polygon);
    // The view holds the chip, and not much more than the chip and its margin.
    const auto& scene = mFlood.scenes.at(1);
    const QJsonArray suggestions = [&] {
      const QString file = QDir(mWindow->resultsFolder()).entryInfoList({QStringLiteral("label-suggestions-*.json")}).value(0).filePath();
      QFile json(file);
      return json.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(json.readAll()).array() : QJsonArray();
    }();
    QCOMPARE(suggestions.size(), 4);
    const QJsonObject chosen = suggestions[1].toObject();
    const MapPoint centre = scene.geoTransform.pixelToMap(chosen[QStringLiteral("x")].toInt() + 32, chosen[QStringLiteral("y")].toInt() + 32);
    const MapPoint topLeft = mWindow->canvas()->screenToMap({0, 0});
    const MapPoint bottomRight = mWindow->canvas()->screenToMap({double(mWindow->canvas()->width()), double(mWindow->canvas()->height())});
    QVERIFY(centre.x > topLeft.x && centre.x < bottomRight.x && centre.y < topLeft.y && centre.y > bottomRight.y);
    const double shownPixels = std::min(bottomRight.x - topLeft.x, topLeft.y - bottomRight.y) / scene.geoTransform.pixelWidth();
    QVERIFY2(shownPixels >= 64 && shownPixels < 200, qPrintable(QString::number(shownPixels)));
    test::keepScreenshot(mWindow.get(), "label-next-chip.png");

    // Done: ticked, and kept in the file.
    table->item(1, 3)->setCheckState(Qt::Checked);
    QVERIFY(panel->isDone(1));
    const QString file = QDir(mWindow->resultsFolder()).entryInfoList({QStringLiteral("label-suggestions-*.json")}).value(0).filePath();
    QFile json(file);
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonArray saved = QJsonDocument::fromJson(json.readAll()).array();
    QVERIFY(saved[1].toObject()[QStringLiteral("done")].toBool());
    QVERIFY(!saved[0].toObject()[QStringLiteral("done")].toBool());
  }

  void cleanupTestCase() { mWindow.reset(); }
};

QTEST_MAIN(TestLabelNext)
#include "test_label_next.moc"
