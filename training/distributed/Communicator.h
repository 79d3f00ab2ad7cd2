#pragma once
// Data-parallel training across processes with c10d process groups: Gloo on the CPU, NCCL on
// CUDA where LibTorch was built with it (else Gloo through host copies). Ranks come from the
// environment torchrun and `prithvi launch` set (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT) or from Slurm (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; MASTER_ADDR and
// MASTER_PORT must still be exported by the batch script).

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace prithvi::distributed {

struct DistributedEnv {
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;
  std::string masterAddress = "127.0.0.1";
  int masterPort = 29500;

  // Error(Usage) for inconsistent or partial settings (a rank outside the world, no port).
  static DistributedEnv fromEnvironment();
  bool enabled() const { return worldSize > 1; }
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  // Joins the process group (rank 0 hosts the rendezvous store); waits up to `timeoutSeconds`
  // for every rank and fails with Error(Io) naming the address when they do not come.
  static std::unique_ptr<Communicator> create(const DistributedEnv& env, const torch::Device& device,
                                              int timeoutSeconds = 300);

  virtual int rank() const = 0;
  virtual int worldSize() const = 0;
  virtual std::string backend() const = 0;  // "gloo" or "nccl"
  // Sums in place across ranks.
  virtual void allReduceSum(std::vector<torch::Tensor>& tensors) = 0;
  // Copies rank `root`'s tensors into every rank's, in place.
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root = 0) = 0;
  virtual void barrier() = 0;
};

}  // namespace prithvi::distributed
