#include "viewers/CubeView.h"

#include <QOpenGLContext>

#include <QMouseEvent>
#include <QSurfaceFormat>
#include <QWheelEvent>
#include <cmath>

#include <vtkCamera.h>
#include <vtkCellPicker.h>
#include <vtkCubeAxesActor.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkLookupTable.h>
#include <vtkOpenGLState.h>
#include <vtkPointData.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextProperty.h>

namespace prithvi {

void CubeView::setDefaultSurfaceFormat() {
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(8);
  format.setSamples(0);
  format.setAlphaBufferSize(0);
  QSurfaceFormat::setDefaultFormat(format);
}

CubeView::CubeView(QWidget* parent) : QOpenGLWidget(parent) {
  qRegisterMetaType<PickedVoxel>();
  setMinimumSize(240, 140);
  mWindow = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
  mRenderer = vtkSmartPointer<vtkRenderer>::New();
  mRenderer->SetBackground(0.17, 0.18, 0.21);
  mRenderer->SetBackgroundAlpha(1.0);
  // An opaque framebuffer: Qt composites the widget, and a transparent clear shows through.
  mWindow->SetAlphaBitPlanes(0);
  mWindow->AddRenderer(mRenderer);
  mLookup = vtkSmartPointer<vtkLookupTable>::New();
  mLegend = vtkSmartPointer<vtkScalarBarActor>::New();
  mLegend->SetLookupTable(mLookup);
  mLegend->SetNumberOfLabels(5);
  mLegend->SetWidth(0.12);
  mLegend->SetHeight(0.7);
  mLegend->SetPosition(0.86, 0.15);
  mLegend->GetTitleTextProperty()->SetFontSize(14);
  mLegend->GetLabelTextProperty()->SetFontSize(11);
  mAxes = vtkSmartPointer<vtkCubeAxesActor>::New();
  mAxes->SetXTitle("x (px)");
  mAxes->SetYTitle("y (px)");
  mAxes->SetZTitle("date #");
  mAxes->SetFlyModeToOuterEdges();
  mImage = vtkSmartPointer<vtkImageData>::New();
  for (int axis = 0; axis < 3; ++axis) {
    mMappers[axis] = vtkSmartPointer<vtkImageSliceMapper>::New();
    mMappers[axis]->SetInputData(mImage);
    mSliceActors[axis] = vtkSmartPointer<vtkImageSlice>::New();
    mSliceActors[axis]->SetMapper(mMappers[axis]);
    mSliceActors[axis]->GetProperty()->SetLookupTable(mLookup);
    mSliceActors[axis]->GetProperty()->UseLookupTableScalarRangeOn();
    mSliceActors[axis]->GetProperty()->SetInterpolationTypeToNearest();
  }
  mMappers[0]->SetOrientationToX();
  mMappers[1]->SetOrientationToY();
  mMappers[2]->SetOrientationToZ();
}

CubeView::~CubeView() {
  if (QOpenGLContext* current = context()) disconnect(current, nullptr, this, nullptr);  // released here, once
  makeCurrent();
  mRenderer->RemoveAllViewProps();
  mWindow->Finalize();
  doneCurrent();
}

double CubeView::timeSpacing() const {
  // Stretch time so the cube looks like a cube whatever the number of dates.
  return mVolume.dates > 1 ? 0.8 * std::max(mVolume.width, mVolume.height) / mVolume.dates : 1.0;
}

void CubeView::setVolume(const CubeVolume& volume) {
  mVolume = volume;
  rebuildPipeline();
  mSlices = {volume.width / 2, volume.height / 2, volume.dates / 2};
  setSlices(mSlices[0], mSlices[1], mSlices[2]);
  // Time runs upwards; the camera looks from the south-east, above the cube.
  const double cx = (volume.width - 1) / 2.0, cy = (volume.height - 1) / 2.0, cz = (volume.dates - 1) * timeSpacing() / 2.0;
  const double size = std::max({double(volume.width), double(volume.height), volume.dates * timeSpacing()});
  vtkCamera* camera = mRenderer->GetActiveCamera();
  camera->SetFocalPoint(cx, cy, cz);
  camera->SetViewUp(0, 0, 1);
  camera->SetPosition(cx + 1.2 * size, cy - 1.6 * size, cz + 1.1 * size);
  mRenderer->ResetCamera();
  camera->Zoom(1.25);
  update();
}

void CubeView::rebuildPipeline() {
  const CubeVolume& v = mVolume;
  mImage = vtkSmartPointer<vtkImageData>::New();
  mImage->SetDimensions(std::max(1, v.width), std::max(1, v.height), std::max(1, v.dates));
  mImage->SetSpacing(1.0, 1.0, timeSpacing());
  auto scalars = vtkSmartPointer<vtkFloatArray>::New();
  scalars->SetNumberOfComponents(1);
  scalars->SetNumberOfTuples(vtkIdType(v.width) * v.height * v.dates);
  // VTK's y grows upwards: row 0 (north) goes to the top.
  for (int t = 0; t < v.dates; ++t)
    for (int y = 0; y < v.height; ++y)
      for (int x = 0; x < v.width; ++x)
        scalars->SetValue((vtkIdType(t) * v.height + (v.height - 1 - y)) * v.width + x, v.at(x, y, t));
  mImage->GetPointData()->SetScalars(scalars);
  const auto& table = colorTable(v.colorMap);
  mLookup->SetNumberOfTableValues(256);
  for (int i = 0; i < 256; ++i)
    mLookup->SetTableValue(i, ((table[i] >> 16) & 0xff) / 255.0, ((table[i] >> 8) & 0xff) / 255.0, (table[i] & 0xff) / 255.0, 1.0);
  mLookup->SetRange(v.min, v.max > v.min ? v.max : v.min + 1e-6);
  mLookup->SetNanColor(0.55, 0.55, 0.55, 0.25);
  mLookup->Build();
  mLegend->SetTitle(v.variable.toUtf8().constData());
  mRenderer->RemoveAllViewProps();
  for (int axis = 0; axis < 3; ++axis) {
    mMappers[axis]->SetInputData(mImage);
    mRenderer->AddViewProp(mSliceActors[axis]);
  }
  mRenderer->AddViewProp(mLegend);
  if (v.width > 0) {
    mAxes->SetBounds(0, v.width - 1, 0, v.height - 1, 0, (v.dates - 1) * timeSpacing());
    mAxes->SetZAxisRange(1, v.dates);  // label dates by number, not by the stretched axis
    mAxes->SetCamera(mRenderer->GetActiveCamera());
    mRenderer->AddViewProp(mAxes);
  }
}

void CubeView::setSlices(int x, int y, int t) {
  if (mVolume.width < 1) return;
  mSlices = {std::clamp(x, 0, mVolume.width - 1), std::clamp(y, 0, mVolume.height - 1), std::clamp(t, 0, mVolume.dates - 1)};
  mMappers[0]->SetSliceNumber(mSlices[0]);
  mMappers[1]->SetSliceNumber(mVolume.height - 1 - mSlices[1]);
  mMappers[2]->SetSliceNumber(mSlices[2]);
  update();
}

void CubeView::initializeGL() {
  // Floating or re-docking the dock moves this widget to another top-level window, which gives
  // it a new GL context: VTK's textures and shaders of the old one must go with it, or the cube
  // draws blank (or crashes) in the new one.
  connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &CubeView::releaseGraphics, Qt::UniqueConnection);
  mWindow->SetOwnContext(false);
  mWindow->SetIsCurrent(true);
  mWindow->SetFrameBlitModeToBlitToCurrent();
  mWindow->SetReadyForRendering(false);
  mWindow->OpenGLInitContext();
}

void CubeView::releaseGraphics() {
  makeCurrent();
  mWindow->Finalize();
  doneCurrent();
}

void CubeView::resizeGL(int width, int height) {
  const double ratio = devicePixelRatioF();
  mWindow->SetSize(int(width * ratio), int(height * ratio));
}

void CubeView::paintGL() {
  // Qt and VTK share this context: VTK must not trust its cached GL state.
  vtkOpenGLState* state = mWindow->GetState();
  state->Reset();
  state->Push();
  mWindow->SetReadyForRendering(true);
  mWindow->SetSize(int(width() * devicePixelRatioF()), int(height() * devicePixelRatioF()));
  mWindow->Render();
  mWindow->SetReadyForRendering(false);
  state->Pop();
  ++mRenderCount;
  Q_EMIT rendered();
}

std::optional<PickedVoxel> CubeView::pickVoxel(const QPoint& position) {
  if (mVolume.width < 1) return std::nullopt;
  makeCurrent();
  auto picker = vtkSmartPointer<vtkCellPicker>::New();
  picker->SetTolerance(0.0005);
  picker->PickFromListOn();
  for (auto& slice : mSliceActors) picker->AddPickList(slice);
  const double ratio = devicePixelRatioF();
  const bool hit = picker->Pick(position.x() * ratio, (height() - position.y()) * ratio, 0, mRenderer) != 0;
  doneCurrent();
  if (!hit) return std::nullopt;
  double world[3];
  picker->GetPickPosition(world);
  PickedVoxel voxel;
  voxel.x = std::clamp(int(std::lround(world[0])), 0, mVolume.width - 1);
  voxel.y = std::clamp(mVolume.height - 1 - int(std::lround(world[1])), 0, mVolume.height - 1);
  voxel.t = std::clamp(int(std::lround(world[2] / timeSpacing())), 0, mVolume.dates - 1);
  voxel.value = mVolume.at(voxel.x, voxel.y, voxel.t);
  if (voxel.t < int(mVolume.times.size())) voxel.time = mVolume.times[voxel.t];
  return voxel;
}

QPointF CubeView::widgetPositionOf(int x, int y, int t) {
  mRenderer->SetWorldPoint(x, mVolume.height - 1 - y, t * timeSpacing(), 1.0);
  mRenderer->WorldToDisplay();
  double display[3];
  mRenderer->GetDisplayPoint(display);
  const double ratio = devicePixelRatioF();
  return {display[0] / ratio, height() - display[1] / ratio};
}

void CubeView::mousePressEvent(QMouseEvent* event) {
  mPress = event->position().toPoint();
  mLast = *mPress;
  mDragged = false;
}

void CubeView::mouseMoveEvent(QMouseEvent* event) {
  if (!mPress) return;
  const QPoint delta = event->position().toPoint() - mLast;
  mLast = event->position().toPoint();
  if ((mLast - *mPress).manhattanLength() > 3) mDragged = true;
  if (!mDragged) return;
  vtkCamera* camera = mRenderer->GetActiveCamera();
  camera->Azimuth(-delta.x() * 0.5);
  camera->Elevation(delta.y() * 0.5);
  camera->OrthogonalizeViewUp();
  mRenderer->ResetCameraClippingRange();
  update();
}

void CubeView::mouseReleaseEvent(QMouseEvent* event) {
  if (mPress && !mDragged)
    if (auto voxel = pickVoxel(event->position().toPoint())) Q_EMIT voxelPicked(*voxel);
  mPress.reset();
}

void CubeView::wheelEvent(QWheelEvent* event) {
  mRenderer->GetActiveCamera()->Dolly(std::pow(1.1, event->angleDelta().y() / 120.0));
  mRenderer->ResetCameraClippingRange();
  update();
}

}  // namespace prithvi
