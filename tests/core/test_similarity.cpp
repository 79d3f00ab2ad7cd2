// Find similar over embeddings (core/embedding/Similarity): cosine similarity to the examples'
// mean direction, cells without an embedding, and the ROC AUC that measures the ranking.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "core/base/Error.h"
#include "core/embedding/Similarity.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;

class TestSimilarity : public QObject {
  Q_OBJECT

  QTemporaryDir mDir;

  // 3 features over 3x2 cells, feature-major: cell i's vector is (a[i], b[i], c[i]).
  EmbeddingGrid grid() {
    const float nan = std::nanf("");
    const std::vector<float> values{1, 2, 0, 0, 1, nan,   // feature 0
                                    0, 0, 1, 1, 1, 0,     // feature 1
                                    0, 0, 0, 0, 0, 0};    // feature 2
    const std::string path = mDir.filePath(QStringLiteral("embedding.tif")).toStdString();
    RasterWriteOptions options;
    options.metadata = {{"PRITHVI_MODEL", "tiny_test"}, {"PRITHVI_SOURCE", "scene-a"}};
    writeRaster(path, 3, 2, 3, DataType::Float32, values.data(), GeoTransform({0, 240, 0, 480, 0, -240}), "", options);
    return readEmbeddings(*RasterSource::open(path));
  }

 private Q_SLOTS:
  void cosineToTheExamplesDirection() {
    const EmbeddingGrid embeddings = grid();
    QCOMPARE(embeddings.model, std::string("tiny_test"));
    QCOMPARE(embeddings.source, std::string("scene-a"));
    // One example, cell (0,0) = (1,0,0): a longer vector the same way is as similar.
    std::vector<float> similarity = cosineSimilarity(embeddings, {{0, 0}});
    QCOMPARE(similarity[0], 1.0f);
    QCOMPARE(similarity[1], 1.0f);  // (2,0,0)
    QCOMPARE(similarity[2], 0.0f);  // (0,1,0): orthogonal
    QVERIFY(std::abs(similarity[4] - float(1 / std::sqrt(2.0))) < 1e-6);  // (1,1,0)
    QVERIFY(std::isnan(similarity[5]));  // no embedding there
    // Two examples count alike whatever their lengths: the mean of (1,0,0) and (0,1,0).
    similarity = cosineSimilarity(embeddings, {{1, 0}, {2, 0}});
    QVERIFY(std::abs(similarity[4] - 1.0f) < 1e-6);
    QVERIFY(std::abs(similarity[0] - float(1 / std::sqrt(2.0))) < 1e-6);
  }

  void refusesExamplesItCannotUse() {
    const EmbeddingGrid embeddings = grid();
    test::expectError(ErrorKind::Usage, [&] { cosineSimilarity(embeddings, {}); }, "at least one example");
    test::expectError(ErrorKind::Usage, [&] { cosineSimilarity(embeddings, {{3, 0}}); }, "outside the 3x2 embedding grid");
    test::expectError(ErrorKind::Usage, [&] { cosineSimilarity(embeddings, {{2, 1}}); }, "none of the examples has an embedding");
  }

  void refusesRastersThatAreNotEmbeddings() {
    const std::string path = mDir.filePath(QStringLiteral("classes.tif")).toStdString();
    const std::vector<uint8_t> classes(6, 1);
    writeRaster(path, 3, 2, 1, DataType::Byte, classes.data(), GeoTransform({0, 240, 0, 480, 0, -240}), "");
    test::expectError(ErrorKind::BadInput, [&] { readEmbeddings(*RasterSource::open(path)); }, "an embedding raster has one per feature");
  }

  void aucOfRankings() {
    QCOMPARE(rocAuc({0.9f, 0.8f, 0.2f, 0.1f}, {1, 1, 0, 0}), 1.0);
    QCOMPARE(rocAuc({0.1f, 0.2f, 0.8f, 0.9f}, {1, 1, 0, 0}), 0.0);
    QCOMPARE(rocAuc({0.5f, 0.5f, 0.5f, 0.5f}, {1, 0, 1, 0}), 0.5);  // ties count half
    QCOMPARE(rocAuc({0.9f, 0.1f, 0.5f, std::nanf("")}, {1, 0, -1, 1}), 1.0);  // left out: label -1, NaN
    QVERIFY(std::isnan(rocAuc({0.9f}, {1})));  // no negatives
  }
};

QTEST_GUILESS_MAIN(TestSimilarity)
#include "test_similarity.moc"
