// The SSH launch backend end to end: a private sshd on a free port of 127.0.0.1 (its own host
// key, client key, authorized_keys and config in a temporary folder; the machine's sshd and
// ~/.ssh are left alone) and real `prithvi synth` jobs through it: inputs copied up, the job
// watched from Running to Succeeded, its log, the run folder copied back, and a cancel that ends
// in Canceled. Paths with spaces and quotes on both sides check the quoting for the remote shell.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "core/base/JobEvents.h"
#include "core/jobs/DetachedJob.h"
#include "core/jobs/JobCommands.h"
#include "core/jobs/SshBackend.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

// A port nothing listens on right now.
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

bool writeFile(const QString& path, const QByteArray& content) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

QByteArray readFile(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The last `finished` event of a log.
std::optional<JobEvent> finishedEvent(const std::string& log) {
  std::optional<JobEvent> last;
  for (const QByteArray& line : QByteArray::fromStdString(log).split('\n'))
    if (auto event = parseJobEvent(line.toStdString()); event && event->type == "finished") last = event;
  return last;
}

}  // namespace

class TestSshBackend : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QProcess mSshd;
  bool mTried = false;
  QString mWhyNot;  // why there is no sshd (a skip reason)
  int mPort = 0;
  std::string mHost;
  std::vector<int> mRemotePids;  // started jobs: killed at the end if a test left one running

  QString path(const QString& name) const { return mDir.filePath(name); }

  // The options every job here uses to reach the private sshd.
  std::map<std::string, std::string> connection() const {
    return {{"host", mHost},
            {"port", std::to_string(mPort)},
            {"identity", path("client key").toStdString()},
            {"known_hosts", path("known hosts").toStdString()},
            {"connect_timeout", "10"},
            {"prithvi", PRITHVI_BIN_DIR "/prithvi"}};
  }

  // Starts the private sshd once; empty on success, else why it cannot run here.
  QString sshd() {
    if (mTried) return mWhyNot;
    mTried = true;
    const QString daemon = QStringLiteral("/usr/sbin/sshd");
    for (const QString& tool : {QStringLiteral("ssh"), QStringLiteral("ssh-keygen"), QStringLiteral("rsync")})
      if (QStandardPaths::findExecutable(tool).isEmpty())
        return mWhyNot = tool + " is not installed (Debian packages openssh-client, rsync)";
    if (!QFileInfo(daemon).isExecutable()) return mWhyNot = "sshd is not installed (Debian package openssh-server)";
    const passwd* user = ::getpwuid(::getuid());
    if (!user) return mWhyNot = "this user has no passwd entry for sshd to log in as";
    mHost = std::string(user->pw_name) + "@127.0.0.1";

    for (const char* key : {"host key", "client key"}) {
      const test::ProcessRun made =
          test::runProcess("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-C", "prithvi-test", "-f", path(key)}, 60000);
      if (made.code != 0) return mWhyNot = QString("ssh-keygen failed: ") + made.err;
    }
    if (!writeFile(path("authorized_keys"), readFile(path("client key.pub"))))
      return mWhyNot = "cannot write authorized_keys";
    // sshd wants its privilege separation folder (the package's tmpfiles rule makes it at boot).
    if (::getuid() == 0) QDir().mkpath(QStringLiteral("/run/sshd"));
    mPort = freePort();
    const QString config = QString(
        "Port %1\n"
        "ListenAddress 127.0.0.1\n"
        "HostKey \"%2\"\n"
        "PidFile \"%3\"\n"
        "AuthorizedKeysFile \"%4\"\n"
        "AllowUsers %5\n"
        "PubkeyAuthentication yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        "UsePAM no\n"
        "StrictModes no\n"
        "PrintMotd no\n"
        "LogLevel VERBOSE\n")
        .arg(mPort).arg(path("host key"), path("sshd.pid"), path("authorized_keys"), QString::fromUtf8(user->pw_name));
    if (!writeFile(path("sshd_config"), config.toUtf8())) return mWhyNot = "cannot write sshd_config";
    const test::ProcessRun checked = test::runProcess(daemon, {"-t", "-f", path("sshd_config")}, 60000);
    if (checked.code != 0) {
      if (::getuid() != 0) return mWhyNot = QString("sshd refuses to run as this user (not root): ") + checked.err;
      QTest::qFail(qPrintable(QString("sshd -t rejects the test's config: ") + checked.err), __FILE__, __LINE__);
      return mWhyNot = "bad sshd config";
    }
    mSshd.setProcessChannelMode(QProcess::MergedChannels);
    mSshd.start(daemon, {"-D", "-e", "-f", path("sshd_config")});
    if (!mSshd.waitForStarted(10000)) return mWhyNot = "sshd did not start: " + mSshd.errorString();

    // Ready when a real login works.
    QElapsedTimer clock;
    clock.start();
    QStringList login = {"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o",
                         "UserKnownHostsFile=\"" + path("known hosts") + "\"", "-o", "ConnectTimeout=5", "-p",
                         QString::number(mPort), "-i", path("client key"), "-o", "IdentitiesOnly=yes",
                         QString::fromStdString(mHost), "echo ready"};
    QByteArray lastError;
    while (clock.elapsed() < 20000) {
      const test::ProcessRun run = test::runProcess("ssh", login, 30000);
      if (run.code == 0 && run.out.contains("ready")) return mWhyNot = {};
      lastError = run.err;
      if (mSshd.state() == QProcess::NotRunning) break;
      QThread::msleep(200);
    }
    const QByteArray log = mSshd.readAll();
    const QString why = "cannot log in through the private sshd: " + QString::fromUtf8(lastError) + "\nsshd: " + QString::fromUtf8(log);
    if (::getuid() != 0) return mWhyNot = "not root: " + why;
    QTest::qFail(qPrintable(why), __FILE__, __LINE__);
    return mWhyNot = why;
  }

  // state() until it leaves Running (or the time runs out); whether Running was seen first.
  JobState waitWhileRunning(SshBackend& backend, const JobHandle& handle, int timeoutMs, bool* sawRunning) {
    QElapsedTimer clock;
    clock.start();
    JobState state = JobState::Unknown;
    while (clock.elapsed() < timeoutMs) {
      state = backend.state(handle);
      if (state == JobState::Running) *sawRunning = true;
      else break;
      QThread::msleep(100);
    }
    return state;
  }

  LaunchRequest synthJob(const QString& remote, const char* run, const QStringList& synth) {
    LaunchRequest request;
    request.name = "synth";
    request.arguments = {"synth", "hls", "--seed", "3"};
    for (const QString& word : synth) request.arguments.push_back(word.toStdString());
    request.runDir = run;
    request.options = connection();
    request.options["remote_dir"] = remote.toStdString();
    return request;
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(mDir.isValid()); }

  void cleanupTestCase() {
    for (int pid : mRemotePids)  // "remote" is this machine: a job a failed test left behind
      if (::kill(-pid, 0) == 0) ::kill(-pid, SIGKILL);
    if (mSshd.state() != QProcess::NotRunning) {
      mSshd.terminate();
      if (!mSshd.waitForFinished(10000)) mSshd.kill();
    }
  }

  void shellQuotingSurvivesTheShell() {
    const QStringList words = {"plain", "with space", "it's", "\"double\"", "$HOME", "`uname`", "a;b&c|d", "*", "~",
                               "", "back\\slash", "new\nline", "--flag=x y", "Wasserfl\xc3\xa4" "che"};
    QString script = "printf '%s\\n'";
    for (const QString& word : words) script += " " + QString::fromStdString(jobs::shellQuote(word.toStdString()));
    const test::ProcessRun run = test::runProcess("sh", {"-c", script}, 30000);
    QCOMPARE(run.code, 0);
    QCOMPARE(QString::fromUtf8(run.out), words.join('\n') + "\n");
    QCOMPARE(jobs::shellQuote("run-1/a_b.c"), std::string("run-1/a_b.c"));
  }

  void rendersTheCommands() {
    LaunchRequest request;
    request.name = "flood";
    request.arguments = {"finetune", "--data", "chips/flood.zarr", "--run", "runs/flood 1"};
    request.processesPerNode = 4;
    request.runDir = "runs/flood 1";
    request.options = {{"host", "me@gpu-box"}, {"remote_dir", "~/prithvi work"}, {"port", "2222"},
                       {"identity", "/home/me/.ssh/id_ed25519"}, {"sync_up", "data/chips, configs/flood.json"},
                       {"local_run_dir", "/home/me/runs/flood 1"}};
    const std::string text = SshBackend().render(request);
    qInfo("%s", text.c_str());
    // Each command line as a local shell splits it into words.
    std::vector<QStringList> commands;
    for (const QString& line : QString::fromStdString(text).split('\n', Qt::SkipEmptyParts)) {
      if (line.startsWith('#')) continue;
      const test::ProcessRun split =
          test::runProcess("sh", {"-c", "set -- " + line + "; for w in \"$@\"; do printf '%s\\0' \"$w\"; done"}, 30000);
      QCOMPARE(split.code, 0);
      QStringList words = QString::fromUtf8(split.out).split(QChar(0));
      words.removeLast();
      commands.push_back(words);
    }
    QCOMPARE(commands.size(), size_t(4));
    const QStringList ssh = {"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=15",
                             "-p", "2222", "-i", "/home/me/.ssh/id_ed25519", "-o", "IdentitiesOnly=yes"};
    QCOMPARE(commands[0], (ssh + QStringList{"me@gpu-box", "mkdir -p -- 'prithvi work'"}));
    QCOMPARE(commands[1], (QStringList{"rsync", "-a", "--protect-args", "-e", ssh.join(' '), "data/chips", "configs/flood.json",
                                       "me@gpu-box:prithvi work/"}));
    QCOMPARE(commands[2], (ssh + QStringList{"me@gpu-box",
                                            "mkdir -p -- 'prithvi work/runs/flood 1' || exit 1; { cd -- 'prithvi work' && exec "
                                            "nohup setsid prithvi launch --backend local --nproc 4 -- finetune --data "
                                            "chips/flood.zarr --run 'runs/flood 1' --events jsonl; } > "
                                            "'prithvi work/runs/flood 1/job.log' 2>&1 < /dev/null & echo $!"}));
    QCOMPARE(commands[3], (QStringList{"rsync", "-a", "--protect-args", "-e", ssh.join(' '),
                                       "me@gpu-box:prithvi work/runs/flood 1/", "/home/me/runs/flood 1/"}));

    LaunchRequest bad = request;
    bad.nodes = 2;
    test::expectError(ErrorKind::Usage, [&] { SshBackend().render(bad); }, "one host");
    bad = request;
    bad.options.erase("host");
    test::expectError(ErrorKind::Usage, [&] { SshBackend().render(bad); }, "'host'");
    bad = request;
    bad.options["host"] = "-oProxyCommand=evil";
    test::expectError(ErrorKind::Usage, [&] { SshBackend().render(bad); }, "not a host name");
    bad = request;
    bad.options.erase("remote_dir");
    test::expectError(ErrorKind::Usage, [&] { SshBackend().render(bad); }, "'remote_dir'");
  }

  void probeStates() {
    QCOMPARE(jobs::stateFromProbe("running\n"), JobState::Running);
    QCOMPARE(jobs::stateFromProbe("stopped\n{\"event\":\"finished\",\"job\":\"synth\",\"status\":\"ok\"}\n"),
             JobState::Succeeded);
    QCOMPARE(jobs::stateFromProbe("stopped\n{\"event\":\"finished\",\"job\":\"x\",\"status\":\"canceled\",\"error\":\"c\"}\n"),
             JobState::Canceled);
    QCOMPARE(jobs::stateFromProbe("stopped\n{\"event\":\"finished\",\"job\":\"x\",\"status\":\"failed\"}\n"), JobState::Failed);
    QCOMPARE(jobs::stateFromProbe("stopped\n"), JobState::Failed);  // killed before it could say
    QCOMPARE(jobs::stateFromProbe("Welcome!\n"), JobState::Unknown);
  }

  void unreachableHostIsUnknown() {
    if (QStandardPaths::findExecutable("ssh").isEmpty()) QSKIP("ssh is not installed (Debian package openssh-client)");
    JobHandle handle;
    handle.backend = "ssh";
    handle.id = "127.0.0.1:1";
    handle.details = {{"host", "127.0.0.1"}, {"port", std::to_string(freePort())}, {"pid", "1"},
                      {"log", "/nonexistent/job.log"}, {"known_hosts", path("unused known hosts").toStdString()},
                      {"connect_timeout", "5"}};
    QCOMPARE(SshBackend().state(handle), JobState::Unknown);
    test::expectError(ErrorKind::Io, [&] { SshBackend().logs(handle); }, "reading /nonexistent/job.log");
  }

  void runsAJobEndToEnd() {
    if (const QString why = sshd(); !why.isEmpty()) QSKIP(qPrintable(why));
    QElapsedTimer clock;
    clock.start();
    // Inputs and folders with spaces and quotes, on both sides.
    const QString remote = path("remote 'work' dir");
    QVERIFY(QDir().mkpath(path("local/inputs folder")));
    QVERIFY(writeFile(path("local/input's notes.txt"), "notes\n"));
    QVERIFY(writeFile(path("local/inputs folder/a.txt"), "a\n"));
    LaunchRequest request = synthJob(remote, "run one", {"--size", "256", "--dates", "4", "--out", "run one/hls \"tiles\""});
    request.options["sync_up"] = (path("local/input's notes.txt") + "," + path("local/inputs folder")).toStdString();

    SshBackend backend;
    const JobHandle handle = backend.submit(request);
    const std::string pid = handle.details.at("pid");
    mRemotePids.push_back(std::stoi(pid));
    QCOMPARE(handle.backend, std::string("ssh"));
    QCOMPARE(handle.id, mHost + ":" + pid);
    QCOMPARE(handle.details.at("log"), remote.toStdString() + "/run one/job.log");
    QCOMPARE(readFile(remote + "/input's notes.txt"), QByteArray("notes\n"));
    QCOMPARE(readFile(remote + "/inputs folder/a.txt"), QByteArray("a\n"));

    bool sawRunning = false;
    const JobState state = waitWhileRunning(backend, handle, 120000, &sawRunning);
    qInfo("submitted, ran and finished in %.1f s", clock.elapsed() / 1000.0);
    QVERIFY2(sawRunning, "the job was never seen running");
    const std::string log = backend.logs(handle);
    QVERIFY2(state == JobState::Succeeded, log.c_str());
    const auto finished = finishedEvent(log);
    QVERIFY2(finished && finished->status == "ok", log.c_str());

    const QString back = path("back/run one");
    backend.syncBack(handle, back.toStdString());
    QCOMPARE(readFile(back + "/job.log").toStdString(), log);
    const QStringList tiffs = QDir(back + "/hls \"tiles\"").entryList({"*.tif"}, QDir::Files);
    QVERIFY2(tiffs.size() >= 4 * 7, qPrintable(tiffs.join(", ")));  // 4 dates x (6 bands + Fmask)
    QCOMPARE(QDir(back + "/hls \"tiles\"").entryList(QDir::Files), QDir(remote + "/run one/hls \"tiles\"").entryList(QDir::Files));
  }

  void cancelEndsCanceled() {
    if (const QString why = sshd(); !why.isEmpty()) QSKIP(qPrintable(why));
    SshBackend backend;
    const JobHandle handle =
        backend.submit(synthJob(path("remote 'work' dir"), "run two", {"--size", "1024", "--dates", "200", "--out", "run two/tiles"}));
    mRemotePids.push_back(std::stoi(handle.details.at("pid")));
    // Cancel once it reports progress (its SIGTERM handler is in place by then).
    QElapsedTimer clock;
    clock.start();
    std::string log;
    while (clock.elapsed() < 60000 && log.find("\"progress\"") == std::string::npos) {
      QThread::msleep(100);
      log = backend.logs(handle);
    }
    QVERIFY2(log.find("\"progress\"") != std::string::npos, log.c_str());
    QCOMPARE(backend.state(handle), JobState::Running);
    clock.restart();
    backend.cancel(handle);
    bool sawRunning = false;
    const JobState state = waitWhileRunning(backend, handle, 60000, &sawRunning);
    qInfo("canceled in %.1f s", clock.elapsed() / 1000.0);
    log = backend.logs(handle);
    QVERIFY2(state == JobState::Canceled, log.c_str());
    const auto finished = finishedEvent(log);
    QVERIFY2(finished && finished->status == "canceled", log.c_str());
    QVERIFY(::kill(-std::stoi(handle.details.at("pid")), 0) != 0);  // the whole process group is gone
    backend.cancel(handle);  // canceling a finished job is harmless
  }
};

QTEST_GUILESS_MAIN(TestSshBackend)
#include "test_ssh_backend.moc"
