#pragma once
// "Find similar" over encoder embeddings (what `prithvi embed` writes: one band per feature, one
// pixel per model patch): how alike every patch is to a few examples a person picked.

#include <string>
#include <utility>
#include <vector>

namespace prithvi {

class RasterSource;

// Embeddings held in memory, feature-major (feature d of cell i at values[d * cells + i]), with
// each cell's norm: a query then costs one pass, not a read.
struct EmbeddingGrid {
  int width = 0, height = 0, features = 0;
  std::vector<float> values;
  std::vector<float> norms;  // per cell; 0 where a feature is not finite (no embedding)
  std::string model;         // PRITHVI_MODEL of the file: the configuration that made it
  std::string source;        // PRITHVI_SOURCE: the scene it describes
};

// Reads a whole embedding raster. Error(BadInput) when it is not one (fewer than 2 bands, not float).
EmbeddingGrid readEmbeddings(const RasterSource& source);

// Cosine similarity (-1 .. 1) of every cell to the mean direction of the example cells (column,
// row), NaN where a cell has no embedding. Error(Usage) for no examples, one outside the grid,
// or only examples without an embedding.
std::vector<float> cosineSimilarity(const EmbeddingGrid& grid, const std::vector<std::pair<int, int>>& exampleCells);

// The area under the ROC curve of `scores` for telling positives (labels 1) from negatives
// (labels 0); cells labelled otherwise, or scored NaN, are left out. Ties count half.
double rocAuc(const std::vector<float>& scores, const std::vector<int>& labels);

}  // namespace prithvi
