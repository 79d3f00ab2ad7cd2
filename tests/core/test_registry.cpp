// The model registry and annual maps without training: registration (content-addressed,
// verified, idempotent, refused with an incomplete lineage), aliases per region and year with
// their history and roll back, label snapshots, folder hashes, and the per-pixel vote with its
// provenance.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "core/base/Error.h"
#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"
#include "core/registry/AnnualMap.h"
#include "core/registry/ModelRegistry.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

namespace {

// A minimal safetensors file: its header length, then a JSON header with `tag`.
void writeCheckpoint(const QString& path, const QByteArray& tag) {
  const QByteArray header = "{\"__metadata__\":{\"tag\":\"" + tag + "\"}}";
  QByteArray bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(bytes + header);
}

ModelLineage completeLineage(const LabelSnapshot& labels) {
  ModelLineage lineage;
  lineage.datasetPath = "/data/d.zarr";
  lineage.datasetHash = std::string(64, 'a');
  lineage.labelSetVersion = labels.version;
  lineage.labelSets = labels.sets;
  lineage.validatedLabelSets = int64_t(labels.sets.size());
  lineage.validatedPixels = labels.labelledPixels;
  lineage.granules = {"HLS.S30.T13REN.2021001T000000.v2.0"};
  lineage.configJson = "{\"steps\":10}";
  lineage.programVersion = PRITHVI_VERSION;
  lineage.parent = "random initialisation";
  lineage.runDir = "/runs/a";
  return lineage;
}

void writeClassMap(const std::string& path, const std::vector<uint8_t>& values, int width, int height) {
  RasterWriteOptions options;
  options.nodata = 255;
  options.palette = {{0, 0, 0, 255}, {0, 0, 255, 255}};
  options.categoryNames = {"No water", "Water"};
  writeRaster(path, width, height, 1, DataType::Byte, values.data(), GeoTransform({500000, 30, 0, 3300000, 0, -30}),
              test::utm13Wkt(), options);
}

}  // namespace

class TestRegistry : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir mDir;
  test::FloodProject mFlood;
  std::unique_ptr<ProjectStore> mProject;
  int mYear = 0;

  QString path(const char* name) const { return mDir.filePath(name); }

  ModelVersion draft(int year) {
    ModelVersion version;
    version.region = "T13REN";
    version.year = year;
    version.task = "flood";
    version.metrics = {{"test_miou", 0.5}};
    version.lineage = completeLineage(validatedLabels(*mProject, "13REN", mYear, "flood"));
    return version;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(mDir.isValid());
    mFlood = test::makeFloodProject(mDir.path(), 32, 1, 1, 1);
    mProject = ProjectStore::open(mFlood.path);
    mYear = mFlood.scenes.front().acquired.date().year();
  }

  void labelSnapshotsFollowTheValidatedLabels() {
    const LabelSnapshot before = validatedLabels(*mProject, "T13REN", mYear, "flood");
    QCOMPARE(int(before.sets.size()), 1);
    QVERIFY(before.version.rfind("ls-", 0) == 0 && before.version.size() == 15);
    QCOMPARE(before.labelledPixels, int64_t(32 * 32));
    QCOMPARE(validatedLabels(*mProject, "13REN", mYear, "flood").version, before.version);  // same labels, same version
    QVERIFY(validatedLabels(*mProject, "13REN", mYear + 1, "flood").sets.empty());
    QVERIFY(validatedLabels(*mProject, "13REN", mYear, "burn_scars").sets.empty());
    // Reopened and validated again after an edit: another version.
    LabelStore labels(*mProject);
    const int64_t id = mFlood.labelSets.front();
    labels.review(id, ReviewAction::Reopen, "ana");
    {
      LabelEditor editor(labels, id);
      editor.fillRegion(mFlood.water[0] == 1 ? 0 : 1, PixelRegion{{0, 0, 1, 1}, {1}});
    }
    QCOMPARE(validatedLabels(*mProject, "13REN", mYear, "flood").sets.size(), size_t(0));  // a draft now
    labels.review(id, ReviewAction::Submit, "ana");
    labels.review(id, ReviewAction::Validate, "rev");
    const LabelSnapshot after = validatedLabels(*mProject, "13REN", mYear, "flood");
    QCOMPARE(int(after.sets.size()), 1);
    QVERIFY(after.version != before.version);
    QVERIFY(after.sets.front().revision > before.sets.front().revision);
  }

  void registrationIsVerifiedAndIdempotent() {
    ModelRegistry registry(*mProject);
    writeCheckpoint(path("a.safetensors"), "a");
    ModelVersion incomplete = draft(mYear);
    incomplete.lineage.datasetHash.clear();
    incomplete.lineage.granules.clear();
    test::expectError(ErrorKind::BadInput, [&] { registry.registerVersion(path("a.safetensors").toStdString(), incomplete); },
                      "no dataset hash, granules");
    QFile notCheckpoint(path("not.safetensors"));
    QVERIFY(notCheckpoint.open(QIODevice::WriteOnly));
    notCheckpoint.write("this is not a checkpoint at all");
    notCheckpoint.close();
    test::expectError(ErrorKind::BadInput, [&] { registry.registerVersion(path("not.safetensors").toStdString(), draft(mYear)); },
                      "not a safetensors checkpoint");
    QVERIFY(registry.versions().empty());

    const ModelVersion first = registry.registerVersion(path("a.safetensors").toStdString(), draft(mYear));
    QCOMPARE(first.id, int64_t(1));
    QCOMPARE(first.region, std::string("13REN"));
    QCOMPARE(first.sha256, sha256OfFile(path("a.safetensors").toStdString()));
    QCOMPARE(first.artifact, "models/" + first.sha256 + ".safetensors");
    QCOMPARE(registry.verifiedArtifact(1), registry.artifactPath(first));
    // The same weights again: the same version, nothing added.
    QCOMPARE(registry.registerVersion(path("a.safetensors").toStdString(), draft(mYear)).id, int64_t(1));
    QCOMPARE(int(registry.versions().size()), 1);
    // Lineage and metrics survive the round trip.
    const ModelVersion stored = registry.version(1);
    QCOMPARE(stored.lineage.labelSetVersion, first.lineage.labelSetVersion);
    QCOMPARE(stored.lineage.granules, first.lineage.granules);
    QCOMPARE(stored.lineage.labelSets.front().revision, first.lineage.labelSets.front().revision);
    registry.addMetrics(1, {{"test_miou/2022", 0.25}});
    QCOMPARE(registry.version(1).metrics.at("test_miou"), 0.5);
    QCOMPARE(registry.version(1).metrics.at("test_miou/2022"), 0.25);
    // The original may go: the registry keeps its own copy. A changed copy is refused.
    QFile::remove(path("a.safetensors"));
    QVERIFY(QFile::exists(QString::fromStdString(registry.verifiedArtifact(1))));
    QFile copy(QString::fromStdString(registry.artifactPath(stored)));
    QVERIFY(copy.open(QIODevice::Append));
    copy.write(" ");
    copy.close();
    test::expectError(ErrorKind::BadInput, [&] { registry.verifiedArtifact(1); }, "do not match their SHA-256");
    QFile::remove(copy.fileName());
    test::expectError(ErrorKind::BadInput, [&] { registry.verifiedArtifact(1); }, "are missing");
  }

  void aliasesMoveAndRollBack() {
    ModelRegistry registry(*mProject);
    writeCheckpoint(path("b.safetensors"), "b");
    writeCheckpoint(path("c.safetensors"), "c");
    const int64_t v2 = registry.registerVersion(path("b.safetensors").toStdString(), draft(mYear)).id;
    ModelVersion nextYear = draft(mYear + 1);
    nextYear.lineage.parentVersion = v2;
    nextYear.lineage.parent = "version 2";
    const int64_t v3 = registry.registerVersion(path("c.safetensors").toStdString(), nextYear).id;
    test::expectError(ErrorKind::BadInput, [&] { registry.rollBack("13REN", mYear, kChampionAlias, "ana", ""); }, "no earlier model");

    registry.promote(v2, "ana", "first");
    QCOMPARE(registry.alias("T13REN", mYear, kChampionAlias), std::optional<int64_t>(v2));
    // Next year has no champion of its own yet: last year's is in effect.
    QCOMPARE(registry.aliasInEffect("13REN", mYear + 1, kChampionAlias)->version, v2);
    QVERIFY(!registry.alias("13REN", mYear + 1, kChampionAlias));
    const AliasMove promoted = registry.promote(v3, "ana", "better");
    QCOMPARE(promoted.from, v2);  // inherited from last year
    QCOMPARE(promoted.to, v3);
    QCOMPARE(registry.aliasInEffect("13REN", mYear + 5, kChampionAlias)->version, v3);
    const AliasMove back = registry.rollBack("13REN", mYear + 1, kChampionAlias, "rev", "");
    QCOMPARE(back.to, v2);
    QCOMPARE(registry.alias("13REN", mYear + 1, kChampionAlias), std::optional<int64_t>(v2));
    QCOMPARE(registry.alias("13REN", mYear, kChampionAlias), std::optional<int64_t>(v2));  // untouched
    const auto history = registry.aliasHistory("13REN", mYear + 1, kChampionAlias);
    QCOMPARE(int(history.size()), 2);
    QCOMPARE(history.back().reason, "rolled back from version " + std::to_string(v3));
    test::expectError(ErrorKind::BadInput, [&] { registry.setAlias("13REN", mYear, "challenger", 99, "ana", ""); }, "no model version 99");
  }

  void folderHashesFollowContent() {
    for (const char* folder : {"h1/sub", "h2/sub"}) {
      QVERIFY(QDir().mkpath(path(folder)));
      QFile file(path(folder) + "/chunk");
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write("0123456789");
    }
    QCOMPARE(folderContentHash(path("h1").toStdString()), folderContentHash(path("h2").toStdString()));
    QFile changed(path("h2/sub/chunk"));
    QVERIFY(changed.open(QIODevice::WriteOnly));
    changed.write("0123456780");
    changed.close();
    QVERIFY(folderContentHash(path("h1").toStdString()) != folderContentHash(path("h2").toStdString()));
  }

  void annualVoteAndProvenance() {
    // Pixel 0: 1,1,0 -> 1 (2 votes of 3); pixel 1: 0,1,255 -> tie, the lower class 0;
    // pixel 2: never observed; pixel 3: 255,255,1 -> 1 (1 of 1).
    const std::vector<std::vector<uint8_t>> maps = {{1, 0, 255, 255}, {1, 1, 255, 255}, {0, 255, 255, 1}};
    std::vector<std::string> paths;
    for (size_t i = 0; i < maps.size(); ++i) {
      paths.push_back(path(qPrintable(QStringLiteral("map%1.tif").arg(i))).toStdString());
      writeClassMap(paths.back(), maps[i], 4, 1);
    }
    MapProvenance provenance;
    provenance.modelVersion = 2;
    provenance.modelSha256 = std::string(64, 'b');
    provenance.modelAlias = kChampionAlias;
    provenance.region = "13REN";
    provenance.year = 2022;
    provenance.granules = {"G1", "G2", "G3"};
    provenance.fmaskPolicy = "cloud and shadow masked";
    provenance.labelSetVersion = "ls-0123456789ab";
    provenance.datasetHash = std::string(64, 'c');
    const std::string out = path("annual.tif").toStdString();
    const AnnualVoteResult result = writeAnnualVote(paths, out, provenance);
    QCOMPARE(result.votedPixels, int64_t(3));
    QCOMPARE(result.unobservedPixels, int64_t(1));
    const RasterBlock classes = RasterSource::open(out)->read({0, 0, 4, 1}, {1});
    QCOMPARE((std::vector<int>{classes.band<uint8_t>(0)[0], classes.band<uint8_t>(0)[1], classes.band<uint8_t>(0)[2],
                               classes.band<uint8_t>(0)[3]}),
             (std::vector<int>{1, 0, 255, 1}));
    QCOMPARE(RasterSource::open(out)->info().bands[0].categoryNames.at(1), std::string("Water"));
    const std::optional<MapProvenance> read = readMapProvenance(out);
    QVERIFY(read);
    QCOMPARE(read->granules, provenance.granules);
    QCOMPARE(read->labelSetVersion, provenance.labelSetVersion);
    QCOMPARE(read->modelVersion, int64_t(2));
    const PixelProvenance pixel = pixelProvenance(out, 0, 0);
    QCOMPARE(pixel.classValue, 1);
    QCOMPARE(pixel.className, std::string("Water"));
    QCOMPARE(pixel.observations, 3);
    QCOMPARE(pixel.votes, 2);
    QCOMPARE(pixelProvenance(out, 1, 0).votes, 1);
    QCOMPARE(pixelProvenance(out, 2, 0).observations, 0);
    test::expectError(ErrorKind::BadInput, [&] { pixelProvenance(out, 4, 0); }, "outside");
    QVERIFY(!readMapProvenance(paths.front()));  // a class map is not an annual map
    // Maps of another grid are refused, and nothing is written.
    writeClassMap(path("wide.tif").toStdString(), {0, 0, 0, 0, 0}, 5, 1);
    test::expectError(ErrorKind::BadInput, [&] { writeAnnualVote({paths[0], path("wide.tif").toStdString()}, path("bad.tif").toStdString(), provenance); },
                      "not on the grid");
    QVERIFY(!QFile::exists(path("bad.tif")));
  }
};

QTEST_GUILESS_MAIN(TestRegistry)
#include "test_registry.moc"
