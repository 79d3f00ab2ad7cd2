#include "core/base/Assets.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStringList>
#include <filesystem>

#include "core/base/Error.h"

namespace prithvi {

namespace {

constexpr const char* kPackageFolder = "prithvi-studio";

// The running program's folder; /proc/self/exe where no QCoreApplication exists yet.
QString programDir() {
  if (QCoreApplication::instance()) return QCoreApplication::applicationDirPath();
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? QDir::currentPath() : QString::fromStdString(exe.parent_path().string());
}

// An XDG base directory: $VARIABLE when it is an absolute path (the specification ignores
// relative ones), else $HOME/fallback.
QString xdgBase(const char* variable, const char* fallback) {
  const QString value = qEnvironmentVariable(variable);
  if (!value.isEmpty() && QDir::isAbsolutePath(value)) return value;
  return QDir::homePath() + QLatin1Char('/') + QLatin1String(fallback);
}

std::string packageDir(const char* variable, const char* fallback) {
  return QDir::cleanPath(xdgBase(variable, fallback) + QLatin1Char('/') + QLatin1String(kPackageFolder)).toStdString();
}

}  // namespace

std::string sharedDataDir() {
  return QDir::cleanPath(programDir() + QStringLiteral("/../share/") + QLatin1String(kPackageFolder)).toStdString();
}

std::string assetPath(const std::string& relative) {
  QStringList roots;
  if (const QString variable = qEnvironmentVariable("PRITHVI_ASSETS"); !variable.isEmpty()) roots << variable;
  roots << QString::fromStdString(sharedDataDir()) + QStringLiteral("/assets");
  for (const QString& root : roots) {
    const QString candidate = root + QLatin1Char('/') + QString::fromStdString(relative);
    if (QFileInfo::exists(candidate)) return QFileInfo(candidate).absoluteFilePath().toStdString();
  }
  throwBadInput("cannot find " + relative + " in the assets folders (" + roots.join(QStringLiteral(", ")).toStdString() +
                "); set PRITHVI_ASSETS to the assets folder");
}

std::string userDataDir() { return packageDir("XDG_DATA_HOME", ".local/share"); }
std::string userCacheDir() { return packageDir("XDG_CACHE_HOME", ".cache"); }
std::string userStateDir() { return packageDir("XDG_STATE_HOME", ".local/state"); }
std::string defaultDemoDir() { return userDataDir() + "/demo"; }
std::string defaultSamplesDir() { return userDataDir() + "/samples"; }

}  // namespace prithvi
