#include "core/render/StyleJson.h"

#include <QJsonArray>

namespace prithvi {

namespace {

constexpr std::pair<LayerStyle::Kind, const char*> kKinds[] = {{LayerStyle::Kind::Rgb, "rgb"},
                                                               {LayerStyle::Kind::SingleBand, "single_band"},
                                                               {LayerStyle::Kind::Index, "index"},
                                                               {LayerStyle::Kind::Classes, "classes"}};

QString roleText(BandRole role) { return QLatin1String(bandRoleName(role)); }

BandRole roleOf(const QJsonValue& value, BandRole fallback) {
  return bandRoleFromName(value.toString().toStdString()).value_or(fallback);
}

}  // namespace

QJsonObject layerStyleToJson(const LayerStyle& style) {
  QJsonObject json;
  for (const auto& [kind, name] : kKinds)
    if (kind == style.kind) json[QStringLiteral("kind")] = QLatin1String(name);
  json[QStringLiteral("rgb")] = QJsonArray{roleText(style.rgb[0]), roleText(style.rgb[1]), roleText(style.rgb[2])};
  json[QStringLiteral("band")] = roleText(style.band);
  json[QStringLiteral("index")] = QLatin1String(spectralIndexName(style.index));
  json[QStringLiteral("color_map")] = QLatin1String(colorMapName(style.colorMap));
  QJsonArray stretch;
  for (const ChannelStretch& channel : style.stretch) stretch.append(QJsonArray{channel.min, channel.max});
  json[QStringLiteral("stretch")] = stretch;
  json[QStringLiteral("custom_stretch")] = style.customStretch;
  json[QStringLiteral("gamma")] = style.gamma;
  json[QStringLiteral("fmask_overlay")] = int(style.fmaskOverlay);
  QJsonArray classes;
  for (const StyleClass& styleClass : style.classes)
    classes.append(QJsonObject{{QStringLiteral("value"), styleClass.value},
                               {QStringLiteral("argb"), QString::number(styleClass.argb, 16)},
                               {QStringLiteral("name"), QString::fromStdString(styleClass.name)}});
  json[QStringLiteral("classes")] = classes;
  json[QStringLiteral("scheme")] = QString::fromStdString(style.scheme);
  return json;
}

LayerStyle layerStyleFromJson(const QJsonObject& json) {
  LayerStyle style;
  const QString kind = json.value(QStringLiteral("kind")).toString();
  for (const auto& [value, name] : kKinds)
    if (kind == QLatin1String(name)) style.kind = value;
  const QJsonArray rgb = json.value(QStringLiteral("rgb")).toArray();
  for (int c = 0; c < 3 && c < rgb.size(); ++c) style.rgb[size_t(c)] = roleOf(rgb[c], style.rgb[size_t(c)]);
  style.band = roleOf(json.value(QStringLiteral("band")), style.band);
  style.index = spectralIndexFromName(json.value(QStringLiteral("index")).toString().toStdString()).value_or(style.index);
  style.colorMap = colorMapFromName(json.value(QStringLiteral("color_map")).toString().toStdString()).value_or(style.colorMap);
  const QJsonArray stretch = json.value(QStringLiteral("stretch")).toArray();
  for (int c = 0; c < 3 && c < stretch.size(); ++c) {
    const QJsonArray limits = stretch[c].toArray();
    if (limits.size() == 2) style.stretch[size_t(c)] = {limits[0].toDouble(), limits[1].toDouble()};
  }
  style.customStretch = json.value(QStringLiteral("custom_stretch")).toBool();
  style.gamma = json.value(QStringLiteral("gamma")).toDouble(1.0);
  style.fmaskOverlay = uint8_t(json.value(QStringLiteral("fmask_overlay")).toInt());
  for (const QJsonValue& value : json.value(QStringLiteral("classes")).toArray()) {
    const QJsonObject entry = value.toObject();
    StyleClass styleClass;
    styleClass.value = entry.value(QStringLiteral("value")).toInt();
    styleClass.argb = entry.value(QStringLiteral("argb")).toString().toUInt(nullptr, 16);
    styleClass.name = entry.value(QStringLiteral("name")).toString().toStdString();
    style.classes.push_back(styleClass);
  }
  style.scheme = json.value(QStringLiteral("scheme")).toString().toStdString();
  return style;
}

}  // namespace prithvi
