#pragma once
// Asks how to clean up a label set: the smallest region to keep and a smoothing radius
// (morphological opening and closing). Remembers the last choice.

#include <QDialog>

#include "core/raster/ClassMapCleanup.h"

class QSpinBox;

namespace prithvi {

class LabelCleanupDialog : public QDialog {
  Q_OBJECT
 public:
  explicit LabelCleanupDialog(QWidget* parent = nullptr);
  ClassMapCleanup options() const;
  void accept() override;  // remembers the choice

 private:
  QSpinBox* mMinRegion;
  QSpinBox* mSmooth;
};

}  // namespace prithvi
