#!/bin/sh
# Runs the `lowp` binary given as $1 through shell pipes and compares its output with values
# worked out by hand from the format specs; exits non-zero on the first mismatch.
set -u
lowp=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect NAME WANT GOT: compares two strings, reporting a mismatch.
expect() {
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\n--- want\n%s\n--- got\n%s\n' "$1" "$2" "$3" >&2
    failed=1
  fi
}

# The contract's example: 464 ties to 448 = 0x1.cp+8, 465 overflows e4m3fn to NaN.
got=$(printf '464\n465\n' | "$lowp" round -f e4m3fn -r rne)
expect example "$(printf '0x1.cp+8\nnan')" "$got"

# A malformed line 3: two outputs, an error naming line 3 on stderr, a non-zero status.
printf '1\n2\n1.5x\n4\n' | "$lowp" round -f binary16 -r rne >"$tmp/out" 2>"$tmp/err"
status=$?
expect malformed-status 1 "$status"
expect malformed-out "$(printf '0x1p+0\n0x1p+1')" "$(cat "$tmp/out")"
expect malformed-err "lowp: line 3: malformed number '1.5x'" "$(cat "$tmp/err")"

# A bad format fails before reading stdin.
"$lowp" round -f nosuch -r rne </dev/null >"$tmp/out" 2>"$tmp/err"
expect bad-format-status 2 "$?"
expect bad-format-lines 1 "$(wc -l <"$tmp/err" | tr -d ' ')"

# encode | decode round trip, CRLF input, --flags.
got=$(printf '448\r\n0.1\r\n' | "$lowp" encode -f binary16 -r rne | "$lowp" decode -f binary16)
expect encode-decode "$(printf '0x1.cp+8\n0x1.998p-4')" "$got"
got=$(printf '65520\n' | "$lowp" round --format=binary16 --rounding=nearest-even --flags)
expect flags "inf 1 inexact overflow" "$got"

# info for e4m3fn (OCP OFP8 v1.0).
got=$("$lowp" info -f e4m3fn)
want=$(cat <<'END'
precision: 4
emin: -6
emax: 8
bias: 7
largest: 448
smallest_normal: 0.015625
smallest_subnormal: 0.001953125
unit_roundoff: 0.0625
has_inf: no
has_nan: yes
signed: yes
codes: 256
END
)
expect info "$want" "$got"

# Streaming: 200000 lines through a pipe, none lost; 200000 = 0x30d40 = 0x1.86ap+17.
seq 1 200000 | "$lowp" round -f binary64 -r rne >"$tmp/out"
expect stream-count 200000 "$(wc -l <"$tmp/out" | tr -d ' ')"
expect stream-last 0x1.86ap+17 "$(tail -n 1 "$tmp/out")"

# Stochastic rounding is reproducible for a seed.
seq 1 1000 | sed 's/$/.3/' | "$lowp" round -f e4m3fn -r sr --seed 5 >"$tmp/a"
seq 1 1000 | sed 's/$/.3/' | "$lowp" round -f e4m3fn -r sr --seed 5 >"$tmp/b"
expect sr-reproducible "" "$(cmp "$tmp/a" "$tmp/b" 2>&1)"

# lowp op: one rounding of the exact result. 1 + 2^-11 + 2^-60 is above the binary16 midpoint
# (binary64 would give the midpoint, which ties to 1); a line of 3 numbers for add is an error.
got=$(printf '0x1.002p+0 0x1p-60\n1 3\n' | "$lowp" op add -f binary16 -r rne --flags)
expect op-add "$(printf '0x1.004p+0 1 inexact\n0x1p+2 0')" "$got"
got=$(printf '0x1.000001p+0 1 0x1p-80\n' | "$lowp" op fma -f binary32 -r rne)
expect op-fma 0x1.000002p+0 "$got"
printf '1 2\n1 2 3\n' | "$lowp" op add -f binary16 -r rne >"$tmp/out" 2>"$tmp/err"
expect op-count-status 1 "$?"
expect op-count-out 0x1.8p+1 "$(cat "$tmp/out")"
expect op-count-err "lowp: line 2: add wants 2 numbers per line, got 3" "$(cat "$tmp/err")"

exit $failed
