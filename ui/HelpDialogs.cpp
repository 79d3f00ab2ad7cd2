#include "ui/HelpDialogs.h"

#include <QAction>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>
#include <set>

#include "core/base/Assets.h"
#include "core/base/Error.h"

namespace prithvi {

namespace {

struct Shortcut {
  QString where, text, keys, tip;
};

QString plain(QString text) { return text.remove(QLatin1Char('&')).remove(QStringLiteral("…")).trimmed(); }

void collect(QMenu* menu, const QString& path, std::vector<Shortcut>& out, std::set<QAction*>& seen) {
  for (QAction* action : menu->actions()) {
    if (action->menu()) {
      collect(action->menu(), path + QStringLiteral(" > ") + plain(action->menu()->title()), out, seen);
      continue;
    }
    if (action->isSeparator() || action->shortcut().isEmpty() || !seen.insert(action).second) continue;
    out.push_back({path, plain(action->text()), action->shortcut().toString(QKeySequence::NativeText), action->statusTip()});
  }
}

}  // namespace

ShortcutsDialog::ShortcutsDialog(QMainWindow* window) : QDialog(window) {
  setWindowTitle(tr("Keyboard Shortcuts"));
  setObjectName(QStringLiteral("shortcutsDialog"));
  std::vector<Shortcut> shortcuts;
  std::set<QAction*> seen;
  for (QAction* top : window->menuBar()->actions())
    if (top->menu()) collect(top->menu(), plain(top->menu()->title()), shortcuts, seen);
  // Actions outside the menus (map tools, the time series' keys) are the window's own.
  for (QAction* action : window->actions())
    if (!action->shortcut().isEmpty() && seen.insert(action).second)
      shortcuts.push_back({tr("Map tools"), plain(action->text()), action->shortcut().toString(QKeySequence::NativeText), action->toolTip()});

  mFilter = new QLineEdit(this);
  mFilter->setObjectName(QStringLiteral("shortcutFilter"));
  mFilter->setPlaceholderText(tr("Search actions or keys, e.g. \"polygon\" or \"Ctrl+R\""));
  mFilter->setClearButtonEnabled(true);
  mTable = new QTableWidget(int(shortcuts.size()), 3, this);
  mTable->setObjectName(QStringLiteral("shortcutTable"));
  mTable->setHorizontalHeaderLabels({tr("Action"), tr("Keys"), tr("Menu")});
  mTable->verticalHeader()->hide();
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  mTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  mTable->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  mTable->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  for (int row = 0; row < int(shortcuts.size()); ++row) {
    const Shortcut& shortcut = shortcuts[size_t(row)];
    const QString cells[] = {shortcut.text, shortcut.keys, shortcut.where};
    for (int column = 0; column < 3; ++column) {
      auto* item = new QTableWidgetItem(cells[column]);
      if (!shortcut.tip.isEmpty()) item->setToolTip(shortcut.tip);
      mTable->setItem(row, column, item);
    }
  }
  mTable->sortItems(2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(mFilter);
  layout->addWidget(mTable);
  layout->addWidget(new QLabel(tr("%n shortcuts, read from the window's actions.", nullptr, int(shortcuts.size())), this));
  connect(mFilter, &QLineEdit::textChanged, this, &ShortcutsDialog::setFilter);
  resize(640, 620);
}

void ShortcutsDialog::setFilter(const QString& text) {
  if (mFilter->text() != text) mFilter->setText(text);
  for (int row = 0; row < mTable->rowCount(); ++row) {
    bool match = text.trimmed().isEmpty();
    for (int column = 0; column < 3 && !match; ++column)
      match = mTable->item(row, column)->text().contains(text.trimmed(), Qt::CaseInsensitive);
    mTable->setRowHidden(row, !match);
  }
}

int ShortcutsDialog::visibleRows() const {
  int rows = 0;
  for (int row = 0; row < mTable->rowCount(); ++row) rows += !mTable->isRowHidden(row);
  return rows;
}

UserGuideDialog::UserGuideDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Prithvi Studio User Guide"));
  setObjectName(QStringLiteral("userGuideDialog"));
  mFind = new QLineEdit(this);
  mFind->setPlaceholderText(tr("Find in the guide (Enter finds the next)"));
  mFind->setClearButtonEnabled(true);
  mBrowser = new QTextBrowser(this);
  mBrowser->setObjectName(QStringLiteral("userGuide"));
  mBrowser->setOpenExternalLinks(false);
  try {
    mBrowser->setSource(QUrl::fromLocalFile(QString::fromStdString(assetPath("guide/user-guide.html"))));
  } catch (const Error& error) {
    mBrowser->setPlainText(tr("The user guide is missing from this installation: %1").arg(QString::fromStdString(error.what())));
  }
  connect(mFind, &QLineEdit::returnPressed, this, [this] {
    if (!mBrowser->find(mFind->text())) {
      mBrowser->moveCursor(QTextCursor::Start);  // from the top again
      mBrowser->find(mFind->text());
    }
  });
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(mFind);
  layout->addWidget(mBrowser);
  resize(720, 760);
}

}  // namespace prithvi
