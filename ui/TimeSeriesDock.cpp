#include "ui/TimeSeriesDock.h"

#include <QApplication>
#include <QCheckBox>
#include <QPointer>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/render/Render.h"
#include "core/render/Video.h"
#include "core/timeseries/TileCube.h"
#include "ui/Async.h"
#include "viewers/CubeView.h"
#include "viewers/DateGrid.h"
#include "viewers/SpectralProfileChart.h"
#include "viewers/TimeSeriesChart.h"

namespace prithvi {

namespace {

// A cancel flag whose progress, reported from any thread, moves `bar` on the GUI thread.
std::shared_ptr<Feedback> feedbackShownOn(QProgressBar* progressBar) {
  auto feedback = std::make_shared<Feedback>();
  QPointer<QProgressBar> bar(progressBar);
  feedback->setProgressCallback([bar](int64_t step, int64_t total, const std::string&) {
    QMetaObject::invokeMethod(
        qApp, [bar, step, total] {
          if (!bar) return;
          bar->setMaximum(int(total));
          bar->setValue(int(step));
        },
        Qt::QueuedConnection);
  });
  return feedback;
}
constexpr int kAreaHalf = 32;         // the area around a pixel: 64 x 64 px
constexpr int kMaxAreaPixels = 512;   // a polygon's bounding box, per side
constexpr int kPlayIntervalMs = 600;

struct SeriesChoice {
  SeriesKey key;
  const char* label;
  bool checked;
};
const std::vector<SeriesChoice>& seriesChoices() {
  static const std::vector<SeriesChoice> choices = {
      {{false, BandRole::Blue}, "Blue", false},   {{false, BandRole::Green}, "Green", false},
      {{false, BandRole::Red}, "Red", false},     {{false, BandRole::NIR}, "NIR", false},
      {{false, BandRole::SWIR1}, "SWIR1", false}, {{false, BandRole::SWIR2}, "SWIR2", false},
      {{true, BandRole::Red, SpectralIndex::NDVI}, "NDVI", true},
      {{true, BandRole::Red, SpectralIndex::NDWI}, "NDWI", false},
      {{true, BandRole::Red, SpectralIndex::MNDWI}, "MNDWI", false},
      {{true, BandRole::Red, SpectralIndex::NBR}, "NBR", false},
      {{true, BandRole::Red, SpectralIndex::EVI}, "EVI", false}};
  return choices;
}

bool insideRing(const std::vector<MapPoint>& ring, double x, double y) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++)
    if ((ring[i].y > y) != (ring[j].y > y) &&
        x < (ring[j].x - ring[i].x) * (y - ring[i].y) / (ring[j].y - ring[i].y) + ring[i].x)
      inside = !inside;
  return inside;
}

QString q(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

TimeSeriesDock::TimeSeriesDock(QWidget* parent) : QWidget(parent) {
  mPool.setMaxThreadCount(1);
  mPool.setExpiryTimeout(-1);
  mTabs = new QTabWidget(this);

  // Profile tab: chart, spectral profile, series choices.
  auto* profileTab = new QWidget(mTabs);
  mChart = new TimeSeriesChart(profileTab);
  mChart->setObjectName(QStringLiteral("timeSeriesChart"));
  mSpectral = new SpectralProfileChart(profileTab);
  auto* choices = new QHBoxLayout;
  for (const auto& choice : seriesChoices()) {
    auto* box = new QCheckBox(QLatin1String(choice.label), profileTab);
    box->setChecked(choice.checked);
    mSeriesBoxes.push_back(box);
    choices->addWidget(box);
    connect(box, &QCheckBox::toggled, this, [this] { mChart->setSeries(chosenSeries()); });
  }
  mShowFlagged = new QCheckBox(tr("Flagged in line"), profileTab);
  mShowFlagged->setToolTip(tr("Join cloudy, shadowed, snowy and fill observations into the lines too"));
  choices->addWidget(mShowFlagged);
  choices->addStretch();
  connect(mShowFlagged, &QCheckBox::toggled, mChart, &TimeSeriesChart::setShowFlagged);
  auto* charts = new QSplitter(Qt::Horizontal, profileTab);
  charts->addWidget(mChart);
  charts->addWidget(mSpectral);
  charts->setStretchFactor(0, 3);
  charts->setStretchFactor(1, 1);
  auto* profileLayout = new QVBoxLayout(profileTab);
  profileLayout->setContentsMargins(2, 2, 2, 2);
  profileLayout->addLayout(choices);
  profileLayout->addWidget(charts, 1);
  mTabs->addTab(profileTab, tr("Profile"));

  // Dates tab: chips, slider, play, export.
  auto* datesTab = new QWidget(mTabs);
  mGrid = new DateGrid(datesTab);
  mGrid->setObjectName(QStringLiteral("dateGrid"));
  auto* scroll = new QScrollArea(datesTab);
  scroll->setWidget(mGrid);
  scroll->setWidgetResizable(true);
  mSlider = new QSlider(Qt::Horizontal, datesTab);
  mPlay = new QToolButton(datesTab);
  mPlay->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  mPlay->setObjectName(QStringLiteral("playDates"));
  mPlay->setToolTip(tr("Play through the dates (Space)"));
  mPlay->setCheckable(true);
  mPlay->setShortcut(QKeySequence(Qt::Key_Space));
  mExport = new QPushButton(tr("Export…"), datesTab);
  mExport->setObjectName(QStringLiteral("exportFrames"));
  mExport->setToolTip(tr("Save the frames as an animated PNG or an MP4 video"));
  mExportProgress = new QProgressBar(datesTab);
  mExportProgress->setObjectName(QStringLiteral("exportProgress"));
  mExportProgress->setMaximumWidth(120);
  mExportProgress->setVisible(false);
  mPlayTimer = new QTimer(this);
  mPlayTimer->setInterval(kPlayIntervalMs);
  auto* sliderRow = new QHBoxLayout;
  sliderRow->addWidget(mPlay);
  sliderRow->addWidget(mSlider, 1);
  sliderRow->addWidget(mExportProgress);
  sliderRow->addWidget(mExport);
  auto* datesLayout = new QVBoxLayout(datesTab);
  datesLayout->setContentsMargins(2, 2, 2, 2);
  datesLayout->addWidget(scroll, 1);
  datesLayout->addLayout(sliderRow);
  mTabs->addTab(datesTab, tr("Dates"));
  connect(mGrid, &DateGrid::currentChanged, this, [this](int index, const QString& sceneId) {
    QSignalBlocker block(mSlider);
    mSlider->setValue(index);
    if (mStack) mSpectral->setObservation(mStack->observation(index, mCentreX, mCentreY));
    Q_EMIT dateActivated(sceneId);
  });
  connect(mSlider, &QSlider::valueChanged, mGrid, &DateGrid::setCurrent);
  connect(mPlay, &QToolButton::toggled, this, [this](bool on) {
    mPlay->setIcon(style()->standardIcon(on ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    mPlay->setToolTip(on ? tr("Pause (Space)") : tr("Play through the dates (Space)"));
    on ? mPlayTimer->start() : mPlayTimer->stop();
  });
  connect(mPlayTimer, &QTimer::timeout, this, [this] {
    if (mGrid->chips().empty()) return;
    mGrid->setCurrent((mGrid->current() + 1) % int(mGrid->chips().size()));
  });
  connect(mExport, &QPushButton::clicked, this, [this] {
    if (mExporting) {
      if (mExportFeedback) mExportFeedback->cancel();
      return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the frames"), {},
                                                      tr("Animated PNG (*.png);;MP4 video (*.mp4)"));
    if (!path.isEmpty()) exportFrames(path);
  });

  // Cube tab: the VTK view, variable, slices, picked voxel.
  auto* cubeTab = new QWidget(mTabs);
  mCube = new CubeView(cubeTab);
  mCube->setObjectName(QStringLiteral("cubeView"));
  mCubeVariable = new QComboBox(cubeTab);
  for (const auto& choice : seriesChoices()) mCubeVariable->addItem(QLatin1String(choice.label));
  mCubeVariable->setCurrentText(QStringLiteral("NDVI"));
  mVoxel = new QLabel(tr("Click the cube to read a voxel"), cubeTab);
  auto* sliceGrid = new QGridLayout;
  const QStringList sliceNames = {tr("x"), tr("y"), tr("date")};
  for (int axis = 0; axis < 3; ++axis) {
    auto* slider = new QSlider(Qt::Horizontal, cubeTab);
    mSliceSliders.push_back(slider);
    sliceGrid->addWidget(new QLabel(sliceNames[axis], cubeTab), axis, 0);
    sliceGrid->addWidget(slider, axis, 1);
    connect(slider, &QSlider::valueChanged, this, [this] {
      mCube->setSlices(mSliceSliders[0]->value(), mSliceSliders[1]->value(), mSliceSliders[2]->value());
    });
  }
  auto* cubeControls = new QVBoxLayout;
  cubeControls->addWidget(new QLabel(tr("Show"), cubeTab));
  cubeControls->addWidget(mCubeVariable);
  cubeControls->addLayout(sliceGrid);
  cubeControls->addWidget(mVoxel);
  cubeControls->addStretch();
  auto* cubeLayout = new QHBoxLayout(cubeTab);
  cubeLayout->setContentsMargins(2, 2, 2, 2);
  cubeLayout->addWidget(mCube, 1);
  cubeLayout->addLayout(cubeControls);
  mTabs->addTab(cubeTab, tr("Space-time cube"));
  connect(mCubeVariable, &QComboBox::currentIndexChanged, this, &TimeSeriesDock::rebuildCubeVolume);
  connect(mCube, &CubeView::voxelPicked, this, [this](const PickedVoxel& voxel) {
    mVoxel->setText(tr("x %1, y %2\n%3\n%4 = %5")
                        .arg(voxel.x)
                        .arg(voxel.y)
                        .arg(voxel.time.date().toString(Qt::ISODate), mCubeVariable->currentText())
                        .arg(std::isnan(voxel.value) ? tr("flagged") : QString::number(voxel.value, 'f', 4)));
    if (mStack && voxel.t < mStack->dateCount()) Q_EMIT dateActivated(q(mStack->dates[voxel.t].sceneId));
  });

  // Footer: where the data came from, the cube build.
  mStatus = new QLabel(this);
  mBuildCube = new QPushButton(tr("Build cube"), this);
  mBuildCube->setToolTip(tr("Stack this tile's granules once into a Zarr cube: profiles then read a few chunks"));
  mCubeProgress = new QProgressBar(this);
  mCubeProgress->setVisible(false);
  mCubeProgress->setMaximumWidth(200);
  auto* footer = new QHBoxLayout;
  footer->addWidget(mStatus, 1);
  footer->addWidget(mCubeProgress);
  footer->addWidget(mBuildCube);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(mTabs, 1);
  layout->addLayout(footer);
  connect(mBuildCube, &QPushButton::clicked, this, [this] {
    if (mBuildingCube && mCubeFeedback)
      mCubeFeedback->cancel();
    else
      buildCube();
  });
  connect(mChart, &TimeSeriesChart::dateActivated, this, [this](const QString& sceneId) {
    if (!mStack) return;
    for (int t = 0; t < mStack->dateCount(); ++t)
      if (q(mStack->dates[t].sceneId) == sceneId) mGrid->setCurrent(t);
    Q_EMIT dateActivated(sceneId);
  });
}

TimeSeriesDock::~TimeSeriesDock() {
  if (mCubeFeedback) mCubeFeedback->cancel();
  if (mExportFeedback) mExportFeedback->cancel();
  mPool.clear();
  mPool.waitForDone();
}

std::vector<SeriesKey> TimeSeriesDock::chosenSeries() const {
  std::vector<SeriesKey> series;
  for (size_t i = 0; i < mSeriesBoxes.size(); ++i)
    if (mSeriesBoxes[i]->isChecked()) series.push_back(seriesChoices()[i].key);
  return series;
}

void TimeSeriesDock::setProject(const std::string& projectPath, const std::vector<Scene>& scenes) {
  mProjectPath = projectPath;
  mTiles.clear();
  mLeftOut.clear();
  std::vector<std::string> seen;
  for (const Scene& scene : scenes)
    if (scene.kind == SceneKind::HlsGranule && std::find(seen.begin(), seen.end(), scene.tile) == seen.end()) {
      seen.push_back(scene.tile);
      try {
        mLeftOut[scene.tile] = leftOutDates(scenes, scene.tile);
        mTiles.push_back(tileGranules(scenes, scene.tile));
      } catch (const Error& error) {
        Q_EMIT message(QStringLiteral("warning"), q(error.what()));
      }
    }
}

const std::vector<Scene>* TimeSeriesDock::tileOf(const std::string& tile) const {
  for (const auto& granules : mTiles)
    if (granules.front().tile == tile) return &granules;
  return nullptr;
}

void TimeSeriesDock::showPixel(const MapPoint& point, const std::string& crs, const std::string& preferredTile) {
  // The preferred tile first (the one on the map), then any tile holding the point.
  std::vector<const std::vector<Scene>*> candidates;
  if (const auto* preferred = tileOf(preferredTile)) candidates.push_back(preferred);
  for (const auto& granules : mTiles) candidates.push_back(&granules);
  for (const auto* granules : candidates) {
    const auto pixel = tilePixelAt(granules->front(), point, crs);
    if (!pixel) continue;
    mGranules = *granules;
    const Window window{pixel->first - kAreaHalf, pixel->second - kAreaHalf, 2 * kAreaHalf, 2 * kAreaHalf};
    const std::string cube = cubePathFor(mProjectPath, mGranules.front().tile);
    const std::vector<Scene> granulesCopy = mGranules;
    const int request = ++mRequest;
    mLoading = true;
    mStatus->setText(tr("Reading %1 dates…").arg(mGranules.size()));
    const auto [px, py] = *pixel;
    runAsync<WindowStack>(
        mPool, this, [granulesCopy, window, cube] { return readWindowStack(granulesCopy, window, cube); },
        [this, request, px, py](std::optional<WindowStack> stack, const std::string& error) {
          if (request != mRequest) return;
          mLoading = false;
          if (!stack) {
            mStatus->setText(tr("Could not read the time series: %1").arg(q(error)));
            Q_EMIT message(QStringLiteral("error"), q(error));
            return;
          }
          const int cx = px - stack->window.x, cy = py - stack->window.y;
          applyStack(std::move(*stack), cx, cy);
          PixelProfile profile = mStack->profiles({{cx, cy}}).front();
          profile.tile = mGranules.front().tile;
          profile.leftOut = mLeftOut[profile.tile];
          mChart->setProfile(profile);
          Q_EMIT loaded();
        });
    return;
  }
  mStatus->setText(tr("No HLS tile of the project lies under that point"));
}

void TimeSeriesDock::showArea(const std::vector<MapPoint>& ring, const std::string& crs, const std::string& preferredTile) {
  const auto* granules = tileOf(preferredTile);
  if (!granules && !mTiles.empty()) granules = &mTiles.front();
  if (!granules || ring.size() < 3) return;
  // The ring in tile pixels, then its bounding box and the pixel centres inside.
  std::vector<MapPoint> pixels;
  for (const MapPoint& point : ring) {
    const auto pixel = tilePixelCoordinates(granules->front(), point, crs);
    if (!pixel) {
      mStatus->setText(tr("The area must lie inside tile T%1").arg(q(granules->front().tile)));
      return;
    }
    pixels.push_back(*pixel);
  }
  double minX = 1e18, minY = 1e18, maxX = -1e18, maxY = -1e18;
  for (const MapPoint& p : pixels) {
    minX = std::min(minX, p.x), maxX = std::max(maxX, p.x), minY = std::min(minY, p.y), maxY = std::max(maxY, p.y);
  }
  const Window box{int(minX), int(minY), std::min(kMaxAreaPixels, int(maxX - minX) + 1), std::min(kMaxAreaPixels, int(maxY - minY) + 1)};
  mGranules = *granules;
  const std::string cube = cubePathFor(mProjectPath, mGranules.front().tile);
  const std::vector<Scene> granulesCopy = mGranules;
  const int request = ++mRequest;
  mLoading = true;
  runAsync<WindowStack>(
      mPool, this, [granulesCopy, box, cube] { return readWindowStack(granulesCopy, box, cube); },
      [this, request, pixels](std::optional<WindowStack> stack, const std::string& error) {
        if (request != mRequest) return;
        mLoading = false;
        if (!stack) {
          Q_EMIT message(QStringLiteral("error"), q(error));
          return;
        }
        std::vector<std::pair<int, int>> inside;
        for (int y = 0; y < stack->window.height; ++y)
          for (int x = 0; x < stack->window.width; ++x)
            if (insideRing(pixels, stack->window.x + x + 0.5, stack->window.y + y + 0.5)) inside.emplace_back(x, y);
        if (inside.empty()) {
          mStatus->setText(tr("The area holds no pixel centre"));
          return;
        }
        const auto area = summariseArea(stack->profiles(inside));
        const int cx = inside[inside.size() / 2].first, cy = inside[inside.size() / 2].second;
        applyStack(std::move(*stack), cx, cy);
        mChart->setArea(area, tr("area of %1 px, mean ± 1 sd").arg(inside.size()));
        Q_EMIT loaded();
      });
}

void TimeSeriesDock::applyStack(WindowStack stack, int centreX, int centreY) {
  mStack = std::move(stack);
  mCentreX = centreX;
  mCentreY = centreY;
  mChart->setSeries(chosenSeries());
  mStatus->setText(tr("T%1, %2 dates, read from the %3")
                       .arg(q(mGranules.front().tile))
                       .arg(mStack->dateCount())
                       .arg(mStack->fromCube ? tr("cube") : tr("granule files (build the cube for speed)")));
  mSlider->setRange(0, std::max(0, mStack->dateCount() - 1));
  rebuildChips();
  rebuildCubeVolume();
}

void TimeSeriesDock::rebuildChips() {
  if (!mStack) return;
  const WindowStack& stack = *mStack;
  const int w = stack.window.width, h = stack.window.height;
  const size_t plane = stack.pixelsPerDate();
  // One stretch for every date: 2-98 % of the clear pixels of all dates, per channel.
  LayerStyle style;
  int channels[3];
  for (int c = 0; c < 3; ++c)
    for (int b = 0; b < 6; ++b)
      if (kPrithviBands[b] == mChipBands[c]) channels[c] = b;
  std::vector<std::vector<float>> bands(3, std::vector<float>(plane * stack.dateCount()));
  for (int c = 0; c < 3; ++c)
    for (int t = 0; t < stack.dateCount(); ++t)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          const uint8_t flags = stack.fmaskAt(t, x, y);
          const bool clear = flags != kFmaskFill && !(flags & (fmask::kCloud | fmask::kShadow));
          bands[c][t * plane + size_t(y) * w + x] = clear ? stack.reflectance(t, channels[c], x, y) : NAN;
        }
  for (int c = 0; c < 3; ++c) style.stretch[c] = stretchFor(computeStatistics(bands[c].data(), bands[c].size()), {});
  std::vector<DateChip> chips;
  std::vector<float> r(plane), g(plane), b(plane);
  for (int t = 0; t < stack.dateCount(); ++t) {
    int cloudy = 0, valid = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const size_t i = size_t(y) * w + x;
        r[i] = stack.reflectance(t, channels[0], x, y);
        g[i] = stack.reflectance(t, channels[1], x, y);
        b[i] = stack.reflectance(t, channels[2], x, y);
        const uint8_t flags = stack.fmaskAt(t, x, y);
        if (flags != kFmaskFill) {
          ++valid;
          cloudy += (flags & (fmask::kCloud | fmask::kShadow)) != 0;
        }
      }
    DateChip chip;
    chip.image = QImage(w, h, QImage::Format_ARGB32);
    renderPixels(style, {r.data(), g.data(), b.data()}, nullptr, w, h, reinterpret_cast<uint32_t*>(chip.image.bits()));
    chip.sceneId = q(stack.dates[t].sceneId);
    chip.label = stack.dates[t].acquired.date().toString(QStringLiteral("yy-MM-dd")) + QLatin1Char(' ') +
                 q(stack.dates[t].sensor);
    chip.cloudPercent = valid ? 100.0 * cloudy / valid : 100.0;
    chips.push_back(chip);
  }
  mGrid->setChips(std::move(chips));
  mSpectral->setObservation(stack.observation(std::max(0, mGrid->current()), mCentreX, mCentreY));
}

void TimeSeriesDock::rebuildCubeVolume() {
  if (!mStack) return;
  const WindowStack& stack = *mStack;
  const SeriesKey key = seriesChoices()[std::max(0, mCubeVariable->currentIndex())].key;
  CubeVolume volume;
  volume.width = stack.window.width;
  volume.height = stack.window.height;
  volume.dates = stack.dateCount();
  volume.variable = key.name();
  volume.values.resize(size_t(volume.width) * volume.height * volume.dates);
  std::vector<float> valid;
  for (int t = 0; t < volume.dates; ++t) {
    volume.times.push_back(stack.dates[t].acquired);
    for (int y = 0; y < volume.height; ++y)
      for (int x = 0; x < volume.width; ++x) {
        const Observation o = stack.observation(t, x, y);
        float value = NAN;
        if (!o.flagged()) {
          if (key.isIndex) value = o.index(key.index);
          else
            for (int b = 0; b < 6; ++b)
              if (kPrithviBands[b] == key.band) value = o.reflectance[b];
        }
        volume.values[(size_t(t) * volume.height + y) * volume.width + x] = value;
        if (!std::isnan(value)) valid.push_back(value);
      }
  }
  const BandStatistics statistics = computeStatistics(valid.data(), valid.size());
  const ChannelStretch range = stretchFor(statistics, {});
  volume.min = range.min;
  volume.max = range.max;
  volume.colorMap = key.isIndex ? (key.index == SpectralIndex::NDWI || key.index == SpectralIndex::MNDWI ? ColorMapName::Blues
                                                                                                          : ColorMapName::RdYlGn)
                                : ColorMapName::Viridis;
  mCube->setVolume(volume);
  const int extents[3] = {volume.width, volume.height, volume.dates};
  const int centre[3] = {mCentreX, mCentreY, std::max(0, mGrid->current())};
  for (int axis = 0; axis < 3; ++axis) {
    QSignalBlocker block(mSliceSliders[axis]);
    mSliceSliders[axis]->setRange(0, std::max(0, extents[axis] - 1));
    mSliceSliders[axis]->setValue(centre[axis]);
  }
  mCube->setSlices(centre[0], centre[1], centre[2]);
}

void TimeSeriesDock::setCurrentScene(const std::string& sceneId) {
  mChart->setCurrentScene(sceneId);
  if (!mStack) return;
  for (int t = 0; t < mStack->dateCount(); ++t)
    if (mStack->dates[t].sceneId == sceneId && mGrid->current() != t) {
      QSignalBlocker block(mGrid);
      mGrid->setCurrent(t);
      QSignalBlocker blockSlider(mSlider);
      mSlider->setValue(t);
      mSpectral->setObservation(mStack->observation(t, mCentreX, mCentreY));
    }
}

void TimeSeriesDock::setChipBands(const std::array<BandRole, 3>& rgb) {
  for (BandRole role : rgb)
    if (std::find(std::begin(kPrithviBands), std::end(kPrithviBands), role) == std::end(kPrithviBands)) return;
  if (rgb == mChipBands) return;
  mChipBands = rgb;
  rebuildChips();
}

void TimeSeriesDock::buildCube() {
  if (mBuildingCube) return;
  if (mGranules.empty()) {
    mStatus->setText(tr("Click a pixel of a tile first: the cube is built for that tile"));
    Q_EMIT cubeBuilt(false);
    return;
  }
  mBuildingCube = true;
  mCubeFeedback = feedbackShownOn(mCubeProgress);
  mCubeProgress->setVisible(true);
  mCubeProgress->setValue(0);
  mBuildCube->setText(tr("Cancel"));
  const std::vector<Scene> granules = mGranules;
  const std::string path = cubePathFor(mProjectPath, granules.front().tile);
  auto feedback = mCubeFeedback;
  Q_EMIT message(QStringLiteral("info"), tr("building the cube %1").arg(q(path)));
  runAsync<bool>(
      mPool, this,
      [granules, path, feedback] {
        buildTileCube(granules, path, {}, feedback.get());
        return true;
      },
      [this, path](std::optional<bool> ok, const std::string& error) {
        mBuildingCube = false;
        mCubeProgress->setVisible(false);
        mBuildCube->setText(tr("Build cube"));
        Q_EMIT message(ok ? QStringLiteral("info") : QStringLiteral("error"),
                       ok ? tr("cube written: %1").arg(q(path)) : tr("cube not built: %1").arg(q(error)));
        Q_EMIT cubeBuilt(ok.has_value());
      });
}

bool TimeSeriesDock::exportFrames(const QString& path) {
  if (mExporting) {
    Q_EMIT message(QStringLiteral("warning"), tr("a video export is still running"));
    return false;
  }
  std::vector<QImage> frames;
  for (const DateChip& chip : mGrid->chips())
    frames.push_back(chip.image.scaled(chip.image.size() * 4, Qt::KeepAspectRatio, Qt::FastTransformation));
  if (frames.empty()) {
    Q_EMIT message(QStringLiteral("error"), tr("no frames to export: click a pixel to load its dates first"));
    return false;
  }
  if (!path.endsWith(QStringLiteral(".mp4"), Qt::CaseInsensitive)) {
    QString error;
    if (!writeAnimatedPng(path, frames, kPlayIntervalMs, &error)) {
      Q_EMIT message(QStringLiteral("error"), tr("export failed: %1").arg(error));
      return false;
    }
    Q_EMIT message(QStringLiteral("info"), tr("wrote %1 frames to %2").arg(frames.size()).arg(path));
    return true;
  }

  // The video: frames copied out as RGB here, encoded on a worker.
  std::vector<RgbFrame> rgbFrames;
  for (const QImage& image : frames) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    RgbFrame frame{rgb.width(), rgb.height(), std::vector<uint8_t>(size_t(rgb.width()) * rgb.height() * 3)};
    for (int y = 0; y < rgb.height(); ++y)
      std::copy_n(rgb.constScanLine(y), size_t(rgb.width()) * 3, frame.rgb.begin() + size_t(y) * rgb.width() * 3);
    rgbFrames.push_back(std::move(frame));
  }
  mExporting = true;
  mExportFeedback = feedbackShownOn(mExportProgress);
  mExportProgress->setValue(0);
  mExportProgress->setVisible(true);
  mExport->setText(tr("Cancel"));
  auto feedback = mExportFeedback;
  const std::string target = path.toStdString();
  const double fps = 1000.0 / kPlayIntervalMs;
  runAsync<std::string>(
      mPool, this, [rgbFrames = std::move(rgbFrames), target, fps, feedback] { return writeMp4(target, rgbFrames, fps, feedback.get()); },
      [this, path, count = frames.size()](std::optional<std::string> codec, const std::string& error) {
        mExporting = false;
        mExportProgress->setVisible(false);
        mExport->setText(tr("Export…"));
        if (codec)
          Q_EMIT message(QStringLiteral("info"), tr("wrote %1 frames to %2 (%3)").arg(count).arg(path, q(*codec)));
        else
          Q_EMIT message(mExportFeedback && mExportFeedback->isCanceled() ? QStringLiteral("info") : QStringLiteral("error"),
                         mExportFeedback && mExportFeedback->isCanceled() ? tr("video export canceled; nothing written")
                                                                          : tr("video export failed: %1").arg(q(error)));
        Q_EMIT framesExported(codec.has_value(), path);
      });
  return true;
}

}  // namespace prithvi
