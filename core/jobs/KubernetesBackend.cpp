#include "core/jobs/KubernetesBackend.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QStringDecoder>
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

// Text for the manifest: Kubernetes stores only UTF-8, so anything else is refused here rather
// than mangled.
QString utf8(const std::string& text) {
  QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
  const QString decoded = decoder(QByteArray::fromStdString(text));
  if (decoder.hasError()) throwUsage("a job argument is not valid UTF-8 text; Kubernetes stores only UTF-8");
  return decoded;
}

}  // namespace

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

  // Built as data (Qt JSON, which kubectl reads like YAML): one v1 List with the headless Service
  // first, so rank 0's name resolves by the time its peers look it up, then the Job.
  const QJsonObject labels{{"app.kubernetes.io/name", "prithvi"}, {kJobLabel, utf8(job)}};
  std::string commandLine;
  for (const auto& word : command) commandLine += (commandLine.empty() ? "" : " ") + word;
  const QString summary =
      QString::fromStdString(array ? std::to_string(ranks) + " independent task(s) of an Indexed Job, " +
                                         std::to_string(parallelism) + " at a time"
                                   : std::to_string(ranks) + " rank(s) of an Indexed Job; rank 0 listens at " + master +
                                         ":" + std::to_string(kMasterPort));
  auto metadata = [&](bool annotated) {
    QJsonObject object{{"name", utf8(job)}, {"namespace", utf8(space)}, {"labels", labels}};
    if (annotated)
      object["annotations"] = QJsonObject{{"prithvi.studio/summary", summary}, {"prithvi.studio/command", utf8(commandLine)}};
    return object;
  };
  const QJsonObject serviceObject{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata(false)},
      {"spec", QJsonObject{{"clusterIP", "None"},
                           {"publishNotReadyAddresses", true},
                           {"selector", QJsonObject{{kJobLabel, utf8(job)}}},
                           {"ports", QJsonArray{QJsonObject{{"name", "rendezvous"}, {"port", kMasterPort}, {"protocol", "TCP"}}}}}}};

  QJsonArray commandWords;
  for (const auto& word : command) commandWords.append(utf8(word));
  QJsonArray env;
  const QString indexPath = QStringLiteral("metadata.annotations['%1']").arg(QLatin1String(kIndexAnnotation));
  for (const char* name : {"JOB_COMPLETION_INDEX", array ? "PRITHVI_TASK_INDEX" : "RANK"})
    env.append(QJsonObject{{"name", name}, {"valueFrom", QJsonObject{{"fieldRef", QJsonObject{{"fieldPath", indexPath}}}}}});
  std::vector<std::pair<const char*, std::string>> values = {{"WORLD_SIZE", std::to_string(ranks)},
                                                             {"LOCAL_RANK", "0"},
                                                             {"MASTER_ADDR", master},
                                                             {"MASTER_PORT", std::to_string(kMasterPort)}};
  if (array) values = {{"PRITHVI_TASK_COUNT", std::to_string(ranks)}};
  for (const auto& [name, value] : values) env.append(QJsonObject{{"name", name}, {"value", utf8(value)}});
  QJsonObject container{{"name", "prithvi"}, {"image", utf8(image)}, {"command", commandWords}, {"env", env}};
  if (!request.workDir.empty()) container["workingDir"] = utf8(request.workDir);
  if (!cpu.empty() || !memory.empty() || gpusPerPod > 0) {
    QJsonObject amounts;
    if (!cpu.empty()) amounts["cpu"] = utf8(cpu);
    if (!memory.empty()) amounts["memory"] = utf8(memory);
    if (gpusPerPod > 0) amounts["nvidia.com/gpu"] = QString::number(gpusPerPod);
    container["resources"] = QJsonObject{{"requests", amounts}, {"limits", amounts}};
  }
  QJsonObject pod{{"restartPolicy", "Never"}, {"subdomain", utf8(service)}};
  if (!claim.empty()) {
    container["volumeMounts"] = QJsonArray{QJsonObject{{"name", "runs"}, {"mountPath", utf8(mountPath)}}};
    pod["volumes"] = QJsonArray{QJsonObject{{"name", "runs"}, {"persistentVolumeClaim", QJsonObject{{"claimName", utf8(claim)}}}}};
  }
  pod["containers"] = QJsonArray{container};
  const QJsonObject jobObject{
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", metadata(true)},
      {"spec", QJsonObject{{"completions", ranks},
                           {"parallelism", parallelism},
                           {"completionMode", "Indexed"},
                           {"backoffLimit", std::stoi(backoffText)},
                           {"template", QJsonObject{{"metadata", QJsonObject{{"labels", labels}}}, {"spec", pod}}}}}};
  const QJsonObject list{{"apiVersion", "v1"}, {"kind", "List"}, {"items", QJsonArray{serviceObject, jobObject}}};
  return QJsonDocument(list).toJson(QJsonDocument::Indented).toStdString();
}

JobHandle KubernetesBackend::submit(const LaunchRequest& request) {
  const std::string manifest = render(request);
  QTemporaryFile file(QStringLiteral("/tmp/prithvi-k8s-XXXXXX.json"));
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
