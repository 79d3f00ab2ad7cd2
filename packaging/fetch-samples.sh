#!/usr/bin/env bash
# Unpacks the real Landsat samples that Debian ships inside R packages (no R needed):
#   r-cran-stars:     tif/L7_ETMs.tif (Landsat 7 ETM+, 6 bands in Prithvi's order), tif/lc.tif
#   r-cran-satellite: Landsat 8 and 7 band files of path 195 row 25 with QA bands and MTL files
# into the user's data folder, where the demo and the tests look for them (core/base/Assets.h):
# ${XDG_DATA_HOME:-~/.local/share}/prithvi-studio/samples/{stars,satellite}, or the folder given.
# Idempotent: does nothing when they are already there.
set -euo pipefail
data_home="${XDG_DATA_HOME:-}"
[[ "$data_home" == /* ]] || data_home="$HOME/.local/share"
out="${1:-$data_home/prithvi-studio/samples}"
if [[ -f "$out/stars/L7_ETMs.tif" && -f "$out/satellite/LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF" ]]; then
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download r-cran-stars r-cran-satellite >/dev/null 2>apt.err; then
  apt-get update -qq >/dev/null
  apt-get download r-cran-stars r-cran-satellite >/dev/null
fi
for deb in ./*.deb; do dpkg -x "$deb" unpacked; done
lib="unpacked/usr/lib/R/site-library"
mkdir -p "$out.tmp/stars" "$out.tmp/satellite"
cp "$lib/stars/tif/L7_ETMs.tif" "$lib/stars/tif/lc.tif" "$out.tmp/stars/"
cp "$lib"/satellite/extdata/L[CE]0*.TIF "$lib"/satellite/extdata/L[CE]0*_MTL.txt "$out.tmp/satellite/"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$out.tmp" "$out"
echo "samples in $out"
