#include <algorithm>
#include "core/labels/ClassScheme.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <set>

#include "core/base/Error.h"
#include "core/base/Json.h"

namespace prithvi {

PaletteEntry LabelClass::paletteEntry() const {
  const unsigned long rgb = std::stoul(color.substr(1), nullptr, 16);
  return {uint8_t(rgb >> 16), uint8_t(rgb >> 8), uint8_t(rgb), 255};
}

namespace {
int largestValue(const ClassScheme& scheme) {
  int last = scheme.ignoreValue;
  for (const LabelClass& labelClass : scheme.classes) last = std::max(last, labelClass.value);
  return last;
}
}  // namespace

std::vector<PaletteEntry> ClassScheme::palette() const {
  std::vector<PaletteEntry> entries(size_t(largestValue(*this)) + 1, PaletteEntry{0, 0, 0, 0});
  for (const LabelClass& labelClass : classes) entries[size_t(labelClass.value)] = labelClass.paletteEntry();
  return entries;
}

std::vector<std::string> ClassScheme::categoryNames() const {
  std::vector<std::string> names(size_t(largestValue(*this)) + 1);
  for (const LabelClass& labelClass : classes) names[size_t(labelClass.value)] = labelClass.name;
  return names;
}

const LabelClass* ClassScheme::find(int value) const {
  for (const LabelClass& labelClass : classes)
    if (labelClass.value == value) return &labelClass;
  return nullptr;
}

void ClassScheme::validate() const {
  const std::string where = "class scheme '" + name + "'";
  if (name.empty()) throwBadInput("a class scheme needs a name");
  if (classes.empty()) throwBadInput(where + " has no classes: add at least one");
  if (ignoreValue < 0 || ignoreValue > 255)
    throwBadInput(where + ": the ignore value " + std::to_string(ignoreValue) + " is not in 0..255");
  static const QRegularExpression kColor("^#[0-9a-fA-F]{6}$");
  std::set<int> values;
  for (const LabelClass& labelClass : classes) {
    const std::string what = where + ", class '" + labelClass.name + "'";
    if (labelClass.name.empty()) throwBadInput(where + ": class " + std::to_string(labelClass.value) + " has no name");
    if (labelClass.value < 0 || labelClass.value > kMaxClassValue)
      throwBadInput(what + ": value " + std::to_string(labelClass.value) + " is not in 0.." +
                    std::to_string(kMaxClassValue));
    if (labelClass.value == ignoreValue)
      throwBadInput(what + ": value " + std::to_string(labelClass.value) +
                    " is the ignore value; pick another value or another ignore value");
    if (!values.insert(labelClass.value).second)
      throwBadInput(what + ": value " + std::to_string(labelClass.value) + " is used twice");
    if (!kColor.match(QString::fromStdString(labelClass.color)).hasMatch())
      throwBadInput(what + ": colour '" + labelClass.color + "' is not #rrggbb");
  }
}

std::string ClassScheme::toJson() const {
  QJsonArray classArray;
  for (const LabelClass& labelClass : classes)
    classArray.append(QJsonObject{{"value", labelClass.value},
                                  {"name", QString::fromStdString(labelClass.name)},
                                  {"color", QString::fromStdString(labelClass.color)}});
  QJsonObject object{{"name", QString::fromStdString(name)},
                     {"task", QString::fromStdString(task)},
                     {"ignore_value", ignoreValue},
                     {"multi_temporal", multiTemporal},
                     {"classes", classArray}};
  return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

ClassScheme ClassScheme::fromJson(const std::string& json) {
  const QJsonObject object = parseJsonObject(json, "class scheme");
  auto requireInt = [](const QJsonValue& value, const std::string& field) {
    if (!value.isDouble() || value.toDouble() != double(value.toInt()))
      throwBadInput("class scheme field '" + field + "' must be an integer");
    return value.toInt();
  };
  ClassScheme scheme;
  scheme.name = object.value("name").toString().toStdString();
  scheme.task = object.value("task").toString("custom").toStdString();
  scheme.ignoreValue = object.contains("ignore_value") ? requireInt(object.value("ignore_value"), "ignore_value") : 255;
  scheme.multiTemporal = object.value("multi_temporal").toBool(false);
  if (!object.value("classes").isArray()) throwBadInput("class scheme '" + scheme.name + "' has no 'classes' array");
  for (const QJsonValue& item : object.value("classes").toArray()) {
    const QJsonObject classObject = item.toObject();
    LabelClass labelClass;
    labelClass.value = requireInt(classObject.value("value"), "classes[].value");
    labelClass.name = classObject.value("name").toString().toStdString();
    labelClass.color = classObject.value("color").toString("#808080").toStdString();
    scheme.classes.push_back(std::move(labelClass));
  }
  scheme.validate();
  return scheme;
}

const std::vector<ClassScheme>& presetClassSchemes() {
  static const std::vector<ClassScheme> presets = [] {
    std::vector<ClassScheme> schemes;
    // Sen1Floods11 and hls_burn_scars are binary; 255 keeps the ignore value clear of them.
    schemes.push_back({"flood", "flood", {{0, "No water", "#f2d14b"}, {1, "Water", "#1f78d1"}}, 255, false});
    schemes.push_back(
        {"burn_scars", "burn_scars", {{0, "Unburned", "#5ab4ac"}, {1, "Burn scar", "#c0392b"}}, 255, false});
    // Multi-temporal crop classification: CDL reclassified to 13 classes, 0 = no data.
    schemes.push_back({"crop",
                       "crop",
                       {{1, "Natural Vegetation", "#a6cf7a"},
                        {2, "Forest", "#1b7837"},
                        {3, "Corn", "#ffd300"},
                        {4, "Soybeans", "#267300"},
                        {5, "Wetlands", "#7cafaf"},
                        {6, "Developed/Barren", "#9c9c9c"},
                        {7, "Open Water", "#4970a3"},
                        {8, "Winter Wheat", "#a57000"},
                        {9, "Alfalfa", "#ff8c8c"},
                        {10, "Fallow/Idle Cropland", "#bfbf77"},
                        {11, "Cotton", "#ff2626"},
                        {12, "Sorghum", "#ff9e0a"},
                        {13, "Other", "#e8beff"}},
                       0,
                       true});
    schemes.push_back({"cloud",
                       "cloud",
                       {{0, "Clear", "#b8d8a0"}, {1, "Cloud", "#f2f2f2"}, {2, "Cloud shadow", "#4d4d4d"}},
                       255,
                       false});
    // ESA WorldCover 2021 legend values and colours.
    schemes.push_back({"land_cover",
                       "land_cover",
                       {{10, "Tree cover", "#006400"},
                        {20, "Shrubland", "#ffbb22"},
                        {30, "Grassland", "#ffff4c"},
                        {40, "Cropland", "#f096ff"},
                        {50, "Built-up", "#fa0000"},
                        {60, "Bare / sparse vegetation", "#b4b4b4"},
                        {70, "Snow and ice", "#f0f0f0"},
                        {80, "Permanent water bodies", "#0064c8"},
                        {90, "Herbaceous wetland", "#0096a0"},
                        {95, "Mangroves", "#00cf75"},
                        {100, "Moss and lichen", "#fae6a0"}},
                       0,
                       false});
    return schemes;
  }();
  return presets;
}

std::optional<ClassScheme> presetClassScheme(const std::string& name) {
  for (const ClassScheme& scheme : presetClassSchemes())
    if (scheme.name == name) return scheme;
  return std::nullopt;
}

}  // namespace prithvi
