#!/usr/bin/env bash
# What bf16 and int8 cost in accuracy, measured with the project's own commands:
#  1. the demo flood model (assets/models/demo-flood.safetensors) on held-out synthetic tiles
#     (seeds the demo data never used): water IoU of 'prithvi infer --precision P' against each
#     tile's truth mask, and the share of pixels that keep their fp32 class;
#  2. a small MAE (the demo's tiny encoder) pretrained here on one held-out tile, then its
#     reconstruction error (masked MSE in normalised units, 'prithvi evaluate --precision P') on
#     the test split of its chips.
# bf16 rows say "refused" on processors without AVX512_BF16/AMX.
#   bench/precision_accuracy.sh [build/bin] [tile size, 512] [pretraining steps, 300]
set -euo pipefail
bin="${1:-build/bin}"
size="${2:-512}"
steps="${3:-300}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prithvi="$bin/prithvi"
model="$root/assets/models/demo-flood.safetensors"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
precisions=(fp32 bf16 int8)

json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "1. demo flood model, water IoU on held-out ${size}-pixel synthetic tiles"
printf '%-6s %-10s %10s %14s\n' seed precision "water IoU" "same as fp32"
for seed in 101 102 103; do
  "$prithvi" synth hls --tile T13REN --dates 2 --size "$size" --seed "$seed" --out "$work/t$seed" >/dev/null
  granule=$(ls "$work/t$seed"/HLS.*.B04.tif | head -1)
  granule="${granule%.B04.tif}"
  truth="$work/t$seed/truth/T13REN.water.tif"
  for p in "${precisions[@]}"; do
    if ! "$prithvi" infer --model "$model" --input "$granule" --out "$work/t$seed-$p.tif" --precision "$p" >/dev/null 2>"$work/err"; then
      printf '%-6s %-10s %s\n' "$seed" "$p" "refused: $(tail -1 "$work/err")"
      continue
    fi
    iou=$("$prithvi" evaluate --pred "$work/t$seed-$p.tif" --truth "$truth" --classes 2 --json | json 'd["iou"][1]')
    same=$("$prithvi" evaluate --pred "$work/t$seed-$p.tif" --truth "$work/t$seed-fp32.tif" --classes 2 --json | json 'd["overall_accuracy"]')
    printf '%-6s %-10s %10.4f %14.5f\n' "$seed" "$p" "$iou" "$same"
  done
done

echo
echo "2. small MAE pretrained for $steps steps on a held-out tile: reconstruction error on its test chips"
"$prithvi" synth hls --tile T13REN --dates 6 --size "$size" --seed 104 --out "$work/mae" >/dev/null
"$prithvi" project create "$work/mae.gpkg" >/dev/null
"$prithvi" import "$work/mae.gpkg" "$work/mae" >/dev/null
"$prithvi" dataset build "$work/mae.gpkg" --task pretrain --chip 64 --frames 1 --max-cloud 0.5 --out "$work/mae.zarr" >/dev/null
"$prithvi" pretrain --data "$work/mae.zarr" --run "$work/mae-run" --model demo_tiny_p4 \
  --steps "$steps" --batch 8 --lr 1e-3 --warmup 20 --eval-every 100 >/dev/null
printf '%-10s %14s\n' precision "masked MSE"
for p in "${precisions[@]}"; do
  if ! loss=$("$prithvi" evaluate --model "$work/mae-run/checkpoints/best.safetensors" --data "$work/mae.zarr" --split test \
                --precision "$p" --json 2>"$work/err" | json 'd["loss"]'); then
    printf '%-10s %s\n' "$p" "refused: $(tail -1 "$work/err")"
    continue
  fi
  printf '%-10s %14.6f\n' "$p" "$loss"
done
