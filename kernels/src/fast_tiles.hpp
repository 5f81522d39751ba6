// Declares the tile descriptions shared by fast.cpp and the per-instruction-set inner loops
// (fast_tiles.inc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp::kernels::detail {

inline constexpr int tile_rows = 4;   // native: outputs per tile column
inline constexpr int tile_cols = 16;  // outputs per tile row (B panels are this wide)

// A native binary32 tile: rows a[r*lda + k] (r < tile_rows), panel b[k*tile_cols + c].
struct native_tile {
  const float* a;
  std::size_t lda;
  const float* b;
  std::size_t k0, k1;
  bool unfused;
  double* out;  // tile_rows x tile_cols
};

enum class lane_mode { rne, rz, sr };

// A lanes tile: rows a[r*lda + k] (r < tile_rows), panel b[k*tile_cols + c],
// keys[r*tile_cols + c] = the accumulate-role key of output (r, c) (random_stream(seed, 8 o).key).
struct lane_tile {
  const double* a;
  std::size_t lda;
  const double* b;
  std::size_t k0, k1;
  const format* f;
  rounding rounding_mode;
  lane_mode mode;
  int rbits;
  const std::uint64_t* keys;
  double* out;  // tile_rows x tile_cols
};

// A binary32 lanes tile: rows a[r*lda + k], panel b[k*tile_cols + c] of binary32 values whose
// products are exact in binary32; accumulator p <= 22 inside binary32's normal range; rne or rz.
struct lane32_tile {
  const float* a;
  std::size_t lda;
  const float* b;
  std::size_t k0, k1;
  const format* f;
  rounding rounding_mode;
  lane_mode mode;
  double* out;  // tile_rows x tile_cols
};

struct tile_loops {
  void (*native)(const native_tile&);
  void (*lanes)(const lane_tile&);
  void (*lanes32)(const lane32_tile&);
};

tile_loops tile_loops_baseline();
tile_loops tile_loops_avx2();

}  // namespace lowp::kernels::detail
