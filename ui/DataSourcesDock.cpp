#include "ui/DataSourcesDock.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QTimeZone>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/hls/Mgrs.h"
#include "core/raster/Crs.h"
#include "core/stac/StacClient.h"
#include "ui/Async.h"
#include "ui/EarthdataLogin.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

// Cloud cover next to the date: what a user picks granules by.
enum Column { kPreview, kDate, kCloud, kSensor, kTile, kId, kColumns };
constexpr int kIndexRole = Qt::UserRole + 1;  // the granule's index in the results, on the date cell
constexpr int kThumbnailLimit = 200;          // previews fetched per search

}  // namespace

// The found granules' outlines on the map, in the map's CRS: the hovered one filled, the
// selected ones drawn thicker.
class GranuleFootprints : public MapOverlay {
 public:
  explicit GranuleFootprints(const std::vector<StacGranule>* granules) : mGranules(granules) {}

  void reset() {
    mPolygons.clear();
    mCrs.clear();
  }
  void setHovered(int index) { mHovered = index; }
  void setSelected(std::vector<int> indices) { mSelected = std::move(indices); }

  // Each granule's polygons in `crs`, transformed once per CRS.
  const std::vector<std::vector<QPolygonF>>& polygons(const std::string& crs) {
    if (crs != mCrs || mPolygons.size() != mGranules->size()) {
      if (crs != mCrs) mPolygons.clear();
      mCrs = crs;
      if (crs.empty()) return mPolygons;
      LonLatTransform transform(crs);
      for (size_t i = mPolygons.size(); i < mGranules->size(); ++i) {
        std::vector<QPolygonF> rings;
        for (const auto& ring : (*mGranules)[i].footprint) {
          QPolygonF polygon;
          for (const LonLat& point : ring)
            if (const auto mapped = transform.fromLonLat(point)) polygon << QPointF(mapped->x, mapped->y);
          if (polygon.size() >= 3) rings.push_back(polygon);
        }
        mPolygons.push_back(std::move(rings));
      }
    }
    return mPolygons;
  }

  // The granule whose footprint holds the map point (the last drawn, which is on top); -1: none.
  int granuleAt(const std::string& crs, const MapPoint& point) {
    const auto& all = polygons(crs);
    for (int i = int(all.size()) - 1; i >= 0; --i)
      for (const QPolygonF& ring : all[i])
        if (ring.containsPoint(QPointF(point.x, point.y), Qt::OddEvenFill)) return i;
    return -1;
  }

  void paint(QPainter& painter, const MapCanvas& canvas) override {
    const auto& all = polygons(canvas.mapCrs());
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    auto draw = [&](int index, const QColor& line, double width, const QBrush& fill) {
      for (const QPolygonF& ring : all[index]) {
        QPolygonF screen;
        for (const QPointF& point : ring) screen << canvas.mapToPaint({point.x(), point.y()});
        painter.setPen(QPen(line, width));
        painter.setBrush(fill);
        painter.drawPolygon(screen);
      }
    };
    for (int i = 0; i < int(all.size()); ++i) draw(i, QColor(255, 214, 0, 200), 1.0, Qt::NoBrush);
    // Selected: outlined only, so that many selected granules do not veil the imagery.
    for (int i : mSelected)
      if (i >= 0 && i < int(all.size())) draw(i, QColor(0, 170, 255), 2.5, Qt::NoBrush);
    if (mHovered >= 0 && mHovered < int(all.size())) draw(mHovered, QColor(255, 120, 0), 3.0, QColor(255, 120, 0, 45));
    painter.restore();
  }

 private:
  const std::vector<StacGranule>* mGranules;
  std::string mCrs;
  std::vector<std::vector<QPolygonF>> mPolygons;
  int mHovered = -1;
  std::vector<int> mSelected;
};

DataSourcesDock::DataSourcesDock(MapCanvas* canvas, EarthdataLogin* login, QWidget* parent)
    : QWidget(parent), mCanvas(canvas), mLogin(login), mNetwork(new QNetworkAccessManager(this)),
      mFootprints(std::make_unique<GranuleFootprints>(&mResults)) {
  setObjectName(QStringLiteral("dataSourcesPanel"));
  mPool.setMaxThreadCount(1);
  buildForm();
  restoreSettings();
  mCanvas->addOverlay(mFootprints.get());
  connect(mCanvas, &MapCanvas::cursorMoved, this, &DataSourcesDock::onCursorMoved);
  connect(mCanvas, &MapCanvas::cursorLeft, this, [this] { highlight(-1); });
  auto showLogin = [this] {
    mLoginStatus->setText(mLogin->statusText(EarthdataLogin::Brief));
    mLoginStatus->setToolTip(mLogin->statusText());
  };
  connect(mLogin, &EarthdataLogin::changed, this, showLogin);
  showLogin();
  updateActions();
}

DataSourcesDock::~DataSourcesDock() {
  if (mFeedback) mFeedback->cancel();
  mPool.waitForDone();
  if (mCanvas) mCanvas->removeOverlay(mFootprints.get());
}

void DataSourcesDock::buildForm() {
  auto* layout = new QVBoxLayout(this);
  buildFilters(layout);
  buildSearchRow(layout);
  buildResults(layout);
  buildLogin(layout);
}

void DataSourcesDock::buildFilters(QVBoxLayout* layout) {
  // The filters fold away once results arrive, so that the table gets the dock's height on a
  // small screen; "Filters" unfolds them again.
  mFilters = new QWidget(this);
  mFilters->setObjectName(QStringLiteral("stacFilters"));
  auto* form = new QFormLayout(mFilters);
  form->setContentsMargins(0, 0, 0, 0);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  mSource = new QComboBox(this);
  mSource->setObjectName(QStringLiteral("stacSourceCombo"));
  mSource->addItem(tr("NASA Earthdata (CMR-STAC)"), QStringLiteral("nasa"));
  mSource->addItem(tr("Microsoft Planetary Computer"), QStringLiteral("planetary"));
  mSource->addItem(tr("Other STAC API…"), QString());
  form->addRow(tr("Source"), mSource);
  mUrl = new QLineEdit(this);
  mUrl->setObjectName(QStringLiteral("stacUrlEdit"));
  mUrl->setPlaceholderText(tr("https://…/stac (the API's root)"));
  form->addRow(QString(), mUrl);
  connect(mSource, &QComboBox::currentIndexChanged, this, [this] { mUrl->setVisible(mSource->currentData().toString().isEmpty()); });
  mUrl->setVisible(false);

  buildArea(form);
  auto* dates = new QHBoxLayout;
  mFrom = new QDateEdit(this);
  mFrom->setObjectName(QStringLiteral("stacFromDate"));
  mTo = new QDateEdit(this);
  mTo->setObjectName(QStringLiteral("stacToDate"));
  for (QDateEdit* edit : {mFrom, mTo}) {
    edit->setCalendarPopup(true);
    edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    edit->setMinimumDate(QDate(2013, 4, 1));  // HLS begins with Landsat 8
  }
  mTo->setDate(QDate::currentDate());
  mFrom->setDate(QDate::currentDate().addDays(-90));
  dates->addWidget(mFrom);
  dates->addWidget(new QLabel(tr("to"), this));
  dates->addWidget(mTo);
  form->addRow(tr("Dates"), dates);
  mCloud = new QSpinBox(this);
  mCloud->setObjectName(QStringLiteral("stacCloudSpin"));
  mCloud->setRange(0, 100);
  mCloud->setSuffix(tr(" %"));
  mCloud->setValue(30);
  mCloud->setToolTip(tr("Granules with at most this much cloud (100: all)"));
  auto* filters = new QHBoxLayout;
  filters->addWidget(mCloud);
  mLandsat = new QCheckBox(tr("Landsat"), this);
  mLandsat->setToolTip(tr("HLS L30: Landsat 8 and 9"));
  mLandsat->setObjectName(QStringLiteral("stacLandsatCheck"));
  mSentinel = new QCheckBox(tr("Sentinel-2"), this);
  mSentinel->setToolTip(tr("HLS S30: Sentinel-2A, B and C"));
  mSentinel->setObjectName(QStringLiteral("stacSentinelCheck"));
  mLandsat->setChecked(true);
  mSentinel->setChecked(true);
  filters->addWidget(mLandsat);
  filters->addWidget(mSentinel);
  form->addRow(tr("Max cloud"), filters);
  layout->addWidget(mFilters);
  mSummary = new QLabel(this);
  mSummary->setObjectName(QStringLiteral("stacSummaryLabel"));
  mSummary->setWordWrap(true);
  mSummary->hide();
  layout->addWidget(mSummary);

}

// The area: the map's view, a box drawn on the map (or a vector layer's extent), or an MGRS tile.
void DataSourcesDock::buildArea(QFormLayout* form) {
  mArea = new QComboBox(this);
  mArea->setObjectName(QStringLiteral("stacAreaCombo"));
  mArea->addItem(tr("The map's view"), int(Area::MapView));
  mArea->addItem(tr("A box drawn on the map"), int(Area::DrawnBox));
  mArea->addItem(tr("An MGRS tile"), int(Area::Tile));
  form->addRow(tr("Area"), mArea);
  auto* areaRow = new QHBoxLayout;
  mTile = new QLineEdit(this);
  mTile->setObjectName(QStringLiteral("stacTileEdit"));
  mTile->setPlaceholderText(tr("e.g. 13REN"));
  mTile->setMaxLength(6);
  mDraw = new QPushButton(tr("Draw Box"), this);
  mDraw->setObjectName(QStringLiteral("stacDrawBoxButton"));
  mDraw->setToolTip(tr("Drag a rectangle on the map"));
  connect(mDraw, &QPushButton::clicked, this, &DataSourcesDock::drawBoxRequested);
  mBoxText = new QLabel(this);
  mBoxText->setObjectName(QStringLiteral("stacBoxLabel"));
  areaRow->addWidget(mTile);
  areaRow->addWidget(mDraw);
  areaRow->addWidget(mBoxText, 1);
  form->addRow(QString(), areaRow);
  auto showArea = [this] {
    const auto area = Area(mArea->currentData().toInt());
    mTile->setVisible(area == Area::Tile);
    mDraw->setVisible(area == Area::DrawnBox);
    mBoxText->setVisible(area == Area::DrawnBox);
  };
  connect(mArea, &QComboBox::currentIndexChanged, this, showArea);
  showArea();

}

void DataSourcesDock::buildSearchRow(QVBoxLayout* layout) {
  auto* run = new QHBoxLayout;
  mSearch = new QPushButton(tr("Search"), this);
  mSearch->setObjectName(QStringLiteral("stacSearchButton"));
  mSearch->setToolTip(tr("Search the archive (Ctrl+Return)"));
  mSearch->setDefault(true);
  connect(mSearch, &QPushButton::clicked, this, &DataSourcesDock::search);
  auto* shortcut = new QShortcut(QKeySequence(tr("Ctrl+Return")), this, this, &DataSourcesDock::search,
                                 Qt::WidgetWithChildrenShortcut);
  Q_UNUSED(shortcut);
  // Return in any filter searches, as in a search form on the web.
  for (const QKeySequence& key : {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)})
    new QShortcut(key, mFilters, this, &DataSourcesDock::search, Qt::WidgetWithChildrenShortcut);
  mCancel = new QPushButton(tr("Cancel"), this);
  mCancel->setObjectName(QStringLiteral("stacCancelButton"));
  connect(mCancel, &QPushButton::clicked, this, &DataSourcesDock::cancelSearch);
  mProgress = new QProgressBar(this);
  mProgress->setObjectName(QStringLiteral("stacProgress"));
  mProgress->setTextVisible(false);
  mProgress->setMaximumHeight(12);
  mProgress->setMinimumWidth(24);  // the row fits a 300-pixel dock
  run->addWidget(mSearch);
  run->addWidget(mCancel);
  run->addWidget(mProgress, 1);
  mFiltersToggle = new QToolButton(this);
  mFiltersToggle->setObjectName(QStringLiteral("stacFiltersToggle"));
  mFiltersToggle->setText(tr("Filters"));
  mFiltersToggle->setCheckable(true);
  mFiltersToggle->setChecked(true);
  mFiltersToggle->setToolTip(tr("Show or hide the search filters"));
  connect(mFiltersToggle, &QToolButton::toggled, this, &DataSourcesDock::showFilters);
  run->addWidget(mFiltersToggle);
  layout->addLayout(run);
  mStatus = new QLabel(this);
  mStatus->setObjectName(QStringLiteral("stacStatusLabel"));
  mStatus->setWordWrap(true);
  layout->addWidget(mStatus);

}

void DataSourcesDock::buildResults(QVBoxLayout* layout) {
  mTable = new QTableWidget(0, kColumns, this);
  mTable->setObjectName(QStringLiteral("stacResultsTable"));
  mTable->setHorizontalHeaderLabels({tr("Preview"), tr("Date (UTC)"), tr("Cloud %"), tr("Sensor"), tr("Tile"), tr("Granule")});
  mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  mTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setIconSize(QSize(40, 40));
  // Rows grow to the preview's height only when one arrives; the column shows from the first.
  mTable->verticalHeader()->setDefaultSectionSize(24);
  mTable->setColumnHidden(kPreview, true);
  mTable->setMinimumHeight(120);  // two rows and the header
  mTable->verticalHeader()->hide();
  mTable->setMouseTracking(true);
  mTable->viewport()->setMouseTracking(true);
  mTable->setSortingEnabled(true);
  mTable->horizontalHeader()->setStretchLastSection(true);
  for (int column : {kPreview, kDate, kSensor, kTile, kCloud})
    mTable->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
  mTable->viewport()->installEventFilter(this);  // the pointer leaving the rows ends the highlight
  connect(mTable, &QTableWidget::cellEntered, this,
          [this](int row, int) { highlight(mTable->item(row, kDate)->data(kIndexRole).toInt()); });
  connect(mTable, &QTableWidget::itemSelectionChanged, this, [this] {
    std::vector<int> selected;
    for (const QModelIndex& index : mTable->selectionModel()->selectedRows(kDate)) selected.push_back(index.data(kIndexRole).toInt());
    mFootprints->setSelected(std::move(selected));
    mCanvas->update();
    updateActions();
  });
  connect(mTable, &QTableWidget::cellDoubleClicked, this, [this] { Q_EMIT fetchRequested(selectedGranules(), Fetch::Stream); });

  auto* actions = new QHBoxLayout;
  mAdd = new QPushButton(tr("Add"), this);
  mAdd->setObjectName(QStringLiteral("stacAddButton"));
  mAdd->setToolTip(tr("Add the selected granules to the project, read over the network when shown"));
  mDownload = new QPushButton(tr("Download"), this);
  mDownload->setObjectName(QStringLiteral("stacDownloadButton"));
  mDownload->setToolTip(tr("Download the selected granules' bands and Fmask into the project's hls folder"));
  mTimeSeries = new QPushButton(tr("Add as Time Series"), this);
  mTimeSeries->setObjectName(QStringLiteral("stacTimeSeriesButton"));
  mTimeSeries->setToolTip(tr("Add every found granule of the selected granule's tile and show the tile's time series"));
  connect(mAdd, &QPushButton::clicked, this, [this] { Q_EMIT fetchRequested(selectedGranules(), Fetch::Stream); });
  connect(mDownload, &QPushButton::clicked, this, [this] { Q_EMIT fetchRequested(selectedGranules(), Fetch::Download); });
  connect(mTimeSeries, &QPushButton::clicked, this, [this] {
    const std::vector<StacGranule> selected = selectedGranules();
    if (selected.empty()) return;
    std::vector<StacGranule> ofTile;
    for (const StacGranule& granule : mResults)
      if (granule.tile == selected.front().tile) ofTile.push_back(granule);
    Q_EMIT fetchRequested(ofTile, Fetch::TimeSeries);
  });
  actions->addWidget(mAdd);
  actions->addWidget(mDownload);
  actions->addWidget(mTimeSeries);
  actions->addStretch();
  // The actions above the table: on a small screen they stay in view while the table scrolls.
  layout->addLayout(actions);
  layout->addWidget(mTable, 1);

}

void DataSourcesDock::buildLogin(QVBoxLayout* layout) {
  auto* login = new QHBoxLayout;
  mLoginStatus = new QLabel(this);
  mLoginStatus->setObjectName(QStringLiteral("earthdataLoginLabel"));
  mLoginStatus->setWordWrap(true);
  mSignIn = new QPushButton(tr("Earthdata Sign-in…"), this);
  mSignIn->setObjectName(QStringLiteral("earthdataSignInOpenButton"));
  connect(mSignIn, &QPushButton::clicked, this, &DataSourcesDock::openSignIn);
  login->addWidget(mLoginStatus, 1);
  login->addWidget(mSignIn);
  layout->addLayout(login);
}

void DataSourcesDock::showFilters(bool shown) {
  mFilters->setVisible(shown);
  mSummary->setVisible(!shown && !mSummary->text().isEmpty());
  if (mFiltersToggle->isChecked() != shown) mFiltersToggle->setChecked(shown);
}

void DataSourcesDock::openSignIn() {
  auto* dialog = new EarthdataSignInDialog(mLogin, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->open();
}

StacSource DataSourcesDock::source() const {
  const QString name = mSource->currentData().toString();
  if (name.isEmpty() && mUrl->text().trimmed().isEmpty()) throwUsage("enter the STAC API's URL, or choose NASA or Planetary Computer");
  return stacSource((name.isEmpty() ? mUrl->text().trimmed() : name).toStdString());
}

std::optional<LonLatBox> DataSourcesDock::mapViewBox() const {
  if (mCanvas->mapCrs().empty() || mCanvas->width() < 2) return std::nullopt;
  LonLatTransform transform(mCanvas->mapCrs());
  LonLatBox box{180, 90, -180, -90};
  bool any = false;
  // Points along the view's edges: a projected view's sides are curves in lon/lat.
  const double w = mCanvas->width() - 1, h = mCanvas->height() - 1;
  for (int i = 0; i <= 8; ++i)
    for (const QPointF& point : {QPointF(w * i / 8, 0), QPointF(w * i / 8, h), QPointF(0, h * i / 8), QPointF(w, h * i / 8)})
      if (const auto lonLat = transform.toLonLat(mCanvas->screenToMap(point))) {
        box = {std::min(box.west, lonLat->lon), std::min(box.south, lonLat->lat), std::max(box.east, lonLat->lon),
               std::max(box.north, lonLat->lat)};
        any = true;
      }
  if (!any) return std::nullopt;
  return box;
}

void DataSourcesDock::setDrawnBox(const MapPoint& a, const MapPoint& b, const QString& what, const QByteArray& polygons) {
  if (mCanvas->mapCrs().empty()) return;
  LonLatTransform transform(mCanvas->mapCrs());
  LonLatBox box{180, 90, -180, -90};
  for (const MapPoint& corner : {a, b, MapPoint{a.x, b.y}, MapPoint{b.x, a.y}})
    if (const auto lonLat = transform.toLonLat(corner))
      box = {std::min(box.west, lonLat->lon), std::min(box.south, lonLat->lat), std::max(box.east, lonLat->lon),
             std::max(box.north, lonLat->lat)};
  if (box.west > box.east) return;
  mDrawnBox = box;
  mDrawnPolygons.reset();
  if (!polygons.isEmpty()) {
    try {
      mDrawnPolygons = intersectsGeometry(polygons, what.toStdString());
    } catch (const std::exception&) {
      // A geometry the search cannot take: the box serves.
    }
  }
  mArea->setCurrentIndex(mArea->findData(int(Area::DrawnBox)));
  const QString corners = QStringLiteral("%1, %2 – %3, %4")
                              .arg(box.west, 0, 'f', 3)
                              .arg(box.south, 0, 'f', 3)
                              .arg(box.east, 0, 'f', 3)
                              .arg(box.north, 0, 'f', 3);
  mBoxText->setText(what.isEmpty() ? corners : mDrawnPolygons ? tr("%1's polygons").arg(what) : tr("%1's extent").arg(what));
  mBoxText->setToolTip(corners);
  showFilters(true);
}

StacSearchRequest DataSourcesDock::request() const {
  StacSearchRequest request;
  const StacSource from = source();
  for (const std::string& collection : from.hlsCollections) {
    const auto sensor = hlsSensorOfCollection(collection);
    if ((sensor == HlsSensor::L30 && mLandsat->isChecked()) || (sensor == HlsSensor::S30 && mSentinel->isChecked()))
      request.collections.push_back(collection);
  }
  if (request.collections.empty()) throwUsage("tick Landsat, Sentinel-2 or both");
  switch (Area(mArea->currentData().toInt())) {
    case Area::MapView:
      request.bbox = mapViewBox();
      if (!request.bbox) throwUsage("the map shows nothing yet: choose an MGRS tile, or add a scene first");
      break;
    case Area::DrawnBox:
      if (!mDrawnBox) throwUsage("draw a box on the map first (Draw Box)");
      if (mDrawnPolygons) request.intersects = mDrawnPolygons;
      else request.bbox = mDrawnBox;
      break;
    case Area::Tile: {
      const QString tile = mTile->text().trimmed().toUpper();
      if (tile.isEmpty()) throwUsage("enter an MGRS tile, e.g. 13REN");
      const MgrsTile parsed = MgrsTile::parse(tile.toStdString());  // throws Usage with what is wrong
      request.bbox = tileLonLatBox(parsed);
      request.tile = parsed.id();
      break;
    }
  }
  if (mFrom->date() > mTo->date()) throwUsage("the first date is after the last");
  request.start = QDateTime(mFrom->date(), QTime(0, 0), Qt::UTC);
  request.end = QDateTime(mTo->date(), QTime(23, 59, 59), Qt::UTC);
  if (mCloud->value() < 100) request.maxCloudCover = mCloud->value();
  validateSearchRequest(request);
  return request;
}

void DataSourcesDock::search() {
  if (mFeedback) return;
  StacSearchRequest searchRequest;
  StacSource from;
  try {
    from = source();
    searchRequest = request();
  } catch (const std::exception& error) {
    mStatus->setText(tr("Cannot search: %1").arg(QString::fromUtf8(error.what())));
    Q_EMIT searchFinished(0, QString::fromUtf8(error.what()));
    return;
  }
  if (!searchRequest.tile.empty()) mTile->setText(q(searchRequest.tile));  // "t13ren" -> "13REN"
  saveSettings();
  // What was searched, in one line, for when the filters fold away.
  const QString area = !searchRequest.tile.empty() ? tr("tile %1").arg(q(searchRequest.tile))
                       : searchRequest.intersects ? mBoxText->text()
                                                   : tr("%1, %2 – %3, %4")
                                                         .arg(searchRequest.bbox->west, 0, 'f', 2)
                                                         .arg(searchRequest.bbox->south, 0, 'f', 2)
                                                         .arg(searchRequest.bbox->east, 0, 'f', 2)
                                                         .arg(searchRequest.bbox->north, 0, 'f', 2);
  mSummary->setText(tr("%1: %2, %3 to %4, cloud ≤ %5 %")
                        .arg(mSource->currentText().remove(QStringLiteral("…")), area, mFrom->date().toString(Qt::ISODate),
                             mTo->date().toString(Qt::ISODate))
                        .arg(mCloud->value()));
  mResults.clear();
  mFootprints->reset();
  mFootprints->setSelected({});
  mHovered = -1;
  mMatched.reset();
  mTable->setSortingEnabled(false);
  mTable->setRowCount(0);
  mTable->setColumnHidden(kPreview, true);
  mCanvas->update();
  mStatus->setText(tr("Searching %1…").arg(mSource->currentText()));
  mProgress->setRange(0, 0);
  auto feedback = std::make_shared<Feedback>();
  mFeedback = feedback;
  QPointer<DataSourcesDock> guard(this);
  feedback->setProgressCallback([guard](int64_t step, int64_t total, const std::string&) {
    QMetaObject::invokeMethod(
        qApp,
        [guard, step, total] {
          if (!guard || total <= 0) return;
          guard->mMatched = total;
          guard->mProgress->setRange(0, 1000);
          guard->mProgress->setValue(int(1000 * std::min(step, total) / total));
        },
        Qt::QueuedConnection);
  });
  updateActions();
  runAsync<int>(
      mPool, this,
      [from, searchRequest, feedback, guard] {
        const StacClient client(from);
        const StacSearchResult result = client.search(searchRequest, feedback.get(), [guard](const std::vector<StacGranule>& added) {
          QMetaObject::invokeMethod(
              qApp,
              [guard, added] {
                if (guard) guard->appendResults(added);
              },
              Qt::QueuedConnection);
        });
        return int(result.granules.size());
      },
      [this](std::optional<int> count, const std::string& error) { finishSearch(count, error); });
}

void DataSourcesDock::cancelSearch() {
  if (mFeedback) mFeedback->cancel();
}

void DataSourcesDock::appendResults(const std::vector<StacGranule>& granules) {
  const bool first = mResults.empty();
  for (const StacGranule& granule : granules) {
    const int index = int(mResults.size());
    mResults.push_back(granule);
    const int row = mTable->rowCount();
    mTable->insertRow(row);
    auto* preview = new QTableWidgetItem;
    preview->setToolTip(granule.browseHref.empty() ? tr("No preview in the archive") : tr("Preview loading…"));
    mTable->setItem(row, kPreview, preview);
    auto* date = new QTableWidgetItem(granule.datetime.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    date->setData(kIndexRole, index);
    mTable->setItem(row, kDate, date);
    mTable->setItem(row, kSensor, new QTableWidgetItem(QString::fromLatin1(hlsSensorName(granule.sensor))));
    mTable->setItem(row, kTile, new QTableWidgetItem(q(granule.tile)));
    auto* cloud = new QTableWidgetItem;
    if (granule.cloudCover) cloud->setData(Qt::DisplayRole, std::round(*granule.cloudCover * 10) / 10);
    cloud->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    mTable->setItem(row, kCloud, cloud);
    auto* id = new QTableWidgetItem(q(granule.id));
    id->setToolTip(q(granule.id));
    mTable->setItem(row, kId, id);
    if (index < kThumbnailLimit) requestThumbnail(index);
  }

  // The footprints of the first page: the map goes there when it showed nothing.
  if (first && !mResults.empty() && mCanvas->mapCrs().empty()) {
    mCanvas->setMapCrs("EPSG:4326");
    MapExtent extent{180, 90, -180, -90};
    for (const StacGranule& granule : mResults)
      for (const auto& ring : granule.footprint)
        for (const LonLat& point : ring)
          extent = {std::min(extent.minX, point.lon), std::min(extent.minY, point.lat), std::max(extent.maxX, point.lon),
                    std::max(extent.maxY, point.lat)};
    if (!extent.isEmpty()) mCanvas->zoomToExtent(extent);
  }
  mStatus->setText(tr("%n granule(s) so far…", nullptr, int(mResults.size())));
  mCanvas->update();
}

void DataSourcesDock::finishSearch(const std::optional<int>& count, const std::string& error) {
  mFeedback.reset();
  mProgress->setRange(0, 1);
  mProgress->setValue(count ? 1 : 0);
  mTable->setSortingEnabled(true);
  if (!count) {
    mStatus->setText(error == "canceled" ? tr("Search canceled; %n granule(s) shown", nullptr, int(mResults.size()))
                                         : tr("Search failed: %1").arg(q(error)));
    showFilters(true);
  } else if (*count == 0) {
    mStatus->setText(tr("No granule matched. Widen the dates, raise the cloud limit or move the area."));
    showFilters(true);
  } else {
    showFilters(false);
    QString text = tr("%n granule(s)", nullptr, *count);
    if (mMatched && *mMatched > *count) text += tr(" of %1 matched").arg(*mMatched);
    mStatus->setText(text + tr(": select rows to add or download."));
  }
  updateActions();
  Q_EMIT searchFinished(count.value_or(0), count ? QString() : q(error));
}

std::vector<StacGranule> DataSourcesDock::selectedGranules() const {
  std::vector<std::pair<int, int>> rows;  // row, index
  for (const QModelIndex& index : mTable->selectionModel()->selectedRows(kDate))
    rows.emplace_back(index.row(), index.data(kIndexRole).toInt());
  std::sort(rows.begin(), rows.end());
  std::vector<StacGranule> granules;
  for (const auto& [row, index] : rows) granules.push_back(mResults.at(size_t(index)));
  return granules;
}

void DataSourcesDock::updateActions() {
  const bool busy = searching();
  const bool selected = !busy && mTable->selectionModel()->hasSelection();
  mSearch->setEnabled(!busy);
  mCancel->setEnabled(busy);
  mAdd->setEnabled(selected);
  mDownload->setEnabled(selected);
  mTimeSeries->setEnabled(selected);
}

void DataSourcesDock::requestThumbnail(int index) {
  const std::string& href = mResults[size_t(index)].browseHref;
  if (href.empty()) return;
  QNetworkReply* reply = mNetwork->get(QNetworkRequest(QUrl(q(href))));
  const std::string id = mResults[size_t(index)].id;
  connect(reply, &QNetworkReply::finished, this, [this, reply, id] {
    reply->deleteLater();
    QImage image;
    const bool ok = reply->error() == QNetworkReply::NoError && image.loadFromData(reply->readAll());
    for (int row = 0; row < mTable->rowCount(); ++row) {
      if (mTable->item(row, kId)->text() != q(id)) continue;
      QTableWidgetItem* preview = mTable->item(row, kPreview);
      if (ok) {
        preview->setIcon(QIcon(QPixmap::fromImage(image.scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation))));
        preview->setToolTip(QString());
        mTable->setRowHeight(row, 44);
        mTable->setColumnHidden(kPreview, false);
      } else {
        preview->setToolTip(tr("No preview: %1").arg(reply->errorString()));
      }
    }
  });
}

void DataSourcesDock::highlight(int index) {
  if (index == mHovered) return;
  mHovered = index;
  mFootprints->setHovered(index);
  for (int row = 0; row < mTable->rowCount(); ++row) {
    const bool hovered = mTable->item(row, kDate)->data(kIndexRole).toInt() == index;
    for (int column = 0; column < kColumns; ++column)
      mTable->item(row, column)->setBackground(hovered ? QBrush(QColor(255, 120, 0, 60)) : QBrush());
  }
  mCanvas->update();
}

void DataSourcesDock::onCursorMoved(double x, double y) {
  if (mResults.empty() || mCanvas->mapCrs().empty()) return;
  highlight(mFootprints->granuleAt(mCanvas->mapCrs(), {x, y}));
}

QString DataSourcesDock::statusText() const { return mStatus->text(); }

bool DataSourcesDock::eventFilter(QObject* watched, QEvent* event) {
  if (watched == mTable->viewport() && event->type() == QEvent::Leave) highlight(-1);
  return QWidget::eventFilter(watched, event);
}

void DataSourcesDock::saveSettings() const {
  QSettings settings;
  settings.beginGroup(QStringLiteral("dataSources"));
  settings.setValue(QStringLiteral("source"), mSource->currentData().toString());
  settings.setValue(QStringLiteral("url"), mUrl->text().trimmed());
  settings.setValue(QStringLiteral("area"), mArea->currentData().toInt());
  settings.setValue(QStringLiteral("tile"), mTile->text().trimmed());
  settings.setValue(QStringLiteral("from"), mFrom->date());
  settings.setValue(QStringLiteral("to"), mTo->date());
  settings.setValue(QStringLiteral("maxCloud"), mCloud->value());
  settings.setValue(QStringLiteral("landsat"), mLandsat->isChecked());
  settings.setValue(QStringLiteral("sentinel"), mSentinel->isChecked());
}

void DataSourcesDock::restoreSettings() {
  QSettings settings;
  settings.beginGroup(QStringLiteral("dataSources"));
  if (!settings.contains(QStringLiteral("source"))) {
    // The first time: a tile is what can be searched before the map shows anything.
    mArea->setCurrentIndex(mArea->findData(int(Area::Tile)));
    return;
  }
  const int source = mSource->findData(settings.value(QStringLiteral("source")).toString());
  if (source >= 0) mSource->setCurrentIndex(source);
  mUrl->setText(settings.value(QStringLiteral("url")).toString());
  const int area = mArea->findData(settings.value(QStringLiteral("area")).toInt());
  if (area >= 0 && Area(mArea->itemData(area).toInt()) != Area::DrawnBox) mArea->setCurrentIndex(area);
  mTile->setText(settings.value(QStringLiteral("tile")).toString());
  const QDate from = settings.value(QStringLiteral("from")).toDate(), to = settings.value(QStringLiteral("to")).toDate();
  if (from.isValid() && to.isValid()) {
    mFrom->setDate(from);
    mTo->setDate(to);
  }
  mCloud->setValue(settings.value(QStringLiteral("maxCloud"), 30).toInt());
  mLandsat->setChecked(settings.value(QStringLiteral("landsat"), true).toBool());
  mSentinel->setChecked(settings.value(QStringLiteral("sentinel"), true).toBool());
}

}  // namespace prithvi
