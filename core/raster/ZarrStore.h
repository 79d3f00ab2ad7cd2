#pragma once
// What every Zarr store this program writes through GDAL's multidimensional API shares (tile
// cubes, training datasets): creation under a temporary name, string attributes, opening for
// reading, and publishing the finished folder.

#include <memory>
#include <string>
#include <vector>

#include <gdal_priv.h>

namespace prithvi::zarr {

using DatasetPtr = std::unique_ptr<GDALDataset>;

// A new Zarr v2 store at `partialPath` (an old one there is removed first).
DatasetPtr create(const std::string& partialPath);
// Opens a store for reading; Error(BadInput) naming `what` when it is not a Zarr store.
DatasetPtr open(const std::string& path, const std::string& what);

void writeString(GDALGroup& group, const std::string& name, const std::string& value);
std::string readString(const GDALGroup& group, const std::string& name);  // "" when absent
// JSON arrays of strings, for list attributes.
std::string jsonList(const std::vector<std::string>& items);
std::vector<std::string> parseJsonList(const std::string& text);

// Removes a folder tree (a Zarr store is a folder).
void removeTree(const std::string& path);
// Replaces `path` by the finished store at `partialPath`.
void publish(const std::string& partialPath, const std::string& path);

}  // namespace prithvi::zarr
