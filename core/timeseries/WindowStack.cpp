#include "core/timeseries/WindowStack.h"

#include <QFileInfo>
#include <algorithm>
#include <cmath>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/scene/SceneReader.h"
#include "core/timeseries/TileCube.h"

namespace prithvi {

float WindowStack::reflectance(int t, int b, int x, int y) const {
  const int16_t value = raw[(size_t(t) * 6 + b) * pixelsPerDate() + size_t(y) * window.width + x];
  return value == kHlsFill ? std::numeric_limits<float>::quiet_NaN() : float(value * kHlsReflectanceScale);
}

Observation WindowStack::observation(int t, int x, int y) const {
  Observation o = dates[t];
  for (int b = 0; b < 6; ++b) {
    o.raw[b] = raw[(size_t(t) * 6 + b) * pixelsPerDate() + size_t(y) * window.width + x];
    o.reflectance[b] = reflectance(t, b, x, y);
  }
  o.fmask = fmaskAt(t, x, y);
  return o;
}

std::vector<PixelProfile> WindowStack::profiles(const std::vector<std::pair<int, int>>& pixels) const {
  std::vector<PixelProfile> result;
  for (auto [x, y] : pixels) {
    PixelProfile profile;
    profile.pixelX = window.x + x;
    profile.pixelY = window.y + y;
    profile.fromCube = fromCube;
    for (int t = 0; t < dateCount(); ++t) profile.observations.push_back(observation(t, x, y));
    result.push_back(std::move(profile));
  }
  return result;
}

WindowStack readWindowStack(const std::vector<Scene>& granules, Window window, const std::string& cubePath,
                            Feedback* feedback) {
  if (granules.empty()) throwUsage("no granules to read");
  const Scene& first = granules.front();
  // Clip to the tile.
  const int x0 = std::max(0, window.x), y0 = std::max(0, window.y);
  const int x1 = std::min(first.width, window.x + window.width), y1 = std::min(first.height, window.y + window.height);
  if (x1 <= x0 || y1 <= y0) throwUsage("the window lies outside the tile");
  window = {x0, y0, x1 - x0, y1 - y0};
  WindowStack stack;
  stack.window = window;
  for (const Scene& scene : granules) {
    Observation o;
    o.sceneId = scene.id;
    o.acquired = scene.acquired;
    o.sensor = scene.sensor;
    stack.dates.push_back(o);
  }
  const size_t plane = stack.pixelsPerDate();
  const size_t dates = granules.size();
  stack.raw.assign(dates * 6 * plane, kHlsFill);
  stack.fmask.assign(dates * plane, kFmaskFill);

  if (!cubePath.empty() && QFileInfo::exists(QString::fromStdString(cubePath))) {
    try {
      const auto cube = TileCube::open(cubePath);
      const std::string stale = cube->staleReason(granules);
      if (stale.empty()) {
        cube->readWindow(window, stack.raw.data(), stack.fmask.data());
        stack.fromCube = true;
        return stack;
      }
      if (feedback)
        feedback->log("warning", "the cube " + cubePath + " is out of date (" + stale + "); reading the granule files");
    } catch (const Error& error) {
      if (feedback) feedback->log("warning", std::string(error.what()) + "; reading the granule files");
    }
  }
  const std::vector<BandRole> roles(std::begin(kPrithviBands), std::end(kPrithviBands));
  for (size_t t = 0; t < dates; ++t) {
    throwIfCanceled(feedback);
    reportProgress(feedback, int64_t(t), int64_t(dates), granules[t].id);
    SceneReader reader(granules[t]);
    const RasterBlock block = reader.read(window, roles, DataType::Int16);
    std::copy_n(block.band<int16_t>(0), 6 * plane, stack.raw.data() + t * 6 * plane);
    if (granules[t].band(BandRole::Fmask)) {
      const RasterBlock mask = reader.read(window, {BandRole::Fmask}, DataType::Byte);
      std::copy_n(mask.band<uint8_t>(0), plane, stack.fmask.data() + t * plane);
    }
  }
  return stack;
}

}  // namespace prithvi
