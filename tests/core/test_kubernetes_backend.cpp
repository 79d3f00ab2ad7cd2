// The Kubernetes launch backend: the rendered Indexed Job and headless Service for 1, 2 and 8
// ranks, read back by kubectl with no cluster, and the kubectl commands behind submit, state,
// logs and cancel (against a stand-in kubectl that records them).
//
// What kubectl can check offline (no cluster; KUBECONFIG an empty file): `apply` and `create`
// need the API server even with --dry-run=client --validate=false (they ask it to map kinds to
// resources), and --validate needs the server's OpenAPI schema. Two `--local` commands work:
// `kubectl label --local -o json` parses the YAML as it is (unstructured: any field, any value),
// and `kubectl set env|selector --local -o json` decodes it into kubectl's own Go types (batch/v1
// Job, v1 Service), failing on a wrong type and silently dropping a field the types do not
// have. So: the first output proves the YAML says exactly what we meant (command words, env),
// the difference between the two finds misspelt or misplaced fields, and the checks below stand
// in for the schema's required fields. kubectl 1.20 (Debian's kubernetes-client) predates
// Indexed Jobs (Kubernetes 1.21): its types drop spec.completionMode, the one field allowed to go.
// PRITHVI_KUBECTL names the kubectl to use (default: kubectl on PATH; none: those parts skip).

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "core/jobs/KubernetesBackend.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

// Arguments that YAML would misread unquoted: spaces, quotes, colons, comment and flow
// characters, words YAML 1.1 reads as booleans, null or numbers, breaks, non-ASCII.
const std::vector<std::string> kNastyArguments = {
    "finetune", "--data", "/data/my chips.zarr", "--note", "it's a \"quoted\" value: with colons, # and more",
    "", " leading and trailing ", "#not-a-comment", "- dash", "key: value", "multi\nline", "tab\there",
    "null", "~", "true", "no", "yes", "0123", "1e3", "0x1F", "{braces}", "[list]", "&anchor", "*alias", "!tag",
    "%percent", "@at", "`tick`", "|pipe", ">fold", "back\\slash", "Wasserfl\xc3\xa4" "che \xe6\xb0\xb4", "\x7f" "del",
    "---", "...", "'single'"};

struct Ranks {
  int nodes, perNode, gpus;
};

LaunchRequest request(const Ranks& ranks) {
  LaunchRequest request;
  request.name = "Flood_FineTune 2024";
  request.arguments = kNastyArguments;
  request.nodes = ranks.nodes;
  request.processesPerNode = ranks.perNode;
  request.gpusPerNode = ranks.gpus;
  request.runDir = "/runs/flood-2024";
  request.workDir = "/runs";
  request.options = {{"image", "registry.example.org/prithvi:1.2"}, {"namespace", "geo"}};
  return request;
}

QJsonObject parseObject(const QByteArray& json) {
  QJsonParseError error;
  const QJsonDocument document = QJsonDocument::fromJson(json, &error);
  if (error.error != QJsonParseError::NoError) qWarning("not JSON: %s\n%s", qPrintable(error.errorString()), json.constData());
  return document.object();
}

// Every leaf of a JSON tree as a path ("spec.template.spec.containers.0.image").
void leaves(const QJsonValue& value, const QString& path, QSet<QString>& out) {
  if (value.isObject() && !value.toObject().isEmpty()) {
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it)
      leaves(it.value(), path.isEmpty() ? it.key() : path + "." + it.key(), out);
  } else if (value.isArray() && !value.toArray().isEmpty()) {
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) leaves(array[i], path + "." + QString::number(i), out);
  } else {
    out.insert(path);
  }
}

QJsonValue at(const QJsonObject& root, const QString& path) {
  QJsonValue value = root;
  for (const QString& key : path.split('.')) {
    bool index = false;
    const int i = key.toInt(&index);
    value = index && value.isArray() ? value.toArray().at(i) : value.toObject().value(key);
  }
  return value;
}

QString envValue(const QJsonArray& env, const QString& name, const char* field = "value") {
  for (const QJsonValue& entry : env)
    if (entry.toObject()["name"].toString() == name) {
      if (QByteArray(field) == "fieldPath")
        return entry.toObject()["valueFrom"].toObject()["fieldRef"].toObject()["fieldPath"].toString();
      return entry.toObject()[field].toString();
    }
  return QStringLiteral("<missing>");
}

}  // namespace

class TestKubernetesBackend : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QString mKubectl;
  int mMinor = 0;

  struct Ran {
    int code = -1;
    QByteArray out, err;
  };
  Ran kubectl(const QStringList& arguments) {
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("KUBECONFIG", mDir.filePath("empty-kubeconfig"));  // no cluster, none reachable
    environment.insert("HOME", mDir.path());                              // no ~/.kube cache either
    process.setProcessEnvironment(environment);
    process.start(mKubectl, arguments);
    Ran ran;
    if (!process.waitForStarted() || !process.waitForFinished(60000)) return ran;
    ran.code = process.exitCode();
    ran.out = process.readAllStandardOutput();
    ran.err = process.readAllStandardError();
    return ran;
  }

  // The rendered List's items (Service, Job), each written to its own file.
  QStringList writeDocuments(const std::string& manifest, const QString& stem) {
    QStringList files;
    const QJsonObject list = parseObject(QByteArray::fromStdString(manifest));
    if (list["kind"].toString() != QStringLiteral("List")) return files;
    for (const QJsonValue& item : list["items"].toArray()) {
      QFile file(mDir.filePath(stem + "-" + QString::number(files.size()) + ".json"));
      if (file.open(QIODevice::WriteOnly)) file.write(QJsonDocument(item.toObject()).toJson(QJsonDocument::Indented));
      files << file.fileName();
    }
    return files;
  }

  // The document as written (unstructured) and as kubectl's Go types read it.
  void readBack(const QString& file, bool job, QJsonObject& written, QJsonObject& typed) {
    const Ran plain = kubectl({"label", "--local", "-f", file, "kubectl-check=1", "-o", "json"});
    QVERIFY2(plain.code == 0, plain.err.constData());
    written = parseObject(plain.out);
    QVERIFY(!written.isEmpty());
    const Ran decoded = job ? kubectl({"set", "env", "--local", "-f", file, "KUBECTL_CHECK=1", "-o", "json"})
                            : kubectl({"set", "selector", "--local", "-f", file, "kubectl-check=1", "-o", "json"});
    QVERIFY2(decoded.code == 0, decoded.err.constData());
    typed = parseObject(decoded.out);
    QVERIFY(!typed.isEmpty());
  }

  // Fields that kubectl's types dropped: unknown to the API (a misspelling, a wrong level).
  QStringList droppedFields(const QJsonObject& written, const QJsonObject& typed) {
    QSet<QString> mine, theirs;
    leaves(written, {}, mine);
    leaves(typed, {}, theirs);
    QStringList dropped;
    for (const QString& path : mine) {
      if (path.startsWith("metadata.labels.kubectl-check") || path.startsWith("spec.selector")) continue;  // our probes
      if (path == "spec.completionMode" && mMinor < 21) continue;  // newer than this kubectl
      if (!theirs.contains(path)) dropped << path;
    }
    return dropped;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    QFile empty(mDir.filePath("empty-kubeconfig"));
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();
    mKubectl = qEnvironmentVariable("PRITHVI_KUBECTL");
    if (mKubectl.isEmpty()) mKubectl = QStandardPaths::findExecutable("kubectl");
    if (!mKubectl.isEmpty()) {
      const Ran version = kubectl({"version", "--client", "-o", "json"});
      const QString minor = parseObject(version.out)["clientVersion"].toObject()["minor"].toString();
      mMinor = QString(minor).remove(QRegularExpression("[^0-9]")).toInt();
      qInfo("kubectl %s: client minor version %d", qPrintable(mKubectl), mMinor);
    }
  }

  void namesAreDnsSafe() {
    QCOMPARE(KubernetesBackend::resourceName("Flood_FineTune 2024", 8), std::string("flood-finetune-2024"));
    QCOMPARE(KubernetesBackend::resourceName("2024 run", 1), std::string("job-2024-run"));
    QCOMPARE(KubernetesBackend::resourceName("--", 1), std::string("prithvi"));
    const std::string longName = KubernetesBackend::resourceName(std::string(100, 'a') + "-b", 128);
    QCOMPARE(longName.size() + 4, size_t(63));  // "-127" makes the pod host name one DNS label
  }

  void missingImageIsRefused() {
    LaunchRequest bad = request({1, 1, 0});
    bad.options.erase("image");
    test::expectError(ErrorKind::Usage, [&] { KubernetesBackend().render(bad); }, "'image'");
    bad = request({1, 1, 0});
    bad.options["cpu"] = "lots";
    test::expectError(ErrorKind::Usage, [&] { KubernetesBackend().render(bad); }, "cpu");
    bad = request({1, 1, 0});
    bad.options["volume_claim"] = "runs";
    bad.runDir = "relative/run";
    test::expectError(ErrorKind::Usage, [&] { KubernetesBackend().render(bad); }, "mount_path");
    bad = request({1, 1, 0});
    bad.arguments.push_back("\xff\xfe");
    test::expectError(ErrorKind::Usage, [&] { KubernetesBackend().render(bad); }, "UTF-8");
  }

  void manifestsValidate_data() {
    QTest::addColumn<int>("nodes");
    QTest::addColumn<int>("perNode");
    QTest::addColumn<int>("gpus");
    QTest::addColumn<bool>("volume");
    QTest::newRow("1 rank, CPU") << 1 << 1 << 0 << false;
    QTest::newRow("2 ranks, 2 nodes x 1 GPU") << 2 << 1 << 1 << true;
    QTest::newRow("8 ranks, 2 nodes x 4 GPUs") << 2 << 4 << 4 << true;
  }

  void manifestsValidate() {
    QFETCH(int, nodes);
    QFETCH(int, perNode);
    QFETCH(int, gpus);
    QFETCH(bool, volume);
    if (mKubectl.isEmpty()) QSKIP("kubectl is not installed (Debian package kubernetes-client)");
    LaunchRequest launch = request({nodes, perNode, gpus});
    if (volume) {
      launch.options["volume_claim"] = "prithvi-runs";
      launch.options["cpu"] = "7500m";
      launch.options["memory"] = "48Gi";
      launch.options["backoff_limit"] = "2";
    }
    const int ranks = nodes * perNode;
    const std::string yaml = KubernetesBackend().render(launch);
    const QStringList files = writeDocuments(yaml, QString("ranks-%1").arg(ranks));
    QCOMPARE(files.size(), 2);
    const QString name = QString::fromStdString(KubernetesBackend::resourceName(launch.name, ranks));

    // The Service.
    QJsonObject service, serviceTyped;
    readBack(files[0], false, service, serviceTyped);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(droppedFields(service, serviceTyped).isEmpty(), qPrintable(droppedFields(service, serviceTyped).join(", ")));
    QCOMPARE(service["apiVersion"].toString(), QString("v1"));
    QCOMPARE(service["kind"].toString(), QString("Service"));
    QCOMPARE(at(service, "metadata.name").toString(), name);
    QCOMPARE(at(service, "metadata.namespace").toString(), QString("geo"));
    QCOMPARE(at(service, "spec.clusterIP").toString(), QString("None"));
    const QJsonObject selector = at(service, "spec.selector").toObject();
    QVERIFY(!selector.isEmpty());

    // The Job.
    QJsonObject job, jobTyped;
    readBack(files[1], true, job, jobTyped);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(droppedFields(job, jobTyped).isEmpty(), qPrintable(droppedFields(job, jobTyped).join(", ")));
    QCOMPARE(job["apiVersion"].toString(), QString("batch/v1"));
    QCOMPARE(job["kind"].toString(), QString("Job"));
    QCOMPARE(at(job, "metadata.name").toString(), name);
    QCOMPARE(at(job, "metadata.namespace").toString(), QString("geo"));
    QVERIFY(at(job, "spec.completions").isDouble() && at(job, "spec.parallelism").isDouble());
    QCOMPARE(at(job, "spec.completions").toInt(), ranks);
    QCOMPARE(at(job, "spec.parallelism").toInt(), ranks);
    QCOMPARE(at(job, "spec.completionMode").toString(), QString("Indexed"));
    QCOMPARE(at(job, "spec.backoffLimit").toInt(), volume ? 2 : 0);
    const QJsonObject pod = at(job, "spec.template.spec").toObject();
    QCOMPARE(pod["restartPolicy"].toString(), QString("Never"));
    QCOMPARE(pod["subdomain"].toString(), name);  // with the Job's pod host names: <job>-<index>.<service>
    const QJsonObject labels = at(job, "spec.template.metadata.labels").toObject();
    for (auto it = selector.begin(); it != selector.end(); ++it)
      QCOMPARE(labels[it.key()].toString(), it.value().toString());  // the Service selects the job's pods
    const QJsonArray containers = pod["containers"].toArray();
    QCOMPARE(containers.size(), 1);
    const QJsonObject container = containers[0].toObject();
    QVERIFY(!container["name"].toString().isEmpty());
    QCOMPARE(container["image"].toString(), QString("registry.example.org/prithvi:1.2"));
    QCOMPARE(container["workingDir"].toString(), QString("/runs"));

    // The command, word for word, as YAML gave it to kubectl and as the typed object holds it.
    std::vector<std::string> expected = {"prithvi"};
    expected.insert(expected.end(), launch.arguments.begin(), launch.arguments.end());
    expected.insert(expected.end(), {"--events", "jsonl"});
    for (const QJsonObject& read : {container, at(jobTyped, "spec.template.spec.containers.0").toObject()}) {
      const QJsonArray command = read["command"].toArray();
      QCOMPARE(size_t(command.size()), expected.size());
      for (qsizetype i = 0; i < command.size(); ++i) {
        QVERIFY2(command[i].isString(), qPrintable(QString("word %1 is not a string").arg(i)));
        QCOMPARE(command[i].toString().toStdString(), expected[size_t(i)]);
      }
    }

    // The torchrun variables that training/distributed/Communicator reads.
    const QJsonArray env = container["env"].toArray();
    const QString indexPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']";
    QCOMPARE(envValue(env, "RANK", "fieldPath"), indexPath);
    QCOMPARE(envValue(env, "JOB_COMPLETION_INDEX", "fieldPath"), indexPath);
    QCOMPARE(envValue(env, "WORLD_SIZE"), QString::number(ranks));
    QCOMPARE(envValue(env, "LOCAL_RANK"), QString("0"));
    QCOMPARE(envValue(env, "MASTER_ADDR"), name + "-0." + name);
    QCOMPARE(envValue(env, "MASTER_PORT"), QString("29500"));
    for (const QJsonValue& entry : env) QVERIFY(entry.toObject()["name"].isString());

    // Resources: the GPU only when asked, one per rank here.
    const QJsonObject resources = container["resources"].toObject();
    QCOMPARE(resources["limits"].toObject().contains("nvidia.com/gpu"), gpus > 0);
    if (gpus > 0) QCOMPARE(resources["limits"].toObject()["nvidia.com/gpu"].toString(), QString("1"));
    if (volume) {
      QCOMPARE(resources["requests"].toObject()["cpu"].toString(), QString("7500m"));
      QCOMPARE(resources["limits"].toObject()["memory"].toString(), QString("48Gi"));
      QCOMPARE(at(container, "volumeMounts.0.mountPath").toString(), QString("/runs"));
      QCOMPARE(at(container, "volumeMounts.0.name").toString(), at(pod, "volumes.0.name").toString());
      QCOMPARE(at(pod, "volumes.0.persistentVolumeClaim.claimName").toString(), QString("prithvi-runs"));
    } else {
      QVERIFY(!container.contains("resources"));
      QVERIFY(!pod.contains("volumes"));
    }
  }

  // A job array: independent tasks, `parallelism` at a time, each told its index; no rendezvous.
  void arrayManifestValidates() {
    LaunchRequest launch = request({1, 1, 0});
    launch.arrayTasks = 5;
    launch.options["parallelism"] = "2";
    const std::string yaml = KubernetesBackend().render(launch);
    launch.processesPerNode = 2;
    test::expectError(ErrorKind::Usage, [&] { KubernetesBackend().render(launch); }, "one process each");
    if (mKubectl.isEmpty()) QSKIP("kubectl is not installed (Debian package kubernetes-client)");
    const QStringList files = writeDocuments(yaml, QStringLiteral("array"));
    QCOMPARE(files.size(), 2);
    QJsonObject job, jobTyped;
    readBack(files[1], true, job, jobTyped);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(droppedFields(job, jobTyped).isEmpty(), qPrintable(droppedFields(job, jobTyped).join(", ")));
    QCOMPARE(at(job, "spec.completions").toInt(), 5);
    QCOMPARE(at(job, "spec.parallelism").toInt(), 2);
    QCOMPARE(at(job, "spec.completionMode").toString(), QString("Indexed"));
    const QJsonArray env = at(job, "spec.template.spec.containers.0.env").toArray();
    QCOMPARE(envValue(env, "PRITHVI_TASK_INDEX", "fieldPath"), QString("metadata.annotations['batch.kubernetes.io/job-completion-index']"));
    QCOMPARE(envValue(env, "PRITHVI_TASK_COUNT"), QString("5"));
    QCOMPARE(envValue(env, "RANK"), QStringLiteral("<missing>"));
    QCOMPARE(envValue(env, "MASTER_ADDR"), QStringLiteral("<missing>"));
  }

  // The typed read really catches what the API would not accept.
  void kubectlCatchesMistakes() {
    if (mKubectl.isEmpty()) QSKIP("kubectl is not installed (Debian package kubernetes-client)");
    const QStringList files = writeDocuments(KubernetesBackend().render(request({1, 1, 0})), "mistake");
    QFile file(files[1]);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray good = file.readAll();
    auto variant = [&](const QByteArray& from, const QByteArray& to) {
      QByteArray text = good;
      if (!text.contains(from)) qWarning("'%s' is not in the manifest", from.constData());
      text.replace(from, to);
      QFile broken(mDir.filePath("broken.json"));
      if (broken.open(QIODevice::WriteOnly)) broken.write(text);
      return broken.fileName();
    };
    // A misspelt field is dropped by the types.
    QJsonObject written, typed;
    readBack(variant("\"restartPolicy\":", "\"restartPolcy\":"), true, written, typed);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(droppedFields(written, typed), QStringList{"spec.template.spec.restartPolcy"});
    // So is a field at the wrong level.
    readBack(variant("\"subdomain\":", "\"containers2\": [],\n\"subdomain\":"), true, written, typed);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(droppedFields(written, typed), QStringList{"spec.template.spec.containers2"});
    // A wrong type is an error.
    const Ran wrongType = kubectl({"set", "env", "--local", "-f", variant("\"completions\": 1", "\"completions\": \"one\""),
                                   "X=1", "-o", "json"});
    QVERIFY(wrongType.code != 0);
    QVERIFY2(wrongType.err.contains("ompletions"), wrongType.err.constData());
  }

  void stateFromJobStatus() {
    auto state = [](const char* status) {
      return KubernetesBackend::stateFromJobJson(std::string(R"({"kind":"Job","spec":{"completions":2},"status":)") + status + "}");
    };
    QCOMPARE(state("{}"), JobState::Pending);
    QCOMPARE(state(R"({"active":2})"), JobState::Running);
    QCOMPARE(state(R"({"active":2,"ready":0})"), JobState::Pending);
    QCOMPARE(state(R"({"active":1,"ready":1,"succeeded":1})"), JobState::Running);
    QCOMPARE(state(R"({"succeeded":2,"conditions":[{"type":"Complete","status":"True"}]})"), JobState::Succeeded);
    QCOMPARE(state(R"({"failed":1,"active":1,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]})"),
             JobState::Failed);
    QCOMPARE(state(R"({"conditions":[{"type":"Suspended","status":"True"}]})"), JobState::Pending);
    QCOMPARE(state(R"({"conditions":[{"type":"Complete","status":"False"}],"active":1})"), JobState::Running);
    QCOMPARE(KubernetesBackend::stateFromJobJson("Error from server (NotFound)"), JobState::Unknown);
  }

  // submit, state, logs and cancel run the right kubectl commands (a stand-in kubectl records
  // them and answers as a cluster would).
  void kubectlCommands() {
    const QString fake = mDir.filePath("fake-kubectl");
    const QString calls = mDir.filePath("calls.txt");
    QFile script(fake);
    QVERIFY(script.open(QIODevice::WriteOnly));
    // (No raw string: moc would read its "#!" line as a directive.)
    script.write(QString(
        "#!/bin/sh\n"
        "printf '%s\\n' \"$*\" >> '%1'\n"
        "case \"$*\" in\n"
        "  *apply\\ -f\\ *) eval \"f=\\${$#}\"; cp \"$f\" '%2'; echo \"job.batch/x created\" ;;\n"
        "  *get\\ job*) echo '{\"kind\":\"Job\",\"spec\":{\"completions\":2},\"status\":{\"active\":2,\"ready\":2}}' ;;\n"
        "  *get\\ pods*) echo '{\"items\":[{\"metadata\":{\"name\":\"x-1-abc\",\"annotations\":{\"batch.kubernetes.io/job-completion-index\":\"1\"}}},{\"metadata\":{\"name\":\"x-0-def\",\"creationTimestamp\":\"2024-05-01T10:07:00Z\",\"annotations\":{\"batch.kubernetes.io/job-completion-index\":\"0\"}}},{\"metadata\":{\"name\":\"x-0-old\",\"creationTimestamp\":\"2024-05-01T10:00:00Z\",\"annotations\":{\"batch.kubernetes.io/job-completion-index\":\"0\"}}}]}' ;;\n"
        "  *logs\\ x-0-def*) echo '{\"event\":\"started\",\"job\":\"finetune\"}' ;;\n"
        "  *delete*) echo deleted ;;\n"
        "  *) echo \"unexpected: $*\" >&2; exit 1 ;;\n"
        "esac\n"
        ).arg(calls, mDir.filePath("applied.json")).toUtf8());
    script.close();
    QVERIFY(script.setPermissions(script.permissions() | QFileDevice::ExeOwner));

    KubernetesBackend backend;
    LaunchRequest launch = request({2, 1, 0});
    launch.options["kubectl"] = fake.toStdString();
    launch.options["context"] = "lab";
    const JobHandle handle = backend.submit(launch);
    QCOMPARE(handle.backend, std::string("k8s"));
    QCOMPARE(handle.id, std::string("flood-finetune-2024"));
    QCOMPARE(handle.details.at("namespace"), std::string("geo"));
    QFile applied(mDir.filePath("applied.json"));
    QVERIFY(applied.open(QIODevice::ReadOnly));
    QCOMPARE(applied.readAll().toStdString(), backend.render(launch));
    QCOMPARE(backend.state(handle), JobState::Running);
    QCOMPARE(backend.logs(handle), std::string("{\"event\":\"started\",\"job\":\"finetune\"}\n"));
    backend.cancel(handle);

    QFile log(calls);
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(log.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY2(lines[0].startsWith("--context lab apply -f /"), qPrintable(lines[0]));
    QCOMPARE(lines[1], QString("--context lab get job flood-finetune-2024 -n geo -o json"));
    QCOMPARE(lines[2], QString("--context lab get pods -n geo -l prithvi-job=flood-finetune-2024 -o json"));
    QCOMPARE(lines[3], QString("--context lab logs x-0-def -n geo"));
    QCOMPARE(lines[4], QString("--context lab delete job flood-finetune-2024 -n geo --ignore-not-found"));
    QCOMPARE(lines[5], QString("--context lab delete service flood-finetune-2024 -n geo --ignore-not-found"));

    // kubectl's refusal comes back as an Io error with its message.
    launch.options["kubectl"] = "/bin/false";
    test::expectError(ErrorKind::Io, [&] { backend.submit(launch); }, "kubectl apply refused");
  }
};

QTEST_GUILESS_MAIN(TestKubernetesBackend)
#include "test_kubernetes_backend.moc"
