#include "core/jobs/KubernetesBackend.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTemporaryFile>

#include <algorithm>
#include <cstdio>

#include "core/base/Error.h"
#include "core/jobs/JobCommands.h"

namespace prithvi {

namespace {

constexpr const char* kIndexAnnotation = "batch.kubernetes.io/job-completion-index";
constexpr const char* kJobLabel = "prithvi-job";
constexpr int kKubectlTimeoutMs = 120000;

std::string option(const LaunchRequest& request, const std::string& key, const std::string& fallback = {}) {
  return jobs::valueOr(request.options, key, fallback);
}

std::string detail(const JobHandle& handle, const std::string& key, const std::string& fallback = {}) {
  return jobs::valueOr(handle.details, key, fallback);
}

bool matches(const std::string& text, const char* pattern) {
  const QRegularExpression expression(QRegularExpression::anchoredPattern(QString::fromLatin1(pattern)));
  return expression.match(QString::fromStdString(text)).hasMatch();
}

// A Kubernetes quantity ("4", "500m", "1.5", "16Gi", "2G", "1e3").
void checkQuantity(const std::string& key, const std::string& value) {
  if (!matches(value, "[0-9]+(\\.[0-9]*)?([eE][0-9]+|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?"))
    throwUsage("the " + key + " option '" + value + "' is not a Kubernetes quantity (e.g. 4, 500m, 16Gi)");
}

std::string parentFolder(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) return {};
  return slash == 0 ? "/" : trimmed.substr(0, slash);
}

using jobs::trimmed;

// Runs kubectl (or any program) to the end. Error(Io) when it cannot be started or hangs.
jobs::CommandRun runProgram(const std::string& program, const QStringList& arguments) {
  std::vector<std::string> words;
  for (const QString& argument : arguments) words.push_back(argument.toStdString());
  jobs::CommandRun ran = jobs::runProgram(program, words, kKubectlTimeoutMs,
                                          program == "kubectl" ? "kubectl, Debian package kubernetes-client" : "");
  if (!ran.started || ran.timedOut) throwIo(ran.err);
  return ran;
}

// kubectl's global arguments for a handle: the context when one was chosen.
QStringList kubectlPrefix(const JobHandle& handle) {
  QStringList arguments;
  const std::string context = detail(handle, "context");
  if (!context.empty()) arguments << QStringLiteral("--context") << QString::fromStdString(context);
  return arguments;
}

// The YAML document, written by hand: two-space indentation, every string double-quoted.
class Yaml {
 public:
  void line(int indent, const std::string& text) {
    mText.append(size_t(indent) * 2, ' ');
    mText += text;
    mText += '\n';
  }
  void field(int indent, const std::string& key, const std::string& value) {
    line(indent, key + ": " + KubernetesBackend::yamlQuote(value));
  }
  void number(int indent, const std::string& key, long long value) { line(indent, key + ": " + std::to_string(value)); }
  std::string& text() { return mText; }

 private:
  std::string mText;
};

}  // namespace

std::string KubernetesBackend::yamlQuote(const std::string& text) {
  std::string quoted = "\"";
  auto escape = [&](uint32_t codePoint) {
    char buffer[12];
    std::snprintf(buffer, sizeof buffer, "\\u%04X", unsigned(codePoint));
    quoted += buffer;
  };
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      switch (byte) {
        case '"': quoted += "\\\""; break;
        case '\\': quoted += "\\\\"; break;
        case '\n': quoted += "\\n"; break;
        case '\t': quoted += "\\t"; break;
        case '\r': quoted += "\\r"; break;
        default:
          if (byte < 0x20 || byte == 0x7F) escape(byte);
          else quoted += char(byte);
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: kept as it is unless YAML would read it as a break or a control.
    const int length = byte >= 0xF0 && byte < 0xF8 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 && byte < 0xE0 ? 2 : 0;
    if (length == 0 || byte >= 0xF8 || i + size_t(length) > text.size())
      throwUsage("a job argument is not valid UTF-8 text; Kubernetes stores only UTF-8");
    uint32_t codePoint = byte & (0xFF >> (length + 1));
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + size_t(k)]);
      if ((next & 0xC0) != 0x80) throwUsage("a job argument is not valid UTF-8 text; Kubernetes stores only UTF-8");
      codePoint = (codePoint << 6) | (next & 0x3F);
    }
    const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
    if (overlong || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
      throwUsage("a job argument is not valid UTF-8 text; Kubernetes stores only UTF-8");
    if (codePoint <= 0x9F || codePoint == 0x2028 || codePoint == 0x2029 || codePoint == 0xFEFF)
      escape(codePoint);
    else
      quoted.append(text, i, size_t(length));
    i += size_t(length);
  }
  return quoted + "\"";
}

std::string KubernetesBackend::resourceName(const std::string& requested, int ranks) {
  std::string name;
  for (char c : requested) {
    const char lower = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (keep) name += lower;
    else if (!name.empty() && name.back() != '-') name += '-';
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty()) name = "prithvi";
  if (!(name[0] >= 'a' && name[0] <= 'z')) name = "job-" + name;  // a Service name starts with a letter
  // Pod host names are "<name>-<index>", one DNS label (63 characters).
  const size_t suffix = 1 + std::to_string(std::max(ranks, 1) - 1).size();
  if (name.size() + suffix > 63) name.resize(63 - suffix);
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name;
}

std::string KubernetesBackend::render(const LaunchRequest& request) const {
  if (request.nodes < 1 || request.processesPerNode < 1 || request.gpusPerNode < 0)
    throwUsage("a Kubernetes job needs at least one node and one process per node");
  if (request.arrayTasks < 0 || request.arrayTasks > 100000) throwUsage("a job array has 1 to 100000 tasks");
  if (request.arrayTasks > 0 && (request.nodes != 1 || request.processesPerNode != 1))
    throwUsage("the tasks of a job array run one process each: leave nodes and processes per node at 1");
  const bool array = request.arrayTasks > 0;
  // Ranks of one job all run at once; array tasks run `parallelism` at a time.
  const int ranks = array ? request.arrayTasks : request.nodes * request.processesPerNode;
  const std::string parallelismText = option(request, "parallelism", std::to_string(std::min(ranks, 16)));
  if (!matches(parallelismText, "[0-9]{1,6}") || std::stoi(parallelismText) < 1)
    throwUsage("parallelism '" + parallelismText + "' is not a positive count");
  const int parallelism = array ? std::min(ranks, std::stoi(parallelismText)) : ranks;
  const std::string image = option(request, "image");
  if (image.empty())
    throwUsage("the Kubernetes backend needs the 'image' option: the container image that holds prithvi");
  if (image.find_first_of(" \t\r\n") != std::string::npos) throwUsage("the image '" + image + "' contains white space");
  const std::string space = option(request, "namespace", "default");
  if (!matches(space, "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"))
    throwUsage("the namespace '" + space + "' is not a Kubernetes name (lower case letters, digits and '-')");
  const std::string claim = option(request, "volume_claim");
  if (!claim.empty() && !matches(claim, "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?"))
    throwUsage("the volume_claim '" + claim + "' is not a Kubernetes name");
  std::string mountPath = option(request, "mount_path");
  if (!claim.empty() && mountPath.empty()) {
    if (request.runDir.empty() || request.runDir[0] != '/')
      throwUsage("volume_claim needs an absolute run folder or the mount_path option to know where to mount it");
    mountPath = parentFolder(request.runDir);
  }
  if (!mountPath.empty() && mountPath[0] != '/') throwUsage("mount_path '" + mountPath + "' is not an absolute path");
  const std::string cpu = option(request, "cpu"), memory = option(request, "memory");
  if (!cpu.empty()) checkQuantity("cpu", cpu);
  if (!memory.empty()) checkQuantity("memory", memory);
  const std::string backoffText = option(request, "backoff_limit", "0");
  if (!matches(backoffText, "[0-9]{1,6}")) throwUsage("backoff_limit '" + backoffText + "' is not a count");
  const int gpusPerPod = request.gpusPerNode > 0 ? std::max(1, request.gpusPerNode / request.processesPerNode) : 0;

  const std::string job = resourceName(request.name, ranks);
  const std::string service = job;
  const std::string master = job + "-0." + service;
  std::vector<std::string> command = {option(request, "prithvi", "prithvi")};
  command.insert(command.end(), request.arguments.begin(), request.arguments.end());
  if (std::find(request.arguments.begin(), request.arguments.end(), "--events") == request.arguments.end()) {
    command.push_back("--events");
    command.push_back("jsonl");
  }

  Yaml yaml;
  auto labels = [&](int indent) {
    yaml.line(indent, "labels:");
    yaml.field(indent + 1, "app.kubernetes.io/name", "prithvi");
    yaml.field(indent + 1, kJobLabel, job);
  };
  auto metadata = [&](int indent) {
    yaml.line(indent, "metadata:");
    yaml.field(indent + 1, "name", job);
    yaml.field(indent + 1, "namespace", space);
    labels(indent + 1);
  };
  std::string commandLine;
  for (const auto& word : command) commandLine += (commandLine.empty() ? "" : " ") + word;
  for (char& c : commandLine)
    if (c == '\n' || c == '\r') c = ' ';
  yaml.line(0, array ? "# Prithvi Studio: " + std::to_string(ranks) + " independent task(s) of an Indexed Job, " +
                          std::to_string(parallelism) + " at a time"
                    : "# Prithvi Studio: " + std::to_string(ranks) + " rank(s) of an Indexed Job; rank 0 listens at " + master +
                          ":" + std::to_string(kMasterPort));
  yaml.line(0, "# " + commandLine);
  yaml.line(0, "---");
  // The headless Service first, so rank 0's name resolves by the time its peers look it up.
  yaml.field(0, "apiVersion", "v1");
  yaml.field(0, "kind", "Service");
  metadata(0);
  yaml.line(0, "spec:");
  yaml.field(1, "clusterIP", "None");
  yaml.line(1, "publishNotReadyAddresses: true");
  yaml.line(1, "selector:");
  yaml.field(2, kJobLabel, job);
  yaml.line(1, "ports:");
  yaml.field(1, "- name", "rendezvous");
  yaml.number(2, "port", kMasterPort);
  yaml.field(2, "protocol", "TCP");
  yaml.line(0, "---");
  yaml.field(0, "apiVersion", "batch/v1");
  yaml.field(0, "kind", "Job");
  metadata(0);
  yaml.line(0, "spec:");
  yaml.number(1, "completions", ranks);
  yaml.number(1, "parallelism", parallelism);
  yaml.field(1, "completionMode", "Indexed");
  yaml.number(1, "backoffLimit", std::stoll(backoffText));
  yaml.line(1, "template:");
  yaml.line(2, "metadata:");
  labels(3);
  yaml.line(2, "spec:");
  yaml.field(3, "restartPolicy", "Never");
  yaml.field(3, "subdomain", service);
  yaml.line(3, "containers:");
  yaml.field(3, "- name", "prithvi");
  yaml.field(4, "image", image);
  yaml.line(4, "command:");
  for (const auto& word : command) yaml.line(4, "- " + yamlQuote(word));
  if (!request.workDir.empty()) yaml.field(4, "workingDir", request.workDir);
  yaml.line(4, "env:");
  const std::string indexPath = std::string("metadata.annotations['") + kIndexAnnotation + "']";
  for (const char* name : {"JOB_COMPLETION_INDEX", array ? "PRITHVI_TASK_INDEX" : "RANK"}) {
    yaml.field(4, "- name", name);
    yaml.line(5, "valueFrom:");
    yaml.line(6, "fieldRef:");
    yaml.field(7, "fieldPath", indexPath);
  }
  std::vector<std::pair<const char*, std::string>> values = {{"WORLD_SIZE", std::to_string(ranks)},
                                                             {"LOCAL_RANK", "0"},
                                                             {"MASTER_ADDR", master},
                                                             {"MASTER_PORT", std::to_string(kMasterPort)}};
  if (array) values = {{"PRITHVI_TASK_COUNT", std::to_string(ranks)}};
  for (const auto& [name, value] : values) {
    yaml.field(4, "- name", name);
    yaml.field(5, "value", value);
  }
  if (!cpu.empty() || !memory.empty() || gpusPerPod > 0) {
    yaml.line(4, "resources:");
    for (const char* kind : {"requests", "limits"}) {
      yaml.line(5, std::string(kind) + ":");
      if (!cpu.empty()) yaml.field(6, "cpu", cpu);
      if (!memory.empty()) yaml.field(6, "memory", memory);
      if (gpusPerPod > 0) yaml.field(6, yamlQuote("nvidia.com/gpu"), std::to_string(gpusPerPod));
    }
  }
  if (!claim.empty()) {
    yaml.line(4, "volumeMounts:");
    yaml.field(4, "- name", "runs");
    yaml.field(5, "mountPath", mountPath);
    yaml.line(3, "volumes:");
    yaml.field(3, "- name", "runs");
    yaml.line(4, "persistentVolumeClaim:");
    yaml.field(5, "claimName", claim);
  }
  return yaml.text();
}

JobHandle KubernetesBackend::submit(const LaunchRequest& request) {
  const std::string manifest = render(request);
  QTemporaryFile file(QStringLiteral("/tmp/prithvi-k8s-XXXXXX.yaml"));
  if (!file.open() || file.write(manifest.data(), qint64(manifest.size())) != qint64(manifest.size()) || !file.flush())
    throwIo("cannot write the Kubernetes manifest to a temporary file");
  JobHandle handle;
  handle.backend = name();
  handle.id = resourceName(request.name, request.nodes * request.processesPerNode);
  handle.details["namespace"] = option(request, "namespace", "default");
  handle.details["service"] = handle.id;
  handle.details["kubectl"] = option(request, "kubectl", "kubectl");
  if (!option(request, "context").empty()) handle.details["context"] = option(request, "context");
  const jobs::CommandRun applied = runProgram(handle.details["kubectl"], kubectlPrefix(handle) << QStringLiteral("apply") << QStringLiteral("-f")
                                                                                 << file.fileName());
  if (applied.code != 0)
    throwIo("kubectl apply refused the job: " + trimmed(applied.err.empty() ? applied.out : applied.err));
  return handle;
}

JobState KubernetesBackend::stateFromJobJson(const std::string& json) {
  const QJsonObject job = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
  if (job.isEmpty() || job[QStringLiteral("kind")].toString() != QStringLiteral("Job")) return JobState::Unknown;
  const QJsonObject status = job[QStringLiteral("status")].toObject();
  for (const QJsonValue& value : status[QStringLiteral("conditions")].toArray()) {
    const QJsonObject condition = value.toObject();
    if (condition[QStringLiteral("status")].toString() != QStringLiteral("True")) continue;
    const QString type = condition[QStringLiteral("type")].toString();
    if (type == QStringLiteral("Complete")) return JobState::Succeeded;
    if (type == QStringLiteral("Failed")) return JobState::Failed;
  }
  for (const QJsonValue& value : status[QStringLiteral("conditions")].toArray()) {
    const QJsonObject condition = value.toObject();
    if (condition[QStringLiteral("status")].toString() != QStringLiteral("True")) continue;
    const QString type = condition[QStringLiteral("type")].toString();
    // Newer clusters say so before the terminal condition lands.
    if (type == QStringLiteral("SuccessCriteriaMet")) return JobState::Succeeded;
    if (type == QStringLiteral("FailureTarget")) return JobState::Failed;
    if (type == QStringLiteral("Suspended")) return JobState::Pending;
  }
  const int completions = job[QStringLiteral("spec")].toObject()[QStringLiteral("completions")].toInt(1);
  if (status[QStringLiteral("succeeded")].toInt() >= completions) return JobState::Succeeded;
  if (status[QStringLiteral("active")].toInt() > 0) {
    // `ready` (Kubernetes 1.24+) tells running pods from pods still waiting for a node or an image.
    if (status.contains(QStringLiteral("ready")) && status[QStringLiteral("ready")].toInt() == 0) return JobState::Pending;
    return JobState::Running;
  }
  return JobState::Pending;
}

JobState KubernetesBackend::state(const JobHandle& handle) {
  const jobs::CommandRun got = runProgram(detail(handle, "kubectl", "kubectl"),
                             kubectlPrefix(handle) << QStringLiteral("get") << QStringLiteral("job")
                                                   << QString::fromStdString(handle.id) << QStringLiteral("-n")
                                                   << QString::fromStdString(detail(handle, "namespace", "default"))
                                                   << QStringLiteral("-o") << QStringLiteral("json"));
  if (got.code != 0) return JobState::Unknown;
  return stateFromJobJson(got.out);
}

std::string KubernetesBackend::logs(const JobHandle& handle) {
  const std::string kubectl = detail(handle, "kubectl", "kubectl");
  const QString space = QString::fromStdString(detail(handle, "namespace", "default"));
  // `kubectl logs job/NAME` picks any pod; rank 0 is the pod whose completion index is 0.
  QString pod, newest;
  const jobs::CommandRun pods = runProgram(kubectl, kubectlPrefix(handle) << QStringLiteral("get") << QStringLiteral("pods")
                                                             << QStringLiteral("-n") << space << QStringLiteral("-l")
                                                             << QString::fromStdString(std::string(kJobLabel) + "=" + handle.id)
                                                             << QStringLiteral("-o") << QStringLiteral("json"));
  if (pods.code == 0) {
    const QJsonArray items = QJsonDocument::fromJson(QByteArray::fromStdString(pods.out)).object()[QStringLiteral("items")].toArray();
    for (const QJsonValue& item : items) {
      const QJsonObject metadata = item.toObject()[QStringLiteral("metadata")].toObject();
      if (metadata[QStringLiteral("annotations")].toObject()[QLatin1String(kIndexAnnotation)].toString() != QStringLiteral("0"))
        continue;
      // A retried rank 0 (backoff_limit > 0) leaves older pods: take the newest (RFC 3339 sorts).
      const QString created = metadata[QStringLiteral("creationTimestamp")].toString();
      if (pod.isEmpty() || created >= newest) {
        pod = metadata[QStringLiteral("name")].toString();
        newest = created;
      }
    }
  }
  const QString target = pod.isEmpty() ? QStringLiteral("job/") + QString::fromStdString(handle.id) : pod;
  const jobs::CommandRun log = runProgram(kubectl, kubectlPrefix(handle) << QStringLiteral("logs") << target << QStringLiteral("-n") << space);
  if (log.code != 0) throwIo("kubectl logs: " + trimmed(log.err.empty() ? log.out : log.err));
  return log.out;
}

void KubernetesBackend::cancel(const JobHandle& handle) {
  const std::string service = detail(handle, "service", handle.id);
  const QString space = QString::fromStdString(detail(handle, "namespace", "default"));
  // The pods go with the Job (their grace period: SIGTERM, then SIGKILL).
  const jobs::CommandRun job = runProgram(detail(handle, "kubectl", "kubectl"),
                             kubectlPrefix(handle) << QStringLiteral("delete") << QStringLiteral("job")
                                                   << QString::fromStdString(handle.id) << QStringLiteral("-n") << space
                                                   << QStringLiteral("--ignore-not-found"));
  const jobs::CommandRun svc = runProgram(detail(handle, "kubectl", "kubectl"),
                             kubectlPrefix(handle) << QStringLiteral("delete") << QStringLiteral("service")
                                                   << QString::fromStdString(service) << QStringLiteral("-n") << space
                                                   << QStringLiteral("--ignore-not-found"));
  if (job.code != 0) throwIo("kubectl delete job: " + trimmed(job.err.empty() ? job.out : job.err));
  if (svc.code != 0) throwIo("kubectl delete service: " + trimmed(svc.err.empty() ? svc.out : svc.err));
}

}  // namespace prithvi
