#!/usr/bin/env bash
# Runs `sr_vs_rn --quick` and executes notebooks/sr_vs_rn.ipynb on its file headless with Debian's
# python3 (/usr/bin/python3); fails if the study, the notebook or any figure is missing.
set -euo pipefail
study=$1 notebooks=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$study" --quick --out "$dir/quick.h5" > "$dir/summary.txt"
cd "$notebooks"
LOWP_H5="$dir/quick.h5" LOWP_FIGURES="$dir/figures" PYDEVD_DISABLE_FILE_VALIDATION=1 \
  /usr/bin/python3 -m nbconvert --to notebook --execute sr_vs_rn.ipynb --output-dir "$dir" \
  --ExecutePreprocessor.timeout=600 2> "$dir/nbconvert.log" || { cat "$dir/nbconvert.log"; exit 1; }
count=$(find "$dir/figures" -name '*.png' -size +1k | wc -l)
echo "notebook made $count figures"
[[ $count -ge 5 ]]
