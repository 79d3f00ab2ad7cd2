#pragma once
// How the CLI shows core objects, as JSON and as text.

#include <string>

#include <QJsonObject>

#include "core/raster/RasterSource.h"
#include "core/scene/Scene.h"
#include "core/scene/SceneScanner.h"

namespace prithvi::cli {

QJsonObject rasterInfoJson(const RasterInfo& info);
std::string rasterInfoText(const RasterInfo& info);

QJsonObject sceneJson(const Scene& scene);
std::string sceneText(const Scene& scene);  // several lines
std::string sceneLine(const Scene& scene);  // one line for tables

QJsonObject scanResultJson(const ScanResult& result);
std::string skippedText(const ScanResult& result);

std::string isoDate(const QDateTime& when);

}  // namespace prithvi::cli
