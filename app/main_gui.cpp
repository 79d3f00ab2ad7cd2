// prithvi-studio: the desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>
#include <cstdio>

#include "ui/MainWindow.h"
#include "viewers/CubeView.h"

int main(int argc, char** argv) {
  prithvi::CubeView::setDefaultSurfaceFormat();  // VTK needs an OpenGL 3.2 core context
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("PrithviStudio"));
  QApplication::setApplicationName(QStringLiteral("Prithvi Studio"));
  QApplication::setApplicationVersion(QStringLiteral(PRITHVI_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Prithvi Studio: HLS imagery and the Prithvi foundation model."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("project file (*.gpkg) to open"), QStringLiteral("[project]"));
  const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("create (first run) and open the demo project"));
  const QCommandLineOption demoDir(QStringLiteral("demo-dir"), QStringLiteral("where the demo project lives"),
                                   QStringLiteral("dir"), QStringLiteral(PRITHVI_DEFAULT_DATA_DIR "/demo"));
  const QCommandLineOption samples(QStringLiteral("samples"), QStringLiteral("folder of the unpacked Landsat samples"),
                                   QStringLiteral("dir"), QStringLiteral(PRITHVI_DEFAULT_DATA_DIR "/samples"));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QStringLiteral("render the window once the project has drawn, save it as PNG and exit"),
                                      QStringLiteral("file"));
  const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size, e.g. 1400x900"), QStringLiteral("WxH"));
  parser.addOptions({demo, demoDir, samples, screenshot, size});
  parser.process(app);

  prithvi::MainWindow window;
  if (parser.isSet(size)) {
    const QStringList parts = parser.value(size).split(QLatin1Char('x'));
    if (parts.size() == 2) window.resize(parts[0].toInt(), parts[1].toInt());
  }
  if (parser.isSet(screenshot)) window.setScreenshotTarget(QFileInfo(parser.value(screenshot)).absoluteFilePath());
  window.show();
  const QStringList positional = parser.positionalArguments();
  // Open after the event loop starts, so the window has its final size when the map fits.
  QTimer::singleShot(0, &window, [&] {
    if (parser.isSet(demo))
      window.openDemoProject(parser.value(demoDir), parser.value(samples));
    else if (!positional.isEmpty() && !window.openProject(positional.front()) && parser.isSet(screenshot))
      QApplication::exit(1);
  });
  return app.exec();
}
