#pragma once
// Labelling: the label sets of the scene on the map, the class palette, the drawing tools, the
// label layer and the review workflow. Map gestures become LabelEditor calls here; the editor
// saves every edit before the call returns, so nothing but a brush stroke in progress is ever
// unsaved. The label layer follows the scene shown (the top visible layer).

#include <QElapsedTimer>
#include <QList>
#include <QThreadPool>
#include <QWidget>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "viewers/LabelOverlay.h"

class QAction;
class QActionGroup;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QMenu;
class QSlider;
class QSpinBox;
class QToolButton;
class QTreeWidget;

namespace prithvi {

class LayerStack;
class MapCanvas;
class ProjectStore;
struct MapLayer;
struct SuperpixelCache;

enum class LabelTool { Select, Polygon, Rectangle, Lasso, Brush, Eraser, MagicWand, Superpixel };

class LabelDock : public QWidget {
  Q_OBJECT
 public:
  LabelDock(MapCanvas* canvas, LayerStack* layers, QWidget* parent = nullptr);
  ~LabelDock() override;

  // The GUI thread's project store, or nullptr: call with nullptr before the store goes away.
  void setProject(ProjectStore* project);

  // A new draft label set of the shown scene, opened for editing; 0 (after saying why) when
  // it cannot be created. The author is remembered as this user's name.
  // `labelDate` invalid: the labels describe the scene's own date.
  int64_t createLabelSet(const QString& scheme, const QString& author, const QDate& labelDate = {});
  void openLabelSet(int64_t id);  // 0 closes the editor
  LabelEditor* editor() const { return mEditor.get(); }
  const std::string& sceneId() const { return mSceneId; }
  LabelOverlay* overlay() const { return mOverlay; }

  LabelTool tool() const { return mTool; }
  // Chooses a tool as the toolbar does, without announcing it (toolChosen is for the user's
  // choices). Drawing tools are refused while the set cannot be edited.
  void setTool(LabelTool tool);
  int currentClass() const { return mClass; }
  bool setCurrentClass(int value);
  double brushRadius() const;  // scene pixels
  void setBrushRadius(double pixels);

  // Moves the open set along the review workflow; a rejection without `comment` asks for one.
  void review(ReviewAction action, const QString& comment = {});

  // Map gestures (map CRS), from the canvas through the main window where they are shared.
  void polygonDrawn(const std::vector<MapPoint>& ring);
  // Selects the polygon under `point` (select tool): true when there is one.
  bool selectAt(const MapPoint& point);
  int64_t selectedPolygon() const { return mSelected; }

  QAction* undoAction() const { return mUndo; }
  QAction* redoAction() const { return mRedo; }
  QAction* deletePolygonAction() const { return mDeletePolygon; }
  QAction* newLabelSetAction() const { return mNewSet; }
  QAction* deleteLabelSetAction() const { return mDeleteSet; }
  QAction* editSchemeAction() const { return mEditScheme; }
  QAction* cleanUpAction() const { return mCleanUp; }
  QAction* showLabelsAction() const { return mShowLabels; }
  QAction* selfReviewAction() const { return mSelfReview; }
  QAction* toolAction(LabelTool tool) const;
  QList<QAction*> toolActions() const;
  QList<QAction*> brushSizeActions() const;
  QList<QAction*> reviewActions() const;
  QAction* reviewAction(ReviewAction action) const;
  QMenu* classMenu() const { return mClassMenu; }
  // "All label edits saved", "Drawing…", or "" when no label set is open.
  QString saveStateText() const;

 Q_SIGNALS:
  void message(const QString& level, const QString& text);
  void toolChosen(prithvi::LabelTool tool);  // the user picked a tool
  void labelSetsChanged();                   // created, deleted or moved along the workflow
  void saveStateChanged(const QString& text);
  void regionFilled(bool filled);            // a magic wand or superpixel click was handled

 private:
  void buildActions();
  void buildWidgets();
  void syncScene();
  void refreshSets();
  void refreshPalette();
  void refreshReview();
  void refreshEditState();
  void refreshUndo();
  void refreshCanvasTool();
  void updateSaveState();
  void onEditorSaved();
  void closeEditor();
  void attachMapping();
  bool editable() const;
  const MapLayer* sceneLayer() const;
  std::optional<MapPoint> toPixel(const MapPoint& map) const;
  std::vector<PixelPoint> toPixels(const std::vector<MapPoint>& ring) const;
  // Runs an editor call, turning its errors into messages; false when it failed.
  template <typename Work>
  bool guarded(const QString& what, Work&& work) {
    try {
      work();
      return true;
    } catch (const std::exception& error) {
      reportError(what, error);
    }
    return false;
  }
  void reportError(const QString& what, const std::exception& error);
  void newLabelSetDialog();
  // The review buttons' path: Submit and Validate ask first (review() itself does not).
  void confirmAndReview(ReviewAction action);
  // Asks for clean-up options and applies them to the open set as one edit.
  void cleanUpLabels();
  // Pixels and area per class of the open set, beside each class in the palette.
  void refreshClassCounts();
  void deleteLabelSet();
  void editSchemes();
  void fillRegionAt(const MapPoint& point);
  void onStrokeStarted(const MapPoint& point);
  void onStrokeMoved(const MapPoint& point);
  void onStrokeFinished();
  void onRectangle(const MapPoint& a, const MapPoint& b);
  void onLasso(const std::vector<MapPoint>& ring);
  void deleteSelected();
  void select(int64_t fid);
  QString userName();

  MapCanvas* mCanvas;
  LayerStack* mLayers;
  ProjectStore* mProject = nullptr;
  std::unique_ptr<LabelStore> mStore;
  QAction* mSelfReview = nullptr;
  std::unique_ptr<LabelEditor> mEditor;
  LabelOverlay* mOverlay;
  SceneGridMapping mMapping;
  std::string mSceneId;
  std::string mMapCrs;
  LabelTool mTool = LabelTool::Select;
  int mClass = 0;
  int64_t mSelected = 0;
  QThreadPool mPool;
  int mRegionGeneration = 0;
  std::shared_ptr<SuperpixelCache> mSuperpixels;
  ReviewState mShownState = ReviewState::Draft;

  QAction* mUndo = nullptr;
  QAction* mRedo = nullptr;
  QAction* mDeletePolygon = nullptr;
  QAction* mNewSet = nullptr;
  QAction* mDeleteSet = nullptr;
  QAction* mEditScheme = nullptr;
  QAction* mCleanUp = nullptr;
  QAction* mShowLabels = nullptr;
  QAction* mSmaller = nullptr;
  QAction* mLarger = nullptr;
  QActionGroup* mToolGroup = nullptr;
  std::vector<std::pair<LabelTool, QAction*>> mToolActions;
  std::vector<std::pair<ReviewAction, QAction*>> mReviewActions;
  QMenu* mClassMenu = nullptr;
  QActionGroup* mClassGroup = nullptr;

  QTreeWidget* mSets = nullptr;
  QListWidget* mPalette = nullptr;
  QDoubleSpinBox* mBrushSize = nullptr;
  QDoubleSpinBox* mTolerance = nullptr;
  QSpinBox* mSuperpixelSize = nullptr;
  QSlider* mOpacity = nullptr;
  QLabel* mOpacityText = nullptr;
  QLabel* mSceneText = nullptr;
  QLabel* mStateText = nullptr;
  QLabel* mReviewDetails = nullptr;
  QLabel* mLockedText = nullptr;
};

}  // namespace prithvi

Q_DECLARE_METATYPE(prithvi::LabelTool)
