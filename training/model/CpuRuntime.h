#pragma once
// How the model's CPU kernels run: which BLAS the process loaded and how it threads, how many
// cores to use, what the processor can do (bf16, int8), and the numeric precision of a run.
//
// ATen runs its element-wise kernels on an OpenMP thread pool. An OpenBLAS built with its own
// pthreads keeps those threads spinning after every matrix product, so the two pools fight for
// the cores and the 100M encoder runs about 4x slower; the programs therefore link the OpenMP
// build of OpenBLAS (see training/CMakeLists.txt), and blasThreading() says what was loaded.

#include <string>

#include <torch/types.h>

namespace prithvi::model {

enum class BlasThreads { Unknown, Sequential, Pthreads, OpenMP };

struct BlasThreading {
  std::string library;       // the loaded BLAS shared object (resolved path), empty if none found
  std::string config;        // OpenBLAS's build line ("OpenBLAS 0.3.21 DYNAMIC_ARCH ..."), if OpenBLAS
  BlasThreads threads = BlasThreads::Unknown;
  int blasThreadCount = 0;   // OpenBLAS's thread count, 0 if unknown
  int atenThreadCount = 0;   // ATen's intra-op threads (an OpenMP pool in Debian's LibTorch)
  // A BLAS with its own thread pool beside ATen's OpenMP pool, with more than one thread.
  bool contended = false;
  std::string warning;       // what is wrong and what to do, when contended
};
BlasThreading blasThreading();
const char* blasThreadsName(BlasThreads threads);

// Cores this process may run on, counting each physical core once (SMT siblings share one).
int physicalCores();

// The intra-op thread count for a request: n > 0 as given; otherwise OMP_NUM_THREADS when the
// environment sets it, else the physical cores divided among the ranks of this machine
// (LOCAL_WORLD_SIZE), at least 1.
int defaultCpuThreads(int requested = 0);

// ATen's intra-op threads to defaultCpuThreads(requested) (OpenMP OpenBLAS follows the same
// pool); returns the count in use.
int configureCpuThreads(int requested = 0);

// Once at a program's start: configureCpuThreads(0) and the BLAS check; returns the warning
// (empty when the BLAS and ATen share one pool) for the caller to log.
std::string checkCpuRuntimeAtStart();

struct CpuFeatures {
  bool avx512f = false;
  bool avx512Bf16 = false;  // AVX512_BF16: bf16 dot products (Zen 4, Cooper Lake, Sapphire Rapids)
  bool amxBf16 = false;     // AMX-BF16 tiles (Sapphire Rapids and later)
  bool avx512Vnni = false;  // int8 dot products
};
CpuFeatures cpuFeatures();

// The numeric precision of a model's matrix products. Float32 is the reference (and what
// training and the parity tests use); the others are opt-in inference and benchmark modes.
enum class Precision {
  Float32,
  BFloat16,  // matrix products in bf16 (oneDNN), accumulation, norms and softmax in fp32
  Int8,      // Linear layers with int8 weights and dynamically quantised activations
};
Precision parsePrecision(const std::string& name);  // fp32 | bf16 | int8; Error(Usage) otherwise
const char* precisionName(Precision precision);
// Error(Usage) naming why `precision` cannot run on `device` here: bf16 on a CPU without
// AVX512_BF16 or AMX (it would be emulated, slower than fp32), int8 without a quantised engine
// or on CUDA.
void requirePrecision(Precision precision, const torch::Device& device);

// at::set_num_threads(n) for n > 0 (intra-op threads of CPU kernels); returns the count in use.
int setIntraOpThreads(int n);

}  // namespace prithvi::model
