#include "core/hls/Mgrs.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>

#include <ogr_spatialref.h>

#include "core/base/Error.h"

namespace prithvi {

namespace {

constexpr const char* kBandLetters = "CDEFGHJKLMNPQRSTUVWX";  // 8 degrees each from 80 S
constexpr const char* kRowLetters = "ABCDEFGHJKLMNPQRSTUV";   // 20 rows, 2,000,000 m a cycle
// Column letters cycle every three zones (zone % 3 == 1, 2, 0), eight 100 km columns each.
constexpr const char* kColumnSets[3] = {"STUVWXYZ", "ABCDEFGH", "JKLMNPQR"};
constexpr double kRowCycle = 2000000;

int indexIn(const char* letters, char letter) {
  for (int i = 0; letters[i]; ++i)
    if (letters[i] == letter) return i;
  return -1;
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// Southern edge of a latitude band, degrees (band X is the 12-degree band 72..84 N).
double bandSouthLatitude(char band) { return -80.0 + 8.0 * indexIn(kBandLetters, band); }

// UTM northing of a latitude on the zone's central meridian, in the zone's own CRS.
double northingOnCentralMeridian(const MgrsTile& tile, double latitude) {
  OGRSpatialReference wgs84;
  wgs84.SetWellKnownGeogCS("WGS84");
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference utm;
  if (utm.importFromEPSG(tile.epsg()) != OGRERR_NONE)
    throwIo("cannot load EPSG:" + std::to_string(tile.epsg()) + " from the PROJ database");
  utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation, void (*)(OGRCoordinateTransformation*)> transform(
      OGRCreateCoordinateTransformation(&wgs84, &utm), OGRCoordinateTransformation::DestroyCT);
  double x = tile.centralMeridian();
  double y = latitude;
  if (!transform || !transform->Transform(1, &x, &y))
    throwIo("cannot project latitude " + std::to_string(latitude) + " to EPSG:" + std::to_string(tile.epsg()));
  return y;
}

}  // namespace

std::string MgrsTile::id() const {
  char zoneText[8];
  std::snprintf(zoneText, sizeof zoneText, "%02d", zone);
  return std::string(zoneText) + latitudeBand + square;
}

MgrsTile MgrsTile::parse(const std::string& text) {
  std::string id;
  for (char c : text) id += char(std::toupper(static_cast<unsigned char>(c)));
  if (!id.empty() && id[0] == 'T') id.erase(0, 1);
  const std::string shape = "an MGRS tile id looks like 13REN or T13REN (zone 1-60, latitude band, two square letters)";
  size_t digits = 0;
  while (digits < id.size() && std::isdigit(static_cast<unsigned char>(id[digits]))) ++digits;
  if (digits < 1 || digits > 2 || id.size() != digits + 3)
    throwUsage("MGRS tile " + quoted(text) + " is malformed: " + shape);

  MgrsTile tile;
  tile.zone = std::stoi(id.substr(0, digits));
  if (tile.zone < 1 || tile.zone > 60)
    throwUsage("MGRS tile " + quoted(text) + ": UTM zone " + std::to_string(tile.zone) + " is out of range 1-60");
  tile.latitudeBand = id[digits];
  if (indexIn(kBandLetters, tile.latitudeBand) < 0)
    throwUsage("MGRS tile " + quoted(text) + ": latitude band " + quoted(std::string(1, tile.latitudeBand)) +
               " is not one of C-X without I and O (" + kBandLetters + ")");
  tile.square = id.substr(digits + 1, 2);
  const char* columns = kColumnSets[tile.zone % 3];
  if (indexIn(columns, tile.square[0]) < 0)
    throwUsage("MGRS tile " + quoted(text) + ": square column letter " + quoted(tile.square.substr(0, 1)) +
               " does not occur in zone " + std::to_string(tile.zone) + " (its columns are " + columns + ")");
  if (indexIn(kRowLetters, tile.square[1]) < 0)
    throwUsage("MGRS tile " + quoted(text) + ": square row letter " + quoted(tile.square.substr(1, 1)) +
               " is not one of A-V without I and O");
  return tile;
}

double MgrsTile::squareWestEasting() const {
  return (indexIn(kColumnSets[zone % 3], square.at(0)) + 1) * kSquareSize;
}

double MgrsTile::squareSouthNorthing() const {
  // Row letters repeat every 2,000,000 m; even zones start the cycle five rows later.
  int row = indexIn(kRowLetters, square.at(1));
  if (zone % 2 == 0) row = (row - 5 + 20) % 20;
  const double rowNorthing = row * kSquareSize;
  // The latitude band says which cycle: the lowest square that reaches into the band.
  const double bandSouth = northingOnCentralMeridian(*this, bandSouthLatitude(latitudeBand));
  double northing = rowNorthing;
  while (northing + kSquareSize <= bandSouth) northing += kRowCycle;
  return northing;
}

GeoTransform MgrsTile::sentinel2Grid(double resolution) const {
  if (!(resolution > 0)) throwUsage("the grid resolution must be positive, not " + std::to_string(resolution));
  // Sentinel-2 tiles start at the north-west corner of the 100 km square, snapped outward to
  // the 60 m grid of the coarsest S2 band: 30TYN starts at (699960, 4800000), a square with
  // west edge 500000 at 499980, one with north edge 1100000 at 1100040. The tile then runs
  // 109.8 km east and south, overlapping its neighbours by 9.8 km. HLS uses the same grid.
  const double snap = 60;
  const double west = std::floor(squareWestEasting() / snap) * snap;
  const double north = std::ceil((squareSouthNorthing() + kSquareSize) / snap) * snap;
  return GeoTransform({west, resolution, 0, north, 0, -resolution});
}

}  // namespace prithvi
