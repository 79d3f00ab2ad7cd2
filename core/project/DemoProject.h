#pragma once
// The demo project a new user opens first: the real Landsat samples shipped by Debian packages
// (when unpacked) and a synthetic HLS tile time series, imported into one project.

#include <string>

namespace prithvi {

class Feedback;

struct DemoOptions {
  std::string dir;        // the demo folder; created when missing
  std::string sampleDir;  // where fetch-samples.sh put the Landsat samples (defaultSamplesDir())
  int synthDates = 12;
  int synthSize = 512;
};

// Creates DIR/demo.gpkg on the first call (data under DIR/hls, samples referenced in place);
// later calls return the existing project untouched. Returns the project path.
std::string ensureDemoProject(const DemoOptions& options, Feedback* feedback = nullptr);

}  // namespace prithvi
