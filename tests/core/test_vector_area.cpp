// A vector layer's polygons as the area of an archive search: their union in lon/lat, its
// convex hull when too detailed for a search API, nothing for a layer without polygons.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "core/vector/VectorFile.h"

using namespace prithvi;

class TestVectorArea : public QObject {
  Q_OBJECT
  QTemporaryDir mDir;

  std::string write(const QString& name, const QJsonArray& geometries) {
    QJsonArray features;
    for (const QJsonValue& geometry : geometries)
      features.append(QJsonObject{{"type", "Feature"}, {"properties", QJsonObject()}, {"geometry", geometry}});
    const QString path = mDir.filePath(name);
    QFile file(path);
    file.open(QIODevice::WriteOnly);
    file.write(QJsonDocument(QJsonObject{{"type", "FeatureCollection"}, {"features", features}}).toJson());
    return path.toStdString();
  }
  static QJsonObject box(double west, double south, double east, double north) {
    return {{"type", "Polygon"},
            {"coordinates", QJsonArray{QJsonArray{QJsonArray{west, south}, QJsonArray{east, south}, QJsonArray{east, north},
                                                  QJsonArray{west, north}, QJsonArray{west, south}}}}};
  }
  // Every vertex of a GeoJSON Polygon or MultiPolygon.
  static std::vector<std::pair<double, double>> vertices(const std::string& json) {
    std::vector<std::pair<double, double>> out;
    const QJsonObject geometry = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
    QJsonArray polygons = geometry["coordinates"].toArray();
    if (geometry["type"].toString() == QLatin1String("Polygon")) polygons = QJsonArray{polygons};
    for (const QJsonValue& polygon : polygons)
      for (const QJsonValue& ring : polygon.toArray())
        for (const QJsonValue& point : ring.toArray()) out.emplace_back(point.toArray()[0].toDouble(), point.toArray()[1].toDouble());
    return out;
  }

 private Q_SLOTS:
  void unionOfPolygonsInLonLat() {
    // Two overlapping fields, read into a UTM map as the window reads them.
    const std::string path = write("fields.geojson", {box(-104.60, 30.30, -104.50, 30.40), box(-104.55, 30.35, -104.45, 30.45)});
    const VectorData data = readVectorFile(path, "EPSG:32613");
    const std::string json = polygonsAsLonLatGeoJson(data, "EPSG:32613");
    const auto points = vertices(json);
    QVERIFY2(!points.empty(), json.c_str());
    QCOMPARE(QJsonDocument::fromJson(QByteArray::fromStdString(json)).object()["type"].toString(), QStringLiteral("Polygon"));
    double west = 180, south = 90, east = -180, north = -90;
    for (const auto& [lon, lat] : points) {
      west = std::min(west, lon), east = std::max(east, lon), south = std::min(south, lat), north = std::max(north, lat);
    }
    QVERIFY(std::abs(west + 104.60) < 1e-6 && std::abs(east + 104.45) < 1e-6);
    QVERIFY(std::abs(south - 30.30) < 1e-6 && std::abs(north - 30.45) < 1e-6);
    QCOMPARE(int(points.size()), 9);  // the union's outline: 8 corners, closed
  }

  void detailedPolygonsBecomeTheirHull() {
    // A 600-point star: too detailed for a search API; its hull keeps the outer points only.
    QJsonArray ring;
    for (int i = 0; i <= 600; ++i) {
      const double angle = 2 * M_PI * (i % 600) / 600, radius = i % 2 ? 0.05 : 0.1;
      ring.append(QJsonArray{-104.5 + radius * std::cos(angle), 30.4 + radius * std::sin(angle)});
    }
    const std::string path = write("star.geojson", {QJsonObject{{"type", "Polygon"}, {"coordinates", QJsonArray{ring}}}});
    const VectorData data = readVectorFile(path, "EPSG:4326");
    QVERIFY(int(vertices(polygonsAsLonLatGeoJson(data, "EPSG:4326", 1000)).size()) > 600);
    const auto hull = vertices(polygonsAsLonLatGeoJson(data, "EPSG:4326", 500));
    QVERIFY2(hull.size() > 3 && hull.size() <= 302, std::to_string(hull.size()).c_str());
    for (const auto& [lon, lat] : hull) QVERIFY(std::abs(std::hypot(lon + 104.5, lat - 30.4) - 0.1) < 1e-6);
  }

  void noPolygonsNoArea() {
    const std::string path = write("wells.geojson", {QJsonObject{{"type", "Point"}, {"coordinates", QJsonArray{-104.5, 30.4}}}});
    QVERIFY(polygonsAsLonLatGeoJson(readVectorFile(path, "EPSG:4326"), "EPSG:4326").empty());
  }
};

QTEST_GUILESS_MAIN(TestVectorArea)
#include "test_vector_area.moc"
