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
#include <QDateTime>

namespace prithvi {

class Feedback;

// The token from `tokenFile` (its first line; the file should be readable by its owner only)
// when given, else from $EARTHDATA_TOKEN, else made from the Earthdata login in ~/.netrc (as
// LP DAAC's tutorials set it up; see tokenFromNetrc); nothing when none has one. Throws
// Error(Usage) for a token file that cannot be read or is empty, and what tokenFromNetrc throws.
std::optional<std::string> earthdataToken(const std::string& tokenFile, Feedback* feedback = nullptr);

// Earthdata Login's own address: $PRITHVI_URS_URL (tests), else https://urs.earthdata.nasa.gov.
std::string earthdataLoginUrl();

struct NetrcLogin {
  std::string login;
  std::string password;
};
// The login for `machine` in $NETRC or ~/.netrc (the "machine" entry, else "default"); nothing
// when the file or the entry is missing. The password never leaves this process except to the
// Earthdata Login host.
std::optional<NetrcLogin> netrcLogin(const std::string& machine);

// A user token for the netrc login of Earthdata Login's host, from its token API (POST
// /api/users/find_or_create_token with the login as Basic auth: an existing token, or a new
// one). Nothing without such a login. Throws Error(Io) "Earthdata login failed: ..." when the
// login is refused, naming the file to fix.
std::optional<std::string> tokenFromNetrc(Feedback* feedback = nullptr);

// The header that carries it.
std::vector<std::pair<QByteArray, QByteArray>> bearerHeaders(const std::optional<std::string>& token);

// How a user of the command line gives the token.
constexpr const char* kEarthdataTokenAdviceCli = "set EARTHDATA_TOKEN or --token-file";

// What a 401/403 from a data host means, and what to do (with or without a token): `advice` says
// how to give a new token where the user is (kEarthdataTokenAdviceCli, or the window's sign-in).
std::string earthdataRefusedHint(bool hadToken, const std::string& advice = kEarthdataTokenAdviceCli);

// When a token expires: Earthdata user tokens are JWTs whose payload carries "exp" (seconds
// since 1970). Nothing for a token that is not one, which is then used as it is.
std::optional<QDateTime> earthdataTokenExpiry(const std::string& token);

}  // namespace prithvi
