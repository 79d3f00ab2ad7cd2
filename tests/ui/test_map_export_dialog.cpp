// The Export Map dialog: prefilled from the view (title, date, size), a live preview of the
// page, the size kept to the view's shape, an export on a worker thread that writes the file,
// errors shown in the dialog, and the GeoTIFF choice turning page-only controls off.
#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "core/raster/RasterSource.h"
#include "core/scene/SceneScanner.h"
#include "tests/support/GuiTestSupport.h"
#include "ui/MapExportDialog.h"
#include "viewers/LayerStack.h"

using namespace prithvi;

namespace {
int reflectance(int band, int x, int y) { return 400 + band * 250 + (x * 5 + y * 11) % 700; }
}  // namespace

class TestMapExportDialog : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  LayerStack mLayers;
  MapExtent mExtent;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    const std::string scenePath = mDir.filePath("scene.tif").toStdString();
    test::writeInt16Tiff(scenePath, 300, 200, 6, reflectance);
    Scene scene = scanForScenes({scenePath}).scenes.at(0);
    scene.acquired = QDateTime(QDate(2021, 5, 30), QTime(17, 39), Qt::UTC);
    LayerStyle style;
    style.stretch = {ChannelStretch{400, 1200}, ChannelStretch{600, 1400}, ChannelStretch{900, 1700}};
    mLayers.add(scene, style);
    mExtent = {500000, 3300000 - 200 * 30, 500000 + 300 * 30, 3300000};
  }

  void exportsWhatTheControlsSay() {
    MapExportDialog* dialog =
        openMapExportDialog(nullptr, mLayers, mExtent, "EPSG:32613", QSize(600, 400), MapExportFormat::Png, mDir.filePath("results"));
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->findChild<QLineEdit*>("exportDate")->text(), QStringLiteral("2021-05-30"));
    // Title and file from the layer shown, in the project's results folder (not ~/scene.tif_map.png).
    QCOMPARE(dialog->findChild<QLineEdit*>("exportTitle")->text(), QStringLiteral("scene"));
    QCOMPARE(dialog->fileName(), mDir.filePath("results/scene_map.png"));
    auto* width = dialog->findChild<QSpinBox*>("exportWidth");
    auto* height = dialog->findChild<QSpinBox*>("exportHeight");
    QCOMPARE(width->value(), 600);
    QCOMPARE(height->value(), 400);
    width->setValue(1200);
    QCOMPARE(height->value(), 800);  // the view's 3:2 shape

    // The preview is the page, small.
    QSignalSpy previews(dialog, &MapExportDialog::previewUpdated);
    QVERIFY(previews.wait(20000));
    const QImage preview = dialog->preview();
    QVERIFY(!preview.isNull());
    QVERIFY(preview.width() <= 420 && preview.height() <= 300);
    QVERIFY(std::abs(double(preview.width()) / preview.height() - 1.5) < 0.02);

    dialog->findChild<QLineEdit*>("exportTitle")->setText(QStringLiteral("Dialog map"));
    const QString png = mDir.filePath("dialog.png");
    dialog->setFileName(png);
    QSignalSpy finished(dialog, &MapExportDialog::exportFinished);
    dialog->startExport();
    QVERIFY(dialog->isExporting());
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QCOMPARE(QImage(png).size(), QSize(1200, 800));
    test::keepScreenshot(dialog, "map-export-dialog.png");

    // A PDF is for paper: A4 landscape at 300 DPI, the pixel fields showing the page.
    dialog->setFileName(mDir.filePath("dialog.pdf"));
    QCOMPARE(dialog->findChild<QComboBox*>("exportPaper")->currentText(), QStringLiteral("A4"));
    QCOMPARE(dialog->findChild<QComboBox*>("exportDpi")->currentText(), QStringLiteral("300"));
    QCOMPARE(dialog->request().pixelSize(), QSize(3508, 2480));
    QVERIFY(!width->isEnabled());
    QCOMPARE(width->value(), 3508);
    auto* orientation = dialog->findChild<QComboBox*>("exportOrientation");
    orientation->setCurrentIndex(orientation->findText(QStringLiteral("Portrait")));
    QCOMPARE(dialog->request().pixelSize(), QSize(2480, 3508));
    auto* paper = dialog->findChild<QComboBox*>("exportPaper");
    paper->setCurrentIndex(paper->findText(QStringLiteral("Letter")));
    QCOMPARE(dialog->request().pixelSize(), QSize(2550, 3300));  // 8.5 x 11 in
    dialog->setFileName(png);
    QVERIFY(!dialog->request().pageSize);  // back to pixels for a PNG
    QCOMPARE(dialog->request().size, QSize(1200, 800));

    // An impossible file shows the error in the dialog.
    dialog->setFileName(mDir.filePath("no/such/folder/map.png"));
    dialog->startExport();
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.at(1).at(0).toBool(), false);
    QVERIFY(dialog->findChild<QLabel*>("exportMessage")->text().contains(QLatin1String("does not exist")));

    // A GeoTIFF has no page: decorations and DPI are off, and it writes the view's grid.
    const QString tif = mDir.filePath("view.tif");
    dialog->setFileName(tif);
    QVERIFY(!dialog->findChild<QComboBox*>("exportDpi")->isEnabled());
    QVERIFY(!dialog->request().legend && dialog->request().title.isEmpty());
    dialog->startExport();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(2).at(0).toBool(), true);
    const auto raster = RasterSource::open(tif.toStdString());
    QCOMPARE(raster->info().width, 1200);
    QCOMPARE(raster->info().height, 800);
    QCOMPARE(raster->info().geoTransform.originX(), mExtent.minX);
    dialog->close();
  }

  // The legend lists what shows: a layer under an opaque image that covers the frame gets no
  // entry; a class map on top does not hide what is under it.
  void legendsListOnlyWhatShows() {
    LayerStack stack;
    Scene scene = mLayers.layers().front().scene;
    LayerStyle style = mLayers.layers().front().style;
    const int bottom = stack.add(scene, style);
    const int top = stack.add(scene, style);
    MapExportRequest request;
    request.layers = visibleExportLayers(stack);
    request.extent = mExtent;
    request.mapCrs = "EPSG:32613";
    QCOMPARE(int(legendLayers(request).size()), 1);
    stack.setOpacity(top, 0.5);
    request.layers = visibleExportLayers(stack);
    QCOMPARE(int(legendLayers(request).size()), 2);
    stack.setOpacity(top, 1.0);
    request.extent = {mExtent.minX - 3000, mExtent.minY, mExtent.maxX, mExtent.maxY};  // the frame reaches past it
    request.layers = visibleExportLayers(stack);
    QCOMPARE(int(legendLayers(request).size()), 2);
    (void)bottom;
  }
};

QTEST_MAIN(TestMapExportDialog)
#include "test_map_export_dialog.moc"
