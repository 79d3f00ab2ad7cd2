#include "core/embedding/Similarity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/base/Error.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

EmbeddingGrid readEmbeddings(const RasterSource& source) {
  const RasterInfo& info = source.info();
  if (info.bands.size() < 2)
    throwBadInput(source.path() + " has " + std::to_string(info.bands.size()) +
                  " band(s): an embedding raster has one per feature (write one with 'prithvi embed')");
  for (const BandInfo& band : info.bands)
    if (band.type != DataType::Float32 && band.type != DataType::Float64)
      throwBadInput(source.path() + " holds whole numbers, not embeddings (write one with 'prithvi embed')");
  EmbeddingGrid grid;
  grid.width = info.width;
  grid.height = info.height;
  grid.features = int(info.bands.size());
  auto item = [&](const char* key) {
    const auto it = info.metadata.find(key);
    return it == info.metadata.end() ? std::string() : it->second;
  };
  grid.model = item("PRITHVI_MODEL");
  grid.source = item("PRITHVI_SOURCE");
  std::vector<int> bands(size_t(grid.features));
  std::iota(bands.begin(), bands.end(), 1);
  const RasterBlock block = source.read({0, 0, grid.width, grid.height}, bands, DataType::Float32);
  const size_t cells = size_t(grid.width) * size_t(grid.height);
  grid.values.assign(block.band<float>(0), block.band<float>(0) + cells * size_t(grid.features));
  grid.norms.assign(cells, 0.0f);
  std::vector<double> squares(cells, 0.0);
  std::vector<bool> finite(cells, true);
  for (int d = 0; d < grid.features; ++d) {
    const float* feature = grid.values.data() + size_t(d) * cells;
    for (size_t i = 0; i < cells; ++i) {
      finite[i] = finite[i] && std::isfinite(feature[i]);
      squares[i] += double(feature[i]) * feature[i];
    }
  }
  for (size_t i = 0; i < cells; ++i) grid.norms[i] = finite[i] ? float(std::sqrt(squares[i])) : 0.0f;
  return grid;
}

std::vector<float> cosineSimilarity(const EmbeddingGrid& grid, const std::vector<std::pair<int, int>>& exampleCells) {
  if (exampleCells.empty()) throwUsage("find similar needs at least one example");
  const size_t cells = size_t(grid.width) * size_t(grid.height);
  // The examples' mean direction: each example counts alike, however long its vector.
  std::vector<double> direction(size_t(grid.features), 0.0);
  int used = 0;
  for (const auto& [x, y] : exampleCells) {
    if (x < 0 || y < 0 || x >= grid.width || y >= grid.height)
      throwUsage("example cell " + std::to_string(x) + "," + std::to_string(y) + " lies outside the " +
                 std::to_string(grid.width) + "x" + std::to_string(grid.height) + " embedding grid");
    const size_t i = size_t(y) * size_t(grid.width) + size_t(x);
    if (grid.norms[i] <= 0) continue;
    for (int d = 0; d < grid.features; ++d) direction[size_t(d)] += grid.values[size_t(d) * cells + i] / grid.norms[i];
    ++used;
  }
  if (used == 0) throwUsage("none of the examples has an embedding there (no data under them): pick others");
  const double length = std::sqrt(std::inner_product(direction.begin(), direction.end(), direction.begin(), 0.0));
  std::vector<float> unit(direction.size());
  for (size_t d = 0; d < direction.size(); ++d) unit[d] = float(length > 0 ? direction[d] / length : 0.0);
  std::vector<float> dot(cells, 0.0f);
  for (int d = 0; d < grid.features; ++d) {  // feature-major: each pass runs through memory in order
    const float weight = unit[size_t(d)];
    const float* feature = grid.values.data() + size_t(d) * cells;
    for (size_t i = 0; i < cells; ++i) dot[i] += weight * feature[i];
  }
  for (size_t i = 0; i < cells; ++i)
    dot[i] = grid.norms[i] > 0 ? std::clamp(dot[i] / grid.norms[i], -1.0f, 1.0f) : std::numeric_limits<float>::quiet_NaN();
  return dot;
}

double rocAuc(const std::vector<float>& scores, const std::vector<int>& labels) {
  std::vector<std::pair<float, int>> scored;
  for (size_t i = 0; i < scores.size() && i < labels.size(); ++i)
    if (!std::isnan(scores[i]) && (labels[i] == 0 || labels[i] == 1)) scored.emplace_back(scores[i], labels[i]);
  std::sort(scored.begin(), scored.end());
  // Mann-Whitney: the positives' ranks (ties share their mean rank).
  double positiveRanks = 0;
  int64_t positives = 0;
  for (size_t first = 0; first < scored.size();) {
    size_t last = first;
    while (last < scored.size() && scored[last].first == scored[first].first) ++last;
    const double rank = (double(first) + double(last - 1)) / 2.0 + 1.0;
    for (size_t i = first; i < last; ++i)
      if (scored[i].second == 1) {
        positiveRanks += rank;
        ++positives;
      }
    first = last;
  }
  const int64_t negatives = int64_t(scored.size()) - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  return (positiveRanks - double(positives) * double(positives + 1) / 2.0) / (double(positives) * double(negatives));
}

}  // namespace prithvi
