#include "ui/StyleDock.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "viewers/HistogramWidget.h"
#include "viewers/LayerStack.h"

namespace prithvi {

namespace {
const QString kCustomRgb = QStringLiteral("Custom RGB");
const QString kSingleBand = QStringLiteral("Single band");
constexpr int kCustomLimits = -1;  // the stretch mode entry for limits set by hand
constexpr SpectralIndex kIndices[] = {SpectralIndex::NDVI, SpectralIndex::NDWI, SpectralIndex::MNDWI, SpectralIndex::NBR,
                                      SpectralIndex::EVI};
constexpr ColorMapName kColorMaps[] = {ColorMapName::Gray, ColorMapName::Viridis, ColorMapName::Magma,
                                       ColorMapName::RdYlGn, ColorMapName::Blues, ColorMapName::BrBG};
constexpr uint8_t kFmaskBits[] = {fmask::kCloud, fmask::kShadow, fmask::kSnowIce, fmask::kWater};
const QColor kChannelColors[] = {QColor(0xd9, 0x3b, 0x3b), QColor(0x3b, 0xa5, 0x4a), QColor(0x3b, 0x6f, 0xd9)};

// The colour map that reads naturally for each index.
ColorMapName defaultColorMap(SpectralIndex index) {
  switch (index) {
    case SpectralIndex::NDVI:
    case SpectralIndex::EVI: return ColorMapName::RdYlGn;
    case SpectralIndex::NDWI:
    case SpectralIndex::MNDWI: return ColorMapName::Blues;
    case SpectralIndex::NBR: return ColorMapName::BrBG;
  }
  return ColorMapName::Gray;
}

void fillRoleCombo(QComboBox* combo, const Scene* scene) {
  const QVariant previous = combo->currentData();
  combo->clear();
  for (int r = 0; r <= int(BandRole::Other); ++r) {
    const auto role = BandRole(r);
    if (role == BandRole::Fmask || role == BandRole::Other) continue;
    if (scene && !scene->band(role)) continue;
    combo->addItem(QLatin1String(bandRoleName(role)), r);
  }
  const int index = combo->findData(previous);
  if (index >= 0) combo->setCurrentIndex(index);
}

void selectData(QComboBox* combo, int value) {
  const int index = combo->findData(value);
  if (index >= 0) combo->setCurrentIndex(index);
}
}  // namespace

StyleDock::StyleDock(LayerStack* layers, QWidget* parent) : QWidget(parent), mLayers(layers) {
  qRegisterMetaType<StyleRequest>();
  mPreset = new QComboBox(this);
  mPreset->setObjectName(QStringLiteral("preset"));
  for (const auto& preset : stylePresets()) mPreset->addItem(QLatin1String(preset.name));
  mPreset->addItem(kCustomRgb);
  mPreset->addItem(kSingleBand);
  for (SpectralIndex index : kIndices) mPreset->addItem(QLatin1String(spectralIndexName(index)));

  // Band choices: RGB combos, or one band / index with a colour map.
  mBandPages = new QStackedWidget(this);
  mBandPages->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);  // one row, however tall the dock
  auto* rgbPage = new QWidget(mBandPages);
  auto* rgbLayout = new QHBoxLayout(rgbPage);
  rgbLayout->setContentsMargins(0, 0, 0, 0);
  for (int c = 0; c < 3; ++c) {
    mRgb[c] = new QComboBox(rgbPage);
    mRgb[c]->setToolTip(tr("Band shown in %1").arg(QStringList{tr("red"), tr("green"), tr("blue")}[c]));
    rgbLayout->addWidget(mRgb[c]);
  }
  auto* singlePage = new QWidget(mBandPages);
  auto* singleLayout = new QHBoxLayout(singlePage);
  singleLayout->setContentsMargins(0, 0, 0, 0);
  mSingleBand = new QComboBox(singlePage);
  mColorMap = new QComboBox(singlePage);
  for (ColorMapName map : kColorMaps) mColorMap->addItem(QLatin1String(colorMapName(map)), int(map));
  singleLayout->addWidget(mSingleBand);
  singleLayout->addWidget(mColorMap);
  mBandPages->addWidget(rgbPage);
  mBandPages->addWidget(singlePage);

  mStretchMode = new QComboBox(this);
  mStretchMode->setObjectName(QStringLiteral("stretchMode"));
  mStretchMode->addItem(tr("Percent clip"), int(StretchMode::PercentClip));
  mStretchMode->addItem(tr("Min / max"), int(StretchMode::MinMax));
  mStretchMode->addItem(tr("Standard deviation"), int(StretchMode::StdDev));
  mStretchMode->addItem(tr("Custom limits"), kCustomLimits);
  mStretchMode->setToolTip(tr("Custom limits: drag the histogram's handles or type the values; other dates keep them"));
  mLow = new QDoubleSpinBox(this);
  mLow->setObjectName(QStringLiteral("stretchLow"));
  mHigh = new QDoubleSpinBox(this);
  mHigh->setObjectName(QStringLiteral("stretchHigh"));
  mSigmas = new QDoubleSpinBox(this);
  for (auto* box : {mLow, mHigh}) {
    box->setRange(0, 100);
    box->setDecimals(1);
    box->setSuffix(QStringLiteral(" %"));
  }
  mLow->setValue(2);
  mHigh->setValue(98);
  mSigmas->setRange(0.5, 5);
  mSigmas->setSingleStep(0.5);
  mSigmas->setValue(2);
  mSigmas->setSuffix(QStringLiteral(" σ"));
  mScope = new QComboBox(this);
  mScope->addItem(tr("Whole scene"), int(StretchScope::Scene));
  mScope->addItem(tr("Current view"), int(StretchScope::View));
  mScope->setToolTip(tr("Compute the stretch from the whole scene or from what the map shows now"));
  mChannel = new QComboBox(this);
  mChannel->addItems({tr("Red channel"), tr("Green channel"), tr("Blue channel")});
  mHistogram = new HistogramWidget(this);
  mHistogram->setObjectName(QStringLiteral("histogram"));
  mGamma = new QDoubleSpinBox(this);
  mGamma->setRange(0.2, 5);
  mGamma->setSingleStep(0.1);
  mGamma->setValue(1);
  mGamma->setToolTip(tr("Above 1 brightens dark areas"));
  auto* fmaskRow = new QHBoxLayout;
  const QStringList fmaskNames = {tr("Cloud"), tr("Shadow"), tr("Snow"), tr("Water")};
  for (int i = 0; i < 4; ++i) {
    mFmask[i] = new QCheckBox(fmaskNames[i], this);
    fmaskRow->addWidget(mFmask[i]);
  }
  mNote = new QLabel(this);
  mNote->setWordWrap(true);
  mNote->setStyleSheet(QStringLiteral("color: palette(placeholder-text)"));

  auto* clipRow = new QHBoxLayout;
  clipRow->addWidget(mLow);
  clipRow->addWidget(mHigh);
  clipRow->addWidget(mSigmas);
  auto* form = new QFormLayout;
  form->addRow(tr("Show"), mPreset);
  form->addRow(tr("Bands"), mBandPages);
  form->addRow(tr("Stretch"), mStretchMode);
  form->addRow(tr("Limits"), clipRow);
  form->addRow(tr("From"), mScope);
  form->addRow(tr("Gamma"), mGamma);
  auto* histogramBox = new QGroupBox(tr("Histogram"), this);
  auto* histogramLayout = new QVBoxLayout(histogramBox);
  histogramLayout->addWidget(mChannel);
  histogramLayout->addWidget(mHistogram);
  auto* fmaskBox = new QGroupBox(tr("Fmask overlay"), this);
  fmaskBox->setLayout(fmaskRow);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(form);
  layout->addWidget(histogramBox);
  layout->addWidget(fmaskBox);
  layout->addWidget(mNote);
  layout->addStretch();

  auto restyle = [this] { emitRequest(true); };
  connect(mPreset, &QComboBox::currentIndexChanged, this, [this] {
    if (mLoading) return;
    const QString label = mPreset->currentText();
    for (SpectralIndex index : kIndices)
      if (label == QLatin1String(spectralIndexName(index))) {
        QSignalBlocker block(mColorMap);
        selectData(mColorMap, int(defaultColorMap(index)));
      }
    for (const auto& preset : stylePresets())
      if (label == QLatin1String(preset.name))
        for (int c = 0; c < 3; ++c) {
          QSignalBlocker block(mRgb[c]);
          selectData(mRgb[c], int(preset.rgb[c]));
        }
    emitRequest(true);
  });
  for (auto* combo : mRgb)
    connect(combo, &QComboBox::currentIndexChanged, this, [this] {
      if (mLoading) return;
      QSignalBlocker block(mPreset);
      mPreset->setCurrentText(kCustomRgb);
      emitRequest(true);
    });
  connect(mSingleBand, &QComboBox::currentIndexChanged, this, [this] {
    if (mLoading) return;
    QSignalBlocker block(mPreset);
    mPreset->setCurrentText(kSingleBand);
    emitRequest(true);
  });
  connect(mColorMap, &QComboBox::currentIndexChanged, this, [this] {
    if (!mLoading) emitRequest(false);
  });
  connect(mStretchMode, &QComboBox::currentIndexChanged, this, [this] {
    showLimitFields();
    if (mLoading || customLimits()) return;
    emitRequest(true);
  });
  auto limitsTyped = [this] {
    if (mLoading) return;
    if (!customLimits()) {
      emitRequest(true);
      return;
    }
    LayerStyle style = styleFromControls();
    const int channel = style.kind == LayerStyle::Kind::Rgb ? mChannel->currentIndex() : 0;
    style.stretch[channel] = {mLow->value(), mHigh->value()};
    style.customStretch = true;
    Q_EMIT styleRequested(StyleRequest{mLayerId, style, {}, StretchScope::Scene, false});
  };
  connect(mLow, &QDoubleSpinBox::editingFinished, this, limitsTyped);
  connect(mHigh, &QDoubleSpinBox::editingFinished, this, limitsTyped);
  connect(mSigmas, &QDoubleSpinBox::editingFinished, this, restyle);
  connect(mScope, &QComboBox::currentIndexChanged, this, restyle);
  connect(mGamma, &QDoubleSpinBox::valueChanged, this, [this] {
    if (!mLoading) emitRequest(false);
  });
  for (auto* box : mFmask)
    connect(box, &QCheckBox::toggled, this, [this] {
      if (!mLoading) emitRequest(false);
    });
  connect(mChannel, &QComboBox::currentIndexChanged, this, [this] {
    showHistogram();
    showLimitFields();
  });
  connect(mHistogram, &HistogramWidget::limitsEdited, this, [this](double min, double max) {
    if (!mLayers->layer(mLayerId)) return;
    LayerStyle style = styleFromControls();
    const int channel = style.kind == LayerStyle::Kind::Rgb ? mChannel->currentIndex() : 0;
    style.stretch[channel] = {min, max};
    style.customStretch = true;
    {
      // The fields say what the handles did: custom limits, these values.
      QSignalBlocker block(mStretchMode);
      selectData(mStretchMode, kCustomLimits);
    }
    StyleRequest request{mLayerId, style, {}, StretchScope::Scene, false};
    Q_EMIT styleRequested(request);
  });
  connect(mLayers, &LayerStack::layerChanged, this, [this](int id) {
    if (id == mLayerId) loadFromLayer();
  });
  setLayer(0);
}

void StyleDock::setLayer(int layerId) {
  mLayerId = layerId;
  setEnabled(mLayers->layer(layerId) != nullptr);
  loadFromLayer();
}

bool StyleDock::selectPreset(const QString& label) {
  const int index = mPreset->findText(label);
  if (index < 0) return false;
  mPreset->setCurrentIndex(index);
  return true;
}

void StyleDock::setFmaskOverlay(uint8_t bits) {
  {
    QSignalBlocker blocks[] = {QSignalBlocker(mFmask[0]), QSignalBlocker(mFmask[1]), QSignalBlocker(mFmask[2]),
                               QSignalBlocker(mFmask[3])};
    for (int i = 0; i < 4; ++i) mFmask[i]->setChecked(bits & kFmaskBits[i]);
  }
  emitRequest(false);
}

uint8_t StyleDock::fmaskOverlay() const {
  uint8_t bits = 0;
  for (int i = 0; i < 4; ++i)
    if (mFmask[i]->isChecked()) bits |= kFmaskBits[i];
  return bits;
}

void StyleDock::loadFromLayer() {
  const MapLayer* layer = mLayers->layer(mLayerId);
  mLoading = true;
  const Scene* scene = layer ? &layer->scene : nullptr;
  for (auto* combo : mRgb) fillRoleCombo(combo, scene);
  fillRoleCombo(mSingleBand, scene);
  if (layer) {
    const LayerStyle& style = layer->style;
    for (int c = 0; c < 3; ++c) selectData(mRgb[c], int(style.rgb[c]));
    selectData(mSingleBand, int(style.band));
    selectData(mColorMap, int(style.colorMap));
    QString preset = kCustomRgb;
    if (style.kind == LayerStyle::Kind::SingleBand) preset = kSingleBand;
    if (style.kind == LayerStyle::Kind::Index) preset = QLatin1String(spectralIndexName(style.index));
    if (style.kind == LayerStyle::Kind::Rgb)
      for (const auto& p : stylePresets())
        if (p.rgb == style.rgb) preset = QLatin1String(p.name);
    mPreset->setCurrentText(preset);
    mBandPages->setCurrentIndex(style.kind == LayerStyle::Kind::Rgb ? 0 : 1);
    mSingleBand->setEnabled(style.kind == LayerStyle::Kind::SingleBand);
    mPreset->setEnabled(style.hasStretch());
    mChannel->setVisible(style.kind == LayerStyle::Kind::Rgb);
    mGamma->setValue(style.gamma);
    if (style.customStretch)
      selectData(mStretchMode, kCustomLimits);
    else if (customLimits())
      selectData(mStretchMode, int(StretchMode::PercentClip));
    for (int i = 0; i < 4; ++i) mFmask[i]->setChecked(style.fmaskOverlay & kFmaskBits[i]);
    const bool hasFmask = layer->scene.band(BandRole::Fmask) != nullptr;
    for (auto* box : mFmask) box->setEnabled(hasFmask);
    mNote->setText(!style.hasStretch()        ? tr("A class map: drawn with its colour table.")
                   : layer->statisticsReady ? QString()
                                            : tr("Computing statistics…"));
  }
  mLoading = false;
  showHistogram();
  showLimitFields();
}

bool StyleDock::customLimits() const { return mStretchMode->currentData().toInt() == kCustomLimits; }

void StyleDock::showLimitFields() {
  const bool custom = customLimits();
  const auto mode = StretchMode(mStretchMode->currentData().toInt());
  const QSignalBlocker blockLow(mLow), blockHigh(mHigh);
  for (auto* box : {mLow, mHigh}) {
    box->setSuffix(custom ? QString() : QStringLiteral(" %"));
    box->setDecimals(custom ? 4 : 1);
    box->setRange(custom ? -1e9 : 0, custom ? 1e9 : 100);
    box->setVisible(custom || mode == StretchMode::PercentClip);
  }
  mSigmas->setVisible(!custom && mode == StretchMode::StdDev);
  if (custom) {
    if (const MapLayer* layer = mLayers->layer(mLayerId)) {
      const int channel = layer->style.kind == LayerStyle::Kind::Rgb ? std::clamp(mChannel->currentIndex(), 0, 2) : 0;
      mLow->setValue(layer->style.stretch[channel].min);
      mHigh->setValue(layer->style.stretch[channel].max);
    }
  } else {
    mLow->setValue(mLastPercent.first);
    mHigh->setValue(mLastPercent.second);
  }
}

StretchParams StyleDock::stretchParams() const {
  StretchParams params;
  params.mode = customLimits() ? StretchMode::PercentClip : StretchMode(mStretchMode->currentData().toInt());
  params.lowPercent = mLastPercent.first;
  params.highPercent = mLastPercent.second;
  params.stdDevs = mSigmas->value();
  return params;
}

StretchScope StyleDock::stretchScope() const { return StretchScope(mScope->currentData().toInt()); }

void StyleDock::showHistogram() {
  const MapLayer* layer = mLayers->layer(mLayerId);
  if (!layer || layer->statistics.empty()) {
    mHistogram->clear();
    return;
  }
  const bool rgb = layer->style.kind == LayerStyle::Kind::Rgb;
  const int channel = rgb ? std::clamp(mChannel->currentIndex(), 0, int(layer->statistics.size()) - 1) : 0;
  mHistogram->setStatistics(layer->statistics[channel], rgb ? kChannelColors[channel] : QColor(0x70, 0x70, 0x70));
  mHistogram->setLimits(layer->style.stretch[channel].min, layer->style.stretch[channel].max);
}

LayerStyle StyleDock::styleFromControls() const {
  LayerStyle style;
  if (const MapLayer* layer = mLayers->layer(mLayerId)) style = layer->style;
  const QString label = mPreset->currentText();
  style.kind = LayerStyle::Kind::Rgb;
  if (label == kSingleBand) style.kind = LayerStyle::Kind::SingleBand;
  for (SpectralIndex index : kIndices)
    if (label == QLatin1String(spectralIndexName(index))) {
      style.kind = LayerStyle::Kind::Index;
      style.index = index;
    }
  for (int c = 0; c < 3; ++c)
    if (mRgb[c]->currentIndex() >= 0) style.rgb[c] = BandRole(mRgb[c]->currentData().toInt());
  if (mSingleBand->currentIndex() >= 0) style.band = BandRole(mSingleBand->currentData().toInt());
  style.colorMap = ColorMapName(mColorMap->currentData().toInt());
  style.gamma = mGamma->value();
  style.fmaskOverlay = fmaskOverlay();
  return style;
}

void StyleDock::emitRequest(bool recomputeStretch) {
  if (!mLayers->layer(mLayerId)) return;
  StyleRequest request;
  request.layerId = mLayerId;
  request.style = styleFromControls();
  if (!customLimits() && StretchMode(mStretchMode->currentData().toInt()) == StretchMode::PercentClip)
    mLastPercent = {mLow->value(), mHigh->value()};
  request.style.customStretch = false;
  request.stretch = stretchParams();
  request.scope = stretchScope();
  request.recomputeStretch = recomputeStretch;
  mBandPages->setCurrentIndex(request.style.kind == LayerStyle::Kind::Rgb ? 0 : 1);
  Q_EMIT styleRequested(request);
}

}  // namespace prithvi
