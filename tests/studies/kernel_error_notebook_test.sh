#!/usr/bin/env bash
# Runs `kernel_error --quick` (which must pass every claim) and executes notebooks/kernel_error.ipynb
# on its file headless with Debian's python3 (/usr/bin/python3); fails if the study, the notebook or
# any figure is missing.
set -euo pipefail
study=$1 notebooks=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$study" --quick --out "$dir/quick.h5" > "$dir/summary.txt" || { cat "$dir/summary.txt"; exit 1; }
cd "$notebooks"
LOWP_H5="$dir/quick.h5" LOWP_FIGURES="$dir/figures" PYDEVD_DISABLE_FILE_VALIDATION=1 \
  /usr/bin/python3 -m nbconvert --to notebook --execute kernel_error.ipynb --output-dir "$dir" \
  --ExecutePreprocessor.timeout=600 2> "$dir/nbconvert.log" || { cat "$dir/nbconvert.log"; exit 1; }
count=$(find "$dir/figures" -name '*.png' -size +1k | wc -l)
echo "notebook made $count figures"
[[ $count -ge 4 ]]
