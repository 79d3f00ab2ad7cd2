#pragma once
// The loopback STAC API of tests/core/fixtures/stac_server.py (it behaves like NASA CMR-STAC),
// started on 127.0.0.1 at a free port for one test and stopped with it.

#include <vector>

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace prithvi::test {

class StacFixtureServer {
 public:
  struct Options {
    int items = 250;
    QString flavor = QStringLiteral("cmr");  // or "planetary"
    QJsonArray faults;                       // see the script's documentation
    bool ignoreQuery = false;                // act as an API without the query extension
    int maxSeconds = 60;                     // the server stops itself after this long
  };

  // Starts the server and waits until it listens; url() is empty (and error() says why) when
  // it could not start.
  explicit StacFixtureServer(const Options& options);
  StacFixtureServer() : StacFixtureServer(Options{}) {}
  ~StacFixtureServer();
  StacFixtureServer(const StacFixtureServer&) = delete;
  StacFixtureServer& operator=(const StacFixtureServer&) = delete;

  QString url() const { return mUrl; }  // "http://127.0.0.1:PORT", the API root
  QString error() const { return mError; }
  // Every request it got so far, in order: time, method, path, query, body, headers, page, answer.
  std::vector<QJsonObject> requests() const;
  // Those of one page of the search (1 = the first).
  std::vector<QJsonObject> requestsOfPage(int page) const;

 private:
  QTemporaryDir mDir;
  QProcess mProcess;
  QString mUrl;
  QString mError;
};

}  // namespace prithvi::test
