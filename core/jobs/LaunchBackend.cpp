#include "core/jobs/LaunchBackend.h"

namespace prithvi {

const char* jobStateName(JobState state) {
  switch (state) {
    case JobState::Pending: return "pending";
    case JobState::Running: return "running";
    case JobState::Succeeded: return "succeeded";
    case JobState::Failed: return "failed";
    case JobState::Canceled: return "canceled";
    case JobState::Unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace prithvi
