#pragma once
// JSON for training/model, which may not depend on Qt: nlohmann-json, read with limits on size,
// depth, values and top-level members, and with duplicate keys refused. Safetensors headers and
// model configs come from files a user was handed, so none of them is trusted.

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

namespace prithvi::model {

// Objects keep their members in document order, so errors and ties follow the file.
using Json = nlohmann::ordered_json;

struct JsonLimits {
  int64_t maxBytes = 16LL << 20;
  int64_t maxTopLevelMembers = std::numeric_limits<int64_t>::max();
  std::string topLevelMembers = "top-level members";  // how the limit is named in the error
  int64_t maxNodes = 1 << 20;
  int maxDepth = 16;
};

// One JSON document (RFC 8259, no comments, nothing after it). Throws Error(BadInput)
// "<context>: <what is wrong>", with " at byte N of the JSON" for syntax errors.
Json parseJson(const std::string& text, const std::string& context, const JsonLimits& limits = {});

// `s` in single quotes for an error message: control characters escaped, long text cut.
std::string quoteForMessage(const std::string& s, size_t max = 80);

}  // namespace prithvi::model
