#pragma once
// How the current layer is drawn: band combination presets, custom RGB, single band with a
// colour map, spectral indices, the stretch (mode, scope, histogram handles), gamma, and the
// Fmask overlay.

#include <QWidget>
#include <array>

#include "core/render/Render.h"

class QComboBox;
class QDoubleSpinBox;
class QCheckBox;
class QLabel;
class QStackedWidget;

namespace prithvi {

class LayerStack;
class HistogramWidget;

enum class StretchScope { Scene, View };

struct StyleRequest {
  int layerId = 0;
  LayerStyle style;
  StretchParams stretch;
  StretchScope scope = StretchScope::Scene;
  bool recomputeStretch = true;  // false: the style's stretch is final (a handle was dragged)
  // With recomputeStretch: compute the statistics (the histogram) but keep the style's limits.
  bool keepLimits = false;
};

class StyleDock : public QWidget {
  Q_OBJECT
 public:
  explicit StyleDock(LayerStack* layers, QWidget* parent = nullptr);
  void setLayer(int layerId);
  int layerId() const { return mLayerId; }
  // Selects a preset by its label ("True colour", "NDVI", ...) as a user would.
  bool selectPreset(const QString& label);
  void setFmaskOverlay(uint8_t bits);
  // The stretch the controls ask for, to apply it to a layer again (a new date of its tile).
  StretchParams stretchParams() const;
  StretchScope stretchScope() const;
  uint8_t fmaskOverlay() const;

 Q_SIGNALS:
  void styleRequested(const StyleRequest& request);

 private:
  void loadFromLayer();
  void emitRequest(bool recomputeStretch);
  LayerStyle styleFromControls() const;
  void showHistogram();
  // The limit fields show percentages, or the channel's values when the limits are custom.
  void showLimitFields();
  bool customLimits() const;

  LayerStack* mLayers;
  int mLayerId = 0;
  bool mLoading = false;
  QComboBox* mPreset;
  QStackedWidget* mBandPages;
  std::array<QComboBox*, 3> mRgb{};
  QComboBox* mSingleBand;
  QComboBox* mColorMap;
  QComboBox* mStretchMode;
  QDoubleSpinBox* mLow;
  QDoubleSpinBox* mHigh;
  QDoubleSpinBox* mSigmas;
  QComboBox* mScope;
  QComboBox* mChannel;
  HistogramWidget* mHistogram;
  QDoubleSpinBox* mGamma;
  std::array<QCheckBox*, 4> mFmask{};
  QLabel* mNote;
  std::pair<double, double> mLastPercent{2, 98};  // the percent clip, kept while limits are custom
};

}  // namespace prithvi

Q_DECLARE_METATYPE(prithvi::StyleRequest)
