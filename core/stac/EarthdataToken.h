#pragma once
// The Earthdata Login user token that NASA's data hosts take as "Authorization: Bearer ..."
// (https://urs.earthdata.nasa.gov > Generate Token; valid 90 days). It goes to the data host of a
// granule's hrefs only, never to the STAC API or to the signed URLs the data host redirects to,
// and never into a project, a log or an error message.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QByteArray>

namespace prithvi {

// The token from `tokenFile` (its first line; the file should be readable by its owner only)
// when given, else from $EARTHDATA_TOKEN; nothing when neither has one. Throws Error(Usage) for
// a token file that cannot be read or is empty.
std::optional<std::string> earthdataToken(const std::string& tokenFile);

// The header that carries it.
std::vector<std::pair<QByteArray, QByteArray>> bearerHeaders(const std::optional<std::string>& token);

// What a 401/403 from a data host means, and what to do (with or without a token).
std::string earthdataRefusedHint(bool hadToken);

}  // namespace prithvi
