#!/bin/bash
# Builds the fuzz targets (tests/fuzz/CMakeLists.txt) and runs each for a bounded time on a copy
# of its checked-in seed corpus; prints executions, coverage and findings per target.
#
#   tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET]       (default 30)
#
# Exit status: 0 when every target ran clean (or when this machine has no clang libFuzzer:
# "skipped: no clang libFuzzer"), 1 on any finding (crash, sanitizer report, leak, timeout,
# out-of-memory), 2 when the fuzz build fails or the main build is missing.
#
# Environment:
#   PRITHVI_BUILD   the main build folder, whose lib/ holds libprithvi_*.a (default: build)
#   FUZZ_BUILD      where the fuzz targets are built (default: build-fuzz)
#   FUZZ_OUT        where each target's corpus copy, log and crash files go
#                   (default: $FUZZ_BUILD/runs; emptied per target first)
#   FUZZ_TARGETS    the targets to run, space-separated (default: all)
#   FUZZ_JOBS       build parallelism (default: 1)
#   CXX             the clang++ to use (default: clang++)
set -uo pipefail

seconds=${1:-30}
case "$seconds" in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prithvi_build=${PRITHVI_BUILD:-$root/build}
fuzz_build=${FUZZ_BUILD:-$root/build-fuzz}
fuzz_out=${FUZZ_OUT:-$fuzz_build/runs}
cxx=${CXX:-clang++}
case "$(basename "$cxx")" in clang++*) ;; *) cxx=clang++ ;; esac

# libFuzzer ships with clang (Debian: clang + libclang-rt-14-dev); without it there is nothing to run.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
if ! command -v "$cxx" >/dev/null 2>&1 ||
   ! printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' |
     "$cxx" -x c++ -fsanitize=fuzzer,address,undefined - -o "$probe/probe" >/dev/null 2>&1; then
  echo "skipped: no clang libFuzzer"
  exit 0
fi

if [ ! -f "$prithvi_build/lib/libprithvi_core.a" ]; then
  echo "fuzz: $prithvi_build/lib/libprithvi_core.a is missing: build the main project first (or set PRITHVI_BUILD)" >&2
  exit 2
fi

echo "== building the fuzz targets in $fuzz_build"
start=$(date +%s)
if ! cmake -S "$here" -B "$fuzz_build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DPRITHVI_BUILD="$prithvi_build" >"$probe/configure.log" 2>&1; then
  cat "$probe/configure.log" >&2
  echo "fuzz: configuring $fuzz_build failed" >&2
  exit 2
fi
if ! cmake --build "$fuzz_build" -j "${FUZZ_JOBS:-1}"; then
  echo "fuzz: building $fuzz_build failed" >&2
  exit 2
fi
echo "== built in $(( $(date +%s) - start )) s"

targets=${FUZZ_TARGETS:-$(cat "$fuzz_build/fuzz-targets.txt")}

# Sanitizer reports end the run with a stack; leaks of the libraries' process-wide caches (GDAL
# drivers, Qt, LibTorch) are not ours: lsan.supp lists them.
export ASAN_OPTIONS="${ASAN_OPTIONS:-handle_abort=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}"
# One thread for LibTorch and OpenBLAS: the other core belongs to whoever else builds here.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

mkdir -p "$fuzz_out"
# Scratch files of the harnesses (the input as a file, a project's -wal): in memory where possible.
scratch=$(mktemp -d /dev/shm/prithvi-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$probe" "$scratch"' EXIT
findings=0
summary=()
for target in $targets; do
  binary="$fuzz_build/$target"
  seeds="$here/corpus/$target"
  work="$fuzz_out/$target"
  if [ ! -x "$binary" ] || [ ! -d "$seeds" ]; then
    echo "fuzz: no binary or no seed corpus for $target" >&2
    findings=$((findings + 1))
    summary+=("$(printf '%-18s %s' "$target" "MISSING")")
    continue
  fi
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  # The fuzzer adds what it finds to the copy, never to the checked-in corpus.
  cp -R "$seeds/." "$work/corpus/"
  echo "== $target: ${seconds} s on $(find "$seeds" -type f | wc -l) seeds"
  dictionary=()
  [ -f "$here/$target.dict" ] && dictionary=(-dict="$here/$target.dict")
  PRITHVI_FUZZ_TMPDIR="$scratch" "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    "${dictionary[@]}" -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log.txt" 2>&1
  status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
  last=$(grep -E '^#[0-9]+' "$work/log.txt" | tail -1)
  coverage=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/log.txt" | tail -1)
  artifacts=$(find "$work/artifacts" -type f | sort)
  line=$(printf '%-18s %10s execs  cov %-6s ft %-7s corpus %-12s peak rss %s MB' "$target" "${executions:-?}" \
    "${coverage:-?}" "${features:-?}" "${corpus:-?}" "${rss:-?}")
  if [ $status -ne 0 ] || [ -n "$artifacts" ]; then
    findings=$((findings + 1))
    line="$line  FINDING (exit $status)"
    echo "-- $target: finding; the end of its log ($work/log.txt):"
    grep -vE '^#[0-9]+|^INFO:|NEW_FUNC' "$work/log.txt" | tail -60
    for artifact in $artifacts; do
      echo "-- $target: crash file $artifact (reproduce: $binary $artifact)"
      line="$line"$'\n'"                   crash file: $artifact"
    done
  fi
  echo "$line"
  summary+=("$line")
done

echo
echo "== fuzz summary (${seconds} s per target; logs and crash files in $fuzz_out)"
printf '%s\n' "${summary[@]}"
if [ $findings -ne 0 ]; then
  echo "fuzz: $findings target(s) with findings"
  exit 1
fi
echo "fuzz: no findings"
