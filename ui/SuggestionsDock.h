#pragma once
// "Label Next": where labelling helps the model most. A job (`prithvi labels suggest`) ranks the
// project's unlabelled chips by the chosen model's uncertainty, spread in Prithvi embedding
// space; each suggestion shows its picture, scene, date and score. A click shows the chip with
// the last labelling tool ready; "Done" marks it (kept in the suggestions file).

#include <QJsonArray>
#include <QThreadPool>
#include <QWidget>
#include <vector>

#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace prithvi {

class SuggestionsDock : public QWidget {
  Q_OBJECT
 public:
  explicit SuggestionsDock(QWidget* parent = nullptr);

  // Checkpoints to choose from, newest first (the project's runs, then the demo model).
  void setModels(const QStringList& checkpoints);
  QString model() const;
  int count() const;
  void setRunning(bool running);
  void setProgress(qint64 step, qint64 total, const QString& message);
  void setStatus(const QString& text);
  // Shows the suggestions of a `labels suggest --out` file, pictures drawn in the background.
  // `scenes` are the project's: the suggestions name theirs by id. False (and a status saying
  // why) when the file cannot be read.
  bool loadSuggestions(const QString& path, const std::vector<Scene>& scenes);
  int rowCount() const;
  bool isDone(int row) const;
  void setDone(int row, bool done);
  int pendingThumbnails() const { return mPendingThumbnails; }

 Q_SIGNALS:
  void suggestRequested(const QString& model, int count);
  void cancelRequested();
  void chipChosen(const QString& sceneId, const prithvi::Window& chip);
  void thumbnailsDone();

 private:
  void choose(int row);
  void save();

  QComboBox* mModel = nullptr;
  QSpinBox* mCount = nullptr;
  QPushButton* mSuggest = nullptr;
  QPushButton* mCancel = nullptr;
  QProgressBar* mProgress = nullptr;
  QLabel* mStatus = nullptr;
  QTableWidget* mTable = nullptr;
  QString mPath;
  QJsonArray mSuggestions;
  QThreadPool mPool;
  int mPendingThumbnails = 0;
  int mGeneration = 0;
};

}  // namespace prithvi
