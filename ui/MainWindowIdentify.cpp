// The main window's "what is here": the status bar's position, band values and Fmask flags under
// the cursor (one probe at a time, always for the latest position), and Identify (every visible
// layer's pixel, class names of class maps, an annual map's provenance, vector features).
#include <QDockWidget>
#include <QLabel>
#include <QTreeWidget>

#include "core/base/Error.h"
#include "core/raster/Crs.h"
#include "core/registry/AnnualMap.h"
#include "ui/Async.h"
#include "ui/LabelDock.h"
#include "ui/MainWindow.h"
#include "ui/ModelsDock.h"
#include "ui/VectorLayersPanel.h"
#include "viewers/MapCanvas.h"
#include "viewers/PixelProbe.h"

namespace prithvi {

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

// Short band names keep all six values readable in the status bar.
QString shortRoleName(const ProbedBand& band) {
  switch (band.role) {
    case BandRole::SWIR1: return QStringLiteral("SW1");
    case BandRole::SWIR2: return QStringLiteral("SW2");
    case BandRole::Other: return q(band.name);
    default: return QLatin1String(bandRoleName(band.role));
  }
}

QString bandValuesText(const PixelProbe& probe) {
  QStringList parts;
  for (const auto& band : probe.bands) {
    if (band.role == BandRole::Fmask) continue;
    const QString name = shortRoleName(band);
    parts << (band.valid ? QStringLiteral("%1 %2 (%3)").arg(name).arg(band.value, 0, 'f', 4).arg(band.raw)
                         : QStringLiteral("%1 nodata").arg(name));
  }
  return parts.join(QStringLiteral("  "));
}

}  // namespace

void MainWindow::onCursorMoved(const MapPoint& point) {
  mCursorPoint = point;
  const std::string& crs = mCanvas->mapCrs();
  if (crs.empty()) return;
  mCoordinates->setText(mCanvas->mapCrsIsGeographic()
                            ? QStringLiteral("x %1  y %2").arg(point.x, 0, 'f', 6).arg(point.y, 0, 'f', 6)
                            : QStringLiteral("E %1  N %2").arg(point.x, 0, 'f', 1).arg(point.y, 0, 'f', 1));
  // Pixel values need the disk: one probe at a time, always for the latest position.
  mProbePending = true;
  if (!mProbeRunning) runCursorProbe();
}

void MainWindow::runCursorProbe() {
  const MapLayer* layer = mLayers.topVisible();
  if (!mCursorPoint || !mProbePending) return;
  mProbePending = false;
  mProbeRunning = true;
  const MapPoint point = *mCursorPoint;
  const std::string crs = mCanvas->mapCrs();
  std::optional<MapLayer> snapshot;
  if (layer) snapshot = *layer;
  struct CursorInfo {
    std::optional<LonLat> lonLat;
    std::optional<PixelProbe> probe;
  };
  runAsync<CursorInfo>(
      mWorkers, this,
      [snapshot, point, crs] {
        CursorInfo info;
        info.lonLat = LonLatTransform(crs).toLonLat(point);
        if (snapshot) info.probe = probePixel(*snapshot, point, crs);
        return info;
      },
      [this](std::optional<CursorInfo> info, const std::string&) {
        mProbeRunning = false;
        if (info && info->lonLat)
          mLonLat->setText(QStringLiteral("lon %1  lat %2").arg(info->lonLat->lon, 0, 'f', 5).arg(info->lonLat->lat, 0, 'f', 5));
        if (info && info->probe && info->probe->inside) {
          mValues->setText(bandValuesText(*info->probe));
          mFmask->setText(info->probe->fmask ? tr("Fmask: %1").arg(q(fmaskText(*info->probe->fmask))) : QString());
        } else {
          mValues->clear();
          mFmask->clear();
        }
        Q_EMIT statusUpdated();
        if (mProbePending) runCursorProbe();
      });
}

QString MainWindow::statusText() const {
  return QStringList{mCoordinates->text(), mLonLat->text(), mValues->text(), mFmask->text(), mScale->text()}.join(
      QStringLiteral(" | "));
}

bool MainWindow::topLayerHasProvenance() const {
  const MapLayer* top = mLayers.topVisible();
  return top && top->scene.kind != SceneKind::HlsGranule && !top->scene.bands.empty() &&
         mHasProvenance.value(q(top->scene.bands.front().path), false);
}

void MainWindow::identifyAt(const MapPoint& point) {
  std::vector<MapLayer> visible;
  for (const auto& layer : mLayers.layers())
    if (layer.visible) visible.push_back(layer);
  const std::string crs = mCanvas->mapCrs();
  // The top layer may be an annual map: then the clicked pixel's provenance is read as well.
  // Whether a file carries provenance is asked once per file.
  QString mapFile;
  std::optional<bool> knownProvenance;
  if (!visible.empty() && visible.back().scene.kind != SceneKind::HlsGranule && !visible.back().scene.bands.empty()) {
    mapFile = q(visible.back().scene.bands.front().path);
    if (const auto known = mHasProvenance.constFind(mapFile); known != mHasProvenance.constEnd()) knownProvenance = *known;
  }
  struct Identified {
    std::vector<PixelProbe> probes;  // top layer first
    std::optional<bool> hasProvenance;
    std::optional<PixelProvenance> provenance;
    std::string provenanceError;
  };
  runAsync<Identified>(
      mWorkers, this,
      [visible, point, crs, mapFile, knownProvenance] {
        Identified identified;
        for (auto it = visible.rbegin(); it != visible.rend(); ++it) identified.probes.push_back(probePixel(*it, point, crs));
        if (mapFile.isEmpty() || knownProvenance == false) return identified;
        const std::string path = mapFile.toStdString();
        identified.hasProvenance = knownProvenance ? *knownProvenance : readMapProvenance(path).has_value();
        const PixelProbe& top = identified.probes.front();
        if (*identified.hasProvenance && top.inside) {
          try {
            identified.provenance = pixelProvenance(path, top.pixelX, top.pixelY);
          } catch (const std::exception& error) {
            identified.provenanceError = error.what();
          }
        }
        return identified;
      },
      [this, mapFile, point](std::optional<Identified> identified, const std::string& error) {
        mIdentify->clear();
        if (!identified) {
          log(QStringLiteral("error"), tr("identify: %1").arg(q(error)));
          return;
        }
        if (identified->hasProvenance) mHasProvenance.insert(mapFile, *identified->hasProvenance);
        if (!identified->provenanceError.empty()) log(QStringLiteral("warning"), tr("provenance: %1").arg(q(identified->provenanceError)));
        for (const PixelProbe& probe : identified->probes) {
          auto* layerItem = new QTreeWidgetItem(mIdentify, {q(probe.sceneId)});
          if (!probe.inside) {
            layerItem->setText(1, tr("outside"));
            continue;
          }
          layerItem->setText(1, tr("pixel %1, %2").arg(probe.pixelX).arg(probe.pixelY));
          // A class map names its value's class.
          const MapLayer* classes = nullptr;
          for (const MapLayer& layer : mLayers.layers())
            if (layer.scene.id == probe.sceneId && layer.style.kind == LayerStyle::Kind::Classes) classes = &layer;
          for (const auto& band : probe.bands) {
            const QString name = QStringLiteral("%1 (%2)").arg(q(band.name), QLatin1String(bandRoleName(band.role)));
            QString value = band.valid ? QString::number(band.value, 'g', 6) : tr("nodata");
            if (classes && band.valid)
              for (const StyleClass& styleClass : classes->style.classes)
                if (double(styleClass.value) == band.raw) value = QStringLiteral("%1 (%2)").arg(q(styleClass.name)).arg(styleClass.value);
            new QTreeWidgetItem(layerItem, {name, value, QString::number(band.raw, 'g', 10)});
          }
          if (probe.fmask) new QTreeWidgetItem(layerItem, {tr("Fmask flags"), q(fmaskText(*probe.fmask))});
          // The annual map's pixel in short; the models dock shows the whole chain.
          if (identified->provenance && &probe == &identified->probes.front()) {
            const PixelProvenance& pixel = *identified->provenance;
            auto* provenance = new QTreeWidgetItem(layerItem, {tr("Provenance"), tr("model v%1").arg(pixel.map.modelVersion)});
            new QTreeWidgetItem(provenance, {tr("Class"), pixel.classValue == 255 ? tr("no clear observation")
                                                                                 : QStringLiteral("%1 %2").arg(pixel.classValue).arg(q(pixel.className))});
            new QTreeWidgetItem(provenance, {tr("Votes"), tr("%1 of %2 clear observations").arg(pixel.votes).arg(pixel.observations)});
            new QTreeWidgetItem(provenance, {tr("Alias when made"), q(pixel.map.modelAlias)});
            new QTreeWidgetItem(provenance, {tr("Label-set version"), q(pixel.map.labelSetVersion)});
            new QTreeWidgetItem(provenance, {tr("Granules"), QString::number(pixel.map.granules.size())});
          }
        }
        // Features of the vector layers under the click, with their attributes.
        for (const auto& [layerName, feature] : mVectors->featuresAt(point, 4 * mCanvas->resolution())) {
          auto* featureItem = new QTreeWidgetItem(mIdentify, {layerName, tr("feature %1").arg(feature->fid)});
          for (const auto& [field, value] : feature->attributes) new QTreeWidgetItem(featureItem, {q(field), q(value)});
        }
        mIdentify->expandAll();
        // While labels are being edited in front, a click selects polygons: leave them in front.
        const auto* labels = findChild<QDockWidget*>(QStringLiteral("labelDock"));
        const bool labelling = mLabels->editor() && labels && !labels->visibleRegion().isEmpty();
        if (auto* dock = findChild<QDockWidget*>(QStringLiteral("identifyDock")); dock && !labelling) dock->raise();
        if (identified->provenance) {
          mModels->showPixelProvenance(*identified->provenance, mapFile);
          if (auto* dock = findChild<QDockWidget*>(QStringLiteral("modelsDock"))) {
            dock->show();
            dock->raise();
          }
        }
        Q_EMIT identifyFinished();
      });
}

}  // namespace prithvi
