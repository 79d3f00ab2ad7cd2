// Region tools for labeling: the band scaling, the magic wand (connectivity, tolerance, nodata,
// bad requests) and SLIC superpixels (edges respected, labels contiguous and 4-connected, orphans
// merged, a count near (w * h) / S^2), and taking one superpixel as a region.
#include <QTest>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/base/Error.h"
#include "core/labels/RegionTools.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::expectError;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

SpectralWindow makeWindow(int width, int height, int bands, const std::function<float(int, int, int)>& value) {
  SpectralWindow window;
  window.width = width;
  window.height = height;
  window.bands = bands;
  window.values.resize(size_t(width) * height * bands);
  for (int band = 0; band < bands; ++band)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) window.values[(size_t(band) * height + y) * width + x] = value(band, x, y);
  return window;
}


int countSet(const std::vector<uint8_t>& mask) {
  int n = 0;
  for (uint8_t v : mask) n += v != 0;
  return n;
}

// Checks labels the way the labeling feature relies on them, with its own flood fill: ids are
// 0..n-1 with none missing, nodata (as given by `nodata`) is -1 and nothing else is, and every
// superpixel is one 4-connected piece. Returns the number of superpixels, or -1 with `why` set.
int checkLabels(const std::vector<int32_t>& labels, int width, int height, const std::function<bool(int, int)>& nodata,
                QString* why) {
  if (labels.size() != size_t(width) * height) {
    *why = QString("%1 labels for %2 pixels").arg(labels.size()).arg(width * height);
    return -1;
  }
  int32_t maxLabel = -1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int32_t label = labels[size_t(y) * width + x];
      if (nodata(x, y) != (label == -1) || label < -1) {
        *why = QString("pixel (%1, %2) has label %3").arg(x).arg(y).arg(label);
        return -1;
      }
      maxLabel = std::max(maxLabel, label);
    }
  const int count = maxLabel + 1;
  std::vector<int> size(count, 0), first(count, -1);
  for (size_t p = 0; p < labels.size(); ++p)
    if (labels[p] >= 0) {
      if (size[labels[p]]++ == 0) first[labels[p]] = int(p);
    }
  std::vector<uint8_t> seen(labels.size(), 0);
  std::vector<int> stack;
  for (int label = 0; label < count; ++label) {
    if (size[label] == 0) {
      *why = QString("label %1 of 0..%2 is unused").arg(label).arg(count - 1);
      return -1;
    }
    int reached = 0;
    stack.push_back(first[label]);
    seen[first[label]] = 1;
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      ++reached;
      const int x = p % width, y = p / width;
      const int neighbours[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
      for (const auto& n : neighbours) {
        if (n[0] < 0 || n[1] < 0 || n[0] >= width || n[1] >= height) continue;
        const int q = n[1] * width + n[0];
        if (!seen[q] && labels[q] == label) {
          seen[q] = 1;
          stack.push_back(q);
        }
      }
    }
    if (reached != size[label]) {
      *why = QString("superpixel %1 falls apart: %2 of its %3 pixels connect to (%4, %5)")
                 .arg(label).arg(reached).arg(size[label]).arg(first[label] % width).arg(first[label] / width);
      return -1;
    }
  }
  return count;
}

// Two spectra far apart after scaling, for the magic wand scenes.
constexpr float kSpectrumA[3] = {0.10f, 0.30f, 0.20f};
constexpr float kSpectrumB[3] = {0.25f, 0.10f, 0.40f};

}  // namespace

class TestRegionTools : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void robustRanges() {
    // Band 0 runs 0..99 (and 1e9 on the nodata pixel, which must not count); band 1 is flat;
    // band 2 runs 0..98 with one outlier of 1e6 that the 98th percentile ignores.
    const SpectralWindow window = makeWindow(101, 1, 3, [](int band, int x, int) {
      if (band == 0) return x < 100 ? float(x) : 1e9f;
      if (band == 1) return 5.0f;
      if (x == 100) return kNaN;
      return x == 99 ? 1e6f : float(x);
    });
    const std::vector<float> ranges = robustBandRanges(window);
    QCOMPARE(int(ranges.size()), 3);
    // Over 100 values the 2nd and 98th percentiles sit at positions 1.98 and 97.02.
    QVERIFY2(std::abs(ranges[0] - 95.04f) < 1e-3f, qPrintable(QString::number(ranges[0])));
    QCOMPARE(ranges[1], 1.0f);
    QVERIFY2(std::abs(ranges[2] - 95.04f) < 1e-3f, qPrintable(QString::number(ranges[2])));

    // Scaling by the range makes the tools unit-free: the same scene in other units selects the same.
    const SpectralWindow big =
        makeWindow(101, 1, 3, [&](int band, int x, int) { return window.at(band, x, 0) * 1000; });
    const std::vector<float> bigRanges = robustBandRanges(big);
    QVERIFY(std::abs(bigRanges[0] / ranges[0] - 1000) < 1);
  }

  void magicWandFollowsConnectivity() {
    // Spectrum A on the left (x < 20), B on the right, and an island of A inside B.
    auto island = [](int x, int y) { return x >= 28 && x <= 32 && y >= 10 && y <= 14; };
    const SpectralWindow window = makeWindow(40, 30, 3, [&](int band, int x, int y) {
      return x < 20 || island(x, y) ? kSpectrumA[band] : kSpectrumB[band];
    });
    const std::vector<uint8_t> left = magicWandRegion(window, 5, 5, 0.1);
    QCOMPARE(int(left.size()), 40 * 30);
    for (int y = 0; y < 30; ++y)
      for (int x = 0; x < 40; ++x)
        QVERIFY2(left[size_t(y) * 40 + x] == (x < 20 ? 1 : 0), qPrintable(QString("pixel %1, %2").arg(x).arg(y)));
    QCOMPARE(left[12 * 40 + 30], uint8_t(0));  // the island has the seed's spectrum but is not connected

    const std::vector<uint8_t> fromIsland = magicWandRegion(window, 30, 12, 0.1);
    QCOMPARE(countSet(fromIsland), 25);
    for (int y = 0; y < 30; ++y)
      for (int x = 0; x < 40; ++x) QCOMPARE(fromIsland[size_t(y) * 40 + x], uint8_t(island(x, y) ? 1 : 0));

    QCOMPARE(countSet(magicWandRegion(window, 35, 25, 0.1)), 20 * 30 - 25);
    // A tolerance wide enough to cross into B reaches the island through B.
    QCOMPARE(countSet(magicWandRegion(window, 5, 5, 10.0)), 40 * 30);

    // Diagonal neighbours are not connected: a diagonal line of A in B selects one pixel.
    const SpectralWindow diagonal =
        makeWindow(6, 6, 3, [](int band, int x, int y) { return x == y ? kSpectrumA[band] : kSpectrumB[band]; });
    const std::vector<uint8_t> corner = magicWandRegion(diagonal, 2, 2, 0.1);
    QCOMPARE(countSet(corner), 1);
    QCOMPARE(corner[2 * 6 + 2], uint8_t(1));
  }

  void magicWandToleranceGrowsRegion() {
    // The left half is A with a noise pattern whose 4-neighbours always differ (7 and 13 are not
    // multiples of 11), at most 0.005 either way; the right half is a flat B.
    auto noise = [](int x, int y) { return 0.001f * float((x * 7 + y * 13) % 11 - 5); };
    const SpectralWindow window = makeWindow(40, 30, 3, [&](int band, int x, int y) {
      return x < 20 ? kSpectrumA[band] + noise(x, y) : kSpectrumB[band];
    });
    // Tolerance 0: identical values only, so the seed alone in the noise, all of flat B.
    const std::vector<uint8_t> exact = magicWandRegion(window, 10, 10, 0.0);
    QCOMPARE(countSet(exact), 1);
    QCOMPARE(exact[10 * 40 + 10], uint8_t(1));
    QCOMPARE(countSet(magicWandRegion(window, 30, 10, 0.0)), 20 * 30);

    // Growing tolerances give growing, nested regions that end at the noisy half exactly.
    std::vector<uint8_t> previous = exact;
    for (double tolerance : {0.005, 0.01, 0.02, 0.05, 0.1}) {
      const std::vector<uint8_t> region = magicWandRegion(window, 10, 10, tolerance);
      for (size_t p = 0; p < region.size(); ++p)
        QVERIFY2(!previous[p] || region[p], qPrintable(QString("tolerance %1 lost pixel %2").arg(tolerance).arg(p)));
      QVERIFY2(countSet(region) >= countSet(previous), qPrintable(QString::number(tolerance)));
      previous = region;
    }
    QVERIFY(countSet(magicWandRegion(window, 10, 10, 0.02)) > 1);
    for (int y = 0; y < 30; ++y)
      for (int x = 0; x < 40; ++x) QCOMPARE(previous[size_t(y) * 40 + x], uint8_t(x < 20 ? 1 : 0));

    // The tolerance is relative to the bands' spread: the same scene in other units (here x 1000,
    // where the raw noise alone is 50 times the tolerance) gives the same regions.
    SpectralWindow scaled = window;
    for (float& v : scaled.values) v *= 1000;
    QCOMPARE(magicWandRegion(scaled, 10, 10, 0.1), previous);
    QCOMPARE(magicWandRegion(scaled, 10, 10, 0.0), exact);
  }

  void magicWandSkipsNodata() {
    // One flat spectrum everywhere; a column of NaN in band 1 cuts the window in two, one pixel is
    // NaN in band 0 only, and one is infinite.
    const SpectralWindow window = makeWindow(30, 20, 2, [](int band, int x, int y) {
      if (band == 1 && x == 10) return kNaN;
      if (band == 0 && x == 3 && y == 3) return kNaN;
      if (band == 0 && x == 20 && y == 5) return kInf;
      return band == 0 ? 0.2f : 0.4f;
    });
    const std::vector<uint8_t> left = magicWandRegion(window, 5, 5, 0.5);
    QCOMPARE(countSet(left), 10 * 20 - 1);
    QCOMPARE(left[3 * 30 + 3], uint8_t(0));
    for (int y = 0; y < 20; ++y)
      for (int x = 10; x < 30; ++x) QCOMPARE(left[size_t(y) * 30 + x], uint8_t(0));
    const std::vector<uint8_t> right = magicWandRegion(window, 25, 5, 0.5);
    QCOMPARE(countSet(right), 19 * 20 - 1);
    QCOMPARE(right[5 * 30 + 20], uint8_t(0));
    QCOMPARE(right[5 * 30 + 10], uint8_t(0));
    // However wide the tolerance, nodata stays out.
    const std::vector<uint8_t> wide = magicWandRegion(window, 25, 5, 1e30);
    QCOMPARE(countSet(wide), 19 * 20 - 1);
    QCOMPARE(wide[5 * 30 + 20], uint8_t(0));
  }

  void magicWandRejectsBadRequests() {
    const SpectralWindow window = makeWindow(8, 6, 2, [](int band, int x, int y) {
      return x == 2 && y == 3 && band == 1 ? kNaN : 0.1f * (band + 1);
    });
    for (auto [x, y] : {std::pair{-1, 0}, {0, -1}, {8, 0}, {0, 6}})
      QVERIFY2(expectError(ErrorKind::Usage, [&] { magicWandRegion(window, x, y, 0.1); }).find("outside") !=
                   std::string::npos,
               qPrintable(QString("%1, %2").arg(x).arg(y)));
    QVERIFY(expectError(ErrorKind::BadInput, [&] { magicWandRegion(window, 2, 3, 0.1); }).find("nodata") !=
            std::string::npos);
    for (double tolerance : {-0.1, double(kNaN), double(kInf)})
      QVERIFY2(!expectError(ErrorKind::Usage, [&] { magicWandRegion(window, 0, 0, tolerance); }).empty(),
               qPrintable(QString::number(tolerance)));
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { magicWandRegion(SpectralWindow{}, 0, 0, 0.1); }).empty());
    SpectralWindow noBands = window;
    noBands.bands = 0;
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { magicWandRegion(noBands, 0, 0, 0.1); }).empty());
    SpectralWindow short_ = window;
    short_.values.pop_back();
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { magicWandRegion(short_, 0, 0, 0.1); }).empty());
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { robustBandRanges(short_); }).empty());
  }

  void slicRespectsQuadrants() {
    // Four constant quadrants of different spectra, with borders off the seed grid.
    constexpr int kWidth = 120, kHeight = 90, kBorderX = 47, kBorderY = 38, kSize = 10;
    static constexpr float kSpectra[4][4] = {
        {0.05f, 0.10f, 0.30f, 0.20f},
        {0.20f, 0.05f, 0.10f, 0.35f},
        {0.35f, 0.30f, 0.05f, 0.10f},
        {0.10f, 0.35f, 0.20f, 0.05f}};
    auto quadrant = [&](int x, int y) { return (x < kBorderX ? 0 : 1) + (y < kBorderY ? 0 : 2); };
    const SpectralWindow window =
        makeWindow(kWidth, kHeight, 4, [&](int band, int x, int y) { return kSpectra[quadrant(x, y)][band]; });
    const std::vector<int32_t> labels = slicSuperpixels(window, kSize);
    QString why;
    const int count = checkLabels(labels, kWidth, kHeight, [](int, int) { return false; }, &why);
    QVERIFY2(count > 0, qPrintable(why));
    const int nominal = kWidth * kHeight / (kSize * kSize);
    QVERIFY2(count >= nominal / 2 && count <= nominal * 2, qPrintable(QString("%1 superpixels").arg(count)));
    std::vector<int> quadrantOf(count, -1);
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x) {
        const int label = labels[size_t(y) * kWidth + x];
        if (quadrantOf[label] < 0) quadrantOf[label] = quadrant(x, y);
        QVERIFY2(quadrantOf[label] == quadrant(x, y),
                 qPrintable(QString("superpixel %1 crosses a border at (%2, %3)").arg(label).arg(x).arg(y)));
      }
    QCOMPARE(slicSuperpixels(window, kSize), labels);  // deterministic
  }

  void slicStaysConnectedOnTextureWithNodata() {
    // Smooth texture plus strong noise breaks clusters into fragments, which the connectivity
    // step must split or merge. A NaN disc holds one valid pixel, which can merge with nothing.
    constexpr int kWidth = 96, kHeight = 80, kSize = 8;
    std::mt19937 random(7);
    std::uniform_real_distribution<float> jitter(-0.08f, 0.08f);
    std::vector<float> noise(size_t(kWidth) * kHeight * 3);
    for (float& v : noise) v = jitter(random);
    auto nodata = [](int x, int y) {
      const int dx = x - 60, dy = y - 30;
      return dx * dx + dy * dy <= 49 && !(dx == 0 && dy == 0);
    };
    const SpectralWindow window = makeWindow(kWidth, kHeight, 3, [&](int band, int x, int y) {
      if (nodata(x, y)) return band == 2 ? kNaN : 0.3f;  // NaN in one band makes the whole pixel nodata
      return 0.3f + 0.1f * std::sin(x * 0.15f + band) * std::cos(y * 0.11f - band) +
             noise[(size_t(band) * kHeight + y) * kWidth + x];
    });
    for (double compactness : {0.1, 0.02, 1.0}) {
      const std::vector<int32_t> labels = slicSuperpixels(window, kSize, compactness, 10);
      QString why;
      const int count = checkLabels(labels, kWidth, kHeight, nodata, &why);
      QVERIFY2(count > 0, qPrintable(QString("compactness %1: %2").arg(compactness).arg(why)));
      std::vector<int> size(count, 0);
      for (int32_t label : labels)
        if (label >= 0) ++size[label];
      // Orphans are gone: a superpixel under a quarter of the nominal size touches no other one.
      for (int y = 0; y < kHeight; ++y)
        for (int x = 0; x < kWidth; ++x) {
          const int32_t label = labels[size_t(y) * kWidth + x];
          if (label < 0 || size[label] * 4 >= kSize * kSize) continue;
          for (auto [nx, ny] : {std::pair{x + 1, y}, {x, y + 1}, {x - 1, y}, {x, y - 1}}) {
            if (nx < 0 || ny < 0 || nx >= kWidth || ny >= kHeight) continue;
            const int32_t other = labels[size_t(ny) * kWidth + nx];
            QVERIFY2(other < 0 || other == label,
                     qPrintable(QString("compactness %1: orphan %2 of %3 pixels at (%4, %5) touches %6")
                                    .arg(compactness).arg(label).arg(size[label]).arg(x).arg(y).arg(other)));
          }
        }
      // The lone valid pixel in the disc is a superpixel of its own.
      QCOMPARE(size[labels[30 * kWidth + 60]], 1);
      const int nominal = kWidth * kHeight / (kSize * kSize);
      QVERIFY2(count >= nominal / 2 && count <= nominal * 2,
               qPrintable(QString("compactness %1: %2 superpixels").arg(compactness).arg(count)));
    }
  }

  void slicEdgeCases() {
    const SpectralWindow flat = makeWindow(20, 15, 2, [](int band, int, int) { return 0.1f * (band + 1); });
    // A region size beyond the window: one superpixel.
    const std::vector<int32_t> one = slicSuperpixels(flat, 50);
    QCOMPARE(one, std::vector<int32_t>(20 * 15, 0));
    // Region size 1 still gives contiguous, connected labels.
    QString why;
    QVERIFY2(checkLabels(slicSuperpixels(flat, 1, 0.1, 2), 20, 15, [](int, int) { return false; }, &why) > 0,
             qPrintable(why));
    // No valid pixel: all nodata, no error.
    const SpectralWindow empty = makeWindow(5, 4, 2, [](int, int, int) { return kNaN; });
    QCOMPARE(slicSuperpixels(empty, 2), std::vector<int32_t>(20, -1));

    QVERIFY(!expectError(ErrorKind::Usage, [&] { slicSuperpixels(flat, 0); }).empty());
    QVERIFY(!expectError(ErrorKind::Usage, [&] { slicSuperpixels(flat, 4, -0.1); }).empty());
    QVERIFY(!expectError(ErrorKind::Usage, [&] { slicSuperpixels(flat, 4, double(kNaN)); }).empty());
    QVERIFY(!expectError(ErrorKind::Usage, [&] { slicSuperpixels(flat, 4, 0.1, 0); }).empty());
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { slicSuperpixels(SpectralWindow{}, 4); }).empty());
  }

  void superpixelRegionTakesOneLabel() {
    // By hand first: labels with a nodata pixel.
    const std::vector<int32_t> small = {0, 0, 1, -1, 2, 1};  // 3 x 2
    QCOMPARE(superpixelRegion(small, 3, 2, 2, 0), (std::vector<uint8_t>{0, 0, 1, 0, 0, 1}));
    QCOMPARE(superpixelRegion(small, 3, 2, 1, 0), (std::vector<uint8_t>{1, 1, 0, 0, 0, 0}));
    QCOMPARE(superpixelRegion(small, 3, 2, 1, 1), (std::vector<uint8_t>{0, 0, 0, 0, 1, 0}));
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { superpixelRegion(small, 3, 2, 0, 1); }).empty());
    QVERIFY(!expectError(ErrorKind::Usage, [&] { superpixelRegion(small, 3, 2, 3, 0); }).empty());
    QVERIFY(!expectError(ErrorKind::Usage, [&] { superpixelRegion(small, 3, 2, 0, -1); }).empty());
    QVERIFY(!expectError(ErrorKind::Usage, [&] { superpixelRegion(small, 2, 2, 0, 0); }).empty());

    // Then on SLIC output: exactly the pixels of the label under the point.
    const SpectralWindow window = makeWindow(64, 48, 3, [](int band, int x, int y) {
      return 0.2f + 0.1f * std::sin(x * 0.2f + band) + 0.05f * std::cos(y * 0.3f);
    });
    const std::vector<int32_t> labels = slicSuperpixels(window, 8);
    for (auto [x, y] : {std::pair{0, 0}, {63, 47}, {30, 20}, {12, 40}}) {
      const std::vector<uint8_t> region = superpixelRegion(labels, 64, 48, x, y);
      const int32_t label = labels[size_t(y) * 64 + x];
      QCOMPARE(int(region.size()), 64 * 48);
      for (size_t p = 0; p < labels.size(); ++p) QCOMPARE(region[p], uint8_t(labels[p] == label ? 1 : 0));
      QVERIFY(countSet(region) > 1);
    }
  }
};

QTEST_GUILESS_MAIN(TestRegionTools)
#include "test_region_tools.moc"
