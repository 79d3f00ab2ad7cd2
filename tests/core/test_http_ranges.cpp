// Byte ranges over HTTP for the disk block cache (core/raster/HttpRanges): against the loopback
// imitation of LP DAAC (bearer token, 307 to a signed URL on 127.0.0.2).
#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <algorithm>
#include <random>

#include <cpl_error.h>

#include "core/base/AtomicFile.h"
#include "core/raster/HttpRanges.h"
#include "tests/support/StacFixture.h"

using namespace prithvi;
using prithvi::test::HlsDataServer;

namespace {

constexpr const char* kName = "HLS.S30.T10TEK.2021122T185911.v2.0.B04.tif";
constexpr const char* kToken = "test-token-7f3a";

struct Served {
  QTemporaryDir dir;
  std::string bytes;

  Served() {
    std::mt19937 random(7);
    bytes.resize(700 * 1024);
    for (char& c : bytes) c = char(random());
    QFile file(dir.filePath(QString::fromLatin1(kName)));
    if (file.open(QIODevice::WriteOnly)) file.write(bytes.data(), qint64(bytes.size()));
  }
};

HttpFile fileOn(const HlsDataServer& server, const QTemporaryDir& dir, const std::string& token) {
  HttpFile file;
  file.url = server.url().toStdString() + "/lp-prod-protected/HLSS30.020/x/" + kName;
  file.headerFile = dir.filePath(QStringLiteral("token.header")).toStdString();
  writeFileAtomically(file.headerFile, "Authorization: Bearer " + token + "\n");
  return file;
}

// The server logs a request once answered, each host from its own thread: order by arrival.
std::vector<QJsonObject> byArrival(std::vector<QJsonObject> requests) {
  std::stable_sort(requests.begin(), requests.end(), [](const QJsonObject& a, const QJsonObject& b) {
    return a.value(QStringLiteral("time")).toDouble() < b.value(QStringLiteral("time")).toDouble();
  });
  return requests;
}

int64_t utc(const char* iso) { return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toSecsSinceEpoch(); }

}  // namespace

class TestHttpRanges : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() { forgetSignedUrls(); }

  void expiryOfSignedUrls_data() {
    QTest::addColumn<QString>("url");
    QTest::addColumn<qint64>("expiresAt");  // 0: none
    QTest::newRow("S3 presigned") << "https://b.s3.us-west-2.amazonaws.com/f.tif?A-userid=x&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                                     "&X-Amz-Date=20261207T234212Z&X-Amz-Expires=3197&X-Amz-SignedHeaders=host&X-Amz-Signature=ab"
                                  << qint64(utc("2026-12-07T23:42:12Z") + 3197);
    QTest::newRow("CloudFront Expires") << "https://d1.cloudfront.net/f.tif?Expires=1796687510&Signature=x&Key-Pair-Id=K"
                                        << qint64(1796687510);
    QTest::newRow("Azure SAS se") << "https://hls2.blob.core.windows.net/hls2/f.tif?st=2026-12-07T00%3A00%3A00Z&se=2026-12-08T01%3A00%3A00Z&sp=rl&sig=x"
                                  << qint64(utc("2026-12-08T01:00:00Z"));
    QTest::newRow("no expiry") << "https://example.org/f.tif?token=abc" << qint64(0);
    QTest::newRow("S3 date without lifetime") << "https://b/f.tif?X-Amz-Date=20261207T234212Z&X-Amz-Signature=ab" << qint64(0);
    QTest::newRow("S3 bad date") << "https://b/f.tif?X-Amz-Date=yesterday&X-Amz-Expires=60&X-Amz-Signature=ab" << qint64(0);
  }
  void expiryOfSignedUrls() {
    QFETCH(QString, url);
    QFETCH(qint64, expiresAt);
    const auto got = signedUrlExpiry(url.toStdString());
    if (expiresAt == 0) {
      QVERIFY2(!got, url.toUtf8());
    } else {
      QVERIFY2(got.has_value(), url.toUtf8());
      QCOMPARE(qint64(*got), expiresAt);
    }
  }

  void fileOfBothVsicurlForms() {
    const HttpFile plain = httpFileOf("/vsicurl/https://h.example/a/b.tif?x=1");
    QCOMPARE(plain.url, std::string("https://h.example/a/b.tif?x=1"));
    QVERIFY(plain.headerFile.empty());
    const HttpFile withHeaders = httpFileOf("/vsicurl?header_file=/home/u/.cache/t.header&url=https%3A%2F%2Fh.example%2Fa%2Fb.tif");
    QCOMPARE(withHeaders.url, std::string("https://h.example/a/b.tif"));
    QCOMPARE(withHeaders.headerFile, std::string("/home/u/.cache/t.header"));
  }

  // The first range goes to the data host with the token and follows its redirect; the next
  // ones go straight to the signed URL, without the token (the signed host refuses any
  // Authorization header, as S3 does).
  void rangesReuseTheSignedUrlWithoutTheToken() {
    Served served;
    HlsDataServer server({.root = served.dir.path(),
                          .extraArguments = {QStringLiteral("--url-style"), QStringLiteral("s3"),
                                             QStringLiteral("--reject-authorization")}});
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const HttpFile file = fileOn(server, served.dir, kToken);

    const auto first = fetchHttpRange(file, 0, 1000);
    QVERIFY2(first.has_value(), CPLGetLastErrorMsg());
    QCOMPARE(first->fileSize, uint64_t(served.bytes.size()));
    QVERIFY(first->data == served.bytes.substr(0, 1000));
    const auto middle = fetchHttpRange(file, 300000, 262144);
    QVERIFY2(middle.has_value(), CPLGetLastErrorMsg());
    QVERIFY(middle->data == served.bytes.substr(300000, 262144));
    const auto end = fetchHttpRange(file, served.bytes.size() - 10, 1000);  // past the end: what exists
    QVERIFY2(end.has_value(), CPLGetLastErrorMsg());
    QVERIFY(end->data == served.bytes.substr(served.bytes.size() - 10));

    const auto requests = byArrival(server.requests());
    QCOMPARE(int(requests.size()), 4);  // 307 + 206, then 206, 206
    QCOMPARE(requests[0].value(QStringLiteral("host")).toString(), QStringLiteral("data"));
    QCOMPARE(requests[0].value(QStringLiteral("status")).toInt(), 307);
    QVERIFY(requests[0].value(QStringLiteral("bearer_ok")).toBool());
    for (size_t i = 1; i < requests.size(); ++i) {
      QCOMPARE(requests[i].value(QStringLiteral("host")).toString(), QStringLiteral("signed"));
      QCOMPARE(requests[i].value(QStringLiteral("status")).toInt(), 206);
      QVERIFY(!requests[i].value(QStringLiteral("authorization")).toBool());
    }
  }

  // A signed URL that expires within the safety margin is not kept: every range asks the data
  // host again.
  void shortLivedSignedUrlsAreNotReused() {
    Served served;
    HlsDataServer server({.root = served.dir.path(),
                          .extraArguments = {QStringLiteral("--url-style"), QStringLiteral("s3"),
                                             QStringLiteral("--expires-in"), QStringLiteral("30")}});
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const HttpFile file = fileOn(server, served.dir, kToken);
    QVERIFY(fetchHttpRange(file, 0, 100));
    QVERIFY(fetchHttpRange(file, 100, 100));
    const auto requests = byArrival(server.requests());
    QCOMPARE(int(requests.size()), 4);
    QCOMPARE(requests[2].value(QStringLiteral("host")).toString(), QStringLiteral("data"));
  }

  // A signed URL the host stops taking (403, as S3 does for a revoked or expired signature) is
  // dropped, and the range asked again through the data host, which signs afresh.
  void aRefusedSignedUrlIsAskedAgainThroughTheDataHost() {
    Served served;
    HlsDataServer server({.root = served.dir.path(),
                          .faults = QJsonArray{QJsonObject{{QStringLiteral("match"), QLatin1String(kName)},
                                                           {QStringLiteral("host"), QStringLiteral("signed")},
                                                           {QStringLiteral("status"), 403},
                                                           {QStringLiteral("skip"), 1},
                                                           {QStringLiteral("times"), 1}}},
                          .extraArguments = {QStringLiteral("--url-style"), QStringLiteral("s3")}});
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    const HttpFile file = fileOn(server, served.dir, kToken);
    QVERIFY(fetchHttpRange(file, 0, 100));  // 307 + 206: the signed URL is kept
    const auto again = fetchHttpRange(file, 200, 100);  // kept URL: 403; then 307 + 206
    QVERIFY2(again.has_value(), CPLGetLastErrorMsg());
    QVERIFY(again->data == served.bytes.substr(200, 100));
    const auto requests = byArrival(server.requests());
    QCOMPARE(int(requests.size()), 5);
    QCOMPARE(requests[2].value(QStringLiteral("status")).toInt(), 403);
    QCOMPARE(requests[3].value(QStringLiteral("host")).toString(), QStringLiteral("data"));
    QCOMPARE(requests[4].value(QStringLiteral("status")).toInt(), 206);
  }

  void aWrongTokenIsAnHttpError() {
    Served served;
    HlsDataServer server({.root = served.dir.path()});
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const auto reply = fetchHttpRange(fileOn(server, served.dir, "wrong-token"), 0, 100);
    CPLPopErrorHandler();
    QVERIFY(!reply);
    QVERIFY2(QByteArray(CPLGetLastErrorMsg()).contains("401"), CPLGetLastErrorMsg());
  }

  // A reply cut short (the connection closes mid-body) is an error, never short data.
  void aTruncatedReplyIsAnError() {
    Served served;
    HlsDataServer server({.root = served.dir.path(),
                          .faults = QJsonArray{QJsonObject{{QStringLiteral("match"), QLatin1String(kName)},
                                                           {QStringLiteral("truncate"), true}}}});
    QVERIFY2(!server.url().isEmpty(), qPrintable(server.error()));
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const auto reply = fetchHttpRange(fileOn(server, served.dir, kToken), 0, 200000);
    CPLPopErrorHandler();
    QVERIFY(!reply);
  }
};

QTEST_GUILESS_MAIN(TestHttpRanges)
#include "test_http_ranges.moc"
