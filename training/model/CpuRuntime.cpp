#include "training/model/CpuRuntime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <cpuid.h>
#include <dlfcn.h>
#include <link.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>
#include <utility>

#include "core/base/Error.h"

namespace prithvi::model {

namespace {

// The first loaded shared object whose file name starts with one of the BLAS names.
std::string loadedBlasLibrary() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        const std::string_view path = info->dlpi_name ? info->dlpi_name : "";
        const std::string_view name = path.substr(path.find_last_of('/') + 1);
        for (const std::string_view blas : {"libopenblas", "libblas.so", "libmkl_rt", "libblis"})
          if (name.substr(0, blas.size()) == blas) {
            *static_cast<std::string*>(data) = std::string(path);
            return 1;
          }
        return 0;
      },
      &found);
  if (found.empty()) return found;
  std::error_code error;
  const auto resolved = std::filesystem::canonical(found, error);
  return error ? found : resolved.string();
}

template <typename Function>
Function* symbol(const char* name) {
  return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

// A whole positive number from the environment, or 0.
int environmentCount(const char* name) {
  const char* text = std::getenv(name);
  if (!text) return 0;
  const std::string_view value(text);
  int count = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
  return error == std::errc() && end == value.data() + value.size() && count > 0 ? count : 0;
}

}  // namespace

const char* blasThreadsName(BlasThreads threads) {
  switch (threads) {
    case BlasThreads::Sequential: return "sequential";
    case BlasThreads::Pthreads: return "pthreads";
    case BlasThreads::OpenMP: return "openmp";
    case BlasThreads::Unknown: break;
  }
  return "unknown";
}

BlasThreading blasThreading() {
  BlasThreading out;
  out.library = loadedBlasLibrary();
  out.atenThreadCount = at::get_num_threads();
  // OpenBLAS exports these from every build (libblas.so.3 of Debian's openblas-* is OpenBLAS).
  if (auto* parallel = symbol<int()>("openblas_get_parallel")) {
    switch (parallel()) {
      case 0: out.threads = BlasThreads::Sequential; break;
      case 1: out.threads = BlasThreads::Pthreads; break;
      case 2: out.threads = BlasThreads::OpenMP; break;
      default: break;
    }
  }
  if (auto* config = symbol<char*()>("openblas_get_config")) out.config = config();
  if (auto* count = symbol<int()>("openblas_get_num_threads")) out.blasThreadCount = count();
  out.contended = out.threads == BlasThreads::Pthreads && std::max(out.blasThreadCount, out.atenThreadCount) > 1;
  if (out.contended)
    out.warning = "the BLAS (" + out.library +
                  ") runs its own pthreads beside LibTorch's OpenMP threads; they fight over the cores and the model "
                  "runs about 4x slower. Install Debian's libopenblas0-openmp (the programs link it), or run with "
                  "OPENBLAS_NUM_THREADS=1.";
  return out;
}

int physicalCores() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 1;
  std::set<std::pair<std::string, std::string>> cores;  // (package, core) of each CPU we may use
  int cpus = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    ++cpus;
    const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream packageFile(topology + "physical_package_id"), coreFile(topology + "core_id");
    std::string package, core;
    if (!(packageFile >> package) || !(coreFile >> core)) return std::max(1, cpus);  // no topology: count CPUs
    cores.emplace(package, core);
  }
  return std::max<int>(1, int(cores.size()));
}

int defaultCpuThreads(int requested) {
  if (requested > 0) return requested;
  if (const int fromEnvironment = environmentCount("OMP_NUM_THREADS")) return fromEnvironment;
  const int ranks = std::max(1, environmentCount("LOCAL_WORLD_SIZE"));
  return std::max(1, physicalCores() / ranks);
}

int configureCpuThreads(int requested) {
  const int threads = defaultCpuThreads(requested);
  if (threads != at::get_num_threads()) at::set_num_threads(threads);
  return at::get_num_threads();
}

std::string checkCpuRuntimeAtStart() {
  configureCpuThreads(0);
  return blasThreading().warning;
}

CpuFeatures cpuFeatures() {
  CpuFeatures features;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return features;
  const unsigned maxSubleaf = eax;
  features.avx512f = ebx & (1u << 16);
  features.avx512Vnni = ecx & (1u << 11);
  features.amxBf16 = edx & (1u << 22);
  if (maxSubleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) features.avx512Bf16 = eax & (1u << 5);
  // The registers must also be enabled by the kernel (XCR0: AVX-512 state; AMX tile state).
  unsigned xcrLow = 0, xcrHigh = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 27)))  // OSXSAVE
    __asm__("xgetbv" : "=a"(xcrLow), "=d"(xcrHigh) : "c"(0));
  const bool avx512State = (xcrLow & 0xE6u) == 0xE6u;
  const bool amxState = (xcrLow & 0x60000u) == 0x60000u;
  features.avx512f = features.avx512f && avx512State;
  features.avx512Vnni = features.avx512Vnni && avx512State;
  features.avx512Bf16 = features.avx512Bf16 && avx512State;
  features.amxBf16 = features.amxBf16 && amxState;
  return features;
}

Precision parsePrecision(const std::string& name) {
  if (name == "fp32" || name == "float32") return Precision::Float32;
  if (name == "bf16" || name == "bfloat16") return Precision::BFloat16;
  if (name == "int8") return Precision::Int8;
  throwUsage("precision takes fp32, bf16 or int8, not '" + name + "'");
}

const char* precisionName(Precision precision) {
  switch (precision) {
    case Precision::BFloat16: return "bf16";
    case Precision::Int8: return "int8";
    case Precision::Float32: break;
  }
  return "fp32";
}

void requirePrecision(Precision precision, const torch::Device& device) {
  if (precision == Precision::Float32) return;
  if (precision == Precision::BFloat16) {
    if (device.is_cuda()) return;  // CUDA runs bf16 on every GPU LibTorch supports here
    const CpuFeatures features = cpuFeatures();
    if (!features.avx512Bf16 && !features.amxBf16)
      throwUsage("--precision bf16 needs a processor with AVX512_BF16 or AMX-BF16 (AMD Zen 4, Intel Cooper Lake, "
                 "Sapphire Rapids or later); this one would emulate bf16 more slowly than fp32. Use fp32 or int8.");
    return;
  }
  if (device.is_cuda()) throwUsage("--precision int8 runs on the CPU only; on a GPU use bf16");
  const auto& engines = at::globalContext().supportedQEngines();
  const bool usable = std::any_of(engines.begin(), engines.end(), [](at::QEngine engine) {
    return engine == at::QEngine::FBGEMM || engine == at::QEngine::ONEDNN || engine == at::QEngine::QNNPACK;
  });
  if (!usable) throwUsage("--precision int8: this LibTorch was built without a quantised engine (fbgemm, onednn or qnnpack)");
}

int setIntraOpThreads(int n) {
  if (n > 0) at::set_num_threads(n);
  return at::get_num_threads();
}

}  // namespace prithvi::model
