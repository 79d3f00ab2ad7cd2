#include "ui/VectorLayersPanel.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QVBoxLayout>

#include "core/base/Error.h"
#include "ui/Async.h"
#include "viewers/VectorOverlay.h"

namespace prithvi {

namespace {
// Colours that stand out on imagery and on class maps, one per layer in turn.
const QColor kColors[] = {QColor(255, 0, 200), QColor(0, 230, 255), QColor(255, 140, 0), QColor(160, 255, 0)};
}  // namespace

VectorLayersPanel::VectorLayersPanel(MapCanvas* canvas, QWidget* parent) : QWidget(parent), mCanvas(canvas) {
  mPool.setMaxThreadCount(1);
  mList = new QListWidget(this);
  mList->setObjectName(QStringLiteral("vectorLayerList"));
  mList->setToolTip(tr("Vector layers over the map: untick to hide; right-click to zoom, run the model over one or export it"));
  mList->setMaximumHeight(110);
  mList->setContextMenuPolicy(Qt::CustomContextMenu);
  auto* title = new QLabel(tr("Vector layers (File > Add Vector Layer)"), this);
  title->setStyleSheet(QStringLiteral("color: palette(placeholder-text)"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 0, 4, 4);
  layout->addWidget(title);
  layout->addWidget(mList);
  connect(mList, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    setLayerVisible(mList->row(item), item->checkState() == Qt::Checked);
  });
  connect(mList, &QListWidget::customContextMenuRequested, this, [this](const QPoint& at) {
    const int row = mList->row(mList->itemAt(at));
    if (row < 0) return;
    QMenu* menu = contextMenuFor(row);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(mList->viewport()->mapToGlobal(at));
  });
  setVisible(false);
  connect(mList, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) { Q_EMIT zoomRequested(extentOf(mList->row(item))); });
}

VectorLayersPanel::~VectorLayersPanel() {
  mPool.waitForDone();
  if (mCanvas)
    for (const auto& overlay : mLayers) mCanvas->removeOverlay(overlay.get());
}

void VectorLayersPanel::add(const QString& path, bool visible) {
  if (!mCanvas || mCanvas->mapCrs().empty()) {
    Q_EMIT failed(path, tr("show a raster first: vector layers are drawn in the map's coordinates"));
    return;
  }
  const std::string crs = mCanvas->mapCrs();
  runAsync<std::shared_ptr<const VectorData>>(
      mPool, this, [path, crs] { return std::make_shared<const VectorData>(readVectorFile(path.toStdString(), crs)); },
      [this, path, visible, crs](std::optional<std::shared_ptr<const VectorData>> data, const std::string& error) {
        if (!data) {
          Q_EMIT failed(path, QString::fromStdString(error));
          return;
        }
        if (!mCanvas || mCanvas->mapCrs() != crs) {
          Q_EMIT failed(path, tr("the map's CRS changed while the file was read"));
          return;
        }
        auto overlay = std::make_unique<VectorOverlay>(*data, kColors[mLayers.size() % std::size(kColors)]);
        overlay->setVisible(visible);
        mCanvas->addOverlay(overlay.get());
        mLayers.push_back(std::move(overlay));
        rebuild();
        mCanvas->update();
        Q_EMIT added(path);
        Q_EMIT changed();
      });
}

void VectorLayersPanel::clear() {
  for (const auto& overlay : mLayers) mCanvas->removeOverlay(overlay.get());
  mLayers.clear();
  rebuild();
  mCanvas->update();
}

bool VectorLayersPanel::isVisible(int row) const { return mLayers[size_t(row)]->isVisible(); }

void VectorLayersPanel::setLayerVisible(int row, bool visible) {
  if (row < 0 || row >= count()) return;
  mLayers[size_t(row)]->setVisible(visible);
  if (QListWidgetItem* item = mList->item(row); item && (item->checkState() == Qt::Checked) != visible) {
    const QSignalBlocker blocker(mList);
    item->setCheckState(visible ? Qt::Checked : Qt::Unchecked);
  }
  mCanvas->update();
  Q_EMIT changed();
}

std::vector<std::pair<QString, const VectorFeature*>> VectorLayersPanel::featuresAt(const MapPoint& point, double tolerance) const {
  std::vector<std::pair<QString, const VectorFeature*>> found;
  for (const auto& overlay : mLayers)
    if (overlay->isVisible())
      for (const VectorFeature* feature : prithvi::featuresAt(overlay->data(), point, tolerance))
        found.emplace_back(QString::fromStdString(overlay->data().layerName), feature);
  return found;
}

MapExtent VectorLayersPanel::extentOf(int row) const {
  const VectorBounds& bounds = mLayers[size_t(row)]->data().bounds;
  // A point or a straight line has no area: give it a margin so there is something to show.
  const double margin = bounds.isEmpty() ? 500 : 0;
  return {bounds.minX - margin, bounds.minY - margin, bounds.maxX + margin, bounds.maxY + margin};
}

QMenu* VectorLayersPanel::contextMenuFor(int row) {
  auto* menu = new QMenu(this);
  menu->setObjectName(QStringLiteral("vectorLayerMenu"));
  menu->addAction(tr("&Zoom to Layer"), this, [this, row] { Q_EMIT zoomRequested(extentOf(row)); });
  QAction* run = menu->addAction(tr("&Run Model over Its Area…"), this, [this, row] { Q_EMIT runModelRequested(extentOf(row)); });
  run->setObjectName(QStringLiteral("vectorRunModelAction"));
  menu->addAction(tr("&Export a Map of Its Area…"), this, [this, row] { Q_EMIT exportRequested(extentOf(row)); });
  QAction* search = menu->addAction(tr("&Search HLS over Its Area…"), this, [this, row] {
    const VectorData& data = mLayers[size_t(row)]->data();
    std::string polygons;
    try {
      polygons = polygonsAsLonLatGeoJson(data, mCanvas ? mCanvas->mapCrs() : std::string());
    } catch (const std::exception&) {
      // No polygon area: the extent serves.
    }
    Q_EMIT searchArchiveRequested(extentOf(row), QFileInfo(QString::fromStdString(data.path)).fileName(),
                                  QByteArray::fromStdString(polygons));
  });
  search->setObjectName(QStringLiteral("vectorSearchArchiveAction"));
  menu->addSeparator();
  menu->addAction(tr("Re&move"), this, [this, row] {
    mCanvas->removeOverlay(mLayers[size_t(row)].get());
    mLayers.erase(mLayers.begin() + row);
    rebuild();
    mCanvas->update();
    Q_EMIT changed();
  });
  return menu;
}

void VectorLayersPanel::rebuild() {
  const QSignalBlocker blocker(mList);
  mList->clear();
  for (const auto& overlay : mLayers) {
    const VectorData& data = overlay->data();
    const int features = int(data.features.size());
    auto* item = new QListWidgetItem((features == 1 ? tr("%1  (1 feature)") : tr("%1  (%2 features)").arg(QStringLiteral("%1"), QString::number(features)))
                                         .arg(QFileInfo(QString::fromStdString(data.path)).fileName()),
                                     mList);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(overlay->isVisible() ? Qt::Checked : Qt::Unchecked);
    item->setForeground(overlay->color().darker(130));
    item->setToolTip(tr("%1, layer %2%3")
                         .arg(QString::fromStdString(data.path), QString::fromStdString(data.layerName))
                         .arg(data.skippedFeatures ? tr("; %1 features without a usable geometry left out").arg(data.skippedFeatures) : QString()));
  }
  setVisible(!mLayers.empty());  // no room taken from the raster layers until there is one
}

}  // namespace prithvi
