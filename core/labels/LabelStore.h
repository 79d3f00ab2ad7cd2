#pragma once
// Labels live in the project file (ARCHITECTURE.md, "Project"):
// - label sets (`label_sets`): one scene's labels under one class scheme, with review state,
//   author, reviewer, times, comment and a revision counter; `label_reviews` keeps the history;
// - polygons: GeoPackage feature tables `label_polygons_<srs_id>`, one per scene CRS (a feature
//   table has one CRS), which QGIS and ogrinfo open directly;
// - brush, wand, superpixel and imported-mask edits: 256x256 tiles of mask codes aligned to the
//   scene grid (`label_mask_tiles`), zlib-compressed.
// A label raster is composed as: polygons burnt in creation (fid) order, then mask codes over
// them. Later edits win because a polygon edit also clears the mask codes under it (LabelEditor).
//
// Every change is one transaction (ProjectStore's rules: BEGIN IMMEDIATE, WAL, synchronous
// FULL), so a killed program loses nothing committed. A LabelStore shares its ProjectStore's
// connection and thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QDateTime>

#include "core/labels/ClassScheme.h"
#include "core/raster/GeoTransform.h"
#include "core/raster/RasterSource.h"

namespace prithvi {

class ProjectStore;
struct Scene;

enum class ReviewState { Draft, Submitted, Validated, Rejected };
const char* reviewStateName(ReviewState state);  // "draft", "submitted", "validated", "rejected"
std::optional<ReviewState> reviewStateFromName(const std::string& name);

// draft/rejected --Submit--> submitted --Validate--> validated
//                            submitted --Reject----> rejected
// submitted/validated/rejected --Reopen--> draft
// Only draft and rejected label sets take edits (a rejected set is corrected, then submitted again).
enum class ReviewAction { Submit, Validate, Reject, Reopen };
const char* reviewActionName(ReviewAction action);  // "submit", "validate", "reject", "reopen"
std::optional<ReviewAction> reviewActionFromName(const std::string& name);

struct LabelSet {
  int64_t id = 0;
  std::string sceneId;
  std::string scheme;
  QDateTime labelDate;  // the date the labels describe: the scene's acquisition unless chosen
  ReviewState state = ReviewState::Draft;
  std::string author;
  std::string reviewer;  // who last validated or rejected it
  std::string comment;   // the last review comment
  QDateTime created;
  QDateTime modified;
  QDateTime submitted;
  QDateTime reviewed;
  int64_t revision = 0;  // +1 per saved edit: lets an editor notice changes made elsewhere
};

// Unset fields do not filter.
struct LabelSetFilter {
  std::string sceneId;
  std::string scheme;
  std::string tile;
  std::optional<ReviewState> state;
  int year = 0;  // the year of the label date (of the creation when it has none); 0: any
};

struct ReviewEvent {
  ReviewState from = ReviewState::Draft;
  ReviewState to = ReviewState::Draft;
  std::string person;
  std::string comment;
  QDateTime at;
};

using Ring = std::vector<MapPoint>;

// A labelled polygon in the scene's CRS: outer ring first, then holes; rings need not be closed.
struct LabelPolygon {
  int64_t fid = 0;  // 0 until stored
  int classValue = 0;
  std::vector<Ring> rings;
};

// Mask codes: 0 leaves the polygons visible, 1 erases (not labelled, even over a polygon),
// value + 2 labels the pixel with class `value`.
namespace mask_code {
constexpr uint8_t kUntouched = 0;
constexpr uint8_t kErased = 1;
constexpr uint8_t forClass(int value) { return uint8_t(value + 2); }
constexpr int classOf(uint8_t code) { return int(code) - 2; }
}  // namespace mask_code

constexpr int kMaskTileSize = 256;

struct MaskTile {
  int row = 0;  // tile indices: pixel (x, y) lies in tile (y / 256, x / 256)
  int col = 0;
  std::vector<uint8_t> codes;  // 256 * 256 codes, row-major; empty means all untouched
  bool isEmpty() const;
};

// One saved edit, applied as one transaction.
struct LabelEdit {
  std::vector<LabelPolygon> addPolygons;  // fid 0: a new fid; else re-inserted under that fid
  std::vector<int64_t> removePolygons;
  std::vector<MaskTile> setTiles;         // replace whole tiles
  bool isEmpty() const { return addPolygons.empty() && removePolygons.empty() && setTiles.empty(); }
};

struct LabelStats {
  int64_t polygonCount = 0;
  int64_t maskTileCount = 0;
  std::map<int, int64_t> pixelsPerValue;  // class value -> pixels of the composed raster
  int64_t labelledPixels = 0;             // pixels holding a class value
  int64_t totalPixels = 0;
};

class LabelStore {
 public:
  explicit LabelStore(ProjectStore& project);

  ProjectStore& project() { return mProject; }

  // Class schemes: those stored in the project, then the presets it has not stored yet.
  std::vector<ClassScheme> schemes();
  // A stored scheme or a preset; Error(BadInput) when there is none of that name.
  ClassScheme scheme(const std::string& name);
  // Stores or replaces a scheme (validated). Refuses (BadInput) to drop a class value that a
  // label set of this scheme still uses.
  void saveScheme(const ClassScheme& scheme);

  // A new draft label set. A preset scheme is stored in the project on first use.
  int64_t createLabelSet(const std::string& sceneId, const std::string& schemeName, const std::string& author,
                         const QDateTime& labelDate = {});
  LabelSet labelSet(int64_t id);  // Error(BadInput) when absent
  std::vector<LabelSet> labelSets(const LabelSetFilter& filter = {});
  void deleteLabelSet(int64_t id);
  // Moves a label set along the review workflow. Error(BadInput) for a move the workflow does
  // not allow, or a rejection without a comment.
  LabelSet review(int64_t id, ReviewAction action, const std::string& person, const std::string& comment = {});
  std::vector<ReviewEvent> reviewHistory(int64_t id);

  std::vector<LabelPolygon> polygons(int64_t labelSetId);  // in fid order
  std::vector<MaskTile> maskTiles(int64_t labelSetId);
  MaskTile maskTile(int64_t labelSetId, int row, int col);  // codes empty when never painted
  // The feature table holding this label set's polygons (created when first needed).
  std::string polygonTable(int64_t labelSetId);

  // Saves `edit` in one transaction and returns the fids of its added polygons. With
  // `expectedRevision`, Error(Io) when another program changed the set meanwhile. Error(BadInput)
  // when the set is not editable (submitted or validated), or a class value is not in its scheme.
  std::vector<int64_t> apply(int64_t labelSetId, const LabelEdit& edit,
                             std::optional<int64_t> expectedRevision = std::nullopt);

  // The composed label raster over `window` of the scene grid: class values, the scheme's
  // ignore value where nothing is labelled. Polygons use GDAL's rasteriser (pixel centres).
  std::vector<uint8_t> rasterize(int64_t labelSetId, const Window& window);
  LabelStats stats(int64_t labelSetId);
  // Whether a set's author may validate or reject it (a project setting; off unless switched
  // on). The app asks it before offering a review; the CLI names the reviewer explicitly.
  bool selfReviewAllowed();
  void setSelfReviewAllowed(bool allowed);

 private:
  ProjectStore& mProject;
};

// Composes polygons and mask tiles over `window` of a grid: the one rasteriser behind
// LabelStore::rasterize and the editor's in-memory raster.
void composeLabels(const std::vector<LabelPolygon>& polygons, const std::vector<MaskTile>& tiles,
                   const GeoTransform& grid, const Window& window, int ignoreValue, uint8_t* out);

}  // namespace prithvi
