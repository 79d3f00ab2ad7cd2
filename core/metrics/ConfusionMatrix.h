#pragma once
// Segmentation accuracy as mmseg and the Prithvi papers report it (spec §5): a confusion
// matrix over classes, per-class IoU = TP / (TP + FP + FN), precision, recall (mmseg's "Acc"),
// F1, overall accuracy, and unweighted means over the classes that occur. Ignored pixels are
// never counted.

#include <cstdint>
#include <string>
#include <vector>

namespace prithvi {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes = 0);

  int classes() const { return mClasses; }
  // counts[truth * classes + predicted], as torch.bincount of truth * classes + pred gives.
  void addCounts(const std::vector<int64_t>& counts);
  // Pixels of class indices; truth values outside 0..classes-1 (ignore) are skipped.
  void add(const int64_t* predicted, const int64_t* truth, int64_t count);
  void merge(const ConfusionMatrix& other);

  int64_t at(int truth, int predicted) const { return mCounts[size_t(truth) * mClasses + predicted]; }
  int64_t total() const;
  // NaN for a class that neither occurs nor is predicted.
  double iou(int c) const;
  double precision(int c) const;
  double recall(int c) const;
  double f1(int c) const;
  double overallAccuracy() const;
  // Means over the classes whose value is not NaN.
  double meanIou() const;
  double meanF1() const;
  // {"classes": n, "matrix": [[...]], "iou": [...], "precision": [...], "recall": [...],
  //  "f1": [...], "miou": x, "mean_f1": x, "overall_accuracy": x} (NaN as null).
  std::string toJson(const std::vector<std::string>& classNames = {}) const;

 private:
  int mClasses;
  std::vector<int64_t> mCounts;
};

}  // namespace prithvi
