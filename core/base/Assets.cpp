#include "core/base/Assets.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QStringList>

#include "core/base/Error.h"

namespace prithvi {

std::string assetPath(const std::string& relative) {
  QStringList roots;
  if (const QByteArray variable = qgetenv("PRITHVI_ASSETS"); !variable.isEmpty()) roots << QString::fromLocal8Bit(variable);
  if (QCoreApplication::instance())
    roots << QCoreApplication::applicationDirPath() + QStringLiteral("/../share/prithvi-studio/assets");
  roots << QStringLiteral(PRITHVI_SOURCE_ASSETS);
  for (const QString& root : roots) {
    const QString candidate = root + QLatin1Char('/') + QString::fromStdString(relative);
    if (QFileInfo::exists(candidate)) return QFileInfo(candidate).absoluteFilePath().toStdString();
  }
  throwBadInput("cannot find " + relative + " in the assets folders (" + roots.join(QStringLiteral(", ")).toStdString() +
                "); set PRITHVI_ASSETS to the assets folder");
}

}  // namespace prithvi
