// Declares the tiles of the block-scaled fast path shared by block_scaled.cpp and the AVX2 inner
// loops (block_scaled_avx2.cpp).
#pragma once

#include <cstddef>

namespace lowp::kernels::detail {

inline constexpr int bs_rows = 4;     // outputs per tile column
inline constexpr int bs_cols32 = 16;  // outputs per tile row, binary32 block dots
inline constexpr int bs_cols64 = 8;   // outputs per tile row, binary64 block dots

// A tile of 4 x C outputs (C = 16 for float elements, 8 for double ones) over blocks 0..nb-1:
//   a[r * lda + k]          element values of the tile's rows (k < K)
//   b[k * C + c]            the B panel's element values
//   sa[r * nb + blk]        row scales (sa32: as binary32, where `fast` allows)
//   sb[blk * C + c]         panel scales
//   fast[blk]               binary32 route exact for this block (float tiles only)
//   acc[r * C + c]          the binary32 accumulators, read and written
// The loops add the terms of blocks blk0..blk1-1 into acc, in order.
template <class T>
struct bs_tile {
  const T* a;
  std::size_t lda;
  const T* b;
  std::size_t K, k, nb;
  std::size_t blk0, blk1;
  const double* sa;
  const double* sb;
  const float* sa32;
  const float* sb32;
  const unsigned char* fast;
  float* acc;
};

struct bs_loops {
  void (*f32)(const bs_tile<float>&);
  void (*f64)(const bs_tile<double>&);
};

bs_loops bs_loops_baseline();
bs_loops bs_loops_avx2();

// Returns RN_binary32(acc + t) for a binary32 acc and an exact binary64 t: TwoSum, rounding to
// odd in binary64 (53 >= 24 + 2 bits), then one rounding to binary32 (Boldo & Melquiond 2008).
// Non-finite sums are IEEE's.
float add_to_binary32(float acc, double t) noexcept;

}  // namespace lowp::kernels::detail
