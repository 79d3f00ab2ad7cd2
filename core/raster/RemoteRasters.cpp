#include "core/raster/RemoteRasters.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUrl>
#include <algorithm>
#include <cerrno>
#include <mutex>

#include <cpl_conv.h>

#include "core/base/Assets.h"
#include "core/base/AtomicFile.h"
#include "core/raster/BlockCache.h"
#include "core/raster/GdalErrors.h"
#include "core/stac/PlanetarySas.h"

namespace prithvi {

namespace {

constexpr const char* kVsiCurl = "/vsicurl/";

struct Credentials {
  std::mutex mutex;
  bool configured = false;  // credentials set (by a caller, or from the environment)
  bool networkOn = false;   // GDAL's network options set: a remote raster was opened
  std::vector<std::string> hosts;
  std::string headerFile;  // empty: no token
  // The token's file goes with the process (at a normal exit; one a crash left is removed by the
  // next process that writes one).
  ~Credentials() {
    if (!headerFile.empty()) QFile::remove(QString::fromStdString(headerFile));
  }
};

Credentials& credentials() {
  static Credentials instance;
  return instance;
}

// Writes the header file (mode 0600 from the start) into the user's cache folder.
std::string writeHeaderFile(const std::string& token) {
  const QString folder = QString::fromStdString(userCacheDir()) + QStringLiteral("/auth");
  QDir().mkpath(folder);
  ::chmod(folder.toLocal8Bit().constData(), 0700);
  for (const QFileInfo& stale : QDir(folder).entryInfoList({QStringLiteral("earthdata-*.header")}, QDir::Files)) {
    const pid_t owner = pid_t(stale.completeBaseName().mid(10).toLongLong());
    if (owner > 0 && owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH) QFile::remove(stale.absoluteFilePath());
  }
  const std::string path = folder.toStdString() + "/earthdata-" + std::to_string(::getpid()) + ".header";
  const mode_t previous = ::umask(0077);
  try {
    writeFileAtomically(path, "Authorization: Bearer " + token + "\n");
  } catch (...) {
    ::umask(previous);
    throw;
  }
  ::umask(previous);
  return path;
}

// GDAL starts with the network off (ensureGdalRegistered: a crafted local file must not reach
// it). A process that opens a streamed raster turns it on, with a real timeout. (GDAL 3.6 cannot
// keep an extension filter on: it refuses the "/vsicurl?header_file=...&url=" form then.)
void setGdalNetworkOptions() {
  CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", nullptr);
  CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "60");
  // GDAL's own retries (429, 502, 503, 504) with backoff.
  CPLSetConfigOption("GDAL_HTTP_MAX_RETRY", "5");
  CPLSetConfigOption("GDAL_HTTP_RETRY_DELAY", "1");
  // A ranged GET tells the size as well as a HEAD does: one round trip less per file.
  CPLSetConfigOption("CPL_VSIL_CURL_USE_HEAD", "NO");
  // Never reuse a signed redirect URL with the token header on it.
  CPLSetConfigOption("CPL_VSIL_CURL_USE_S3_REDIRECT", "NO");
  // Blocks stay in memory for the process (a second view, a time series of the same files).
  // VSI_CACHE is for every file, local ones too; it only keeps blocks while a handle is open.
  CPLSetConfigOption("VSI_CACHE", "TRUE");
  CPLSetConfigOption("VSI_CACHE_SIZE", "67108864");
  CPLSetConfigOption("CPL_VSIL_CURL_CACHE_SIZE", "268435456");
}

void configureLocked(Credentials& state, const std::optional<std::string>& token, const std::vector<std::string>& hosts) {
  if (!state.headerFile.empty()) QFile::remove(QString::fromStdString(state.headerFile));
  state.hosts = hosts;
  state.headerFile = token && !token->empty() ? writeHeaderFile(*token) : std::string();
  state.configured = true;
}

}  // namespace

bool isRemoteRasterPath(const std::string& path) {
  return path.starts_with(kVsiCurl) || path.starts_with("http://") || path.starts_with("https://");
}

std::string urlHost(const std::string& url) {
  const QUrl parsed(QString::fromStdString(url));
  return parsed.port() >= 0 ? parsed.host().toStdString() + ":" + std::to_string(parsed.port()) : parsed.host().toStdString();
}

std::vector<std::string> defaultEarthdataHosts() {
  std::vector<std::string> hosts{"data.lpdaac.earthdatacloud.nasa.gov"};
  for (const QString& host : qEnvironmentVariable("PRITHVI_EARTHDATA_HOSTS").split(QLatin1Char(','), Qt::SkipEmptyParts))
    hosts.push_back(host.trimmed().toStdString());
  return hosts;
}

void setEarthdataCredentials(const std::optional<std::string>& token, const std::vector<std::string>& hosts) {
  Credentials& state = credentials();
  std::lock_guard lock(state.mutex);
  configureLocked(state, token, hosts);
}

std::string gdalOpenPath(const std::string& path) {
  if (!isRemoteRasterPath(path)) return path;
  const std::string url = path.starts_with(kVsiCurl) ? path.substr(std::char_traits<char>::length(kVsiCurl)) : path;
  // Planetary Computer's blobs: the container's SAS token in the query, asked for when first
  // needed (before the lock: the request may take a while).
  const bool planetary = needsPlanetarySas(url);
  const std::string signedUrl = planetary ? signPlanetaryUrl(url) : std::string();
  Credentials& state = credentials();
  std::lock_guard lock(state.mutex);
  if (!state.configured) {
    const QByteArray token = qgetenv("EARTHDATA_TOKEN").trimmed();
    configureLocked(state, token.isEmpty() ? std::nullopt : std::optional<std::string>(token.toStdString()),
                    defaultEarthdataHosts());
  }
  if (!state.networkOn) {
    ensureGdalRegistered();  // first: it turns the network off, which the options turn on
    setGdalNetworkOptions();
    state.networkOn = true;
  }
  if (planetary) return throughBlockCache(kVsiCurl + signedUrl);
  const bool getsToken = !state.headerFile.empty() &&
                         std::find(state.hosts.begin(), state.hosts.end(), urlHost(url)) != state.hosts.end();
  if (!getsToken) return throughBlockCache(kVsiCurl + url);
  // GDAL's form: the url last and URL-encoded (GDAL decodes it); GDAL 3.6 takes header_file as it
  // is, and the file's path (the user's cache folder) holds no '&'.
  return throughBlockCache("/vsicurl?header_file=" + state.headerFile + "&url=" +
                           QUrl::toPercentEncoding(QString::fromStdString(url)).toStdString());
}

}  // namespace prithvi
