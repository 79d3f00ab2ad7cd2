#!/usr/bin/env bash
# C++ (LibTorch) against Python (PyTorch, the same libtorch) on the same threads, one run:
# encoder inference and an MAE training step for tiny and 100M, 1 and 3 frames.
#   bench/run_model_bench.sh [build/bin] [threads] [repeats]
set -euo pipefail
bin="${1:-build/bin}"
threads="${2:-2}"
repeats="${3:-5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Medians (and minima) of the repeats; this 2-core VM is noisy, so C++ and Python alternate.
printf '%-24s %-6s %-26s %22s %22s\n' config frames implementation "encoder s (min)" "train step s (min)"
for config in prithvi_eo_v2_tiny_tl prithvi_eo_v1_100; do
  for frames in 1 3; do
    for impl in cpp python; do
      if [[ $impl == cpp ]]; then
        line=$("$bin/bench_model" --config "$config" --frames "$frames" --threads "$threads" --repeats "$repeats")
      else
        line=$(/usr/bin/python3 "$here/bench_model_python.py" --config "$config" --frames "$frames" --threads "$threads" --repeats "$repeats")
      fi
      /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%-24s %-6s %-26s %13.3f (%6.3f) %13.3f (%6.3f)" % (d["config"], d["frames"], d["impl"], d["encoder_s"], d["encoder_min_s"], d["train_step_s"], d["train_step_min_s"]))' "$line"
    done
  done
done
