// prithvi info, prithvi overviews
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include "app/cli/Cli.h"
#include "app/cli/Format.h"
#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/Overviews.h"
#include "core/scene/SceneScanner.h"

namespace prithvi::cli {

namespace {

int describeScenes(const ScanResult& result, bool json) {
  if (json) {
    printJson(scanResultJson(result));
  } else {
    for (const auto& scene : result.scenes) std::fputs(sceneText(scene).c_str(), stdout);
    std::fputs(skippedText(result).c_str(), stdout);
  }
  if (result.scenes.empty()) {
    printError("no scene found" + (result.skipped.empty() ? std::string() : ": " + result.skipped.front().reason));
    return kBadInput;
  }
  return kOk;
}

}  // namespace

int commandInfo(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("info"),
                  QStringLiteral("Describe a raster file, an HLS granule (DIR/HLS.<sensor>.<tile>.<date>.v2.0) or "
                                 "the scenes in a folder."));
  cli.addPositional(QStringLiteral("path"), QStringLiteral("raster file, granule id path, or folder"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  const QString path = cli.positional().front();
  return runCommand([&] {
    const QFileInfo info(path);
    if (info.isDir() || !info.exists()) return describeScenes(scanForScenes({path.toStdString()}), cli.json());
    const auto raster = RasterSource::open(path.toStdString());
    std::string whyNotHls;
    const auto hlsName = HlsFileName::parse(info.fileName().toStdString(), &whyNotHls);
    if (cli.json()) {
      QJsonObject object = rasterInfoJson(raster->info());
      if (hlsName)
        object[QStringLiteral("hls")] = QJsonObject{
            {QStringLiteral("granule"), QString::fromStdString(hlsName->granuleId())},
            {QStringLiteral("sensor"), QString::fromLatin1(hlsSensorName(hlsName->sensor))},
            {QStringLiteral("tile"), QString::fromStdString(hlsName->tile)},
            {QStringLiteral("acquired"), QString::fromStdString(isoDate(hlsName->acquired))},
            {QStringLiteral("band"), QString::fromStdString(hlsName->band)},
            {QStringLiteral("role"), QString::fromLatin1(bandRoleName(hlsBandRole(hlsName->sensor, hlsName->band)))}};
      printJson(object);
    } else {
      std::string text = rasterInfoText(raster->info());
      if (hlsName)
        text += "  hls      " + hlsName->granuleId() + ", band " + hlsName->band + " (" +
                bandRoleName(hlsBandRole(hlsName->sensor, hlsName->band)) + "), acquired " +
                isoDate(hlsName->acquired) + "\n";
      std::fputs(text.c_str(), stdout);
    }
    return int(kOk);
  });
}

int commandOverviews(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("overviews"),
                  QStringLiteral("Build overviews (averaged, halving until under 256 px) so zoomed-out views read little. "
                                 "By default they go to a .ovr file beside the raster."));
  cli.addPositional(QStringLiteral("raster"), QStringLiteral("raster file"));
  cli.addOption({QStringLiteral("internal")},
                QStringLiteral("write the overviews into the file (GeoTIFF) instead of a .ovr beside it"));
  cli.addEventsOption();
  if (auto code = cli.parse(arguments, 1, 1)) return *code;
  const std::string path = cli.positional().front().toStdString();
  return runJob("overviews", cli.jsonEvents(), [&](Feedback& feedback) {
    const auto factors = buildOverviews(path, &feedback,
                                        cli.isSet(QStringLiteral("internal")) ? OverviewPlacement::Internal
                                                                              : OverviewPlacement::External);
    std::string list;
    for (int f : factors) list += " " + std::to_string(f);
    if (!cli.jsonEvents()) printLine(factors.empty() ? path + ": small enough, no overviews needed"
                                                     : path + ": overviews built at factors" + list);
    return int(kOk);
  });
}

}  // namespace prithvi::cli
