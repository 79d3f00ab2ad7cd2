#pragma once
// Whole-scene inference with a fine-tuned model (a checkpoint of train()): sliding windows of
// a chosen size and overlap over scenes of any size, predictions blended with cosine or
// Gaussian weights so window borders leave no seams, batched, and streamed: only one row of
// windows is held in memory, and finished rows go straight to the output file. Pixels that are
// fill in any input band (or, on request, cloud or cloud shadow in Fmask) get no prediction.
// Outputs are COGs on the input's grid: a class map with the scheme's colour table, or the
// class probabilities.

#include <string>
#include <vector>

#include "core/scene/Scene.h"

namespace prithvi {
class Feedback;
}

namespace prithvi::engine {

struct InferenceOptions {
  int window = 0;                  // pixels, a multiple of the patch; 0: the model's training chip size
  double overlap = 0.25;           // share of a window its neighbour repeats, 0 .. 0.9
  std::string blend = "cosine";    // cosine | gaussian | none
  int batch = 4;                   // windows per forward pass
  std::string output = "classes";  // classes (Byte, 255 = no prediction) | probabilities (Float32, NaN)
  bool maskClouds = false;         // no prediction under Fmask cloud and cloud shadow
  std::string device = "auto";
};

struct InferenceResult {
  std::string path;
  int width = 0;
  int height = 0;
  int64_t windows = 0;
  int64_t predictedPixels = 0;
  std::vector<std::string> classNames;
};

// `dates` are the frames (one scene per date, co-registered) the model was trained on.
// Error(Usage) for a pretraining checkpoint, a wrong number of dates or bad options;
// Error(BadInput) for scenes without the six bands or on different grids.
InferenceResult inferScenes(const std::string& checkpoint, const std::vector<Scene>& dates, const std::string& outPath,
                            const InferenceOptions& options, Feedback* feedback = nullptr);

// The blending weight of pixel i of a window of `size` pixels (separable in x and y).
std::vector<float> blendWeights(const std::string& blend, int size);

}  // namespace prithvi::engine
