// prithvi weights inspect|convert, prithvi model forward, prithvi embed, prithvi reconstruct
#include <torch/torch.h>

#include <QFileInfo>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QJsonObject>
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <thread>

#include "app/cli/Cli.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/embedding/Similarity.h"
#include "core/project/ProjectStore.h"
#include "core/registry/AnnualMap.h"
#include "core/registry/ModelRegistry.h"
#include "core/raster/RasterWriter.h"
#include "core/scene/OutputGuard.h"
#include "core/scene/SceneScanner.h"
#include "training/engine/Network.h"
#include "training/engine/SceneInference.h"
#include "training/engine/TiledInference.h"
#include "training/model/Checkpoint.h"
#include "training/model/Weights.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

void addModelOptions(CommandLine& cli) {
  cli.addOption({QStringLiteral("weights")}, QStringLiteral("checkpoint: .pt (torch.save) or .safetensors"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("config")},
                QStringLiteral("model variant (e.g. prithvi_eo_v1_100) or a config JSON; default: from the file"),
                QStringLiteral("name"));
  cli.addOption({QStringLiteral("threads")}, QStringLiteral("CPU threads (default: the physical cores)"), QStringLiteral("n"), QStringLiteral("0"));
}

// --config as the user gave it: any name of the model catalogue or a config file; none when unset.
std::optional<model::PrithviConfig> chosenConfig(const CommandLine& cli) {
  if (!cli.isSet(QStringLiteral("config"))) return std::nullopt;
  return engine::configFor(cli.value(QStringLiteral("config")).toStdString());
}

model::LoadedWeights loadWeights(const CommandLine& cli) {
  if (!cli.isSet(QStringLiteral("weights"))) throwUsage("--weights FILE is required");
  model::configureCpuThreads(int(cli.intValue(QStringLiteral("threads"), 0, 1024)));
  return model::readPrithviWeights(cli.value(QStringLiteral("weights")).toStdString(), chosenConfig(cli));
}

// The scenes of --input in date order (one per frame).
std::vector<Scene> inputScenes(const QStringList& inputs) {
  std::vector<std::string> paths;
  for (const auto& input : inputs) paths.push_back(input.toStdString());
  ScanOptions scan;
  scan.computeCloudCover = false;
  ScanResult result = scanForScenes(paths, scan);
  std::erase_if(result.scenes, [](const Scene& scene) { return !scene.hasPrithviBands(); });
  if (result.scenes.empty())
    throwBadInput("no scene with the six Prithvi bands in " + inputs.join(QStringLiteral(", ")).toStdString() +
                  (result.skipped.empty() ? "" : " (" + result.skipped.front().reason + ")"));
  std::stable_sort(result.scenes.begin(), result.scenes.end(),
                   [](const Scene& a, const Scene& b) { return a.acquired < b.acquired; });
  return result.scenes;
}

// A checkpoint written by finetune or pretrain: its own config and head say what it is, and a
// strict load into that network is the fit.
int inspectTrainingCheckpoint(const std::string& path, bool json) {
  const model::TrainingCheckpoint checkpoint = model::loadTrainingCheckpoint(path);
  const engine::LoadedRun run = engine::loadRun(path, torch::kCPU);
  const model::PrithviConfig& config = run.network.config;
  int64_t values = 0;
  QJsonArray tensors;
  for (const auto& [name, tensor] : checkpoint.model.tensors) {
    values += tensor.numel();
    QJsonArray shape;
    for (int64_t i = 0; i < tensor.dim(); ++i) shape.append(qint64(tensor.size(i)));
    tensors.append(QJsonObject{{QStringLiteral("name"), qs(name)},
                               {QStringLiteral("shape"), shape},
                               {QStringLiteral("dtype"), qs(std::string(c10::toString(tensor.scalar_type())))}});
  }
  const std::string classes = run.scheme ? std::to_string(run.scheme->classes.size()) + " classes (" + run.scheme->name + ")" : "";
  if (json) {
    printJson(QJsonObject{{QStringLiteral("layout"), QStringLiteral("Prithvi Studio training checkpoint")},
                          {QStringLiteral("config"), qs(config.name)},
                          {QStringLiteral("task"), qs(run.task)},
                          {QStringLiteral("classes"), run.scheme ? int(run.scheme->classes.size()) : 0},
                          {QStringLiteral("tensors"), tensors},
                          {QStringLiteral("values"), qint64(values)},
                          {QStringLiteral("loaded"), int(checkpoint.model.size())},
                          {QStringLiteral("missing"), 0},
                          {QStringLiteral("unexpected"), 0},
                          {QStringLiteral("optimizer_tensors"), int(checkpoint.optimizer.size())}});
    return int(kOk);
  }
  printLine("layout   Prithvi Studio training checkpoint (task " + run.task + (classes.empty() ? "" : ", " + classes) + ")");
  printLine("model    " + config.name + " (embed " + std::to_string(config.embedDim) + ", depth " +
            std::to_string(config.depth) + ", patch " + std::to_string(config.patchSize) + ", frames " +
            std::to_string(config.numFrames) + ", chip " + std::to_string(config.imgSize) + ")");
  printLine("tensors  " + std::to_string(checkpoint.model.size()) + ", " + std::to_string(values) + " values (+ " +
            std::to_string(checkpoint.optimizer.size()) + " optimizer tensors)");
  printLine("fit      loaded all " + std::to_string(checkpoint.model.size()) + " tensors into its network");
  for (const auto& [name, tensor] : checkpoint.model.tensors)
    printLine("  " + name + " " + model::shapeText(tensor.sizes()) + " " + std::string(c10::toString(tensor.scalar_type())));
  return int(kOk);
}

int weightsInspect(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("weights inspect"),
                  QStringLiteral("List a checkpoint's tensors, its layout and the model it fits. Nothing in the file is executed."));
  cli.addPositional(QStringLiteral("file"), QStringLiteral(".pt or .safetensors"));
  cli.addOption({QStringLiteral("config")}, QStringLiteral("model variant to check against"), QStringLiteral("name"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    const std::string path = cli.positional().front().toStdString();
    if (!cli.isSet(QStringLiteral("config")) && model::isTrainingCheckpoint(path)) return inspectTrainingCheckpoint(path, cli.json());
    const auto weights = model::readPrithviWeights(path, chosenConfig(cli));
    model::CheckpointLoadReport report;
    const auto mae = model::buildModel(weights, &report);
    int64_t values = 0;
    for (const auto& [name, tensor] : weights.canonical.tensors) values += tensor.numel();
    if (cli.json()) {
      QJsonArray tensors, notes;
      for (const auto& [name, tensor] : weights.canonical.tensors) {
        QJsonArray shape;
        for (int64_t i = 0; i < tensor.dim(); ++i) shape.append(qint64(tensor.size(i)));
        tensors.append(QJsonObject{{QStringLiteral("name"), qs(name)},
                                   {QStringLiteral("shape"), shape},
                                   {QStringLiteral("dtype"), qs(std::string(c10::toString(tensor.scalar_type())))}});
      }
      for (const auto& note : weights.notes) notes.append(qs(note));
      QJsonObject result;
      result[QStringLiteral("layout")] = qs(weights.layout);
      result[QStringLiteral("config")] = qs(weights.config.name);
      result[QStringLiteral("tensors")] = tensors;
      result[QStringLiteral("values")] = qint64(values);
      result[QStringLiteral("loaded")] = int(report.loaded.size());
      result[QStringLiteral("missing")] = int(report.missing.size());
      result[QStringLiteral("unexpected")] = int(report.unexpected.size());
      result[QStringLiteral("notes")] = notes;
      printJson(result);
      return int(kOk);
    }
    printLine("layout   " + weights.layout);
    printLine("model    " + weights.config.name + " (embed " + std::to_string(weights.config.embedDim) + ", depth " +
              std::to_string(weights.config.depth) + ", patch " + std::to_string(weights.config.patchSize) + ", frames " +
              std::to_string(weights.config.numFrames) + ")");
    printLine("tensors  " + std::to_string(weights.canonical.size()) + ", " + std::to_string(values) + " values");
    printLine("fit      " + report.text());
    for (const auto& note : weights.notes) printLine("note     " + note);
    for (const auto& [name, tensor] : weights.canonical.tensors)
      printLine("  " + name + " " + model::shapeText(tensor.sizes()) + " " + std::string(c10::toString(tensor.scalar_type())));
    return int(kOk);
  });
}

int weightsConvert(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("weights convert"),
                  QStringLiteral("Convert a checkpoint (any released layout) to safetensors in the canonical "
                                 "encoder./decoder. layout, with the model config in its metadata."));
  cli.addPositional(QStringLiteral("input"), QStringLiteral(".pt or .safetensors"));
  cli.addPositional(QStringLiteral("output"), QStringLiteral("output .safetensors"));
  cli.addOption({QStringLiteral("config")}, QStringLiteral("model variant, if the file does not say"), QStringLiteral("name"));
  if (auto code = cli.parse(arguments, 2, 2)) return *code;
  return runCommand([&] {
    auto weights = model::readPrithviWeights(cli.positional()[0].toStdString(), chosenConfig(cli));
    model::buildModel(weights);  // refuse files that do not fit the model
    model::StateDict out = weights.canonical;
    out.metadata[model::kConfigMetadataKey] = weights.config.toJson();
    out.metadata["prithvi.source"] = QFileInfo(cli.positional()[0]).fileName().toStdString();
    model::writeSafetensors(cli.positional()[1].toStdString(), out);
    printLine("wrote " + cli.positional()[1].toStdString() + " (" + std::to_string(out.size()) + " tensors, " +
              weights.config.name + ")");
    return int(kOk);
  });
}

int weightsInit(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("weights init"),
                  QStringLiteral("Write randomly initialised weights of a variant (the official initialisation), "
                                 "for training from scratch or for tests."));
  cli.addPositional(QStringLiteral("output"), QStringLiteral("output .safetensors"));
  cli.addOption({QStringLiteral("config")}, QStringLiteral("model: a variant, a bundled config or a config JSON file"),
                QStringLiteral("name"), QStringLiteral("prithvi_eo_v1_100"));
  cli.addOption({QStringLiteral("seed")}, QStringLiteral("random seed"), QStringLiteral("k"), QStringLiteral("0"));
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  return runCommand([&] {
    const auto config = engine::configFor(cli.value(QStringLiteral("config")).toStdString());
    torch::manual_seed(uint64_t(cli.intValue(QStringLiteral("seed"), 0, 1LL << 62)));
    model::PrithviMae mae(config);
    model::StateDict state = model::toStateDict(*mae);
    state.metadata[model::kConfigMetadataKey] = config.toJson();
    model::writeSafetensors(cli.positional().front().toStdString(), state);
    printLine("wrote " + cli.positional().front().toStdString() + " (" + config.name + ", " + std::to_string(state.size()) +
              " tensors)");
    return int(kOk);
  });
}

}  // namespace

int commandWeights(const QStringList& arguments) {
  if (!arguments.isEmpty() && arguments.front() == QStringLiteral("init")) return weightsInit(arguments.mid(1));
  if (!arguments.isEmpty() && arguments.front() == QStringLiteral("inspect")) return weightsInspect(arguments.mid(1));
  if (!arguments.isEmpty() && arguments.front() == QStringLiteral("convert")) return weightsConvert(arguments.mid(1));
  if (!arguments.isEmpty() && (arguments.front() == QStringLiteral("--help") || arguments.front() == QStringLiteral("-h"))) {
    printLine("Usage: prithvi weights inspect FILE | convert IN OUT.safetensors | init OUT.safetensors --config NAME");
    return kOk;
  }
  printError("use 'prithvi weights inspect FILE' or 'prithvi weights convert IN OUT.safetensors'");
  return kUsage;
}

int commandModel(const QStringList& arguments) {
  if (arguments.isEmpty() || arguments.front() != QStringLiteral("forward")) {
    if (!arguments.isEmpty() && (arguments.front() == QStringLiteral("--help") || arguments.front() == QStringLiteral("-h"))) {
      printLine("Usage: prithvi model forward --weights W --input in.safetensors --out out.safetensors");
      return kOk;
    }
    printError("use 'prithvi model forward --weights W --input in.safetensors --out out.safetensors'");
    return kUsage;
  }
  CommandLine cli(QStringLiteral("model forward"),
                  QStringLiteral("One MAE forward pass (a parity probe): the input safetensors holds 'pixels' "
                                 "(B,C,T,H,W, normalised) and optionally 'noise' (B,L); the output holds 'latent', "
                                 "'pred', 'mask' and 'loss'."));
  addModelOptions(cli);
  cli.addOption({QStringLiteral("input")}, QStringLiteral("input .safetensors"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("output .safetensors"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("mask-ratio")}, QStringLiteral("mask ratio (default: the model's)"), QStringLiteral("r"));
  if (auto code = cli.parse(arguments.mid(1), 0, 0)) return *code;
  return runCommand([&] {
    if (!cli.isSet(QStringLiteral("input")) || !cli.isSet(QStringLiteral("out"))) throwUsage("--input and --out are required");
    const auto weights = loadWeights(cli);
    auto mae = model::buildModel(weights);
    const auto input = model::readSafetensors(cli.value(QStringLiteral("input")).toStdString());
    const torch::Tensor* pixels = input.find("pixels");
    if (!pixels) throwBadInput("the input has no 'pixels' tensor (B, C, T, H, W)");
    const torch::Tensor* noise = input.find("noise");
    std::optional<double> ratio;
    if (cli.isSet(QStringLiteral("mask-ratio"))) ratio = cli.value(QStringLiteral("mask-ratio")).toDouble();
    torch::InferenceMode inference;
    mae->eval();
    const auto out = mae->forward(pixels->to(torch::kFloat32), {}, ratio, noise ? noise->to(torch::kFloat32) : torch::Tensor());
    model::StateDict result;
    result.set("latent", out.latent.contiguous());
    result.set("pred", out.pred.contiguous());
    result.set("mask", out.mask.contiguous());
    result.set("loss", out.loss.reshape({1}).contiguous());
    result.metadata[model::kConfigMetadataKey] = weights.config.toJson();
    model::writeSafetensors(cli.value(QStringLiteral("out")).toStdString(), result);
    printLine("loss " + std::to_string(out.loss.item<double>()));
    return int(kOk);
  });
}

int commandEmbed(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("embed"),
                  QStringLiteral("Encoder features of a scene (or of several dates of one tile, one per frame), per "
                                 "16-px patch, written as a float32 GeoTIFF with one band per feature."));
  addModelOptions(cli);
  cli.addOption({QStringLiteral("input")}, QStringLiteral("raster, granule or folder (repeat for dates)"), QStringLiteral("path"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("output GeoTIFF"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("batch")}, QStringLiteral("windows per forward pass"), QStringLiteral("n"), QStringLiteral("4"));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("embed", cli.jsonEvents(), [&](Feedback& feedback) {
    if (!cli.isSet(QStringLiteral("input")) || !cli.isSet(QStringLiteral("out"))) throwUsage("--input and --out are required");
    const auto weights = loadWeights(cli);
    auto mae = model::buildModel(weights);
    engine::SceneRunOptions options;
    options.batch = int(cli.intValue(QStringLiteral("batch"), 1, 1024));
    const auto scenes = inputScenes(cli.parser().values(QStringLiteral("input")));
    engine::embedScenes(*mae->encoder, scenes, cli.value(QStringLiteral("out")).toStdString(), options, &feedback);
    if (!cli.jsonEvents()) printLine("wrote " + cli.value(QStringLiteral("out")).toStdString());
    return int(kOk);
  });
}

int commandReconstruct(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("reconstruct"),
                  QStringLiteral("Hide random patches of a scene (dates as frames) and reconstruct them with the MAE, "
                                 "as the official Prithvi demo does; writes per-date reconstructions and the mask."));
  addModelOptions(cli);
  cli.addOption({QStringLiteral("input")}, QStringLiteral("raster, granule or folder (repeat for dates)"), QStringLiteral("path"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("output folder"), QStringLiteral("dir"));
  cli.addOption({QStringLiteral("mask-ratio")}, QStringLiteral("share of patches hidden"), QStringLiteral("r"), QStringLiteral("0.75"));
  cli.addOption({QStringLiteral("seed")}, QStringLiteral("random seed of the mask"), QStringLiteral("k"), QStringLiteral("0"));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("reconstruct", cli.jsonEvents(), [&](Feedback& feedback) {
    if (!cli.isSet(QStringLiteral("input")) || !cli.isSet(QStringLiteral("out"))) throwUsage("--input and --out are required");
    bool ok = false;
    engine::SceneRunOptions options;
    options.maskRatio = cli.value(QStringLiteral("mask-ratio")).toDouble(&ok);
    if (!ok || options.maskRatio < 0 || options.maskRatio >= 1) throwUsage("--mask-ratio takes a number in [0, 1)");
    options.seed = uint64_t(cli.intValue(QStringLiteral("seed"), 0, 1LL << 62));
    const auto weights = loadWeights(cli);
    if (weights.config.decoderDepth == 0 || !weights.canonical.find("decoder.decoder_pred.weight"))
      throwBadInput("these weights hold no MAE decoder; reconstruction needs the full pretrained model");
    auto mae = model::buildModel(weights);
    const auto scenes = inputScenes(cli.parser().values(QStringLiteral("input")));
    const auto files = engine::reconstructScenes(*mae, scenes, cli.value(QStringLiteral("out")).toStdString(), options, &feedback);
    if (!cli.jsonEvents()) {
      for (const auto& file : files.reconstructions) printLine("wrote " + file);
      printLine("wrote " + files.mask);
    }
    return int(kOk);
  });
}

namespace {

// "a,b,c,d" as four numbers; Error(Usage) naming the option otherwise.
std::array<double, 4> fourNumbers(const QString& text, const char* option, const char* form) {
  const QStringList parts = text.split(QLatin1Char(','));
  std::array<double, 4> values{};
  bool ok = parts.size() == 4;
  for (int i = 0; ok && i < 4; ++i) values[size_t(i)] = parts[i].trimmed().toDouble(&ok);
  if (!ok) throwUsage(std::string("--") + option + " takes " + form + ", not '" + text.toStdString() + "'");
  return values;
}

// The registered version of `checkpoint` in the project, when it is one: the provenance items
// its class map carries, so a click on it shows the chain (the registry's model, labels, data).
std::optional<ModelVersion> registeredVersion(const QString& projectPath, const std::string& checkpoint) {
  if (projectPath.isEmpty()) return std::nullopt;
  auto project = ProjectStore::open(projectPath.toStdString());
  return ModelRegistry(*project).findBySha256(sha256OfFile(checkpoint));
}

// The scenes of --input and of --project with --scene, in date order (one per frame).
std::vector<Scene> inferenceScenes(CommandLine& cli) {
  const QStringList ids = cli.parser().values(QStringLiteral("scene"));
  if (!ids.isEmpty() && !cli.isSet(QStringLiteral("project"))) throwUsage("--scene needs --project P.gpkg");
  if (ids.isEmpty() && cli.isSet(QStringLiteral("project"))) throwUsage("--project needs --scene ID (one per date)");
  std::vector<Scene> scenes;
  if (cli.isSet(QStringLiteral("input"))) scenes = inputScenes(cli.parser().values(QStringLiteral("input")));
  if (!ids.isEmpty()) {
    const auto store = ProjectStore::open(cli.value(QStringLiteral("project")).toStdString());
    for (const QString& id : ids) {
      std::optional<Scene> scene = store->scene(id.toStdString());
      if (!scene) throwUsage("project " + store->path() + " has no scene " + id.toStdString() + " (see 'prithvi catalog')");
      if (!scene->hasPrithviBands())
        throwBadInput("scene " + scene->id + " lacks some of Prithvi's six bands (Blue, Green, Red, NIR, SWIR1, SWIR2)");
      scenes.push_back(std::move(*scene));
    }
    std::stable_sort(scenes.begin(), scenes.end(), [](const Scene& a, const Scene& b) { return a.acquired < b.acquired; });
  }
  if (scenes.empty()) throwUsage("give the scenes with --input PATH or --project P.gpkg --scene ID");
  return scenes;
}

}  // namespace

int commandSimilar(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("similar"),
                  QStringLiteral("How alike every 16-px patch of a scene is to a few example pixels: the cosine similarity "
                                 "(-1 .. 1) of Prithvi encoder embeddings, as a float32 GeoTIFF on the patch grid. The "
                                 "embeddings come from --weights, or from a file 'prithvi embed' wrote of the same scene "
                                 "(--embeddings), which makes a query take milliseconds."));
  addModelOptions(cli);
  cli.addOption({QStringLiteral("input")}, QStringLiteral("raster, granule or folder (repeat for the dates of multi-date models)"),
                QStringLiteral("path"));
  cli.addOption({QStringLiteral("project")}, QStringLiteral("project whose scene --scene names"), QStringLiteral("file.gpkg"));
  cli.addOption({QStringLiteral("scene")}, QStringLiteral("scene id in --project; without --project, a scene's path"),
                QStringLiteral("id|path"));
  cli.addOption({QStringLiteral("embeddings")}, QStringLiteral("the scene's embeddings, as 'prithvi embed' wrote them"),
                QStringLiteral("file"));
  cli.addOption({QStringLiteral("pixel")}, QStringLiteral("an example, in the scene's pixels (repeat for more)"), QStringLiteral("x,y"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("output GeoTIFF"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("batch")}, QStringLiteral("windows per forward pass"), QStringLiteral("n"), QStringLiteral("4"));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("similar", cli.jsonEvents(), [&](Feedback& feedback) {
    if (!cli.isSet(QStringLiteral("out")) || !cli.isSet(QStringLiteral("pixel")))
      throwUsage("--pixel x,y (one or more) and --out are required");
    if (!cli.isSet(QStringLiteral("weights")) && !cli.isSet(QStringLiteral("embeddings")))
      throwUsage("give --weights FILE to embed the scene, or --embeddings FILE that 'prithvi embed' wrote");
    const std::vector<Scene> scenes = cli.isSet(QStringLiteral("project")) || !cli.isSet(QStringLiteral("scene"))
                                          ? inferenceScenes(cli)
                                          : inputScenes(cli.parser().values(QStringLiteral("scene")));
    const Scene& scene = scenes.front();
    const std::string out = cli.value(QStringLiteral("out")).toStdString();
    refuseOutputOverSceneFiles(out, scenes, "the similarity map");
    std::vector<std::pair<int, int>> pixels;
    for (const QString& text : cli.parser().values(QStringLiteral("pixel"))) {
      const QStringList parts = text.split(QLatin1Char(','));
      bool okX = false, okY = false;
      const int x = parts.size() == 2 ? parts[0].trimmed().toInt(&okX) : 0, y = parts.size() == 2 ? parts[1].trimmed().toInt(&okY) : 0;
      if (!okX || !okY) throwUsage("--pixel takes x,y in the scene's pixels, not '" + text.toStdString() + "'");
      if (x < 0 || y < 0 || x >= scene.width || y >= scene.height)
        throwUsage("--pixel " + text.toStdString() + " lies outside scene " + scene.id + " (" + std::to_string(scene.width) +
                   "x" + std::to_string(scene.height) + " pixels)");
      pixels.emplace_back(x, y);
    }
    std::string embeddingsPath = cli.value(QStringLiteral("embeddings")).toStdString();
    std::optional<model::LoadedWeights> weights;
    if (cli.isSet(QStringLiteral("weights"))) weights = loadWeights(cli);
    QTemporaryDir scratch;
    if (embeddingsPath.empty()) {
      if (!scratch.isValid()) throwIo("cannot create a temporary folder for the embeddings");
      embeddingsPath = scratch.filePath(QStringLiteral("embedding.tif")).toStdString();
      auto mae = model::buildModel(*weights);
      engine::SceneRunOptions options;
      options.batch = int(cli.intValue(QStringLiteral("batch"), 1, 1024));
      engine::embedScenes(*mae->encoder, scenes, embeddingsPath, options, &feedback);
    }
    const auto source = RasterSource::open(embeddingsPath);
    const EmbeddingGrid grid = readEmbeddings(*source);
    // Embeddings of another scene or model would answer another question.
    if (!grid.source.empty() && grid.source != scene.id)
      throwBadInput(embeddingsPath + " describes scene " + grid.source + ", not " + scene.id + ": embed this scene");
    if (weights && !grid.model.empty() && grid.model != weights->config.name)
      throwBadInput(embeddingsPath + " was made by model " + grid.model + ", not by --weights (" + weights->config.name +
                    "): similarities of two models' features do not compare");
    std::vector<std::pair<int, int>> cells;
    std::string examples;
    for (const auto& [x, y] : pixels) {
      const MapPoint at = scene.geoTransform.pixelToMap(x + 0.5, y + 0.5);
      const auto cell = source->info().geoTransform.mapToPixel(at.x, at.y);
      if (!cell) throwBadInput(embeddingsPath + " has no usable georeferencing");
      cells.emplace_back(int(std::floor(cell->x)), int(std::floor(cell->y)));
      examples += (examples.empty() ? "" : ";") + std::to_string(x) + "," + std::to_string(y);
    }
    const std::vector<float> similarity = cosineSimilarity(grid, cells);
    RasterWriteOptions write;
    write.nodata = std::nan("");
    write.bandDescriptions = {"cosine similarity"};
    write.metadata = {{"PRITHVI_PRODUCT", "similarity"}, {"PRITHVI_MODEL", grid.model}, {"PRITHVI_SOURCE", scene.id},
                      {"PRITHVI_EXAMPLES", examples}};
    writeRaster(out, grid.width, grid.height, 1, DataType::Float32, similarity.data(), source->info().geoTransform,
                source->info().crsWkt, write);
    if (!cli.jsonEvents())
      printLine("wrote " + out + " (" + std::to_string(grid.width) + "x" + std::to_string(grid.height) + " patches, " +
                std::to_string(pixels.size()) + " example(s))");
    return int(kOk);
  });
}

int commandInfer(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("infer"),
                  QStringLiteral("Run a trained model over whole scenes (or a region of them) in blended sliding windows "
                                 "and write a COG on the input's grid:\n"
                                 "  segmentation checkpoints: a class map with the scheme's colours (--output classes, the "
                                 "default), the class probabilities (--output probabilities) or where the model is unsure "
                                 "(--output uncertainty: band 1 the entropy of the probabilities over ln(classes), band 2 "
                                 "the top-1 minus top-2 probability, both 0..1);\n"
                                 "  MAE checkpoints (task cloud_gap or pretrain, or released Prithvi weights with their "
                                 "decoder): the cloud-gap filled image of one date (--output filled, the default): Fmask "
                                 "cloud and shadow are hidden from the model and reconstructed, clear pixels are kept; "
                                 "6 bands Blue..SWIR2, Int16 HLS values (scale 0.0001, nodata -9999).\n"
                                 "Dates go in date order, one per frame the model takes."));
  cli.addOption({QStringLiteral("model")}, QStringLiteral("checkpoint (a run's checkpoints/best.safetensors)"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("input")}, QStringLiteral("raster, granule or folder (repeat for the dates of multi-date models)"), QStringLiteral("path"));
  cli.addOption({QStringLiteral("project")}, QStringLiteral("project whose scenes --scene names"), QStringLiteral("file.gpkg"));
  cli.addOption({QStringLiteral("scene")}, QStringLiteral("scene id in --project (repeat for the dates)"), QStringLiteral("id"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("output GeoTIFF (COG)"), QStringLiteral("file"));
  cli.addOption({QStringLiteral("bbox")},
                QStringLiteral("only this box, in the scene's CRS (snapped outward to whole pixels, clipped to the scene)"),
                QStringLiteral("minx,miny,maxx,maxy"));
  cli.addOption({QStringLiteral("region")}, QStringLiteral("only these pixels of the scene (column, row, width, height)"),
                QStringLiteral("x,y,w,h"));
  cli.addOption({QStringLiteral("window")},
                QStringLiteral("window size in pixels (default: the training chip size); four numbers x,y,w,h are a "
                               "--region instead"),
                QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("overlap")}, QStringLiteral("share of a window its neighbour repeats"), QStringLiteral("f"), QStringLiteral("0.25"));
  cli.addOption({QStringLiteral("blend")}, QStringLiteral("cosine, gaussian or none"), QStringLiteral("blend"), QStringLiteral("cosine"));
  cli.addOption({QStringLiteral("output")},
                QStringLiteral("classes, probabilities, uncertainty or filled (default: classes for segmentation models, "
                               "filled for MAEs)"),
                QStringLiteral("kind"));
  cli.addOption({QStringLiteral("frame")},
                QStringLiteral("filled: the date whose gaps are filled, by its position in date order (0-based) or its "
                               "scene id (default: the first date, the anchor of cloud-gap training chips)"),
                QStringLiteral("k|id"), QStringLiteral("-1"));
  cli.addOption({QStringLiteral("mask-clouds")}, QStringLiteral("classes/probabilities/uncertainty: no prediction under Fmask cloud and cloud shadow"));
  cli.addOption({QStringLiteral("clean-open")},
                QStringLiteral("classes: remove specks and lines thinner than this radius in pixels (morphological opening)"),
                QStringLiteral("px"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("clean-close")},
                QStringLiteral("classes: close gaps narrower than this radius in pixels where the opening or region size "
                               "removed classes"),
                QStringLiteral("px"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("clean-min-region")},
                QStringLiteral("classes: regions of one class smaller than this many pixels take the nearest class"),
                QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("batch")}, QStringLiteral("windows per forward pass"), QStringLiteral("n"), QStringLiteral("4"));
  cli.addOption({QStringLiteral("device")}, QStringLiteral("auto, cpu or cuda"), QStringLiteral("device"), QStringLiteral("auto"));
  cli.addOption({QStringLiteral("threads")}, QStringLiteral("CPU threads (default: the physical cores)"), QStringLiteral("n"), QStringLiteral("0"));
  cli.addOption({QStringLiteral("force")},
                QStringLiteral("allow --out in the folder of an input scene (never onto an input file)"));
  cli.addOption({QStringLiteral("precision")},
                QStringLiteral("fp32 (default), bf16 (CPUs with AVX512_BF16 or AMX, and GPUs) or int8 (CPU, dynamic "
                               "quantisation of the transformer's Linear layers): faster, slightly less exact"),
                QStringLiteral("p"), QStringLiteral("fp32"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("infer", cli.jsonEvents(), [&](Feedback& feedback, JobEventWriter* events) {
    if (!cli.isSet(QStringLiteral("model")) || !cli.isSet(QStringLiteral("out")))
      throwUsage("--model and --out are required, with --input PATH or --project P.gpkg --scene ID");
    engine::InferenceOptions options;
    std::optional<QString> regionText;
    if (cli.isSet(QStringLiteral("region"))) regionText = cli.value(QStringLiteral("region"));
    if (cli.value(QStringLiteral("window")).contains(QLatin1Char(','))) {
      if (regionText) throwUsage("give the pixel region once (--region or --window x,y,w,h)");
      regionText = cli.value(QStringLiteral("window"));
    } else {
      options.window = int(cli.intValue(QStringLiteral("window"), 0, 8192));
    }
    if (regionText && cli.isSet(QStringLiteral("bbox"))) throwUsage("give --bbox or a pixel region, not both");
    options.overlap = cli.doubleValue(QStringLiteral("overlap"), 0, 0.9);
    options.blend = cli.value(QStringLiteral("blend")).toStdString();
    options.output = cli.value(QStringLiteral("output")).toStdString();
    options.maskClouds = cli.isSet(QStringLiteral("mask-clouds"));
    options.cleanup.openRadius = int(cli.intValue(QStringLiteral("clean-open"), 0, 64));
    options.cleanup.closeRadius = int(cli.intValue(QStringLiteral("clean-close"), 0, 64));
    options.cleanup.minRegionPixels = int(cli.intValue(QStringLiteral("clean-min-region"), 0, 100000000));
    options.batch = int(cli.intValue(QStringLiteral("batch"), 1, 1024));
    options.device = cli.value(QStringLiteral("device")).toStdString();
    options.threads = model::defaultCpuThreads(int(cli.intValue(QStringLiteral("threads"), 0, 1024)));
    options.precision = model::parsePrecision(cli.value(QStringLiteral("precision")).toStdString());
    options.outputBesideInputs = cli.isSet(QStringLiteral("force"));
    const auto scenes = inferenceScenes(cli);
    // --frame: a position in date order, or the id of one of the dates.
    const QString frame = cli.value(QStringLiteral("frame"));
    bool number = false;
    options.frame = frame.toInt(&number);
    if (!number) {
      const auto found = std::find_if(scenes.begin(), scenes.end(), [&](const Scene& s) { return s.id == frame.toStdString(); });
      if (found == scenes.end()) throwUsage("--frame " + frame.toStdString() + ": no such date among the scenes given");
      options.frame = int(found - scenes.begin());
    } else if (options.frame < -1) {
      throwUsage("--frame takes a date's position (0 = the first date) or its scene id");
    }
    if (regionText) {
      const std::array<double, 4> v = fourNumbers(*regionText, "region", "four whole numbers x,y,w,h (pixels)");
      for (double value : v)
        if (value != std::floor(value) || std::abs(value) > 1e9) throwUsage("--region takes whole pixel numbers x,y,w,h");
      options.region = Window{int(v[0]), int(v[1]), int(v[2]), int(v[3])};
    } else if (cli.isSet(QStringLiteral("bbox"))) {
      const std::array<double, 4> v =
          fourNumbers(cli.value(QStringLiteral("bbox")), "bbox", "four numbers minx,miny,maxx,maxy in the scene's CRS");
      options.region = engine::pixelWindowOfBox(scenes.front(), v[0], v[1], v[2], v[3]);
    }
    const std::string model = cli.value(QStringLiteral("model")).toStdString();
    const std::optional<ModelVersion> registered = registeredVersion(cli.value(QStringLiteral("project")), model);
    MapProvenance provenance;
    if (registered) {
      provenance.product = "class_map";
      provenance.modelVersion = registered->id;
      provenance.modelSha256 = registered->sha256;
      provenance.region = registered->region;
      provenance.year = registered->year;
      provenance.labelSetVersion = registered->lineage.labelSetVersion;
      provenance.datasetHash = registered->lineage.datasetHash;
      options.metadata = modelProvenanceItems(provenance);
    }
    const engine::InferenceResult result =
        engine::inferScenes(model, scenes, cli.value(QStringLiteral("out")).toStdString(), options, &feedback);
    if (registered) {
      auto project = ProjectStore::open(cli.value(QStringLiteral("project")).toStdString());
      MapProduct product;
      product.path = result.path;
      product.kind = result.artifactKind;
      product.version = registered->id;
      product.region = registered->region;
      product.year = registered->year;
      for (const Scene& scene : scenes) product.granules.push_back(scene.id);
      product.fmaskPolicy = readMapProvenance(result.path).value_or(MapProvenance{}).fmaskPolicy;
      product.labelSetVersion = registered->lineage.labelSetVersion;
      ModelRegistry(*project).addMapProduct(product);
    }
    if (events) events->artifact(result.path, result.artifactKind);
    if (cli.json()) {
      QJsonArray names;
      for (const auto& name : result.classNames) names.append(qs(name));
      const QJsonArray region{result.region.x, result.region.y, result.region.width, result.region.height};
      QJsonObject summary{{QStringLiteral("path"), qs(result.path)},
                          {QStringLiteral("kind"), qs(result.artifactKind)},
                          {QStringLiteral("task"), qs(result.task)},
                          {QStringLiteral("region"), region},
                          {QStringLiteral("width"), result.width},
                          {QStringLiteral("height"), result.height},
                          {QStringLiteral("windows"), double(result.windows)},
                          {QStringLiteral("predicted_pixels"), double(result.predictedPixels)},
                          {QStringLiteral("cleaned_pixels"), double(result.cleanedPixels)},
                          {QStringLiteral("classes"), names}};
      if (result.output == "filled") {
        summary[QStringLiteral("frame")] = result.frame;
        summary[QStringLiteral("filled_pixels")] = double(result.filledPixels);
      }
      printJson(summary);
    } else if (!cli.jsonEvents()) {
      printLine("wrote " + result.path + " (" + result.artifactKind + ", " + std::to_string(result.width) + "x" +
                std::to_string(result.height) + ", " + std::to_string(result.windows) + " windows, " +
                (result.output == "filled" ? std::to_string(result.filledPixels) + " pixels filled"
                                           : std::to_string(result.predictedPixels) + " pixels predicted") +
                ")");
    }
    return int(kOk);
  });
}

}  // namespace prithvi::cli
