#include "core/labels/RegionTools.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <opencv2/imgproc.hpp>

#include "core/base/Error.h"

namespace prithvi {

namespace {

// Checks the shape and returns the pixel count.
size_t checkedPixelCount(const SpectralWindow& window) {
  if (window.width <= 0 || window.height <= 0 || window.bands <= 0)
    throwBadInput("The image window is empty (" + std::to_string(window.width) + " x " +
                  std::to_string(window.height) + " pixels, " + std::to_string(window.bands) + " bands).");
  const size_t pixels = size_t(window.width) * size_t(window.height);
  // Pixel indices are kept in 32 bits (stacks, labels); interactive windows are far smaller.
  if (pixels > size_t(std::numeric_limits<int32_t>::max()))
    throwBadInput("The image window of " + std::to_string(window.width) + " x " + std::to_string(window.height) +
                  " pixels is too large for the region tools.");
  if (window.values.size() != pixels * size_t(window.bands))
    throwBadInput("The image window holds " + std::to_string(window.values.size()) + " values but " +
                  std::to_string(window.width) + " x " + std::to_string(window.height) + " pixels x " +
                  std::to_string(window.bands) + " bands need " + std::to_string(pixels * size_t(window.bands)) + ".");
  return pixels;
}

// 1 where every band is finite.
std::vector<uint8_t> validMask(const SpectralWindow& window, size_t pixels) {
  std::vector<uint8_t> valid(pixels, 1);
  for (int band = 0; band < window.bands; ++band) {
    const float* plane = window.values.data() + size_t(band) * pixels;
    for (size_t p = 0; p < pixels; ++p)
      if (!std::isfinite(plane[p])) valid[p] = 0;
  }
  return valid;
}

// Exact order statistics of values[0, count) (all finite, between lo and hi) at the given ranks,
// without sorting: a histogram over [lo, hi] finds each rank's bin, then a selection runs within
// that bin only. The bin map is monotone (rounding preserves order), so the bins split the sorted
// order exactly. This keeps the magic wand interactive: nth_element over whole bands was the
// largest cost of a click.
std::vector<float> orderStatistics(const float* values, size_t count, float lo, float hi,
                                   const std::vector<size_t>& ranks) {
  if (!(hi > lo)) return std::vector<float>(ranks.size(), lo);
  constexpr int kBins = 16384;
  // In double, so that even hi - lo near the float limit stays finite.
  const double low = lo, scale = kBins / (double(hi) - low);
  auto bin = [&](float v) { return std::min(kBins - 1, int((double(v) - low) * scale)); };
  std::vector<size_t> histogram(kBins, 0);
  for (size_t i = 0; i < count; ++i) ++histogram[bin(values[i])];
  // The bin of each rank and the rank within it.
  std::vector<int> rankBin(ranks.size());
  std::vector<size_t> rankInBin(ranks.size());
  for (size_t r = 0; r < ranks.size(); ++r) {
    size_t before = 0;
    int b = 0;
    while (before + histogram[b] <= ranks[r]) before += histogram[b++];
    rankBin[r] = b;
    rankInBin[r] = ranks[r] - before;
  }
  // The few bins that hold a wanted rank get a slot; one pass collects their members.
  std::vector<int8_t> slot(kBins, -1);
  std::vector<std::vector<float>> members;
  for (int b : rankBin)
    if (slot[b] < 0) {
      slot[b] = int8_t(members.size());
      members.emplace_back().reserve(histogram[b]);
    }
  for (size_t i = 0; i < count; ++i) {
    const int s = slot[bin(values[i])];
    if (s >= 0) members[s].push_back(values[i]);
  }
  std::vector<float> result(ranks.size());
  for (size_t r = 0; r < ranks.size(); ++r) {
    auto& m = members[slot[rankBin[r]]];
    std::nth_element(m.begin(), m.begin() + rankInBin[r], m.end());
    result[r] = m[rankInBin[r]];
  }
  return result;
}

std::vector<float> bandRanges(const SpectralWindow& window, const std::vector<uint8_t>& valid, size_t pixels) {
  std::vector<float> ranges(window.bands, 1.0f);
  std::vector<float> scratch(pixels);
  for (int band = 0; band < window.bands; ++band) {
    const float* plane = window.values.data() + size_t(band) * pixels;
    // Branch-free compaction of the valid values (push_back in this loop is several times slower).
    size_t count = 0;
    for (size_t p = 0; p < pixels; ++p) {
      scratch[count] = plane[p];
      count += valid[p];
    }
    if (count < 2) continue;
    // Eight independent lanes: one running min/max is a long dependency chain that the compiler
    // will not vectorize without fast-math; lanes let it use vector min/max.
    constexpr size_t kLanes = 8;
    float laneLo[kLanes], laneHi[kLanes];
    std::fill(laneLo, laneLo + kLanes, std::numeric_limits<float>::infinity());
    std::fill(laneHi, laneHi + kLanes, -std::numeric_limits<float>::infinity());
    size_t i = 0;
    for (; i + kLanes <= count; i += kLanes)
      for (size_t lane = 0; lane < kLanes; ++lane) {
        const float v = scratch[i + lane];
        laneLo[lane] = v < laneLo[lane] ? v : laneLo[lane];
        laneHi[lane] = v > laneHi[lane] ? v : laneHi[lane];
      }
    for (; i < count; ++i) {
      laneLo[0] = scratch[i] < laneLo[0] ? scratch[i] : laneLo[0];
      laneHi[0] = scratch[i] > laneHi[0] ? scratch[i] : laneHi[0];
    }
    const float lo = *std::min_element(laneLo, laneLo + kLanes);
    const float hi = *std::max_element(laneHi, laneHi + kLanes);
    // Percentiles interpolated linearly between the order statistics around p * (count - 1).
    const double loPosition = 0.02 * double(count - 1), hiPosition = 0.98 * double(count - 1);
    const size_t loRank = size_t(loPosition), hiRank = size_t(hiPosition);
    const std::vector<float> s = orderStatistics(scratch.data(), count, lo, hi,
                                                 {loRank, std::min(loRank + 1, count - 1), hiRank,
                                                  std::min(hiRank + 1, count - 1)});
    const double range = (s[2] + (hiPosition - double(hiRank)) * (double(s[3]) - s[2])) -
                         (s[0] + (loPosition - double(loRank)) * (double(s[1]) - s[0]));
    if (range > 0 && std::isfinite(range)) ranges[band] = float(range);
  }
  return ranges;
}

// Union-find over connected fragments, used to merge orphans.
struct Fragments {
  std::vector<int32_t> parent;
  int32_t find(int32_t a) {
    while (parent[a] != a) {
      parent[a] = parent[parent[a]];  // path halving keeps later finds short
      a = parent[a];
    }
    return a;
  }
};

}  // namespace

std::vector<float> robustBandRanges(const SpectralWindow& window) {
  const size_t pixels = checkedPixelCount(window);
  return bandRanges(window, validMask(window, pixels), pixels);
}

std::vector<uint8_t> magicWandRegion(const SpectralWindow& window, int seedX, int seedY, double tolerance) {
  const size_t pixels = checkedPixelCount(window);
  if (!std::isfinite(tolerance) || tolerance < 0)
    throwUsage("The magic wand tolerance must be zero or more (got " + std::to_string(tolerance) + ").");
  const int width = window.width;
  const int height = window.height;
  if (seedX < 0 || seedY < 0 || seedX >= width || seedY >= height)
    throwUsage("The magic wand seed (" + std::to_string(seedX) + ", " + std::to_string(seedY) +
               ") lies outside the " + std::to_string(width) + " x " + std::to_string(height) + " window.");
  const int bands = window.bands;
  const size_t seed = size_t(seedY) * width + seedX;
  for (int band = 0; band < bands; ++band)
    if (!std::isfinite(window.values[size_t(band) * pixels + seed]))
      throwBadInput("The magic wand seed (" + std::to_string(seedX) + ", " + std::to_string(seedY) +
                    ") is a nodata pixel; pick a pixel with data.");

  const std::vector<float> ranges = robustBandRanges(window);
  std::vector<double> inverseRange(bands);
  std::vector<double> seedValue(bands);
  for (int band = 0; band < bands; ++band) {
    inverseRange[band] = 1.0 / ranges[band];
    seedValue[band] = window.values[size_t(band) * pixels + seed];
  }
  // One vectorizable pass over all pixels gives the squared distances, so the fill itself only
  // reads bytes; this is cheaper than testing band-strided values per visit once the region is
  // large. Compared with tolerance^2 * bands: no square root or division per pixel.
  std::vector<float> sum(pixels, 0.0f);
  for (int band = 0; band < bands; ++band) {
    const float* plane = window.values.data() + size_t(band) * pixels;
    const float s = float(seedValue[band]), scale = float(inverseRange[band]);
    for (size_t p = 0; p < pixels; ++p) {
      const float d = (plane[p] - s) * scale;
      sum[p] += d * d;
    }
  }
  // Capped to the largest float so that a huge tolerance still leaves an infinite sum out.
  // Nodata needs no separate test: a NaN or infinite band makes the sum NaN or infinite, and the
  // comparison with a finite limit fails.
  const float limit = float(std::min(tolerance * tolerance * bands, double(std::numeric_limits<float>::max())));
  // The close pixels, then OpenCV's 4-connected flood fill from the seed marks the region as 2.
  cv::Mat region(height, width, CV_8U);
  uint8_t* closePixels = region.ptr<uint8_t>();
  for (size_t p = 0; p < pixels; ++p) closePixels[p] = sum[p] <= limit;
  cv::floodFill(region, cv::Point(seedX, seedY), cv::Scalar(2), nullptr, cv::Scalar(0), cv::Scalar(0), 4);
  std::vector<uint8_t> inside(pixels);
  for (size_t p = 0; p < pixels; ++p) inside[p] = closePixels[p] == 2;
  return inside;
}

std::vector<int32_t> slicSuperpixels(const SpectralWindow& window, int regionSize, double compactness, int iterations) {
  const size_t pixels = checkedPixelCount(window);
  if (regionSize < 1)
    throwUsage("The superpixel size must be at least 1 pixel (got " + std::to_string(regionSize) + ").");
  if (!std::isfinite(compactness) || compactness < 0)
    throwUsage("The superpixel compactness must be zero or more (got " + std::to_string(compactness) + ").");
  if (iterations < 1)
    throwUsage("SLIC needs at least one iteration (got " + std::to_string(iterations) + ").");

  const int width = window.width;
  const int height = window.height;
  const int bands = window.bands;
  const int S = regionSize;
  const std::vector<uint8_t> valid = validMask(window, pixels);
  if (std::find(valid.begin(), valid.end(), uint8_t(1)) == valid.end()) return std::vector<int32_t>(pixels, -1);

  // Scaled planes, band-sequential so the distance loop runs along contiguous rows. Dividing by
  // sqrt(bands) as well makes a plain sum of squares the squared RMS distance.
  const std::vector<float> ranges = bandRanges(window, valid, pixels);
  std::vector<float> feature(pixels * bands);
  for (int band = 0; band < bands; ++band) {
    const float scale = float(1.0 / (ranges[band] * std::sqrt(double(bands))));
    const float* in = window.values.data() + size_t(band) * pixels;
    float* out = feature.data() + size_t(band) * pixels;
    for (size_t p = 0; p < pixels; ++p) out[p] = valid[p] ? in[p] * scale : 0.0f;
  }
  auto featureAt = [&](int band, size_t p) { return feature[size_t(band) * pixels + p]; };

  // Seeds: a grid of about (width / S) x (height / S) cells, each centred in its cell, then moved
  // off edges and noise to the lowest-gradient valid pixel of its 3x3 neighbourhood.
  const int gridX = std::max(1, int(std::lround(double(width) / S)));
  const int gridY = std::max(1, int(std::lround(double(height) / S)));
  auto gradient = [&](int x, int y) {
    const size_t p = size_t(y) * width + x;
    // A missing or nodata neighbour stands in with the pixel itself (no contribution).
    auto neighbour = [&](int nx, int ny) {
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) return p;
      const size_t q = size_t(ny) * width + nx;
      return valid[q] ? q : p;
    };
    const size_t left = neighbour(x - 1, y), right = neighbour(x + 1, y);
    const size_t up = neighbour(x, y - 1), down = neighbour(x, y + 1);
    double sum = 0;
    for (int band = 0; band < bands; ++band) {
      const double gx = featureAt(band, right) - featureAt(band, left);
      const double gy = featureAt(band, down) - featureAt(band, up);
      sum += gx * gx + gy * gy;
    }
    return sum;
  };
  std::vector<float> centreX, centreY, centreFeature;
  for (int j = 0; j < gridY; ++j) {
    for (int i = 0; i < gridX; ++i) {
      const int gx = std::min(width - 1, int((i + 0.5) * width / gridX));
      const int gy = std::min(height - 1, int((j + 0.5) * height / gridY));
      int bestX = -1, bestY = -1;
      double bestGradient = std::numeric_limits<double>::infinity();
      // The cell centre first, so that it wins ties.
      static constexpr int kOffsets[9][2] = {{0, 0},  {-1, -1}, {0, -1}, {1, -1}, {-1, 0},
                                             {1, 0}, {-1, 1},  {0, 1},  {1, 1}};
      for (const auto& offset : kOffsets) {
        const int x = gx + offset[0], y = gy + offset[1];
        if (x < 0 || y < 0 || x >= width || y >= height || !valid[size_t(y) * width + x]) continue;
        const double g = gradient(x, y);
        if (g < bestGradient) {
          bestGradient = g;
          bestX = x;
          bestY = y;
        }
      }
      if (bestX < 0) continue;  // nodata all around: neighbouring centres or the fragment step take any pixels here
      centreX.push_back(float(bestX));
      centreY.push_back(float(bestY));
      for (int band = 0; band < bands; ++band) centreFeature.push_back(featureAt(band, size_t(bestY) * width + bestX));
    }
  }
  const int centres = int(centreX.size());

  // -1 nodata, -2 valid but not reached by any centre's window.
  std::vector<int32_t> label(pixels), previous;
  std::vector<float> distance(pixels);
  // The search reach, clamped so that a huge regionSize cannot overflow or over-allocate.
  const int reach = std::min(S, std::max(width, height));
  std::vector<float> row(std::min(2 * size_t(reach) + 1, size_t(width)));
  const float spatialWeight = float(compactness * compactness / (double(S) * S));
  std::vector<double> sumX, sumY, sumFeature;
  std::vector<int64_t> count;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    for (size_t p = 0; p < pixels; ++p) {
      // Nodata gets a negative distance so no centre ever claims it.
      distance[p] = valid[p] ? std::numeric_limits<float>::infinity() : -1.0f;
      label[p] = valid[p] ? -2 : -1;
    }
    for (int k = 0; k < centres; ++k) {
      const float cx = centreX[k], cy = centreY[k];
      const int ix = int(std::lround(cx)), iy = int(std::lround(cy));
      const int x0 = std::max(0, ix - reach), x1 = std::min(width - 1, ix + reach);
      const int y0 = std::max(0, iy - reach), y1 = std::min(height - 1, iy + reach);
      const int span = x1 - x0 + 1;
      const float* centre = centreFeature.data() + size_t(k) * bands;
      for (int y = y0; y <= y1; ++y) {
        const float dy = float(y) - cy;
        const float rowBase = dy * dy * spatialWeight;
        for (int i = 0; i < span; ++i) {
          const float dx = float(x0 + i) - cx;
          row[i] = rowBase + dx * dx * spatialWeight;
        }
        const size_t start = size_t(y) * width + x0;
        for (int band = 0; band < bands; ++band) {
          const float* f = feature.data() + size_t(band) * pixels + start;
          const float c = centre[band];
          for (int i = 0; i < span; ++i) {
            const float d = f[i] - c;
            row[i] += d * d;
          }
        }
        float* dist = distance.data() + start;
        int32_t* lab = label.data() + start;
        for (int i = 0; i < span; ++i) {
          if (row[i] < dist[i]) {
            dist[i] = row[i];
            lab[i] = k;
          }
        }
      }
    }
    // Converged: the centres would not move, so further rounds repeat this one.
    if (label == previous) break;
    if (iteration + 1 == iterations) break;  // the centres of a last round would be unused
    previous = label;

    sumX.assign(centres, 0.0);
    sumY.assign(centres, 0.0);
    sumFeature.assign(size_t(centres) * bands, 0.0);
    count.assign(centres, 0);
    for (int y = 0; y < height; ++y) {
      const int32_t* lab = label.data() + size_t(y) * width;
      for (int x = 0; x < width; ++x) {
        const int32_t k = lab[x];
        if (k < 0) continue;
        ++count[k];
        sumX[k] += x;
        sumY[k] += y;
      }
    }
    for (int band = 0; band < bands; ++band) {
      const float* f = feature.data() + size_t(band) * pixels;
      for (size_t p = 0; p < pixels; ++p)
        if (label[p] >= 0) sumFeature[size_t(label[p]) * bands + band] += f[p];
    }
    for (int k = 0; k < centres; ++k) {
      if (count[k] == 0) continue;  // an empty centre stays put; it may win pixels back later
      const double n = double(count[k]);
      centreX[k] = float(sumX[k] / n);
      centreY[k] = float(sumY[k] / n);
      for (int band = 0; band < bands; ++band)
        centreFeature[size_t(k) * bands + band] = float(sumFeature[size_t(k) * bands + band] / n);
    }
  }

  // Connectivity: split every label (and every patch no centre reached) into 4-connected
  // fragments, with an explicit stack.
  std::vector<int32_t> fragment(pixels, -1);
  std::vector<int64_t> fragmentSize;
  std::vector<int32_t> stack;
  for (size_t start = 0; start < pixels; ++start) {
    if (!valid[start] || fragment[start] >= 0) continue;
    const int32_t id = int32_t(fragmentSize.size());
    const int32_t raw = label[start];
    int64_t size = 0;
    fragment[start] = id;
    stack.push_back(int32_t(start));
    while (!stack.empty()) {
      const size_t p = size_t(stack.back());
      stack.pop_back();
      ++size;
      const int x = int(p % width);
      const int y = int(p / width);
      auto visit = [&](size_t q) {
        if (valid[q] && fragment[q] < 0 && label[q] == raw) {
          fragment[q] = id;
          stack.push_back(int32_t(q));
        }
      };
      if (x > 0) visit(p - 1);
      if (x + 1 < width) visit(p + 1);
      if (y > 0) visit(p - width);
      if (y + 1 < height) visit(p + width);
    }
    fragmentSize.push_back(size);
  }
  const int32_t fragments = int32_t(fragmentSize.size());
  std::vector<double> fragmentSum(size_t(fragments) * bands, 0.0);
  for (int band = 0; band < bands; ++band) {
    const float* f = feature.data() + size_t(band) * pixels;
    for (size_t p = 0; p < pixels; ++p)
      if (fragment[p] >= 0) fragmentSum[size_t(fragment[p]) * bands + band] += f[p];
  }

  // Orphans merge into the spectrally closest adjacent fragment (so a merge does not cross an edge
  // when a same-spectrum neighbour exists). Merging adjacent sets keeps every set connected. Repeat
  // while merges happen: two orphans may merge into a set that is still too small.
  Fragments sets;
  sets.parent.resize(fragments);
  for (int32_t i = 0; i < fragments; ++i) sets.parent[i] = i;
  const int64_t nominal = int64_t(S) * S;
  auto small = [&](int32_t root) { return fragmentSize[root] * 4 < nominal; };
  auto spectralDistance = [&](int32_t a, int32_t b) {
    double sum = 0;
    for (int band = 0; band < bands; ++band) {
      const double d = fragmentSum[size_t(a) * bands + band] / double(fragmentSize[a]) -
                       fragmentSum[size_t(b) * bands + band] / double(fragmentSize[b]);
      sum += d * d;
    }
    return sum;
  };
  std::vector<int32_t> root(fragments), bestNeighbour(fragments);
  std::vector<double> bestDistance(fragments);
  for (bool merged = true; merged;) {
    merged = false;
    bool anySmall = false;
    for (int32_t i = 0; i < fragments; ++i) {
      root[i] = sets.find(i);
      bestNeighbour[i] = -1;
      bestDistance[i] = std::numeric_limits<double>::infinity();
      anySmall = anySmall || (root[i] == i && small(i));
    }
    if (!anySmall) break;
    auto consider = [&](int32_t a, int32_t b) {
      if (!small(a)) return;
      const double d = spectralDistance(a, b);
      const int32_t best = bestNeighbour[a];
      // Ties go to the larger neighbour, then the lower id, so the result is deterministic.
      if (best < 0 || d < bestDistance[a] ||
          (d == bestDistance[a] &&
           (fragmentSize[b] > fragmentSize[best] || (fragmentSize[b] == fragmentSize[best] && b < best)))) {
        bestDistance[a] = d;
        bestNeighbour[a] = b;
      }
    };
    auto pair = [&](size_t p, size_t q) {
      if (fragment[p] < 0 || fragment[q] < 0) return;
      const int32_t a = root[fragment[p]], b = root[fragment[q]];
      if (a == b) return;
      consider(a, b);
      consider(b, a);
    };
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const size_t p = size_t(y) * width + x;
        if (x + 1 < width) pair(p, p + 1);
        if (y + 1 < height) pair(p, p + width);
      }
    }
    for (int32_t a = 0; a < fragments; ++a) {
      if (bestNeighbour[a] < 0) continue;
      const int32_t ra = sets.find(a), rb = sets.find(bestNeighbour[a]);
      if (ra == rb) continue;
      // The larger set stays the root; sizes and sums follow it.
      const int32_t keep = fragmentSize[ra] >= fragmentSize[rb] ? ra : rb;
      const int32_t gone = keep == ra ? rb : ra;
      sets.parent[gone] = keep;
      fragmentSize[keep] += fragmentSize[gone];
      for (int band = 0; band < bands; ++band)
        fragmentSum[size_t(keep) * bands + band] += fragmentSum[size_t(gone) * bands + band];
      merged = true;
    }
  }

  // Contiguous ids in raster order of first appearance.
  std::vector<int32_t> id(fragments, -1);
  int32_t next = 0;
  std::vector<int32_t> result(pixels, -1);
  for (size_t p = 0; p < pixels; ++p) {
    if (fragment[p] < 0) continue;
    const int32_t r = sets.find(fragment[p]);
    if (id[r] < 0) id[r] = next++;
    result[p] = id[r];
  }
  return result;
}

std::vector<uint8_t> superpixelRegion(const std::vector<int32_t>& labels, int width, int height, int x, int y) {
  if (width <= 0 || height <= 0 || labels.size() != size_t(width) * size_t(height))
    throwUsage("The superpixel labels hold " + std::to_string(labels.size()) + " entries, not " +
               std::to_string(width) + " x " + std::to_string(height) + ".");
  if (x < 0 || y < 0 || x >= width || y >= height)
    throwUsage("The point (" + std::to_string(x) + ", " + std::to_string(y) + ") lies outside the " +
               std::to_string(width) + " x " + std::to_string(height) + " window.");
  const int32_t target = labels[size_t(y) * width + x];
  if (target < 0)
    throwBadInput("The pixel (" + std::to_string(x) + ", " + std::to_string(y) +
                  ") is nodata and belongs to no superpixel.");
  std::vector<uint8_t> region(labels.size());
  for (size_t p = 0; p < labels.size(); ++p) region[p] = labels[p] == target;
  return region;
}

}  // namespace prithvi
