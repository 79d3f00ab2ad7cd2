#include "core/raster/ZarrStore.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include "core/base/Error.h"
#include "core/raster/GdalErrors.h"

namespace prithvi::zarr {

DatasetPtr create(const std::string& partialPath) {
  ensureGdalRegistered();
  removeTree(partialPath);
  QDir().mkpath(QFileInfo(QString::fromStdString(partialPath)).absolutePath());
  GdalErrorCapture errors;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("Zarr");
  if (!driver) throwIo("this GDAL has no Zarr driver");
  const char* createOptions[] = {"FORMAT=ZARR_V2", nullptr};
  DatasetPtr dataset(driver->CreateMultiDimensional(partialPath.c_str(), nullptr, createOptions));
  if (!dataset) throwIo("cannot create a Zarr store at " + partialPath + ": " + errors.message());
  return dataset;
}

DatasetPtr open(const std::string& path, const std::string& what) {
  ensureGdalRegistered();
  GdalErrorCapture errors;
  const char* drivers[] = {"Zarr", nullptr};
  DatasetPtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_MULTIDIM_RASTER | GDAL_OF_READONLY, drivers));
  if (!dataset) throwBadInput("cannot open the " + what + " " + path + ": " + errors.message("not a Zarr store"));
  return dataset;
}

void writeString(GDALGroup& group, const std::string& name, const std::string& value) {
  auto attribute = group.CreateAttribute(name, {}, GDALExtendedDataType::CreateString());
  if (!attribute || !attribute->Write(value.c_str())) throwIo("cannot write Zarr attribute " + name);
}

std::string readString(const GDALGroup& group, const std::string& name) {
  auto attribute = group.GetAttribute(name);
  if (!attribute) return {};
  const char* value = attribute->ReadAsString();
  return value ? value : "";
}

std::string jsonList(const std::vector<std::string>& items) {
  QJsonArray array;
  for (const auto& item : items) array.append(QString::fromStdString(item));
  return QJsonDocument(array).toJson(QJsonDocument::Compact).toStdString();
}

std::vector<std::string> parseJsonList(const std::string& text) {
  std::vector<std::string> items;
  for (const auto& value : QJsonDocument::fromJson(QByteArray::fromStdString(text)).array())
    items.push_back(value.toString().toStdString());
  return items;
}

void removeTree(const std::string& path) { QDir(QString::fromStdString(path)).removeRecursively(); }

void publish(const std::string& partialPath, const std::string& path) {
  removeTree(path);
  if (!QDir().rename(QString::fromStdString(partialPath), QString::fromStdString(path)))
    throwIo("cannot move the finished store into place at " + path);
}

}  // namespace prithvi::zarr
