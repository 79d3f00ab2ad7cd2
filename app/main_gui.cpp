// prithvi-studio: the desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>
#include <cstdio>
#include <memory>

#include "core/base/Assets.h"
#include "core/base/CrashGuard.h"
#include "core/base/RotatingLog.h"
#include "ui/MainWindow.h"
#include "viewers/CubeView.h"

namespace {

// Qt's own warnings go to the log file too (and still to stderr).
prithvi::RotatingLog* gLogFile = nullptr;
QtMessageHandler gDefaultHandler = nullptr;

void logQtMessage(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  static const char* const levels[] = {"debug", "warning", "critical", "fatal", "info"};
  if (gLogFile && type != QtDebugMsg) gLogFile->append(levels[type], "Qt: " + message.toStdString());
  if (gDefaultHandler) gDefaultHandler(type, context, message);
}

}  // namespace

int main(int argc, char** argv) {
  prithvi::CubeView::setDefaultSurfaceFormat();  // VTK needs an OpenGL 3.2 core context
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("PrithviStudio"));
  QApplication::setApplicationName(QStringLiteral("Prithvi Studio"));
  QApplication::setApplicationVersion(QStringLiteral(PRITHVI_VERSION));
  // The desktop entry's name: Wayland app id and the window's menu entry and icon.
  QGuiApplication::setDesktopFileName(QStringLiteral("org.prithvistudio.PrithviStudio"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Prithvi Studio: HLS imagery and the Prithvi foundation model."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("project file (*.gpkg) to open"), QStringLiteral("[project]"));
  const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("create (first run) and open the demo project"));
  const QCommandLineOption demoDir(QStringLiteral("demo-dir"), QStringLiteral("where the demo project lives"),
                                   QStringLiteral("dir"), QString::fromStdString(prithvi::defaultDemoDir()));
  const QCommandLineOption samples(QStringLiteral("samples"), QStringLiteral("folder of the unpacked Landsat samples"),
                                   QStringLiteral("dir"), QString::fromStdString(prithvi::defaultSamplesDir()));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QStringLiteral("render the window once the project has drawn, save it as PNG and exit"),
                                      QStringLiteral("file"));
  const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size, e.g. 1400x900"), QStringLiteral("WxH"));
  parser.addOptions({demo, demoDir, samples, screenshot, size});
  parser.process(app);

  // Logs, crash reports and the marker of this running session in ~/.local/state/prithvi-studio.
  const std::string stateDir = prithvi::userStateDir();
  const std::optional<prithvi::UnfinishedSession> unfinished = prithvi::CrashGuard::takeUnfinished(stateDir);
  prithvi::CrashGuard crashGuard(stateDir);
  std::unique_ptr<prithvi::RotatingLog> logFile;
  try {
    logFile = std::make_unique<prithvi::RotatingLog>(stateDir + "/prithvi-studio.log");
    gLogFile = logFile.get();
    gDefaultHandler = qInstallMessageHandler(logQtMessage);
    logFile->append("info", "prithvi-studio " PRITHVI_VERSION " started");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prithvi-studio: no log file: %s\n", error.what());
  }

  prithvi::MainWindow window;
  QObject::connect(&window, &prithvi::MainWindow::projectOpened, &window,
                   [&crashGuard](const QString& path) { crashGuard.setProject(path.toStdString()); });
  if (logFile)
    QObject::connect(&window, &prithvi::MainWindow::logged, &window, [&logFile](const QString& level, const QString& text) {
      logFile->append(level.toStdString(), text.toStdString());
    });
  if (parser.isSet(size)) {
    const QStringList parts = parser.value(size).split(QLatin1Char('x'));
    if (parts.size() == 2) window.resize(parts[0].toInt(), parts[1].toInt());
  }
  if (parser.isSet(screenshot)) window.setScreenshotTarget(QFileInfo(parser.value(screenshot)).absoluteFilePath());
  // A logout or `kill` closes the window as the user would: the session is saved and ends cleanly.
  prithvi::quitOnTerminationSignals(&window, [&window, &logFile] {
    if (logFile) logFile->append("info", "closing on a termination signal");
    window.close();
    QApplication::quit();
  });
  window.show();
  const QStringList positional = parser.positionalArguments();
  // Open after the event loop starts, so the window has its final size when the map fits.
  QTimer::singleShot(0, &window, [&] {
    if (parser.isSet(demo))
      window.openDemoProject(parser.value(demoDir), parser.value(samples));
    else if (!positional.isEmpty()) {
      if (!window.openProject(positional.front()) && parser.isSet(screenshot)) QApplication::exit(1);
    } else if (unfinished && !parser.isSet(screenshot)) {
      window.offerToReopen(QString::fromStdString(unfinished->project), QString::fromStdString(unfinished->crashReport));
    }
  });
  const int status = app.exec();
  if (logFile) logFile->append("info", "prithvi-studio closed");
  qInstallMessageHandler(gDefaultHandler);
  gLogFile = nullptr;
  return status;
}
