// Segmentation metrics against values worked out by hand.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

#include "core/metrics/ConfusionMatrix.h"
#include "core/metrics/ImageMetrics.h"

using namespace prithvi;

class TestMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void matchesHandComputedValues() {
    // truth:     0 0 0 0 1 1 1 2 2 -1
    // predicted: 0 0 1 2 1 1 0 2 2  1
    const int64_t truth[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, -1};
    const int64_t predicted[] = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};
    ConfusionMatrix matrix(3);
    matrix.add(predicted, truth, 10);
    QCOMPARE(matrix.total(), int64_t(9));  // the ignored pixel is not counted
    QCOMPARE(matrix.at(0, 0), int64_t(2));
    QCOMPARE(matrix.at(1, 0), int64_t(1));
    // Class 0: TP 2, FP 1, FN 2 -> IoU 2/5, precision 2/3, recall 2/4, F1 4/7.
    QCOMPARE(matrix.iou(0), 0.4);
    QCOMPARE(matrix.precision(0), 2.0 / 3);
    QCOMPARE(matrix.recall(0), 0.5);
    QVERIFY(std::abs(matrix.f1(0) - 4.0 / 7) < 1e-12);
    // Class 1: TP 2, FP 1, FN 1 -> IoU 1/2. Class 2: TP 2, FP 1, FN 0 -> IoU 2/3.
    QCOMPARE(matrix.iou(1), 0.5);
    QVERIFY(std::abs(matrix.iou(2) - 2.0 / 3) < 1e-12);
    QVERIFY(std::abs(matrix.meanIou() - (0.4 + 0.5 + 2.0 / 3) / 3) < 1e-12);
    QVERIFY(std::abs(matrix.overallAccuracy() - 6.0 / 9) < 1e-12);

    const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(matrix.toJson({"a", "b", "c"}))).object();
    QCOMPARE(json["matrix"].toArray()[0].toArray(), QJsonArray({2, 1, 1}));
    QCOMPARE(json["class_names"].toArray()[2].toString(), QString("c"));
    QCOMPARE(json["iou"].toArray()[1].toDouble(), 0.5);
  }

  void absentClassesAreLeftOutOfMeans() {
    ConfusionMatrix matrix(3);
    matrix.addCounts({5, 0, 0, 1, 3, 0, 0, 0, 0});  // class 2 neither occurs nor is predicted
    QVERIFY(std::isnan(matrix.iou(2)));
    QVERIFY(std::abs(matrix.meanIou() - (5.0 / 6 + 3.0 / 4) / 2) < 1e-12);
    const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(matrix.toJson())).object();
    QVERIFY(json["iou"].toArray()[2].isNull());
  }

  void imageMetricsOverMaskedPixels() {
    const int w = 32, h = 32;
    std::vector<float> truth(w * h), same(w * h), shifted(w * h);
    std::vector<uint8_t> mask(w * h, 0);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        truth[size_t(y * w + x)] = 0.1f + 0.3f * float((x / 4 + y / 4) % 2);
        same[size_t(y * w + x)] = truth[size_t(y * w + x)];
        shifted[size_t(y * w + x)] = truth[size_t(y * w + x)] + (x < 16 ? 0.05f : 0.0f);
        mask[size_t(y * w + x)] = y >= 8 && y < 24;  // half the rows
      }
    ImageMetrics perfect;
    perfect.addPlane(same.data(), truth.data(), mask.data(), w, h);
    QCOMPARE(perfect.pixels(), int64_t(16 * 32));
    QCOMPARE(perfect.meanAbsoluteError(), 0.0);
    QVERIFY(std::abs(perfect.ssim() - 1.0) < 1e-12);
    QVERIFY(std::isinf(perfect.psnr()));
    // Half the masked pixels are 0.05 off: MAE 0.025, MSE 0.00125, PSNR 29.03 dB.
    ImageMetrics off;
    off.addPlane(shifted.data(), truth.data(), mask.data(), w, h);
    QVERIFY(std::abs(off.meanAbsoluteError() - 0.025) < 1e-6);
    QVERIFY(std::abs(off.meanSquaredError() - 0.00125) < 1e-7);
    QVERIFY(std::abs(off.psnr() - 10 * std::log10(1 / 0.00125)) < 1e-3);
    QVERIFY(off.ssim() < 0.999 && off.ssim() > 0.5);
    // Unmasked pixels do not count, however wrong.
    std::vector<float> wrongOutside = same;
    for (int i = 0; i < w * 8; ++i) wrongOutside[size_t(i)] = 5.0f;
    ImageMetrics outside;
    outside.addPlane(wrongOutside.data(), truth.data(), mask.data(), w, h);
    QCOMPARE(outside.meanAbsoluteError(), 0.0);
  }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
