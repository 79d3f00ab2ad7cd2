#pragma once
// Loopback servers for the STAC and download tests, each a Python script in tests/core/fixtures
// started for one test on free ports and stopped with it:
// - stac_server.py behaves like NASA CMR-STAC;
// - hls_data_server.py like LP DAAC's data host (bearer token, redirect to a signed URL on
//   127.0.0.2, Range requests, injected faults).

#include <vector>

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace prithvi::test {

// A fixture script: started with its arguments and a request log, it prints one line saying
// where it listens; it stops when its stdin closes (in the destructor).
class FixtureProcess {
 public:
  ~FixtureProcess();
  FixtureProcess(const FixtureProcess&) = delete;
  FixtureProcess& operator=(const FixtureProcess&) = delete;

  QString error() const { return mError; }
  // Every request it got so far, in order, as its log records them.
  std::vector<QJsonObject> requests() const;

 protected:
  FixtureProcess() = default;
  // Starts `script` (in tests/core/fixtures) and returns the words after `prefix` on the line it
  // prints once it listens; empty, with error() set, when it did not start.
  QStringList start(const QString& script, QStringList arguments, const QByteArray& prefix);
  QString logPath() const { return mDir.filePath(QStringLiteral("requests.jsonl")); }

  QString mError;

 private:
  QTemporaryDir mDir;
  QProcess mProcess;
};

class StacFixtureServer : public FixtureProcess {
 public:
  struct Options {
    int items = 250;
    QString flavor = QStringLiteral("cmr");  // or "planetary"
    QJsonArray faults;                       // see the script's documentation
    bool ignoreQuery = false;                // act as an API without the query extension
    int maxSeconds = 60;                     // the server stops itself after this long
    // Items for the granules whose files are in this folder, their hrefs under dataUrl (an
    // HlsDataServer's), instead of synthetic items.
    QString granulesDir;
    QString dataUrl;
  };

  // Starts the server and waits until it listens; url() is empty (and error() says why) when
  // it could not start.
  explicit StacFixtureServer(const Options& options);
  StacFixtureServer() : StacFixtureServer(Options{}) {}

  QString url() const { return mUrl; }  // "http://127.0.0.1:PORT", the API root
  // The requests of one page of the search (1 = the first).
  std::vector<QJsonObject> requestsOfPage(int page) const;

 private:
  QString mUrl;
};

class HlsDataServer : public FixtureProcess {
 public:
  struct Options {
    QString root;                  // the files it serves
    QString token = QStringLiteral("test-token-7f3a");
    bool noAuth = false;
    bool sas = false;   // act as Planetary Computer's blob storage with its SAS token API
    QString ursLogin;   // "user:password": also act as Earthdata Login's token API
    QJsonArray faults;  // see the script's documentation
    int delayMs = 0;    // before every answer
    int maxSeconds = 120;
    QStringList extraArguments;  // more of the script's options ("--url-style", "s3", ...)
  };
  explicit HlsDataServer(const Options& options);

  QString url() const { return mUrl; }              // "http://127.0.0.1:PORT", the data host
  QString signedHost() const { return mSigned; }    // "127.0.0.2:PORT"

 private:
  QString mUrl;
  QString mSigned;
};

}  // namespace prithvi::test
