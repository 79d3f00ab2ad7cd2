#include "ui/ComparisonDock.h"

#include "core/base/Error.h"
#include "core/metrics/SceneComparison.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "viewers/LayerStack.h"
#include "viewers/MapCanvas.h"

namespace prithvi {

namespace {
constexpr int kSliderSteps = 1000;
constexpr int kFastestFlickerMs = 150;
constexpr int kSlowestFlickerMs = 2000;
}  // namespace

ComparisonDock::ComparisonDock(LayerStack* layers, MapCanvas* canvas, MapCanvas* second, QWidget* parent)
    : QWidget(parent), mLayers(layers), mCanvas(canvas), mSecond(second) {
  mA = new QComboBox(this);
  // Scene ids are long: the dock must not widen the window to fit them.
  mA->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  mA->setMinimumContentsLength(12);
  mA->setObjectName(QStringLiteral("compareLayerA"));
  mA->setToolTip(tr("The reference: left of the swipe bar, the left map, what blend 0 shows"));
  mB = new QComboBox(this);
  mB->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  mB->setMinimumContentsLength(12);
  mB->setObjectName(QStringLiteral("compareLayerB"));
  mB->setToolTip(tr("The layer compared with it: right of the swipe bar, the right map, what blend 100 % shows"));
  auto* swap = new QToolButton(this);
  swap->setText(QStringLiteral("⇅"));
  swap->setToolTip(tr("Swap A and B"));
  connect(swap, &QToolButton::clicked, this, [this] { setLayers(layerB(), layerA()); });

  mModes = new QButtonGroup(this);
  auto* modeGrid = new QGridLayout;
  const std::pair<Mode, QString> modes[] = {{Mode::Off, tr("Off")},
                                            {Mode::SideBySide, tr("Side by side")},
                                            {Mode::Swipe, tr("Swipe")},
                                            {Mode::Blend, tr("Blend")},
                                            {Mode::Flicker, tr("Flicker")}};
  int column = 0;
  for (const auto& [mode, text] : modes) {
    auto* button = new QToolButton(this);
    button->setText(text);
    button->setCheckable(true);
    button->setAutoRaise(false);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    button->setObjectName(QStringLiteral("compareMode%1").arg(int(mode)));
    mModes->addButton(button, int(mode));
    modeGrid->addWidget(button, column / 3, column % 3);  // two rows keep the dock narrow
    ++column;
  }
  mModes->button(int(Mode::Off))->setChecked(true);
  connect(mModes, &QButtonGroup::idClicked, this, [this](int id) { setMode(Mode(id)); });

  mSlider = new QSlider(Qt::Horizontal, this);
  mSlider->setObjectName(QStringLiteral("compareSlider"));
  mSlider->setRange(0, kSliderSteps);
  mSlider->setValue(kSliderSteps / 2);
  mSliderLabel = new QLabel(this);
  connect(mSlider, &QSlider::valueChanged, this, [this] { apply(); });

  mDifference = new QPushButton(tr("Difference Map"), this);
  mDifference->setObjectName(QStringLiteral("differenceButton"));
  mDifference->setToolTip(tr("A new layer: where two class maps disagree, or how far two images are apart "
                             "(RMS reflectance over the six bands)"));
  connect(mDifference, &QPushButton::clicked, this, [this] {
    if (layerA() && layerB() && layerA() != layerB()) Q_EMIT differenceRequested(layerA(), layerB());
  });
  mHint = new QLabel(this);
  mHint->setWordWrap(true);
  mHint->setStyleSheet(QStringLiteral("color: palette(placeholder-text)"));

  auto* form = new QFormLayout;
  auto* bRow = new QHBoxLayout;
  bRow->addWidget(mB, 1);
  bRow->addWidget(swap);
  form->addRow(tr("A"), mA);
  form->addRow(tr("B"), bRow);
  auto* sliderRow = new QHBoxLayout;
  sliderRow->addWidget(mSlider, 1);
  sliderRow->addWidget(mSliderLabel);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addLayout(modeGrid);
  layout->addLayout(sliderRow);
  layout->addWidget(mDifference);
  layout->addWidget(mHint);
  layout->addStretch();

  connect(mA, &QComboBox::currentIndexChanged, this, [this] { apply(); });
  connect(mB, &QComboBox::currentIndexChanged, this, [this] { apply(); });
  connect(mLayers, &LayerStack::layersChanged, this, &ComparisonDock::rebuildChoices);
  // Dragging the bar on the map moves the slider with it.
  connect(mCanvas, &MapCanvas::swipeMoved, this, [this](double position) {
    if (mMode == Mode::Swipe) setAmount(position);
  });
  mFlicker.setTimerType(Qt::PreciseTimer);
  connect(&mFlicker, &QTimer::timeout, this, [this] {
    mFlickerShowsB = !mFlickerShowsB;
    apply();
  });
  rebuildChoices();
}

int ComparisonDock::layerA() const { return mA->currentData().toInt(); }
int ComparisonDock::layerB() const { return mB->currentData().toInt(); }

void ComparisonDock::setLayers(int layerA, int layerB) {
  {
    const QSignalBlocker blockA(mA), blockB(mB);
    mA->setCurrentIndex(std::max(0, mA->findData(layerA)));
    mB->setCurrentIndex(std::max(0, mB->findData(layerB)));
  }
  apply();
}

void ComparisonDock::setMode(Mode mode) {
  mMode = mode;
  mModes->button(int(mode))->setChecked(true);
  {
    const QSignalBlocker blocker(mSlider);
    // Each mode starts where it is easiest to read: the bar in the middle, half and half, ~2 Hz.
    if (mode == Mode::Swipe || mode == Mode::Blend) mSlider->setValue(kSliderSteps / 2);
    if (mode == Mode::Flicker) mSlider->setValue(kSliderSteps / 4);
  }
  mFlickerShowsB = true;
  apply();
}

void ComparisonDock::setAmount(double amount) { mSlider->setValue(int(std::lround(std::clamp(amount, 0.0, 1.0) * kSliderSteps))); }

double ComparisonDock::amount() const { return double(mSlider->value()) / kSliderSteps; }

void ComparisonDock::rebuildChoices() {
  const int a = layerA(), b = layerB();
  {
    const QSignalBlocker blockA(mA), blockB(mB);
    mA->clear();
    mB->clear();
    const auto& layers = mLayers->layers();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {  // top first, as the layers dock lists them
      const QString name = QString::fromStdString(it->scene.id);
      mA->addItem(name, it->id);
      mB->addItem(name, it->id);
    }
    // Defaults: the top layer against the one beneath it.
    const int top = layers.empty() ? 0 : layers.back().id;
    const int below = layers.size() > 1 ? layers[layers.size() - 2].id : 0;
    mA->setCurrentIndex(std::max(0, mA->findData(mLayers->layer(a) ? a : below)));
    mB->setCurrentIndex(std::max(0, mB->findData(mLayers->layer(b) ? b : top)));
  }
  apply();
}

void ComparisonDock::updateControls() {
  const bool pair = layerA() && layerB() && layerA() != layerB();
  mSlider->setEnabled(pair && (mMode == Mode::Swipe || mMode == Mode::Blend || mMode == Mode::Flicker));
  // A difference map needs two class maps or two images of the six bands on one pixel grid:
  // say why not where the button is, instead of failing after a click.
  QString why;
  if (!pair) {
    why = tr("choose two different layers");
  } else {
    const MapLayer* a = mLayers->layer(layerA());
    const MapLayer* b = mLayers->layer(layerB());
    const bool classes = a->scene.bands.size() == 1 && b->scene.bands.size() == 1;
    const bool images = a->scene.hasPrithviBands() && b->scene.hasPrithviBands();
    if (!classes && !images) {
      why = tr("it compares two class maps or two images with the six Prithvi bands");
    } else {
      try {
        overlapOf(a->scene, b->scene);
      } catch (const Error& error) {
        why = QString::fromStdString(error.what());
      }
    }
  }
  mDifference->setEnabled(why.isEmpty());
  mDifference->setToolTip(why.isEmpty() ? tr("A new layer: where two class maps disagree, or how far two images are apart")
                                        : tr("Not available: %1").arg(why));
  switch (mMode) {
    case Mode::Swipe: mSliderLabel->setText(tr("bar %1 %").arg(int(std::lround(amount() * 100)))); break;
    case Mode::Blend: mSliderLabel->setText(tr("B %1 %").arg(int(std::lround(amount() * 100)))); break;
    case Mode::Flicker: mSliderLabel->setText(tr("%1 ms").arg(mFlicker.interval())); break;
    default: mSliderLabel->clear(); break;
  }
  mHint->setText(!pair ? tr("Choose two different layers.")
                 : mMode == Mode::Swipe ? tr("Drag the bar on the map; A shows left of it, B right.")
                 : mMode == Mode::SideBySide ? tr("A on the left map, B on the right; panning and zooming either moves both.")
                 : mMode == Mode::Flicker ? tr("A and B alternate; the slider sets the pace.")
                                          : QString());
}

void ComparisonDock::apply() {
  const int a = layerA(), b = layerB();
  const bool pair = a && b && a != b && mLayers->layer(a) && mLayers->layer(b);
  const Mode mode = pair ? mMode : Mode::Off;
  MapCanvas::Comparison main, right;
  // The upper of the two in the stack is the one that can be clipped or faded to reveal the other.
  const int upper = pair && mLayers->indexOf(a) > mLayers->indexOf(b) ? a : b;
  const double t = amount();
  const int flickerMs = kFastestFlickerMs + int(std::lround((kSlowestFlickerMs - kFastestFlickerMs) * t));
  switch (mode) {
    case Mode::Off: break;
    case Mode::SideBySide:
      main.hidden = {b};
      right.hidden = {a};
      break;
    case Mode::Swipe:
      main.swipeLayer = upper;
      main.swipePosition = t;
      main.swipeKeepsLeft = upper == a;
      break;
    case Mode::Blend: main.opacity[upper] = upper == b ? t : 1.0 - t; break;
    case Mode::Flicker: main.hidden = {mFlickerShowsB ? a : b}; break;
  }
  if (mode == Mode::Flicker) {
    if (mFlicker.interval() != flickerMs) mFlicker.setInterval(flickerMs);
    if (!mFlicker.isActive()) mFlicker.start();
  } else {
    mFlicker.stop();
  }
  mCanvas->setComparison(main);
  mSecond->setComparison(right);
  if (const bool sideBySide = mode == Mode::SideBySide; sideBySide != mSideBySideShown) {
    mSideBySideShown = sideBySide;
    Q_EMIT sideBySideChanged(sideBySide);
  }
  updateControls();
}

}  // namespace prithvi
