#pragma once
// HLS v2.0 product facts (spec/prithvi.md section 4): file names, bands, scaling, Fmask.

#include <cstdint>
#include <optional>
#include <string>

#include <QDateTime>

namespace prithvi {

// What a band is for, whatever the sensor calls it. The first six are Prithvi's input order.
enum class BandRole { Blue, Green, Red, NIR, SWIR1, SWIR2, Fmask, Coastal, Cirrus, Thermal1, Thermal2, Other };
const char* bandRoleName(BandRole role);               // "Blue", "NIR", "Fmask", ...
std::optional<BandRole> bandRoleFromName(const std::string& name);  // case-insensitive
constexpr BandRole kPrithviBands[] = {BandRole::Blue, BandRole::Green, BandRole::Red,
                                      BandRole::NIR, BandRole::SWIR1, BandRole::SWIR2};

enum class HlsSensor { L30, S30 };
const char* hlsSensorName(HlsSensor sensor);

constexpr double kHlsReflectanceScale = 0.0001;
constexpr int16_t kHlsFill = -9999;
constexpr uint8_t kFmaskFill = 255;

// One file of an HLS v2.0 granule: HLS.<L30|S30>.T<tile>.<YYYYDDD>T<HHMMSS>.v<M.m>.<band>.tif
struct HlsFileName {
  HlsSensor sensor = HlsSensor::L30;
  std::string tile;     // MGRS tile without the leading T, e.g. "13REN"
  QDateTime acquired;   // UTC
  std::string version;  // "2.0"
  std::string band;     // "B05", "Fmask", ...

  // Empty with *whyNot set when `fileName` (no directory) is not an HLS v2 name.
  static std::optional<HlsFileName> parse(const std::string& fileName, std::string* whyNot = nullptr);
  // "HLS.L30.T13REN.2021150T173909.v2.0" (without band and extension)
  std::string granuleId() const;
  // "HLS.L30.T13REN.2021150T173909.v2.0.B05.tif"
  std::string fileName() const;
};

// The role of an HLS band code for a sensor (NIR is B05 on L30 and B8A on S30).
BandRole hlsBandRole(HlsSensor sensor, const std::string& band);
// The band code that carries a role, empty when the sensor has none.
std::string hlsBandCode(HlsSensor sensor, BandRole role);

// Fmask bits (bit 0 = LSB).
struct FmaskFlags {
  bool cirrus = false;
  bool cloud = false;
  bool adjacent = false;
  bool shadow = false;
  bool snowIce = false;
  bool water = false;
  int aerosolLevel = 0;  // 0 climatology, 1 low, 2 moderate, 3 high
  bool fill = false;     // the byte was the fill value 255
};
FmaskFlags decodeFmask(uint8_t value);
uint8_t encodeFmask(const FmaskFlags& flags);
// "cloud, adjacent, aerosol low", "clear, aerosol climatology" or "fill".
std::string fmaskText(const FmaskFlags& flags);
namespace fmask {
constexpr uint8_t kCirrus = 1 << 0;
constexpr uint8_t kCloud = 1 << 1;
constexpr uint8_t kAdjacent = 1 << 2;
constexpr uint8_t kShadow = 1 << 3;
constexpr uint8_t kSnowIce = 1 << 4;
constexpr uint8_t kWater = 1 << 5;
constexpr int kAerosolShift = 6;
}  // namespace fmask

struct CloudCover {
  int64_t validPixels = 0;   // not fill
  int64_t cloudPixels = 0;   // cloud or cirrus bit
  int64_t shadowPixels = 0;  // cloud shadow bit
  // Percent of valid pixels that are cloud; 100 when nothing is valid.
  double cloudPercent() const;
};
CloudCover cloudCoverOf(const uint8_t* fmask, int64_t count);

}  // namespace prithvi
