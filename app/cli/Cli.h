#pragma once
// Subcommands of the `prithvi` CLI and what they share: exit codes, option parsing, output,
// and running a long job with a progress bar or JSON Lines events.

#include <functional>
#include <vector>
#include <string>

#include <QCommandLineParser>
#include <QJsonValue>
#include <QStringList>

namespace prithvi {
struct DatasetBuildOptions;
namespace engine {
struct TrainOptions;
}
class Feedback;
class JobEventWriter;
class ProjectStore;
}

namespace prithvi::cli {

// kPartial: the command did its work on the usable inputs but left some out, each reported with
// the reason (an import with a broken granule among good ones).
enum ExitCode { kOk = 0, kFailure = 1, kUsage = 2, kBadInput = 3, kPartial = 4, kCanceled = 130 };

int run(const QStringList& arguments);

// A subcommand's parser: adds --help; parse() prints help or the usage error itself.
class CommandLine {
 public:
  CommandLine(const QString& command, const QString& description);
  QCommandLineParser& parser() { return mParser; }
  const QCommandLineParser& parser() const { return mParser; }
  void addPositional(const QString& name, const QString& description, const QString& syntax = {});
  void addOption(const QStringList& names, const QString& description, const QString& valueName = {},
                 const QString& defaultValue = {});
  void addJsonOption();
  void addEventsOption();
  // Returns an exit code when the command must stop here (help shown: 0, bad usage: 2).
  std::optional<int> parse(const QStringList& arguments, int minPositional, int maxPositional = -1);
  bool json() const { return mParser.isSet(QStringLiteral("json")); }
  bool jsonEvents() const;
  QString value(const QString& name) const { return mParser.value(name); }
  bool isSet(const QString& name) const { return mParser.isSet(name); }
  QStringList positional() const { return mParser.positionalArguments(); }
  // An integer option in [min, max]; throws Error(Usage) naming the option otherwise.
  long long intValue(const QString& name, long long min, long long max) const;
  // A number option in [min, max]; throws Error(Usage) naming the option otherwise.
  double doubleValue(const QString& name, double min, double max) const;

 private:
  QString mCommand;
  QCommandLineParser mParser;
  bool mHasEvents = false;
};

// Runs `work` with a Feedback: a progress bar on a terminal, JSON Lines events with
// --events jsonl, cancel on Ctrl-C/SIGTERM. Maps errors to exit codes and one-line messages.
int runJob(const std::string& job, bool jsonEvents, const std::function<int(Feedback&)>& work);
// The same, for jobs that write their own events (metrics, artifacts) to the writer; it is
// null unless --events jsonl was given.
int runJob(const std::string& job, bool jsonEvents, const std::function<int(Feedback&, JobEventWriter*)>& work);
// Maps errors of quick commands to exit codes and one-line messages.
int runCommand(const std::function<int()>& work);

void printJson(const QJsonValue& value);
void printLine(const std::string& text);
void printError(const std::string& text);

// A command made of actions ("labels list", "export map"): usage with --help or nothing, the
// action's handler otherwise, exit code 2 for an unknown action.
struct Action {
  const char* name;
  int (*handler)(const QStringList&);
  const char* summary;
};
// `synopsis` follows "usage: prithvi ": "labels <action> PROJECT [options]".
int runAction(const char* command, const char* synopsis, const std::vector<Action>& actions, const QStringList& arguments);
// Why using an opened project may be unsafe (network filesystem, ...), on stderr.
void printStoreWarnings(const ProjectStore& store);

// The training hyperparameters every training command takes (--preset, --model, --weights,
// --steps, --batch, --lr, ...; not --data, --run), and reading them into `options`.
void addTrainingHyperparameters(CommandLine& cli);
// The chip and split options of dataset builds (--chip, --min-labelled, --max-cloud, --block,
// --val, --test), and reading them into `options`.
void addChipAndSplitOptions(CommandLine& cli);
void readChipAndSplitOptions(const CommandLine& cli, DatasetBuildOptions& options);
void readTrainingHyperparameters(const CommandLine& cli, engine::TrainOptions& options);

int commandInfo(const QStringList& arguments);
int commandSynth(const QStringList& arguments);
int commandProject(const QStringList& arguments);
int commandImport(const QStringList& arguments);
int commandSearch(const QStringList& arguments);
int commandFetch(const QStringList& arguments);
int commandCatalog(const QStringList& arguments);
int commandOverviews(const QStringList& arguments);
int commandDemo(const QStringList& arguments);
int commandTimeSeries(const QStringList& arguments);
int commandCube(const QStringList& arguments);
int commandWeights(const QStringList& arguments);
int commandModel(const QStringList& arguments);
int commandEmbed(const QStringList& arguments);
int commandSimilar(const QStringList& arguments);
int commandReconstruct(const QStringList& arguments);
int commandLabels(const QStringList& arguments);
int commandDataset(const QStringList& arguments);
int commandFinetune(const QStringList& arguments);
int commandPretrain(const QStringList& arguments);
int commandEvaluate(const QStringList& arguments);
int commandExperiment(const QStringList& arguments);
int commandLaunch(const QStringList& arguments);
int commandJobs(const QStringList& arguments);
int commandModels(const QStringList& arguments);
int commandPipeline(const QStringList& arguments);
int commandInfer(const QStringList& arguments);
int commandExport(const QStringList& arguments);
int commandSystem(const QStringList& arguments);

}  // namespace prithvi::cli
