#include "core/stac/GranuleFetch.h"

#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QUrl>
#include <algorithm>
#include <map>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/project/ProjectStore.h"
#include "core/raster/RemoteRasters.h"
#include "core/stac/EarthdataToken.h"
#include "core/stac/PlanetarySas.h"

namespace prithvi {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

// The file a band's href becomes in `folder`: the href's own file name, which must be the
// granule's ("HLS.S30.T10TEK.2021122T185911.v2.0.B04.tif"); anything else is refused rather than
// written under a name the server chose.
std::string localPathFor(const StacGranule& granule, const std::string& code, const QDir& folder) {
  const auto href = granule.bandHrefs.find(code);
  if (href == granule.bandHrefs.end())
    throwBadInput("granule " + granule.id + " has no " + code + " asset; fetch it with all bands or leave it out");
  const QString name = QFileInfo(QUrl(qs(href->second)).path()).fileName();
  if (!name.startsWith(qs(granule.id) + QLatin1Char('.')) || !name.endsWith(QLatin1String(".tif"), Qt::CaseInsensitive) ||
      name.contains(QLatin1Char('/')))
    throwBadInput("the " + code + " asset of " + granule.id + " is not a file of that granule: " + href->second);
  return folder.filePath(name).toStdString();
}

// One small request (the first byte) to a band file, as it will be read: a missing or refused
// Earthdata login fails here with what to do. Other failures are left to the import to report.
void checkDataAccess(const std::string& href, const FetchOptions& options, Feedback* feedback) {
  const bool planetary = needsPlanetarySas(href);
  HttpRequest request;
  request.url = QUrl(qs(signPlanetaryUrl(href, feedback)));
  request.headers = {{"Range", "bytes=0-0"}, {"Accept", "*/*"}};
  if (!planetary) {
    request.hostOnlyHeaders = bearerHeaders(options.earthdataToken);
    request.refusedHint = earthdataRefusedHint(options.earthdataToken.has_value(), options.tokenAdvice);
  }
  request.service = planetary ? "Planetary Computer's storage" : "the data host";
  QNetworkAccessManager network;
  sendWithRetries(network, request, options.retry, feedback);
}

// Scenes the project streams whose band files were just downloaded read the copies from now on.
std::vector<std::string> switchToDownloads(ProjectStore& store, const std::vector<std::string>& presentSceneIds,
                                           const std::vector<std::string>& downloaded, const QDir& folder) {
  std::vector<std::string> switched;
  for (const std::string& id : presentSceneIds) {
    const std::optional<Scene> scene = store.scene(id);
    if (!scene) continue;
    std::map<std::string, std::string> local;
    for (const SceneBand& band : scene->bands) {
      if (!isRemoteRasterPath(band.path)) continue;
      const std::string copy = folder.filePath(QFileInfo(qs(band.path)).fileName()).toStdString();
      if (std::find(downloaded.begin(), downloaded.end(), copy) != downloaded.end()) local.emplace(band.path, copy);
    }
    if (local.empty()) continue;
    store.relinkBandFiles(id, local);
    switched.push_back(id);
  }
  return switched;
}

}  // namespace

std::vector<std::string> bandsToFetch(const StacGranule& granule, bool allBands) {
  std::vector<std::string> codes;
  if (allBands) {
    for (const auto& [code, href] : granule.bandHrefs) codes.push_back(code);
    return codes;
  }
  for (BandRole role : kPrithviBands) codes.push_back(hlsBandCode(granule.sensor, role));
  codes.push_back("Fmask");
  return codes;
}

FetchReport fetchGranules(ProjectStore& store, const std::vector<StacGranule>& granules, const FetchOptions& options,
                          Feedback* feedback) {
  FetchReport report;
  if (granules.empty()) return report;
  const QDir folder(qs(options.folder));
  if (options.download && !QDir().mkpath(folder.absolutePath()))
    throwUsage("cannot create the folder " + folder.absolutePath().toStdString());
  // Planetary Computer's files are signed per container (PlanetarySas.h) and never get the
  // Earthdata token; NASA's get the token on their data hosts. One search is one source.
  const StacGranule& first = granules.front();
  const std::string firstHref = first.bandHrefs.at(bandsToFetch(first, options.allBands).front());
  const bool planetary = needsPlanetarySas(firstHref);
  std::vector<std::string> paths;
  if (options.download) {
    std::vector<DownloadItem> items;
    for (const StacGranule& granule : granules)
      for (const std::string& code : bandsToFetch(granule, options.allBands)) {
        // Planetary Computer's blobs get their container's SAS token; other hrefs stay as they are.
        items.push_back({QUrl(qs(signPlanetaryUrl(granule.bandHrefs.at(code), feedback))), localPathFor(granule, code, folder)});
        paths.push_back(items.back().path);
      }
    DownloadOptions download;
    download.parallel = options.parallel;
    download.retry = options.retry;
    if (!planetary) {
      download.hostOnlyHeaders = bearerHeaders(options.earthdataToken);
      download.refusedHint = earthdataRefusedHint(options.earthdataToken.has_value(), options.tokenAdvice);
    }
    report.download = downloadFiles(items, download, feedback);
  } else {
    std::vector<std::string> hosts = defaultEarthdataHosts();
    for (const StacGranule& granule : granules)
      for (const std::string& code : bandsToFetch(granule, options.allBands)) {
        localPathFor(granule, code, folder);  // the same check of the asset's name
        paths.push_back("/vsicurl/" + QUrl(qs(granule.bandHrefs.at(code))).toString(QUrl::FullyEncoded).toStdString());
        if (!planetary) hosts.push_back(urlHost(granule.bandHrefs.at(code)));
      }
    // One request first, so that a missing or refused login says so instead of every band
    // file failing to open.
    checkDataAccess(firstHref, options, feedback);
    if (!planetary) setEarthdataCredentials(options.earthdataToken, hosts);
  }
  // Every file of every granule is there (or answers): import them in one transaction.
  ScanOptions scan;
  scan.recursive = false;
  report.import = importIntoProject(store, paths, scan, feedback);
  if (options.download) report.switchedSceneIds = switchToDownloads(store, report.import.alreadyPresentSceneIds, paths, folder);
  return report;
}

}  // namespace prithvi
