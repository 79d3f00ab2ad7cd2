#pragma once
// "Run Model": a fine-tuned checkpoint over the shown scene, the current view or a drawn area,
// as a `prithvi infer` job (the GUI never runs the model in its own process). Progress, ETA and
// Cancel stay in the dialog; the result comes back as a file to add as a layer.

#include <QDateTime>
#include <QDialog>
#include <optional>
#include <string>
#include <vector>

#include "core/scene/Scene.h"
#include "viewers/MapCanvas.h"

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace prithvi {

class JobRunner;

struct InferenceContext {
  Scene scene;                      // the scene shown on the map
  std::vector<Scene> earlierDates;  // of the same tile, newest first (frames of multi-date models)
  std::string mapCrs;
  MapExtent view;                   // the current view, in the map CRS
  QString resultsFolder;            // where outputs go by default
  QStringList models;               // known checkpoints, most likely first
};

class InferenceDialog : public QDialog {
  Q_OBJECT
 public:
  InferenceDialog(const InferenceContext& context, QWidget* parent = nullptr);
  ~InferenceDialog() override;

  enum class Area { Scene, View, Drawn };
  void setModel(const QString& path);
  QString modelPath() const;
  void setArea(Area area);
  // The rectangle drawn on the map (map CRS); selects Area::Drawn.
  void setDrawnArea(const MapExtent& extent);
  void setOutputKind(const QString& kind);  // classes | probabilities | uncertainty | filled
  void setOutputPath(const QString& path);
  void setWindow(int pixels, double overlap);
  // The `prithvi` arguments the current settings make (without --events). Error(Usage) text in
  // `error` when they make no job (no model, an area outside the scene).
  QStringList jobArguments(QString* error = nullptr) const;
  // The area as --bbox in the scene's CRS; empty for the whole scene.
  QString bboxArgument(QString* error = nullptr) const;

  void run();
  bool isRunning() const;
  // The result file's default name: model, tile, date and time of day, never the input's name
  // ("demo-flood_T13REN_2021-06-01_093012.tif").
  static QString defaultResultName(const Scene& scene, const QString& modelPath, const QDateTime& when);
  // Says in the dialog that the job succeeded but its output could not be added as a layer.
  void showResultNotShown(const QString& path, const QString& reason);
  QString outputPath() const;

 Q_SIGNALS:
  void drawAreaRequested();
  // The job wrote its output: kind is class_map | probabilities | uncertainty | filled_image.
  void resultReady(const QString& path, const QString& kind, const QString& title);
  void message(const QString& level, const QString& text);
  // A run started (the jobs dock follows it too).
  void jobStarted(JobRunner* runner);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void updateState();
  // Task, classes, bands, frames and window of the chosen checkpoint, from its header.
  void showModelSummary();
  // Proposes a new default output path in `folder` (until the user names one).
  void proposeOutputPath(const QString& folder);
  void onFinished(const QString& status, const QString& error);

  InferenceContext mContext;
  std::optional<MapExtent> mDrawn;
  bool mOutputChosen = false;  // the user typed or picked the output path
  QLabel* mModelSummary = nullptr;
  int mModelFrames = 0;
  QComboBox* mModel;
  QComboBox* mPrecision;
  QSpinBox* mFrames;
  QButtonGroup* mAreaGroup;
  QRadioButton* mAreaScene;
  QRadioButton* mAreaView;
  QRadioButton* mAreaDrawn;
  QSpinBox* mWindow;
  QDoubleSpinBox* mOverlap;
  QComboBox* mBlend;
  QComboBox* mOutputKind;
  QCheckBox* mMaskClouds;
  QSpinBox* mCleanMinRegion;  // class maps: regions under this many pixels take the nearest class
  QSpinBox* mCleanSmooth;     // class maps: opening and closing radius in pixels
  QLineEdit* mOutput;
  QProgressBar* mProgress;
  QLabel* mStatus;
  QPlainTextEdit* mLog;
  QPushButton* mRun;
  QPushButton* mCancel;
  JobRunner* mJob = nullptr;
  QString mResultPath;
  QString mResultKind;
};

}  // namespace prithvi
