#include "training/engine/TaskPreset.h"

#include <type_traits>

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Assets.h"
#include "core/base/NumberText.h"
#include "core/base/Error.h"
#include "core/base/Json.h"

namespace prithvi::engine {

namespace {

QJsonObject section(const TaskPreset& preset, const char* name) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(preset.json)).object().value(name).toObject();
}

template <typename T>
void take(const QJsonObject& object, const char* key, T& target) {
  if (!object.contains(key)) return;
  const QJsonValue value = object.value(key);
  if constexpr (std::is_same_v<T, bool>) {
    target = value.toBool(target);
  } else if constexpr (std::is_same_v<T, std::string>) {
    target = value.toString(QString::fromStdString(target)).toStdString();
  } else {
    if (!value.isDouble()) throwBadInput(std::string("task preset field '") + key + "' must be a number");
    const double number = value.toDouble();
    // A number outside the integer's range does not convert (undefined behaviour).
    if constexpr (std::is_integral_v<T>)
      if (!fitsInteger<T>(number))
        throwBadInput(std::string("task preset field '") + key + "' is out of range");
    target = T(number);
  }
}

}  // namespace

TaskPreset loadTaskPreset(const std::string& nameOrPath) {
  TaskPreset preset;
  preset.path = QFileInfo::exists(QString::fromStdString(nameOrPath)) ? nameOrPath : assetPath("tasks/" + nameOrPath + ".json");
  QFile file(QString::fromStdString(preset.path));
  if (!file.open(QIODevice::ReadOnly)) throwBadInput("cannot read task preset " + preset.path);
  const QJsonObject object = parseJsonObject(file.readAll().toStdString(), "task preset " + preset.path);
  preset.name = QFileInfo(QString::fromStdString(preset.path)).completeBaseName().toStdString();
  preset.task = object.value("task").toString().toStdString();
  preset.description = object.value("description").toString().toStdString();
  if (preset.task.empty()) throwBadInput("task preset " + preset.path + " names no task");
  preset.json = QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
  return preset;
}

void applyPreset(const TaskPreset& preset, DatasetBuildOptions& options) {
  options.task = preset.task;
  applyDatasetPreset(preset.json, options);
}

void applyPreset(const TaskPreset& preset, TrainOptions& options) {
  const QJsonObject train = section(preset, "train");
  take(train, "model", options.model);
  if (QString::fromStdString(options.model).endsWith(".json") && !QFileInfo(QString::fromStdString(options.model)).isAbsolute())
    options.model = (QFileInfo(QString::fromStdString(preset.path)).absolutePath() + "/" + QString::fromStdString(options.model))
                        .toStdString();
  take(train, "head", options.head);
  take(train, "decoder_channels", options.decoderChannels);
  take(train, "lr", options.lr);
  take(train, "weight_decay", options.weightDecay);
  take(train, "warmup_steps", options.warmupSteps);
  take(train, "batch_size", options.batchSize);
  take(train, "steps", options.steps);
  take(train, "eval_every", options.evalEvery);
  take(train, "patience", options.patience);
  take(train, "balance_classes", options.balanceClasses);
  take(train, "mask_ratio", options.maskRatio);
  if (train.contains("class_weights")) {
    options.classWeights.clear();
    for (const QJsonValue& value : train.value("class_weights").toArray()) options.classWeights.push_back(value.toDouble());
  }
}

}  // namespace prithvi::engine
