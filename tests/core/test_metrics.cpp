// Segmentation metrics against values worked out by hand.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

#include "core/metrics/ConfusionMatrix.h"

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
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
