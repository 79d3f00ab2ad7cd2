#include "ui/LayersDock.h"

#include <QAction>
#include <QComboBox>
#include <QFrame>
#include <QMenu>
#include <QPushButton>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

#include "viewers/LayerStack.h"

namespace prithvi {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;

QToolButton* toolButton(const QString& text, const QString& tip, QWidget* parent) {
  auto* button = new QToolButton(parent);
  button->setText(text);
  button->setToolTip(tip);
  button->setAutoRaise(true);
  return button;
}

QString layerLabel(const MapLayer& layer) {
  QString label = QString::fromStdString(layer.scene.id);
  if (layer.style.kind == LayerStyle::Kind::Index)
    label += QStringLiteral("  [%1]").arg(QLatin1String(spectralIndexName(layer.style.index)));
  if (layer.style.kind == LayerStyle::Kind::Classes && !layer.style.scheme.empty())
    label += QStringLiteral("  [%1 classes]").arg(QString::fromStdString(layer.style.scheme));
  return label;
}
}  // namespace

LayersDock::LayersDock(LayerStack* layers, QWidget* parent) : QWidget(parent), mLayers(layers) {
  mList = new QListWidget(this);
  mList->setObjectName(QStringLiteral("layerList"));
  mList->setToolTip(tr("Top of the list is drawn on top. Untick to hide; double-click to zoom to the layer."));
  auto* up = toolButton(QStringLiteral("▲"), tr("Move up (draw above)"), this);
  auto* down = toolButton(QStringLiteral("▼"), tr("Move down (draw below)"), this);
  auto* remove = toolButton(QStringLiteral("✕"), tr("Remove the layer (Delete in the list)"), this);
  auto* zoom = toolButton(QStringLiteral("⤢"), tr("Zoom to the layer"), this);
  // Delete removes a layer only from the list: on the map it deletes the selected label polygon.
  auto* removeKey = new QAction(mList);
  removeKey->setShortcut(QKeySequence::Delete);
  removeKey->setShortcutContext(Qt::WidgetShortcut);
  mList->addAction(removeKey);
  connect(removeKey, &QAction::triggered, remove, &QToolButton::click);
  mOpacity = new QSlider(Qt::Horizontal, this);
  mOpacity->setRange(0, 100);
  mOpacity->setValue(100);
  mOpacity->setObjectName(QStringLiteral("opacity"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(up);
  buttons->addWidget(down);
  buttons->addWidget(zoom);
  buttons->addWidget(remove);
  buttons->addStretch();
  auto* opacityRow = new QHBoxLayout;
  opacityRow->addWidget(new QLabel(tr("Opacity"), this));
  opacityRow->addWidget(mOpacity);
  // "Is this a class map?": asked once, when a raster of few integer values is added.
  mOffer = new QFrame(this);
  mOffer->setObjectName(QStringLiteral("classMapOffer"));
  mOffer->setFrameShape(QFrame::StyledPanel);
  mOffer->setStyleSheet(QStringLiteral("#classMapOffer { background: #fff6d5; }"));
  mOfferText = new QLabel(mOffer);
  mOfferText->setWordWrap(true);
  mOfferScheme = new QComboBox(mOffer);
  mOfferScheme->setObjectName(QStringLiteral("classMapOfferScheme"));
  auto* accept = new QPushButton(tr("Show as Class Map"), mOffer);
  accept->setObjectName(QStringLiteral("classMapOfferAccept"));
  auto* dismiss = new QPushButton(tr("Keep as Image"), mOffer);
  dismiss->setObjectName(QStringLiteral("classMapOfferDismiss"));
  auto* offerLayout = new QVBoxLayout(mOffer);
  offerLayout->setContentsMargins(6, 6, 6, 6);
  offerLayout->addWidget(mOfferText);
  auto* offerButtons = new QHBoxLayout;
  offerButtons->addWidget(mOfferScheme, 1);
  offerButtons->addWidget(accept);
  offerButtons->addWidget(dismiss);
  offerLayout->addLayout(offerButtons);
  mOffer->hide();
  connect(accept, &QPushButton::clicked, this, [this] {
    mOffer->hide();
    if (mLayers->layer(mOfferedLayer)) Q_EMIT classMapRequested(mOfferedLayer, mOfferScheme->currentText());
    mOfferedLayer = 0;
  });
  connect(dismiss, &QPushButton::clicked, this, [this] {
    mOffer->hide();
    mOfferedLayer = 0;
  });
  mList->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(mList, &QListWidget::customContextMenuRequested, this, [this](const QPoint& at) {
    QListWidgetItem* item = mList->itemAt(at);
    if (!item) return;
    mList->setCurrentItem(item);
    QMenu* menu = contextMenuFor(item->data(kIdRole).toInt());
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(mList->viewport()->mapToGlobal(at));
  });
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(mOffer);
  layout->addWidget(mList);
  layout->addLayout(buttons);
  layout->addLayout(opacityRow);

  connect(mLayers, &LayerStack::layersChanged, this, &LayersDock::rebuild);
  // Visibility, opacity and style set elsewhere (a restored session, a class-map role) show here.
  connect(mLayers, &LayerStack::layerChanged, this, [this](int id) {
    const MapLayer* layer = mLayers->layer(id);
    if (!layer) return;
    for (int row = 0; row < mList->count(); ++row) {
      QListWidgetItem* item = mList->item(row);
      if (item->data(kIdRole).toInt() != id) continue;
      const QSignalBlocker blocker(mList);
      item->setCheckState(layer->visible ? Qt::Checked : Qt::Unchecked);
      item->setText(layerLabel(*layer));
      if (id == currentLayerId()) {
        const QSignalBlocker opacityBlocker(mOpacity);
        mOpacity->setValue(int(layer->opacity * 100));
      }
    }
  });
  connect(mList, &QListWidget::itemChanged, this, &LayersDock::onItemChanged);
  connect(mList, &QListWidget::currentRowChanged, this, [this] {
    const int id = currentLayerId();
    if (const MapLayer* layer = mLayers->layer(id)) {
      QSignalBlocker block(mOpacity);
      mOpacity->setValue(int(layer->opacity * 100));
    }
    if (!mRebuilding) Q_EMIT currentLayerChanged(id);
  });
  connect(mList, &QListWidget::itemDoubleClicked, this,
          [this](QListWidgetItem* item) { Q_EMIT zoomToLayerRequested(item->data(kIdRole).toInt()); });
  connect(mOpacity, &QSlider::valueChanged, this, [this](int value) {
    if (int id = currentLayerId()) mLayers->setOpacity(id, value / 100.0);
  });
  connect(up, &QToolButton::clicked, this, [this] { moveCurrent(+1); });
  connect(down, &QToolButton::clicked, this, [this] { moveCurrent(-1); });
  connect(zoom, &QToolButton::clicked, this, [this] {
    if (int id = currentLayerId()) Q_EMIT zoomToLayerRequested(id);
  });
  connect(remove, &QToolButton::clicked, this, [this] {
    if (int id = currentLayerId()) mLayers->remove(id);
  });
}

void LayersDock::setClassSchemes(const QStringList& names) {
  mSchemes = names;
  const QString current = mOfferScheme->currentText();
  mOfferScheme->clear();
  mOfferScheme->addItems(names);
  if (names.contains(current)) mOfferScheme->setCurrentText(current);
}

void LayersDock::offerClassMap(int id, const QString& text, const QString& scheme) {
  mOfferedLayer = id;
  mOfferText->setText(text);
  if (mSchemes.contains(scheme)) mOfferScheme->setCurrentText(scheme);
  mOffer->show();
}

bool LayersDock::isClassMapOffered() const { return !mOffer->isHidden(); }

QMenu* LayersDock::contextMenuFor(int id) {
  auto* menu = new QMenu(this);
  menu->setObjectName(QStringLiteral("layerContextMenu"));
  const MapLayer* layer = mLayers->layer(id);
  if (!layer) return menu;
  menu->addAction(tr("&Zoom to Layer"), this, [this, id] { Q_EMIT zoomToLayerRequested(id); });
  menu->addAction(tr("&Style…"), this, [this, id] { Q_EMIT styleRequested(id); });
  QMenu* classes = menu->addMenu(tr("Set as &Class Map"));
  classes->setObjectName(QStringLiteral("setClassMapMenu"));
  classes->setToolTip(tr("Draw the values as classes of a scheme: then the layer is a prediction or a reference "
                         "for the Accuracy dock"));
  const bool oneBand = layer->scene.bands.size() == 1;
  classes->setEnabled(oneBand);
  for (const QString& scheme : mSchemes) {
    QAction* action = classes->addAction(scheme, this, [this, id, scheme] { Q_EMIT classMapRequested(id, scheme); });
    action->setCheckable(true);
    action->setChecked(layer->style.scheme == scheme.toStdString());
  }
  if (layer->style.kind == LayerStyle::Kind::Classes && !layer->style.scheme.empty())
    menu->addAction(tr("Show as &Image"), this, [this, id] { Q_EMIT classMapRequested(id, QString()); });
  menu->addAction(tr("&Export View…"), this, [this, id] { Q_EMIT exportRequested(id); });
  menu->addAction(tr("&Properties…"), this, [this, id] { Q_EMIT propertiesRequested(id); });
  menu->addSeparator();
  menu->addAction(tr("&Remove"), this, [this, id] { mLayers->remove(id); });
  return menu;
}

int LayersDock::currentLayerId() const {
  const QListWidgetItem* item = mList->currentItem();
  return item ? item->data(kIdRole).toInt() : 0;
}

void LayersDock::setCurrentLayer(int id) {
  for (int row = 0; row < mList->count(); ++row)
    if (mList->item(row)->data(kIdRole).toInt() == id) mList->setCurrentRow(row);
}

void LayersDock::rebuild() {
  const int current = currentLayerId();
  mRebuilding = true;
  mList->clear();
  // The list shows the top layer first.
  const auto& layers = mLayers->layers();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    auto* item = new QListWidgetItem(layerLabel(*it), mList);
    item->setData(kIdRole, it->id);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(it->visible ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(QString::fromStdString(it->scene.id));
  }
  mRebuilding = false;
  if (current && mLayers->layer(current))
    setCurrentLayer(current);
  else if (mList->count() > 0)
    mList->setCurrentRow(0);
  Q_EMIT currentLayerChanged(currentLayerId());
}

void LayersDock::onItemChanged(QListWidgetItem* item) {
  if (mRebuilding) return;
  mLayers->setVisible(item->data(kIdRole).toInt(), item->checkState() == Qt::Checked);
}

void LayersDock::moveCurrent(int delta) {
  const int id = currentLayerId();
  if (!id) return;
  mLayers->move(id, mLayers->indexOf(id) + delta);
  setCurrentLayer(id);
}

}  // namespace prithvi
