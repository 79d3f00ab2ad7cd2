#include "core/registry/CheckpointSummary.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Error.h"

namespace prithvi {

namespace {

// A safetensors file: an 8-byte little-endian header length, then that many bytes of JSON.
QJsonObject readHeader(const std::string& path) {
  QFile file(QString::fromStdString(path));
  if (!file.open(QIODevice::ReadOnly)) throwBadInput("cannot read checkpoint " + path + ": " + file.errorString().toStdString());
  const QByteArray head = file.read(8);
  if (head.size() < 8) throwBadInput(path + " is not a safetensors checkpoint: it is too short");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | uint8_t(head[i]);
  if (length < 2 || length > 100u * 1024 * 1024 || length + 8 > uint64_t(file.size()))
    throwBadInput(path + " is not a safetensors checkpoint (its header does not fit the file)");
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(file.read(qint64(length)), &error);
  if (!document.isObject()) throwBadInput(path + " is not a safetensors checkpoint: its header is not JSON");
  return document.object();
}

QJsonObject parsed(const QJsonObject& metadata, const char* key) {
  return QJsonDocument::fromJson(metadata.value(QLatin1String(key)).toString().toUtf8()).object();
}

}  // namespace

CheckpointSummary summarizeCheckpoint(const std::string& path) {
  const QJsonObject metadata = readHeader(path).value(QStringLiteral("__metadata__")).toObject();
  CheckpointSummary summary;
  summary.format = metadata.value(QStringLiteral("prithvi.format")).toString().toStdString();
  summary.task = metadata.value(QStringLiteral("extra.task")).toString().toStdString();
  for (const QJsonValue& value : parsed(metadata, "extra.scheme").value(QStringLiteral("classes")).toArray())
    summary.classNames.push_back(value.toObject().value(QStringLiteral("name")).toString().toStdString());
  const QJsonObject config = parsed(metadata, "prithvi.config");
  const QJsonObject model = config.value(QStringLiteral("model_config")).toObject();
  summary.bands = model.value(QStringLiteral("in_chans")).toInt();
  summary.frames = model.value(QStringLiteral("num_frames")).toInt();
  summary.chipSize = model.value(QStringLiteral("img_size")).toInt();
  summary.model = model.value(QStringLiteral("name")).toString().toStdString();
  summary.head = config.value(QStringLiteral("head")).toString().toStdString();
  summary.step = metadata.value(QStringLiteral("extra.step")).toString().toLongLong();
  const QJsonObject metrics = parsed(metadata, "prithvi.metrics");
  if (metrics.value(QStringLiteral("miou")).isDouble()) summary.validationMiou = metrics.value(QStringLiteral("miou")).toDouble();
  return summary;
}

}  // namespace prithvi
