#include "core/hls/Hls.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

namespace prithvi {

namespace {

struct RoleName {
  BandRole role;
  const char* name;
};
constexpr RoleName kRoleNames[] = {
    {BandRole::Blue, "Blue"},         {BandRole::Green, "Green"},   {BandRole::Red, "Red"},
    {BandRole::NIR, "NIR"},           {BandRole::SWIR1, "SWIR1"},   {BandRole::SWIR2, "SWIR2"},
    {BandRole::Fmask, "Fmask"},       {BandRole::Coastal, "Coastal"}, {BandRole::Cirrus, "Cirrus"},
    {BandRole::Thermal1, "Thermal1"}, {BandRole::Thermal2, "Thermal2"}, {BandRole::Other, "Other"}};

struct SensorBand {
  const char* code;
  BandRole role;
};
// spec/prithvi.md section 4; NIR is the narrow NIR band (B05 on L30, B8A on S30).
constexpr SensorBand kL30Bands[] = {{"B01", BandRole::Coastal}, {"B02", BandRole::Blue}, {"B03", BandRole::Green},
                                    {"B04", BandRole::Red},     {"B05", BandRole::NIR},  {"B06", BandRole::SWIR1},
                                    {"B07", BandRole::SWIR2},   {"B09", BandRole::Cirrus}, {"B10", BandRole::Thermal1},
                                    {"B11", BandRole::Thermal2}, {"Fmask", BandRole::Fmask}};
constexpr SensorBand kS30Bands[] = {{"B01", BandRole::Coastal}, {"B02", BandRole::Blue}, {"B03", BandRole::Green},
                                    {"B04", BandRole::Red},     {"B8A", BandRole::NIR},  {"B11", BandRole::SWIR1},
                                    {"B12", BandRole::SWIR2},   {"B10", BandRole::Cirrus}, {"Fmask", BandRole::Fmask}};

template <size_t N>
BandRole roleIn(const SensorBand (&table)[N], const std::string& band) {
  for (const auto& entry : table)
    if (band == entry.code) return entry.role;
  return BandRole::Other;
}

template <size_t N>
std::string codeIn(const SensorBand (&table)[N], BandRole role) {
  for (const auto& entry : table)
    if (entry.role == role) return entry.code;
  return {};
}

bool allDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

std::optional<HlsFileName> fail(std::string* whyNot, const std::string& why) {
  if (whyNot) *whyNot = why;
  return std::nullopt;
}

}  // namespace

const char* bandRoleName(BandRole role) {
  for (const auto& entry : kRoleNames)
    if (entry.role == role) return entry.name;
  return "Other";
}

std::optional<BandRole> bandRoleFromName(const std::string& name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& entry : kRoleNames) {
    std::string candidate(entry.name);
    std::transform(candidate.begin(), candidate.end(), candidate.begin(), [](unsigned char c) { return std::tolower(c); });
    if (candidate == lower) return entry.role;
  }
  return std::nullopt;
}

const char* hlsSensorName(HlsSensor sensor) { return sensor == HlsSensor::L30 ? "L30" : "S30"; }

std::optional<HlsFileName> HlsFileName::parse(const std::string& fileName, std::string* whyNot) {
  // HLS . L30 . T13REN . 2021150T173909 . v2 . 0 . B05 . tif  (the version holds a dot)
  const auto parts = split(fileName, '.');
  if (parts.empty() || parts[0] != "HLS") return fail(whyNot, "does not start with 'HLS.'");
  if (parts.size() != 8)
    return fail(whyNot, "has " + std::to_string(parts.size()) +
                            " dot-separated fields; an HLS v2 file name has 8 "
                            "(HLS.<L30|S30>.T<tile>.<YYYYDDD>T<HHMMSS>.v<M.m>.<band>.tif)");
  HlsFileName name;
  if (parts[1] == "L30")
    name.sensor = HlsSensor::L30;
  else if (parts[1] == "S30")
    name.sensor = HlsSensor::S30;
  else
    return fail(whyNot, "sensor '" + parts[1] + "' is neither L30 nor S30");

  const std::string& tile = parts[2];
  const bool tileOk = tile.size() == 6 && tile[0] == 'T' && std::isdigit((unsigned char)tile[1]) &&
                      std::isdigit((unsigned char)tile[2]) && std::isupper((unsigned char)tile[3]) &&
                      std::isupper((unsigned char)tile[4]) && std::isupper((unsigned char)tile[5]);
  const int zone = tileOk ? std::stoi(tile.substr(1, 2)) : 0;
  if (!tileOk || zone < 1 || zone > 60)
    return fail(whyNot, "tile '" + tile + "' is not T<UTM zone 01-60><band letter><two letters>, e.g. T13REN");
  name.tile = tile.substr(1);

  const std::string& when = parts[3];
  if (when.size() != 14 || when[7] != 'T' || !allDigits(when.substr(0, 7)) || !allDigits(when.substr(8)))
    return fail(whyNot, "acquisition '" + when + "' is not YYYYDDDTHHMMSS");
  const int year = std::stoi(when.substr(0, 4));
  const int dayOfYear = std::stoi(when.substr(4, 3));
  const int hour = std::stoi(when.substr(8, 2)), minute = std::stoi(when.substr(10, 2)),
            second = std::stoi(when.substr(12, 2));
  const QDate firstDay(year, 1, 1);
  if (year < 1972 || dayOfYear < 1 || dayOfYear > firstDay.daysInYear())
    return fail(whyNot, "acquisition date '" + when.substr(0, 7) + "' has no such day of year");
  if (hour > 23 || minute > 59 || second > 59)
    return fail(whyNot, "acquisition time '" + when.substr(8) + "' is not a time of day");
  name.acquired = QDateTime(firstDay.addDays(dayOfYear - 1), QTime(hour, minute, second), Qt::UTC);

  if (parts[4].size() < 2 || parts[4][0] != 'v' || !allDigits(parts[4].substr(1)) || !allDigits(parts[5]))
    return fail(whyNot, "version '" + parts[4] + "." + parts[5] + "' is not v<major>.<minor>");
  name.version = parts[4].substr(1) + "." + parts[5];
  if (parts[4] != "v2")
    return fail(whyNot, "version " + name.version + " is not HLS v2 (v1.4 granules are HDF files)");

  name.band = parts[6];
  if (name.band.empty()) return fail(whyNot, "has an empty band field");
  std::string extension = parts[7];
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  if (extension != "tif" && extension != "tiff") return fail(whyNot, "extension '." + parts[7] + "' is not .tif");
  return name;
}

std::string HlsFileName::granuleId() const {
  char when[32];
  std::snprintf(when, sizeof when, "%04d%03dT%02d%02d%02d", acquired.date().year(), acquired.date().dayOfYear(),
                acquired.time().hour(), acquired.time().minute(), acquired.time().second());
  return std::string("HLS.") + hlsSensorName(sensor) + ".T" + tile + "." + when + ".v" + version;
}

std::string HlsFileName::fileName() const { return granuleId() + "." + band + ".tif"; }

BandRole hlsBandRole(HlsSensor sensor, const std::string& band) {
  return sensor == HlsSensor::L30 ? roleIn(kL30Bands, band) : roleIn(kS30Bands, band);
}

std::string hlsBandCode(HlsSensor sensor, BandRole role) {
  return sensor == HlsSensor::L30 ? codeIn(kL30Bands, role) : codeIn(kS30Bands, role);
}

FmaskFlags decodeFmask(uint8_t value) {
  FmaskFlags flags;
  if (value == kFmaskFill) {
    flags.fill = true;
    return flags;
  }
  flags.cirrus = value & fmask::kCirrus;
  flags.cloud = value & fmask::kCloud;
  flags.adjacent = value & fmask::kAdjacent;
  flags.shadow = value & fmask::kShadow;
  flags.snowIce = value & fmask::kSnowIce;
  flags.water = value & fmask::kWater;
  flags.aerosolLevel = (value >> fmask::kAerosolShift) & 0x3;
  return flags;
}

uint8_t encodeFmask(const FmaskFlags& flags) {
  if (flags.fill) return kFmaskFill;
  return uint8_t((flags.cirrus ? fmask::kCirrus : 0) | (flags.cloud ? fmask::kCloud : 0) |
                 (flags.adjacent ? fmask::kAdjacent : 0) | (flags.shadow ? fmask::kShadow : 0) |
                 (flags.snowIce ? fmask::kSnowIce : 0) | (flags.water ? fmask::kWater : 0) |
                 ((flags.aerosolLevel & 0x3) << fmask::kAerosolShift));
}

std::string fmaskText(const FmaskFlags& flags) {
  if (flags.fill) return "fill";
  std::string text;
  auto add = [&](bool on, const char* name) {
    if (on) text += (text.empty() ? "" : ", ") + std::string(name);
  };
  add(flags.cloud, "cloud");
  add(flags.cirrus, "cirrus");
  add(flags.shadow, "shadow");
  add(flags.adjacent, "adjacent");
  add(flags.snowIce, "snow/ice");
  add(flags.water, "water");
  if (text.empty()) text = "clear";
  static const char* const kAerosol[] = {"climatology", "low", "moderate", "high"};
  return text + ", aerosol " + kAerosol[flags.aerosolLevel & 3];
}

double CloudCover::cloudPercent() const {
  return validPixels == 0 ? 100.0 : 100.0 * double(cloudPixels) / double(validPixels);
}

CloudCover cloudCoverOf(const uint8_t* values, int64_t count) {
  CloudCover cover;
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t v = values[i];
    if (v == kFmaskFill) continue;
    ++cover.validPixels;
    cover.cloudPixels += (v & (fmask::kCloud | fmask::kCirrus)) != 0;
    cover.shadowPixels += (v & fmask::kShadow) != 0;
  }
  return cover;
}

}  // namespace prithvi
