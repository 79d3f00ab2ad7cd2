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

// For readers that take a document's values as they arrive (nlohmann's SAX interface) instead
// of building it: a hot or hostile input (a safetensors header) is checked as it is read and
// never held twice. Handlers derive from this, which words syntax errors as parseJson does.
class JsonEventReader {
 public:
  explicit JsonEventReader(const std::string& context) : mContext(context) {}
  bool binary(Json::binary_t&) { fail("binary values are not JSON"); }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& error);

 protected:
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const std::string& mContext;
};

// The checks before any parse: at most maxBytes, and no raw NUL byte.
void checkJsonText(const std::string& text, const std::string& context, int64_t maxBytes);

// Runs `reader` over one document of at most maxBytes, as parseJson parses.
template <typename Reader>
void readJsonEvents(const std::string& text, const std::string& context, int64_t maxBytes, Reader& reader) {
  checkJsonText(text, context, maxBytes);
  Json::sax_parse(text, &reader, nlohmann::json::input_format_t::json, /*strict=*/true, /*ignore_comments=*/false);
}

// `s` in single quotes for an error message: control characters escaped, long text cut.
std::string quoteForMessage(const std::string& s, size_t max = 80);

}  // namespace prithvi::model
