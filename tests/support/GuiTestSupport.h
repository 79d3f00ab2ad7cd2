#pragma once
// What the GUI tests share: a main window on the demo project, and screenshots kept for review.

#include <QStandardPaths>
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

}  // namespace prithvi::test
