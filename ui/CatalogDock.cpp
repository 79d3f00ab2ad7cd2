#include "ui/CatalogDock.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "core/raster/RemoteRasters.h"
#include "core/render/Render.h"
#include "core/scene/SceneReader.h"
#include "ui/Async.h"
#include "ui/SceneThumbnail.h"

namespace prithvi {

namespace {
constexpr int kSceneIdRole = Qt::UserRole + 1;
constexpr int kThumbnail = 64;
}  // namespace

CatalogDock::CatalogDock(QWidget* parent) : QWidget(parent) {
  mPool.setMaxThreadCount(1);  // thumbnails are a courtesy: leave the other core to the map
  mPool.setExpiryTimeout(-1);
  mTree = new QTreeWidget(this);
  mTree->setObjectName(QStringLiteral("catalogTree"));
  mTree->setHeaderLabels({tr("Tile / date / scene"), tr("Sensor"), tr("Cloud")});
  mTree->setIconSize(QSize(40, 40));
  mTree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  mTree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  mTree->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  mTree->setIndentation(14);
  mTree->setToolTip(tr("Double-click a scene to add it to the map"));
  mMaxCloud = new QSpinBox(this);
  mMaxCloud->setRange(0, 100);
  mMaxCloud->setValue(100);
  mMaxCloud->setSuffix(QStringLiteral(" %"));
  mMaxCloud->setToolTip(tr("Hide scenes cloudier than this"));
  mLabelState = new QComboBox(this);
  mLabelState->setObjectName(QStringLiteral("labelStateFilter"));
  mLabelState->addItem(tr("any"), QString());
  for (const char* state : {"draft", "submitted", "validated", "rejected"})
    mLabelState->addItem(tr(state), QString::fromLatin1(state));
  mLabelState->setToolTip(tr("Show only scenes with a label set in this review state"));
  auto* filter = new QHBoxLayout;
  filter->addWidget(new QLabel(tr("Max cloud"), this));
  filter->addWidget(mMaxCloud);
  filter->addSpacing(8);
  filter->addWidget(new QLabel(tr("Labels"), this));
  filter->addWidget(mLabelState);
  filter->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(filter);
  layout->addWidget(mTree);
  connect(mMaxCloud, &QSpinBox::valueChanged, this, &CatalogDock::rebuild);
  connect(mLabelState, &QComboBox::currentIndexChanged, this, &CatalogDock::labelStateFilterChanged);
  connect(mTree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    const QString id = item->data(0, kSceneIdRole).toString();
    if (!id.isEmpty()) Q_EMIT sceneActivated(id);
  });
}

CatalogDock::~CatalogDock() {
  mPool.clear();
  mPool.waitForDone();
}

std::string CatalogDock::labelStateFilter() const { return mLabelState->currentData().toString().toStdString(); }

void CatalogDock::setLabelStateFilter(const std::string& state) {
  const int index = mLabelState->findData(QString::fromStdString(state));
  if (index >= 0) mLabelState->setCurrentIndex(index);
}

void CatalogDock::setScenes(const std::vector<Scene>& scenes) {
  mScenes = scenes;
  // Streamed granules wait on the network, not on a core: fetch their thumbnails several at once.
  const bool streamed = std::any_of(mScenes.begin(), mScenes.end(), [](const Scene& scene) {
    return !scene.bands.empty() && isRemoteRasterPath(scene.bands.front().path);
  });
  mPool.setMaxThreadCount(streamed ? 8 : 1);
  rebuild();
}

void CatalogDock::rebuild() {
  ++mGeneration;
  mPool.clear();
  mPendingThumbnails = 0;
  mTree->clear();
  std::map<QString, QTreeWidgetItem*> tiles;
  std::map<std::pair<QString, QString>, QTreeWidgetItem*> dates;
  for (const Scene& scene : mScenes) {
    if (scene.cloudCoverPercent && *scene.cloudCoverPercent > mMaxCloud->value()) continue;
    const QString tile = scene.tile.empty() ? tr("No tile") : QString::fromStdString(scene.tile);
    QTreeWidgetItem*& tileItem = tiles[tile];
    if (!tileItem) {
      tileItem = new QTreeWidgetItem(mTree, {tile});
      tileItem->setFirstColumnSpanned(true);
    }
    const QString date = scene.acquired.isValid() ? scene.acquired.date().toString(Qt::ISODate) : tr("undated");
    QTreeWidgetItem*& dateItem = dates[{tile, date}];
    if (!dateItem) dateItem = new QTreeWidgetItem(tileItem, {date});
    auto* item = new QTreeWidgetItem(dateItem, {QString::fromStdString(scene.id), QString::fromStdString(scene.sensor),
                                                scene.cloudCoverPercent ? QStringLiteral("%1 %").arg(*scene.cloudCoverPercent, 0, 'f', 1)
                                                                        : QStringLiteral("–")});
    item->setData(0, kSceneIdRole, QString::fromStdString(scene.id));
    item->setToolTip(0, QStringLiteral("%1\n%2 x %3 px, %4 bands")
                            .arg(QString::fromStdString(scene.id))
                            .arg(scene.width)
                            .arg(scene.height)
                            .arg(scene.bands.size()));
    requestThumbnail(scene);
  }
  for (auto& [name, item] : tiles) item->setText(0, QStringLiteral("%1  (%2 dates)").arg(name).arg(item->childCount()));
  mTree->expandAll();
  if (mPendingThumbnails == 0) Q_EMIT thumbnailsDone();
}

void CatalogDock::requestThumbnail(const Scene& scene) {
  ++mPendingThumbnails;
  const int generation = mGeneration;
  const QString id = QString::fromStdString(scene.id);
  runAsync<QImage>(
      mPool, this, [scene] { return renderSceneThumbnail(scene, {0, 0, scene.width, scene.height}, kThumbnail); },
      [this, generation, id](std::optional<QImage> image, const std::string&) {
        if (generation != mGeneration) return;  // the tree was rebuilt meanwhile
        for (QTreeWidgetItemIterator it(mTree); *it; ++it)
          if ((*it)->data(0, kSceneIdRole).toString() == id && image) (*it)->setIcon(0, QIcon(QPixmap::fromImage(*image)));
        if (--mPendingThumbnails == 0) Q_EMIT thumbnailsDone();
      });
}

}  // namespace prithvi
