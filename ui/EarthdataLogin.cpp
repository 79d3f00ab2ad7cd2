#include "ui/EarthdataLogin.h"

#include <qt6keychain/keychain.h>

#include <QApplication>
#include <QCheckBox>
#include <QPointer>
#include <QThreadPool>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/raster/RemoteRasters.h"
#include "core/stac/EarthdataToken.h"

namespace prithvi {

namespace {

const QString kService = QStringLiteral("org.prithvistudio.PrithviStudio");
const QString kKey = QStringLiteral("earthdata-token");

QString keyringError(const QKeychain::Job& job) {
  return QObject::tr("the desktop keyring could not be used (%1)").arg(job.errorString());
}

}  // namespace

EarthdataLogin::EarthdataLogin(QObject* parent) : QObject(parent) {}

QString EarthdataLogin::advice() { return tr("sign in with Data Sources ▸ Earthdata Sign-in"); }

void EarthdataLogin::apply(std::optional<std::string> token, Source source) {
  mToken = std::move(token);
  mSource = mToken ? source : Source::None;
  mExpiry = mToken ? earthdataTokenExpiry(*mToken) : std::nullopt;
  setEarthdataCredentials(mToken, defaultEarthdataHosts());
  mBusy = false;
  Q_EMIT changed();
}

void EarthdataLogin::load() {
  mBusy = true;
  auto* job = new QKeychain::ReadPasswordJob(kService, this);
  job->setKey(kKey);
  connect(job, &QKeychain::Job::finished, this, [this, job] {
    if (job->error() == QKeychain::NoError && !job->textData().trimmed().isEmpty()) {
      mKeyringProblem.clear();
      apply(job->textData().trimmed().toStdString(), Source::Keyring);
      return;
    }
    if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound) mKeyringProblem = keyringError(*job);
    // Nothing stored: the environment's token, or the netrc login's, as the command line reads them.
    const QByteArray environment = qgetenv("EARTHDATA_TOKEN").trimmed();
    if (!environment.isEmpty()) return apply(environment.toStdString(), Source::Environment);
    QPointer<EarthdataLogin> guard(this);
    QThreadPool::globalInstance()->start([guard] {
      std::optional<std::string> token;
      QString problem;
      try {
        token = tokenFromNetrc();
      } catch (const std::exception& error) {
        problem = QString::fromUtf8(error.what());
      }
      QMetaObject::invokeMethod(
          qApp,
          [guard, token, problem] {
            if (!guard) return;
            if (!problem.isEmpty()) guard->mKeyringProblem = problem;
            guard->apply(token, Source::Netrc);
          },
          Qt::QueuedConnection);
    });
  });
  job->start();
}

void EarthdataLogin::signIn(const QString& token) {
  const std::string text = token.trimmed().toStdString();
  if (text.empty()) return;
  mBusy = true;
  auto* job = new QKeychain::WritePasswordJob(kService, this);
  job->setKey(kKey);
  job->setTextData(QString::fromStdString(text));
  connect(job, &QKeychain::Job::finished, this, [this, job, text] {
    if (job->error() == QKeychain::NoError) {
      mKeyringProblem.clear();
      apply(text, Source::Keyring);
    } else {
      mKeyringProblem = keyringError(*job);
      apply(text, Source::Session);
    }
  });
  job->start();
}

void EarthdataLogin::signOut() {
  mBusy = true;
  auto* job = new QKeychain::DeletePasswordJob(kService, this);
  job->setKey(kKey);
  connect(job, &QKeychain::Job::finished, this, [this, job] {
    if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound) mKeyringProblem = keyringError(*job);
    apply(std::nullopt, Source::None);
  });
  job->start();
}

QString EarthdataLogin::statusText(Detail detail) const {
  if (mBusy) return tr("Earthdata: asking the keyring…");
  if (!mToken) return tr("Earthdata: not signed in");
  QString where;
  switch (mSource) {
    case Source::Keyring: where = tr("token in the desktop keyring"); break;
    case Source::Session: where = tr("token kept until Prithvi Studio closes"); break;
    case Source::Environment: where = tr("token from EARTHDATA_TOKEN"); break;
    case Source::Netrc: where = tr("with the login in ~/.netrc"); break;
    case Source::None: break;
  }
  if (mExpiry && *mExpiry <= QDateTime::currentDateTimeUtc())
    return detail == Brief ? tr("Earthdata: token expired")
                           : tr("Earthdata: the token expired on %1; sign in with a new one").arg(mExpiry->toString(QStringLiteral("yyyy-MM-dd")));
  if (detail == Brief) return tr("Earthdata: signed in");
  if (mExpiry) return tr("Earthdata: signed in (%1, valid until %2)").arg(where, mExpiry->toString(QStringLiteral("yyyy-MM-dd")));
  return tr("Earthdata: signed in (%1)").arg(where);
}

EarthdataSignInDialog::EarthdataSignInDialog(EarthdataLogin* login, QWidget* parent) : QDialog(parent), mLogin(login) {
  setWindowTitle(tr("Earthdata Sign-in"));
  setObjectName(QStringLiteral("earthdataSignInDialog"));
  auto* layout = new QVBoxLayout(this);
  auto* about = new QLabel(
      tr("NASA's HLS files need an Earthdata Login user token. Create one at "
         "<a href=\"https://urs.earthdata.nasa.gov/users/new\">urs.earthdata.nasa.gov</a>, then choose "
         "<a href=\"https://urs.earthdata.nasa.gov/user_tokens\">Generate Token</a> and paste it here. "
         "Tokens last 90 days. The token is kept in your desktop's keyring and sent to NASA's data host only, "
         "never to the search service or into a project."),
      this);
  about->setWordWrap(true);
  about->setOpenExternalLinks(true);
  layout->addWidget(about);
  mToken = new QLineEdit(this);
  mToken->setObjectName(QStringLiteral("earthdataTokenEdit"));
  mToken->setEchoMode(QLineEdit::Password);
  mToken->setPlaceholderText(tr("Paste the token (eyJ…)"));
  layout->addWidget(mToken);
  auto* show = new QCheckBox(tr("Show the token"), this);
  connect(show, &QCheckBox::toggled, this,
          [this](bool on) { mToken->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password); });
  layout->addWidget(show);
  mStatus = new QLabel(this);
  mStatus->setObjectName(QStringLiteral("earthdataStatus"));
  mStatus->setWordWrap(true);
  layout->addWidget(mStatus);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  mSignIn = buttons->addButton(tr("Sign In"), QDialogButtonBox::AcceptRole);
  mSignIn->setObjectName(QStringLiteral("earthdataSignInButton"));
  mSignIn->setDefault(true);
  mSignOut = buttons->addButton(tr("Sign Out"), QDialogButtonBox::ResetRole);
  mSignOut->setObjectName(QStringLiteral("earthdataSignOutButton"));
  connect(mSignIn, &QPushButton::clicked, this, &EarthdataSignInDialog::submit);
  connect(mSignOut, &QPushButton::clicked, this, [this] {
    mWaiting = false;
    mLogin->signOut();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  connect(mToken, &QLineEdit::textChanged, this, &EarthdataSignInDialog::refresh);
  connect(mLogin, &EarthdataLogin::changed, this, [this] {
    refresh();
    if (mWaiting && mLogin->token()) {
      mWaiting = false;
      if (mLogin->keyringProblem().isEmpty()) accept();  // otherwise the dialog stays to say where it went
    }
  });
  resize(480, sizeHint().height());
  refresh();
}

void EarthdataSignInDialog::submit() {
  const QString token = mToken->text().trimmed();
  if (token.isEmpty()) return;
  if (const auto expiry = earthdataTokenExpiry(token.toStdString()); expiry && *expiry <= QDateTime::currentDateTimeUtc()) {
    mStatus->setText(tr("This token expired on %1. Generate a new one at urs.earthdata.nasa.gov (Generate Token).")
                         .arg(expiry->toString(QStringLiteral("yyyy-MM-dd"))));
    return;
  }
  mWaiting = true;
  mLogin->signIn(token);
  refresh();
}

void EarthdataSignInDialog::refresh() {
  QString text = mLogin->statusText();
  if (!mLogin->keyringProblem().isEmpty())
    text += QStringLiteral("\n") + tr("Note: %1; the token is not stored and is asked for again next time.").arg(mLogin->keyringProblem());
  mStatus->setText(text);
  mSignIn->setEnabled(!mLogin->busy() && !mToken->text().trimmed().isEmpty());
  mSignOut->setEnabled(!mLogin->busy() && (mLogin->source() == EarthdataLogin::Source::Keyring ||
                                            mLogin->source() == EarthdataLogin::Source::Session));
}

}  // namespace prithvi
