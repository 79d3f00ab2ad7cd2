#pragma once
// The Earthdata Login token of the person at the desktop, for NASA's data hosts: kept in the
// desktop's keyring (the Secret Service, through qtkeychain), never in a project, the settings or
// a log. Where no keyring answers, it is kept for this session only and the sign-in dialog says
// so. When nothing is stored, $EARTHDATA_TOKEN or the Earthdata login in ~/.netrc is used as the
// command line uses them (the netrc login becomes a token through Earthdata Login's token API,
// asked on a worker thread).
// Whatever the source, the token is handed to the streaming layer (setEarthdataCredentials) for
// the Earthdata data hosts only.

#include <QDateTime>
#include <QDialog>
#include <QObject>
#include <optional>
#include <string>

class QLabel;
class QLineEdit;
class QPushButton;

namespace prithvi {

class EarthdataLogin : public QObject {
  Q_OBJECT
 public:
  enum class Source { None, Keyring, Session, Environment, Netrc };

  explicit EarthdataLogin(QObject* parent = nullptr);

  // Reads the keyring (asynchronously); changed() follows.
  void load();
  // Stores the token in the keyring (or for this session, when none answers); changed() follows.
  void signIn(const QString& token);
  // Forgets it here and in the keyring; changed() follows.
  void signOut();

  const std::optional<std::string>& token() const { return mToken; }
  Source source() const { return mSource; }
  std::optional<QDateTime> expiry() const { return mExpiry; }
  bool busy() const { return mBusy; }
  // "Earthdata: signed in (token in the desktop keyring, valid until 2027-03-01)" and the like;
  // says what to do when expired. Brief: "Earthdata: signed in", for a narrow label.
  enum Detail { Brief, Full };
  QString statusText(Detail detail = Full) const;
  // Why the keyring could not be used, when it could not; empty otherwise.
  QString keyringProblem() const { return mKeyringProblem; }

  // What to tell a user whose login the data host refused.
  static QString advice();

 Q_SIGNALS:
  void changed();

 private:
  void apply(std::optional<std::string> token, Source source);

  std::optional<std::string> mToken;
  Source mSource = Source::None;
  std::optional<QDateTime> mExpiry;
  QString mKeyringProblem;
  bool mBusy = false;
};

// Where the token is entered: what it is for, where to get it, and where it will be kept.
class EarthdataSignInDialog : public QDialog {
  Q_OBJECT
 public:
  EarthdataSignInDialog(EarthdataLogin* login, QWidget* parent = nullptr);

 private:
  void submit();
  void refresh();

  EarthdataLogin* mLogin;
  QLineEdit* mToken;
  QLabel* mStatus;
  QPushButton* mSignIn;
  QPushButton* mSignOut;
  bool mWaiting = false;
};

}  // namespace prithvi
