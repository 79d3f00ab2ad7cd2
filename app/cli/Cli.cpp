#include "app/cli/Cli.h"

#include <c10/util/Exception.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/base/BuildInfo.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/base/JobEvents.h"
#include "core/project/ProjectStore.h"

namespace prithvi::cli {

namespace {

struct Subcommand {
  const char* name;
  int (*handler)(const QStringList&);
  const char* summary;
};

const Subcommand kSubcommands[] = {
    {"info", commandInfo, "describe a raster, an HLS granule or a folder of scenes"},
    {"synth", commandSynth, "generate synthetic data (synth hls: an HLS tile time series)"},
    {"project", commandProject, "create a project (project create FILE.gpkg)"},
    {"search", commandSearch, "find HLS granules at NASA (CMR-STAC) or another STAC API"},
    {"fetch", commandFetch, "download found HLS granules and add them to a project"},
    {"import", commandImport, "import granules and rasters into a project"},
    {"catalog", commandCatalog, "list a project's tiles, dates and scenes"},
    {"overviews", commandOverviews, "build overviews of a raster"},
    {"timeseries", commandTimeSeries, "one pixel through every date of its tile"},
    {"cube", commandCube, "stack a tile's granules into a Zarr cube (cube build)"},
    {"weights", commandWeights, "inspect or convert Prithvi checkpoints (nothing in them is executed)"},
    {"model", commandModel, "one MAE forward pass on a safetensors input (model forward)"},
    {"embed", commandEmbed, "Prithvi encoder features of a scene, as a GeoTIFF"},
    {"similar", commandSimilar, "how alike every patch of a scene is to example pixels (embedding cosine similarity)"},
    {"reconstruct", commandReconstruct, "mask a scene and reconstruct it with the MAE"},
    {"labels", commandLabels, "list, create, review, export and import label sets"},
    {"dataset", commandDataset, "export training chips from validated labels into a Zarr store (dataset build)"},
    {"finetune", commandFinetune, "fine-tune Prithvi on a segmentation task"},
    {"pretrain", commandPretrain, "pretrain the Prithvi masked autoencoder"},
    {"evaluate", commandEvaluate, "accuracy of a checkpoint on a dataset split, or of a class raster"},
    {"infer", commandInfer, "run a fine-tuned model over whole scenes (class map, probabilities or uncertainty)"},
    {"export", commandExport, "a map as PNG, PDF, SVG or GeoTIFF, or a class map's polygons (export map|polygons)"},
    {"experiment", commandExperiment, "pretrained vs random init; data efficiency; active learning (tables and plots)"},
    {"launch", commandLaunch, "run a command as a job: local ranks, SSH, Slurm or Kubernetes"},
    {"jobs", commandJobs, "a project's jobs: list, show, logs, cancel, retry, wait"},
    {"models", commandModels, "the model registry: versions, aliases, promote, roll back, model cards, map provenance"},
    {"pipeline", commandPipeline, "the annual pipeline of a region: labels, dataset, fine-tune, gate, annual map"},
    {"demo", commandDemo, "create the demo project from the sample data"},
    {"system", commandSystem, "the BLAS, threads and processor features the model runs on; precisions available"},
};

std::atomic<Feedback*> gRunningFeedback{nullptr};

extern "C" void cancelOnSignal(int signal) {
  if (Feedback* feedback = gRunningFeedback.load()) feedback->cancel();
  std::signal(signal, SIG_DFL);  // a second Ctrl-C ends the process at once
}

void printUsage() {
  std::string text = "usage: prithvi <command> [options]\n\ncommands:\n";
  for (const auto& command : kSubcommands) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s %s\n", command.name, command.summary);
    text += line;
  }
  text += "\n'prithvi <command> --help' describes a command.\n"
          "exit codes: 0 success, 1 failure, 2 usage error, 3 bad input, 130 canceled\n";
  std::fputs(text.c_str(), stdout);
}

int exitCodeOf(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::Usage: return kUsage;
    case ErrorKind::BadInput: return kBadInput;
    case ErrorKind::Io: return kFailure;
    case ErrorKind::Canceled: return kCanceled;
  }
  return kFailure;
}

// One line of progress on a terminal, redrawn in place.
void drawProgressBar(int64_t step, int64_t total, const std::string& message) {
  const int width = 30;
  const double fraction = total > 0 ? double(step) / double(total) : 0;
  const int filled = int(fraction * width);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r[%s] %3d%% %-40.40s", bar.c_str(), int(fraction * 100), message.c_str());
  if (step >= total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

CommandLine::CommandLine(const QString& command, const QString& description) : mCommand(command) {
  mParser.setApplicationDescription(description);
  mParser.addHelpOption();
}

void CommandLine::addPositional(const QString& name, const QString& description, const QString& syntax) {
  mParser.addPositionalArgument(name, description, syntax);
}

void CommandLine::addOption(const QStringList& names, const QString& description, const QString& valueName,
                            const QString& defaultValue) {
  mParser.addOption(QCommandLineOption(names, description, valueName, defaultValue));
}

void CommandLine::addJsonOption() { addOption({QStringLiteral("json")}, QStringLiteral("print JSON")); }

void CommandLine::addEventsOption() {
  mHasEvents = true;
  addOption({QStringLiteral("events")},
            QStringLiteral("'jsonl': print job events as JSON Lines instead of a progress bar"),
            QStringLiteral("format"));
}

bool CommandLine::jsonEvents() const {
  return mHasEvents && mParser.isSet(QStringLiteral("events")) && mParser.value(QStringLiteral("events")) == QStringLiteral("jsonl");
}

std::optional<int> CommandLine::parse(const QStringList& arguments, int minPositional, int maxPositional) {
  QStringList withProgram = arguments;
  withProgram.prepend(QStringLiteral("prithvi ") + mCommand);
  if (!mParser.parse(withProgram)) {
    printError(mParser.errorText().toStdString() + " (see 'prithvi " + mCommand.toStdString() + " --help')");
    return kUsage;
  }
  if (mParser.isSet(QStringLiteral("help"))) {
    std::fputs(mParser.helpText().toStdString().c_str(), stdout);
    return kOk;
  }
  if (mHasEvents && mParser.isSet(QStringLiteral("events")) && !jsonEvents()) {
    printError("--events takes 'jsonl'");
    return kUsage;
  }
  const int count = int(mParser.positionalArguments().size());
  if (count < minPositional || (maxPositional >= 0 && count > maxPositional)) {
    printError("wrong number of arguments (see 'prithvi " + mCommand.toStdString() + " --help')");
    return kUsage;
  }
  return std::nullopt;
}

double CommandLine::doubleValue(const QString& name, double min, double max) const {
  bool ok = false;
  const double value = mParser.value(name).toDouble(&ok);
  if (!ok || !(value >= min && value <= max))
    throwUsage("--" + name.toStdString() + " takes a number from " + std::to_string(min) + " to " + std::to_string(max) +
               ", not '" + mParser.value(name).toStdString() + "'");
  return value;
}

long long CommandLine::intValue(const QString& name, long long min, long long max) const {
  bool ok = false;
  const long long value = mParser.value(name).toLongLong(&ok);
  if (!ok || value < min || value > max)
    throwUsage("--" + name.toStdString() + " takes a whole number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", not '" + mParser.value(name).toStdString() + "'");
  return value;
}

int runCommand(const std::function<int()>& work) {
  try {
    return work();
  } catch (const Error& error) {
    printError(error.what());
    return exitCodeOf(error);
  } catch (const c10::Error& error) {
    // LibTorch's own message carries a C++ backtrace ("frame #0 ..."), which says nothing to a user.
    std::string message = error.what_without_backtrace();
    message = message.substr(0, message.find('\n'));
    printError("the model library failed: " + message +
               " (the checkpoint or its config does not fit this input; please report it if they should)");
    return kFailure;
  } catch (const std::exception& error) {
    printError(std::string("internal error: ") + error.what());
    return kFailure;
  }
}

int runJob(const std::string& job, bool jsonEvents, const std::function<int(Feedback&)>& work) {
  return runJob(job, jsonEvents, [&](Feedback& feedback, JobEventWriter*) { return work(feedback); });
}

int runJob(const std::string& job, bool jsonEvents, const std::function<int(Feedback&, JobEventWriter*)>& work) {
  Feedback feedback;
  JobEventWriter events(stdout, job);
  if (jsonEvents) {
    events.attach(feedback);
    events.started();
  } else if (isatty(STDERR_FILENO)) {
    feedback.setProgressCallback(drawProgressBar);
  }
  gRunningFeedback.store(&feedback);
  std::signal(SIGINT, cancelOnSignal);
  std::signal(SIGTERM, cancelOnSignal);
  const int code = runCommand([&] {
    try {
      return work(feedback, jsonEvents ? &events : nullptr);
    } catch (const Error& error) {
      if (jsonEvents) events.finished(error.kind() == ErrorKind::Canceled ? "canceled" : "failed", error.what());
      throw;
    }
  });
  gRunningFeedback.store(nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (jsonEvents && code == kOk) events.finished("ok");
  if (jsonEvents && code == kPartial) events.finished("ok", "some inputs were left out (see the log)");
  return code;
}

void printJson(const QJsonValue& value) {
  const QJsonDocument document = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
  std::fputs(document.toJson(QJsonDocument::Indented).toStdString().c_str(), stdout);
}

void printLine(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
}

void printError(const std::string& text) { std::fprintf(stderr, "prithvi: %s\n", text.c_str()); }

int runAction(const char* command, const char* synopsis, const std::vector<Action>& actions, const QStringList& arguments) {
  if (arguments.isEmpty() || arguments[0] == QStringLiteral("--help") || arguments[0] == QStringLiteral("-h")) {
    std::string text = std::string("usage: prithvi ") + synopsis + "\n\nactions:\n";
    for (const Action& action : actions) {
      char line[200];
      std::snprintf(line, sizeof line, "  %-12s %s\n", action.name, action.summary);
      text += line;
    }
    text += std::string("\n'prithvi ") + command + " <action> --help' describes an action.\n";
    std::fputs(text.c_str(), stdout);
    return arguments.isEmpty() ? kUsage : kOk;
  }
  for (const Action& action : actions)
    if (arguments[0] == QLatin1String(action.name)) return action.handler(arguments.mid(1));
  printError("unknown " + std::string(command) + " action '" + arguments[0].toStdString() + "' (see 'prithvi " +
             command + " --help')");
  return kUsage;
}

void printStoreWarnings(const ProjectStore& store) {
  for (const auto& warning : store.warnings()) printError("warning: " + warning);
}

int run(const QStringList& arguments) {
  if (arguments.size() < 2 || arguments[1] == QStringLiteral("--help") || arguments[1] == QStringLiteral("-h") ||
      arguments[1] == QStringLiteral("help")) {
    printUsage();
    return arguments.size() < 2 ? kUsage : kOk;
  }
  if (arguments[1] == QStringLiteral("--version")) {
    printLine(versionReport("prithvi"));
    return kOk;
  }
  const QStringList rest = arguments.mid(2);
  for (const auto& command : kSubcommands)
    if (arguments[1] == QLatin1String(command.name)) return command.handler(rest);
  printError("unknown command '" + arguments[1].toStdString() + "' (see 'prithvi --help')");
  return kUsage;
}

}  // namespace prithvi::cli
