#include "ui/WorkspaceState.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

#include "core/base/Error.h"
#include "core/render/StyleJson.h"
#include "viewers/LayerStack.h"

namespace prithvi {

namespace {
constexpr int kFormat = 1;
QString q(const std::string& text) { return QString::fromStdString(text); }
}  // namespace

WorkspaceState WorkspaceState::capture(const LayerStack& layers, const std::vector<std::string>& projectSceneIds,
                                       const MapCanvas& canvas, const QByteArray& dockState, int selectedLayerId) {
  WorkspaceState state;
  for (const MapLayer& layer : layers.layers()) {
    SavedLayer saved;
    if (std::find(projectSceneIds.begin(), projectSceneIds.end(), layer.scene.id) != projectSceneIds.end())
      saved.sceneId = layer.scene.id;
    else if (!layer.scene.bands.empty())
      saved.path = layer.scene.bands.front().path;
    else
      continue;
    if (layer.id == selectedLayerId) state.selectedLayer = int(state.layers.size());
    saved.style = layer.style;
    saved.opacity = layer.opacity;
    saved.visible = layer.visible;
    state.layers.push_back(std::move(saved));
  }
  state.mapCrs = canvas.mapCrs();
  if (!state.mapCrs.empty()) {
    state.center = canvas.center();
    state.resolution = canvas.resolution();
  }
  state.dockState = dockState;
  return state;
}

std::string WorkspaceState::toJson() const {
  QJsonArray layerArray;
  for (const SavedLayer& layer : layers) {
    QJsonObject entry{{QStringLiteral("style"), layerStyleToJson(layer.style)},
                      {QStringLiteral("opacity"), layer.opacity},
                      {QStringLiteral("visible"), layer.visible}};
    if (!layer.sceneId.empty()) entry[QStringLiteral("scene")] = q(layer.sceneId);
    if (!layer.path.empty()) entry[QStringLiteral("path")] = q(layer.path);
    layerArray.append(entry);
  }
  QJsonArray vectorArray;
  for (const auto& [path, shown] : vectorLayers)
    vectorArray.append(QJsonObject{{QStringLiteral("path"), q(path)}, {QStringLiteral("visible"), shown}});
  QJsonObject json{{QStringLiteral("format"), kFormat},
                   {QStringLiteral("vector_layers"), vectorArray},
                   {QStringLiteral("layers"), layerArray},
                   {QStringLiteral("selected_layer"), selectedLayer},
                   {QStringLiteral("docks"), QString::fromLatin1(dockState.toBase64())}};
  if (center) {
    json[QStringLiteral("map")] = QJsonObject{{QStringLiteral("crs"), q(mapCrs)},
                                              {QStringLiteral("center"), QJsonArray{center->x, center->y}},
                                              {QStringLiteral("resolution"), resolution}};
  }
  return QJsonDocument(json).toJson(QJsonDocument::Compact).toStdString();
}

WorkspaceState WorkspaceState::fromJson(const std::string& text) {
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
  if (!document.isObject()) throwBadInput("the saved workspace is not JSON: " + error.errorString().toStdString());
  const QJsonObject json = document.object();
  if (json.value(QStringLiteral("format")).toInt() != kFormat)
    throwBadInput("the saved workspace has format " + std::to_string(json.value(QStringLiteral("format")).toInt()) +
                  "; this program reads format " + std::to_string(kFormat));
  WorkspaceState state;
  for (const QJsonValue& value : json.value(QStringLiteral("layers")).toArray()) {
    const QJsonObject entry = value.toObject();
    SavedLayer layer;
    layer.sceneId = entry.value(QStringLiteral("scene")).toString().toStdString();
    layer.path = entry.value(QStringLiteral("path")).toString().toStdString();
    layer.style = layerStyleFromJson(entry.value(QStringLiteral("style")).toObject());
    layer.opacity = std::clamp(entry.value(QStringLiteral("opacity")).toDouble(1.0), 0.0, 1.0);
    layer.visible = entry.value(QStringLiteral("visible")).toBool(true);
    if (!layer.sceneId.empty() || !layer.path.empty()) state.layers.push_back(std::move(layer));
  }
  for (const QJsonValue& value : json.value(QStringLiteral("vector_layers")).toArray()) {
    const QJsonObject entry = value.toObject();
    const std::string path = entry.value(QStringLiteral("path")).toString().toStdString();
    if (!path.empty()) state.vectorLayers.emplace_back(path, entry.value(QStringLiteral("visible")).toBool(true));
  }
  state.selectedLayer = json.value(QStringLiteral("selected_layer")).toInt(-1);
  state.dockState = QByteArray::fromBase64(json.value(QStringLiteral("docks")).toString().toLatin1());
  const QJsonObject map = json.value(QStringLiteral("map")).toObject();
  const QJsonArray center = map.value(QStringLiteral("center")).toArray();
  const double resolution = map.value(QStringLiteral("resolution")).toDouble();
  if (center.size() == 2 && resolution > 0) {
    state.mapCrs = map.value(QStringLiteral("crs")).toString().toStdString();
    state.center = MapPoint{center[0].toDouble(), center[1].toDouble()};
    state.resolution = resolution;
  }
  return state;
}

}  // namespace prithvi
