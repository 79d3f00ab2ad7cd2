// `prithvi search` against the loopback CMR-STAC fixture (tests/core/fixtures/stac_server.py):
// JSON and text output, the area options, exit codes, Ctrl-C. CTest runs it again under
// de_DE.UTF-8: the numbers it prints must not follow the locale.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "tests/support/StacFixture.h"
#include "tests/support/TestSupport.h"

using namespace prithvi;
using test::StacFixtureServer;

namespace {

// As the fixture makes item `index`: tile, sensor, cloud, day.
const char* fixtureTile(int index) {
  static const char* tiles[] = {"13REN", "13RFN", "10TEK"};
  return tiles[index % 3];
}
double fixtureCloud(int index) { return (index * 37) % 1000 / 10.0; }
int fixtureDay(int index) { return index / 6; }  // days after 2021-01-01

// `prithvi search` with the given arguments and, besides the test's own, these environment variables.
test::ProcessRun search(const QStringList& arguments, const QStringList& environment = {}) {
  QProcess process;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const QString& entry : environment) env.insert(entry.section('=', 0, 0), entry.section('=', 1));
  process.setProcessEnvironment(env);
  process.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), QStringList{QStringLiteral("search")} + arguments);
  process.waitForFinished(120000);
  return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

QStringList lines(const QByteArray& text) {
  return QString::fromUtf8(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

}  // namespace

class TestSearchCli : public QObject {
  Q_OBJECT
  QTemporaryDir mDir;

 private Q_SLOTS:
  void jsonListsEveryGranule() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    // A token in the environment must never reach a search request.
    const auto run = search({"--source", server.url(), "--bbox", "-180,-90,180,90", "--json"},
                            {"EARTHDATA_TOKEN=secret-token-123"});
    QVERIFY2(run.code == 0, run.err.constData());
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(run.out, &error);
    QVERIFY2(document.isArray(), qPrintable(error.errorString()));
    const QJsonArray granules = document.array();
    QCOMPARE(granules.size(), 250);

    QSet<QString> ids;
    for (const QJsonValue& value : granules) {
      const QJsonObject granule = value.toObject();
      for (const char* field : {"id", "datetime", "cloud", "tile", "sensor", "assets"})
        QVERIFY2(granule.contains(field), field);
      ids.insert(granule.value("id").toString());
    }
    QCOMPARE(ids.size(), 250);

    // Item 5 of the fixture: S30 on 10TEK, 2021-01-01 17:05:35, 18.5 % cloud, with a browse image.
    const auto item5 = std::find_if(granules.begin(), granules.end(), [](const QJsonValue& value) {
      return value.toObject().value("id").toString() == "HLS.S30.T10TEK.2021001T170535.v2.0";
    });
    QVERIFY(item5 != granules.end());
    const QJsonObject granule = item5->toObject();
    QCOMPARE(granule.value("sensor").toString(), QStringLiteral("S30"));
    QCOMPARE(granule.value("tile").toString(), QStringLiteral("10TEK"));
    QCOMPARE(granule.value("cloud").toDouble(), 18.5);
    QCOMPARE(granule.value("datetime").toString(), QStringLiteral("2021-01-01T17:05:35Z"));
    QCOMPARE(granule.value("collection").toString(), QStringLiteral("HLSS30_2.0"));
    const QJsonObject assets = granule.value("assets").toObject();
    QCOMPARE(assets.value("B8A").toString(),
             QStringLiteral("https://data.lpdaac.earthdatacloud.nasa.gov/lp-prod-protected/HLSS30.020/"
                            "HLS.S30.T10TEK.2021001T170535.v2.0/HLS.S30.T10TEK.2021001T170535.v2.0.B8A.tif"));
    QVERIFY(assets.contains("Fmask") && !assets.contains("s3_B04") && !assets.contains("SZA"));
    QCOMPARE(assets.size(), 14);  // every S30 band code and Fmask
    QVERIFY(granule.value("browse").toString().endsWith(".jpg"));
    // The number in the text is written with a point whatever the locale.
    QVERIFY2(run.out.contains("\"cloud\": 18.5"), "cloud 18.5 not in the JSON text");

    for (const QJsonObject& sent : server.requests()) {
      const QJsonObject headers = sent.value("headers").toObject();
      QVERIFY(!headers.contains("authorization"));
      QVERIFY(!QJsonDocument(sent).toJson().contains("secret-token-123"));
    }
  }

  void textLinesForATile() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const auto run = search({"--source", server.url(), "--tile", "T13REN", "--max-cloud", "20", "--start", "2021-01-05",
                             "--end", "2021-02-01"});
    QVERIFY2(run.code == 0, run.err.constData());
    int expected = 0;
    for (int i = 0; i < 250; ++i)
      expected += QString(fixtureTile(i)) == "13REN" && fixtureCloud(i) <= 20 && fixtureDay(i) >= 4 && fixtureDay(i) <= 31;
    const QStringList printed = lines(run.out);
    QCOMPARE(printed.size(), expected);
    // "HLS.L30.T13REN.2021005T170430.v2.0    2021-01-05  L30  13REN   11.1%"
    const QRegularExpression line(R"(^(HLS\.(L30|S30)\.T13REN\.\S+)\s+(2021-\d\d-\d\d)\s+(L30|S30)\s+13REN\s+(\d+\.\d)%$)");
    for (const QString& text : printed) {
      const auto match = line.match(text);
      QVERIFY2(match.hasMatch(), qPrintable(text));
      QVERIFY(match.captured(5).toDouble() <= 20.0);
      QCOMPARE(match.captured(2), match.captured(4));
      QVERIFY(match.captured(3) >= "2021-01-05" && match.captured(3) <= "2021-02-01");
    }
    const QJsonObject body = server.requests().at(0).value("body").toObject();
    QCOMPARE(body.value("datetime").toString(), QStringLiteral("2021-01-05T00:00:00Z/2021-02-01T23:59:59Z"));
    QVERIFY(body.value("bbox").toArray().size() == 4 && !body.contains("intersects"));
  }

  void intersectsFileAndLimit() {
    StacFixtureServer server;
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const QString area = mDir.filePath("area.geojson");
    QFile file(area);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
      "geometry":{"type":"Polygon","coordinates":[[[-122.5,40.0],[-122.3,40.2],[-122.1,40.0],[-122.5,40.0]]]}}]})");
    file.close();
    const auto run = search({"--source", server.url(), "--intersects", area});
    QVERIFY2(run.code == 0, run.err.constData());
    const QStringList printed = lines(run.out);
    QCOMPARE(printed.size(), 83);  // every third item, on 10TEK
    for (const QString& text : printed) QVERIFY2(text.contains("  10TEK  "), qPrintable(text));

    const auto limited = search({"--source", server.url(), "--bbox", "-180,-90,180,90", "--limit", "7"});
    QVERIFY2(limited.code == 0, limited.err.constData());
    QCOMPARE(lines(limited.out).size(), 7);
    QCOMPARE(server.requests().back().value("body").toObject().value("limit").toInt(), 7);
  }

  void exitCodes() {
    StacFixtureServer server(StacFixtureServer::Options{
        250, "cmr", QJsonDocument::fromJson(R"([{"page":2,"malformed":true}])").array(), false, 60});
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const QString url = server.url();
    QCOMPARE(search({"--source", url}).code, 2);  // no area
    QCOMPARE(search({"--source", url, "--bbox", "1,2,3,4", "--tile", "T13REN"}).code, 2);
    QCOMPARE(search({"--source", url, "--bbox", "1,2,3"}).code, 2);
    QCOMPARE(search({"--source", url, "--bbox", "1,2,3,4", "--start", "2021-13-01"}).code, 2);
    QCOMPARE(search({"--source", url, "--bbox", "1,2,3,4", "--max-cloud", "150"}).code, 2);
    QCOMPARE(search({"--source", "ftp://example.org", "--bbox", "1,2,3,4"}).code, 2);
    QCOMPARE(search({"--source", url, "--tile", "T99XYZ"}).code, 2);
    const QString broken = mDir.filePath("broken.geojson");
    QFile file(broken);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"type\": \"Polygon\", ");
    file.close();
    QCOMPARE(search({"--source", url, "--intersects", broken}).code, 3);
    QVERIFY(server.requests().empty());  // none of those reached the API

    const auto malformed = search({"--source", url, "--bbox", "-180,-90,180,90"});
    QCOMPARE(malformed.code, 3);
    QVERIFY2(malformed.err.contains((url + "/search?cursor=").toUtf8()), malformed.err.constData());
    QVERIFY(malformed.out.isEmpty());  // nothing printed from a search that failed
  }

  void unreachableAndCanceled() {
    QString closedUrl;
    {
      StacFixtureServer gone;
      closedUrl = gone.url();
    }
    const auto refused = search({"--source", closedUrl, "--bbox", "1,2,3,4"});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("connection refused"), refused.err.constData());

    // Ctrl-C (SIGTERM here) while page 2 is awaited: exit 130 at once, nothing printed.
    StacFixtureServer slow(StacFixtureServer::Options{
        250, "cmr", QJsonDocument::fromJson(R"([{"page":2,"delay":20}])").array(), false, 60});
    QProcess process;
    process.start(QStringLiteral(PRITHVI_BIN_DIR "/prithvi"), {"search", "--source", slow.url(), "--bbox", "-180,-90,180,90"});
    QVERIFY(test::waitUntil([&] { return !slow.requestsOfPage(2).empty(); }, 30, 20));
    QElapsedTimer timer;
    timer.start();
    process.terminate();
    QVERIFY(process.waitForFinished(5000));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(process.exitCode(), 130);
    QVERIFY(process.readAllStandardOutput().isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestSearchCli)
#include "test_search_cli.moc"
