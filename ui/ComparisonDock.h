#pragma once
// Comparing two layers (a model's result and its input, two runs, a filled image and the
// truth): side-by-side synchronised maps, a swipe bar, a blend slider, flicker, and a
// difference map. The dock only sets how the canvases draw; the layer stack is left as it is.

#include <QTimer>
#include <QWidget>

class QButtonGroup;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace prithvi {

class LayerStack;
class MapCanvas;

class ComparisonDock : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { Off, SideBySide, Swipe, Blend, Flicker };
  // `second` is the right-hand map of side-by-side mode (hidden by the window otherwise).
  ComparisonDock(LayerStack* layers, MapCanvas* canvas, MapCanvas* second, QWidget* parent = nullptr);

  // A is the reference (left of the bar, left map, shown at blend 0), B the compared layer.
  void setLayers(int layerA, int layerB);
  int layerA() const;
  int layerB() const;
  void setMode(Mode mode);
  Mode mode() const { return mMode; }
  // Swipe: the bar's position; blend: B's share; flicker: ignored. 0..1.
  void setAmount(double amount);
  double amount() const;
  int flickerIntervalMs() const { return mFlicker.interval(); }

 Q_SIGNALS:
  void sideBySideChanged(bool shown);
  void differenceRequested(int layerA, int layerB);

 private:
  void rebuildChoices();
  void apply();
  void updateControls();

  LayerStack* mLayers;
  MapCanvas* mCanvas;
  MapCanvas* mSecond;
  QComboBox* mA;
  QComboBox* mB;
  QButtonGroup* mModes;
  QSlider* mSlider;
  QLabel* mSliderLabel;
  QPushButton* mDifference;
  QLabel* mHint;
  Mode mMode = Mode::Off;
  QTimer mFlicker;
  bool mFlickerShowsB = true;
  bool mSideBySideShown = false;
};

}  // namespace prithvi
