// HLS v2.0 names, band roles and Fmask bits (spec/prithvi.md section 4).
#include <QTest>

#include "core/hls/Hls.h"

using namespace prithvi;

class TestHls : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void parsesL30AndS30Names() {
    const auto l30 = HlsFileName::parse("HLS.L30.T13REN.2021150T173909.v2.0.B05.tif");
    QVERIFY(l30);
    QCOMPARE(l30->sensor, HlsSensor::L30);
    QCOMPARE(l30->tile, std::string("13REN"));
    QCOMPARE(l30->acquired, QDateTime(QDate(2021, 5, 30), QTime(17, 39, 9), Qt::UTC));  // day 150 of 2021
    QCOMPARE(l30->version, std::string("2.0"));
    QCOMPARE(l30->band, std::string("B05"));
    QCOMPARE(l30->granuleId(), std::string("HLS.L30.T13REN.2021150T173909.v2.0"));
    QCOMPARE(l30->fileName(), std::string("HLS.L30.T13REN.2021150T173909.v2.0.B05.tif"));

    const auto s30 = HlsFileName::parse("HLS.S30.T35UNQ.2022078T092029.v2.0.Fmask.tif");
    QVERIFY(s30);
    QCOMPARE(s30->sensor, HlsSensor::S30);
    QCOMPARE(s30->band, std::string("Fmask"));
    QCOMPARE(s30->acquired.date(), QDate(2022, 3, 19));
    // Leap year: day 366 exists in 2020.
    QVERIFY(HlsFileName::parse("HLS.S30.T35UNQ.2020366T092029.v2.0.B8A.tif"));
  }

  void rejectsBadNamesWithReasons_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("reason");
    QTest::newRow("sensor") << "HLS.X30.T13REN.2021150T173909.v2.0.B05.tif" << "neither L30 nor S30";
    QTest::newRow("tile") << "HLS.L30.13REN.2021150T173909.v2.0.B05.tif" << "tile '13REN'";
    QTest::newRow("zone") << "HLS.L30.T99REN.2021150T173909.v2.0.B05.tif" << "zone 01-60";
    QTest::newRow("day") << "HLS.L30.T13REN.2021366T173909.v2.0.B05.tif" << "no such day";
    QTest::newRow("time") << "HLS.L30.T13REN.2021150T253909.v2.0.B05.tif" << "not a time of day";
    QTest::newRow("digits") << "HLS.L30.T13REN.2021x50T173909.v2.0.B05.tif" << "not YYYYDDDTHHMMSS";
    QTest::newRow("version") << "HLS.L30.T13REN.2021150T173909.v1.4.B05.tif" << "not HLS v2";
    QTest::newRow("fields") << "HLS.L30.T13REN.2021150T173909.B05.tif" << "dot-separated fields";
    QTest::newRow("extension") << "HLS.L30.T13REN.2021150T173909.v2.0.B05.jp2" << "not .tif";
    QTest::newRow("prefix") << "LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF" << "does not start with 'HLS.'";
  }
  void rejectsBadNamesWithReasons() {
    QFETCH(QString, name);
    QFETCH(QString, reason);
    std::string why;
    QVERIFY(!HlsFileName::parse(name.toStdString(), &why));
    QVERIFY2(why.find(reason.toStdString()) != std::string::npos, why.c_str());
  }

  void mapsBandsToRoles() {
    QCOMPARE(hlsBandRole(HlsSensor::L30, "B05"), BandRole::NIR);
    QCOMPARE(hlsBandRole(HlsSensor::S30, "B8A"), BandRole::NIR);
    QCOMPARE(hlsBandRole(HlsSensor::S30, "B05"), BandRole::Other);  // red edge 1 on S30
    QCOMPARE(hlsBandRole(HlsSensor::L30, "B06"), BandRole::SWIR1);
    QCOMPARE(hlsBandRole(HlsSensor::S30, "B11"), BandRole::SWIR1);
    QCOMPARE(hlsBandRole(HlsSensor::L30, "B11"), BandRole::Thermal2);
    QCOMPARE(hlsBandRole(HlsSensor::S30, "B12"), BandRole::SWIR2);
    QCOMPARE(hlsBandRole(HlsSensor::L30, "Fmask"), BandRole::Fmask);
    QCOMPARE(hlsBandCode(HlsSensor::S30, BandRole::NIR), std::string("B8A"));
    QCOMPARE(hlsBandCode(HlsSensor::L30, BandRole::SWIR2), std::string("B07"));
    for (BandRole role : kPrithviBands) {
      QVERIFY(!hlsBandCode(HlsSensor::L30, role).empty());
      QCOMPARE(bandRoleFromName(bandRoleName(role)), std::optional<BandRole>(role));
    }
    QCOMPARE(bandRoleFromName("swir2"), std::optional<BandRole>(BandRole::SWIR2));
    QVERIFY(!bandRoleFromName("ultraviolet"));
  }

  void decodesFmaskBits() {
    // 0b01100010: aerosol low (01), water, cloud.
    const FmaskFlags flags = decodeFmask(0b01100010);
    QVERIFY(flags.cloud && flags.water && !flags.shadow && !flags.cirrus && !flags.adjacent && !flags.snowIce);
    QCOMPARE(flags.aerosolLevel, 1);
    QVERIFY(decodeFmask(kFmaskFill).fill);
    QVERIFY(decodeFmask(0b00001000).shadow);
    QVERIFY(decodeFmask(0b00000100).adjacent);
    QVERIFY(decodeFmask(0b00010000).snowIce);
    QCOMPARE(decodeFmask(0b11000000).aerosolLevel, 3);
    for (int value = 0; value < 255; ++value) QCOMPARE(int(encodeFmask(decodeFmask(uint8_t(value)))), value);
  }

  void computesCloudCover() {
    const uint8_t values[] = {0, fmask::kCloud, fmask::kCloud | fmask::kWater, fmask::kShadow, kFmaskFill,
                              fmask::kCirrus, fmask::kAdjacent, fmask::kWater};
    const CloudCover cover = cloudCoverOf(values, 8);
    QCOMPARE(cover.validPixels, int64_t(7));
    QCOMPARE(cover.cloudPixels, int64_t(3));
    QCOMPARE(cover.shadowPixels, int64_t(1));
    QVERIFY(std::abs(cover.cloudPercent() - 300.0 / 7) < 1e-12);
    const uint8_t allFill[] = {kFmaskFill, kFmaskFill};
    QCOMPARE(cloudCoverOf(allFill, 2).cloudPercent(), 100.0);
  }
};

QTEST_APPLESS_MAIN(TestHls)
#include "test_hls.moc"
