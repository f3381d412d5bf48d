#!/bin/sh
# Seeds the fuzz corpora from the repository's own inputs (examples, rule files, quantities,
# ratings, CEL expressions). Run from the repository root: sh fuzz/seed.sh
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/yaml_load corpus/quantity corpus/rating corpus/rule_file corpus/cel_compile
# Examples share file names (project.yaml in every one): name each copy by its folder.
for f in ../examples/*/*.yaml ../examples/*/*/*.yaml; do
  [ -f "$f" ] || continue
  cp "$f" "corpus/yaml_load/$(echo "${f#../examples/}" | tr '/' '-')"
done
cp ../rules/*/*.yaml corpus/rule_file/ 2>/dev/null || true
for f in ../rules/*/*.yaml; do cp "$f" "corpus/rule_file/$(basename "$(dirname "$f")")-$(basename "$f")"; done
n=0
for q in "1.2 m" "30 mph" "7200 kg" "1.2 m/s2" "90 deg" "4 ft" "1.52 mm" "2 m2" "48 km/h" "1e3 kg"; do
  n=$((n + 1)); printf '%s' "$q" > "corpus/quantity/seed-$n"
done
for r in "V/7500[N3C]/48/90:0.5" "IWA 14-1:2013 V/7200[N3C]/48/90:1.2" "PAS 68:2013 V/7500(N3)/48/90:0.5/5.0" \
         "M50-P1" "K12 L3" "V/7,5[N2]/48/90:1.1" "ISO 22343-1:2023 V/7200[N3C]/64/90:0.0"; do
  n=$((n + 1)); printf '%s' "$r" > "corpus/rating/seed-$n"
done
grep -ho 'expr: ".*"' ../rules/*/*.yaml | sed 's/^expr: "//; s/"$//' | while read -r e; do
  n=$((n + 1)); printf '%s' "$e" > "corpus/cel_compile/seed-$n"
done
