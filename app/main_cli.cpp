// prithvi: the headless command line of Prithvi Studio.
#include <QCoreApplication>

#include "app/cli/Cli.h"

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("prithvi"));
  QCoreApplication::setApplicationVersion(QStringLiteral(PRITHVI_VERSION));
  return prithvi::cli::run(QCoreApplication::arguments());
}
