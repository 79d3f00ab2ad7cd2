#include "core/raster/ClassMapCleanup.h"

#include <array>

#include <opencv2/imgproc.hpp>

#include "core/base/Error.h"

namespace prithvi {

std::string ClassMapCleanup::describe() const {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (openRadius > 0) add("open " + std::to_string(openRadius));
  if (closeRadius > 0) add("close " + std::to_string(closeRadius));
  if (minRegionPixels > 0) add("min " + std::to_string(minRegionPixels) + " px");
  return text.empty() ? "none" : text;
}

namespace {

cv::Mat disc(int radius) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1)); }

}  // namespace

int64_t cleanClassMap(std::vector<uint8_t>& classes, int width, int height, uint8_t empty, bool emptyIsClaimable,
                      const ClassMapCleanup& options) {
  if (options.openRadius < 0 || options.closeRadius < 0 || options.minRegionPixels < 0)
    throwUsage("Clean-up radii and the minimum region size must be zero or more (got open " +
               std::to_string(options.openRadius) + ", close " + std::to_string(options.closeRadius) + ", min " +
               std::to_string(options.minRegionPixels) + ").");
  if (width <= 0 || height <= 0 || classes.size() != size_t(width) * size_t(height))
    throwBadInput("The class raster holds " + std::to_string(classes.size()) + " values, not " + std::to_string(width) +
                  " x " + std::to_string(height) + ".");
  if (options.isNoop()) return 0;

  cv::Mat map(height, width, CV_8U, classes.data());  // edits `classes` in place
  const cv::Mat original = map.clone();
  std::array<bool, 256> present{};
  for (uint8_t v : classes) present[v] = true;
  present[empty] = false;
  cv::Mat dropped = cv::Mat::zeros(height, width, CV_8U);  // 255 where a pixel lost its class

  // Opening per class: pixels a disc of the radius cannot reach inside their class are dropped.
  if (options.openRadius > 0) {
    const cv::Mat kernel = disc(options.openRadius);
    for (int c = 0; c < 256; ++c) {
      if (!present[c]) continue;
      const cv::Mat mask = original == c;
      cv::Mat opened;
      cv::morphologyEx(mask, opened, cv::MORPH_OPEN, kernel, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
      dropped.setTo(255, mask & ~opened);
    }
    map.setTo(empty, dropped);
  }

  // Regions (8-connected, per class) under the minimum size are dropped.
  if (options.minRegionPixels > 0) {
    cv::Mat regions, stats, centroids;
    for (int c = 0; c < 256; ++c) {
      if (!present[c]) continue;
      const int count = cv::connectedComponentsWithStats(map == c, regions, stats, centroids, 8, CV_32S);
      std::vector<uint8_t> small(count, 0);
      for (int r = 1; r < count; ++r) small[r] = stats.at<int>(r, cv::CC_STAT_AREA) < options.minRegionPixels;
      for (int y = 0; y < height; ++y) {
        const int32_t* region = regions.ptr<int32_t>(y);
        uint8_t* value = map.ptr<uint8_t>(y);
        uint8_t* lost = dropped.ptr<uint8_t>(y);
        for (int x = 0; x < width; ++x)
          if (small[region[x]]) value[x] = empty, lost[x] = 255;
      }
    }
  }

  // Closing per class, claiming only pixels without a class now: dropped ones, and unlabelled
  // ones when empty means unlabelled. Another class's pixels are never taken.
  if (options.closeRadius > 0) {
    const cv::Mat kernel = disc(options.closeRadius);
    cv::Mat claimable = dropped.clone();
    if (emptyIsClaimable) claimable |= original == empty;
    for (int c = 0; c < 256; ++c) {
      if (!present[c]) continue;
      const cv::Mat mask = map == c;
      cv::Mat closed;
      cv::morphologyEx(mask, closed, cv::MORPH_CLOSE, kernel, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
      const cv::Mat gained = closed & ~mask & claimable & (map == empty);
      map.setTo(c, gained);
      dropped.setTo(0, gained);
    }
  }

  // Dropped pixels of a model's map take the class of the nearest classed pixel: a distance
  // transform labels every pixel with its nearest zero pixel, numbered in raster order.
  if (options.fillFromNearestClass && cv::countNonZero(dropped) > 0) {
    const cv::Mat unclassed = map == empty;
    if (cv::countNonZero(unclassed) < width * height) {
      cv::Mat distance, nearest;
      cv::distanceTransform(unclassed, distance, nearest, cv::DIST_L2, cv::DIST_MASK_5, cv::DIST_LABEL_PIXEL);
      std::vector<uint8_t> classOf(1, empty);  // label 0 is never used
      for (int y = 0; y < height; ++y) {
        const uint8_t* value = map.ptr<uint8_t>(y);
        for (int x = 0; x < width; ++x)
          if (value[x] != empty) classOf.push_back(value[x]);
      }
      for (int y = 0; y < height; ++y) {
        const int32_t* from = nearest.ptr<int32_t>(y);
        const uint8_t* lost = dropped.ptr<uint8_t>(y);
        uint8_t* value = map.ptr<uint8_t>(y);
        for (int x = 0; x < width; ++x)
          if (lost[x] && value[x] == empty) value[x] = classOf[size_t(from[x])];
      }
    }
  }

  int64_t changed = 0;
  const uint8_t* before = original.ptr<uint8_t>();
  for (size_t p = 0; p < classes.size(); ++p) changed += classes[p] != before[p];
  return changed;
}

}  // namespace prithvi
