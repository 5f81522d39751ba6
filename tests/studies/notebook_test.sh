#!/usr/bin/env bash
# Runs `STUDY --quick` and executes a notebook (default sr_vs_rn.ipynb) of NOTEBOOKS on its file
# headless with Debian's python3 (/usr/bin/python3); fails if the study exits non-zero (a claim
# FAIL included), the notebook fails, or it draws fewer than MIN_FIGURES (default 5) figures.
# Usage: notebook_test.sh STUDY NOTEBOOKS [NOTEBOOK [MIN_FIGURES]]
set -euo pipefail
study=$1 notebooks=$2 notebook=${3:-sr_vs_rn.ipynb} min_figures=${4:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$study" --quick --out "$dir/quick.h5" > "$dir/summary.txt" || { cat "$dir/summary.txt"; exit 1; }
cd "$notebooks"
LOWP_H5="$dir/quick.h5" LOWP_FIGURES="$dir/figures" PYDEVD_DISABLE_FILE_VALIDATION=1 \
  /usr/bin/python3 -m nbconvert --to notebook --execute "$notebook" --output-dir "$dir" \
  --ExecutePreprocessor.timeout=600 2> "$dir/nbconvert.log" || { cat "$dir/nbconvert.log"; exit 1; }
count=$(find "$dir/figures" -name '*.png' -size +1k | wc -l)
echo "notebook made $count figures"
[[ $count -ge $min_figures ]]
