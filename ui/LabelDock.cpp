#include "ui/LabelDock.h"
#include "ui/LabelDockText.h"

#include <QAction>
#include <QActionGroup>
#include <QComboBox>
#include <QDateEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>

#include "core/base/Error.h"
#include "core/labels/RegionTools.h"
#include "core/project/ProjectStore.h"
#include "core/scene/SceneReader.h"
#include "ui/Async.h"
#include "ui/SchemeEditorDialog.h"
#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

// Recent SLIC segmentations, so neighbouring superpixel clicks take pieces of one segmentation
// (shared boundaries, no gaps) and a second click costs no SLIC run.
struct SuperpixelCache {
  std::mutex mutex;
  std::deque<std::pair<std::string, std::shared_ptr<const std::vector<int32_t>>>> entries;  // newest first

  std::shared_ptr<const std::vector<int32_t>> find(const std::string& key) {
    std::lock_guard lock(mutex);
    for (const auto& [entryKey, labels] : entries)
      if (entryKey == key) return labels;
    return nullptr;
  }
  void put(const std::string& key, std::shared_ptr<const std::vector<int32_t>> labels) {
    std::lock_guard lock(mutex);
    entries.emplace_front(key, std::move(labels));
    if (entries.size() > 8) entries.pop_back();
  }
};

using namespace labeltext;

namespace {

constexpr int kSetIdRole = Qt::UserRole + 1;
constexpr int kWandWindow = 256;      // pixels a side around a magic wand click
constexpr int kSuperpixelBlock = 256; // superpixels are computed per aligned block (+ margin)
constexpr double kBrushStep = 1.25;   // [ and ] scale the brush by this

QString q(const std::string& text) { return QString::fromStdString(text); }




QIcon swatch(const QColor& color, int size = 14) {
  QPixmap pixmap(size, size);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setBrush(color);
  painter.setPen(QPen(QColor(0, 0, 0, 140), 1));
  painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3);
  return QIcon(pixmap);
}

MapCanvas::Tool canvasToolFor(LabelTool tool) {
  switch (tool) {
    case LabelTool::Select: return MapCanvas::Tool::Identify;
    case LabelTool::Polygon: return MapCanvas::Tool::Polygon;
    case LabelTool::Rectangle: return MapCanvas::Tool::Rectangle;
    case LabelTool::Lasso: return MapCanvas::Tool::Lasso;
    case LabelTool::Brush:
    case LabelTool::Eraser: return MapCanvas::Tool::Brush;
    case LabelTool::MagicWand:
    case LabelTool::Superpixel: return MapCanvas::Tool::Pick;
  }
  return MapCanvas::Tool::Identify;
}

Window clipWindow(const Window& window, int width, int height) {
  const int x0 = std::clamp(window.x, 0, width), y0 = std::clamp(window.y, 0, height);
  const int x1 = std::clamp(window.x + window.width, 0, width), y1 = std::clamp(window.y + window.height, 0, height);
  return {x0, y0, x1 - x0, y1 - y0};
}


}  // namespace


LabelDock::LabelDock(MapCanvas* canvas, LayerStack* layers, QWidget* parent)
    : QWidget(parent), mCanvas(canvas), mLayers(layers), mSuperpixels(std::make_shared<SuperpixelCache>()) {
  qRegisterMetaType<LabelTool>();
  setObjectName(QStringLiteral("labelDockWidget"));
  mPool.setMaxThreadCount(1);  // one region at a time, in click order
  mPool.setExpiryTimeout(-1);  // keeps the thread's GDAL handles
  mOverlay = new LabelOverlay(canvas, this);
  buildActions();
  buildWidgets();

  connect(mLayers, &LayerStack::layersChanged, this, &LabelDock::syncScene);
  connect(mLayers, &LayerStack::layerChanged, this, &LabelDock::syncScene);
  connect(mCanvas, &MapCanvas::viewChanged, this, &LabelDock::syncScene);  // the map CRS is set with the first view
  connect(mCanvas, &MapCanvas::rectangleFinished, this, &LabelDock::onRectangle);
  connect(mCanvas, &MapCanvas::lassoFinished, this, &LabelDock::onLasso);
  connect(mCanvas, &MapCanvas::strokeStarted, this, &LabelDock::onStrokeStarted);
  connect(mCanvas, &MapCanvas::strokeMoved, this, &LabelDock::onStrokeMoved);
  connect(mCanvas, &MapCanvas::strokeFinished, this, &LabelDock::onStrokeFinished);
  connect(mCanvas, &MapCanvas::strokeCanceled, this, [this] {
    if (mEditor && mEditor->strokeActive()) mEditor->cancelStroke();
    updateSaveState();
  });
  connect(mCanvas, &MapCanvas::pointPicked, this, &LabelDock::fillRegionAt);
  refreshSets();
  refreshPalette();
  refreshReview();
  refreshEditState();
  refreshUndo();
}

LabelDock::~LabelDock() {
  mPool.clear();
  mPool.waitForDone();
  closeEditor();
}

// ---- actions and widgets -------------------------------------------------------------------

void LabelDock::buildActions() {
  auto action = [this](const QString& text, const QKeySequence& shortcut, const QString& tip) {
    auto* a = new QAction(text, this);
    a->setShortcut(shortcut);
    a->setToolTip(tip.isEmpty() ? text : tip);
    a->setData(a->toolTip());  // the tooltip without a "why disabled" note
    return a;
  };
  mToolGroup = new QActionGroup(this);
  mToolGroup->setExclusive(true);
  const struct {
    LabelTool tool;
    const char* text;
    const char* key;
    const char* tip;
  } tools[] = {
      {LabelTool::Select, "Select", "V", "Select (V): click a polygon to select it (Delete removes it) and identify the pixel"},
      {LabelTool::Polygon, "Polygon", "P", "Polygon (P): click the corners; double-click, right-click or Enter finishes, Backspace undoes a corner"},
      {LabelTool::Rectangle, "Rectangle", "R", "Rectangle (R): drag from corner to corner"},
      {LabelTool::Lasso, "Lasso", "L", "Lasso (L): drag around the area; releasing closes it"},
      {LabelTool::Brush, "Brush", "B", "Brush (B): paint the class; [ and ] change the size"},
      {LabelTool::Eraser, "Eraser", "E", "Eraser (E): remove labels under the brush; [ and ] change the size"},
      {LabelTool::MagicWand, "Wand", "W", "Magic wand (W): click to label the similar connected pixels around it"},
      {LabelTool::Superpixel, "Superpixel", "S", "Superpixel (S): click to label the superpixel under the cursor"},
  };
  for (const auto& t : tools) {
    QAction* a = action(tr(t.text), QKeySequence(QString::fromLatin1(t.key)), tr(t.tip));
    a->setObjectName(QStringLiteral("labelTool%1").arg(QLatin1String(t.text)));
    a->setIconText(QStringLiteral("%1 %2").arg(tr(t.text), QLatin1String(t.key)));  // buttons show the key
    a->setCheckable(true);
    mToolGroup->addAction(a);
    const LabelTool tool = t.tool;
    connect(a, &QAction::triggered, this, [this, tool] {
      setTool(tool);
      mCanvas->setFocus();  // Enter, Escape and Backspace go to the map
      Q_EMIT toolChosen(mTool);
    });
    mToolActions.emplace_back(t.tool, a);
  }
  toolAction(LabelTool::Select)->setChecked(true);

  mUndo = action(tr("Undo"), QKeySequence::Undo, tr("Undo the last label edit (Ctrl+Z)"));
  mUndo->setObjectName(QStringLiteral("labelUndo"));
  mRedo = action(tr("Redo"), {}, tr("Redo the label edit undone last (Ctrl+Shift+Z, Ctrl+Y)"));
  mRedo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
  mRedo->setObjectName(QStringLiteral("labelRedo"));
  connect(mUndo, &QAction::triggered, this, [this] {
    if (mEditor) guarded(tr("Undo"), [this] { mEditor->undo(); });
  });
  connect(mRedo, &QAction::triggered, this, [this] {
    if (mEditor) guarded(tr("Redo"), [this] { mEditor->redo(); });
  });
  mDeletePolygon = action(tr("Delete Selected Polygon"), QKeySequence::Delete, tr("Delete the selected label polygon (Delete)"));
  mDeletePolygon->setObjectName(QStringLiteral("labelDeletePolygon"));
  // On the map only: Delete elsewhere belongs to the focused widget (the layer list, a table).
  mDeletePolygon->setShortcutContext(Qt::WidgetShortcut);
  mCanvas->addAction(mDeletePolygon);
  connect(mDeletePolygon, &QAction::triggered, this, &LabelDock::deleteSelected);

  mNewSet = action(tr("New Label Set…"), QKeySequence(tr("Ctrl+Shift+N")),
                   tr("Start labelling the scene on the map under a class scheme (Ctrl+Shift+N)"));
  mNewSet->setObjectName(QStringLiteral("newLabelSet"));
  connect(mNewSet, &QAction::triggered, this, &LabelDock::newLabelSetDialog);
  mDeleteSet = action(tr("Delete Label Set…"), {}, tr("Delete the open label set with all its labels"));
  connect(mDeleteSet, &QAction::triggered, this, &LabelDock::deleteLabelSet);
  mCleanUp = action(tr("Clean Up Labels…"), QKeySequence(tr("Ctrl+Shift+U")),
                    tr("Erase specks and thin spurs and close narrow gaps in the open label set, as one edit "
                       "(Ctrl+Shift+U)"));
  mCleanUp->setObjectName(QStringLiteral("labelCleanUp"));
  connect(mCleanUp, &QAction::triggered, this, &LabelDock::cleanUpLabels);
  mEditScheme = action(tr("Edit Class Schemes…"), QKeySequence(tr("Ctrl+Shift+K")),
                       tr("Edit class names, values, colours and the ignore value (Ctrl+Shift+K)"));
  mEditScheme->setObjectName(QStringLiteral("editSchemes"));
  connect(mEditScheme, &QAction::triggered, this, &LabelDock::editSchemes);
  mShowLabels = action(tr("Show Labels"), QKeySequence(tr("H")), tr("Show or hide the label layer (H)"));
  mShowLabels->setCheckable(true);
  mShowLabels->setChecked(true);
  connect(mShowLabels, &QAction::toggled, mOverlay, &LabelOverlay::setShown);

  mSmaller = action(tr("Smaller Brush"), QKeySequence(tr("[")), tr("Make the brush smaller ([)"));
  mLarger = action(tr("Larger Brush"), QKeySequence(tr("]")), tr("Make the brush larger (])"));
  connect(mSmaller, &QAction::triggered, this, [this] { setBrushRadius(brushRadius() / kBrushStep); });
  connect(mLarger, &QAction::triggered, this, [this] { setBrushRadius(brushRadius() * kBrushStep); });

  const struct {
    ReviewAction review;
    const char* text;
    const char* key;
    const char* tip;
  } reviews[] = {
      {ReviewAction::Submit, "Submit", "Ctrl+Alt+S", "Submit the labels for review; editing stops until reopened (Ctrl+Alt+S)"},
      {ReviewAction::Validate, "Validate", "Ctrl+Alt+V", "Accept the submitted labels as training data (Ctrl+Alt+V)"},
      {ReviewAction::Reject, "Reject…", "Ctrl+Alt+R", "Send the labels back with a comment saying what to fix (Ctrl+Alt+R)"},
      {ReviewAction::Reopen, "Reopen", "Ctrl+Alt+O", "Make the label set a draft again to edit it (Ctrl+Alt+O)"},
  };
  for (const auto& r : reviews) {
    QAction* a = action(tr(r.text), QKeySequence(QString::fromLatin1(r.key)), tr(r.tip));
    a->setObjectName(QStringLiteral("review%1").arg(QLatin1String(reviewActionName(r.review))));
    const ReviewAction review = r.review;
    connect(a, &QAction::triggered, this, [this, review] { confirmAndReview(review); });
    mReviewActions.emplace_back(r.review, a);
  }
  mSelfReview = new QAction(tr("Allow &Self-Review in This Project"), this);
  mSelfReview->setObjectName(QStringLiteral("allowSelfReviewAction"));
  mSelfReview->setCheckable(true);
  mSelfReview->setToolTip(tr("Let the author of a label set validate or reject it (a project of one person)"));
  connect(mSelfReview, &QAction::toggled, this, [this](bool allowed) {
    if (!mStore) return;
    guarded(tr("Self-review"), [&] { mStore->setSelfReviewAllowed(allowed); });
    refreshReview();
  });

  mClassMenu = new QMenu(tr("&Class"), this);
  mClassGroup = new QActionGroup(this);
  mClassGroup->setExclusive(true);
}

void LabelDock::buildWidgets() {
  auto toolButton = [this](QAction* action) {
    auto* button = new QToolButton(this);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return button;
  };

  // Label sets of the scene.
  auto* setsBox = new QGroupBox(tr("Label sets"), this);
  mSceneText = new QLabel(setsBox);
  mSceneText->setWordWrap(true);
  mSceneText->setTextInteractionFlags(Qt::TextSelectableByMouse);
  mSets = new QTreeWidget(setsBox);
  mSets->setObjectName(QStringLiteral("labelSets"));
  mSets->setHeaderLabels({tr("Set"), tr("Scheme"), tr("State"), tr("Author"), tr("Modified")});
  mSets->setRootIsDecorated(false);
  mSets->setUniformRowHeights(true);
  mSets->header()->setStretchLastSection(true);
  for (int column = 0; column < 4; ++column) mSets->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
  mSets->setMinimumHeight(60);
  mSets->setMaximumHeight(96);
  mSets->setToolTip(tr("The label sets of the scene on the map; select one to show and edit it"));
  connect(mSets, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
    const int64_t id = item ? item->data(0, kSetIdRole).toLongLong() : 0;
    if (!mEditor || mEditor->labelSet().id != id) openLabelSet(id);
  });
  auto* setButtons = new QHBoxLayout;
  setButtons->addWidget(toolButton(mNewSet));
  setButtons->addWidget(toolButton(mDeleteSet));
  auto* setsLayout = new QVBoxLayout(setsBox);
  setsLayout->addWidget(mSceneText);
  setsLayout->addWidget(mSets);
  setsLayout->addLayout(setButtons);

  // Class palette.
  auto* classesBox = new QGroupBox(tr("Classes"), this);
  mPalette = new QListWidget(classesBox);
  mPalette->setObjectName(QStringLiteral("classPalette"));
  mPalette->setIconSize(QSize(16, 16));
  mPalette->setToolTip(tr("The class the tools label with; keys 1…9 and 0 choose the first ten"));
  connect(mPalette, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row >= 0) setCurrentClass(mPalette->item(row)->data(Qt::UserRole).toInt());
  });
  auto* classesLayout = new QVBoxLayout(classesBox);
  classesLayout->addWidget(mPalette);
  classesLayout->addWidget(toolButton(mEditScheme));

  // Tools and their settings.
  auto* toolsBox = new QGroupBox(tr("Tools"), this);
  auto* grid = new QGridLayout;
  grid->setSpacing(3);
  int index = 0;
  for (const auto& [tool, action] : mToolActions) {
    grid->addWidget(toolButton(action), index / 4, index % 4);
    ++index;
  }
  mBrushSize = new QDoubleSpinBox(toolsBox);
  mBrushSize->setObjectName(QStringLiteral("brushSize"));
  mBrushSize->setRange(0.5, 200);
  mBrushSize->setDecimals(1);
  mBrushSize->setSingleStep(0.5);
  mBrushSize->setSuffix(tr(" px"));
  mBrushSize->setToolTip(tr("Brush and eraser radius in scene pixels ([ and ] change it)"));
  mBrushSize->setValue(QSettings().value(QStringLiteral("labels/brushRadius"), 3.0).toDouble());
  connect(mBrushSize, &QDoubleSpinBox::valueChanged, this, [this](double value) {
    QSettings().setValue(QStringLiteral("labels/brushRadius"), value);
    refreshCanvasTool();
  });
  mTolerance = new QDoubleSpinBox(toolsBox);
  mTolerance->setObjectName(QStringLiteral("wandTolerance"));
  mTolerance->setRange(0, 2);
  mTolerance->setDecimals(2);
  mTolerance->setSingleStep(0.02);
  mTolerance->setValue(0.1);
  mTolerance->setToolTip(tr("How different a pixel may be from the clicked one and still join, as a fraction of "
                            "each shown band's spread around the click (0.1 is a good start)"));
  mSuperpixelSize = new QSpinBox(toolsBox);
  mSuperpixelSize->setObjectName(QStringLiteral("superpixelSize"));
  mSuperpixelSize->setRange(4, 64);
  mSuperpixelSize->setValue(12);
  mSuperpixelSize->setSuffix(tr(" px"));
  mSuperpixelSize->setToolTip(tr("The typical width of a superpixel in scene pixels"));
  mOpacity = new QSlider(Qt::Horizontal, toolsBox);
  mOpacity->setObjectName(QStringLiteral("labelOpacity"));
  mOpacity->setRange(0, 100);
  mOpacity->setToolTip(tr("Opacity of the label layer (H hides it)"));
  mOpacityText = new QLabel(toolsBox);
  mOpacityText->setMinimumWidth(40);
  connect(mOpacity, &QSlider::valueChanged, this, [this](int value) {
    mOverlay->setOpacity(value / 100.0);
    mOpacityText->setText(QStringLiteral("%1 %").arg(value));
    QSettings().setValue(QStringLiteral("labels/opacity"), value);
  });
  mOpacity->setValue(QSettings().value(QStringLiteral("labels/opacity"), 60).toInt());
  mOverlay->setOpacity(mOpacity->value() / 100.0);
  mOpacityText->setText(QStringLiteral("%1 %").arg(mOpacity->value()));
  auto* opacityRow = new QHBoxLayout;
  opacityRow->addWidget(mOpacity);
  opacityRow->addWidget(mOpacityText);
  auto* form = new QFormLayout;
  form->addRow(tr("Brush radius"), mBrushSize);
  form->addRow(tr("Wand tolerance"), mTolerance);
  form->addRow(tr("Superpixel size"), mSuperpixelSize);
  form->addRow(tr("Opacity"), opacityRow);
  mLockedText = new QLabel(toolsBox);
  mLockedText->setObjectName(QStringLiteral("labelLocked"));
  mLockedText->setWordWrap(true);
  mLockedText->setStyleSheet(QStringLiteral("color: #b9770e; font-style: italic;"));
  auto* toolsLayout = new QVBoxLayout(toolsBox);
  toolsLayout->addLayout(grid);
  toolsLayout->addWidget(mLockedText);
  toolsLayout->addLayout(form);
  toolsLayout->addWidget(toolButton(mCleanUp));

  // Review.
  auto* reviewBox = new QGroupBox(tr("Review"), this);
  mStateText = new QLabel(reviewBox);
  mStateText->setObjectName(QStringLiteral("labelState"));
  mReviewDetails = new QLabel(reviewBox);
  mReviewDetails->setObjectName(QStringLiteral("reviewDetails"));
  mReviewDetails->setWordWrap(true);
  mReviewDetails->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* reviewButtons = new QGridLayout;
  reviewButtons->setSpacing(3);
  index = 0;
  for (const auto& [review, action] : mReviewActions) {
    reviewButtons->addWidget(toolButton(action), index / 2, index % 2);
    ++index;
  }
  auto* reviewLayout = new QVBoxLayout(reviewBox);
  reviewLayout->addWidget(mStateText);
  reviewLayout->addWidget(mReviewDetails);
  reviewLayout->addLayout(reviewButtons);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(setsBox);
  layout->addWidget(classesBox);
  layout->addWidget(toolsBox);
  layout->addWidget(reviewBox);
  layout->addStretch(1);
}

QAction* LabelDock::toolAction(LabelTool tool) const {
  for (const auto& [t, action] : mToolActions)
    if (t == tool) return action;
  return nullptr;
}

QList<QAction*> LabelDock::toolActions() const {
  QList<QAction*> list;
  for (const auto& [tool, action] : mToolActions) list << action;
  return list;
}

QList<QAction*> LabelDock::brushSizeActions() const { return {mSmaller, mLarger}; }

QList<QAction*> LabelDock::reviewActions() const {
  QList<QAction*> list;
  for (const auto& [review, action] : mReviewActions) list << action;
  return list;
}

QAction* LabelDock::reviewAction(ReviewAction review) const {
  for (const auto& [r, action] : mReviewActions)
    if (r == review) return action;
  return nullptr;
}

// ---- project, scene and label set ----------------------------------------------------------

void LabelDock::setProject(ProjectStore* project) {
  closeEditor();
  mStore.reset();
  mProject = project;
  if (mProject) mStore = std::make_unique<LabelStore>(*mProject);
  {
    const QSignalBlocker blocker(mSelfReview);
    bool allowed = false;
    if (mStore) guarded(tr("Self-review"), [&] { allowed = mStore->selfReviewAllowed(); });
    mSelfReview->setChecked(allowed);
    mSelfReview->setEnabled(mStore != nullptr);
  }
  mSceneId.clear();
  mMapCrs.clear();
  refreshSets();
  syncScene();
}

void LabelDock::syncScene() {
  const MapLayer* top = mLayers->topVisible();
  const std::string sceneId = top && mStore ? top->scene.id : std::string();
  const std::string& crs = mCanvas->mapCrs();
  if (sceneId == mSceneId && crs == mMapCrs) return;
  const bool sceneChanged = sceneId != mSceneId;
  mSceneId = sceneId;
  mMapCrs = crs;
  if (!sceneChanged) {
    attachMapping();  // the map CRS changed (it is set once the first layer is in)
    refreshCanvasTool();
    return;
  }
  closeEditor();
  refreshSets();
  // Show the labels of the scene at once: its most recently edited label set.
  int64_t latest = 0;
  QDateTime latestTime;
  if (mStore && !mSceneId.empty()) {
    LabelSetFilter filter;
    filter.sceneId = mSceneId;
    try {
      for (const LabelSet& set : mStore->labelSets(filter))
        if (!latest || set.modified >= latestTime) latest = set.id, latestTime = set.modified;
    } catch (const std::exception& error) {
      reportError(tr("Label sets"), error);
    }
  }
  openLabelSet(latest);
}

void LabelDock::attachMapping() {
  mMapping = {};
  mOverlay->clearRaster();
  if (!mEditor || mMapCrs.empty()) return;
  const Scene& scene = mEditor->scene();
  try {
    mMapping = SceneGridMapping(scene.geoTransform, scene.crsWkt, mMapCrs);
  } catch (const std::exception& error) {
    reportError(tr("Label layer"), error);
    return;
  }
  mOverlay->setRaster(mEditor->raster().data(), mEditor->width(), mEditor->height(), mMapping);
  select(mSelected);
}

void LabelDock::closeEditor() {
  ++mRegionGeneration;  // region results on their way belong to the old set
  if (mEditor && mEditor->strokeActive()) mEditor->cancelStroke();
  mOverlay->clearRaster();
  mEditor.reset();
  mMapping = {};
  mSelected = 0;
}

void LabelDock::openLabelSet(int64_t id) {
  closeEditor();
  if (id && mStore) {
    try {
      mEditor = std::make_unique<LabelEditor>(*mStore, id);
      mEditor->onChanged = [this](const Window&) { mOverlay->rasterChanged(); };
      mEditor->onSaved = [this] { onEditorSaved(); };
    } catch (const std::exception& error) {
      mEditor.reset();
      reportError(tr("Open label set %1").arg(id), error);
    }
  }
  attachMapping();
  if (mEditor) {
    std::array<QRgb, 256> colors{};
    for (const LabelClass& labelClass : mEditor->scheme().classes)
      colors[size_t(labelClass.value)] = QColor(q(labelClass.color)).rgb() | 0xff000000u;
    mOverlay->setColors(colors);
  }
  // Show the open set as current without reopening it.
  for (int i = 0; i < mSets->topLevelItemCount(); ++i) {
    QTreeWidgetItem* item = mSets->topLevelItem(i);
    if (mEditor && item->data(0, kSetIdRole).toLongLong() == mEditor->labelSet().id) {
      QSignalBlocker blocker(mSets);
      mSets->setCurrentItem(item);
    }
  }
  if (!mEditor) {
    QSignalBlocker blocker(mSets);
    mSets->setCurrentItem(nullptr);
  }
  refreshPalette();
  refreshReview();
  refreshEditState();
  refreshUndo();
  refreshCanvasTool();
  updateSaveState();
}

void LabelDock::refreshSets() {
  QSignalBlocker blocker(mSets);
  mSets->clear();
  if (!mStore) {
    mSceneText->setText(tr("Open a project to label its scenes."));
    return;
  }
  if (mSceneId.empty()) {
    mSceneText->setText(tr("Show a scene on the map to label it (double-click one in the catalog)."));
    return;
  }
  // Long scene ids wrap at their dots rather than widening the dock.
  mSceneText->setText(tr("Scene <b>%1</b>").arg(q(mSceneId).toHtmlEscaped().replace(QLatin1Char('.'), QStringLiteral(".\u200b"))));
  std::vector<LabelSet> sets;
  LabelSetFilter filter;
  filter.sceneId = mSceneId;
  try {
    sets = mStore->labelSets(filter);
  } catch (const std::exception& error) {
    reportError(tr("Label sets"), error);
  }
  for (const LabelSet& set : sets) {
    auto* item = new QTreeWidgetItem(mSets, {QStringLiteral("#%1").arg(set.id), q(set.scheme), stateTitle(set.state),
                                             q(set.author), timeText(set.modified)});
    item->setData(0, kSetIdRole, qlonglong(set.id));
    item->setForeground(2, stateColor(set.state));
    if (mEditor && mEditor->labelSet().id == set.id) mSets->setCurrentItem(item);
  }
  if (sets.empty()) mSceneText->setText(mSceneText->text() + QLatin1String("<br>") + tr("No labels yet: start with New Label Set."));
}

void LabelDock::refreshPalette() {
  for (QAction* action : mClassGroup->actions()) delete action;
  mClassMenu->clear();
  QSignalBlocker blocker(mPalette);
  mPalette->clear();
  if (!mEditor) {
    mClassMenu->setEnabled(false);
    return;
  }
  const ClassScheme& scheme = mEditor->scheme();
  if (!scheme.find(mClass)) mClass = scheme.classes.front().value;
  int index = 0;
  for (const LabelClass& labelClass : scheme.classes) {
    // Keys 1..9 then 0 pick the first ten classes, in the scheme's order.
    const QString key = index < 9 ? QString::number(index + 1) : index == 9 ? QStringLiteral("0") : QString();
    const QColor color(q(labelClass.color));
    auto* item = new QListWidgetItem(swatch(color),
                                     key.isEmpty() ? q(labelClass.name) : QStringLiteral("%1   %2").arg(key, q(labelClass.name)),
                                     mPalette);
    item->setData(Qt::UserRole, labelClass.value);
    item->setToolTip(tr("%1: value %2, colour %3%4")
                         .arg(q(labelClass.name))
                         .arg(labelClass.value)
                         .arg(color.name())
                         .arg(key.isEmpty() ? QString() : tr(" (key %1)").arg(key)));
    auto* action = new QAction(swatch(color), q(labelClass.name), mClassGroup);
    action->setCheckable(true);
    if (!key.isEmpty()) action->setShortcut(QKeySequence(key));
    const int value = labelClass.value;
    connect(action, &QAction::triggered, this, [this, value] { setCurrentClass(value); });
    mClassMenu->addAction(action);
    ++index;
  }
  mClassMenu->setEnabled(true);
  // As tall as the classes, up to ten rows: the palette is read at a glance, not scrolled.
  const int rows = std::clamp(mPalette->count(), 2, 10);
  mPalette->setFixedHeight(rows * mPalette->sizeHintForRow(0) + 2 * mPalette->frameWidth() + 4);
  setCurrentClass(mClass);
  refreshClassCounts();
}



bool LabelDock::editable() const {
  if (!mEditor) return false;
  const ReviewState state = mEditor->labelSet().state;
  return state == ReviewState::Draft || state == ReviewState::Rejected;
}

void LabelDock::refreshEditState() {
  QString why;
  if (!mStore || mSceneId.empty())
    why = tr("show a scene on the map to label it");
  else if (!mEditor)
    why = tr("create or choose a label set first (New Label Set…, Ctrl+Shift+N)");
  else if (!editable())
    why = tr("%1: reopen to edit").arg(stateTitle(mEditor->labelSet().state));
  for (const auto& [tool, action] : mToolActions) {
    if (tool == LabelTool::Select) continue;
    action->setEnabled(why.isEmpty());
    action->setToolTip(why.isEmpty() ? action->data().toString()
                                     : QStringLiteral("%1\n(%2)").arg(action->data().toString(), why));
  }
  for (QAction* action : {mSmaller, mLarger, mCleanUp}) action->setEnabled(why.isEmpty());
  mLockedText->setText(mEditor && !editable() ? tr("Editing is off: %1.").arg(why) : QString());
  mLockedText->setVisible(!mLockedText->text().isEmpty());
  if (!why.isEmpty() && mTool != LabelTool::Select) setTool(LabelTool::Select);
  mDeletePolygon->setEnabled(why.isEmpty() && mSelected != 0);
}

void LabelDock::refreshUndo() {
  const bool on = mEditor && editable();
  mUndo->setEnabled(on && mEditor->canUndo());
  mRedo->setEnabled(on && mEditor->canRedo());
  mUndo->setText(on && mEditor->canUndo() ? tr("Undo %1").arg(q(mEditor->undoText())) : tr("Undo"));
  mRedo->setText(on && mEditor->canRedo() ? tr("Redo %1").arg(q(mEditor->redoText())) : tr("Redo"));
}

void LabelDock::onEditorSaved() {
  refreshUndo();
  refreshClassCounts();
  if (mSelected) {
    const auto& polygons = mEditor->polygons();
    if (std::none_of(polygons.begin(), polygons.end(), [this](const LabelPolygon& p) { return p.fid == mSelected; }))
      select(0);
  }
  const bool stateChanged = mEditor->labelSet().state != mShownState;  // a rejected set edited is a draft
  refreshSets();  // the modified time
  refreshReview();
  if (stateChanged) {
    refreshEditState();
    Q_EMIT labelSetsChanged();
  }
  updateSaveState();
}

QString LabelDock::saveStateText() const {
  if (!mEditor) return {};
  return mEditor->hasUnsavedChanges() ? tr("Drawing…") : tr("All label edits saved");
}

void LabelDock::updateSaveState() { Q_EMIT saveStateChanged(saveStateText()); }

// ---- tools and classes ---------------------------------------------------------------------

void LabelDock::setTool(LabelTool tool) {
  if (tool != LabelTool::Select && !toolAction(tool)->isEnabled()) tool = LabelTool::Select;
  mTool = tool;
  toolAction(tool)->setChecked(true);
  if (mCanvas->tool() != canvasToolFor(tool)) mCanvas->setTool(canvasToolFor(tool));
  refreshCanvasTool();
}

void LabelDock::refreshCanvasTool() {
  const bool outlines = mTool == LabelTool::Polygon || mTool == LabelTool::Rectangle || mTool == LabelTool::Lasso;
  mCanvas->setSnapGrid(mEditor && mMapping.isValid() && mMapping.isAffine() && outlines
                           ? std::optional<GeoTransform>(mEditor->scene().geoTransform)
                           : std::nullopt);
  if (mTool != LabelTool::Brush && mTool != LabelTool::Eraser) return;
  QColor color = Qt::white;
  if (mEditor && mTool == LabelTool::Brush)
    if (const LabelClass* labelClass = mEditor->scheme().find(mClass)) color = QColor(q(labelClass->color));
  const double unitsPerPixel =
      mEditor && mMapping.isValid() ? mMapping.mapUnitsPerPixel(mEditor->width() / 2.0, mEditor->height() / 2.0) : 0;
  mCanvas->setBrush(brushRadius() * unitsPerPixel, color);
}

bool LabelDock::setCurrentClass(int value) {
  if (!mEditor || !mEditor->scheme().find(value)) return false;
  mClass = value;
  for (int row = 0; row < mPalette->count(); ++row)
    if (mPalette->item(row)->data(Qt::UserRole).toInt() == value) {
      QSignalBlocker blocker(mPalette);
      mPalette->setCurrentRow(row);
    }
  const auto& classes = mEditor->scheme().classes;
  const QList<QAction*> actions = mClassGroup->actions();
  for (int i = 0; i < int(actions.size()) && i < int(classes.size()); ++i)
    actions[i]->setChecked(classes[size_t(i)].value == value);
  refreshCanvasTool();
  return true;
}

double LabelDock::brushRadius() const { return mBrushSize->value(); }

void LabelDock::setBrushRadius(double pixels) {
  mBrushSize->setValue(std::round(std::clamp(pixels, mBrushSize->minimum(), mBrushSize->maximum()) * 2) / 2);
}

// ---- gestures ------------------------------------------------------------------------------

std::optional<MapPoint> LabelDock::toPixel(const MapPoint& map) const {
  return mMapping.isValid() ? mMapping.toPixel(map) : std::nullopt;
}

std::vector<PixelPoint> LabelDock::toPixels(const std::vector<MapPoint>& ring) const {
  std::vector<PixelPoint> pixels;
  for (const MapPoint& point : ring)
    if (const auto pixel = toPixel(point)) pixels.push_back({pixel->x, pixel->y});
  return pixels;
}

void LabelDock::polygonDrawn(const std::vector<MapPoint>& ring) {
  if (!mEditor || mTool != LabelTool::Polygon) return;
  const std::vector<PixelPoint> pixels = toPixels(ring);
  guarded(tr("Polygon"), [&] { mEditor->addPolygon(mClass, pixels); });
}

void LabelDock::onLasso(const std::vector<MapPoint>& ring) {
  if (!mEditor || mTool != LabelTool::Lasso) return;
  const std::vector<PixelPoint> pixels = toPixels(ring);
  guarded(tr("Lasso"), [&] { mEditor->addPolygon(mClass, pixels); });
}

void LabelDock::onRectangle(const MapPoint& a, const MapPoint& b) {
  if (!mEditor || mTool != LabelTool::Rectangle) return;
  const auto pa = toPixel(a), pb = toPixel(b);
  if (!pa || !pb) return;
  guarded(tr("Rectangle"), [&] { mEditor->addRectangle(mClass, {pa->x, pa->y}, {pb->x, pb->y}); });
}

void LabelDock::onStrokeStarted(const MapPoint& point) {
  if (!mEditor || (mTool != LabelTool::Brush && mTool != LabelTool::Eraser)) return;
  const auto pixel = toPixel(point);
  if (!pixel) return;
  const int value = mTool == LabelTool::Eraser ? LabelEditor::kErase : mClass;
  guarded(mTool == LabelTool::Eraser ? tr("Eraser") : tr("Brush"), [&] {
    mEditor->beginStroke(value, brushRadius());
    mEditor->strokeTo({pixel->x, pixel->y});
  });
  updateSaveState();
}

void LabelDock::onStrokeMoved(const MapPoint& point) {
  if (!mEditor || !mEditor->strokeActive()) return;
  if (const auto pixel = toPixel(point)) guarded(tr("Brush"), [&] { mEditor->strokeTo({pixel->x, pixel->y}); });
}

void LabelDock::onStrokeFinished() {
  if (!mEditor || !mEditor->strokeActive()) return;
  guarded(mTool == LabelTool::Eraser ? tr("Eraser") : tr("Brush"), [this] { mEditor->endStroke(); });
  updateSaveState();
}

bool LabelDock::selectAt(const MapPoint& point) {
  if (!mEditor) return false;
  const auto pixel = toPixel(point);
  select(pixel ? mEditor->polygonAt(pixel->x, pixel->y) : 0);
  return mSelected != 0;
}

void LabelDock::select(int64_t fid) {
  mSelected = fid;
  std::vector<std::vector<MapPoint>> rings;
  if (mEditor && fid)
    for (const LabelPolygon& polygon : mEditor->polygons())
      if (polygon.fid == fid) rings = polygon.rings;
  mOverlay->setHighlight(rings);
  mDeletePolygon->setEnabled(editable() && fid != 0);
}

void LabelDock::deleteSelected() {
  if (!mEditor || !mSelected || !editable()) return;
  const int64_t fid = mSelected;
  select(0);
  guarded(tr("Delete polygon"), [&] { mEditor->deletePolygon(fid); });
}

void LabelDock::fillRegionAt(const MapPoint& point) {
  if (!mEditor || !editable() || (mTool != LabelTool::MagicWand && mTool != LabelTool::Superpixel)) return;
  const bool wand = mTool == LabelTool::MagicWand;
  const QString name = wand ? tr("Magic wand") : tr("Superpixel");
  const MapLayer* layer = sceneLayer();
  const auto pixel = toPixel(point);
  const int width = mEditor->width(), height = mEditor->height();
  const int x = pixel ? int(std::floor(pixel->x)) : -1, y = pixel ? int(std::floor(pixel->y)) : -1;
  if (!layer || !layer->reader || x < 0 || y < 0 || x >= width || y >= height) {
    Q_EMIT message(QStringLiteral("warning"), tr("%1: click inside the scene %2.").arg(name, q(mSceneId)));
    Q_EMIT regionFilled(false);
    return;
  }
  // The bands on screen: the region follows what the user sees.
  const std::vector<BandRole> roles = layer->style.bandsToRead();
  const double tolerance = mTolerance->value();
  const int size = mSuperpixelSize->value();
  Window window;
  std::string cacheKey;
  if (wand) {
    window = clipWindow({x - kWandWindow / 2, y - kWandWindow / 2, kWandWindow, kWandWindow}, width, height);
  } else {
    // Aligned blocks with a margin: a superpixel near a block edge is still whole.
    const int margin = 2 * size;
    const int bx = x / kSuperpixelBlock * kSuperpixelBlock, by = y / kSuperpixelBlock * kSuperpixelBlock;
    window = clipWindow({bx - margin, by - margin, kSuperpixelBlock + 2 * margin, kSuperpixelBlock + 2 * margin}, width,
                        height);
    cacheKey = mSceneId + "|" + std::to_string(window.x) + "," + std::to_string(window.y) + "," +
               std::to_string(window.width) + "," + std::to_string(window.height) + "|" + std::to_string(size);
    for (BandRole role : roles) cacheKey += std::string("|") + bandRoleName(role);
  }
  const int generation = mRegionGeneration;
  const int64_t setId = mEditor->labelSet().id;
  const int classValue = mClass;
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const SceneReader> reader = layer->reader;
  std::shared_ptr<SuperpixelCache> cache = mSuperpixels;
  runAsync<PixelRegion>(
      mPool, this,
      [reader, roles, window, wand, x, y, tolerance, size, cache, cacheKey] {
        const RasterBlock block = reader->readReflectance(window, roles);
        SpectralWindow spectral{window.width, window.height, int(roles.size()), {}};
        const float* values = block.band<float>(0);  // bands follow each other in one buffer
        spectral.values.assign(values, values + size_t(window.width) * size_t(window.height) * roles.size());
        PixelRegion region{window, {}};
        if (wand) {
          region.inside = magicWandRegion(spectral, x - window.x, y - window.y, tolerance);
        } else {
          std::shared_ptr<const std::vector<int32_t>> labels = cache->find(cacheKey);
          if (!labels) {
            labels = std::make_shared<const std::vector<int32_t>>(slicSuperpixels(spectral, size));
            cache->put(cacheKey, labels);
          }
          region.inside = superpixelRegion(*labels, window.width, window.height, x - window.x, y - window.y);
        }
        return region;
      },
      [this, generation, setId, classValue, wand, name, started](std::optional<PixelRegion> region,
                                                                  const std::string& error) {
        if (generation != mRegionGeneration || !mEditor || mEditor->labelSet().id != setId) return;
        if (!region) {
          Q_EMIT message(QStringLiteral("warning"), tr("%1: %2").arg(name, q(error)));
          Q_EMIT regionFilled(false);
          return;
        }
        const bool filled =
            guarded(name, [&] { mEditor->fillRegion(classValue, *region, wand ? "magic wand" : "superpixel"); });
        const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        if (filled)
          Q_EMIT message(QStringLiteral("info"), tr("%1 labelled %L2 pixels (%3 ms)")
                                                     .arg(name)
                                                     .arg(std::count(region->inside.begin(), region->inside.end(), 1))
                                                     .arg(ms, 0, 'f', 0));
        Q_EMIT regionFilled(filled);
      });
}

const MapLayer* LabelDock::sceneLayer() const {
  const auto& layers = mLayers->layers();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (it->visible && it->scene.id == mSceneId) return &*it;
  return nullptr;
}

// ---- errors ----------------------------------------------------------------------------------

void LabelDock::reportError(const QString& what, const std::exception& error) {
  const QString text = what.isEmpty() ? q(error.what()) : tr("%1: %2").arg(what, q(error.what()));
  const auto* known = dynamic_cast<const Error*>(&error);
  if (known && (known->kind() == ErrorKind::BadInput || known->kind() == ErrorKind::Usage)) {
    Q_EMIT message(QStringLiteral("warning"), text);  // a drawing mistake: say it, do not interrupt
    return;
  }
  Q_EMIT message(QStringLiteral("error"), text);
  if (!mEditor) {
    QMessageBox::warning(this, tr("Labels"), text);
    return;
  }
  // The project was busy or another program changed the set: offer what the project holds.
  QMessageBox box(QMessageBox::Warning, tr("Labels"),
                  text + QStringLiteral("\n\n") +
                      tr("Reload the label set from the project? Its undo history is cleared."),
                  QMessageBox::Yes | QMessageBox::No, this);
  box.button(QMessageBox::Yes)->setText(tr("Reload"));
  box.button(QMessageBox::No)->setText(tr("Keep"));
  if (box.exec() == QMessageBox::Yes && mEditor) openLabelSet(mEditor->labelSet().id);
}

// ---- dialogs and review ----------------------------------------------------------------------


void LabelDock::newLabelSetDialog() {
  if (!mStore || mSceneId.empty()) {
    QMessageBox::information(this, tr("New Label Set"),
                             tr("Show a scene on the map first: open a project and double-click a scene in the catalog."));
    return;
  }
  std::vector<ClassScheme> schemes;
  try {
    schemes = mStore->schemes();
  } catch (const std::exception& error) {
    reportError(tr("Class schemes"), error);
    return;
  }
  QDialog dialog(this);
  dialog.setObjectName(QStringLiteral("newLabelSetDialog"));
  dialog.setWindowTitle(tr("New Label Set"));
  auto* scheme = new QComboBox(&dialog);
  scheme->setObjectName(QStringLiteral("schemeCombo"));
  scheme->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  scheme->setMinimumContentsLength(28);
  auto* classes = new QLabel(&dialog);  // the chosen scheme's classes in their colours
  classes->setWordWrap(true);
  classes->setMaximumWidth(420);
  for (const ClassScheme& s : schemes)
    scheme->addItem(tr("%1 (%n classes)", nullptr, int(s.classes.size())).arg(q(s.name)), q(s.name));
  auto showClasses = [classes, schemes](int index) {
    if (index < 0 || index >= int(schemes.size())) return;
    QStringList parts;
    for (const LabelClass& c : schemes[size_t(index)].classes)
      parts << QStringLiteral("<span style='color:%1; font-size:large;'>&#9632;</span>&nbsp;%2")
                   .arg(q(c.color), q(c.name).toHtmlEscaped());
    classes->setText(parts.join(QStringLiteral(" &nbsp; ")));
  };
  connect(scheme, &QComboBox::currentIndexChanged, &dialog, showClasses);
  const int remembered = scheme->findData(QSettings().value(QStringLiteral("labels/scheme")).toString());
  if (remembered >= 0) scheme->setCurrentIndex(remembered);
  showClasses(scheme->currentIndex());
  auto* author = new QLineEdit(defaultUserName(), &dialog);
  author->setObjectName(QStringLiteral("authorEdit"));
  author->setToolTip(tr("Recorded with the label set; remembered for next time"));
  // Multi-temporal tasks (crop) label a season through several dates: the set records which
  // date its labels describe, the scene's own by default.
  auto* date = new QDateEdit(&dialog);
  date->setObjectName(QStringLiteral("labelDateEdit"));
  date->setCalendarPopup(true);
  date->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
  std::optional<Scene> shown;
  try {
    shown = mStore->project().scene(mSceneId);
  } catch (const std::exception&) {
  }
  const QDate acquired = shown && shown->acquired.isValid() ? shown->acquired.toUTC().date() : QDate::currentDate();
  date->setDate(acquired);
  date->setToolTip(tr("The date the labels describe; the scene's acquisition date unless you choose another"));
  auto* form = new QFormLayout;
  form->addRow(tr("Scene"), new QLabel(q(mSceneId), &dialog));
  form->addRow(tr("Class scheme"), scheme);
  form->addRow(QString(), classes);
  form->addRow(tr("Labels describe"), date);
  form->addRow(tr("Author"), author);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Create"));
  auto* layout = new QVBoxLayout(&dialog);
  layout->addLayout(form);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto check = [author, buttons] { buttons->button(QDialogButtonBox::Ok)->setEnabled(!author->text().trimmed().isEmpty()); };
  connect(author, &QLineEdit::textChanged, &dialog, check);
  check();
  if (dialog.exec() != QDialog::Accepted) return;
  QSettings().setValue(QStringLiteral("labels/scheme"), scheme->currentData());
  createLabelSet(scheme->currentData().toString(), author->text().trimmed(),
                 date->date() == acquired ? QDate() : date->date());
}

int64_t LabelDock::createLabelSet(const QString& scheme, const QString& author, const QDate& labelDate) {
  if (!mStore || mSceneId.empty()) return 0;
  int64_t id = 0;
  const QDateTime when = labelDate.isValid() ? QDateTime(labelDate, QTime(12, 0), Qt::UTC) : QDateTime();
  if (!guarded(tr("New label set"),
               [&] { id = mStore->createLabelSet(mSceneId, scheme.toStdString(), author.toStdString(), when); }))
    return 0;
  QSettings().setValue(QStringLiteral("labels/author"), author);
  Q_EMIT message(QStringLiteral("info"), tr("created label set #%1 (%2) on %3").arg(id).arg(scheme, q(mSceneId)));
  refreshSets();
  openLabelSet(id);
  Q_EMIT labelSetsChanged();
  return id;
}

void LabelDock::deleteLabelSet() {
  if (!mEditor || !mStore) return;
  const LabelSet set = mEditor->labelSet();
  if (QMessageBox::question(this, tr("Delete Label Set"),
                            tr("Delete label set #%1 (%2, by %3) with all its polygons and painted pixels?\n"
                               "This cannot be undone.")
                                .arg(set.id)
                                .arg(q(set.scheme), q(set.author))) != QMessageBox::Yes)
    return;
  closeEditor();
  guarded(tr("Delete label set"), [&] { mStore->deleteLabelSet(set.id); });
  mSceneId.clear();  // re-reads the sets and opens the latest remaining one
  syncScene();
  Q_EMIT labelSetsChanged();
}

void LabelDock::editSchemes() {
  if (!mStore) {
    QMessageBox::information(this, tr("Class Schemes"), tr("Open a project first: class schemes are stored in it."));
    return;
  }
  SchemeEditorDialog dialog(*mStore, mEditor ? mEditor->scheme().name : std::string("flood"), this);
  dialog.exec();
  if (!dialog.savedScheme().empty() && mEditor && mEditor->scheme().name == dialog.savedScheme())
    openLabelSet(mEditor->labelSet().id);  // new names and colours
}



}  // namespace prithvi
