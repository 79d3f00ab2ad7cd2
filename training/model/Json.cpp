#include "training/model/Json.h"

#include <cstdio>
#include <cstring>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/base/Error.h"

namespace prithvi::model {

namespace {

// nlohmann words a syntax error "[json.exception.parse_error.101] parse error at line 1, column 5:
// syntax error while parsing object key - invalid string: forbidden character after backslash;
// last read: '"a\q'; expected string literal". What was wrong is the part the user needs; the
// byte offset says where. From "; last read" on it is dropped: the token can be the whole of an
// unterminated string, megabytes long, and what the parser expected instead of a malformed
// token says nothing more.
std::string describe(const nlohmann::detail::exception& error) {
  std::string what = error.what();
  if (what.ends_with("expected end of input")) return "unexpected text after the JSON";
  if (what.starts_with("[json.exception.")) {
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
  }
  if (what.starts_with("parse error at line ")) {
    if (const auto colon = what.find(": "); colon != std::string::npos) what.erase(0, colon + 2);
  }
  if (const auto lastRead = what.find("; last read: '"); lastRead != std::string::npos) what.erase(lastRead);
  return what;
}

// Builds the document from nlohmann's SAX events, checking the limits as values arrive, so that
// a hostile header is refused before it costs more than its limits allow. Members are appended
// without nlohmann's lookup (linear in an ordered_json object); duplicates are caught by a set of
// the keys of each open object instead.
class LimitedDocumentBuilder : public JsonEventReader {
 public:
  using string_t = Json::string_t;

  LimitedDocumentBuilder(const std::string& context, const JsonLimits& limits)
      : JsonEventReader(context), mLimits(limits) {}

  Json take() { return std::move(mRoot); }

  bool null() { return add(nullptr); }
  bool boolean(bool value) { return add(value); }
  bool number_integer(Json::number_integer_t value) { return add(value); }
  bool number_unsigned(Json::number_unsigned_t value) { return add(value); }
  // The text is the lexer's copy with the locale's decimal point; `value` is already read.
  bool number_float(Json::number_float_t value, const string_t&) { return add(value); }
  bool string(string_t& value) { return add(std::move(value)); }

  bool start_object(std::size_t) {
    mOpen.push_back(add(Json::object_t()));
    mKeys.emplace_back();
    return true;
  }
  bool key(string_t& key) {
    if (mOpen.size() == 1 && static_cast<int64_t>(mKeys.back().size()) >= mLimits.maxTopLevelMembers) {
      fail("more than " + mLimits.topLevelMembers);
    }
    if (!mKeys.back().insert(key).second) fail("duplicate key " + quoteForMessage(key));
    mKey = std::move(key);
    return true;
  }
  bool end_object() {
    mOpen.pop_back();
    mKeys.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    mOpen.push_back(add(Json::array_t()));
    mKeys.emplace_back();  // unused; keeps mKeys beside mOpen
    return true;
  }
  bool end_array() { return end_object(); }

 private:
  // Adds a value to the open container (or makes it the document) and returns where it lives.
  // Containers on mOpen stay put: only the innermost one grows, and its children are never on
  // the stack while it does.
  Json* add(Json value) {
    if (++mNodes > mLimits.maxNodes) fail("too many JSON values (more than " + std::to_string(mLimits.maxNodes) + ")");
    if (static_cast<int64_t>(mOpen.size()) > mLimits.maxDepth) {
      fail("nesting deeper than " + std::to_string(mLimits.maxDepth) + " levels");
    }
    if (mOpen.empty()) {
      mRoot = std::move(value);
      return &mRoot;
    }
    Json& parent = *mOpen.back();
    if (parent.is_array()) {
      auto& items = parent.get_ref<Json::array_t&>();
      items.push_back(std::move(value));
      return &items.back();
    }
    auto& members = parent.get_ref<Json::object_t&>();
    members.emplace_back(std::move(mKey), std::move(value));
    return &members.back().second;
  }

  const JsonLimits& mLimits;
  Json mRoot;
  std::vector<Json*> mOpen;
  std::vector<std::unordered_set<std::string>> mKeys;  // of each open container
  std::string mKey;
  int64_t mNodes = 0;
};

}  // namespace

std::string quoteForMessage(const std::string& s, size_t max) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out + "'";
}

bool JsonEventReader::parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
  // `position` counts the characters read, the offending one included.
  fail(describe(error) + " at byte " + std::to_string(position > 0 ? position - 1 : 0) + " of the JSON");
}

void JsonEventReader::fail(const std::string& what) const { throwBadInput(mContext + ": " + what); }

void checkJsonText(const std::string& text, const std::string& context, int64_t maxBytes) {
  if (static_cast<int64_t>(text.size()) > maxBytes) {
    throwBadInput(context + ": the JSON holds " + std::to_string(text.size()) + " bytes, more than the limit of " +
                  std::to_string(maxBytes));
  }
  // nlohmann's lexer takes a NUL byte for the end of the input and would ignore what follows.
  // Raw, it is invalid JSON anywhere (inside a string it must be written \u0000).
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    throwBadInput(context + ": a NUL byte at byte " +
                  std::to_string(static_cast<const char*>(nul) - text.data()) + " of the JSON");
  }
}

Json parseJson(const std::string& text, const std::string& context, const JsonLimits& limits) {
  LimitedDocumentBuilder builder(context, limits);
  readJsonEvents(text, context, limits.maxBytes, builder);
  return builder.take();
}

}  // namespace prithvi::model
