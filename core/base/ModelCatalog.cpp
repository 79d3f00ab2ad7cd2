#include "core/base/ModelCatalog.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Assets.h"
#include "core/base/Error.h"

namespace prithvi {

namespace {

// The variants PrithviConfig::byName knows, in the order a user meets them (a training test
// checks that both lists name the same models).
const std::vector<ModelChoice>& builtInModels() {
  static const std::vector<ModelChoice> models{
      {"prithvi_eo_v1_100", "Prithvi-EO 1.0, 100M parameters: 3 frames of 224 px, 16-px patches", {}},
      {"prithvi_eo_v2_100_tl", "Prithvi-EO 2.0, 100M, with time and location encodings", {}},
      {"prithvi_eo_v2_300", "Prithvi-EO 2.0, 300M parameters", {}},
      {"prithvi_eo_v2_300_tl", "Prithvi-EO 2.0, 300M, with time and location encodings", {}},
      {"prithvi_eo_v2_600", "Prithvi-EO 2.0, 600M parameters (14-px patches)", {}},
      {"prithvi_eo_v2_600_tl", "Prithvi-EO 2.0, 600M, with time and location encodings", {}},
      {"prithvi_eo_v2_tiny_tl", "Prithvi-EO 2.0 tiny (192 wide), with time and location encodings", {}},
      {"tiny_test", "A two-block test model of 32 px: trains in seconds on a CPU", {}},
      {"tiny_test_tl", "tiny_test with time and location encodings", {}},
      {"small_test", "A four-block test model of 3 frames of 64 px", {}},
  };
  return models;
}

QJsonObject readObject(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object();
}

QString assetFolder(const char* name) {
  try {
    return QString::fromStdString(assetPath(name));
  } catch (const Error&) {
    return {};  // no assets here: only the built-in variants
  }
}

}  // namespace

std::vector<ModelChoice> modelChoices() {
  std::vector<ModelChoice> choices = builtInModels();
  const QString folder = assetFolder("models");
  if (folder.isEmpty()) return choices;
  for (const QFileInfo& file : QDir(folder).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
    const QJsonObject config = readObject(file.absoluteFilePath());
    // Model configs carry the encoder's width; checkpoint sidecars and metrics do not.
    if (!config.contains(QStringLiteral("embed_dim"))) continue;
    choices.push_back({file.completeBaseName().toStdString(),
                       config.value(QStringLiteral("description")).toString(QStringLiteral("bundled model config")).toStdString(),
                       file.absoluteFilePath().toStdString()});
  }
  return choices;
}

std::string bundledModelConfig(const std::string& name) {
  for (const ModelChoice& choice : modelChoices())
    if (choice.name == name) return choice.configPath;
  return {};
}

std::string modelChoiceNames() {
  std::string list;
  for (const ModelChoice& choice : modelChoices()) list += (list.empty() ? "" : ", ") + choice.name;
  return list;
}

std::vector<TaskPresetChoice> taskPresetChoices() {
  std::vector<TaskPresetChoice> presets;
  const QString folder = assetFolder("tasks");
  if (folder.isEmpty()) return presets;
  for (const QFileInfo& file : QDir(folder).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
    const QJsonObject preset = readObject(file.absoluteFilePath());
    if (!preset.contains(QStringLiteral("task"))) continue;
    presets.push_back({file.completeBaseName().toStdString(), preset.value(QStringLiteral("task")).toString().toStdString(),
                       preset.value(QStringLiteral("description")).toString().toStdString(), file.absoluteFilePath().toStdString(),
                       preset.value(QStringLiteral("train")).toObject().value(QStringLiteral("model")).toString().toStdString()});
  }
  return presets;
}

}  // namespace prithvi
