#!/usr/bin/env bash
# Sets up everything on a Debian bookworm machine (as root, or with sudo) and builds the project
# into build/ with ccache. Idempotent: installs only missing packages, rebuilds incrementally.
#   packaging/bootstrap.sh           install, fetch samples, build
#   packaging/bootstrap.sh --test    ... then run the whole test suite
#   packaging/bootstrap.sh --demo    ... then open the app on its demo project (created on first run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode="${1:-build}"

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

mapfile -t packages < <(grep -vE '^\s*(#|$)' packaging/debian-packages.txt)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A comma-decimal locale for the tests that check numbers in files never follow the locale.
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  "${sudo_cmd[@]}" sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | "${sudo_cmd[@]}" tee -a /etc/locale.gen >/dev/null
  "${sudo_cmd[@]}" locale-gen >/dev/null
fi

packaging/fetch-samples.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# The training target uses a precompiled header.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2

case "$mode" in
  --test)
    cd build
    exec ctest --output-on-failure -j2 --timeout 900
    ;;
  --demo)
    if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
      echo "bootstrap: no display; showing the demo project with the CLI instead of the app" >&2
      project="$(build/bin/prithvi demo)"
      exec build/bin/prithvi catalog "$project"
    fi
    exec build/bin/prithvi-studio --demo
    ;;
  build) ;;
  *) echo "usage: packaging/bootstrap.sh [--test|--demo]" >&2; exit 2 ;;
esac
