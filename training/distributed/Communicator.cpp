#include "training/distributed/Communicator.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/base/Error.h"

namespace prithvi::distributed {

namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

int integer(const char* name, const std::string& text) {
  try {
    size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size()) return value;
  } catch (...) {
  }
  throwUsage(std::string(name) + "=" + text + " is not a whole number");
}

class C10dCommunicator : public Communicator {
 public:
  C10dCommunicator(c10::intrusive_ptr<c10d::ProcessGroup> group, int rank, int worldSize, std::string backend,
                   bool stageOnHost)
      : mGroup(std::move(group)), mRank(rank), mWorldSize(worldSize), mBackend(std::move(backend)),
        mStageOnHost(stageOnHost) {}

  int rank() const override { return mRank; }
  int worldSize() const override { return mWorldSize; }
  std::string backend() const override { return mBackend; }

  void allReduceSum(std::vector<torch::Tensor>& tensors) override {
    run(tensors, [&](std::vector<torch::Tensor>& staged) {
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      return mGroup->allreduce(staged, options);
    });
  }
  void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
    run(tensors, [&](std::vector<torch::Tensor>& staged) {
      c10d::BroadcastOptions options;
      options.rootRank = root;
      return mGroup->broadcast(staged, options);
    });
  }
  void barrier() override { mGroup->barrier()->wait(); }

 private:
  // One collective per tensor (Gloo wants one tensor per call on the CPU), host copies when
  // the backend cannot reach the device.
  template <typename Collective>
  void run(std::vector<torch::Tensor>& tensors, Collective&& collective) {
    for (torch::Tensor& tensor : tensors) {
      std::vector<torch::Tensor> staged{mStageOnHost ? tensor.to(torch::kCPU).contiguous() : tensor.contiguous()};
      collective(staged)->wait();
      if (!staged[0].is_same(tensor)) tensor.copy_(staged[0]);
    }
  }

  c10::intrusive_ptr<c10d::ProcessGroup> mGroup;
  int mRank;
  int mWorldSize;
  std::string mBackend;
  bool mStageOnHost;
};

}  // namespace

DistributedEnv DistributedEnv::fromEnvironment() {
  DistributedEnv env;
  const auto rank = variable("RANK") ? variable("RANK") : variable("SLURM_PROCID");
  const auto world = variable("WORLD_SIZE") ? variable("WORLD_SIZE") : variable("SLURM_NTASKS");
  const auto local = variable("LOCAL_RANK") ? variable("LOCAL_RANK") : variable("SLURM_LOCALID");
  if (!world) return env;
  env.worldSize = integer("WORLD_SIZE", *world);
  env.rank = rank ? integer("RANK", *rank) : 0;
  env.localRank = local ? integer("LOCAL_RANK", *local) : env.rank;
  if (env.worldSize < 1 || env.rank < 0 || env.rank >= env.worldSize)
    throwUsage("rank " + std::to_string(env.rank) + " is outside a world of " + std::to_string(env.worldSize) + " processes");
  if (auto address = variable("MASTER_ADDR")) env.masterAddress = *address;
  if (auto port = variable("MASTER_PORT"))
    env.masterPort = integer("MASTER_PORT", *port);
  else if (env.worldSize > 1)
    throwUsage("WORLD_SIZE is " + std::to_string(env.worldSize) + " but MASTER_PORT is not set: export MASTER_ADDR and MASTER_PORT");
  return env;
}

std::unique_ptr<Communicator> Communicator::create(const DistributedEnv& env, const torch::Device& device,
                                                   int timeoutSeconds) {
  const std::chrono::milliseconds timeout(int64_t(timeoutSeconds) * 1000);
  c10::intrusive_ptr<c10d::TCPStore> store;
  try {
    c10d::TCPStoreOptions options;
    options.port = uint16_t(env.masterPort);
    options.isServer = env.rank == 0;
    options.numWorkers = env.worldSize;
    options.waitWorkers = true;
    options.timeout = timeout;
    store = c10::make_intrusive<c10d::TCPStore>(env.masterAddress, options);
  } catch (const std::exception& error) {
    throwIo("rank " + std::to_string(env.rank) + " cannot reach the other ranks at " + env.masterAddress + ":" +
            std::to_string(env.masterPort) + " (" + error.what() + "); is the port free and the address right?");
  }
#ifdef USE_C10D_NCCL
  if (device.is_cuda()) {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.worldSize, options);
    return std::make_unique<C10dCommunicator>(group, env.rank, env.worldSize, "nccl", false);
  }
#endif
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->timeout = timeout;
  options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize, options);
  return std::make_unique<C10dCommunicator>(group, env.rank, env.worldSize, "gloo", device.is_cuda());
}

}  // namespace prithvi::distributed
