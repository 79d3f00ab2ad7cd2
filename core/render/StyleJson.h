#pragma once
// A layer style as JSON, to keep it in a project's workspace: band roles, indices and colour
// maps by name, numbers as JSON numbers (locale-independent).

#include <QJsonObject>

#include "core/render/Render.h"

namespace prithvi {

QJsonObject layerStyleToJson(const LayerStyle& style);
// Unknown or missing fields keep LayerStyle's defaults: a workspace saved by an older program
// still opens.
LayerStyle layerStyleFromJson(const QJsonObject& json);

}  // namespace prithvi
