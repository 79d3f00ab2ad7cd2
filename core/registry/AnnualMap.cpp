#include "core/registry/AnnualMap.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include "core/base/Error.h"
#include "core/base/Feedback.h"
#include "core/raster/Grid.h"
#include "core/raster/RasterSource.h"
#include "core/raster/RasterWriter.h"

namespace prithvi {

namespace {

constexpr uint8_t kNoPrediction = 255;
constexpr int kStripRows = 256;

RasterGrid gridOf(const RasterInfo& info) { return {info.width, info.height, info.geoTransform, info.crsWkt}; }

std::string granulesJson(const std::vector<std::string>& granules) {
  QJsonArray array;
  for (const std::string& granule : granules) array.append(QString::fromStdString(granule));
  return QJsonDocument(array).toJson(QJsonDocument::Compact).toStdString();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> modelProvenanceItems(const MapProvenance& provenance) {
  return {{"PRITHVI_PRODUCT", provenance.product},
          {"PRITHVI_MODEL_VERSION", std::to_string(provenance.modelVersion)},
          {"PRITHVI_MODEL_SHA256", provenance.modelSha256},
          {"PRITHVI_MODEL_ALIAS", provenance.modelAlias},
          {"PRITHVI_TILE", provenance.region},
          {"PRITHVI_YEAR", std::to_string(provenance.year)},
          {"PRITHVI_LABEL_SET_VERSION", provenance.labelSetVersion},
          {"PRITHVI_DATASET_HASH", provenance.datasetHash}};
}

std::string votesPathFor(const std::string& mapPath) {
  const QFileInfo info(QString::fromStdString(mapPath));
  return (info.path() + "/" + info.completeBaseName() + ".votes.tif").toStdString();
}

AnnualVoteResult writeAnnualVote(const std::vector<std::string>& classMaps, const std::string& outPath,
                                 const MapProvenance& provenance, Feedback* feedback) {
  if (classMaps.empty()) throwBadInput("an annual map needs at least one class map");
  std::vector<std::shared_ptr<RasterSource>> sources;
  for (const std::string& path : classMaps) {
    sources.push_back(RasterSource::open(path));
    const RasterInfo& info = sources.back()->info();
    if (info.bands.empty() || info.bands[0].type != DataType::Byte)
      throwBadInput(path + " is not a class map (one Byte band, 255 = no prediction)");
    if (const std::string difference = gridDifference(gridOf(sources.front()->info()), gridOf(info)); !difference.empty())
      throwBadInput(path + " is not on the grid of " + classMaps.front() + " (" + difference +
                    "): the class maps of a year must share one grid");
  }
  const RasterInfo& grid = sources.front()->info();
  const int width = grid.width;
  const int height = grid.height;

  RasterWriteOptions options;
  options.nodata = kNoPrediction;
  options.bandDescriptions = {"class"};
  options.palette = grid.bands[0].palette;
  options.categoryNames = grid.bands[0].categoryNames;
  options.metadata = modelProvenanceItems(provenance);
  options.metadata.insert(options.metadata.end(),
                          {{"PRITHVI_GRANULES", granulesJson(provenance.granules)},
                           {"PRITHVI_FMASK_POLICY", provenance.fmaskPolicy},
                           {"PRITHVI_VOTES_FILE", QFileInfo(QString::fromStdString(votesPathFor(outPath))).fileName().toStdString()}});
  RasterStreamWriter writer(outPath, width, height, 1, DataType::Byte, grid.geoTransform, grid.crsWkt, options);
  RasterWriteOptions voteOptions;
  voteOptions.bandDescriptions = {"clear observations", "votes for the class"};
  voteOptions.metadata = {{"PRITHVI_VOTES_OF", QFileInfo(QString::fromStdString(outPath)).fileName().toStdString()}};
  RasterStreamWriter voteWriter(votesPathFor(outPath), width, height, 2, DataType::Byte, grid.geoTransform, grid.crsWkt,
                                voteOptions);

  AnnualVoteResult result;
  result.path = outPath;
  result.width = width;
  result.height = height;
  double observationSum = 0;
  std::vector<uint8_t> strip;
  std::vector<uint8_t> values;
  for (int y0 = 0; y0 < height; y0 += kStripRows) {
    if (feedback) feedback->throwIfCanceled();
    const int rows = std::min(kStripRows, height - y0);
    const size_t plane = size_t(width) * rows;
    std::vector<RasterBlock> blocks;
    for (const auto& source : sources) blocks.push_back(source->read({0, y0, width, rows}, {1}));
    strip.assign(plane * 3, 0);
    for (size_t p = 0; p < plane; ++p) {
      values.clear();
      for (const RasterBlock& block : blocks)
        if (const uint8_t value = block.band<uint8_t>(0)[p]; value != kNoPrediction) values.push_back(value);
      if (values.empty()) {
        strip[p] = kNoPrediction;
        ++result.unobservedPixels;
        continue;
      }
      std::sort(values.begin(), values.end());
      uint8_t best = values[0];
      size_t bestCount = 0;
      for (size_t i = 0; i < values.size();) {
        size_t j = i;
        while (j < values.size() && values[j] == values[i]) ++j;
        if (j - i > bestCount) best = values[i], bestCount = j - i;  // ties keep the lower value
        i = j;
      }
      strip[p] = best;
      strip[plane + p] = uint8_t(std::min<size_t>(values.size(), 254));
      strip[2 * plane + p] = uint8_t(std::min<size_t>(bestCount, 254));
      ++result.votedPixels;
      observationSum += double(values.size());
    }
    writer.writeRows(y0, rows, strip.data());
    voteWriter.writeRows(y0, rows, strip.data() + plane);
    if (feedback) feedback->setProgress(y0 + rows, height, "voting the annual map");
  }
  result.meanObservations = result.votedPixels ? observationSum / double(result.votedPixels) : 0;
  writer.addMetadata("PRITHVI_VOTED_PIXELS", std::to_string(result.votedPixels));
  // The votes first: a map under its final name always has its votes beside it.
  voteWriter.finish();
  writer.finish(feedback);
  return result;
}

std::optional<MapProvenance> readMapProvenance(const std::string& path) {
  std::shared_ptr<RasterSource> source;
  try {
    source = RasterSource::open(path);
  } catch (const Error&) {
    return std::nullopt;
  }
  const auto& metadata = source->info().metadata;
  const auto item = [&](const char* key) {
    const auto found = metadata.find(key);
    return found == metadata.end() ? std::string() : found->second;
  };
  if (item("PRITHVI_PRODUCT").empty() || item("PRITHVI_MODEL_VERSION").empty()) return std::nullopt;
  MapProvenance provenance;
  provenance.product = item("PRITHVI_PRODUCT");
  provenance.modelVersion = std::atoll(item("PRITHVI_MODEL_VERSION").c_str());
  provenance.modelSha256 = item("PRITHVI_MODEL_SHA256");
  provenance.modelAlias = item("PRITHVI_MODEL_ALIAS");
  provenance.region = item("PRITHVI_TILE");
  provenance.year = std::atoi(item("PRITHVI_YEAR").c_str());
  // A JSON array (annual maps) or a comma-separated list (class maps of 'prithvi infer').
  const QString granules = QString::fromStdString(item("PRITHVI_GRANULES"));
  if (granules.startsWith(QLatin1Char('[')))
    for (const QJsonValue& value : QJsonDocument::fromJson(granules.toUtf8()).array()) provenance.granules.push_back(value.toString().toStdString());
  else
    for (const QString& granule : granules.split(QLatin1Char(','), Qt::SkipEmptyParts)) provenance.granules.push_back(granule.toStdString());
  provenance.fmaskPolicy = item("PRITHVI_FMASK_POLICY");
  provenance.labelSetVersion = item("PRITHVI_LABEL_SET_VERSION");
  provenance.datasetHash = item("PRITHVI_DATASET_HASH");
  return provenance;
}

PixelProvenance pixelProvenance(const std::string& path, int x, int y) {
  std::optional<MapProvenance> provenance = readMapProvenance(path);
  if (!provenance) throwBadInput(path + " carries no provenance (it is not a map made with a registered model)");
  const auto source = RasterSource::open(path);
  const RasterInfo& info = source->info();
  if (x < 0 || y < 0 || x >= info.width || y >= info.height)
    throwBadInput("pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") lies outside " + path);
  PixelProvenance pixel;
  pixel.x = x;
  pixel.y = y;
  pixel.map = std::move(*provenance);
  pixel.classValue = int(source->read({x, y, 1, 1}, {1}, DataType::Byte).band<uint8_t>(0)[0]);
  const std::string votes = votesPathFor(path);
  if (QFileInfo::exists(QString::fromStdString(votes))) {
    const RasterBlock counts = RasterSource::open(votes)->read({x, y, 1, 1}, {1, 2}, DataType::Byte);
    pixel.observations = counts.band<uint8_t>(0)[0];
    pixel.votes = counts.band<uint8_t>(1)[0];
  }
  const auto& names = info.bands[0].categoryNames;
  if (pixel.classValue < int(names.size())) pixel.className = names[size_t(pixel.classValue)];
  return pixel;
}

}  // namespace prithvi
