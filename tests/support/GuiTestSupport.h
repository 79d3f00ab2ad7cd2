#pragma once
// What the GUI tests share: a main window on the demo project, and screenshots kept for review.

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTimer>
#include <QTest>
#include <QWidget>
#include <memory>
#include <string>

#include "core/project/DemoProject.h"
#include "tests/support/TestSupport.h"
#include "ui/MainWindow.h"
#include "viewers/MapCanvas.h"

namespace prithvi::test {

// Creates the demo project in `dir` and opens it in a shown main window of `size`, once the
// map has drawn; returns nullptr (after QWARN) when that fails.
inline std::unique_ptr<MainWindow> openDemoWindow(const QString& dir, const QSize& size, std::string* projectPath) {
  QStandardPaths::setTestModeEnabled(true);
  DemoOptions options;
  options.dir = (dir + QStringLiteral("/demo")).toStdString();
  options.sampleDir = sampleDir().toStdString();
  *projectPath = ensureDemoProject(options);
  auto window = std::make_unique<MainWindow>();
  window->resize(size);
  window->show();
  if (!QTest::qWaitForWindowExposed(window.get()) || !window->openProject(QString::fromStdString(*projectPath)) ||
      !QTest::qWaitFor([&] { return window->canvas()->isRenderComplete(); }, 30000))
    return nullptr;
  return window;
}

// Saves a picture of `widget` for a person to look at when PRITHVI_TEST_SCREENSHOTS names a folder.
inline void keepScreenshot(QWidget* widget, const char* name) {
  const QByteArray dir = qgetenv("PRITHVI_TEST_SCREENSHOTS");
  if (!dir.isEmpty()) widget->grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + QLatin1String(name));
}

// Clicks `button` of the next message box named `objectName` once it is shown (modal boxes
// block the test until someone answers them, as a user would).
inline void answerNextMessageBox(const QString& objectName, QMessageBox::StandardButton button = QMessageBox::Yes) {
  auto* timer = new QTimer(qApp);
  timer->setInterval(20);
  QObject::connect(timer, &QTimer::timeout, [timer, objectName, button] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box || box->objectName() != objectName || !box->button(button)) return;
    timer->stop();
    timer->deleteLater();
    QTest::mouseClick(box->button(button), Qt::LeftButton);
  });
  timer->start();
}

}  // namespace prithvi::test
