#pragma once
// The search filters `prithvi search` and `prithvi fetch` share: the source, its collections, the
// area (--bbox, --tile or --intersects), dates, cloud cover, a limit and extra API headers.

#include "app/cli/Cli.h"
#include "core/stac/StacClient.h"
#include "core/stac/StacSearch.h"

namespace prithvi::cli {

void addSearchOptions(CommandLine& cli);
// The request the options describe: exactly one area option, or at most one when `ids` (granule
// ids, fetch --id) name the granules. Throws Error(Usage) naming the option that is wrong.
StacSearchRequest searchRequestFrom(const CommandLine& cli, const QStringList& ids = {});
// A client for --source with the --header values.
StacClient stacClientFrom(const CommandLine& cli);

}  // namespace prithvi::cli
