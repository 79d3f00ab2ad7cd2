// prithvi system: what the model's CPU kernels run on here (BLAS and its threads, cores,
// processor features, the precisions this machine can run).
#include <torch/torch.h>

#include <QJsonObject>

#include "app/cli/Cli.h"
#include "core/base/Error.h"
#include "training/model/CpuRuntime.h"

namespace prithvi::cli {

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

// "" when `precision` runs here, else why not.
std::string whyNot(model::Precision precision) {
  try {
    model::requirePrecision(precision, torch::Device(torch::kCPU));
    return {};
  } catch (const Error& error) {
    return error.what();
  }
}

}  // namespace

int commandSystem(const QStringList& arguments) {
  CommandLine cli(QStringLiteral("system"),
                  QStringLiteral("The BLAS and threads the model's CPU kernels use, the processor's bf16/int8 "
                                 "features and the precisions that run here. Exit code 1 when the BLAS fights "
                                 "LibTorch's threads."));
  cli.addOption({QStringLiteral("threads")}, QStringLiteral("CPU threads (default: the physical cores)"), QStringLiteral("n"), QStringLiteral("0"));
  cli.addJsonOption();
  if (auto code = cli.parse(arguments, 0, 0)) return *code;
  return runCommand([&] {
    model::configureCpuThreads(int(cli.intValue(QStringLiteral("threads"), 0, 1024)));
    const model::BlasThreading blas = model::blasThreading();
    const model::CpuFeatures cpu = model::cpuFeatures();
    const std::string bf16 = whyNot(model::Precision::BFloat16), int8 = whyNot(model::Precision::Int8);
    if (cli.json()) {
      printJson(QJsonObject{{QStringLiteral("torch"), QStringLiteral(TORCH_VERSION)},
                            {QStringLiteral("physical_cores"), model::physicalCores()},
                            {QStringLiteral("threads"), blas.atenThreadCount},
                            {QStringLiteral("blas_library"), qs(blas.library)},
                            {QStringLiteral("blas_config"), qs(blas.config)},
                            {QStringLiteral("blas_threads"), QString::fromLatin1(model::blasThreadsName(blas.threads))},
                            {QStringLiteral("blas_thread_count"), blas.blasThreadCount},
                            {QStringLiteral("contended"), blas.contended},
                            {QStringLiteral("warning"), qs(blas.warning)},
                            {QStringLiteral("avx512f"), cpu.avx512f},
                            {QStringLiteral("avx512_bf16"), cpu.avx512Bf16},
                            {QStringLiteral("amx_bf16"), cpu.amxBf16},
                            {QStringLiteral("avx512_vnni"), cpu.avx512Vnni},
                            {QStringLiteral("bf16"), bf16.empty()},
                            {QStringLiteral("bf16_refused"), qs(bf16)},
                            {QStringLiteral("int8"), int8.empty()},
                            {QStringLiteral("int8_refused"), qs(int8)}});
    } else {
      const auto yes = [](bool value) { return std::string(value ? "yes" : "no"); };
      printLine("LibTorch        " + std::string(TORCH_VERSION));
      printLine("cores           " + std::to_string(model::physicalCores()) + " physical, " +
                std::to_string(blas.atenThreadCount) + " threads in use");
      printLine("BLAS            " + (blas.library.empty() ? std::string("none found") : blas.library));
      printLine("BLAS threads    " + std::string(model::blasThreadsName(blas.threads)) +
                (blas.blasThreadCount > 0 ? " (" + std::to_string(blas.blasThreadCount) + ")" : std::string()) +
                (blas.contended ? ": CONTENDED" : ", one pool with LibTorch"));
      printLine("processor       AVX-512 " + yes(cpu.avx512f) + ", AVX512_BF16 " + yes(cpu.avx512Bf16) + ", AMX-BF16 " +
                yes(cpu.amxBf16) + ", AVX512_VNNI " + yes(cpu.avx512Vnni));
      printLine("precisions      fp32" + std::string(bf16.empty() ? ", bf16" : "") + (int8.empty() ? ", int8" : ""));
      if (!bf16.empty()) printLine("  no bf16: " + bf16);
      if (!int8.empty()) printLine("  no int8: " + int8);
      if (blas.contended) printError("warning: " + blas.warning);
    }
    return blas.contended ? int(kFailure) : int(kOk);
  });
}

}  // namespace prithvi::cli
