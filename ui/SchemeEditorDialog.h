#pragma once
// Edits the class schemes of a project: each class's value, name and colour, the ignore value,
// the task; saved through LabelStore::saveScheme, whose refusals (a value used twice, a class
// still used by labels, ...) are shown in the dialog, which stays open to fix them.

#include <QDialog>
#include <string>
#include <vector>

#include "core/labels/ClassScheme.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace prithvi {

class LabelStore;

class SchemeEditorDialog : public QDialog {
  Q_OBJECT
 public:
  SchemeEditorDialog(LabelStore& store, const std::string& scheme, QWidget* parent = nullptr);
  // The name of the scheme saved, empty when the dialog was closed without saving.
  const std::string& savedScheme() const { return mSaved; }

  // For tests: the table and the fields a user edits.
  QTableWidget* table() const { return mTable; }
  QSpinBox* ignoreValue() const { return mIgnore; }
  QLabel* errorLabel() const { return mError; }
  void addClass();
  void removeSelectedClasses();
  bool save();

 private:
  void load(const ClassScheme& scheme);
  void appendRow(const LabelClass& labelClass);
  void setRowColor(int row, const QColor& color);
  void pickColor(int row);
  ClassScheme collect() const;

  LabelStore& mStore;
  std::vector<ClassScheme> mSchemes;
  std::string mSaved;
  QComboBox* mChooser;
  QLineEdit* mName;
  QComboBox* mTask;
  QSpinBox* mIgnore;
  QCheckBox* mMultiTemporal;
  QTableWidget* mTable;
  QLabel* mError;
};

}  // namespace prithvi
