// Crash safety of label edits (the labeling issue's acceptance test): label_crash_writer edits a
// label set and is killed with SIGKILL at a random moment, 200 times. After every kill the
// project must pass SQLite's integrity check, and hold exactly the edits the writer reported
// as done, plus at most the one it was in (committed but not yet reported). The expected state
// comes from replaying the same edits (label_crash_edits.h) in a reference project.

#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sqlite3.h>

#include <chrono>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/project/Sqlite.h"
#include "tests/core/label_crash_edits.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

constexpr int kKills = 200;
constexpr int kSize = 512;  // 2 x 2 mask tiles

// Everything a label set holds, exactly.
struct State {
  std::vector<std::tuple<int64_t, int, std::vector<double>>> polygons;
  std::vector<std::tuple<int, int, std::vector<uint8_t>>> tiles;
  int64_t revision = 0;
  bool operator==(const State&) const = default;
};

State stateOf(LabelStore& store, int64_t id) {
  State state;
  for (const LabelPolygon& polygon : store.polygons(id)) {
    std::vector<double> coordinates;
    for (const Ring& ring : polygon.rings)
      for (const MapPoint& point : ring) coordinates.insert(coordinates.end(), {point.x, point.y});
    state.polygons.emplace_back(polygon.fid, polygon.classValue, std::move(coordinates));
  }
  for (MaskTile& tile : store.maskTiles(id)) state.tiles.emplace_back(tile.row, tile.col, std::move(tile.codes));
  state.revision = store.labelSet(id).revision;
  return state;
}

// Rows of a PRAGMA through the plain SQLite C API, joined by "; ".
QString pragma(const QString& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const QString error = QString("cannot open: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* statement = nullptr;
  QStringList rows;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) rows << QString("error: ") + sqlite3_errmsg(db);
  while (statement && sqlite3_step(statement) == SQLITE_ROW)
    rows << QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows.join("; ");
}

uint32_t bigEndian32(const QByteArray& bytes, qsizetype at) {
  return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
         (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
}

// True when the write-ahead log ends in frames of a transaction whose commit frame was never
// written: the kill landed while SQLite was writing a commit (sqlite.org/fileformat.html, 4).
bool walEndsInATornCommit(const QString& walPath) {
  QFile file(walPath);
  if (!file.open(QIODevice::ReadOnly)) return false;
  const QByteArray wal = file.readAll();
  if (wal.size() < 32) return false;
  const uint32_t pageSize = bigEndian32(wal, 8);
  const uint32_t salt1 = bigEndian32(wal, 16), salt2 = bigEndian32(wal, 20);
  bool pending = false;
  for (qsizetype at = 32; at + 24 <= wal.size(); at += 24 + qsizetype(pageSize)) {
    if (bigEndian32(wal, at + 8) != salt1 || bigEndian32(wal, at + 12) != salt2) break;  // an older generation
    pending = bigEndian32(wal, at + 4) == 0;  // 0: not the commit frame of its transaction
  }
  return pending;
}

struct Kill {
  int64_t lastDone = -1;   // last edit reported done
  int64_t lastBegun = -1;  // last edit begun
  QString stderrText;
};

}  // namespace

class TestLabelCrash : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  QString mPath;
  int64_t mSetId = 0;
  std::unique_ptr<ProjectStore> mReferenceProject;
  std::unique_ptr<LabelStore> mReference;

  // Starts the writer at edit `first`, waits for its first commit, kills it a random moment later.
  Kill runAndKill(int64_t first, int delayMs) {
    QProcess writer;
    writer.start(QStringLiteral(PRITHVI_BIN_DIR "/label_crash_writer"),
                 {mPath, QString::number(mSetId), QString::number(first)});
    Kill kill;
    QByteArray out;
    while (!out.contains("done ")) {
      if (!writer.waitForReadyRead(20000)) {
        kill.stderrText = "the writer reported no commit: " + QString::fromUtf8(writer.readAllStandardError());
        writer.kill();
        writer.waitForFinished();
        return kill;
      }
      out += writer.readAllStandardOutput();
    }
    QThread::msleep(ulong(delayMs));
    writer.kill();  // SIGKILL
    writer.waitForFinished();
    if (writer.exitStatus() != QProcess::CrashExit)
      kill.stderrText = "the writer ended by itself: " + QString::fromUtf8(writer.readAllStandardError());
    out += writer.readAllStandardOutput();
    for (const QByteArray& line : out.split('\n')) {
      const QList<QByteArray> words = line.split(' ');
      if (words.size() >= 2 && words[0] == "begin") kill.lastBegun = words[1].toLongLong();
      if (words.size() == 3 && words[0] == "done") kill.lastDone = words[1].toLongLong();
    }
    return kill;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(PRITHVI_BIN_DIR "/label_crash_writer"));
    mPath = mDir.filePath("crash.gpkg");
    const Scene scene = test::gridOnlyScene("crash", kSize, kSize);
    {
      auto project = ProjectStore::create(mPath.toStdString());
      project->addScenes({scene});
      mSetId = LabelStore(*project).createLabelSet("crash", "flood", "writer");
    }
    mReferenceProject = ProjectStore::create(mDir.filePath("reference.gpkg").toStdString());
    mReferenceProject->addScenes({scene});
    // Durability of the reference does not matter; its speed does.
    mReferenceProject->connection().exec("PRAGMA synchronous = OFF");
    mReference = std::make_unique<LabelStore>(*mReferenceProject);
    QCOMPARE(mReference->createLabelSet("crash", "flood", "writer"), mSetId);
  }

  void cleanupTestCase() {
    mReference.reset();
    mReferenceProject.reset();
  }

  void killedWritersLoseNothingCommitted() {
    QRandomGenerator random(20240611);
    const auto started = std::chrono::steady_clock::now();
    int64_t next = 0;  // the next edit number both sides make
    int insideEdit = 0, committedUnreported = 0, rolledBack = 0, tornCommits = 0, betweenEdits = 0;
    int64_t reported = 0;
    for (int run = 0; run < kKills; ++run) {
      const int delayMs = 5 + int(random.bounded(56));
      const Kill kill = runAndKill(next, delayMs);
      QVERIFY2(kill.stderrText.isEmpty(), qPrintable(kill.stderrText));
      QVERIFY(kill.lastDone >= next);
      reported += kill.lastDone - next + 1;
      tornCommits += walEndsInATornCommit(mPath + "-wal");

      QCOMPARE(pragma(mPath, "PRAGMA integrity_check"), QString("ok"));
      QCOMPARE(pragma(mPath, "PRAGMA foreign_key_check"), QString());

      // The reference replays the writer's session: a new editor, the same edits.
      LabelEditor reference(*mReference, mSetId);
      for (int64_t k = next; k <= kill.lastDone; ++k) test::crashEdit(reference, k);
      next = kill.lastDone + 1;
      State crashed;
      {
        auto project = ProjectStore::open(mPath.toStdString());
        LabelStore store(*project);
        crashed = stateOf(store, mSetId);
      }
      const bool inside = kill.lastBegun > kill.lastDone;
      insideEdit += inside;
      betweenEdits += !inside;
      if (crashed == stateOf(*mReference, mSetId)) {
        rolledBack += inside;
        continue;
      }
      // Killed after the commit of edit `next` but before it was reported: that one is there too.
      QVERIFY2(inside, qPrintable(QString("run %1: the project differs from the %2 reported edits").arg(run).arg(reported)));
      const char* kind = test::crashEdit(reference, next);
      QVERIFY2(crashed == stateOf(*mReference, mSetId),
               qPrintable(QString("run %1: the project holds neither edit %2 (%3) nor the state before it").arg(run).arg(next).arg(kind)));
      ++next;
      ++committedUnreported;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    qInfo("%d kills in %.1f s: %lld edits reported done, %d kills inside an edit call (%d before its commit "
          "completed, %d after it), %d while a commit was being written to the WAL, %d between edits",
          kKills, seconds, (long long)reported, insideEdit, rolledBack, committedUnreported, tornCommits, betweenEdits);
    QVERIFY2(insideEdit > kKills / 2, "most kills should land inside an edit");

    // The project still opens for editing and shows what the reference holds.
    auto project = ProjectStore::open(mPath.toStdString());
    LabelStore store(*project);
    LabelEditor editor(store, mSetId);
    LabelEditor reference(*mReference, mSetId);
    QCOMPARE(editor.raster(), reference.raster());
    QVERIFY(editor.polygons().size() > 0);
    editor.addRectangle(1, {1, 1}, {9, 9});
    QCOMPARE(editor.valueAt(5, 5), uint8_t(1));
    QCOMPARE(store.labelSet(mSetId).revision, stateOf(*mReference, mSetId).revision + 1);
  }
};

QTEST_GUILESS_MAIN(TestLabelCrash)
#include "test_label_crash.moc"
