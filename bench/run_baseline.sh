#!/bin/bash
# Runs a benchmark twice in one sitting: linked against this build's libraries and against the
# static libraries of an older build (a copy of its build/lib, e.g. from `git worktree add` of the
# old revision built with the same compiler), so old and new figures come from the same machine
# state. Only benchmarks whose calls exist in both revisions can be relinked.
#   bench/run_baseline.sh OLD_LIB_DIR bench_image_tools [args...]
# BASELINE_LIBS adds libraries the old build needed and this one no longer links (e.g. -lz).
set -euo pipefail
old_libs=$(realpath "$1"); bench=$2; shift 2
cd "$(dirname "$0")/../build"
link=$(ninja -t commands "$bench" | tail -1 | sed 's/^: && //; s/ && :$//')
baseline="bin/${bench}_baseline"
# The old libraries replace ours (lib/libprithvi_*.a) on the same link line.
eval "$(echo "${link//lib\/libprithvi_/$old_libs/libprithvi_}" | sed "s# -o bin/$bench # -o $baseline #") ${BASELINE_LIBS:-}"
echo "== new ($bench)"; "bin/$bench" "$@"
echo "== baseline ($old_libs)"; "$baseline" "$@"
