#pragma once
// Finding HLS in an archive from the window: source (NASA CMR-STAC, Microsoft Planetary
// Computer, any STAC API), area (the map's view, a box drawn on the map, or an MGRS tile), dates,
// cloud cover and sensors; results as a table (preview, date, sensor, tile, cloud, id) and as
// footprints on the map, hovering either highlighting both; the selection added as streamed
// scenes, downloaded, or added as the tile's time series. The search runs on a worker with
// progress and cancel; results appear page by page. Fetching is the window's (fetchRequested).

#include <QJsonObject>
#include <QPointer>
#include <QThreadPool>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "core/stac/StacGranule.h"
#include "core/stac/StacSearch.h"
#include "viewers/MapCanvas.h"

class QCheckBox;
class QComboBox;
class QDateEdit;
class QFormLayout;
class QLabel;
class QLineEdit;
class QNetworkAccessManager;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QVBoxLayout;
class QToolButton;

namespace prithvi {

class EarthdataLogin;
class Feedback;
class GranuleFootprints;

class DataSourcesDock : public QWidget {
  Q_OBJECT
 public:
  enum class Area { MapView, DrawnBox, Tile };
  enum class Fetch { Stream, Download, TimeSeries };

  DataSourcesDock(MapCanvas* canvas, EarthdataLogin* login, QWidget* parent = nullptr);
  ~DataSourcesDock() override;

  // Starts a search with the form's values (as the Search button does).
  void search();
  void cancelSearch();
  bool searching() const { return static_cast<bool>(mFeedback); }
  const std::vector<StacGranule>& results() const { return mResults; }
  // The granules of the selected rows, in table order.
  std::vector<StacGranule> selectedGranules() const;
  // The box (map CRS corners) to search in: drawn by the user after drawBoxRequested, or the
  // extent of a vector layer (`what` names it in the form) whose polygons, as lon/lat GeoJSON,
  // are searched instead of the box when given (STAC "intersects").
  void setDrawnBox(const MapPoint& a, const MapPoint& b, const QString& what = {}, const QByteArray& polygons = {});
  // The request the form describes; throws Error(Usage) saying what to fill in.
  StacSearchRequest request() const;
  StacSource source() const;
  QString statusText() const;
  // The Earthdata sign-in dialog (also where a refused login sends the user).
  void openSignIn();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 Q_SIGNALS:
  void fetchRequested(const std::vector<prithvi::StacGranule>& granules, prithvi::DataSourcesDock::Fetch how);
  void drawBoxRequested();
  void searchFinished(int granules, const QString& error);

 private:
  void buildForm();
  void buildFilters(QVBoxLayout* layout);
  void buildArea(QFormLayout* form);
  void buildSearchRow(QVBoxLayout* layout);
  void buildResults(QVBoxLayout* layout);  // the status, the actions and the table
  void buildLogin(QVBoxLayout* layout);
  void showFilters(bool shown);
  void appendResults(const std::vector<StacGranule>& granules);
  void finishSearch(const std::optional<int>& count, const std::string& error);
  void updateActions();
  void requestThumbnail(int index);
  void highlight(int index);
  void onCursorMoved(double x, double y);
  std::optional<LonLatBox> mapViewBox() const;
  void saveSettings() const;
  void restoreSettings();

  QPointer<MapCanvas> mCanvas;  // may go first when the window closes
  EarthdataLogin* mLogin;
  QWidget* mFilters;
  QLabel* mSummary;
  QToolButton* mFiltersToggle;
  QComboBox* mSource;
  QLineEdit* mUrl;
  QComboBox* mArea;
  QLineEdit* mTile;
  QPushButton* mDraw;
  QLabel* mBoxText;
  QDateEdit* mFrom;
  QDateEdit* mTo;
  QSpinBox* mCloud;
  QCheckBox* mLandsat;
  QCheckBox* mSentinel;
  QPushButton* mSearch;
  QPushButton* mCancel;
  QProgressBar* mProgress;
  QLabel* mStatus;
  QTableWidget* mTable;
  QPushButton* mAdd;
  QPushButton* mDownload;
  QPushButton* mTimeSeries;
  QLabel* mLoginStatus;
  QPushButton* mSignIn;
  std::optional<LonLatBox> mDrawnBox;
  std::optional<QJsonObject> mDrawnPolygons;  // a vector layer's, searched instead of the box
  std::vector<StacGranule> mResults;
  std::shared_ptr<Feedback> mFeedback;
  std::optional<int64_t> mMatched;
  QThreadPool mPool;
  QNetworkAccessManager* mNetwork;
  std::unique_ptr<GranuleFootprints> mFootprints;
  int mHovered = -1;
};

}  // namespace prithvi
