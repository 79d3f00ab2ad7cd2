#include "training/engine/AnnualPipeline.h"

#include <chrono>
#include <cmath>
#include <thread>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/AtomicFile.h"
#include "core/base/JobEvents.h"
#include "core/jobs/JobStore.h"
#include "core/project/ProjectStore.h"
#include "core/scene/Scene.h"

namespace prithvi::engine {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

std::string versionName(int64_t id) { return "v" + std::to_string(id); }

// One stage's share of the whole run: its own progress mapped into [begin, end) of the parent,
// and the parent's cancel passed on at the stage's next report.
class StageFeedback {
 public:
  StageFeedback(Feedback* parent, double begin, double end, std::string stage)
      : mParent(parent), mBegin(begin), mEnd(end), mStage(std::move(stage)) {
    mOwn.setProgressCallback([this](int64_t step, int64_t total, const std::string& message) {
      if (!mParent) return;
      if (mParent->isCanceled()) mOwn.cancel();
      const double fraction = total > 0 ? std::clamp(double(step) / double(total), 0.0, 1.0) : 0.0;
      mParent->setProgress(int64_t(std::lround((mBegin + (mEnd - mBegin) * fraction) * 1000)), 1000,
                           mStage + (message.empty() ? "" : ": " + message));
    });
    mOwn.setLogCallback([this](const std::string& level, const std::string& text) {
      if (mParent) mParent->log(level, text);
    });
    if (mParent) {
      mParent->throwIfCanceled();
      mParent->setProgress(int64_t(std::lround(mBegin * 1000)), 1000, mStage);
    }
  }
  Feedback* get() { return &mOwn; }

 private:
  Feedback* mParent;
  double mBegin, mEnd;
  std::string mStage;
  Feedback mOwn;
};

void logLine(Feedback* feedback, JobEventWriter* events, const std::string& text) {
  if (events) events->log("info", text);
  if (feedback && !events) feedback->log("info", text);
}

std::map<std::string, double> evaluationMetrics(const EvaluationResult& result, const std::string& prefix) {
  std::map<std::string, double> metrics;
  metrics[prefix + "miou"] = result.confusion.meanIou();
  metrics[prefix + "accuracy"] = result.confusion.overallAccuracy();
  metrics[prefix + "loss"] = result.loss;
  metrics[prefix + "chips"] = double(result.chips);
  for (int c = 0; c < result.confusion.classes(); ++c) {
    const std::string name = c < int(result.classNames.size()) ? result.classNames[size_t(c)] : "class " + std::to_string(c);
    metrics["iou/" + name] = result.confusion.iou(c);
  }
  return metrics;
}

// The held-out split of `dataset` scored with `checkpoint`.
EvaluationResult evaluateHeldOut(const std::string& checkpoint, const std::string& dataset, const AnnualPipelineOptions& options) {
  EvaluationResult result = evaluateCheckpoint(checkpoint, dataset, int(DataSplit::Test), options.training.device,
                                               std::max(1, options.training.batchSize));
  if (result.chips == 0)
    throwBadInput("the held-out (test) split of " + dataset +
                  " is empty: validate more labels of the year or give the test split a larger share (--test)");
  return result;
}

// Makes the missing class maps as one job array through a launch backend and follows it.
void runClassMapArray(ProjectStore& project, const AnnualPipelineOptions& options, const QString& mapsFolder,
                      const std::string& weights, const std::vector<std::pair<std::string, std::string>>& missing,
                      Feedback* feedback, JobEventWriter* events) {
  QJsonArray tasks;
  for (const auto& [scene, out] : missing) tasks.append(QJsonObject{{"scene", q(scene)}, {"out", q(out)}});
  const QJsonObject plan{{"project", QFileInfo(q(project.path())).absoluteFilePath()},
                         {"checkpoint", q(weights)},
                         {"window", options.inference.window},
                         {"overlap", options.inference.overlap},
                         {"batch", options.inference.batch},
                         {"device", q(options.inference.device)},
                         {"tasks", tasks}};
  const std::string planPath = (mapsFolder + "/plan.json").toStdString();
  writeFileAtomically(planPath, QJsonDocument(plan).toJson().toStdString());
  LaunchRequest request;
  request.name = "annual-maps-" + canonicalRegion(options.region) + "-" + std::to_string(options.year);
  request.arguments = {"pipeline", "infer-task", "--plan", planPath};
  request.runDir = (mapsFolder + "/job").toStdString();
  request.workDir = QFileInfo(q(project.path())).absolutePath().toStdString();
  request.arrayTasks = int(missing.size());
  request.options = options.backendOptions;
  const auto backend = makeLaunchBackend(options.mapsBackend, options.prithviProgram);
  JobStore store(project);
  JobRecord record = launchJob(*backend, request, &store);
  logLine(feedback, events,
          "class maps: " + std::to_string(missing.size()) + " array tasks submitted as job " + std::to_string(record.id) + " (" +
              options.mapsBackend + " " + record.handle.id + ")");
  while (!isFinal(record.state)) {
    if (isCanceled(feedback)) {
      backend->cancel(record.handle);
      throw Error(ErrorKind::Canceled, "canceled; the class-map job " + record.handle.id + " was canceled too");
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(options.pollSeconds));
    if (applyPoll(record, pollJob(record, *backend))) store.update(record);
    int64_t done = 0;
    for (const auto& item : missing) done += QFileInfo::exists(q(item.second)) ? 1 : 0;
    reportProgress(feedback, 750 + 200 * done / int64_t(missing.size()), 1000,
                   "class maps: " + std::to_string(done) + " of " + std::to_string(missing.size()));
  }
  if (record.state != JobState::Succeeded)
    throwIo("the class-map job " + record.handle.id + " ended " + jobStateName(record.state) +
            (record.error.empty() ? "" : ": " + record.error) + " (see 'prithvi jobs logs')");
}

std::string readTextFile(const std::string& path) {
  QFile file(q(path));
  if (!file.open(QIODevice::ReadOnly)) throwIo("cannot read " + path + ": " + file.errorString().toStdString());
  return file.readAll().toStdString();
}

}  // namespace

AnnualPipelineResult runAnnualPipeline(const AnnualPipelineOptions& options, Feedback* feedback, JobEventWriter* events) {
  if (options.year < 1970 || options.year > 2200) throwUsage("--year takes a year such as 2022");
  if (options.region.empty()) throwUsage("--region takes the MGRS tile of the region, e.g. T13REN");
  const std::string region = canonicalRegion(options.region);
  const std::string person = options.person.empty() ? qEnvironmentVariable("USER", "unknown").toStdString() : options.person;
  auto project = ProjectStore::open(options.project);
  ModelRegistry registry(*project);
  const QString root = QFileInfo(q(project->path())).absolutePath();
  const QString yearFolder = root + "/pipeline/" + q(region) + "/" + QString::number(options.year);
  if (!QDir().mkpath(yearFolder)) throwIo("cannot create " + yearFolder.toStdString());

  AnnualPipelineResult result;
  // 1. The year's validated labels.
  result.labels = validatedLabels(*project, region, options.year, options.task);
  if (result.labels.sets.empty())
    throwBadInput("no validated label set of task '" + options.task + "' on tile " + region + " in " +
                  std::to_string(options.year) + ": validate the year's labels first");
  logLine(feedback, events,
          "labels " + result.labels.version + ": " + std::to_string(result.labels.sets.size()) + " validated label sets, " +
              std::to_string(result.labels.labelledPixels) + " labelled pixels");
  const std::vector<ModelVersion> earlier = registry.versions(region, options.year);
  if (!options.force && !earlier.empty() && earlier.front().lineage.labelSetVersion == result.labels.version) {
    result.status = "up_to_date";
    result.challenger = 0;
    result.champion = registry.alias(region, options.year, kChampionAlias).value_or(0);
    result.decision = "the labels have not changed since " + versionName(earlier.front().id) + " (" + result.labels.version + ")";
    return result;
  }

  // 2. The dataset.
  const std::string datasetPath = (yearFolder + "/" + q(result.labels.version) + ".zarr").toStdString();
  if (!QFileInfo::exists(q(datasetPath))) {
    DatasetBuildOptions building = options.dataset;
    building.task = options.task;
    building.tile = region;
    building.year = options.year;
    building.states = {ReviewState::Validated};
    building.frames = 1;  // annual maps vote over single-date class maps
    StageFeedback stage(feedback, 0.0, 0.1, "building the dataset");
    const DatasetSummary summary = buildChipDataset(*project, datasetPath, building, stage.get());
    logLine(feedback, events,
            "dataset " + datasetPath + ": " + std::to_string(summary.chips) + " chips (" +
                std::to_string(summary.chipsPerSplit[0]) + " train, " + std::to_string(summary.chipsPerSplit[1]) + " val, " +
                std::to_string(summary.chipsPerSplit[2]) + " held out)");
  }
  result.datasetPath = datasetPath;
  result.datasetHash = folderContentHash(datasetPath);
  result.granules = ChipDataset::open(datasetPath)->sceneIds();
  if (!options.force && !earlier.empty() && earlier.front().lineage.datasetHash == result.datasetHash) {
    result.status = "up_to_date";
    result.champion = registry.alias(region, options.year, kChampionAlias).value_or(0);
    result.decision = "the dataset is the one " + versionName(earlier.front().id) + " was trained on";
    return result;
  }

  // 3. Fine-tune from last year's champion.
  TrainOptions training = options.training;
  training.dataset = datasetPath;
  training.runDir = (root + "/runs/annual-" + q(region) + "-" + QString::number(options.year) + "-" + q(result.labels.version))
                        .toStdString();
  ModelLineage lineage;
  if (const auto parent = registry.aliasInEffect(region, options.year - 1, kChampionAlias)) {
    result.parent = parent->version;
    training.weights = registry.verifiedArtifact(parent->version);
    lineage.parentVersion = parent->version;
    lineage.parent = "version " + std::to_string(parent->version) + " (" + kChampionAlias + " " + std::to_string(parent->year) + ")";
  } else if (!options.weights.empty()) {
    training.weights = options.weights;
    lineage.parent = "pretrained weights " + QFileInfo(q(options.weights)).fileName().toStdString() + " (sha256 " +
                     sha256OfFile(options.weights) + ")";
  } else {
    training.weights.clear();
    lineage.parent = "random initialisation";
  }
  logLine(feedback, events, "fine-tuning from " + lineage.parent + " in " + training.runDir);
  TrainResult trained;
  {
    StageFeedback stage(feedback, 0.1, 0.7, "fine-tuning");
    trained = train(training, stage.get(), events);
  }
  if (trained.status == "canceled") throw Error(ErrorKind::Canceled, "canceled while fine-tuning; run again to resume");
  const std::string checkpoint = trained.bestCheckpoint.empty() ? trained.lastCheckpoint : trained.bestCheckpoint;

  // 4. Both models on the held-out set.
  if (feedback) feedback->setProgress(700, 1000, "evaluating on the held-out set");
  const EvaluationResult challengerEval = evaluateHeldOut(checkpoint, datasetPath, options);
  result.challengerScore = challengerEval.confusion.meanIou();
  std::map<std::string, double> metrics = evaluationMetrics(challengerEval, "test_");
  metrics[trained.monitor] = trained.bestMetric;
  const auto incumbent = registry.aliasInEffect(region, options.year, kChampionAlias);
  if (incumbent) {
    result.incumbent = incumbent->version;
    const EvaluationResult incumbentEval = evaluateHeldOut(registry.verifiedArtifact(incumbent->version), datasetPath, options);
    result.incumbentScore = incumbentEval.confusion.meanIou();
    // The champion's score on this year's held-out set, kept with it for the comparison table.
    registry.addMetrics(incumbent->version, {{"test_miou/" + std::to_string(options.year), result.incumbentScore}});
  }

  // 5. Register; promote through the gate.
  lineage.datasetPath = datasetPath;
  lineage.datasetHash = result.datasetHash;
  lineage.labelSetVersion = result.labels.version;
  lineage.labelSets = result.labels.sets;
  lineage.validatedLabelSets = int64_t(result.labels.sets.size());
  lineage.validatedPixels = result.labels.labelledPixels;
  lineage.granules = result.granules;
  lineage.configJson = readTextFile(training.runDir + "/config.json");
  lineage.programVersion = PRITHVI_VERSION;
  lineage.runDir = training.runDir;
  ModelVersion draft;
  draft.region = region;
  draft.year = options.year;
  draft.task = options.task;
  draft.createdBy = person;
  draft.metrics = metrics;
  draft.metrics["test_miou/" + std::to_string(options.year)] = result.challengerScore;
  draft.lineage = lineage;
  const ModelVersion registered = registry.registerVersion(checkpoint, draft);
  result.challenger = registered.id;
  if (registry.alias(region, options.year, kChallengerAlias) != registered.id)
    registry.setAlias(region, options.year, kChallengerAlias, registered.id, person, "trained by the annual pipeline");
  char scores[160];
  if (!incumbent) {
    result.promoted = true;
    result.decision = "first model of " + region + ": promoted";
  } else {
    result.promoted = result.challengerScore >= result.incumbentScore + options.margin;
    std::snprintf(scores, sizeof scores, "test mIoU %.4f vs %.4f of %s (margin %.4f)", result.challengerScore,
                  result.incumbentScore, versionName(incumbent->version).c_str(), options.margin);
    result.decision = std::string(result.promoted ? "promoted: " : "not promoted: ") + scores;
  }
  const std::optional<int64_t> yearChampion = registry.alias(region, options.year, kChampionAlias);
  if (result.promoted) {
    if (yearChampion != registered.id) registry.setAlias(region, options.year, kChampionAlias, registered.id, person, result.decision);
  } else if (!yearChampion) {
    // The year keeps the champion in effect, recorded as its own so the map and rollbacks name it.
    registry.setAlias(region, options.year, kChampionAlias, incumbent->version, person, "kept; challenger " + result.decision);
  }
  result.champion = registry.alias(region, options.year, kChampionAlias).value_or(0);
  logLine(feedback, events, versionName(registered.id) + " registered; " + result.decision);
  if (events) events->artifact(registry.artifactPath(registered), "model");
  if (options.skipMaps) {
    result.status = "trained";
    return result;
  }

  // 6. The champion over the year's granules, voted into the annual map.
  const ModelVersion champion = registry.version(result.champion);
  const std::string championWeights = registry.verifiedArtifact(champion.id);
  SceneFilter filter;
  filter.tile = region;
  std::vector<Scene> granules;
  for (Scene& scene : project->scenes(filter))
    if (scene.acquired.isValid() && scene.acquired.toUTC().date().year() == options.year && scene.hasPrithviBands())
      granules.push_back(std::move(scene));
  if (granules.empty()) throwBadInput("tile " + region + " has no granules with the six bands in " + std::to_string(options.year));
  const QString mapsFolder = yearFolder + "/" + q(versionName(champion.id));
  QDir().mkpath(mapsFolder);
  InferenceOptions inference = options.inference;
  inference.output = "classes";
  inference.maskClouds = true;
  inference.frame = -1;
  inference.region.reset();
  std::vector<std::string> classMaps;
  std::vector<std::string> mapGranules;
  std::vector<std::pair<std::string, std::string>> missing;  // scene id, class map
  for (const Scene& granule : granules) {
    classMaps.push_back((mapsFolder + "/" + q(granule.id) + ".classes.tif").toStdString());
    mapGranules.push_back(granule.id);
    // Written atomically: a map that exists is complete (a rerun or a requeued task skips it).
    if (!QFileInfo::exists(q(classMaps.back()))) missing.emplace_back(granule.id, classMaps.back());
  }
  if (!options.mapsBackend.empty() && !missing.empty()) {
    runClassMapArray(*project, options, mapsFolder, championWeights, missing, feedback, events);
  } else {
    for (size_t i = 0; i < missing.size(); ++i) {
      StageFeedback stage(feedback, 0.75 + 0.2 * double(i) / double(missing.size()),
                          0.75 + 0.2 * double(i + 1) / double(missing.size()),
                          "class map " + std::to_string(i + 1) + " of " + std::to_string(missing.size()));
      const auto scene = std::find_if(granules.begin(), granules.end(), [&](const Scene& s) { return s.id == missing[i].first; });
      inferScenes(championWeights, {*scene}, missing[i].second, inference, stage.get());
    }
  }
  for (const std::string& path : classMaps)
    if (!QFileInfo::exists(q(path))) throwIo("the class map " + path + " was not made");
  QDir().mkpath(root + "/results/annual");
  result.mapPath =
      (root + "/results/annual/" + q(region) + "_" + QString::number(options.year) + "_" + q(versionName(champion.id)) + ".tif")
          .toStdString();
  MapProvenance provenance;
  provenance.modelVersion = champion.id;
  provenance.modelSha256 = champion.sha256;
  provenance.modelAlias = kChampionAlias;
  provenance.region = region;
  provenance.year = options.year;
  provenance.granules = mapGranules;
  provenance.fmaskPolicy = kAnnualFmaskPolicy;
  provenance.labelSetVersion = champion.lineage.labelSetVersion;
  provenance.datasetHash = champion.lineage.datasetHash;
  {
    StageFeedback stage(feedback, 0.95, 1.0, "voting the annual map");
    if (QFileInfo::exists(q(result.mapPath))) QFile::remove(q(result.mapPath));  // replaced by this run's
    result.vote = writeAnnualVote(classMaps, result.mapPath, provenance, stage.get());
  }
  MapProduct product;
  product.path = result.mapPath;
  product.kind = provenance.product;
  product.version = champion.id;
  product.region = region;
  product.year = options.year;
  product.granules = mapGranules;
  product.fmaskPolicy = provenance.fmaskPolicy;
  product.labelSetVersion = provenance.labelSetVersion;
  registry.addMapProduct(product);
  if (events) events->artifact(result.mapPath, "annual_map");
  result.status = "trained";
  return result;
}

void runClassMapTask(const std::string& planPath, int index, Feedback* feedback) {
  const QJsonObject plan = QJsonDocument::fromJson(QByteArray::fromStdString(readTextFile(planPath))).object();
  const QJsonArray tasks = plan.value("tasks").toArray();
  if (tasks.isEmpty()) throwBadInput(planPath + " is not a class-map plan of the annual pipeline");
  if (index < 0 || index >= tasks.size())
    throwUsage("task " + std::to_string(index) + " is not in " + planPath + " (it has " + std::to_string(tasks.size()) + ")");
  const QJsonObject task = tasks.at(index).toObject();
  const std::string out = task.value("out").toString().toStdString();
  if (QFileInfo::exists(q(out))) return;  // done by an earlier attempt
  auto project = ProjectStore::open(plan.value("project").toString().toStdString());
  const std::optional<Scene> scene = project->scene(task.value("scene").toString().toStdString());
  if (!scene) throwBadInput("project " + project->path() + " has no scene " + task.value("scene").toString().toStdString());
  InferenceOptions inference;
  inference.output = "classes";
  inference.maskClouds = true;
  inference.window = plan.value("window").toInt();
  inference.overlap = plan.value("overlap").toDouble(0.25);
  inference.batch = std::max(1, plan.value("batch").toInt(4));
  inference.device = plan.value("device").toString(QStringLiteral("auto")).toStdString();
  inferScenes(plan.value("checkpoint").toString().toStdString(), {*scene}, out, inference, feedback);
}

void watchAnnualPipeline(const AnnualPipelineOptions& options, double intervalSeconds, Feedback& feedback,
                         const std::function<void(const AnnualPipelineResult&)>& onRun, JobEventWriter* events) {
  std::string seen;
  while (!feedback.isCanceled()) {
    std::string now;
    {
      auto project = ProjectStore::open(options.project);
      now = validatedLabels(*project, options.region, options.year, options.task, false).version;
    }
    if (now != seen) {
      if (!seen.empty()) logLine(&feedback, events, "labels changed: " + seen + " -> " + now);
      AnnualPipelineOptions run = options;
      run.force = false;
      try {
        onRun(runAnnualPipeline(run, &feedback, events));
      } catch (const Error& error) {
        // Labels still being validated, or an empty held-out split: wait for the next change.
        if (error.kind() != ErrorKind::BadInput) throw;
        if (events) events->log("warning", error.what());
        else feedback.log("warning", error.what());
      }
      seen = now;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(intervalSeconds);
    while (!feedback.isCanceled() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace prithvi::engine
