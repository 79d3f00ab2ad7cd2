// Helper of test_label_crash (not installed): edits a label set forever, edit after edit from
// number FIRST on (label_crash_edits.h), until it is killed. Prints "begin K" before edit K
// and "done K REVISION" once the call has returned, i.e. after its transaction committed;
// each line is flushed at once so the test knows what was committed when it kills us.
//
//   label_crash_writer PROJECT SET_ID FIRST

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/labels/LabelEditor.h"
#include "core/labels/LabelStore.h"
#include "core/project/ProjectStore.h"
#include "tests/core/label_crash_edits.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: label_crash_writer PROJECT SET_ID FIRST\n");
    return 2;
  }
  try {
    auto project = prithvi::ProjectStore::open(argv[1]);
    prithvi::LabelStore store(*project);
    prithvi::LabelEditor editor(store, std::atoll(argv[2]));
    for (int64_t k = std::atoll(argv[3]);; ++k) {
      std::printf("begin %lld\n", static_cast<long long>(k));
      std::fflush(stdout);
      prithvi::test::crashEdit(editor, k);
      std::printf("done %lld %lld\n", static_cast<long long>(k), static_cast<long long>(editor.labelSet().revision));
      std::fflush(stdout);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "label_crash_writer: %s\n", error.what());
    return 1;
  }
}
