#pragma once
// Numbers in files, command lines and JSON, whatever the user's locale: a German locale makes
// printf("%g") write 0,5 and strtod stop at the comma, which corrupted checkpoints' configs.
// std::to_chars/from_chars never look at the locale. (Text shown to a person may follow it.)

#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace prithvi {

// The shortest text that reads back to exactly `value` ("0.1", "1e-06", "3660").
inline std::string numberText(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc() ? std::string(text, end) : std::string();
}

// `value` with `decimals` digits after the point ("0.7500").
inline std::string fixedNumberText(double value, int decimals) {
  char text[64];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, decimals);
  return error == std::errc() ? std::string(text, end) : numberText(value);
}

// The whole of `text` as a number in C syntax ("1.5", "-2e-3"); nothing otherwise.
inline std::optional<double> parseNumber(std::string_view text) {
  double value = 0;
  const char* begin = text.data();
  if (!text.empty() && text.front() == '+') ++begin;  // from_chars takes no plus sign
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || begin == end) return std::nullopt;
  return value;
}

// Whether `value` converts to the integer type T without undefined behaviour (JSON numbers are
// doubles; 4.4e85 or NaN cast to an int is undefined). Fractions are the caller's business.
template <typename Integer>
bool fitsInteger(double value) {
  constexpr double limit = double(std::numeric_limits<Integer>::max()) + 1.0;  // a power of two, exact
  constexpr double lowest = std::numeric_limits<Integer>::is_signed ? -limit : 0.0;
  return value >= lowest && value < limit;
}

}  // namespace prithvi
