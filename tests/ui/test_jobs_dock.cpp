// The jobs dock and the launch dialog in a real window: a fine-tune launched from the dialog on
// this machine, its progress and loss chart updating, canceled from the dock; then the app
// closes while a second job runs and a new window on the same project follows it to the end and
// shows how the first one ended.
#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSpinBox>
#include <QTableWidget>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSignalSpy>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "core/base/ModelCatalog.h"
#include "core/dataset/ChipDataset.h"
#include "core/jobs/JobStore.h"
#include "core/project/ProjectStore.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/JobRunner.h"
#include "ui/DatasetDialog.h"
#include "ui/JobsDock.h"
#include "ui/LaunchDialog.h"
#include "ui/MapExportDialog.h"
#include "ui/MainWindow.h"
#include "viewers/MetricChart.h"

using namespace prithvi;

class TestJobsDock : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  std::string mProject;
  QString mFlood;

  std::unique_ptr<MainWindow> openWindow() {
    auto window = std::make_unique<MainWindow>();
    window->resize(1500, 950);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()) || !window->openProject(QString::fromStdString(mProject))) return nullptr;
    window->jobsDock()->setPollInterval(250);
    return window;
  }

  // Fills the dialog for a small fine-tune of `steps` steps and launches it.
  void launch(MainWindow& window, const QString& name, int steps) {
    LaunchDialog* dialog = window.openLaunchDialog();
    QVERIFY(dialog);
    dialog->setField(QStringLiteral("task"), QStringLiteral("flood"));
    // The preset fills the hyperparameters; every one can be changed.
    QCOMPARE(dialog->hyperparameter(QStringLiteral("lr")), QStringLiteral("5e-05"));
    QCOMPARE(dialog->hyperparameter(QStringLiteral("patience")), QStringLiteral("20"));
    dialog->setField(QStringLiteral("name"), name);
    dialog->setField(QStringLiteral("run"), mDir.filePath(QStringLiteral("runs/") + name));
    dialog->setField(QStringLiteral("data"), mFlood);
    dialog->setField(QStringLiteral("model"), QStringLiteral("tiny_test"));
    const std::pair<const char*, QString> values[] = {
        {"steps", QString::number(steps)}, {"batch", "2"}, {"lr", "1e-3"}, {"warmup", "1"}, {"eval-every", "20"},
        {"patience", "0"}, {"decoder-channels", "16"}, {"threads", "1"}, {"workers", "1"}};
    for (const auto& [option, value] : values) dialog->setHyperparameter(QLatin1String(option), value);
    // Other backends render what they would submit; one missing a required setting cannot launch.
    dialog->setBackend(QStringLiteral("slurm"));
    dialog->setBackendSetting(QStringLiteral("partition"), QStringLiteral("debug"));
    QVERIFY2(dialog->canLaunch() && dialog->preview().contains(QStringLiteral("#SBATCH --partition=debug")), qPrintable(dialog->preview()));
    dialog->setBackend(QStringLiteral("k8s"));
    QVERIFY(!dialog->canLaunch());
    QVERIFY2(dialog->preview().contains(QStringLiteral("image")), qPrintable(dialog->preview()));
    dialog->setBackendSetting(QStringLiteral("image"), QStringLiteral("registry.example/prithvi:1"));
    QVERIFY2(dialog->canLaunch() && dialog->preview().contains(QStringLiteral("\"kind\": \"Job\"")), qPrintable(dialog->preview()));
    dialog->setBackend(QStringLiteral("local"));
    QVERIFY2(dialog->canLaunch(), qPrintable(dialog->preview()));
    QVERIFY2(dialog->preview().contains(QStringLiteral("finetune --preset flood")), qPrintable(dialog->preview()));
    QVERIFY(dialog->preview().contains(QStringLiteral("--steps ") + QString::number(steps)));
    QVERIFY(dialog->preview().contains(QStringLiteral("--lr 1e-3")));
    test::keepScreenshot(dialog, "launch_dialog.png");
    auto* button = dialog->findChild<QPushButton*>(QStringLiteral("launchButton"));
    QVERIFY(button && button->isEnabled());
    const int before = window.jobsDock()->jobCount();
    button->click();
    QVERIFY(QTest::qWaitFor([&] { return window.jobsDock()->jobCount() == before + 1; }, 30000));
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QVERIFY(QFileInfo::exists(JobRunner::cliPath()));
    QStandardPaths::setTestModeEnabled(true);
    mProject = test::makeFloodProject(mDir.path(), 128, 3, 3, 3).path;
    mFlood = mDir.filePath(QStringLiteral("flood.zarr"));
    const test::ProcessRun built = test::runPrithvi({"dataset", "build", QString::fromStdString(mProject), "--task", "flood", "--out",
                                                     mFlood, "--chip", "32", "--min-labelled", "0", "--max-cloud", "1", "--block",
                                                     "2", "--val", "0.25", "--test", "0", "--seed", "2"});
    QVERIFY2(built.code == 0, built.err.constData());
  }

  // Break 3 of issue 17: no way from labels to training in the window. Label > Build Dataset
  // previews the splits, builds in the background, and hands the store to Launch Training.
  void datasetFromLabelsToLaunch() {
    auto window = openWindow();
    QVERIFY(window);
    QAction* action = window->findChild<QAction*>(QStringLiteral("buildDatasetAction"));
    QVERIFY(action);
    action->trigger();
    auto* dialog = window->findChild<DatasetDialog*>(QStringLiteral("datasetDialog"));
    QVERIFY(dialog);
    QCOMPARE(dialog->options().task, std::string("flood"));
    auto* sets = dialog->findChild<QTableWidget*>(QStringLiteral("datasetLabelSets"));
    QCOMPARE(sets->rowCount(), 3);
    QVERIFY(dialog->outputPath().startsWith(mDir.filePath(QStringLiteral("datasets/"))));
    auto* chip = dialog->findChild<QSpinBox*>(QStringLiteral("datasetChipSize"));
    QSignalSpy previewed(dialog, &DatasetDialog::previewReady);
    chip->setValue(32);
    dialog->findChild<QDoubleSpinBox*>(QStringLiteral("datasetTest"))->setValue(0);
    QVERIFY(previewed.wait(30000));
    QVERIFY2(dialog->preview(), qPrintable(dialog->previewText()));
    // The preview is what the library plans for the same options, shown per class and split.
    DatasetSummary expected;
    {
      auto project = ProjectStore::open(mProject);
      expected = planChipDataset(*project, dialog->options());
    }
    QCOMPARE(dialog->preview()->chips, expected.chips);
    auto* classes = dialog->findChild<QTableWidget*>(QStringLiteral("datasetClassPixels"));
    QCOMPARE(classes->rowCount(), int(expected.classPixels[0].size()));
    QCOMPARE(classes->item(1, 0)->text(), QLocale().toString(qlonglong(expected.classPixels[0].at(1))));
    QVERIFY(classes->verticalHeaderItem(1)->text().contains(QStringLiteral("Water")));
    test::keepScreenshot(dialog, "dataset_dialog.png");
    auto* build = dialog->findChild<QPushButton*>(QStringLiteral("datasetBuildButton"));
    QVERIFY(build->isEnabled());
    const QString out = dialog->outputPath();
    QSignalSpy built(dialog, &DatasetDialog::built);
    build->click();
    QVERIFY2(built.wait(60000), qPrintable(dialog->findChild<QLabel*>(QStringLiteral("datasetStatus"))->text()));
    QCOMPARE(built.first().at(0).toString(), out);
    auto dataset = ChipDataset::open(out.toStdString());
    QCOMPARE(dataset->size(), expected.chips);
    QVERIFY(dataset->classPixels(DataSplit::Train) == expected.classPixels[0]);
    QCOMPARE(window->jobsDock()->stateText(0), QStringLiteral("succeeded"));
    // The next build proposes another name; the built store goes to Launch Training.
    QVERIFY(dialog->outputPath() != out);
    auto* launch = dialog->findChild<QPushButton*>(QStringLiteral("datasetLaunchButton"));
    QVERIFY(launch->isEnabled());
    launch->click();
    auto* launchDialog = window->findChild<LaunchDialog*>(QStringLiteral("launchDialog"));
    QVERIFY(launchDialog);
    QCOMPARE(launchDialog->findChild<QLineEdit*>(QStringLiteral("data"))->text(), out);
    launchDialog->close();
    dialog->close();
    // Removed again: the next tests count their own jobs from zero.
    auto project = ProjectStore::open(mProject);
    JobStore store(*project);
    for (const JobRecord& job : store.jobs()) store.remove(job.id);
  }

  // Break 2 of issue 17: the demo_flood preset's model reached the CLI as a file name it could not
  // find. The dialog offers the CLI's own list, and the demo preset runs to the end as offered.
  void offeredPresetsAndModelsRun() {
    auto window = openWindow();
    QVERIFY(window);
    LaunchDialog* dialog = window->openLaunchDialog();
    QVERIFY(dialog);
    auto* models = dialog->findChild<QComboBox*>(QStringLiteral("model"));
    QVERIFY(models);
    QStringList offered, known;
    for (int i = 0; i < models->count(); ++i) offered << models->itemText(i);
    for (const ModelChoice& choice : modelChoices()) known << QString::fromStdString(choice.name);
    QCOMPARE(offered, known);
    QVERIFY(offered.contains(QStringLiteral("demo_tiny_p4")));
    auto* tasks = dialog->findChild<QComboBox*>(QStringLiteral("task"));
    QCOMPARE(tasks->count(), int(taskPresetChoices().size()));
    // Every preset names a model the list offers.
    for (const TaskPresetChoice& preset : taskPresetChoices())
      QVERIFY2(preset.model.empty() || offered.contains(QString::fromStdString(preset.model)), preset.name.c_str());

    dialog->setField(QStringLiteral("task"), QStringLiteral("demo_flood"));
    QCOMPARE(models->currentText(), QStringLiteral("demo_tiny_p4"));
    dialog->setField(QStringLiteral("name"), QStringLiteral("demo-preset"));
    dialog->setField(QStringLiteral("run"), mDir.filePath(QStringLiteral("runs/demo-preset")));
    dialog->setField(QStringLiteral("data"), mFlood);
    const std::pair<const char*, QString> values[] = {{"steps", "2"}, {"batch", "2"}, {"warmup", "1"}, {"eval-every", "2"},
                                                      {"threads", "1"}, {"workers", "1"}};
    for (const auto& [option, value] : values) dialog->setHyperparameter(QLatin1String(option), value);
    dialog->setBackend(QStringLiteral("local"));
    QVERIFY2(dialog->canLaunch(), qPrintable(dialog->preview()));
    auto* button = dialog->findChild<QPushButton*>(QStringLiteral("launchButton"));
    QVERIFY(button && button->isEnabled());
    button->click();
    JobsDock* dock = window->jobsDock();
    QVERIFY(QTest::qWaitFor([&] { return dock->jobCount() == 1; }, 30000));
    dock->selectRow(0);
    QVERIFY2(QTest::qWaitFor([&] { return dock->stateText(0) == QLatin1String("succeeded"); }, 120000),
             qPrintable(dock->stateText(0) + "\n" + dock->logView()->toPlainText().right(2000)));
    QVERIFY(QFileInfo::exists(mDir.filePath(QStringLiteral("runs/demo-preset/checkpoints/last.safetensors"))));
    // Removed again: the next test counts its own jobs from zero.
    auto project = ProjectStore::open(mProject);
    JobStore store(*project);
    for (const JobRecord& job : store.jobs()) store.remove(job.id);
  }

  void launchWatchCancelAndReattach() {
    auto window = openWindow();
    QVERIFY(window);
    JobsDock* dock = window->jobsDock();
    QCOMPARE(dock->jobCount(), 0);

    // 1. A long fine-tune: progress and the loss chart move while it runs.
    launch(*window, QStringLiteral("gui-cancel"), 100000);
    dock->selectRow(0);
    QCOMPARE(dock->nameText(0), QStringLiteral("gui-cancel"));
    QVERIFY(QTest::qWaitFor([&] { return dock->stateText(0) == QLatin1String("running"); }, 30000));
    QVERIFY2(QTest::qWaitFor([&] { return dock->chart()->pointCount(QStringLiteral("loss (train_step)")) >= 3; }, 90000),
             qPrintable(dock->logView()->toPlainText().right(2000)));
    const int points = dock->chart()->pointCount(QStringLiteral("loss (train_step)"));
    const int progress = dock->progressBar()->value();
    QVERIFY(QTest::qWaitFor([&] { return dock->chart()->pointCount(QStringLiteral("loss (train_step)")) > points; }, 60000));
    QVERIFY(dock->progressBar()->value() >= progress);
    QVERIFY(dock->progressBar()->format().contains(QStringLiteral("step")));
    QVERIFY(dock->cancelButton()->isEnabled());
    QVERIFY(!dock->retryButton()->isEnabled());
    QVERIFY(dock->openFolderButton()->isEnabled());
    QCOMPARE(dock->runFolder(), mDir.filePath(QStringLiteral("runs/gui-cancel")));
    if (auto* jobs = window->findChild<QDockWidget*>(QStringLiteral("jobsDock"))) jobs->raise();
    QTest::qWait(300);
    test::keepScreenshot(window.get(), "jobs_dock_running.png");

    // Cancel: the trainer checkpoints and ends as canceled.
    dock->cancelButton()->click();
    QVERIFY2(QTest::qWaitFor([&] { return dock->stateText(0) == QLatin1String("canceled"); }, 90000),
             qPrintable(dock->stateText(0) + "\n" + dock->logView()->toPlainText().right(2000)));
    QVERIFY(QFileInfo::exists(mDir.filePath(QStringLiteral("runs/gui-cancel/checkpoints/last.safetensors"))));
    QVERIFY(!dock->cancelButton()->isEnabled());
    QVERIFY(dock->retryButton()->isEnabled());
    const int64_t canceledId = dock->storedId(0);
    QVERIFY(canceledId > 0);

    // 2. A short one, still running when the app closes.
    launch(*window, QStringLiteral("gui-reattach"), 400);
    QVERIFY(QTest::qWaitFor([&] { return dock->stateText(0) == QLatin1String("running"); }, 30000));
    const int64_t reattachId = dock->storedId(0);
    window.reset();
    {
      // What the project says as the app closes: still running (it ends while no app watches).
      auto project = ProjectStore::open(mProject);
      QCOMPARE(JobStore(*project).job(reattachId)->state, JobState::Running);
    }

    // 3. The app again: the finished job shows how it ended, the running one is followed to its end.
    window = openWindow();
    QVERIFY(window);
    dock = window->jobsDock();
    QCOMPARE(dock->jobCount(), 2);
    QCOMPARE(dock->storedId(0), reattachId);
    QCOMPARE(dock->storedId(1), canceledId);
    QCOMPARE(dock->stateText(1), QStringLiteral("canceled"));
    dock->selectRow(0);
    QVERIFY2(QTest::qWaitFor([&] { return dock->stateText(0) == QLatin1String("succeeded"); }, 240000),
             qPrintable(dock->stateText(0) + "\n" + dock->logView()->toPlainText().right(2000)));
    QCOMPARE(dock->progressBar()->value(), 1000);
    QVERIFY(dock->chart()->pointCount(QStringLiteral("loss (train_step)")) >= 10);
    QVERIFY(QFileInfo::exists(mDir.filePath(QStringLiteral("runs/gui-reattach/checkpoints/last.safetensors"))));
    if (auto* jobs = window->findChild<QDockWidget*>(QStringLiteral("jobsDock"))) jobs->raise();
    QTest::qWait(300);
    test::keepScreenshot(window.get(), "jobs_dock_reattached.png");

    // Work the app does itself is listed too: a map export, with how it ended.
    window->openExportDialog(MapExportFormat::Png);
    auto* exporter = window->findChild<MapExportDialog*>(QStringLiteral("mapExportDialog"));
    QVERIFY(exporter);
    exporter->setFileName(mDir.filePath(QStringLiteral("map.png")));
    QSignalSpy exported(exporter, &MapExportDialog::exportFinished);
    exporter->startExport();
    QVERIFY(exported.wait(60000));
    QCOMPARE(dock->jobCount(), 3);
    QCOMPARE(dock->nameText(0), QStringLiteral("Export map.png"));
    QCOMPARE(dock->stateText(0), QStringLiteral("succeeded"));
    exporter->close();

    // The project holds them all, as the CLI sees them.
    auto project = ProjectStore::open(mProject);
    JobStore store(*project);
    QCOMPARE(store.job(reattachId)->state, JobState::Succeeded);
    QCOMPARE(store.job(canceledId)->state, JobState::Canceled);
  }
};

QTEST_MAIN(TestJobsDock)
#include "test_jobs_dock.moc"
