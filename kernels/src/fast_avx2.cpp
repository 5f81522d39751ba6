// The fast kernels' inner loops built for AVX2 + FMA (chosen at run time by fast.cpp).
#include <bit>
#include <cmath>
#include <cstdint>

#include "fast_tiles.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"

namespace lowp::kernels::detail {
namespace avx2 {
#include "fast_tiles.inc"
}  // namespace avx2

tile_loops tile_loops_avx2() { return {&avx2::run_native, &avx2::run_lanes}; }

}  // namespace lowp::kernels::detail
