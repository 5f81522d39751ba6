// Provides exact references for sums and dot products of binary64 values: a fixed-point long
// accumulator that holds any sum of binary64 products exactly and rounds it once to any format,
// and the exact dot / sum / GEMM entries built on it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lowp/format.hpp"
#include "lowp/round.hpp"
#include "lowp/rounding.hpp"

namespace lowp::kernels {

// An exact sum of binary64 products, as a two's complement fixed-point number of 64-bit limbs:
//
//   limb 67 ................................. limb 1   limb 0
//   [ sign + 2^64 terms of headroom | 2^2047 ... 2^-2148 ]
//
// Bit 0 of limb 0 weighs 2^-2148, the lowest bit of a product of two subnormals (2^-1074 each);
// the largest product is below 2^2048; 4352 bits leave room for 2^64 terms of either sign.
// Infinite and NaN terms are tracked aside and give the IEEE result of the exact sum.
class exact_accumulator {
 public:
  // Adds a * b exactly.
  void add_product(double a, double b) noexcept;
  // Adds x exactly.
  void add(double x) noexcept { add_product(x, 1.0); }

  // Returns the exact sum rounded once to f in `mode` (value, ternary, flags as lowp::round would
  // give for the exact sum as input). An exact zero sum is +0, or -0 when every term was -0 (or
  // in rounding::down with cancelling terms, as IEEE). NaN terms or +inf with -inf give NaN.
  round_result round(const format& f, rounding mode = rounding::nearest_even,
                     std::uint64_t random = 0, int rbits = 64) const noexcept;

  // Returns (hi, lo): hi = the sum rounded to nearest binary64, lo = the rest rounded to nearest.
  struct double_double {
    double hi, lo;
  };
  double_double to_double_double() const noexcept;

  // Returns -1, 0, +1: the sign of the exact finite sum.
  int sign() const noexcept;

 private:
  static constexpr int limbs = 68;
  static constexpr int offset = 2148;
  std::array<std::uint64_t, limbs> limb_{};
  bool nan_ = false, pos_inf_ = false, neg_inf_ = false;
  bool all_negative_zero_ = true, any_term_ = false, has_nonzero_ = false;
};

// Returns the exact dot product of x and y (n terms, strides incx, incy).
exact_accumulator exact_dot(std::size_t n, const double* x, const double* y,
                            std::ptrdiff_t incx = 1, std::ptrdiff_t incy = 1);
// Returns the exact sum of x.
exact_accumulator exact_sum(std::size_t n, const double* x, std::ptrdiff_t incx = 1);
// Returns the exact entry (i, j) of A B (layout of reference.hpp).
exact_accumulator exact_gemm_entry(std::size_t K, const double* A, std::size_t lda,
                                   const double* B, std::size_t ldb, std::size_t i, std::size_t j);

}  // namespace lowp::kernels
