#include "core/base/JobEvents.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Feedback.h"

namespace prithvi {

namespace {
QJsonObject event(const char* type, const std::string& job) {
  QJsonObject object;
  object[QStringLiteral("event")] = QString::fromLatin1(type);
  object[QStringLiteral("job")] = QString::fromStdString(job);
  return object;
}
std::string line(const QJsonObject& object) {
  return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}
}  // namespace

JobEventWriter::JobEventWriter(std::FILE* out, std::string job)
    : mOut(out), mJob(std::move(job)), mStart(std::chrono::steady_clock::now()) {}

void JobEventWriter::write(const std::string& text) {
  std::lock_guard lock(mMutex);
  std::fputs(text.c_str(), mOut);
  std::fputc('\n', mOut);
  std::fflush(mOut);
}

void JobEventWriter::started() { write(line(event("started", mJob))); }

void JobEventWriter::progress(int64_t step, int64_t total, const std::string& message) {
  QJsonObject object = event("progress", mJob);
  object[QStringLiteral("step")] = qint64(step);
  object[QStringLiteral("total")] = qint64(total);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - mStart).count();
  if (step > 0 && total > step) object[QStringLiteral("eta_s")] = elapsed / double(step) * double(total - step);
  if (!message.empty()) object[QStringLiteral("message")] = QString::fromStdString(message);
  write(line(object));
}

void JobEventWriter::metric(const std::string& name, double value, int64_t step, const std::string& split) {
  QJsonObject object = event("metric", mJob);
  object[QStringLiteral("name")] = QString::fromStdString(name);
  object[QStringLiteral("value")] = value;
  object[QStringLiteral("step")] = qint64(step);
  object[QStringLiteral("split")] = QString::fromStdString(split);
  write(line(object));
}

void JobEventWriter::log(const std::string& level, const std::string& text) {
  QJsonObject object = event("log", mJob);
  object[QStringLiteral("level")] = QString::fromStdString(level);
  object[QStringLiteral("text")] = QString::fromStdString(text);
  write(line(object));
}

void JobEventWriter::artifact(const std::string& path, const std::string& kind) {
  QJsonObject object = event("artifact", mJob);
  object[QStringLiteral("path")] = QString::fromStdString(path);
  object[QStringLiteral("kind")] = QString::fromStdString(kind);
  write(line(object));
}

void JobEventWriter::finished(const std::string& status, const std::string& error) {
  QJsonObject object = event("finished", mJob);
  object[QStringLiteral("status")] = QString::fromStdString(status);
  if (!error.empty()) object[QStringLiteral("error")] = QString::fromStdString(error);
  write(line(object));
}

std::optional<JobEvent> parseJobEvent(const std::string& line) {
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(line), &error);
  if (error.error != QJsonParseError::NoError || !document.isObject()) return std::nullopt;
  const QJsonObject object = document.object();
  auto text = [&](const char* key) { return object.value(QLatin1String(key)).toString().toStdString(); };
  JobEvent event;
  event.type = text("event");
  if (event.type.empty()) return std::nullopt;
  event.job = text("job");
  event.step = object.value(QLatin1String("step")).toInteger();
  event.total = object.value(QLatin1String("total")).toInteger();
  if (object.contains(QLatin1String("eta_s"))) event.etaSeconds = object.value(QLatin1String("eta_s")).toDouble();
  event.message = text("message");
  event.name = text("name");
  event.split = text("split");
  event.value = object.value(QLatin1String("value")).toDouble();
  event.level = text("level");
  event.text = text("text");
  event.path = text("path");
  event.kind = text("kind");
  event.status = text("status");
  event.error = text("error");
  return event;
}

void JobEventWriter::attach(Feedback& feedback) {
  feedback.setProgressCallback([this](int64_t step, int64_t total, const std::string& message) {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mMutex);
      if (step < total && now - mLastProgress < std::chrono::milliseconds(100)) return;
      mLastProgress = now;
    }
    progress(step, total, message);
  });
  feedback.setLogCallback([this](const std::string& level, const std::string& text) { log(level, text); });
}

}  // namespace prithvi
