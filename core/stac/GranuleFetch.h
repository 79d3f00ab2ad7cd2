#pragma once
// Found granules into a project, the same for `prithvi fetch` and the Data Sources dock: each
// granule's bands (Prithvi's six and Fmask, or all) become a scene read over HTTP when shown
// (streamed), or are downloaded into a folder first; granules the project already streams
// switch to their downloaded copy, labels and all.

#include <optional>
#include <string>
#include <vector>

#include "core/project/Importer.h"
#include "core/stac/Download.h"
#include "core/stac/EarthdataToken.h"
#include "core/stac/StacGranule.h"

namespace prithvi {

class Feedback;
class ProjectStore;

struct FetchOptions {
  bool download = false;
  std::string folder;     // with download: where the files go (created when missing)
  bool allBands = false;  // every band asset the granule has, not only Prithvi's and Fmask
  int parallel = 4;       // files downloaded at once
  RetryPolicy retry;
  std::optional<std::string> earthdataToken;  // sent to the granules' data hosts only
  std::string tokenAdvice = kEarthdataTokenAdviceCli;  // how to give a new one, for a refused login
};

struct FetchReport {
  ImportReport import;
  DownloadSummary download;
  std::vector<std::string> switchedSceneIds;  // streamed before, now read from the download
};

// The band codes fetched of a granule: Prithvi's six bands and Fmask, or every band it has.
std::vector<std::string> bandsToFetch(const StacGranule& granule, bool allBands);

// Adds the granules to `store` as FetchOptions says. A missing or refused Earthdata login fails
// before anything is added (one small request first), with what to do. Throws Error; on cancel
// (Error(Canceled)) downloads of this call are removed and nothing is added.
FetchReport fetchGranules(ProjectStore& store, const std::vector<StacGranule>& granules, const FetchOptions& options,
                          Feedback* feedback);

}  // namespace prithvi
