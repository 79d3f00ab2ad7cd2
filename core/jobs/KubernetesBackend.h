#pragma once
// Kubernetes: one job as an Indexed Job with one pod per rank, plus a headless Service so rank 0
// has a stable DNS name (<job>-0.<service>) for the c10d rendezvous. Talks to the cluster only
// through `kubectl` (the user's kubeconfig and context); nothing here schedules.
//
// Options (LaunchRequest::options):
//   image         container image that holds `prithvi` (required)
//   namespace     default "default"
//   volume_claim  a PersistentVolumeClaim mounted where the run folder lives (mount_path, or the
//                 parent folder of runDir)
//   mount_path    where volume_claim is mounted (default: the parent of runDir)
//   cpu, memory   requests and limits per pod, Kubernetes quantities ("4", "500m", "16Gi")
//   backoff_limit pod failures before the Job fails (default 0: a failed rank fails the job)
//   prithvi       the program in the image (default "prithvi")
//   kubectl       the kubectl program (default "kubectl"); context: a kubeconfig context
// One pod per rank: nodes * processesPerNode pods; with gpusPerNode > 0 each pod asks for
// gpusPerNode / processesPerNode (at least 1) `nvidia.com/gpu`.

#include <string>

#include "core/jobs/LaunchBackend.h"

namespace prithvi {

class KubernetesBackend : public LaunchBackend {
 public:
  static constexpr int kMasterPort = 29500;

  std::string name() const override { return "k8s"; }
  // The Service and the Job, as one JSON v1 List (kubectl reads JSON as it reads YAML).
  std::string render(const LaunchRequest& request) const override;
  // `kubectl apply -f <manifest>`; the handle's id is the Job's name.
  JobHandle submit(const LaunchRequest& request) override;
  // From `kubectl get job`; Unknown when the Job is gone (deleted, canceled) or kubectl fails.
  JobState state(const JobHandle& handle) override;
  // Rank 0's pod log (the pod whose completion index is 0).
  std::string logs(const JobHandle& handle) override;
  // Deletes the Job (its pods get SIGTERM: they checkpoint and stop) and the Service.
  void cancel(const JobHandle& handle) override;

  // The DNS-safe name of the Job and its Service for a request name and a rank count: lower
  // case [a-z0-9-], starts with a letter, short enough that "<name>-<last rank>" is a label.
  static std::string resourceName(const std::string& requested, int ranks);
  // The state a `kubectl get job -o json` document describes.
  static JobState stateFromJobJson(const std::string& json);
};

}  // namespace prithvi
