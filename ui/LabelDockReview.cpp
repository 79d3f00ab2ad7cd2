// The Labels dock's review side: the state and history of the open set, the Submit / Validate /
// Reject / Reopen moves (Submit and Validate confirmed; an author reviews their own set only
// where the project allows it), the pixels and area per class beside the palette, and the
// clean-up of a whole set.
#include <QAction>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>

#include "core/labels/LabelEditor.h"
#include "ui/LabelCleanupDialog.h"
#include "ui/LabelDock.h"
#include "ui/LabelDockText.h"
#include "viewers/LayerStack.h"

namespace prithvi {

using namespace labeltext;

namespace {
QString q(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

void LabelDock::refreshClassCounts() {
  if (!mEditor || !mStore) return;
  LabelStats stats;
  if (!guarded(tr("Class counts"), [&] { stats = mStore->stats(mEditor->labelSet().id); })) return;
  // Area from the scene's pixel size (metres in the projected CRSs of HLS and Landsat).
  const MapLayer* layer = sceneLayer();
  const double pixelArea = layer ? std::abs(layer->scene.geoTransform.pixelWidth() * layer->scene.geoTransform.pixelHeight()) : 0;
  const QLocale locale;
  for (int row = 0; row < mPalette->count(); ++row) {
    QListWidgetItem* item = mPalette->item(row);
    const int value = item->data(Qt::UserRole).toInt();
    const LabelClass* labelClass = mEditor->scheme().find(value);
    if (!labelClass) continue;
    const auto found = stats.pixelsPerValue.find(value);
    const int64_t pixels = found == stats.pixelsPerValue.end() ? 0 : found->second;
    const QString key = row < 9 ? QString::number(row + 1) : row == 9 ? QStringLiteral("0") : QString();
    QString text = key.isEmpty() ? q(labelClass->name) : QStringLiteral("%1   %2").arg(key, q(labelClass->name));
    if (pixels > 0)
      text += pixelArea > 0 ? tr("   %1 px · %2 ha").arg(locale.toString(qlonglong(pixels)), locale.toString(pixels * pixelArea / 1e4, 'f', 2))
                            : tr("   %1 px").arg(locale.toString(qlonglong(pixels)));
    item->setText(text);
    item->setData(Qt::UserRole + 1, qlonglong(pixels));
  }
}

void LabelDock::refreshReview() {
  if (!mEditor) {
    mStateText->setText(tr("No label set open"));
    mReviewDetails->clear();
    for (const auto& [review, action] : mReviewActions) action->setEnabled(false);
    mDeleteSet->setEnabled(false);
    return;
  }
  const LabelSet& set = mEditor->labelSet();
  mShownState = set.state;
  mStateText->setText(QStringLiteral("<span style='background:%1; color:white; padding:2px 8px; font-weight:bold;'>&nbsp;%2&nbsp;</span>"
                                     "&nbsp; set #%3, scheme %4")
                          .arg(stateColor(set.state).name(), stateTitle(set.state))
                          .arg(set.id)
                          .arg(q(set.scheme).toHtmlEscaped()));
  QString details = QStringLiteral("<table cellspacing='1'>");
  auto row = [&details](const QString& name, const QString& value) {
    details += QStringLiteral("<tr><td style='color:#666; padding-right:8px;'>%1</td><td>%2</td></tr>").arg(name, value);
  };
  row(tr("Author"), q(set.author).toHtmlEscaped());
  row(tr("Labels describe"), set.labelDate.isValid() ? set.labelDate.toUTC().date().toString(Qt::ISODate) : QStringLiteral("–"));
  row(tr("Reviewer"), set.reviewer.empty() ? QStringLiteral("–") : q(set.reviewer).toHtmlEscaped());
  row(tr("Created"), timeText(set.created));
  row(tr("Modified"), timeText(set.modified));
  row(tr("Submitted"), timeText(set.submitted));
  row(tr("Reviewed"), timeText(set.reviewed));
  row(tr("Comment"), set.comment.empty() ? QStringLiteral("–") : q(set.comment).toHtmlEscaped());
  details += QStringLiteral("</table>");
  mReviewDetails->setText(details);
  const ReviewState state = set.state;
  reviewAction(ReviewAction::Submit)->setEnabled(state == ReviewState::Draft || state == ReviewState::Rejected);
  // A second pair of eyes: the author reviews only where the project allows it.
  const bool ownSet = q(set.author) == defaultUserName();
  const bool mayReview = state == ReviewState::Submitted && (!ownSet || mSelfReview->isChecked());
  for (ReviewAction review : {ReviewAction::Validate, ReviewAction::Reject}) {
    QAction* action = reviewAction(review);
    action->setEnabled(mayReview);
    const QString tip = action->data().toString().isEmpty() ? action->toolTip() : action->data().toString();
    action->setData(tip);
    action->setToolTip(state == ReviewState::Submitted && ownSet && !mSelfReview->isChecked()
                           ? tip + tr("\n(You labelled this set: someone else reviews it, or allow self-review in the Label menu.)")
                           : tip);
  }
  reviewAction(ReviewAction::Reopen)->setEnabled(state != ReviewState::Draft);
  mDeleteSet->setEnabled(true);
}

QString LabelDock::userName() {
  QString name = defaultUserName();
  if (!name.isEmpty()) return name;
  bool ok = false;
  name = QInputDialog::getText(this, tr("Your Name"), tr("The name recorded with your labels and reviews:"),
                               QLineEdit::Normal, {}, &ok)
             .trimmed();
  if (ok && !name.isEmpty()) QSettings().setValue(QStringLiteral("labels/author"), name);
  return ok ? name : QString();
}

void LabelDock::confirmAndReview(ReviewAction action) {
  if (!mEditor) return;
  if (action == ReviewAction::Submit || action == ReviewAction::Validate) {
    const LabelSet& set = mEditor->labelSet();
    const QString question =
        action == ReviewAction::Submit
            ? tr("Submit label set #%1 for review? Editing stops until it is reopened.").arg(set.id)
            : tr("Validate label set #%1? Validated labels become training and test data.").arg(set.id);
    QMessageBox box(QMessageBox::Question, action == ReviewAction::Submit ? tr("Submit Label Set") : tr("Validate Label Set"),
                    question, QMessageBox::Yes | QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("reviewConfirmation"));
    box.button(QMessageBox::Yes)->setText(action == ReviewAction::Submit ? tr("Submit") : tr("Validate"));
    if (box.exec() != QMessageBox::Yes) return;
  }
  review(action);
}

void LabelDock::review(ReviewAction action, const QString& comment) {
  if (!mEditor || !mStore) return;
  const int64_t id = mEditor->labelSet().id;
  QString text = comment.trimmed();
  if (action == ReviewAction::Reject && text.isEmpty()) {
    bool ok = false;
    text = QInputDialog::getMultiLineText(this, tr("Reject Label Set"),
                                          tr("Why is label set #%1 rejected? The author reads this to fix it.").arg(id),
                                          {}, &ok)
               .trimmed();
    if (!ok) return;
    if (text.isEmpty()) {
      QMessageBox::information(this, tr("Reject Label Set"), tr("A rejection needs a comment saying what to fix."));
      return;
    }
  }
  const QString person = userName();
  if (person.isEmpty()) return;
  if (mEditor->strokeActive()) mEditor->cancelStroke();
  if (!guarded(tr("Review"), [&] { mStore->review(id, action, person.toStdString(), text.toStdString()); })) return;
  Q_EMIT message(QStringLiteral("info"),
                 tr("label set #%1: %2 by %3").arg(id).arg(QLatin1String(reviewActionName(action)), person));
  openLabelSet(id);  // the new state; undo history ends with the review
  refreshSets();
  Q_EMIT labelSetsChanged();
}

void LabelDock::cleanUpLabels() {
  if (!mEditor || !editable()) return;
  LabelCleanupDialog dialog(this);
  if (dialog.exec() != QDialog::Accepted) return;
  const ClassMapCleanup options = dialog.options();
  int64_t changed = 0;
  if (!guarded(tr("Clean up"), [&] { changed = mEditor->cleanUp(options, {0, 0, mEditor->width(), mEditor->height()}); }))
    return;
  Q_EMIT message(QStringLiteral("info"), changed == 0 ? tr("Clean-up (%1) found nothing to change.").arg(q(options.describe()))
                                                      : tr("Clean-up (%1) changed %2 pixels; Ctrl+Z undoes it.")
                                                            .arg(q(options.describe()))
                                                            .arg(QLocale().toString(qlonglong(changed))));
}

}  // namespace prithvi
