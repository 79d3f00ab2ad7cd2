#!/bin/bash
# Regenerates the checked-in seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).
# Not run by CI: the corpus is checked in. Needs GDAL's tools (gdal_create, gdal_translate,
# gdaladdo), sqlite3, python3 (standard library only) and a built `prithvi` (for the project
# seeds).
#
#   tests/fuzz/make-seeds.sh [BUILD_DIR]     (default: build)
#
# Regression seeds (inputs that once broke a parser, named regression-*) are kept as they are.
set -euo pipefail

export GDAL_PAM_ENABLED=NO  # no .aux.xml beside the seeds
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
prithvi="$build/bin/prithvi"
corpus="$here/corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for target in fuzz_raster fuzz_safetensors fuzz_torch_pt fuzz_json fuzz_project; do
  mkdir -p "$corpus/$target"
  find "$corpus/$target" -type f ! -name 'regression-*' -delete
done

# --- fuzz_raster: small GeoTIFFs in the layouts HLS and the program's own writers use, and the
# other formats RasterSource accepts.
r="$corpus/fuzz_raster"
q() { "$@" -q >/dev/null; }
q gdal_create -of GTiff -outsize 8 8 -bands 1 -ot Byte -burn 7 -a_srs EPSG:32613 \
  -a_ullr 499980 3300000 500220 3299760 "$r/byte_utm.tif"
q gdal_create -of GTiff -outsize 32 32 -bands 3 -ot UInt16 -burn 1000 -burn 2000 -burn 3000 -a_nodata 0 \
  -a_srs EPSG:32613 -a_ullr 499980 3300000 500940 3299040 \
  -co TILED=YES -co BLOCKXSIZE=16 -co BLOCKYSIZE=16 -co COMPRESS=DEFLATE "$work/tiled.tif"
gdaladdo -q -r average "$work/tiled.tif" 2 >/dev/null
cp "$work/tiled.tif" "$r/uint16_tiled_deflate_overview.tif"
q gdal_create -of GTiff -outsize 16 16 -bands 1 -ot Float32 -burn 0.25 -a_nodata -9999 -a_srs EPSG:4326 \
  -a_ullr -105 40 -104.9 39.9 -co COMPRESS=LZW -co PREDICTOR=3 "$work/f32.tif"
q gdal_translate -a_scale 0.0001 -a_offset 0 -mo "PRITHVI_TRUTH_MASK=water" -mo "ACQUISITION=2021-09-25" \
  "$work/f32.tif" "$r/float32_lzw_scale_metadata.tif"
q gdal_translate -co ENDIANNESS=BIG -co BIGTIFF=YES -ot Int16 "$r/byte_utm.tif" "$r/int16_bigtiff_bigendian.tif"
q gdal_translate -co COMPRESS=JPEG -co PHOTOMETRIC=YCBCR -co TILED=YES -ot Byte -scale 0 3000 0 255 \
  -b 1 -b 2 -b 3 "$work/tiled.tif" "$r/rgb_jpeg_ycbcr.tif"
q gdal_translate -of COG -co COMPRESS=DEFLATE "$work/tiled.tif" "$r/cog.tif"
q gdal_translate -of PNG "$r/byte_utm.tif" "$r/byte.png"
q gdal_translate -of JPEG "$r/byte_utm.tif" "$r/byte.jpg"
# A class map with a colour table and category names (what `prithvi infer` writes).
cat > "$work/palette.vrt" <<EOF
<VRTDataset rasterXSize="8" rasterYSize="8">
  <VRTRasterBand dataType="Byte" band="1">
    <ColorInterp>Palette</ColorInterp>
    <CategoryNames><Category>No water</Category><Category>Water</Category></CategoryNames>
    <ColorTable><Entry c1="242" c2="209" c3="75" c4="255"/><Entry c1="31" c2="120" c3="209" c4="255"/></ColorTable>
    <SimpleSource><SourceFilename>$r/byte_utm.tif</SourceFilename><SourceBand>1</SourceBand></SimpleSource>
  </VRTRasterBand>
</VRTDataset>
EOF
q gdal_translate -co COMPRESS=PACKBITS "$work/palette.vrt" "$r/classes_palette.tif"
# A VRT without sources (constant band), and a tiled GeoTIFF cut short (an interrupted copy).
cat > "$r/no_sources.vrt" <<'EOF'
<VRTDataset rasterXSize="4" rasterYSize="4"><SRS>EPSG:4326</SRS><GeoTransform>0,1,0,0,0,-1</GeoTransform><VRTRasterBand dataType="UInt16" band="1"><NoDataValue>0</NoDataValue></VRTRasterBand></VRTDataset>
EOF
head -c 700 "$r/uint16_tiled_deflate_overview.tif" > "$r/truncated_tiled.tif"

# --- fuzz_safetensors and fuzz_torch_pt
python3 "$here/make_checkpoint_seeds.py" "$corpus/fuzz_safetensors" "$corpus/fuzz_torch_pt"

# --- fuzz_json: the JSON the program ships, and the shapes its readers accept.
j="$corpus/fuzz_json"
for f in "$root"/assets/models/*.json "$root"/assets/tasks/*.json; do cp "$f" "$j/$(basename "$(dirname "$f")")_$(basename "$f")"; done
cat > "$j/class_scheme.json" <<'EOF'
{"name":"wetness","task":"custom","ignore_value":255,"multi_temporal":true,"classes":[{"value":0,"name":"Dry","color":"#aa8844"},{"value":1,"name":"Wet \u00e9t\u00e9","color":"#2288FF"},{"value":253,"name":"Max"}]}
EOF
cat > "$j/hf_config.json" <<'EOF'
{"architecture":"prithvi_eo_v2_300","num_features":1024,"pretrained_cfg":{"img_size":[224,224],"num_frames":4,"patch_size":[1,16,16],"in_chans":6,"embed_dim":1024,"depth":24,"num_heads":16,"decoder_embed_dim":512,"decoder_depth":8,"decoder_num_heads":16,"mlp_ratio":4,"coords_encoding":["time","location"],"coords_scale_learn":true,"mask_ratio":0.75,"norm_pix_loss":false,"mean":[1087.0,1342.0,1433.0,2734.0,1958.0,1363.0],"std":[2248.0,2179.0,2178.0,1850.0,1242.0,1049.0],"bands":["B02","B03","B04","B05","B06","B07"]}}
EOF
cat > "$j/safetensors_header.json" <<'EOF'
{"__metadata__":{"format":"pt"},"encoder.cls_token":{"dtype":"F32","shape":[1,1,768],"data_offsets":[0,3072]},"x":{"dtype":"BF16","shape":[],"data_offsets":[3072,3074]}}
EOF
printf '%s' '[1e308,-0,0.5E-3,-9223372036854775808,9223372036854775808,"\ud83d\ude00\u0000\/\b\f\n\r\t",true,false,null,{"a":[[[]]]}]' > "$j/values.json"

# --- fuzz_project: projects as `prithvi` makes them (schema 4: a scene with bands and footprint,
# label sets with mask tiles, polygons, reviews, a saved scheme and workspace), an old schema 1
# project (migrated on open) and a GeoPackage that is not a project. Shrunk: 512-byte pages,
# rollback journal.
p="$corpus/fuzz_project"
shrink() { sqlite3 "$1" "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;" >/dev/null; }
(
  cd "$work"
  "$prithvi" synth hls --tile T13REN --dates 1 --size 16 --seed 1 --year 2021 --out synth >/dev/null
  "$prithvi" project create full.gpkg >/dev/null
  "$prithvi" import full.gpkg synth >/dev/null
  scene=$("$prithvi" catalog full.gpkg --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["scenes"][0]["id"])')
  set1=$("$prithvi" labels create full.gpkg --scene "$scene" --scheme flood --author fuzz)
  "$prithvi" labels import full.gpkg --set "$set1" --mask synth/truth/T13REN.water.tif >/dev/null
  cat > poly.geojson <<'EOF'
{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32613"}},
"features":[{"type":"Feature","properties":{"class":1},"geometry":{"type":"Polygon","coordinates":[[[500010,3299970],[500200,3299970],[500200,3299800],[500010,3299800],[500010,3299970]],[[500050,3299950],[500080,3299950],[500080,3299900],[500050,3299900],[500050,3299950]]]}}]}
EOF
  "$prithvi" labels import full.gpkg --set "$set1" --vector poly.geojson --class-field class >/dev/null
  "$prithvi" labels review full.gpkg "$set1" submit --person fuzz >/dev/null
  "$prithvi" labels review full.gpkg "$set1" reject --person reviewer --comment "edges" >/dev/null
  "$prithvi" labels create full.gpkg --scene "$scene" --scheme land_cover --author fuzz --date 2021-10-01 >/dev/null
  cp "$j/class_scheme.json" scheme.json
  "$prithvi" labels scheme-save full.gpkg scheme.json >/dev/null
  sqlite3 full.gpkg "INSERT INTO workspaces (name, state, saved) VALUES ('main', '{\"layers\":[{\"scene\":\"$scene\",\"bands\":[3,2,1]}],\"view\":{\"x\":500100,\"y\":3299900,\"scale\":30}}', '2021-10-02T10:00:00.000Z')"
  shrink full.gpkg
  cp full.gpkg "$p/project_labels.gpkg"
  # Regression: a mask tile whose size header claims 4 GiB (qUncompress allocated that much).
  cp full.gpkg tile.gpkg
  sqlite3 tile.gpkg "UPDATE label_mask_tiles SET codes = X'FFFFFFF0789C030000000001'; VACUUM;"
  cp tile.gpkg "$p/regression-mask-tile-claims-4gib.gpkg"

  "$prithvi" project create v1.gpkg >/dev/null
  sqlite3 v1.gpkg "DROP TABLE label_polygon_tables; DROP TABLE label_mask_tiles; DROP TABLE label_reviews;
    DROP TABLE label_sets; DROP TABLE label_schemes; DROP TABLE jobs; DROP TABLE map_products;
    DROP TABLE model_alias_moves; DROP TABLE model_aliases; DROP TABLE model_versions; DROP TABLE workspaces;
    UPDATE prithvi_meta SET value = '1' WHERE key = 'schema_version';"
  shrink v1.gpkg
  cp v1.gpkg "$p/project_schema1.gpkg"

  sqlite3 other.gpkg "PRAGMA page_size=512; PRAGMA application_id=1196444487; PRAGMA user_version=10300;
    CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL);"
  cp other.gpkg "$p/geopackage_not_a_project.gpkg"
)

du -sh "$corpus"/*
du -sh "$corpus"
