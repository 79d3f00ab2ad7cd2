#pragma once
// Whole-scene inference with a trained model (a checkpoint of train()): sliding windows of a
// chosen size and overlap over scenes of any size, predictions blended with cosine or Gaussian
// weights so window borders leave no seams, batched, and streamed: only one row of windows is
// held in memory, and finished rows go straight to the output file. Outputs are COGs on the
// input's grid (or on a region of it):
//  - segmentation checkpoints: a class map with the scheme's colour table, or the class
//    probabilities; pixels that are fill in any input band (or, on request, cloud or cloud
//    shadow in Fmask) get no prediction;
//  - MAE checkpoints (cloud_gap, pretrain): the cloud-gap filled image of one frame. Tokens
//    under Fmask cloud or cloud shadow of any frame are hidden from the encoder, as the
//    cloud-gap training hides its cloud shapes; the MAE reconstructs them, and the output keeps
//    the input's pixels where clear and the blended reconstruction (HLS DN) under the clouds.

#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/raster/ClassMapCleanup.h"
#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"
#include "training/model/CpuRuntime.h"

namespace prithvi {
class Feedback;
}

namespace prithvi::engine {

struct InferenceOptions {
  int window = 0;                  // pixels, a multiple of the patch; 0: the model's training chip size
  double overlap = 0.25;           // share of a window its neighbour repeats, 0 .. 0.9
  std::string blend = "cosine";    // cosine | gaussian | none
  int batch = 4;                   // windows per forward pass
  // What to write; empty: the checkpoint's own product (classes for segmentation, filled for MAEs).
  //   classes        Byte class map, 255 = no prediction, colour table and category names
  //   probabilities  Float32, one band per class, NaN = no prediction
  //   uncertainty    Float32, 2 bands (uncertaintyOf): entropy and top-2 margin of the blended
  //                  class probabilities, NaN = no prediction
  //   filled         Int16 HLS DN (scale 0.0001, nodata -9999), bands Blue .. SWIR2: the
  //                  frame's pixels where clear, the MAE's reconstruction under cloud/shadow
  std::string output;
  bool maskClouds = false;         // classes/probabilities: no prediction under Fmask cloud and cloud shadow
  // classes: morphological clean-up of the finished class map (specks and small regions take the
  // nearest class; pixels without a prediction stay so). The whole map is held in memory for it.
  ClassMapCleanup cleanup;
  // filled: the frame (0-based, in the order of `dates`) whose gaps are filled; -1: frame 0,
  // the anchor of the cloud-gap training chips (the first date of a run of dates).
  int frame = -1;
  // Pixels of the input grid to write (clipped nowhere: it must lie inside the scene); the
  // output covers exactly this window. Windows are placed as for the whole scene and read real
  // pixels around the region, so a region equals the same pixels of a whole-scene run.
  std::optional<Window> region;
  std::string device = "auto";
  // CPU threads of the model's kernels while inferScenes runs (the previous count is restored
  // after); 0: LibTorch's current setting. Its default follows the physical cores it detects,
  // which can be 1 on virtual machines with several ('prithvi infer' asks for every core).
  int threads = 0;
  // Precision of the transformer's Linear layers (model/LinearPrecision.h); fp32 is the reference.
  model::Precision precision = model::Precision::Float32;
  // Allows an output inside a folder that holds one of the input scenes' files (never onto an
  // input file itself): off, so a class map cannot replace or sit among the imagery it came from.
  bool outputBesideInputs = false;
  // More metadata items for the output (the registry's provenance of the model, ...).
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The artifact kinds of the job event protocol, one per output.
inline constexpr const char* kArtifactClassMap = "class_map";
inline constexpr const char* kArtifactProbabilities = "probabilities";
inline constexpr const char* kArtifactFilledImage = "filled_image";
inline constexpr const char* kArtifactUncertainty = "uncertainty";
inline constexpr const char* kUncertaintyBands[2] = {"entropy", "top-2 margin"};

// Per pixel of class probabilities (classes, H, W): band 0 the entropy over ln(classes), 0 when
// one class has it all, 1 when all are alike; band 1 the top-1 minus the top-2 probability, 0
// when the model is torn between two classes, 1 when sure. (2, H, W).
torch::Tensor uncertaintyOf(const torch::Tensor& probabilities);

struct InferenceResult {
  std::string path;
  std::string output;        // classes | probabilities | uncertainty | filled
  std::string artifactKind;  // class_map | probabilities | uncertainty | filled_image
  std::string task;          // the checkpoint's task (flood, cloud_gap, pretrain, ...)
  Window region;             // what the output covers, in pixels of the input grid
  int width = 0;             // of the output (the region)
  int height = 0;
  int64_t windows = 0;          // windows that went through the model
  int64_t predictedPixels = 0;  // classes/probabilities/uncertainty: pixels with a prediction; filled: not nodata
  int64_t filledPixels = 0;     // filled: cloud/shadow pixels of the frame replaced by the reconstruction
  int64_t cleanedPixels = 0;    // classes: pixels the clean-up changed
  int frame = -1;               // filled: the frame written
  std::vector<std::string> classNames;
};

// `dates` are the frames (one scene per date, co-registered) the model was trained on.
// Error(Usage) for an output path that is one of the input files, or inside the folder of one
// (unless outputBesideInputs), for a wrong number of dates, an output the checkpoint cannot make (filled from
// a segmentation model, classes from an MAE), a region outside the scene or bad options;
// Error(BadInput) for scenes without the six bands or on different grids, or a filled frame
// without Fmask.
InferenceResult inferScenes(const std::string& checkpoint, const std::vector<Scene>& dates, const std::string& outPath,
                            const InferenceOptions& options, Feedback* feedback = nullptr);

// The blending weight of pixel i of a window of `size` pixels (separable in x and y).
std::vector<float> blendWeights(const std::string& blend, int size);

// The pixels of `scene` a box in the scene's CRS covers: snapped outward to whole pixels and
// clipped to the scene. Error(Usage) for an empty box or one that misses the scene.
Window pixelWindowOfBox(const Scene& scene, double minX, double minY, double maxX, double maxY);

}  // namespace prithvi::engine
