// The Debian package as a user gets it: built with cpack from this build, checked with the
// tools Debian checks packages with (dpkg-deb, desktop-file-validate, appstreamcli, man, lintian),
// unpacked into a scratch root, and its programs run from there with an empty HOME.
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QMimeDatabase>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <gdal.h>

#include "core/project/ProjectStore.h"

using namespace prithvi;

namespace {

constexpr const char* kAppId = "org.prithvistudio.PrithviStudio";

struct Run {
  int code = -1;
  QString out;
  QString err;
};

Run run(const QString& program, const QStringList& arguments, const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment(),
        const QString& workDir = {}, int timeoutMs = 600000) {
  QProcess process;
  process.setProcessEnvironment(environment);
  if (!workDir.isEmpty()) process.setWorkingDirectory(workDir);
  process.start(program, arguments);
  Run result;
  if (!process.waitForStarted(30000)) {
    result.err = program + QStringLiteral(": ") + process.errorString();
    return result;
  }
  if (!process.waitForFinished(timeoutMs)) process.kill();
  result.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  result.out = QString::fromUtf8(process.readAllStandardOutput());
  result.err = QString::fromUtf8(process.readAllStandardError());
  return result;
}

QString describe(const Run& run) { return QStringLiteral("rc %1\n%2\n%3").arg(run.code).arg(run.out, run.err); }

}  // namespace

class DebianPackageTest : public QObject {
  Q_OBJECT

  QTemporaryDir mWork;
  QString mDeb;
  QString mRoot;  // the package unpacked (dpkg -x)

  QString installed(const QString& relative) const { return mRoot + QStringLiteral("/usr/") + relative; }

  // What a new user's session has: an empty HOME, no XDG overrides, the system PATH, a working
  // folder outside the source and build trees.
  QProcessEnvironment userEnvironment() const {
    QProcessEnvironment environment;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const char* kept : {"DISPLAY", "XAUTHORITY", "LANG", "LC_ALL", "TMPDIR"})
      if (system.contains(QLatin1String(kept))) environment.insert(QLatin1String(kept), system.value(QLatin1String(kept)));
    environment.insert(QStringLiteral("HOME"), mWork.filePath(QStringLiteral("home")));
    environment.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
    return environment;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mWork.isValid());
    const QString out = mWork.filePath(QStringLiteral("cpack"));
    const Run packed = run(QStringLiteral(PRITHVI_CPACK), {QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), out},
                           QProcessEnvironment::systemEnvironment(), QStringLiteral(PRITHVI_BUILD_DIR), 900000);
    QVERIFY2(packed.code == 0, qPrintable(describe(packed)));
    const QStringList debs = QDir(out).entryList({QStringLiteral("prithvi-studio_*.deb")}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    QCOMPARE(debs.front(), QStringLiteral("prithvi-studio_" PRITHVI_VERSION "_amd64.deb"));
    mDeb = QDir(out).filePath(debs.front());
    mRoot = mWork.filePath(QStringLiteral("root"));
    const Run unpacked = run(QStringLiteral("dpkg"), {QStringLiteral("-x"), mDeb, mRoot});
    QVERIFY2(unpacked.code == 0, qPrintable(describe(unpacked)));
    QVERIFY(QDir().mkpath(mWork.filePath(QStringLiteral("home"))));
    QVERIFY(QDir().mkpath(mWork.filePath(QStringLiteral("cwd"))));
  }

  void controlFieldsNameTheDependencies() {
    const Run info = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-I"), mDeb});
    QVERIFY2(info.code == 0, qPrintable(describe(info)));
    auto field = [&](const QString& name) {
      const QRegularExpression line(QStringLiteral("^ %1: (.*)$").arg(name), QRegularExpression::MultilineOption);
      return line.match(info.out).captured(1).trimmed();
    };
    QCOMPARE(field(QStringLiteral("Package")), QStringLiteral("prithvi-studio"));
    QCOMPARE(field(QStringLiteral("Version")), QStringLiteral(PRITHVI_VERSION));
    QCOMPARE(field(QStringLiteral("Architecture")), QStringLiteral("amd64"));
    QCOMPARE(field(QStringLiteral("Section")), QStringLiteral("science"));
    QVERIFY(field(QStringLiteral("Maintainer")).contains(QLatin1Char('@')));
    // Computed by dpkg-shlibdeps from the programs' libraries, plus the OpenMP OpenBLAS named.
    const QString depends = field(QStringLiteral("Depends"));
    for (const char* package : {"libqt6widgets6", "libqt6network6", "libgdal32", "libtorch", "libvtk9", "libopencv-core",
                                "libzip4", "libsqlite3-0", "libproj25", "libopenblas0-openmp", "libc6"})
      QVERIFY2(depends.contains(QLatin1String(package)), qPrintable(QStringLiteral("%1 not in Depends: %2").arg(package, depends)));
    QVERIFY(field(QStringLiteral("Suggests")).contains(QStringLiteral("slurm-client")));
    QVERIFY(info.out.contains(QStringLiteral("Description: workbench for HLS satellite imagery")));
  }

  void contentsAreComplete() {
    const Run listing = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), mDeb});
    QVERIFY2(listing.code == 0, qPrintable(describe(listing)));
    QStringList expected{QStringLiteral("bin/prithvi"), QStringLiteral("bin/prithvi-studio"),
                         QStringLiteral("share/applications/%1.desktop").arg(kAppId),
                         QStringLiteral("share/metainfo/%1.metainfo.xml").arg(kAppId),
                         QStringLiteral("share/mime/packages/%1.xml").arg(kAppId),
                         QStringLiteral("share/icons/hicolor/scalable/apps/%1.svg").arg(kAppId),
                         QStringLiteral("share/man/man1/prithvi.1.gz"), QStringLiteral("share/man/man1/prithvi-studio.1.gz"),
                         QStringLiteral("share/prithvi-studio/assets/tasks/flood.json"),
                         QStringLiteral("share/prithvi-studio/assets/models/demo-flood.safetensors"),
                         QStringLiteral("share/prithvi-studio/assets/guide/user-guide.html"),
                         QStringLiteral("share/prithvi-studio/assets/icons/wand.svg"),
                         QStringLiteral("share/prithvi-studio/fetch-samples.sh"),
                         QStringLiteral("share/doc/prithvi-studio/copyright"),
                         QStringLiteral("share/doc/prithvi-studio/changelog.gz"),
                         QStringLiteral("share/doc/prithvi-studio/THIRD-PARTY-NOTICES.md")};
    for (int size : {16, 24, 32, 48, 64, 128, 256})
      expected << QStringLiteral("share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(kAppId);
    for (const QString& path : expected) {
      QVERIFY2(listing.out.contains(QStringLiteral(" ./usr/") + path + QLatin1Char('\n')), qPrintable(path + QStringLiteral(" missing")));
      QVERIFY2(QFileInfo::exists(installed(path)), qPrintable(path + QStringLiteral(" not unpacked")));
    }
    for (int size : {16, 48, 256}) {
      const QImage icon(installed(QStringLiteral("share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(kAppId)));
      QCOMPARE(icon.size(), QSize(size, size));
      QVERIFY(qAlpha(icon.pixel(size / 2, size / 2)) == 255);  // drawn, not empty
    }
    // Nothing from the build tree's developer helpers, and the programs are stripped.
    QVERIFY(!listing.out.contains(QStringLiteral("make-demo-flood-model.sh")));
    QVERIFY(!listing.out.contains(QStringLiteral("render_icon")));
    const Run file = run(QStringLiteral("readelf"), {QStringLiteral("-S"), installed(QStringLiteral("bin/prithvi"))});
    QVERIFY(!file.out.contains(QStringLiteral(".debug_info")));
  }

  void desktopEntryAndMetainfoValidate() {
    const Run desktop = run(QStringLiteral("desktop-file-validate"), {installed(QStringLiteral("share/applications/%1.desktop").arg(kAppId))});
    QVERIFY2(desktop.code == 0 && !desktop.out.contains(QStringLiteral("error")), qPrintable(describe(desktop)));
    if (!desktop.out.isEmpty()) qInfo("desktop-file-validate: %s", qPrintable(desktop.out.trimmed()));
    const Run metainfo = run(QStringLiteral("appstreamcli"), {QStringLiteral("validate"), QStringLiteral("--no-net"),
                                                             installed(QStringLiteral("share/metainfo/%1.metainfo.xml").arg(kAppId))});
    QVERIFY2(metainfo.code == 0, qPrintable(describe(metainfo)));
    // The desktop entry runs the installed program and shows the installed icon.
    QFile entry(installed(QStringLiteral("share/applications/%1.desktop").arg(kAppId)));
    QVERIFY(entry.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(entry.readAll());
    QVERIFY(text.contains(QStringLiteral("\nExec=prithvi-studio %f\n")));
    QVERIFY(text.contains(QStringLiteral("\nIcon=%1\n").arg(kAppId)));
    QVERIFY(text.contains(QStringLiteral("\nCategories=Science;Geography;Education;\n")));
    QVERIFY(text.contains(QStringLiteral("\nMimeType=application/x-prithvi-studio-project;\n")));
  }

  // Every command `prithvi --help` lists has its section in the man page, and both pages render
  // without a warning.
  void manPagesCoverEveryCommand() {
    for (const char* page : {"prithvi.1.gz", "prithvi-studio.1.gz"}) {
      QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
      environment.insert(QStringLiteral("MANWIDTH"), QStringLiteral("80"));
      const Run rendered = run(QStringLiteral("man"), {QStringLiteral("--warnings"), QStringLiteral("-l"),
                                                      installed(QStringLiteral("share/man/man1/") + QLatin1String(page))}, environment);
      QVERIFY2(rendered.code == 0 && rendered.err.trimmed().isEmpty(), qPrintable(describe(rendered)));
      QVERIFY(rendered.out.contains(QStringLiteral("SYNOPSIS")));
    }
    const Run help = run(installed(QStringLiteral("bin/prithvi")), {QStringLiteral("--help")}, userEnvironment());
    QVERIFY2(help.code == 0, qPrintable(describe(help)));
    const Run page = run(QStringLiteral("man"), {QStringLiteral("-l"), installed(QStringLiteral("share/man/man1/prithvi.1.gz"))});
    const QRegularExpression command(QStringLiteral("^  ([a-z][a-z-]+)\\s"), QRegularExpression::MultilineOption);
    int commands = 0;
    for (auto match = command.globalMatch(help.out); match.hasNext(); ++commands) {
      const QString name = match.next().captured(1);
      QVERIFY2(page.out.contains(QRegularExpression(QStringLiteral("\\b%1\\b").arg(name))),
               qPrintable(name + QStringLiteral(" is not in prithvi(1)")));
    }
    QVERIFY2(commands >= 10, qPrintable(help.out));
  }

  // Projects are recognised by content (their prithvi_meta row); other GeoPackages are not.
  void projectMimeTypeMatchesProjectsOnly() {
    // The system's database as dpkg's trigger rebuilds it once the package is in: the system's
    // packages and ours compiled into one cache (Qt lets a later folder's cache override an
    // earlier one's magic, so a second folder would not show what users get).
    const QString mime = mWork.filePath(QStringLiteral("mime-data"));
    const QString packages = mime + QStringLiteral("/mime/packages");
    QVERIFY(QDir().mkpath(packages));
    for (const QFileInfo& system : QDir(QStringLiteral("/usr/share/mime/packages")).entryInfoList({QStringLiteral("*.xml")}))
      QVERIFY(QFile::copy(system.absoluteFilePath(), packages + QLatin1Char('/') + system.fileName()));
    QVERIFY(QFile::copy(installed(QStringLiteral("share/mime/packages/%1.xml").arg(kAppId)), packages + QStringLiteral("/%1.xml").arg(kAppId)));
    const Run updated = run(QStringLiteral("update-mime-database"), {mime + QStringLiteral("/mime")});
    QVERIFY2(updated.code == 0, qPrintable(describe(updated)));
    qputenv("XDG_DATA_DIRS", mime.toUtf8());  // before the first QMimeDatabase

    const std::string project = mWork.filePath(QStringLiteral("field-survey.gpkg")).toStdString();
    ProjectStore::create(project);
    const QString plain = mWork.filePath(QStringLiteral("roads.gpkg"));
    GDALAllRegister();
    GDALDatasetH dataset = GDALCreate(GDALGetDriverByName("GPKG"), plain.toUtf8().constData(), 0, 0, 0, GDT_Unknown, nullptr);
    QVERIFY(dataset);
    QVERIFY(GDALDatasetCreateLayer(dataset, "roads", nullptr, wkbLineString, nullptr));
    GDALClose(dataset);

    const QMimeDatabase database;
    const QMimeType projectType = database.mimeTypeForFile(QString::fromStdString(project));
    QCOMPARE(projectType.name(), QStringLiteral("application/x-prithvi-studio-project"));
    QVERIFY(projectType.inherits(QStringLiteral("application/vnd.sqlite3")));
    QVERIFY(database.mimeTypeForFile(plain).name() != projectType.name());
  }

  // The installed programs, run as a new user: nothing compiled in points at the source or build
  // tree, assets come from the package, the demo and the logs go to that user's XDG folders.
  void installedProgramsRunFromAnEmptyHome() {
    for (const char* program : {"bin/prithvi", "bin/prithvi-studio"}) {
      const Run strings = run(QStringLiteral("readelf"), {QStringLiteral("-p"), QStringLiteral(".rodata"), installed(QLatin1String(program))});
      QVERIFY(strings.code == 0);
      QVERIFY2(!strings.out.contains(QStringLiteral(PRITHVI_SOURCE_DIR "/")), program);
      QVERIFY2(!strings.out.contains(QStringLiteral(PRITHVI_BUILD_DIR "/")), program);
    }
    const QProcessEnvironment user = userEnvironment();
    const QString cwd = mWork.filePath(QStringLiteral("cwd"));
    const QString home = mWork.filePath(QStringLiteral("home"));
    const Run version = run(installed(QStringLiteral("bin/prithvi")), {QStringLiteral("--version")}, user, cwd);
    QVERIFY2(version.code == 0 && version.out.startsWith(QStringLiteral("prithvi " PRITHVI_VERSION)), qPrintable(describe(version)));

    const Run synth = run(installed(QStringLiteral("bin/prithvi")),
                          {QStringLiteral("synth"), QStringLiteral("hls"), QStringLiteral("--out"), QStringLiteral("tile"),
                           QStringLiteral("--size"), QStringLiteral("64"), QStringLiteral("--dates"), QStringLiteral("2")},
                          user, cwd);
    QVERIFY2(synth.code == 0, qPrintable(describe(synth)));
    QVERIFY(!QDir(cwd + QStringLiteral("/tile")).entryList({QStringLiteral("HLS.*")}).isEmpty());

    // Task presets come from the installed assets: a missing one names that folder, a shipped one
    // is found (the run then stops at the missing dataset).
    const QString assets = installed(QStringLiteral("share/prithvi-studio/assets"));
    const QStringList finetune{QStringLiteral("finetune"), QStringLiteral("--task"), QStringLiteral("flood"), QStringLiteral("--data"),
                               QStringLiteral("no-store"), QStringLiteral("--run"), QStringLiteral("run"), QStringLiteral("--steps"), QStringLiteral("1")};
    const Run missing = run(installed(QStringLiteral("bin/prithvi")), QStringList(finetune) << QStringLiteral("--preset") << QStringLiteral("nosuch"), user, cwd);
    QVERIFY2(missing.code == 3 && missing.err.contains(QStringLiteral("(") + assets + QStringLiteral(")")), qPrintable(describe(missing)));
    const Run found = run(installed(QStringLiteral("bin/prithvi")), finetune, user, cwd);
    QVERIFY2(found.code == 3 && found.err.contains(QStringLiteral("cannot open the training dataset")), qPrintable(describe(found)));

    const QString shot = mWork.filePath(QStringLiteral("installed-demo.png"));
    const Run gui = run(installed(QStringLiteral("bin/prithvi-studio")),
                        {QStringLiteral("--demo"), QStringLiteral("--screenshot"), shot, QStringLiteral("--size"), QStringLiteral("1280x800")},
                        user, cwd);
    QVERIFY2(gui.code == 0, qPrintable(describe(gui)));
    const QImage image(shot);
    QCOMPARE(image.size(), QSize(1280, 800));
    QSet<QRgb> colours;
    for (int y = 100; y < 700; y += 9)
      for (int x = 300; x < 1000; x += 9) colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 50, "the installed app drew a blank window");
    QVERIFY(QFileInfo::exists(home + QStringLiteral("/.local/share/prithvi-studio/demo/demo.gpkg")));
    // Its log, in the XDG state folder.
    QFile log(home + QStringLiteral("/.local/state/prithvi-studio/prithvi-studio.log"));
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QString logText = QString::fromUtf8(log.readAll());
    QVERIFY2(logText.contains(QStringLiteral("started")) && logText.contains(QStringLiteral("opened ")), qPrintable(logText));
    // A clean exit leaves no session marker (the next start offers nothing).
    QVERIFY(QDir(home + QStringLiteral("/.local/state/prithvi-studio")).entryList({QStringLiteral("session-*")}).isEmpty());
    if (const QByteArray keep = qgetenv("PRITHVI_TEST_SCREENSHOTS"); !keep.isEmpty())
      QFile::copy(shot, QString::fromLocal8Bit(keep) + QStringLiteral("/installed-demo.png"));
  }

  // lintian: no errors (the one overridden tag is explained in the package's override file).
  void lintianFindsNoErrors() {
    const Run lint = run(QStringLiteral("lintian"), {QStringLiteral("--fail-on"), QStringLiteral("error"), mDeb}, QProcessEnvironment::systemEnvironment(), {}, 900000);
    qInfo("lintian:\n%s", qPrintable(lint.out.trimmed()));
    QVERIFY2(lint.code == 0, qPrintable(describe(lint)));
    QVERIFY2(!lint.out.contains(QRegularExpression(QStringLiteral("^E: "), QRegularExpression::MultilineOption)), qPrintable(lint.out));
  }
};

QTEST_GUILESS_MAIN(DebianPackageTest)
#include "test_debian_package.moc"
