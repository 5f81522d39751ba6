#!/usr/bin/env bash
# The main job of the README: installs missing dependencies, builds lowp (Release, into build/),
# runs a short tour of the `lowp` tool (format facts, E4M3's NaN above 464, stochastic rounding,
# encode and decode), then the demo study `sr_vs_rn --quick` (stochastic vs nearest rounding),
# which writes out/sr_vs_rn_quick.h5 and prints its summary and claims, and finally executes
# notebooks/sr_vs_rn.ipynb on that file to draw the figures into out/figures/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
# LOWP_BUILD_DIR picks another build folder (default build/).
build=${LOWP_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target lowp_cli sr_vs_rn

lowp=$build/emulator/lowp
if [[ ! -x $lowp ]]; then
  lowp=$(find "$build" -type f -name lowp -perm -u+x | head -n 1)
fi
[[ -n $lowp && -x $lowp ]] || { echo "demo: the lowp binary was not built" >&2; exit 1; }

# Prints "x -> result (decimal) ternary flags" for each x rounded to format $1 in mode $2.
show() {
  local fmt=$1 mode=$2
  shift 2
  echo "-- $fmt, $mode"
  printf '%s\n' "$@" | "$lowp" round -f "$fmt" -r "$mode" --flags |
    paste -d' ' <(printf '%s\n' "$@") - |
    while read -r x hex ternary flags; do
      printf '  %-20s -> %-14s = %-12g ternary %2s  %s\n' "$x" "$hex" "$hex" "$ternary" "$flags"
    done
}

echo "== $("$lowp" --version)"
echo
echo "== lowp info -f e4m3fn (OCP FP8 E4M3: no inf, one NaN code, largest 448)"
"$lowp" info -f e4m3fn
echo
echo "== 464 is the midpoint of 448 and the missing 480:"
echo "   ties-to-even gives 448, anything above gives NaN (e4m3fn has no inf)"
show e4m3fn rne 448 464 465 -465 1e6
echo
echo "== the same values with overflow=saturate, in e5m2 (has inf) and in e4m3fnuz (largest 240)"
show e4m3fn,overflow=saturate rne 464 465 1e6
show e5m2 rne 464 465 1e6
show e4m3fnuz rne 240 250 -0
echo
echo "== 0.1 and 1/3 in several formats (round to nearest even)"
for f in binary16 bfloat16 tf32 e5m2 e4m3fn e3m2fn e2m3fn e2m1fn; do
  show "$f" rne 0.1 0.333333333333333333
done
echo
echo "== binary16 in every deterministic mode: 1/3, -1/3 and the tie 1 + 2^-11"
for m in rne rna rnz ru rd rz ro; do
  show binary16 "$m" 0.333333333333333333 -0.333333333333333333 0x1.002p+0
done
echo
echo "== stochastic rounding: 2.2 in e2m1fn lies between 2 and 3; 10000 draws average near 2.2"
awk 'BEGIN { for (i = 0; i < 10000; ++i) print 2.2 }' | "$lowp" round -f e2m1fn -r sr --seed 42 |
  while read -r v; do printf '%g\n' "$v"; done |
  awk '{ s += $1; n[$1]++ } END { printf "  mean %.4f  (", s / NR;
                                  for (v in n) printf " %s: %d", v, n[v]; print " )" }'
echo
echo "== encode / decode: 448 is 0x7e in e4m3fn, 0x7f is its NaN, 0x3c00 is 1 in binary16"
printf '448\n-448\n0.001953125\n' | "$lowp" encode -f e4m3fn -r rne | sed 's/^/  e4m3fn code /'
printf '7e\n7f\n01\n' | "$lowp" decode -f e4m3fn | sed 's/^/  e4m3fn value /'
printf '0x3c00\n0x7c00\n' | "$lowp" decode -f binary16 | sed 's/^/  binary16 value /'
echo
echo "== the demo study: sr_vs_rn --quick (harmonic series, summation, Euler, heat equation)"
mkdir -p out
status=0
"$build/bin/sr_vs_rn" --quick --out out/sr_vs_rn_quick.h5 || status=$?
if ((status != 0 && status != 3)); then exit "$status"; fi
echo
echo "== drawing the figures: notebooks/sr_vs_rn.ipynb on out/sr_vs_rn_quick.h5"
if (cd notebooks && LOWP_H5=../out/sr_vs_rn_quick.h5 LOWP_FIGURES=../out/figures \
    PYDEVD_DISABLE_FILE_VALIDATION=1 /usr/bin/python3 -m nbconvert --to notebook --execute \
    sr_vs_rn.ipynb --output-dir ../out >/dev/null 2>../out/nbconvert.log); then
  echo "figures: $(ls out/figures/*.png | tr '\n' ' ')"
  echo "executed notebook: out/sr_vs_rn.ipynb"
else
  echo "demo: the notebook failed (out/nbconvert.log)" >&2
  status=1
fi
echo "HDF5 results: out/sr_vs_rn_quick.h5 (schema: data/README.md)"
exit "$status"
