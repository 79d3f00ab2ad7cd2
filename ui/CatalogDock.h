#pragma once
// The project's catalog: tiles -> dates -> scenes, with sensor, cloud cover and a thumbnail.

#include <QThreadPool>
#include <QWidget>
#include <string>
#include <vector>

#include "core/scene/Scene.h"

class QComboBox;
class QTreeWidget;
class QTreeWidgetItem;
class QSpinBox;

namespace prithvi {

class CatalogDock : public QWidget {
  Q_OBJECT
 public:
  explicit CatalogDock(QWidget* parent = nullptr);
  ~CatalogDock() override;
  void setScenes(const std::vector<Scene>& scenes);
  int sceneCount() const { return int(mScenes.size()); }
  int pendingThumbnails() const { return mPendingThumbnails; }
  QTreeWidget* tree() const { return mTree; }
  // The label review state scenes must have a label set in ("" = any): the owner lists the
  // scenes through ProjectStore's SceneFilter::labelState.
  std::string labelStateFilter() const;
  void setLabelStateFilter(const std::string& state);

 Q_SIGNALS:
  void sceneActivated(const QString& sceneId);  // double-click or Enter
  void thumbnailsDone();
  void labelStateFilterChanged();

 private:
  void rebuild();
  void requestThumbnail(const Scene& scene);
  QTreeWidget* mTree;
  QSpinBox* mMaxCloud;
  QComboBox* mLabelState;
  std::vector<Scene> mScenes;
  QThreadPool mPool;
  int mPendingThumbnails = 0;
  int mGeneration = 0;
};

}  // namespace prithvi
