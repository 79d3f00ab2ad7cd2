// Morphological clean-up of class rasters: specks and small regions dropped, thin lines opened
// away, narrow unlabelled gaps closed, dropped pixels filled from the nearest class (model maps) or
// left unlabelled (label sets), nodata and other classes never taken.
#include <QTest>

#include <string>
#include <vector>

#include "core/base/Error.h"
#include "core/raster/ClassMapCleanup.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::expectError;

namespace {

constexpr uint8_t kEmpty = 255;

struct Map {
  int width, height;
  std::vector<uint8_t> values;
  Map(int w, int h, uint8_t fill) : width(w), height(h), values(size_t(w) * h, fill) {}
  uint8_t& at(int x, int y) { return values[size_t(y) * width + x]; }
  void box(int x0, int y0, int x1, int y1, uint8_t value) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) at(x, y) = value;
  }
  int count(uint8_t value) const { return int(std::count(values.begin(), values.end(), value)); }
};

}  // namespace

class ClassMapCleanupTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void smallRegionsTakeTheSurroundingClass() {
    Map map(40, 30, 1);
    map.box(5, 5, 7, 7, 2);      // a 4-pixel speck
    map.box(20, 10, 30, 20, 2);  // a 100-pixel parcel
    map.box(0, 29, 40, 30, kEmpty);  // a nodata row
    ClassMapCleanup options;
    options.minRegionPixels = 10;
    options.fillFromNearestClass = true;
    QCOMPARE(cleanClassMap(map.values, map.width, map.height, kEmpty, false, options), int64_t(4));
    QCOMPARE(map.at(5, 5), uint8_t(1));
    QCOMPARE(map.at(6, 6), uint8_t(1));
    QCOMPARE(map.count(2), 100);
    QCOMPARE(map.count(kEmpty), 40);  // nodata stays nodata
  }

  void aLabelSetLeavesDroppedPixelsUnlabelled() {
    Map map(40, 30, kEmpty);
    map.box(2, 2, 4, 4, 0);      // 4 labelled pixels of class 0
    map.box(10, 10, 30, 25, 0);  // a labelled field
    ClassMapCleanup options;
    options.minRegionPixels = 5;
    QCOMPARE(cleanClassMap(map.values, map.width, map.height, kEmpty, true, options), int64_t(4));
    QCOMPARE(map.at(2, 2), kEmpty);
    QCOMPARE(map.count(0), 300);
  }

  void openingRemovesThinLinesAndNearestClassFillsThem() {
    // Class 1 left, class 2 right, a one-pixel line of class 3 across both.
    Map map(30, 20, 1);
    map.box(15, 0, 30, 20, 2);
    map.box(0, 10, 30, 11, 3);
    ClassMapCleanup options;
    options.openRadius = 1;
    options.fillFromNearestClass = true;
    QCOMPARE(cleanClassMap(map.values, map.width, map.height, kEmpty, false, options), int64_t(30));
    QCOMPARE(map.count(3), 0);
    // Each line pixel takes the class beside it, not a class across the border.
    for (int x = 0; x < 30; ++x) QCOMPARE(map.at(x, 10), uint8_t(x < 15 ? 1 : 2));
    // Blocks wider than the disc are untouched.
    QCOMPARE(map.at(0, 0), uint8_t(1));
    QCOMPARE(map.at(29, 19), uint8_t(2));
  }

  void closingFillsUnlabelledGapsButNeverAnotherClass() {
    // Two blocks of class 2 with a 1-pixel unlabelled gap between them on the left, and a
    // 1-pixel line of class 1 between them on the right.
    Map map(30, 20, kEmpty);
    map.box(2, 2, 28, 9, 2);
    map.box(2, 10, 28, 18, 2);
    map.box(16, 9, 28, 10, 1);
    Map unclaimable = map;
    ClassMapCleanup options;
    options.closeRadius = 1;
    // The gap closes except its end pixel at x = 2, which the disc cannot reach from both sides.
    QCOMPARE(cleanClassMap(map.values, map.width, map.height, kEmpty, true, options), int64_t(13));
    QCOMPARE(map.at(2, 9), kEmpty);
    for (int x = 3; x < 16; ++x) QCOMPARE(map.at(x, 9), uint8_t(2));
    for (int x = 16; x < 28; ++x) QCOMPARE(map.at(x, 9), uint8_t(1));
    QCOMPARE(map.at(0, 0), kEmpty);  // outside stays unlabelled
    // Nodata of a model map is never claimed.
    QCOMPARE(cleanClassMap(unclaimable.values, map.width, map.height, kEmpty, false, options), int64_t(0));
    QCOMPARE(unclaimable.at(5, 9), kEmpty);
  }

  void nothingToDoChangesNothing() {
    Map map(8, 8, 3);
    QCOMPARE(cleanClassMap(map.values, 8, 8, kEmpty, false, ClassMapCleanup{}), int64_t(0));
    ClassMapCleanup options;
    options.openRadius = 2;
    options.closeRadius = 2;
    options.minRegionPixels = 10;
    options.fillFromNearestClass = true;
    QCOMPARE(cleanClassMap(map.values, 8, 8, kEmpty, false, options), int64_t(0));
    QCOMPARE(map.count(3), 64);
    QCOMPARE(options.describe(), std::string("open 2, close 2, min 10 px"));
  }

  void badRequests() {
    Map map(4, 4, 0);
    ClassMapCleanup negative;
    negative.openRadius = -1;
    QVERIFY(expectError(ErrorKind::Usage, [&] { cleanClassMap(map.values, 4, 4, kEmpty, false, negative); })
                .find("zero or more") != std::string::npos);
    ClassMapCleanup options;
    options.minRegionPixels = 2;
    QVERIFY(!expectError(ErrorKind::BadInput, [&] { cleanClassMap(map.values, 5, 4, kEmpty, false, options); })
                 .empty());
  }
};

QTEST_GUILESS_MAIN(ClassMapCleanupTest)
#include "test_class_map_cleanup.moc"
