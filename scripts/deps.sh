#!/usr/bin/env bash
# Installs the Debian 12 packages lowp needs (compilers, CMake, MPFR/GMP, Boost, Eigen, HDF5,
# Google Benchmark, doctest, fmt, and the Python stack the notebooks run on), non-interactively
# and only those that are missing. Uses sudo when not run as root.
set -euo pipefail

packages=(
  build-essential cmake
  libmpfr-dev libgmp-dev libboost-dev libeigen3-dev libhdf5-dev
  libbenchmark-dev doctest-dev libfmt-dev
  # Notebooks: read the studies' HDF5 files, plot, and execute headless.
  python3-h5py python3-numpy python3-matplotlib python3-nbconvert python3-nbclient python3-ipykernel
  jupyter-nbconvert
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null; then
    echo "deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
# Wait for a dpkg lock held by another apt run instead of failing at once.
apt=(apt-get -q -o DPkg::Lock::Timeout=600)
"${sudo[@]}" "${apt[@]}" update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends \
  "${missing[@]}"
