// The STAC client (core/stac) against a loopback server that behaves like NASA CMR-STAC
// (tests/core/fixtures/stac_server.py): every page followed, filters sent the way CMR takes them,
// items turned into HLS granules, retries that obey Retry-After, pages that repeat, cancel and
// broken pages. Nothing here reaches beyond 127.0.0.1.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/stac/Download.h"
#include "core/stac/StacClient.h"
#include "tests/support/StacFixture.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::StacFixtureServer;

namespace {

// The fixture's item `index`, as its generator makes it (tests/core/fixtures/stac_server.py).
double fixtureCloud(int index) { return (index * 37) % 1000 / 10.0; }

StacFixtureServer::Options withFaults(const char* faultsJson) {
  StacFixtureServer::Options options;
  options.faults = QJsonDocument::fromJson(faultsJson).array();
  return options;
}

// Short backoff so the tests that do not test Retry-After stay quick.
RetryPolicy quickRetries() {
  RetryPolicy policy;
  policy.firstDelaySeconds = 0.05;
  policy.maxDelaySeconds = 5;
  policy.maxTotalWaitSeconds = 10;
  policy.transferTimeoutSeconds = 10;
  return policy;
}

StacClient clientFor(const StacFixtureServer& server) {
  StacClient client(stacSource(server.url().toStdString()));
  client.setRetryPolicy(quickRetries());
  return client;
}

std::set<std::string> idsOf(const StacSearchResult& result) {
  std::set<std::string> ids;
  for (const auto& granule : result.granules) ids.insert(granule.id);
  return ids;
}

QJsonObject bodyOf(const QJsonObject& request) { return request.value(QStringLiteral("body")).toObject(); }

// A minimal CMR-STAC item: no platform, no proj:*, no media types, s3_ twins and angle bands.
QJsonObject cmrItem(const QString& id) {
  const QString folder = QStringLiteral("https://data.lpdaac.earthdatacloud.nasa.gov/lp-prod-protected/HLSS30.020/") + id + "/";
  QJsonObject assets;
  for (const char* band : {"B02", "B03", "B04", "B8A", "B11", "B12", "Fmask", "SZA", "VAA"}) {
    const QString name = id + "." + band + ".tif";
    assets[QString::fromLatin1(band)] = QJsonObject{{"href", folder + name}, {"title", name}};
    assets["s3_" + QString::fromLatin1(band)] = QJsonObject{{"href", "s3://lp-prod-protected/HLSS30.020/" + id + "/" + name}};
  }
  const QJsonArray ring{QJsonArray{-123.0, 39.65}, QJsonArray{-121.7, 39.65}, QJsonArray{-121.7, 40.65},
                        QJsonArray{-123.0, 40.65}, QJsonArray{-123.0, 39.65}};
  return QJsonObject{{"type", "Feature"}, {"id", id}, {"collection", "HLSS30_2.0"},
                     {"bbox", QJsonArray{-123.0, 39.65, -121.7, 40.65}},
                     {"geometry", QJsonObject{{"type", "Polygon"}, {"coordinates", QJsonArray{ring}}}},
                     {"properties", QJsonObject{{"datetime", "2021-05-02T19:13:39.513Z"}, {"eo:cloud_cover", 12.5}}},
                     {"assets", assets}};
}

}  // namespace

class TestStac : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // ---- items, requests and areas, without a server ----------------------------------------

  // Downloads resume from what Content-Range says (core/stac/Download.h).
  void contentRangeParts() {
    QCOMPARE(contentRangeStart("bytes 100-199/1234"), int64_t(100));
    QCOMPARE(contentRangeTotal("bytes 100-199/1234"), int64_t(1234));
    QCOMPARE(contentRangeTotal("bytes */1234"), int64_t(1234));
    QCOMPARE(contentRangeStart("bytes */1234"), int64_t(-1));
    QCOMPARE(contentRangeTotal("bytes 0-99/*"), int64_t(-1));  // total unknown
    for (const char* bad : {"", "items 0-1/2", "bytes 5-", "bytes -5-9/10", "bytes a-b/c"}) {
      QCOMPARE(contentRangeStart(bad) == -1 || contentRangeTotal(bad) == -1, true);
    }
  }

  void cmrItemBecomesGranule() {
    const auto granule = granuleFromStacItem(cmrItem("HLS.S30.T10TEK.2021122T185911.v2.0"), QUrl(), {});
    QVERIFY(granule);
    QCOMPARE(granule->sensor, HlsSensor::S30);
    QCOMPARE(granule->tile, std::string("10TEK"));
    QCOMPARE(granule->collection, std::string("HLSS30_2.0"));
    QCOMPARE(granule->datetime, QDateTime(QDate(2021, 5, 2), QTime(19, 13, 39, 513), Qt::UTC));
    QCOMPARE(granule->cloudCover.value_or(-1), 12.5);
    // NIR is B8A on S30, as for local files; s3_ twins and angle bands only when asked for.
    QVERIFY(QString::fromStdString(granule->hrefOf(BandRole::NIR)).endsWith(".B8A.tif"));
    QVERIFY(granule->hrefOf(BandRole::NIR).rfind("https://", 0) == 0);
    QVERIFY(QString::fromStdString(granule->hrefOf(BandRole::Fmask)).endsWith(".Fmask.tif"));
    QCOMPARE(granule->bandHrefs.size(), size_t(7));
    QVERIFY(granule->s3Hrefs.empty());
    QVERIFY(granule->browseHref.empty());
    QCOMPARE(granule->footprint.size(), size_t(1));
    QCOMPARE(granule->footprint[0].size(), size_t(5));
    QVERIFY(granule->bbox && granule->bbox->west == -123.0);

    const auto everything = granuleFromStacItem(cmrItem("HLS.S30.T10TEK.2021122T185911.v2.0"), QUrl(), {true, true});
    QCOMPARE(everything->bandHrefs.size(), size_t(9));
    QCOMPARE(everything->s3Hrefs.size(), size_t(9));
    QVERIFY(everything->s3Hrefs.at("B04").rfind("s3://", 0) == 0);
  }

  void otherItemsAreNamedAndLeftOut() {
    std::string why;
    QJsonObject item = cmrItem(QStringLiteral("S2A_MSIL2A_20210502T185911"));
    item[QStringLiteral("collection")] = QStringLiteral("sentinel-2-l2a");
    QVERIFY(!granuleFromStacItem(item, QUrl(), {}, &why));
    QVERIFY2(QString::fromStdString(why).contains("S2A_MSIL2A_20210502T185911"), why.c_str());
    QVERIFY2(QString::fromStdString(why).contains("not an HLS v2 granule"), why.c_str());
  }

  void planetaryPropertiesAndNamedAssets() {
    // An item whose id says nothing HLS, but whose collection, platform and mgrs:* properties do;
    // its assets are keyed by name and relative: bands come from the file names.
    QJsonObject item{{"id", "hls-item-7"}, {"collection", "hls2-l30"}};
    item[QStringLiteral("properties")] =
        QJsonObject{{"datetime", "2021-06-01T17:00:00Z"}, {"platform", "landsat-8"}, {"proj:epsg", 32613},
                    {"mgrs:utm_zone", 13}, {"mgrs:latitude_band", "R"}, {"mgrs:grid_square", "EN"}};
    item[QStringLiteral("assets")] =
        QJsonObject{{"nir", QJsonObject{{"href", "files/HLS.L30.T13REN.2021152T170000.v2.0.B05.tif"}}},
                    {"thumbnail", QJsonObject{{"href", "files/preview.png"}}}};
    const auto granule = granuleFromStacItem(item, QUrl("http://example.org/api/search"), {});
    QVERIFY(granule);
    QCOMPARE(granule->sensor, HlsSensor::L30);
    QCOMPARE(granule->tile, std::string("13REN"));
    QCOMPARE(granule->epsg, 32613);
    QCOMPARE(granule->platform, std::string("landsat-8"));
    QCOMPARE(granule->hrefOf(BandRole::NIR),
             std::string("http://example.org/api/files/HLS.L30.T13REN.2021152T170000.v2.0.B05.tif"));
    QCOMPARE(granule->browseHref, std::string("http://example.org/api/files/preview.png"));
    QVERIFY(!granule->cloudCover);
  }

  void requestBodyFollowsCmrRules() {
    const StacSource nasa = stacSource("nasa");
    QCOMPARE(nasa.rootUrl, std::string("https://cmr.earthdata.nasa.gov/stac/LPCLOUD"));
    StacSearchRequest request;
    request.bbox = LonLatBox{-105, 29, -104, 30};
    request.start = QDateTime(QDate(2021, 5, 1), QTime(0, 0), Qt::UTC);
    request.maxCloudCover = 20;
    request.pageSize = 500;
    const QJsonObject body = searchRequestBody(request, nasa);
    QCOMPARE(body.value("collections").toArray(), (QJsonArray{"HLSL30_2.0", "HLSS30_2.0"}));
    QCOMPARE(body.value("limit").toInt(), 100);  // CMR's page cap, whatever was asked
    QCOMPARE(body.value("datetime").toString(), QStringLiteral("2021-05-01T00:00:00Z/.."));
    QCOMPARE(body.value("query").toObject(), (QJsonObject{{"eo:cloud_cover", QJsonObject{{"lte", 20}}}}));
    QVERIFY(!body.contains("filter") && !body.contains("intersects"));
    QCOMPARE(body.value("bbox").toArray(), (QJsonArray{-105, 29, -104, 30}));
    QCOMPARE(stacSource("planetary").hlsCollections, (std::vector<std::string>{"hls2-l30", "hls2-s30"}));
    QVERIFY(hlsSensorOfCollection("HLSL30.v2.0") == HlsSensor::L30);
    QVERIFY(hlsSensorOfCollection("hls2-s30") == HlsSensor::S30);
    QVERIFY(!hlsSensorOfCollection("sentinel-2-l2a"));
  }

  void badRequestsAreUsageErrors() {
    StacSearchRequest both;
    both.bbox = LonLatBox{-105, 29, -104, 30};
    both.intersects = QJsonObject{{"type", "Polygon"}};
    test::expectError(ErrorKind::Usage, [&] { validateSearchRequest(both); }, "not both");
    StacSearchRequest upsideDown;
    upsideDown.bbox = LonLatBox{-105, 30, -104, 29};
    test::expectError(ErrorKind::Usage, [&] { validateSearchRequest(upsideDown); }, "south edge");
    StacSearchRequest reversed;
    reversed.start = QDateTime(QDate(2021, 6, 1), QTime(0, 0), Qt::UTC);
    reversed.end = QDateTime(QDate(2021, 5, 1), QTime(0, 0), Qt::UTC);
    test::expectError(ErrorKind::Usage, [&] { validateSearchRequest(reversed); }, "after the end");
    test::expectError(ErrorKind::Usage, [] { stacSource("ftp://example.org/stac"); }, "http(s) URL");
  }

  void polygonsAreTurnedCounterClockwise() {
    // A clockwise exterior (CMR would read the rest of the globe) inside a Feature.
    const QByteArray clockwise =
        R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[-122.5,40.0],[-122.3,40.2],[-122.1,40.0]]]}})";
    const QJsonObject geometry = intersectsGeometry(clockwise, "area.geojson");
    QCOMPARE(geometry.value("type").toString(), QStringLiteral("Polygon"));
    const QJsonArray ring = geometry.value("coordinates").toArray()[0].toArray();
    QCOMPARE(ring.size(), 4);  // closed
    QCOMPARE(ring.first(), ring.last());
    double area2 = 0;
    for (int i = 0; i + 1 < ring.size(); ++i)
      area2 += ring[i][0].toDouble() * ring[i + 1][1].toDouble() - ring[i + 1][0].toDouble() * ring[i][1].toDouble();
    QVERIFY(area2 > 0);

    const QByteArray two = R"({"type":"FeatureCollection","features":[
      {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
      {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}}]})";
    QCOMPARE(intersectsGeometry(two, "two.geojson").value("type").toString(), QStringLiteral("MultiPolygon"));
    test::expectError(ErrorKind::BadInput, [] {
      intersectsGeometry(R"({"type":"Polygon","coordinates":[[[500000,3300000],[600000,3300000],[600000,3200000],[500000,3300000]]]})", "utm.geojson");
    }, "WGS 84");
    test::expectError(ErrorKind::BadInput, [] { intersectsGeometry("{not json", "broken.geojson"); }, "broken.geojson");
    test::expectError(ErrorKind::BadInput, [] { intersectsGeometry(R"({"type":"Point","coordinates":[1,2]})", "p.geojson"); },
                      "Polygon");
  }

  void tileBoxHoldsTheTile() {
    // 13REN's corners, by gdaltransform from its UTM grid (499980..609780 E, 3190200..3300000 N).
    const LonLatBox box = tileLonLatBox(MgrsTile::parse("T13REN"));
    QVERIFY2(std::abs(box.west - -105.0002) < 0.002 && std::abs(box.east - -103.8638) < 0.002,
             qPrintable(QString("%1 %2").arg(box.west).arg(box.east)));
    QVERIFY2(std::abs(box.south - 28.8348) < 0.002 && std::abs(box.north - 29.8305) < 0.002,
             qPrintable(QString("%1 %2").arg(box.south).arg(box.north)));
    // 01KAB starts west of 180 W: the box crosses the antimeridian, west > east, and stays narrow.
    const LonLatBox across = tileLonLatBox(MgrsTile::parse("01KAB"));
    QVERIFY2(across.west > 170 && across.east < -170 && across.east + 360 - across.west < 2,
             qPrintable(QString("%1 %2").arg(across.west).arg(across.east)));
  }

  // ---- searches against the loopback CMR-STAC ---------------------------------------------

  void everyItemOnceAcrossPages() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    Feedback feedback;
    int64_t lastStep = 0, lastTotal = 0;
    feedback.setProgressCallback([&](int64_t step, int64_t total, const std::string&) {
      lastStep = step;
      lastTotal = total;
    });
    size_t pagesSeen = 0, addedSeen = 0;
    StacSearchRequest request;
    request.pageSize = 1000;  // more than CMR's cap: still 100 a page
    const StacSearchResult result = clientFor(server).search(request, &feedback, [&](const std::vector<StacGranule>& added) {
      ++pagesSeen;
      addedSeen += added.size();
    });
    QCOMPARE(result.granules.size(), size_t(250));
    QCOMPARE(idsOf(result).size(), size_t(250));
    QCOMPARE(result.pages, 3);
    QCOMPARE(result.matched.value_or(-1), int64_t(250));
    QVERIFY(result.warnings.empty());
    QCOMPARE(pagesSeen, size_t(3));
    QCOMPARE(addedSeen, size_t(250));
    QCOMPARE(lastStep, int64_t(250));
    QCOMPARE(lastTotal, int64_t(250));

    const auto requests = server.requests();
    QCOMPARE(requests.size(), size_t(3));
    QCOMPARE(requests[0].value("method").toString(), QStringLiteral("POST"));
    QCOMPARE(bodyOf(requests[0]).value("limit").toInt(), 100);
    for (size_t i = 1; i < requests.size(); ++i) {  // CMR's next links: GET with a cursor
      QCOMPARE(requests[i].value("method").toString(), QStringLiteral("GET"));
      QVERIFY(requests[i].value("query").toString().startsWith("cursor="));
    }
    for (const QJsonObject& sent : requests)  // search never carries a credential
      QVERIFY(!sent.value("headers").toObject().contains("authorization"));

    // Sensors, tiles and hrefs of the granules as the fixture made them.
    int s30 = 0;
    for (const StacGranule& granule : result.granules) {
      const std::string nir = granule.hrefOf(BandRole::NIR);
      QVERIFY2(QString::fromStdString(nir).endsWith(granule.sensor == HlsSensor::S30 ? ".B8A.tif" : ".B05.tif"), nir.c_str());
      QVERIFY(granule.id.find(".T" + granule.tile + ".") != std::string::npos);
      QVERIFY(granule.s3Hrefs.empty() && !granule.bandHrefs.count("SZA"));
      s30 += granule.sensor == HlsSensor::S30;
    }
    QCOMPARE(s30, 125);
  }

  void maxCloudFilters() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    StacSearchRequest request;
    request.maxCloudCover = 30;
    const StacSearchResult result = clientFor(server).search(request);
    size_t expected = 0;
    for (int i = 0; i < 250; ++i) expected += fixtureCloud(i) <= 30;
    QCOMPARE(result.granules.size(), expected);
    for (const auto& granule : result.granules) QVERIFY(granule.cloudCover && *granule.cloudCover <= 30);
    QCOMPARE(bodyOf(server.requests()[0]).value("query").toObject(),
             (QJsonObject{{"eo:cloud_cover", QJsonObject{{"lte", 30}}}}));

    // An API without the query extension ignores it: the client still keeps only the clear ones.
    StacFixtureServer::Options ignoring;
    ignoring.ignoreQuery = true;
    StacFixtureServer careless(ignoring);
    const StacSearchResult filtered = clientFor(careless).search(request);
    QCOMPARE(filtered.granules.size(), expected);
    QCOMPARE(filtered.warnings.size(), size_t(1));
    QVERIFY2(QString::fromStdString(filtered.warnings[0]).contains("ignored the cloud filter"), filtered.warnings[0].c_str());
  }

  void bboxIntersectsAndTile() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const StacClient client = clientFor(server);
    // A box inside 13REN, clear of its neighbour 13RFN.
    StacSearchRequest byBox;
    byBox.bbox = LonLatBox{-104.6, 29.2, -104.4, 29.4};
    const StacSearchResult boxed = client.search(byBox);
    QCOMPARE(boxed.granules.size(), size_t(84));  // items 0, 3, 6, ... of 250
    for (const auto& granule : boxed.granules) QCOMPARE(granule.tile, std::string("13REN"));

    // A clockwise triangle in 10TEK from a file: the server refuses clockwise rings, so this
    // passes only because the client turned it round.
    StacSearchRequest byPolygon;
    byPolygon.intersects = intersectsGeometry(
        R"({"type":"Polygon","coordinates":[[[-122.5,40.0],[-122.3,40.2],[-122.1,40.0],[-122.5,40.0]]]})", "triangle");
    const StacSearchResult triangle = client.search(byPolygon);
    QCOMPARE(triangle.granules.size(), size_t(83));
    for (const auto& granule : triangle.granules) QCOMPARE(granule.tile, std::string("10TEK"));
    const QJsonObject sent = bodyOf(server.requests().back());
    QVERIFY(!sent.contains("bbox") && sent.contains("intersects"));

    // A tile: its box overlaps 13RFN too, whose granules the client leaves out.
    StacSearchRequest byTile;
    byTile.tile = "T13REN";
    byTile.bbox = tileLonLatBox(MgrsTile::parse(byTile.tile));
    const StacSearchResult tiled = client.search(byTile);
    QCOMPARE(tiled.matched.value_or(0), int64_t(84 + 83));
    QCOMPARE(tiled.granules.size(), size_t(84));
    for (const auto& granule : tiled.granules) QCOMPARE(granule.tile, std::string("13REN"));
  }

  void datetimeRangeAndMaxItems() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    StacSearchRequest request;  // items of day d are 6d..6d+5: days 10..19 are items 60..119
    request.start = QDateTime(QDate(2021, 1, 11), QTime(0, 0), Qt::UTC);
    request.end = QDateTime(QDate(2021, 1, 20), QTime(23, 59, 59), Qt::UTC);
    const StacSearchResult dated = clientFor(server).search(request);
    QCOMPARE(dated.granules.size(), size_t(60));
    for (const auto& granule : dated.granules)
      QVERIFY(granule.datetime >= *request.start && granule.datetime <= *request.end);

    StacSearchRequest capped;
    capped.maxItems = 150;
    const StacSearchResult first150 = clientFor(server).search(capped);
    QCOMPARE(first150.granules.size(), size_t(150));
    QCOMPARE(first150.pages, 2);

    // Known granules by id (what fetching a list of ids will do).
    StacSearchRequest known;
    known.ids = {first150.granules[3].id, first150.granules[140].id, "HLS.L30.T13REN.2030001T000000.v2.0"};
    const StacSearchResult byId = clientFor(server).search(known);
    QCOMPARE(byId.granules.size(), size_t(2));
    QCOMPARE(byId.granules[0].id, known.ids[0]);
    QCOMPARE(byId.granules[1].id, known.ids[1]);
  }

  void retriesObeyRetryAfter() {
    StacFixtureServer server(withFaults(R"([{"page":2,"status":429,"retry_after":1,"times":1},
                                            {"page":3,"status":503,"retry_after":1,"times":1},
                                            {"page":3,"drop":true,"times":2}])"));
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    QElapsedTimer timer;
    timer.start();
    const StacSearchResult result = clientFor(server).search({});
    const double seconds = timer.elapsed() / 1000.0;
    QCOMPARE(result.granules.size(), size_t(250));
    QCOMPARE(idsOf(result).size(), size_t(250));
    QVERIFY2(seconds >= 2.0 && seconds < 6.0, qPrintable(QString::number(seconds)));
    // The try after each Retry-After came at least a second later, and not much more.
    for (int page : {2, 3}) {
      const auto tries = server.requestsOfPage(page);
      QVERIFY2(tries.size() >= 2, qPrintable(QString("page %1: %2 tries").arg(page).arg(tries.size())));
      QCOMPARE(tries[0].value("answer").toInt(), page == 2 ? 429 : 503);
      const double gap = tries[1].value("time").toDouble() - tries[0].value("time").toDouble();
      QVERIFY2(gap >= 0.95 && gap < 2.0, qPrintable(QString("page %1 gap %2 s").arg(page).arg(gap)));
    }
    // The dropped connections were retried too (Qt may resend one itself; the client the rest).
    int drops = 0;
    for (const auto& entry : server.requestsOfPage(3)) drops += entry.value("answer").toString() == "drop";
    QCOMPARE(drops, 2);
  }

  void tooManyFailuresSayWhatToDo() {
    StacFixtureServer server(withFaults(R"([{"page":2,"status":503}])"));
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const std::string message = test::expectError(ErrorKind::Io, [&] { clientFor(server).search({}); });
    QVERIFY2(QString::fromStdString(message).contains(server.url() + "/search?cursor="), message.c_str());
    QVERIFY2(QString::fromStdString(message).contains("503"), message.c_str());
    QVERIFY2(QString::fromStdString(message).contains("5 times"), message.c_str());
    QVERIFY2(QString::fromStdString(message).contains("try again later"), message.c_str());
    QCOMPARE(server.requestsOfPage(2).size(), size_t(5));

    // A Retry-After beyond what the client waits gives up at once instead of hanging.
    StacFixtureServer patient(withFaults(R"([{"page":1,"status":429,"retry_after":100}])"));
    QElapsedTimer timer;
    timer.start();
    const std::string refused = test::expectError(ErrorKind::Io, [&] { clientFor(patient).search({}); });
    QVERIFY2(QString::fromStdString(refused).contains("asks to wait 100 s"), refused.c_str());
    QVERIFY(timer.elapsed() < 3000);
    QCOMPARE(patient.requests().size(), size_t(1));
  }

  void repeatingPagesStopWithAWarning() {
    std::vector<std::string> logged;
    Feedback feedback;
    feedback.setLogCallback([&](const std::string& level, const std::string& text) {
      if (level == "warning") logged.push_back(text);
    });
    // Page 2's next link points back at page 2 (the same cursor).
    StacFixtureServer sameLink(withFaults(R"([{"page":2,"repeat":"link"}])"));
    const StacSearchResult looped = clientFor(sameLink).search({}, &feedback);
    QCOMPARE(looped.granules.size(), size_t(200));
    QCOMPARE(idsOf(looped).size(), size_t(200));
    QCOMPARE(looped.warnings.size(), size_t(1));
    QVERIFY2(QString::fromStdString(looped.warnings[0]).contains("links back"), looped.warnings[0].c_str());
    QCOMPARE(sameLink.requests().size(), size_t(2));

    // Page 3 serves page 2's items again under a new cursor.
    StacFixtureServer sameItems(withFaults(R"([{"page":3,"repeat":"items"}])"));
    const StacSearchResult repeated = clientFor(sameItems).search({}, &feedback);
    QCOMPARE(repeated.granules.size(), size_t(200));
    QCOMPARE(idsOf(repeated).size(), size_t(200));
    QVERIFY2(QString::fromStdString(repeated.warnings.at(0)).contains("repeats items"), repeated.warnings[0].c_str());
    QCOMPARE(logged.size(), size_t(2));
  }

  void cancelStopsPromptly() {
    StacFixtureServer server(withFaults(R"([{"page":2,"delay":5}])"));
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    Feedback feedback;
    std::atomic<int64_t> canceledAtMs{-1};
    QElapsedTimer timer;
    timer.start();
    std::thread canceler;
    feedback.setProgressCallback([&](int64_t step, int64_t, const std::string&) {
      if (step != 100 || canceler.joinable()) return;
      canceler = std::thread([&] {  // cancel from another thread while page 2 is awaited
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        canceledAtMs = timer.elapsed();
        feedback.cancel();
      });
    });
    std::vector<StacGranule> delivered;
    const std::string message = test::expectError(ErrorKind::Canceled, [&] {
      clientFor(server).search({}, &feedback, [&](const auto& added) { delivered.insert(delivered.end(), added.begin(), added.end()); });
    });
    const int64_t thrownAtMs = timer.elapsed();
    if (canceler.joinable()) canceler.join();
    QVERIFY(!message.empty());
    QVERIFY(canceledAtMs >= 0);
    QVERIFY2(thrownAtMs - canceledAtMs < 500, qPrintable(QString("%1 ms after the cancel").arg(thrownAtMs - canceledAtMs)));
    QCOMPARE(delivered.size(), size_t(100));  // page 1 only; the search itself returned nothing
  }

  void brokenPagesAreBadInput() {
    StacFixtureServer server(withFaults(R"([{"page":2,"malformed":true}])"));
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const std::string message = test::expectError(ErrorKind::BadInput, [&] { clientFor(server).search({}); });
    QVERIFY2(QString::fromStdString(message).contains(server.url() + "/search?cursor="), message.c_str());
    QVERIFY2(QString::fromStdString(message).contains("not JSON"), message.c_str());

    // A wrong root answers 404: the message says to check the address.
    StacClient lost(stacSource((server.url() + "/nowhere").toStdString()));
    lost.setRetryPolicy(quickRetries());
    test::expectError(ErrorKind::Usage, [&] { lost.search({}); }, "check the address");
  }

  void planetaryStylePagingAndHeaders() {
    StacFixtureServer::Options options;
    options.flavor = QStringLiteral("planetary");
    StacFixtureServer server(options);
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    StacClient client = clientFor(server);
    client.addHeader("X-Api-Key", "k-123");
    StacSearchRequest request;
    request.collections = {"hls2-l30", "hls2-s30"};
    request.maxCloudCover = 50;
    const StacSearchResult result = client.search(request);
    size_t expected = 0;
    for (int i = 0; i < 250; ++i) expected += fixtureCloud(i) <= 50;
    QCOMPARE(result.granules.size(), expected);
    QCOMPARE(result.matched.value_or(-1), int64_t(expected));  // numberMatched
    for (const auto& granule : result.granules) {
      QCOMPARE(granule.epsg, granule.tile == "10TEK" ? 32610 : 32613);
      QVERIFY(!granule.platform.empty());
      // "red"/"blue"/"fmask" keys: the bands come from the file names.
      QVERIFY(QString::fromStdString(granule.hrefOf(BandRole::Red)).endsWith(".B04.tif"));
      QVERIFY(QString::fromStdString(granule.hrefOf(BandRole::Fmask)).endsWith(".Fmask.tif"));
    }
    const auto requests = server.requests();
    QVERIFY(requests.size() >= 2);
    for (const QJsonObject& sent : requests) {
      QCOMPARE(sent.value("method").toString(), QStringLiteral("POST"));  // POST next links, merged
      QCOMPARE(bodyOf(sent).value("collections").toArray(), (QJsonArray{"hls2-l30", "hls2-s30"}));
      QCOMPARE(sent.value("headers").toObject().value("x-api-key").toString(), QStringLiteral("k-123"));
    }
    QVERIFY(bodyOf(requests[1]).value("token").toString().startsWith("next:"));
    test::expectError(ErrorKind::Usage, [&] { client.addHeader("Bad Name", "x"); }, "header name");
  }
};

QTEST_GUILESS_MAIN(TestStac)
#include "test_stac.moc"
