#!/usr/bin/env bash
# The test command of the README and of CI (.ci/run): installs missing dependencies, builds lowp
# (Release, warnings as errors) into build/, runs the fast and exhaustive tests, then builds with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs the fast tests there.
# Prints the time each stage took. A failing configure or build stops the script at once; a failing
# test stage is recorded and the script goes on to the next stage, then exits non-zero.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)
start=$SECONDS
failed=()
# Runs a named stage and reports its duration; exits when it fails.
stage() {
  local name=$1 t0=$SECONDS
  shift
  echo "==> $name"
  "$@"
  echo "<== $name: $((SECONDS - t0)) s"
}
# Runs a named test stage and reports its duration; records a failure and carries on.
test_stage() {
  local name=$1 t0=$SECONDS
  shift
  echo "==> $name"
  if "$@"; then
    echo "<== $name: $((SECONDS - t0)) s"
  else
    echo "<== $name: FAILED after $((SECONDS - t0)) s"
    failed+=("$name")
  fi
}

stage "dependencies" bash scripts/deps.sh

stage "configure (Release)" cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOWP_WERROR=ON
stage "build (Release)" cmake --build build -j "$jobs"
# -j1: the exhaustive tests spread over every core with OpenMP themselves.
test_stage "test (fast|exhaustive)" \
  ctest --test-dir build -L 'fast|exhaustive' --output-on-failure --no-tests=error -j1

stage "configure (sanitizers)" cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOWP_SANITIZE=ON -DLOWP_BUILD_BENCHMARKS=OFF -DLOWP_ENABLE_CUDA=OFF
stage "build (sanitizers)" cmake --build build-asan -j "$jobs"
# Any sanitizer report fails the test that raised it. LeakSanitizer stays on: libgomp's thread
# pool is still reachable at exit, so it reports no leak.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Left out here, run in the Release stage: the notebook tests (the same quick sweeps as Release,
# plus Python; the study code is covered under the sanitizers by the *_test small sweeps) and the
# packaging tests (they rebuild lowp in a consumer project). About 5 of CI's 45 minutes.
test_stage "test (fast, sanitizers)" \
  ctest --test-dir build-asan -L fast -E 'notebook_test$|^package_' --output-on-failure \
  --no-tests=error -j1

if ((${#failed[@]} > 0)); then
  echo "scripts/test.sh: FAILED: ${failed[*]} (total $((SECONDS - start)) s)"
  exit 1
fi
echo "scripts/test.sh: all stages passed in $((SECONDS - start)) s"
