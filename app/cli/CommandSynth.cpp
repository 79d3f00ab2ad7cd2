// prithvi synth hls, prithvi demo
#include <QJsonArray>
#include <QJsonObject>

#include "app/cli/Cli.h"
#include "core/base/Assets.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/DemoProject.h"
#include "core/synth/HlsSynth.h"

namespace prithvi::cli {

int commandSynth(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("synth"),
                  QStringLiteral("Generate synthetic data.\n  hls   a deterministic HLS v2.0 time series of one MGRS "
                                 "tile, with truth masks (water, burn scar, crops) in OUT/truth"));
  cli.addPositional(QStringLiteral("kind"), QStringLiteral("hls"));
  cli.addOption({QStringLiteral("tile")}, QStringLiteral("MGRS tile, e.g. T13REN"), QStringLiteral("tile"), QStringLiteral("T13REN"));
  cli.addOption({QStringLiteral("dates")}, QStringLiteral("number of acquisitions (1-1000)"), QStringLiteral("n"), QStringLiteral("12"));
  cli.addOption({QStringLiteral("size")}, QStringLiteral("pixels per side at 30 m (16-3660)"), QStringLiteral("px"), QStringLiteral("3660"));
  cli.addOption({QStringLiteral("seed")}, QStringLiteral("random seed"), QStringLiteral("k"), QStringLiteral("1"));
  cli.addOption({QStringLiteral("year")}, QStringLiteral("year of the acquisitions"), QStringLiteral("yyyy"), QStringLiteral("2021"));
  cli.addOption({QStringLiteral("out")}, QStringLiteral("output folder"), QStringLiteral("dir"));
  cli.addJsonOption();
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  if (cli.positional().front() != QStringLiteral("hls")) {
    printError("unknown kind '" + cli.positional().front().toStdString() + "'; use 'prithvi synth hls'");
    return kUsage;
  }
  if (!cli.isSet(QStringLiteral("out"))) {
    printError("--out DIR is required");
    return kUsage;
  }
  return runJob("synth", cli.jsonEvents(), [&](Feedback& feedback) {
    HlsSynthOptions options;
    options.tile = cli.value(QStringLiteral("tile")).toStdString();
    options.dates = int(cli.intValue(QStringLiteral("dates"), 1, 1000));
    options.size = int(cli.intValue(QStringLiteral("size"), 16, 3660));
    options.seed = uint64_t(cli.intValue(QStringLiteral("seed"), 0, (1LL << 62)));
    options.year = int(cli.intValue(QStringLiteral("year"), 1980, 2100));
    options.outDir = cli.value(QStringLiteral("out")).toStdString();
    const HlsSynthResult result = synthesizeHlsTile(options, &feedback);
    if (cli.json()) {
      QJsonArray granules, files;
      for (const auto& id : result.granuleIds) granules.append(QString::fromStdString(id));
      for (const auto& file : result.files) files.append(QString::fromStdString(file));
      QJsonObject object;
      object[QStringLiteral("granules")] = granules;
      object[QStringLiteral("files")] = files;
      object[QStringLiteral("truth_dir")] = QString::fromStdString(result.truthDir);
      printJson(object);
    } else if (!cli.jsonEvents()) {
      printLine("wrote " + std::to_string(result.granuleIds.size()) + " granule(s), " +
                std::to_string(result.files.size()) + " file(s) to " + options.outDir + "; truth masks in " +
                result.truthDir);
    }
    return int(kOk);
  });
}

int commandDemo(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("demo"),
                  QStringLiteral("Create (first run) the demo project: the Debian-shipped Landsat samples and a "
                                 "synthetic HLS tile time series. Prints the project's path."));
  cli.addOption({QStringLiteral("dir")}, QStringLiteral("demo folder"), QStringLiteral("dir"),
                QString::fromStdString(defaultDemoDir()));
  cli.addOption({QStringLiteral("samples")}, QStringLiteral("folder of the unpacked Landsat samples"),
                QStringLiteral("dir"), QString::fromStdString(defaultSamplesDir()));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runJob("demo", cli.jsonEvents(), [&](Feedback& feedback) {
    DemoOptions options;
    options.dir = cli.value(QStringLiteral("dir")).toStdString();
    options.sampleDir = cli.value(QStringLiteral("samples")).toStdString();
    if (!cli.jsonEvents())
      feedback.setLogCallback([](const std::string& level, const std::string& text) { printError(level + ": " + text); });
    const std::string project = ensureDemoProject(options, &feedback);
    printLine(project);
    return int(kOk);
  });
}

}  // namespace prithvi::cli
