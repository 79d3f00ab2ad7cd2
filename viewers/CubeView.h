#pragma once
// The space-time cube of an area: a (x, y, time) volume of one band or index drawn with VTK as
// three orthogonal slices in a colour map with its legend. Drag rotates, the wheel zooms, a
// click picks a voxel (its date and value). Hosted in a QOpenGLWidget through
// vtkGenericOpenGLRenderWindow, as ARCHITECTURE.md prescribes (Debian's VTK Qt module is Qt 5).

#include <QDateTime>
#include <QOpenGLWidget>
#include <array>
#include <optional>
#include <vector>

#include <vtkSmartPointer.h>

#include "core/render/Render.h"

class vtkGenericOpenGLRenderWindow;
class vtkRenderer;
class vtkImageData;
class vtkImageSlice;
class vtkImageSliceMapper;
class vtkLookupTable;
class vtkScalarBarActor;
class vtkCubeAxesActor;

namespace prithvi {

struct CubeVolume {
  int width = 0;
  int height = 0;
  int dates = 0;
  std::vector<float> values;     // [date][row][col], row 0 at the north; NaN = no clear value
  std::vector<QDateTime> times;  // per date
  QString variable;              // "NDVI", "NIR", ...
  ColorMapName colorMap = ColorMapName::Viridis;
  double min = 0;
  double max = 1;
  float at(int x, int y, int t) const { return values[(size_t(t) * height + y) * width + x]; }
};

struct PickedVoxel {
  int x = 0;  // column of the area
  int y = 0;  // row of the area, 0 at the north
  int t = 0;  // date index
  float value = 0;
  QDateTime time;
};

class CubeView : public QOpenGLWidget {
  Q_OBJECT
 public:
  explicit CubeView(QWidget* parent = nullptr);
  ~CubeView() override;

  void setVolume(const CubeVolume& volume);
  const CubeVolume& volume() const { return mVolume; }
  // Slice positions: column, row (0 = north) and date index; clamped to the volume.
  void setSlices(int x, int y, int t);
  std::array<int, 3> slices() const { return mSlices; }
  // The voxel under a widget position, from the last rendered view.
  std::optional<PickedVoxel> pickVoxel(const QPoint& position);
  // Where the centre of voxel (x, y, t) appears in the widget.
  QPointF widgetPositionOf(int x, int y, int t);
  int renderCount() const { return mRenderCount; }

  // Call before QApplication exists: VTK needs an OpenGL 3.2 core context.
  static void setDefaultSurfaceFormat();

 Q_SIGNALS:
  void voxelPicked(const PickedVoxel& voxel);
  void rendered();

 protected:
  void initializeGL() override;
  void resizeGL(int width, int height) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  // Frees VTK's GL resources of the context about to go (see initializeGL).
  void releaseGraphics();
  void rebuildPipeline();
  double timeSpacing() const;

  vtkSmartPointer<vtkGenericOpenGLRenderWindow> mWindow;
  vtkSmartPointer<vtkRenderer> mRenderer;
  vtkSmartPointer<vtkImageData> mImage;
  std::array<vtkSmartPointer<vtkImageSliceMapper>, 3> mMappers;
  std::array<vtkSmartPointer<vtkImageSlice>, 3> mSliceActors;
  vtkSmartPointer<vtkLookupTable> mLookup;
  vtkSmartPointer<vtkScalarBarActor> mLegend;
  vtkSmartPointer<vtkCubeAxesActor> mAxes;
  CubeVolume mVolume;
  std::array<int, 3> mSlices{0, 0, 0};
  std::optional<QPoint> mPress;
  QPoint mLast;
  bool mDragged = false;
  int mRenderCount = 0;
};

}  // namespace prithvi

Q_DECLARE_METATYPE(prithvi::PickedVoxel)
