#pragma once
// Strict JSON (RFC 8259) with limits on size and depth, for safetensors headers and model
// configs: the one JSON reader of training/model, which may not depend on Qt.

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace prithvi::model {

struct Json {
  enum class Kind { Null, Bool, Int, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0;  // Kind::Int: an integer that fits int64
  double number = 0;    // Kind::Int and Kind::Number
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;  // in document order, keys unique

  bool isNumber() const { return kind == Kind::Int || kind == Kind::Number; }
  const Json* member(const std::string& name) const;  // nullptr when absent
};

struct JsonLimits {
  int64_t maxTopLevelMembers = std::numeric_limits<int64_t>::max();
  std::string topLevelMembers = "top-level members";  // how the limit is named in the error
  int64_t maxNodes = 1 << 20;
  int maxDepth = 16;
};

// Throws Error(BadInput) "<context>: <what is wrong> at byte N of the JSON".
Json parseJson(const std::string& text, const std::string& context, const JsonLimits& limits = {});

// `s` in single quotes for an error message: control characters escaped, long text cut.
std::string quoteForMessage(const std::string& s, size_t max = 80);

// Appends `s` as a JSON string literal (quotes and escapes).
void appendJsonString(std::string& out, const std::string& s);

}  // namespace prithvi::model
