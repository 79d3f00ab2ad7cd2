// Labelling in a real window (Xvfb): a label set is created through its dialog, the polygon
// tool's clicks are stored as pixel-corner-snapped vertices, a brush stroke's pixels are
// stored, the label layer colours exactly the stored pixels, undo and redo go through the Edit
// menu, Escape drops a drawing, select + Delete removes a polygon, the rectangle, eraser, magic
// wand and superpixel tools label what they should, the catalog filters by review state, and a
// validated set cannot be edited. Everything is checked through a second connection to the
// project, as another program would see it.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSpinBox>
#include <QTableWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <cmath>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/TestSupport.h"
#include "ui/CatalogDock.h"
#include "ui/LabelCleanupDialog.h"
#include "ui/LabelDock.h"
#include "ui/MainWindow.h"
#include "ui/SchemeEditorDialog.h"
#include "viewers/LabelOverlay.h"
#include "viewers/MapCanvas.h"

using namespace prithvi;

namespace {

QString plain(QString text) { return text.remove(QLatin1Char('&')); }

// True when `after` visibly differs from `before` (the label layer covers the pixel).
bool tinted(const QColor& before, const QColor& after) {
  return std::max({std::abs(before.red() - after.red()), std::abs(before.green() - after.green()),
                   std::abs(before.blue() - after.blue())}) > 8;
}

}  // namespace

class TestLabeling : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir mDir;
  std::string mProject;
  std::unique_ptr<MainWindow> mWindow;
  // A second connection, as another program reads the project.
  std::unique_ptr<ProjectStore> mCheckProject;
  std::unique_ptr<LabelStore> mCheck;
  int64_t mSetId = 0;
  // The polygon's clicks and the stroke's path, in screen pixels of the view set by labelView().
  std::vector<QPoint> mCorners;
  std::vector<QPoint> mStroke;
  std::vector<MapPoint> mExpectedRing;

  MapCanvas* canvas() { return mWindow->canvas(); }
  LabelDock* dock() { return mWindow->labelDock(); }
  const Scene& scene() { return mWindow->layers()->topVisible()->scene; }
  const GeoTransform& grid() { return scene().geoTransform; }
  QPoint centre() { return QPoint(canvas()->width() / 2, canvas()->height() / 2); }
  bool waitForRender(int timeoutMs = 30000) {
    if (!QTest::qWaitFor([this] { return canvas()->isRenderComplete(); }, timeoutMs)) return false;
    QTest::qWait(30);
    return canvas()->isRenderComplete();
  }
  // Four screen pixels per scene pixel around scene pixel (256, 256); off the pixel-centre
  // lattice so clicks fall at several fractions of a pixel.
  void labelView() { canvas()->setView(grid().pixelToMap(256.3, 256.3), grid().pixelWidth() / 4); }
  // Where the editor will put a vertex clicked at `screen`: the nearest pixel corner.
  MapPoint snappedCorner(const QPoint& screen) {
    const MapPoint map = canvas()->screenToMap(screen);
    const auto pixel = grid().mapToPixel(map.x, map.y);
    return grid().pixelToMap(std::round(pixel->x), std::round(pixel->y));
  }
  // The scene pixel drawn at a screen pixel.
  QPoint pixelUnder(const QPoint& screen) {
    const MapPoint map = canvas()->screenToMap(screen);
    const auto pixel = grid().mapToPixel(map.x, map.y);
    return QPoint(int(std::floor(pixel->x)), int(std::floor(pixel->y)));
  }
  uint8_t storedValue(const QPoint& pixel) {
    return mCheck->rasterize(mSetId, {pixel.x(), pixel.y(), 1, 1}).front();
  }
  std::vector<MapPoint> storedRing(size_t index = 0) {
    const auto polygons = mCheck->polygons(mSetId);
    if (index >= polygons.size()) return {};
    Ring ring = polygons[index].rings.front();
    if (ring.size() > 1 && ring.front().x == ring.back().x && ring.front().y == ring.back().y) ring.pop_back();
    return ring;
  }
  bool ringEquals(const std::vector<MapPoint>& a, const std::vector<MapPoint>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].x != b[i].x || a[i].y != b[i].y) return false;
    return true;
  }
  QAction* editMenuAction(const QString& prefix) {
    for (QAction* menu : mWindow->menuBar()->actions())
      if (plain(menu->text()) == QLatin1String("Edit"))
        for (QAction* action : menu->menu()->actions())
          if (plain(action->text()).startsWith(prefix)) return action;
    return nullptr;
  }
  // The pixels of the stroke's path (where the brush centre passed).
  std::vector<QPoint> strokePixels() {
    std::vector<QPoint> pixels;
    for (const QPoint& point : mStroke) pixels.push_back(pixelUnder(point));
    return pixels;
  }
  QString stateNameShown() { return dock()->findChild<QLabel*>(QStringLiteral("labelState"))->text(); }
  // A key as the user types it on the map; shortcuts need the window active again after a dialog.
  void press(int key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    if (!mWindow->isActiveWindow()) {
      mWindow->activateWindow();
      QVERIFY(QTest::qWaitForWindowActive(mWindow.get()));
    }
    QTest::keyClick(canvas(), Qt::Key(key), modifiers);
  }

 private Q_SLOTS:
  void initTestCase() {
    mWindow = test::openDemoWindow(mDir.path(), QSize(1400, 900), &mProject);
    QVERIFY2(mWindow, "the demo project did not open and draw");
    mWindow->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(mWindow.get()));  // shortcuts need an active window
    mCheckProject = ProjectStore::open(mProject);
    mCheck = std::make_unique<LabelStore>(*mCheckProject);
    dock()->findChild<QSlider*>(QStringLiteral("labelOpacity"))->setValue(60);
    QCOMPARE(dock()->overlay()->opacity(), 0.6);
  }

  void toolsWaitForALabelSet() {
    QVERIFY(!dock()->editor());
    QVERIFY(!dock()->toolAction(LabelTool::Polygon)->isEnabled());
    QVERIFY(dock()->toolAction(LabelTool::Polygon)->toolTip().contains(QStringLiteral("New Label Set")));
    QVERIFY(dock()->toolAction(LabelTool::Select)->isEnabled());
  }

  void newLabelSetDialogCreatesADraft() {
    bool answered = false;
    QTimer::singleShot(0, this, [&] {
      auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      QVERIFY(dialog && dialog->objectName() == QStringLiteral("newLabelSetDialog"));
      auto* schemes = dialog->findChild<QComboBox*>(QStringLiteral("schemeCombo"));
      const int flood = schemes->findData(QStringLiteral("flood"));
      QVERIFY(flood >= 0);
      schemes->setCurrentIndex(flood);
      dialog->findChild<QLineEdit*>(QStringLiteral("authorEdit"))->setText(QStringLiteral("ana"));
      auto* date = dialog->findChild<QDateEdit*>(QStringLiteral("labelDateEdit"));
      QCOMPARE(date->date(), scene().acquired.toUTC().date());  // the scene's own date by default
      test::keepScreenshot(dialog, "labeling-new-set-dialog.png");
      dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
      answered = true;
    });
    dock()->newLabelSetAction()->trigger();
    QVERIFY(answered);
    QVERIFY(dock()->editor());
    mSetId = dock()->editor()->labelSet().id;
    const LabelSet stored = mCheck->labelSet(mSetId);
    QCOMPARE(stored.sceneId, scene().id);
    QCOMPARE(stored.scheme, std::string("flood"));
    QCOMPARE(stored.author, std::string("ana"));
    QCOMPARE(stored.state, ReviewState::Draft);
    QCOMPARE(stored.labelDate, scene().acquired.toUTC());
    QCOMPARE(dock()->findChild<QTreeWidget*>(QStringLiteral("labelSets"))->topLevelItemCount(), 1);
    QVERIFY(dock()->toolAction(LabelTool::Polygon)->isEnabled());
    QCOMPARE(mWindow->findChild<QLabel*>(QStringLiteral("labelSaveState"))->text(), QStringLiteral("All label edits saved"));
  }

  void polygonClicksAreStoredSnappedToPixelCorners() {
    labelView();
    QVERIFY(waitForRender());
    const QImage before = canvas()->grab().toImage();
    press(Qt::Key_P);
    QCOMPARE(dock()->tool(), LabelTool::Polygon);
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Polygon);
    press(Qt::Key_2);  // the second class of the flood scheme: Water (1)
    QCOMPARE(dock()->currentClass(), 1);
    const QPoint c = centre();
    mCorners = {c + QPoint(-150, -110), c + QPoint(130, -97), c + QPoint(141, 118), c + QPoint(-137, 105)};
    for (size_t i = 0; i < mCorners.size(); ++i) {
      QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, mCorners[i]);
      if (i == 2) {
        QTest::mouseMove(canvas(), mCorners[3] + QPoint(5, 5));
        test::keepScreenshot(canvas(), "labeling-polygon-drawing.png");  // the snapped outline in progress
      }
    }
    QCOMPARE(canvas()->polygon().size(), size_t(4));
    press(Qt::Key_Return);
    QVERIFY(canvas()->polygon().empty());
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Polygon);  // ready for the next polygon

    mExpectedRing.clear();
    for (const QPoint& corner : mCorners) mExpectedRing.push_back(snappedCorner(corner));
    const auto polygons = mCheck->polygons(mSetId);
    QCOMPARE(int(polygons.size()), 1);
    QCOMPARE(polygons.front().classValue, 1);
    const std::vector<MapPoint> ring = storedRing();
    QCOMPARE(int(ring.size()), 4);
    for (size_t i = 0; i < ring.size(); ++i) {
      QCOMPARE(ring[i].x, mExpectedRing[i].x);
      QCOMPARE(ring[i].y, mExpectedRing[i].y);
    }
    QCOMPARE(plain(editMenuAction(QStringLiteral("Undo"))->text()), QStringLiteral("Undo polygon"));

    // The label layer colours exactly the stored pixels: walk a line across the polygon's edges.
    QVERIFY(waitForRender());
    const QImage after = canvas()->grab().toImage();
    int inside = 0, outside = 0;
    for (int x = c.x() - 170; x <= c.x() + 170; ++x)
      for (int y : {c.y(), c.y() - 101, c.y() + 109}) {
        const QPoint screen(x, y);
        const bool labelled = storedValue(pixelUnder(screen)) == 1;
        QVERIFY2(tinted(before.pixelColor(screen), after.pixelColor(screen)) == labelled,
                 qPrintable(QStringLiteral("screen %1,%2 (pixel %3,%4): labelled %5")
                                .arg(x)
                                .arg(y)
                                .arg(pixelUnder(screen).x())
                                .arg(pixelUnder(screen).y())
                                .arg(labelled)));
        (labelled ? inside : outside)++;
      }
    QVERIFY(inside > 400 && outside > 50);
    // 60 % water blue over the imagery.
    const QColor under = before.pixelColor(c), shown = after.pixelColor(c);
    const QColor water(QStringLiteral("#1f78d1"));
    QVERIFY2(std::abs(shown.blue() - (0.6 * water.blue() + 0.4 * under.blue())) <= 3 &&
                 std::abs(shown.red() - (0.6 * water.red() + 0.4 * under.red())) <= 3,
             qPrintable(QStringLiteral("%1 over %2").arg(shown.name(), under.name())));
  }

  void brushStrokeIsStoredWhenItEnds() {
    press(Qt::Key_B);
    QCOMPARE(dock()->tool(), LabelTool::Brush);
    press(Qt::Key_1);  // No water (0)
    QCOMPARE(dock()->currentClass(), 0);
    dock()->setBrushRadius(2);
    press(Qt::Key_BracketRight);  // 2 * 1.25
    QCOMPARE(dock()->brushRadius(), 2.5);
    press(Qt::Key_BracketLeft);
    QCOMPARE(dock()->brushRadius(), 2.0);
    // The circle cursor spans the brush: radius 2 px at 4 screen px per pixel.
    QCOMPARE(canvas()->brushRadius() / canvas()->resolution(), 8.0);
    const QPoint c = centre();
    mStroke = {c + QPoint(-260, 170), c + QPoint(-200, 190), c + QPoint(-120, 200), c + QPoint(-40, 185)};
    auto* status = mWindow->findChild<QLabel*>(QStringLiteral("labelSaveState"));
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, mStroke.front());
    for (size_t i = 1; i < mStroke.size(); ++i) QTest::mouseMove(canvas(), mStroke[i]);
    QCOMPARE(status->text(), QStringLiteral("Drawing…"));
    QVERIFY(dock()->editor()->hasUnsavedChanges());
    test::keepScreenshot(mWindow.get(), "labeling-stroke-in-progress.png");
    QVERIFY(mCheck->maskTiles(mSetId).empty());  // nothing stored mid-stroke
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, mStroke.back());
    QCOMPARE(status->text(), QStringLiteral("All label edits saved"));
    QVERIFY(!mCheck->maskTiles(mSetId).empty());
    for (const QPoint& pixel : strokePixels()) QCOMPARE(int(storedValue(pixel)), 0);
    // Two pixels beyond the radius the brush left nothing.
    const QPoint below = pixelUnder(mStroke[1]) + QPoint(0, 4);
    QCOMPARE(int(storedValue(below)), 255);
    QCOMPARE(plain(editMenuAction(QStringLiteral("Undo"))->text()), QStringLiteral("Undo brush stroke"));
    QVERIFY(waitForRender());
    test::keepScreenshot(mWindow.get(), "labeling-window.png");
    test::keepScreenshot(canvas(), "labeling-overlay.png");
    if (auto* labels = mWindow->findChild<QDockWidget*>(QStringLiteral("labelDock")))
      test::keepScreenshot(labels, "labeling-dock.png");
  }

  void undoAndRedoGoThroughTheEditMenu() {
    QAction* undo = editMenuAction(QStringLiteral("Undo"));
    QAction* redo = editMenuAction(QStringLiteral("Redo"));
    QVERIFY(undo && redo);
    QVERIFY(!redo->isEnabled());
    undo->trigger();  // the stroke
    QVERIFY(mCheck->maskTiles(mSetId).empty());
    for (const QPoint& pixel : strokePixels()) QCOMPARE(int(storedValue(pixel)), 255);
    QVERIFY(ringEquals(storedRing(), mExpectedRing));
    QCOMPARE(plain(undo->text()), QStringLiteral("Undo polygon"));
    QCOMPARE(plain(redo->text()), QStringLiteral("Redo brush stroke"));
    undo->trigger();  // the polygon
    QVERIFY(mCheck->polygons(mSetId).empty());
    QVERIFY(!undo->isEnabled());
    QCOMPARE(int(storedValue(pixelUnder(centre()))), 255);
    redo->trigger();  // the polygon again, same corners
    QVERIFY(ringEquals(storedRing(), mExpectedRing));
    QVERIFY(mCheck->maskTiles(mSetId).empty());
    QCOMPARE(int(storedValue(pixelUnder(centre()))), 1);
    press(Qt::Key_Y, Qt::ControlModifier);  // the other redo shortcut: the stroke again
    QVERIFY(!redo->isEnabled());
    for (const QPoint& pixel : strokePixels()) QCOMPARE(int(storedValue(pixel)), 0);
    QVERIFY(ringEquals(storedRing(), mExpectedRing));
    press(Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(mCheck->maskTiles(mSetId).empty());
    press(Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(!mCheck->maskTiles(mSetId).empty());
  }

  void escapeDropsTheDrawingInProgress() {
    const size_t polygons = mCheck->polygons(mSetId).size();
    const auto tiles = mCheck->maskTiles(mSetId);
    press(Qt::Key_P);
    const QPoint c = centre();
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, c + QPoint(200, -200));
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, c + QPoint(260, -200));
    QCOMPARE(canvas()->polygon().size(), size_t(2));
    press(Qt::Key_Escape);
    QVERIFY(canvas()->polygon().empty());
    press(Qt::Key_Return);
    QCOMPARE(mCheck->polygons(mSetId).size(), polygons);

    press(Qt::Key_E);  // an eraser stroke dropped halfway leaves the labels as they were
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, mStroke[0]);
    QTest::mouseMove(canvas(), mStroke[2]);
    QVERIFY(dock()->editor()->strokeActive());
    QCOMPARE(int(dock()->editor()->valueAt(pixelUnder(mStroke[1]).x(), pixelUnder(mStroke[1]).y())), 255);
    press(Qt::Key_Escape);
    QVERIFY(!dock()->editor()->strokeActive());
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, mStroke[2]);
    QCOMPARE(int(dock()->editor()->valueAt(pixelUnder(mStroke[1]).x(), pixelUnder(mStroke[1]).y())), 0);
    QCOMPARE(mCheck->maskTiles(mSetId).size(), tiles.size());
    QCOMPARE(mWindow->findChild<QLabel*>(QStringLiteral("labelSaveState"))->text(), QStringLiteral("All label edits saved"));
  }

  void selectAndDeleteRemovesAPolygon() {
    press(Qt::Key_V);
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Identify);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, centre());
    QVERIFY(dock()->selectedPolygon() != 0);
    QVERIFY(dock()->deletePolygonAction()->isEnabled());
    press(Qt::Key_Delete);
    QVERIFY(mCheck->polygons(mSetId).empty());
    QCOMPARE(dock()->selectedPolygon(), int64_t(0));
    QCOMPARE(plain(editMenuAction(QStringLiteral("Undo"))->text()), QStringLiteral("Undo delete polygon"));
    editMenuAction(QStringLiteral("Undo"))->trigger();
    QVERIFY(ringEquals(storedRing(), mExpectedRing));
  }

  void rectangleAndEraserDrags() {
    press(Qt::Key_R);
    press(Qt::Key_2);
    const QPoint c = centre();
    const QPoint a = c + QPoint(200, -250), b = c + QPoint(330, -170);
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, a);
    QTest::mouseMove(canvas(), (a + b) / 2);
    QTest::mouseMove(canvas(), b);
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, b);
    const auto polygons = mCheck->polygons(mSetId);
    QCOMPARE(int(polygons.size()), 2);
    const MapPoint p = snappedCorner(a), q = snappedCorner(b);
    const std::vector<MapPoint> expected = {p, {q.x, p.y}, q, {p.x, q.y}};
    QVERIFY(ringEquals(storedRing(1), expected));
    // The eraser clears the rectangle's middle.
    press(Qt::Key_E);
    const QPoint middle = (a + b) / 2;
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, middle);
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, middle);
    QCOMPARE(int(storedValue(pixelUnder(middle))), 255);
    QCOMPARE(int(storedValue(pixelUnder(a + QPoint(6, 6)))), 1);
  }

  void lassoStoresTheOutline() {
    press(Qt::Key_L);
    const QPoint c = centre();
    const size_t before = mCheck->polygons(mSetId).size();
    const QPoint start = c + QPoint(-330, -260);
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, start);
    for (int angle = 10; angle <= 360; angle += 10) {
      const double radians = angle * M_PI / 180;
      QTest::mouseMove(canvas(), start + QPoint(int(40 - 40 * std::cos(radians)), int(40 * std::sin(radians))));
    }
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, start);
    QCOMPARE(mCheck->polygons(mSetId).size(), before + 1);
    QCOMPARE(int(storedValue(pixelUnder(start + QPoint(40, 0)))), 1);
  }

  void magicWandAndSuperpixelLabelRegions() {
    // Away from the other labels, at one screen pixel per scene pixel.
    canvas()->setView(grid().pixelToMap(120.5, 400.5), grid().pixelWidth());
    QVERIFY(waitForRender());
    QStringList timings;
    auto connection = connect(dock(), &LabelDock::message, this, [&](const QString&, const QString& text) {
      if (text.contains(QStringLiteral(" ms)"))) timings << text;
    });
    QSignalSpy filled(dock(), &LabelDock::regionFilled);
    press(Qt::Key_W);
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Pick);
    const QPoint seed = centre();
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, seed);
    QVERIFY(filled.wait(20000));
    QCOMPARE(filled.takeFirst().at(0).toBool(), true);
    QCOMPARE(int(storedValue(pixelUnder(seed))), 1);
    QCOMPARE(plain(editMenuAction(QStringLiteral("Undo"))->text()), QStringLiteral("Undo magic wand"));

    press(Qt::Key_S);
    press(Qt::Key_1);
    const QPoint other = centre() + QPoint(-60, -90);
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, other);
    QVERIFY(filled.wait(20000));
    QCOMPARE(filled.takeFirst().at(0).toBool(), true);
    QCOMPARE(int(storedValue(pixelUnder(other))), 0);
    // A second superpixel of the same block reuses its segmentation.
    QTest::mouseClick(canvas(), Qt::LeftButton, Qt::NoModifier, other + QPoint(30, 0));
    QVERIFY(filled.wait(20000));
    QCOMPARE(plain(editMenuAction(QStringLiteral("Undo"))->text()), QStringLiteral("Undo superpixel"));
    disconnect(connection);
    for (const QString& timing : timings) qInfo("%s", qPrintable(timing));
    QCOMPARE(timings.size(), 3);
    QVERIFY(waitForRender());
    test::keepScreenshot(canvas(), "labeling-regions.png");
    labelView();
  }

  void cleanUpErasesASpeckAsOneUndoableEdit() {
    // A stray 2 x 2 speck far from the other labels.
    dock()->editor()->fillRegion(1, PixelRegion{{3, 3, 2, 2}, std::vector<uint8_t>(4, 1)}, "magic wand");
    QCOMPARE(int(storedValue(QPoint(4, 4))), 1);
    bool done = false;
    QTimer::singleShot(0, this, [&] {
      auto* dialog = qobject_cast<LabelCleanupDialog*>(QApplication::activeModalWidget());
      QVERIFY(dialog);
      dialog->findChild<QSpinBox*>(QStringLiteral("cleanMinRegion"))->setValue(10);
      dialog->findChild<QSpinBox*>(QStringLiteral("cleanSmooth"))->setValue(0);
      test::keepScreenshot(dialog, "labeling-clean-up.png");
      dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
      done = true;
    });
    QSignalSpy messages(dock(), &LabelDock::message);
    press(Qt::Key_U, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(done);
    QCOMPARE(int(storedValue(QPoint(4, 4))), 255);
    QCOMPARE(plain(editMenuAction(QStringLiteral("Undo"))->text()), QStringLiteral("Undo clean up (min 10 px)"));
    QVERIFY(!messages.isEmpty());
    QVERIFY2(messages.last().at(1).toString().contains(QStringLiteral("changed")), qPrintable(messages.last().at(1).toString()));
    press(Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(int(storedValue(QPoint(4, 4))), 1);
  }

  void catalogFiltersByLabelState() {
    CatalogDock* catalog = mWindow->catalog();
    catalog->setLabelStateFilter("draft");
    QCOMPARE(catalog->sceneCount(), 1);
    catalog->setLabelStateFilter("validated");
    QCOMPARE(catalog->sceneCount(), 0);
    catalog->setLabelStateFilter("");
    QCOMPARE(catalog->sceneCount(), 16);
  }

  void validatedLabelsCannotBeEdited() {
    // The palette shows the set's pixels (and area) per class, as the project counts them.
    {
      const LabelStats stats = mCheck->stats(mSetId);
      auto* palette = dock()->findChild<QListWidget*>(QStringLiteral("classPalette"));
      int shown = 0;
      for (int row = 0; row < palette->count(); ++row) {
        const int value = palette->item(row)->data(Qt::UserRole).toInt();
        const auto found = stats.pixelsPerValue.find(value);
        const qlonglong expected = found == stats.pixelsPerValue.end() ? 0 : found->second;
        QCOMPARE(palette->item(row)->data(Qt::UserRole + 1).toLongLong(), expected);
        if (expected > 0) {
          QVERIFY2(palette->item(row)->text().contains(QStringLiteral(" ha")), qPrintable(palette->item(row)->text()));
          ++shown;
        }
      }
      QVERIFY(shown > 0);
    }
    press(Qt::Key_B);
    QCOMPARE(dock()->tool(), LabelTool::Brush);
    // Submitting asks first; Cancel changes nothing.
    test::answerNextMessageBox(QStringLiteral("reviewConfirmation"), QMessageBox::Cancel);
    dock()->reviewAction(ReviewAction::Submit)->trigger();
    QCOMPARE(mCheck->labelSet(mSetId).state, ReviewState::Draft);
    test::answerNextMessageBox(QStringLiteral("reviewConfirmation"));
    dock()->reviewAction(ReviewAction::Submit)->trigger();
    QCOMPARE(mCheck->labelSet(mSetId).state, ReviewState::Submitted);
    QVERIFY(!dock()->toolAction(LabelTool::Brush)->isEnabled());
    QCOMPARE(dock()->tool(), LabelTool::Select);
    // The author does not review their own labels, unless the project allows it.
    QVERIFY(!dock()->reviewAction(ReviewAction::Validate)->isEnabled());
    QVERIFY(dock()->reviewAction(ReviewAction::Validate)->toolTip().contains(QStringLiteral("someone else reviews it")));
    dock()->selfReviewAction()->trigger();
    QVERIFY(dock()->reviewAction(ReviewAction::Validate)->isEnabled());
    test::answerNextMessageBox(QStringLiteral("reviewConfirmation"));
    dock()->reviewAction(ReviewAction::Validate)->trigger();
    const LabelSet stored = mCheck->labelSet(mSetId);
    QCOMPARE(stored.state, ReviewState::Validated);
    QVERIFY(!stored.reviewer.empty());
    for (QAction* action : dock()->toolActions()) {
      if (action == dock()->toolAction(LabelTool::Select)) {
        QVERIFY(action->isEnabled());
        continue;
      }
      QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
      QVERIFY2(action->toolTip().contains(QStringLiteral("reopen to edit")), qPrintable(action->toolTip()));
    }
    QVERIFY(!editMenuAction(QStringLiteral("Undo"))->isEnabled());
    QVERIFY(!dock()->reviewAction(ReviewAction::Submit)->isEnabled());
    QVERIFY(dock()->reviewAction(ReviewAction::Reopen)->isEnabled());
    // The shortcut of a disabled tool does nothing.
    press(Qt::Key_P);
    QCOMPARE(dock()->tool(), LabelTool::Select);
    QCOMPARE(canvas()->tool(), MapCanvas::Tool::Identify);
    mWindow->catalog()->setLabelStateFilter("validated");
    QCOMPARE(mWindow->catalog()->sceneCount(), 1);
    mWindow->catalog()->setLabelStateFilter("");
    QVERIFY(waitForRender());
    test::keepScreenshot(mWindow.get(), "labeling-validated.png");
    if (auto* labels = mWindow->findChild<QDockWidget*>(QStringLiteral("labelDock")))
      test::keepScreenshot(labels, "labeling-dock-validated.png");
    // Reopened, it takes edits again.
    dock()->reviewAction(ReviewAction::Reopen)->trigger();
    QCOMPARE(mCheck->labelSet(mSetId).state, ReviewState::Draft);
    QVERIFY(dock()->toolAction(LabelTool::Brush)->isEnabled());
  }

  void rejectedLabelsCanBeFixed() {
    test::answerNextMessageBox(QStringLiteral("reviewConfirmation"));
    dock()->reviewAction(ReviewAction::Submit)->trigger();
    dock()->review(ReviewAction::Reject, QStringLiteral("The river is not water here: check the SWIR bands."));
    LabelSet stored = mCheck->labelSet(mSetId);
    QCOMPARE(stored.state, ReviewState::Rejected);
    QCOMPARE(stored.comment, std::string("The river is not water here: check the SWIR bands."));
    QVERIFY(dock()->findChild<QLabel*>(QStringLiteral("reviewDetails"))->text().contains(QStringLiteral("SWIR bands")));
    QVERIFY(dock()->toolAction(LabelTool::Brush)->isEnabled());  // rejected sets are fixed in place
    QVERIFY(dock()->reviewAction(ReviewAction::Submit)->isEnabled());
    press(Qt::Key_B);
    press(Qt::Key_1);
    const int64_t revision = mCheck->labelSet(mSetId).revision;
    QTest::mousePress(canvas(), Qt::LeftButton, Qt::NoModifier, centre());
    QTest::mouseRelease(canvas(), Qt::LeftButton, Qt::NoModifier, centre());
    QCOMPARE(mCheck->labelSet(mSetId).revision, revision + 1);
    QCOMPARE(int(storedValue(pixelUnder(centre()))), 0);
    // The review box shows the state the project holds.
    const QString shown = stateNameShown();
    QVERIFY2(shown.contains(QLatin1String(reviewStateName(mCheck->labelSet(mSetId).state)), Qt::CaseInsensitive),
             qPrintable(shown));
    editMenuAction(QStringLiteral("Undo"))->trigger();
    dock()->reviewAction(ReviewAction::Reopen)->trigger();
  }

  void schemeEditorSavesOrSaysWhy() {
    bool done = false;
    QTimer::singleShot(0, this, [&] {
      auto* dialog = qobject_cast<SchemeEditorDialog*>(QApplication::activeModalWidget());
      QVERIFY(dialog);
      QTableWidget* table = dialog->table();
      QCOMPARE(table->rowCount(), 2);
      table->item(1, 1)->setText(QStringLiteral("Open water"));
      table->item(1, 2)->setText(QStringLiteral("#00a0ff"));
      dialog->addClass();
      QCOMPARE(table->rowCount(), 3);
      QCOMPARE(table->item(2, 0)->text(), QStringLiteral("2"));
      table->item(2, 1)->setText(QStringLiteral("Flooded vegetation"));
      dialog->ignoreValue()->setValue(2);  // a class uses it: refused, said in the dialog
      QVERIFY(!dialog->save());
      QVERIFY2(dialog->errorLabel()->text().contains(QStringLiteral("ignore value")),
               qPrintable(dialog->errorLabel()->text()));
      QTest::qWait(50);  // let the message lay out
      test::keepScreenshot(dialog, "labeling-scheme-editor.png");
      dialog->ignoreValue()->setValue(255);
      dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save)->click();
      done = true;
    });
    dock()->editSchemeAction()->trigger();
    QVERIFY(done);
    const ClassScheme scheme = mCheck->scheme("flood");
    QCOMPARE(int(scheme.classes.size()), 3);
    QCOMPARE(scheme.find(1)->name, std::string("Open water"));
    QCOMPARE(scheme.find(1)->color, std::string("#00a0ff"));
    // The palette and the class keys follow.
    auto* palette = dock()->findChild<QListWidget*>(QStringLiteral("classPalette"));
    QCOMPARE(palette->count(), 3);
    QVERIFY(palette->item(1)->text().contains(QStringLiteral("Open water")));
    press(Qt::Key_3);
    QCOMPARE(dock()->currentClass(), 2);
  }

  void labelLayerFollowsTheSceneShown() {
    // Another date of the tile: no labels there yet; back again, the set reopens.
    const std::string labelled = scene().id;
    std::string otherDate;
    for (const Scene& s : mCheckProject->scenes())
      if (s.tile == scene().tile && s.id != labelled) otherDate = s.id;
    QVERIFY(!otherDate.empty());
    QVERIFY(mWindow->showDate(QString::fromStdString(otherDate)));
    QCOMPARE(dock()->sceneId(), otherDate);
    QVERIFY(!dock()->editor());
    QVERIFY(!dock()->overlay()->hasRaster());
    QVERIFY(mWindow->showDate(QString::fromStdString(labelled)));
    QVERIFY(dock()->editor());
    QCOMPARE(dock()->editor()->labelSet().id, mSetId);
  }

  void cleanupTestCase() {
    mCheck.reset();
    mCheckProject.reset();
    mWindow.reset();
  }
};

QTEST_MAIN(TestLabeling)
#include "test_labeling.moc"
