#include "core/metrics/ConfusionMatrix.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

#include "core/base/Error.h"

namespace prithvi {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double ratio(int64_t numerator, int64_t denominator) {
  return denominator > 0 ? double(numerator) / double(denominator) : kNaN;
}
QJsonValue number(double value) { return std::isnan(value) ? QJsonValue() : QJsonValue(value); }
}  // namespace

ConfusionMatrix::ConfusionMatrix(int classes) : mClasses(classes), mCounts(size_t(classes) * classes, 0) {
  if (classes < 0) throwUsage("a confusion matrix needs a non-negative class count");
}

void ConfusionMatrix::addCounts(const std::vector<int64_t>& counts) {
  if (counts.size() != mCounts.size())
    throwUsage("confusion counts hold " + std::to_string(mCounts.size()) + " cells, got " + std::to_string(counts.size()));
  for (size_t i = 0; i < counts.size(); ++i) mCounts[i] += counts[i];
}

void ConfusionMatrix::add(const int64_t* predicted, const int64_t* truth, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if (truth[i] < 0 || truth[i] >= mClasses) continue;
    if (predicted[i] < 0 || predicted[i] >= mClasses)
      throwBadInput("predicted class " + std::to_string(predicted[i]) + " is not one of the " +
                    std::to_string(mClasses) + " classes");
    ++mCounts[size_t(truth[i]) * mClasses + size_t(predicted[i])];
  }
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) { addCounts(other.mCounts); }

int64_t ConfusionMatrix::total() const {
  int64_t sum = 0;
  for (int64_t value : mCounts) sum += value;
  return sum;
}

double ConfusionMatrix::iou(int c) const {
  int64_t truthCount = 0, predictedCount = 0;
  for (int k = 0; k < mClasses; ++k) truthCount += at(c, k), predictedCount += at(k, c);
  return ratio(at(c, c), truthCount + predictedCount - at(c, c));
}

double ConfusionMatrix::precision(int c) const {
  int64_t predictedCount = 0;
  for (int k = 0; k < mClasses; ++k) predictedCount += at(k, c);
  return ratio(at(c, c), predictedCount);
}

double ConfusionMatrix::recall(int c) const {
  int64_t truthCount = 0;
  for (int k = 0; k < mClasses; ++k) truthCount += at(c, k);
  return ratio(at(c, c), truthCount);
}

double ConfusionMatrix::f1(int c) const {
  const double p = precision(c), r = recall(c);
  if (std::isnan(p) || std::isnan(r)) return std::isnan(iou(c)) ? kNaN : 0.0;
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

double ConfusionMatrix::overallAccuracy() const {
  int64_t correct = 0;
  for (int c = 0; c < mClasses; ++c) correct += at(c, c);
  return ratio(correct, total());
}

double ConfusionMatrix::meanIou() const {
  double sum = 0;
  int count = 0;
  for (int c = 0; c < mClasses; ++c)
    if (const double value = iou(c); !std::isnan(value)) sum += value, ++count;
  return count ? sum / count : kNaN;
}

double ConfusionMatrix::meanF1() const {
  double sum = 0;
  int count = 0;
  for (int c = 0; c < mClasses; ++c)
    if (const double value = f1(c); !std::isnan(value)) sum += value, ++count;
  return count ? sum / count : kNaN;
}

std::string ConfusionMatrix::toJson(const std::vector<std::string>& classNames) const {
  QJsonArray matrix, ious, precisions, recalls, f1s, names;
  for (int t = 0; t < mClasses; ++t) {
    QJsonArray row;
    for (int p = 0; p < mClasses; ++p) row.append(double(at(t, p)));
    matrix.append(row);
    ious.append(number(iou(t)));
    precisions.append(number(precision(t)));
    recalls.append(number(recall(t)));
    f1s.append(number(f1(t)));
    names.append(QString::fromStdString(size_t(t) < classNames.size() ? classNames[size_t(t)] : std::to_string(t)));
  }
  QJsonObject object{{"classes", mClasses},       {"class_names", names},          {"matrix", matrix},
                     {"iou", ious},                {"precision", precisions},       {"recall", recalls},
                     {"f1", f1s},                  {"miou", number(meanIou())},     {"mean_f1", number(meanF1())},
                     {"overall_accuracy", number(overallAccuracy())}};
  return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

}  // namespace prithvi
