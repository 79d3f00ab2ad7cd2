// Fuzz target: a project file (*.gpkg) as the program opens and reads it: ProjectStore::open
// (identification, schema version, WAL switch, migrations), the scene catalog (rows, dates,
// geotransforms, GeoPackage footprint blobs), the catalog summary, the saved workspace, and the
// labels (class scheme JSON, label sets, review history, polygon blobs, compressed mask tiles).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/Error.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "core/project/WorkspaceStore.h"
#include "tests/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const prithvi::fuzz::InputFile input("input.gpkg", data, size, {"-wal", "-shm", "-journal"});
  try {
    const std::unique_ptr<prithvi::ProjectStore> project = prithvi::ProjectStore::open(input.path(), 100);
    (void)project->scenes();
    (void)project->summary();
    (void)prithvi::WorkspaceStore(*project).load("main");
    prithvi::LabelStore labels(*project);
    (void)labels.schemes();
    const std::vector<prithvi::LabelSet> sets = labels.labelSets();
    for (size_t i = 0; i < sets.size() && i < 8; ++i) {
      (void)labels.reviewHistory(sets[i].id);
      (void)labels.polygons(sets[i].id);
      (void)labels.maskTiles(sets[i].id);
    }
  } catch (const prithvi::Error&) {
  }
  return 0;
}
