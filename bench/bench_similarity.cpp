// Find similar on cached embeddings (core/embedding/Similarity): what one query costs for a
// 3660x3660 scene embedded by Prithvi 100M (16-px patches: 229x229 cells of 768 features).
// Goal of issue 22: < 100 ms per query. Prints reading the embeddings once, then the query with
// 1 and with 5 examples (medians).
//   build/bin/bench_similarity [--cells 229] [--features 768] [--repeats 21]
#include <QCoreApplication>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "bench/BenchTiming.h"
#include "core/embedding/Similarity.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"

using namespace prithvi;

using bench::medianMs;

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int cells = 229, features = 768, repeats = 21;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--cells")) cells = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--features")) features = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
  }
  QTemporaryDir dir;
  const std::string path = dir.filePath(QStringLiteral("embedding.tif")).toStdString();
  std::vector<float> values(size_t(cells) * cells * features);
  std::mt19937 random(1);
  std::normal_distribution<float> normal;
  for (float& value : values) value = normal(random);
  RasterWriteOptions write;
  write.cog = false;
  write.compression = "ZSTD";  // as 'prithvi embed' writes
  writeRaster(path, cells, cells, features, DataType::Float32, values.data(), GeoTransform({0, 480, 0, 0, 0, -480}), "", write);
  values.clear();

  EmbeddingGrid grid;
  const double readMs = medianMs(3, [&] { grid = readEmbeddings(*RasterSource::open(path)); });
  std::printf("%dx%d cells of %d features: reading the embeddings %8.1f ms (once per scene and model)\n", cells, cells,
              features, readMs);
  std::vector<float> similarity;
  const double one = medianMs(repeats, [&] { similarity = cosineSimilarity(grid, {{cells / 2, cells / 2}}); });
  std::printf("query with 1 example:   %8.2f ms  (median of %d; goal < 100 ms)\n", one, repeats);
  const double five = medianMs(repeats, [&] {
    similarity = cosineSimilarity(grid, {{1, 1}, {cells / 3, 7}, {cells / 2, cells / 2}, {cells - 2, 3}, {9, cells - 1}});
  });
  std::printf("query with 5 examples:  %8.2f ms  (median of %d; goal < 100 ms)\n", five, repeats);
  return 0;
}
