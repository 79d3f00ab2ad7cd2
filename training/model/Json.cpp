#include "training/model/Json.h"

#include <cctype>
#include <unordered_set>

#include "core/base/Error.h"
#include "core/base/NumberText.h"

namespace prithvi::model {

namespace {


class JsonParser {
 public:
  JsonParser(const std::string& context, const std::string& text, const JsonLimits& limits)
      : mContext(context), mText(text), mLimits(limits) {}

  Json parseDocument() {
    skipSpace();
    Json value = parseValue(0);
    skipSpace();
    if (mPos != mText.size()) fail("unexpected text after the JSON header");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throwBadInput(mContext + ": " + what + " at byte " + std::to_string(mPos) + " of the JSON");
  }
  void skipSpace() {
    while (mPos < mText.size() && (mText[mPos] == ' ' || mText[mPos] == '\t' ||
                                   mText[mPos] == '\n' || mText[mPos] == '\r')) {
      ++mPos;
    }
  }
  char peek() {
    if (mPos >= mText.size()) fail("the JSON ends early");
    return mText[mPos];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++mPos;
  }
  void countNode() {
    if (++mNodes > mLimits.maxNodes) {
      fail("too many JSON values (more than " + std::to_string(mLimits.maxNodes) + ")");
    }
  }

  Json parseValue(int depth) {
    if (depth > mLimits.maxDepth) fail("nesting deeper than " + std::to_string(mLimits.maxDepth) + " levels");
    countNode();
    const char c = peek();
    Json v;
    if (c == '{') {
      v.kind = Json::Kind::Object;
      ++mPos;
      skipSpace();
      std::unordered_set<std::string> keys;
      if (peek() == '}') {
        ++mPos;
        return v;
      }
      while (true) {
        skipSpace();
        if (peek() != '"') fail("expected a string key");
        std::string key = parseString();
        if (!keys.insert(key).second) fail("duplicate key " + quoteForMessage(key));
        if (depth == 0 && static_cast<int64_t>(v.object.size()) >= mLimits.maxTopLevelMembers) {
          throwBadInput(mContext + ": more than " + mLimits.topLevelMembers + "; stopped parsing at byte " +
                        std::to_string(mPos));
        }
        skipSpace();
        expect(':');
        skipSpace();
        v.object.emplace_back(std::move(key), parseValue(depth + 1));
        skipSpace();
        if (peek() == ',') {
          ++mPos;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Kind::Array;
      ++mPos;
      skipSpace();
      if (peek() == ']') {
        ++mPos;
        return v;
      }
      while (true) {
        skipSpace();
        v.array.push_back(parseValue(depth + 1));
        skipSpace();
        if (peek() == ',') {
          ++mPos;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::Kind::String;
      v.string = parseString();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
    if (mText.compare(mPos, 4, "true") == 0) {
      mPos += 4;
      v.kind = Json::Kind::Bool;
      v.boolean = true;
      return v;
    }
    if (mText.compare(mPos, 5, "false") == 0) {
      mPos += 5;
      v.kind = Json::Kind::Bool;
      return v;
    }
    if (mText.compare(mPos, 4, "null") == 0) {
      mPos += 4;
      return v;
    }
    fail("unexpected character " + quoteForMessage(std::string(1, c)));
  }

  Json parseNumber() {
    Json v;
    const size_t start = mPos;
    bool negative = false;
    if (mText[mPos] == '-') {
      negative = true;
      ++mPos;
    }
    if (mPos >= mText.size() || !std::isdigit(static_cast<unsigned char>(mText[mPos]))) {
      fail("malformed number");
    }
    if (mText[mPos] == '0' && mPos + 1 < mText.size() &&
        std::isdigit(static_cast<unsigned char>(mText[mPos + 1]))) {
      fail("number with a leading zero");
    }
    bool fits = true;
    int64_t value = 0;
    while (mPos < mText.size() && std::isdigit(static_cast<unsigned char>(mText[mPos]))) {
      const int digit = mText[mPos] - '0';
      if (__builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, negative ? -digit : digit, &value)) {
        fits = false;
      }
      ++mPos;
    }
    bool integral = true;
    const size_t numberStart = start;
    if (mPos < mText.size() && mText[mPos] == '.') {
      integral = false;
      ++mPos;
      if (mPos >= mText.size() || !std::isdigit(static_cast<unsigned char>(mText[mPos]))) {
        fail("malformed number");
      }
      while (mPos < mText.size() && std::isdigit(static_cast<unsigned char>(mText[mPos]))) ++mPos;
    }
    if (mPos < mText.size() && (mText[mPos] == 'e' || mText[mPos] == 'E')) {
      integral = false;
      ++mPos;
      if (mPos < mText.size() && (mText[mPos] == '+' || mText[mPos] == '-')) ++mPos;
      if (mPos >= mText.size() || !std::isdigit(static_cast<unsigned char>(mText[mPos]))) {
        fail("malformed number");
      }
      while (mPos < mText.size() && std::isdigit(static_cast<unsigned char>(mText[mPos]))) ++mPos;
    }
    // The text was checked above; from_chars reads it without the locale (strtod would stop at
    // the '.' under a comma-decimal locale).
    v.number = prithvi::parseNumber(std::string_view(mText).substr(numberStart, mPos - numberStart)).value_or(0.0);
    if (integral && fits) {
      v.kind = Json::Kind::Int;
      v.integer = value;
    } else {
      v.kind = Json::Kind::Number;
    }
    return v;
  }

  unsigned hex4() {
    if (mPos + 4 > mText.size()) fail("truncated \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = mText[mPos++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= c - '0';
      else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
      else fail("bad \\u escape");
    }
    return value;
  }

  std::string parseString() {
    expect('"');
    std::string out;
    while (true) {
      if (mPos >= mText.size()) fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(mText[mPos++]);
      if (c == '"') return out;
      if (c < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (mPos >= mText.size()) fail("unterminated string");
      const char e = mText[mPos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (mPos + 2 > mText.size() || mText[mPos] != '\\' || mText[mPos + 1] != 'u') {
              fail("lone high surrogate in \\u escape");
            }
            mPos += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad surrogate pair in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default:
          fail("bad escape \\" + std::string(1, e));
      }
    }
  }

  const std::string& mContext;
  const std::string& mText;
  const JsonLimits& mLimits;
  size_t mPos = 0;
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

const Json* Json::member(const std::string& name) const {
  for (const auto& [key, value] : object)
    if (key == name) return &value;
  return nullptr;
}

Json parseJson(const std::string& text, const std::string& context, const JsonLimits& limits) {
  return JsonParser(context, text, limits).parseDocument();
}

void appendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace prithvi::model
