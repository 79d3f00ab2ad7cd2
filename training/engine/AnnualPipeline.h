#pragma once
// The annual pipeline of one region (MGRS tile) and year, as land-cover teams run it every year:
//   1. collect the year's validated labels (their version says whether anything changed);
//   2. build the dataset (spatial train/val/test splits; the test split is the held-out set);
//   3. fine-tune from last year's champion (or pretrained weights, or random initialisation);
//   4. evaluate the new model and the champion in effect on the same held-out set;
//   5. register the new model (immutable, with lineage) as this year's challenger, and promote
//      it to champion only when it beats the champion by the margin;
//   6. run the champion over the region's granules of the year (class maps, no prediction under
//      fill, Fmask cloud and cloud shadow) and vote them into the annual map (a COG with its
//      provenance), recorded as a map product.
// Every step is idempotent: the dataset, run folder and class maps have deterministic names and
// are reused when complete, registering the same weights again returns the same version, and
// alias moves happen only when the target changes. A rerun after a crash or a requeue ends in
// the same registry state.
//
// Folders beside the project file:
//   pipeline/<region>/<year>/<label-set version>.zarr       the dataset
//   runs/annual-<region>-<year>-<label-set version>/        the training run
//   pipeline/<region>/<year>/v<N>/<granule>.classes.tif     class maps of version N
//   results/annual/<region>_<year>_v<N>.tif (+ .votes.tif)  the annual map

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/dataset/ChipDataset.h"
#include "core/registry/AnnualMap.h"
#include "core/registry/ModelRegistry.h"
#include "training/engine/TiledInference.h"
#include "training/engine/Trainer.h"

namespace prithvi {
class JobEventWriter;
}

namespace prithvi::engine {

// The Fmask policy of annual maps, recorded in their provenance.
inline constexpr const char* kAnnualFmaskPolicy =
    "no observation where Fmask flags cloud or cloud shadow, or where any band is fill (-9999)";

struct AnnualPipelineOptions {
  std::string project;
  std::string region;  // "13REN" or "T13REN"
  int year = 0;
  std::string task = "land_cover";
  double margin = 0.01;        // the challenger's test mIoU must exceed the champion's by this
  std::string weights;         // pretrained weights when the region has no champion yet
  std::string person;          // who runs it (alias moves); default $USER
  bool force = false;          // train even when the labels did not change since the last version
  bool skipMaps = false;       // stop after the registry step
  DatasetBuildOptions dataset;  // task, tile, year, states and frames are set by the pipeline
  TrainOptions training;        // dataset, runDir and weights are set by the pipeline
  InferenceOptions inference;   // output and maskClouds are set by the pipeline
  // Where the class maps are made: empty: in this process; a launch backend (local, ssh, slurm,
  // k8s): one array task per granule (a Slurm job array, a Kubernetes Indexed Job), recorded in
  // the project's jobs, which the pipeline follows to the end.
  std::string mapsBackend;
  std::map<std::string, std::string> backendOptions;  // LaunchRequest::options
  std::string prithviProgram;                          // the program the tasks run
  double pollSeconds = 2;
};

struct AnnualPipelineResult {
  std::string status;  // trained | up_to_date
  LabelSnapshot labels;
  std::string datasetPath;
  std::string datasetHash;
  int64_t parent = 0;      // the version it was fine-tuned from (0: none)
  int64_t incumbent = 0;   // the champion in effect before (0: none)
  int64_t challenger = 0;  // the version trained now (0 when up to date)
  int64_t champion = 0;    // the champion of the year after the gate
  double challengerScore = 0;  // test mIoU on the held-out set
  double incumbentScore = 0;
  bool promoted = false;
  std::string decision;  // one line: why it was promoted or not
  std::vector<std::string> granules;
  std::string mapPath;
  AnnualVoteResult vote;
};

// Error(BadInput) when the year has no validated labels, the held-out split is empty, or the
// champion cannot be evaluated on this year's data; Error(Canceled) from `feedback` (the run
// folder keeps its checkpoint: running again resumes).
AnnualPipelineResult runAnnualPipeline(const AnnualPipelineOptions& options, Feedback* feedback = nullptr,
                                       JobEventWriter* events = nullptr);

// One task of a class-map job array: the `index`th granule of the plan the pipeline wrote
// (skipped when its map exists). Error(Usage) for an index outside the plan.
void runClassMapTask(const std::string& planPath, int index, Feedback* feedback = nullptr);

// Watches the region's validated labels and runs the pipeline whenever their version differs
// from the one the last run saw (the first check runs it unless it is up to date). Returns when
// `feedback` is canceled; `onRun` hears every run's result. `intervalSeconds` between checks.
void watchAnnualPipeline(const AnnualPipelineOptions& options, double intervalSeconds, Feedback& feedback,
                         const std::function<void(const AnnualPipelineResult&)>& onRun, JobEventWriter* events = nullptr);

}  // namespace prithvi::engine
