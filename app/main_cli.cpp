// prithvi: the headless command line of Prithvi Studio.
#include <QCoreApplication>
#include <QGuiApplication>
#include <cstdio>
#include <cstring>
#include <memory>

#include "app/cli/Cli.h"
#include "training/model/CpuRuntime.h"

namespace {
QtMessageHandler gDefaultHandler = nullptr;

// Headless machines (cron, Slurm, containers) often have no XDG runtime folder; Qt's warning
// about it when the offscreen platform starts would be noise on every export.
void quietRuntimeFolderWarning(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  if (message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set"))) return;
  if (gDefaultHandler) gDefaultHandler(type, context, message);
}
}  // namespace

int main(int argc, char** argv) {
  // Drawing map pages (fonts, text) needs a QGuiApplication; the offscreen platform lets it run
  // without a display. Every other command stays a plain QCoreApplication.
  const bool drawsMaps = argc > 1 && std::strcmp(argv[1], "export") == 0;
  if (drawsMaps && !qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  if (drawsMaps) gDefaultHandler = qInstallMessageHandler(quietRuntimeFolderWarning);
  const std::unique_ptr<QCoreApplication> app =
      drawsMaps ? std::make_unique<QGuiApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("prithvi"));
  QCoreApplication::setApplicationVersion(QStringLiteral(PRITHVI_VERSION));
  // Threads default to the physical cores; a BLAS that fights ATen's threads is said at once.
  if (const std::string warning = prithvi::model::checkCpuRuntimeAtStart(); !warning.empty())
    std::fprintf(stderr, "prithvi: warning: %s\n", warning.c_str());
  return prithvi::cli::run(QCoreApplication::arguments());
}
