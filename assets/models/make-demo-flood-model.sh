#!/usr/bin/env bash
# Rebuilds the demo project's flood model (demo-flood.safetensors, beside this script) from the
# demo data with the project's own commands: the demo project is created as the app creates it,
# the water of its least cloudy HLS dates is labelled from the synthetic truth mask and
# validated, a dataset is built, and a small model is fine-tuned and evaluated on held-out places.
#   bash assets/models/make-demo-flood-model.sh [path/to/prithvi]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prithvi=${1:-$here/../../build/bin/prithvi}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

project=$("$prithvi" demo --dir "$work/demo" --samples "$work/no-samples")
truth="$work/demo/hls/truth/T13REN.water.tif"

# The six least cloudy dates of the tile get water labels.
scenes=$("$prithvi" catalog "$project" --tile 13REN --max-cloud 30 --json |
  /usr/bin/python3 -c 'import json, sys
scenes = [s for s in json.load(sys.stdin)["scenes"] if s.get("cloud_cover") is not None]
for s in sorted(scenes, key=lambda s: s["cloud_cover"])[:6]: print(s["id"])')
for scene in $scenes; do
  set_id=$("$prithvi" labels create "$project" --scene "$scene" --scheme flood --author demo-script)
  "$prithvi" labels import "$project" --set "$set_id" --mask "$truth" >/dev/null
  "$prithvi" labels review "$project" "$set_id" submit --person demo-script >/dev/null
  "$prithvi" labels review "$project" "$set_id" validate --person demo-script --comment "synthetic truth" >/dev/null
done

"$prithvi" dataset build "$project" --preset demo_flood --out "$work/flood.zarr"
"$prithvi" finetune --preset demo_flood --data "$work/flood.zarr" --run "$work/run"
"$prithvi" evaluate --model "$work/run/checkpoints/best.safetensors" --data "$work/flood.zarr" --split test \
  --json >"$here/demo-flood.metrics.json"
cp "$work/run/config.json" "$here/demo-flood.config.json"
cp "$work/run/checkpoints/best.safetensors" "$here/demo-flood.safetensors.partial"
mv "$here/demo-flood.safetensors.partial" "$here/demo-flood.safetensors"
echo "wrote $here/demo-flood.safetensors ($(du -h "$here/demo-flood.safetensors" | cut -f1))"
