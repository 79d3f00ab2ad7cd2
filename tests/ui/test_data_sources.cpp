// The Data Sources dock in a real window against loopback servers that behave like NASA
// CMR-STAC and LP DAAC (tests/core/fixtures): a new project opens on the dock; a search by MGRS
// tile lists every granule with its cloud cover and draws the footprints; the cloud limit
// filters; hovering a row or a footprint highlights both; Add without a login says "Earthdata
// login failed" and adds nothing; the sign-in dialog keeps the token in the keyring (or, with no
// keyring, for the session) and never in the settings or the project; Add streams the granule,
// Download fetches the rest and switches the streamed one to its copy, Add as Time Series shows
// the tile's profile; the form is remembered.
//
// Run twice by CTest: without a Secret Service (the token stays for the session) and inside a
// private D-Bus session with gnome-keyring (PRITHVI_EXPECT_KEYRING=1: the token is stored and
// read back by a new window).
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QJsonArray>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <algorithm>

#include "core/project/ProjectStore.h"
#include "core/raster/RemoteRasters.h"
#include "tests/support/GuiTestSupport.h"
#include "tests/support/StacFixture.h"
#include "tests/support/TestSupport.h"
#include "ui/DataSourcesDock.h"
#include "ui/EarthdataLogin.h"
#include "ui/MainWindow.h"
#include "ui/TimeSeriesDock.h"
#include "ui/VectorLayersPanel.h"

using namespace prithvi;
using test::HlsDataServer;
using test::StacFixtureServer;

class TestDataSources : public QObject {
  Q_OBJECT
  QTemporaryDir mDir;
  QString mGranules;
  const QString mToken = QStringLiteral("gui-token-51c9");
  std::unique_ptr<HlsDataServer> mData;
  std::unique_ptr<StacFixtureServer> mStac;
  std::unique_ptr<MainWindow> mWindow;
  QString mProject;

  DataSourcesDock* dock() { return mWindow->dataSources(); }
  template <typename T>
  T* child(const char* name) {
    T* widget = mWindow->findChild<T*>(QString::fromLatin1(name));
    if (!widget) qWarning("no widget %s", name);
    return widget;
  }
  QTableWidget* table() { return child<QTableWidget>("stacResultsTable"); }
  void click(const char* name) { QTest::mouseClick(child<QPushButton>(name), Qt::LeftButton); }
  bool searchWith(int maxCloud) {
    child<QSpinBox>("stacCloudSpin")->setValue(maxCloud);
    QSignalSpy finished(dock(), &DataSourcesDock::searchFinished);
    click("stacSearchButton");
    return finished.wait(30000) && finished.front().at(1).toString().isEmpty();
  }
  // Selects the rows of these granule ids (and only them).
  void selectGranules(const QStringList& ids) {
    table()->clearSelection();
    for (int row = 0; row < table()->rowCount(); ++row)
      if (ids.contains(table()->item(row, 5)->text()))
        table()->selectionModel()->select(table()->model()->index(row, 0),
                                          QItemSelectionModel::Select | QItemSelectionModel::Rows);
  }
  std::vector<Scene> projectScenes() { return ProjectStore::open(mProject.toStdString())->scenes(); }
  bool rowHighlighted(int row) { return table()->item(row, 1)->background().style() != Qt::NoBrush; }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QStandardPaths::setTestModeEnabled(true);
    // The two CTest runs of this program may run at once: each keeps its own settings.
    if (qEnvironmentVariableIsSet("PRITHVI_EXPECT_KEYRING"))
      QCoreApplication::setApplicationName(QCoreApplication::applicationName() + QStringLiteral("-keyring"));
    QSettings().clear();
    mGranules = mDir.filePath(QStringLiteral("served"));
    const auto synth = test::runPrithvi({QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--tile"), QStringLiteral("T13REN"),
                                         QStringLiteral("--dates"), QStringLiteral("3"), QStringLiteral("--size"), QStringLiteral("256"),
                                         QStringLiteral("--out"), mGranules});
    QVERIFY2(synth.code == 0, synth.err.constData());
    HlsDataServer::Options data;
    data.root = mGranules;
    data.token = mToken;
    data.ursLogin = QStringLiteral("alice:s3cret");  // for the ~/.netrc sign-in
    mData = std::make_unique<HlsDataServer>(data);
    QVERIFY2(mData->error().isEmpty(), qPrintable(mData->error()));
    StacFixtureServer::Options stac;
    stac.granulesDir = mGranules;
    stac.dataUrl = mData->url();
    mStac = std::make_unique<StacFixtureServer>(stac);
    QVERIFY2(mStac->error().isEmpty(), qPrintable(mStac->error()));
    // The loopback data host gets the token as NASA's would.
    qputenv("PRITHVI_EARTHDATA_HOSTS", QUrl(mData->url()).authority().toUtf8());
    qunsetenv("EARTHDATA_TOKEN");
    mProject = mDir.filePath(QStringLiteral("fresh/flood.gpkg"));
    QVERIFY(QDir().mkpath(mDir.filePath(QStringLiteral("fresh"))));
    ProjectStore::create(mProject.toStdString());
    mWindow = std::make_unique<MainWindow>();
    mWindow->resize(1600, 1000);
    mWindow->show();
    QVERIFY(QTest::qWaitForWindowExposed(mWindow.get()));
    QVERIFY(QTest::qWaitFor([&] { return !mWindow->earthdataLogin()->busy(); }, 10000));
    QVERIFY(mWindow->openProject(mProject));
  }

  // A project without scenes opens on the dock, in front of the catalog.
  void newProjectShowsTheDock() {
    auto* dockWidget = mWindow->findChild<QDockWidget*>(QStringLiteral("dataSourcesDock"));
    QVERIFY(dockWidget);
    QVERIFY(QTest::qWaitFor([&] { return !dock()->visibleRegion().isEmpty(); }, 5000));
    QVERIFY(dock()->width() >= 300);
    QCOMPARE(mWindow->earthdataLogin()->token().has_value(), false);
    QVERIFY(child<QLabel>("earthdataLoginLabel")->text().contains(QStringLiteral("not signed in")));
    // The first time, the area is a tile: the empty map has no view to search.
    QCOMPARE(child<QComboBox>("stacAreaCombo")->currentData().toInt(), int(DataSourcesDock::Area::Tile));
  }

  void searchesByTileAndFiltersCloud() {
    auto* source = child<QComboBox>("stacSourceCombo");
    source->setCurrentIndex(source->findData(QString()));
    QVERIFY(child<QLineEdit>("stacUrlEdit")->isVisible());
    child<QLineEdit>("stacUrlEdit")->clear();
    QTest::keyClicks(child<QLineEdit>("stacUrlEdit"), mStac->url());
    auto* area = child<QComboBox>("stacAreaCombo");
    area->setCurrentIndex(area->findData(int(DataSourcesDock::Area::Tile)));
    child<QLineEdit>("stacTileEdit")->clear();
    QTest::keyClicks(child<QLineEdit>("stacTileEdit"), QStringLiteral("t13ren"));
    child<QDateEdit>("stacFromDate")->setDate(QDate(2013, 4, 1));
    child<QDateEdit>("stacToDate")->setDate(QDate::currentDate());
    QVERIFY(searchWith(100));
    QCOMPARE(table()->rowCount(), 3);
    QCOMPARE(int(dock()->results().size()), 3);
    // The filters fold into one line so that the results get the height; "Filters" brings them back.
    QVERIFY(!child<QWidget>("stacFilters")->isVisible());
    QVERIFY2(child<QLabel>("stacSummaryLabel")->text().contains(QStringLiteral("tile 13REN")),
             qPrintable(child<QLabel>("stacSummaryLabel")->text()));
    QTest::mouseClick(child<QToolButton>("stacFiltersToggle"), Qt::LeftButton);
    QVERIFY(child<QWidget>("stacFilters")->isVisible());
    std::vector<double> clouds;
    for (const StacGranule& granule : dock()->results()) {
      QCOMPARE(granule.tile, std::string("13REN"));
      QVERIFY(granule.cloudCover);
      clouds.push_back(*granule.cloudCover);
    }
    for (int row = 0; row < 3; ++row) {
      QVERIFY(table()->item(row, 5)->text().startsWith(QStringLiteral("HLS.")));
      QCOMPARE(table()->item(row, 4)->text(), QStringLiteral("13REN"));
    }
    // The loopback data host serves no browse images: each preview cell says why it is empty.
    QVERIFY(QTest::qWaitFor([&] {
      for (int row = 0; row < 3; ++row)
        if (!table()->item(row, 0)->toolTip().startsWith(QStringLiteral("No preview"))) return false;
      return true;
    }, 10000));
    // The map showed nothing: it went to the footprints, in lon/lat.
    QCOMPARE(mWindow->canvas()->mapCrs(), std::string("EPSG:4326"));
    test::keepScreenshot(mWindow.get(), "data-sources-results.png");

    // The cloud limit: only the granules at or under it.
    std::sort(clouds.begin(), clouds.end());
    const int limit = int(std::floor(clouds[1]));
    QVERIFY(searchWith(limit));
    const int expected = int(std::count_if(clouds.begin(), clouds.end(), [&](double c) { return c <= limit; }));
    QCOMPARE(table()->rowCount(), expected);
    for (const StacGranule& granule : dock()->results()) QVERIFY(*granule.cloudCover <= limit);
    QVERIFY(searchWith(100));
    QCOMPARE(table()->rowCount(), 3);
  }

  // Hovering a row highlights its footprint; hovering a footprint highlights its row.
  void hoverLinksTableAndMap() {
    // The pointer over row 1 (a move event as the viewport gets it: Xvfb has no window manager
    // to give the window the pointer).
    const QPoint overRow = table()->visualItemRect(table()->item(1, 1)).center();
    QMouseEvent move(QEvent::MouseMove, overRow, table()->viewport()->mapToGlobal(overRow), Qt::NoButton, Qt::NoButton,
                     Qt::NoModifier);
    QApplication::sendEvent(table()->viewport(), &move);
    QVERIFY(QTest::qWaitFor([&] { return rowHighlighted(1); }, 3000));
    QVERIFY(!rowHighlighted(0));
    // Leaving the rows ends it (the footprint would otherwise veil the map).
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(table()->viewport(), &leave);
    QVERIFY(!rowHighlighted(1));
    // The granules of one tile share their footprint: the pointer at its centre on the map
    // highlights the one drawn on top (the last found) and its row only.
    const auto& ring = dock()->results().back().footprint.front();
    double lon = 0, lat = 0;
    for (const LonLat& point : ring) lon += point.lon / ring.size(), lat += point.lat / ring.size();
    Q_EMIT mWindow->canvas()->cursorMoved(lon, lat);
    int topRow = -1;
    for (int row = 0; row < 3; ++row)
      if (table()->item(row, 1)->data(Qt::UserRole + 1).toInt() == 2) topRow = row;
    for (int row = 0; row < 3; ++row) QCOMPARE(rowHighlighted(row), row == topRow);
    // Outside every footprint, and off the map: nothing.
    Q_EMIT mWindow->canvas()->cursorMoved(lon + 10, lat);
    for (int row = 0; row < 3; ++row) QVERIFY(!rowHighlighted(row));
  }

  // Without a login the data host refuses: the window says so and offers to sign in.
  void addWithoutLoginSaysWhatToDo() {
    selectGranules({table()->item(0, 5)->text()});
    QVERIFY(child<QPushButton>("stacAddButton")->isEnabled());
    QString shown;
    auto* timer = new QTimer(this);
    timer->setInterval(50);
    connect(timer, &QTimer::timeout, this, [&shown, timer] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      shown = box->text();
      timer->stop();
      box->button(QMessageBox::Cancel)->click();
    });
    timer->start();
    QSignalSpy finished(mWindow.get(), &MainWindow::archiveFetchFinished);
    click("stacAddButton");
    QVERIFY(finished.wait(30000) || finished.size() == 1);
    delete timer;
    QVERIFY2(shown.contains(QStringLiteral("Earthdata login failed")), qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("sign in with Data Sources")), qPrintable(shown));
    QCOMPARE(finished.front().at(0).toInt(), 0);
    QCOMPARE(int(projectScenes().size()), 0);
  }

  void signInKeepsTheTokenOutOfFiles() {
    click("earthdataSignInOpenButton");
    auto* dialog = mWindow->findChild<QDialog*>(QStringLiteral("earthdataSignInDialog"));
    QVERIFY(QTest::qWaitFor([&] { return dialog && dialog->isVisible(); }, 3000));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("earthdataTokenEdit")), mToken);
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("earthdataSignInButton")), Qt::LeftButton);
    EarthdataLogin* login = mWindow->earthdataLogin();
    QVERIFY(QTest::qWaitFor([&] { return login->token().has_value() && !login->busy(); }, 10000));
    QCOMPARE(QString::fromStdString(*login->token()), mToken);
    const bool keyring = qEnvironmentVariableIsSet("PRITHVI_EXPECT_KEYRING");
    QCOMPARE(login->source(), keyring ? EarthdataLogin::Source::Keyring : EarthdataLogin::Source::Session);
    if (keyring) QVERIFY(QTest::qWaitFor([&] { return !dialog || !dialog->isVisible(); }, 3000));  // closes itself
    else {
      QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("earthdataStatus"))->text().contains(QStringLiteral("not stored")));
      dialog->close();
    }
    QVERIFY(child<QLabel>("earthdataLoginLabel")->text().contains(QStringLiteral("signed in")));
    QSettings settings;
    settings.sync();
    QFile file(settings.fileName());
    if (file.open(QIODevice::ReadOnly)) QVERIFY(!file.readAll().contains(mToken.toUtf8()));
  }

  // Add streams the granule: a scene whose bands are read over HTTP, shown on the map.
  void addStreamsTheGranule() {
    const QString id = table()->item(0, 5)->text();
    selectGranules({id});
    QSignalSpy finished(mWindow.get(), &MainWindow::archiveFetchFinished);
    click("stacAddButton");
    QVERIFY(finished.wait(60000));
    QVERIFY2(finished.front().at(1).toString().isEmpty(), qPrintable(finished.front().at(1).toString()));
    QCOMPARE(finished.front().at(0).toInt(), 1);
    const std::vector<Scene> scenes = projectScenes();
    QCOMPARE(int(scenes.size()), 1);
    QCOMPARE(QString::fromStdString(scenes.front().id), id);
    for (const SceneBand& band : scenes.front().bands) QVERIFY2(isRemoteRasterPath(band.path), band.path.c_str());
    QCOMPARE(int(mWindow->layers()->layers().size()), 1);
    QVERIFY(mWindow->canvas()->mapCrs() != "EPSG:4326");  // the scene's UTM zone now
    QVERIFY(QTest::qWaitFor([&] { return mWindow->canvas()->isRenderComplete(); }, 60000));
    test::keepScreenshot(mWindow.get(), "data-sources-streamed.png");
  }

  // A vector layer as the area (its context menu), e.g. a field boundary file: its polygons.
  void searchesOverAVectorLayer() {
    const auto& ring = dock()->results().front().footprint.front();
    double lon = 0, lat = 0;
    for (const LonLat& point : ring) lon += point.lon / ring.size(), lat += point.lat / ring.size();
    const QString path = mDir.filePath(QStringLiteral("field.geojson"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":
      {"type":"Polygon","coordinates":[[[%1,%2],[%3,%2],[%3,%4],[%1,%4],[%1,%2]]]}}]})")
                   .arg(lon - 0.02, 0, 'f', 6).arg(lat - 0.02, 0, 'f', 6).arg(lon + 0.02, 0, 'f', 6).arg(lat + 0.02, 0, 'f', 6)
                   .toUtf8());
    file.close();
    QSignalSpy added(mWindow->vectorLayers(), &VectorLayersPanel::added);
    mWindow->addVectorLayer(path);
    QVERIFY(added.wait(10000));
    QMenu* menu = mWindow->vectorLayers()->contextMenuFor(0);
    auto* action = menu->findChild<QAction*>(QStringLiteral("vectorSearchArchiveAction"));
    QVERIFY(action);
    action->trigger();
    QCOMPARE(child<QComboBox>("stacAreaCombo")->currentData().toInt(), int(DataSourcesDock::Area::DrawnBox));
    QVERIFY2(child<QLabel>("stacBoxLabel")->text().contains(QStringLiteral("field.geojson")), qPrintable(child<QLabel>("stacBoxLabel")->text()));
    QVERIFY2(child<QLabel>("stacBoxLabel")->text().contains(QStringLiteral("polygons")), qPrintable(child<QLabel>("stacBoxLabel")->text()));
    // The layer's polygon itself is searched (STAC "intersects"), in lon/lat, not its box.
    const StacSearchRequest request = dock()->request();
    QVERIFY(!request.bbox);
    QVERIFY(request.intersects);
    const QJsonArray outer = request.intersects->value(QStringLiteral("coordinates")).toArray().at(0).toArray();
    QCOMPARE(outer.size(), 5);
    double west = 180, north = -90;
    for (const QJsonValue& point : outer) {
      west = std::min(west, point.toArray().at(0).toDouble());
      north = std::max(north, point.toArray().at(1).toDouble());
    }
    QVERIFY2(std::abs(west - (lon - 0.02)) < 1e-6 && std::abs(north - (lat + 0.02)) < 1e-6,
             qPrintable(QStringLiteral("%1 %2").arg(west).arg(north)));
    QVERIFY(searchWith(100));
    QCOMPARE(table()->rowCount(), 3);
    // Back to the tile for the tests that follow.
    auto* area = child<QComboBox>("stacAreaCombo");
    area->setCurrentIndex(area->findData(int(DataSourcesDock::Area::Tile)));
    delete menu;
  }

  // Download: every selected granule's files into hls/ beside the project; the streamed one
  // switches to its copy.
  void downloadFetchesAndSwitches() {
    QVERIFY(searchWith(100));  // the map moved: the results are searched again by tile
    table()->selectAll();
    QSignalSpy finished(mWindow.get(), &MainWindow::archiveFetchFinished);
    click("stacDownloadButton");
    QVERIFY(finished.wait(120000));
    QVERIFY2(finished.front().at(1).toString().isEmpty(), qPrintable(finished.front().at(1).toString()));
    QCOMPARE(finished.front().at(0).toInt(), 2);
    const QDir hls(mDir.filePath(QStringLiteral("fresh/hls")));
    QCOMPARE(hls.entryList({QStringLiteral("*.tif")}, QDir::Files).size(), 21);
    QVERIFY(hls.entryList({QStringLiteral("*.part")}, QDir::Files).isEmpty());
    const std::vector<Scene> scenes = projectScenes();
    QCOMPARE(int(scenes.size()), 3);
    for (const Scene& scene : scenes)
      for (const SceneBand& band : scene.bands) QVERIFY2(!isRemoteRasterPath(band.path), band.path.c_str());
  }

  void addAsTimeSeriesShowsTheTile() {
    selectGranules({table()->item(2, 5)->text()});
    QSignalSpy loaded(mWindow->timeSeries(), &TimeSeriesDock::loaded);
    QSignalSpy finished(mWindow.get(), &MainWindow::archiveFetchFinished);
    click("stacTimeSeriesButton");
    QVERIFY(finished.wait(60000));
    QVERIFY2(finished.front().at(1).toString().isEmpty(), qPrintable(finished.front().at(1).toString()));
    QVERIFY(loaded.count() > 0 || loaded.wait(30000));
    QVERIFY(!mWindow->timeSeries()->visibleRegion().isEmpty());
    QVERIFY(QTest::qWaitFor([&] { return mWindow->canvas()->isRenderComplete(); }, 60000));
    test::keepScreenshot(mWindow.get(), "data-sources-time-series.png");
  }

  // A new window remembers the form, and (with a keyring) the login.
  void reopenRemembers() {
    mWindow.reset();
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.findChild<QLineEdit*>(QStringLiteral("stacUrlEdit"))->text(), mStac->url());
    QCOMPARE(window.findChild<QLineEdit*>(QStringLiteral("stacTileEdit"))->text(), QStringLiteral("13REN"));  // as searched
    QCOMPARE(window.findChild<QSpinBox*>(QStringLiteral("stacCloudSpin"))->value(), 100);
    EarthdataLogin* login = window.earthdataLogin();
    QVERIFY(QTest::qWaitFor([&] { return !login->busy(); }, 10000));
    if (qEnvironmentVariableIsSet("PRITHVI_EXPECT_KEYRING")) {
      QCOMPARE(login->source(), EarthdataLogin::Source::Keyring);
      QCOMPARE(QString::fromStdString(login->token().value_or("")), mToken);
      // Sign Out removes it from the keyring.
      login->signOut();
      QVERIFY(QTest::qWaitFor([&] { return !login->busy(); }, 10000));
      EarthdataLogin again;
      again.load();
      QVERIFY(QTest::qWaitFor([&] { return !again.busy(); }, 10000));
      QVERIFY(!again.token());
    } else {
      QVERIFY(!login->token());  // kept for the session only
      // Nothing stored, but an Earthdata login in ~/.netrc: it becomes a token, as on the command line.
      const QString netrc = mDir.filePath(QStringLiteral("netrc-file"));
      QFile file(netrc);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write("machine 127.0.0.1 login alice password s3cret\n");
      file.close();
      qputenv("NETRC", netrc.toUtf8());
      qputenv("PRITHVI_URS_URL", mData->url().toUtf8());
      EarthdataLogin fromNetrc;
      fromNetrc.load();
      QVERIFY(QTest::qWaitFor([&] { return fromNetrc.token().has_value(); }, 10000));
      QCOMPARE(QString::fromStdString(*fromNetrc.token()), mToken);
      QCOMPARE(fromNetrc.source(), EarthdataLogin::Source::Netrc);
      QVERIFY(fromNetrc.statusText().contains(QStringLiteral(".netrc")));
      qunsetenv("NETRC");
      qunsetenv("PRITHVI_URS_URL");
    }
  }

  void cleanupTestCase() {
    mWindow.reset();
    setEarthdataCredentials(std::nullopt, {});
  }
};

QTEST_MAIN(TestDataSources)
#include "test_data_sources.moc"
