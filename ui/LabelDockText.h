#pragma once
// What the Labels dock and its review part say about label sets: times, review states and
// their colours, and the name the user labels and reviews under. Internal to ui/LabelDock*.

#include <QColor>
#include <QDateTime>
#include <QSettings>
#include <QString>

#include "core/labels/LabelStore.h"

namespace prithvi::labeltext {

inline QString timeText(const QDateTime& time) {
  return time.isValid() ? time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QStringLiteral("–");
}

inline QString stateTitle(ReviewState state) {
  switch (state) {
    case ReviewState::Draft: return QObject::tr("Draft");
    case ReviewState::Submitted: return QObject::tr("Submitted");
    case ReviewState::Validated: return QObject::tr("Validated");
    case ReviewState::Rejected: return QObject::tr("Rejected");
  }
  return {};
}

inline QColor stateColor(ReviewState state) {
  switch (state) {
    case ReviewState::Draft: return QColor(0x5d, 0x6d, 0x7e);
    case ReviewState::Submitted: return QColor(0xb9, 0x77, 0x0e);
    case ReviewState::Validated: return QColor(0x1e, 0x84, 0x49);
    case ReviewState::Rejected: return QColor(0xc0, 0x39, 0x2b);
  }
  return Qt::gray;
}

inline QString defaultUserName() {
  const QString remembered = QSettings().value(QStringLiteral("labels/author")).toString();
  if (!remembered.isEmpty()) return remembered;
  return qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
}

}  // namespace prithvi::labeltext
