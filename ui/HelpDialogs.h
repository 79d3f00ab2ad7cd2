#pragma once
// Help that works offline: the keyboard shortcuts, read from the window's own actions (so the
// list is never out of date) and searchable; and the user guide that ships in assets/guide.

#include <QDialog>

class QLineEdit;
class QMainWindow;
class QTableWidget;
class QTextBrowser;

namespace prithvi {

class ShortcutsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ShortcutsDialog(QMainWindow* window);
  QTableWidget* table() const { return mTable; }
  void setFilter(const QString& text);
  int visibleRows() const;

 private:
  QLineEdit* mFilter;
  QTableWidget* mTable;
};

class UserGuideDialog : public QDialog {
  Q_OBJECT
 public:
  explicit UserGuideDialog(QWidget* parent);
  QTextBrowser* browser() const { return mBrowser; }

 private:
  QLineEdit* mFind;
  QTextBrowser* mBrowser;
};

}  // namespace prithvi
