// Tests lowp/round.hpp on hand-computed cases from the specs (IEEE 754-2019, OCP OFP8 v1.0,
// OCP MX v1.0, chop's subnormal rule), evaluated at compile time where possible to prove the
// kernel is constexpr. The exhaustive comparison with MPFR lives in tests/emulator/reference/.
#include "lowp/round.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

using namespace lowp;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr rounding rne = rounding::nearest_even, rna = rounding::nearest_away,
                   rnz = rounding::nearest_zero, ru = rounding::up, rd = rounding::down,
                   rz = rounding::toward_zero, ro = rounding::odd;

constexpr bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}
constexpr bool is_nan(double a) { return a != a; }

constexpr format with_subnormals(format f, subnormal_mode m) {
  f.subnormals = m;
  return f;
}
constexpr format e4m3fn_sat = [] {
  format f = formats::e4m3fn;
  f.overflow = overflow_mode::saturate;
  return f;
}();
constexpr format b16_off = with_subnormals(formats::binary16, subnormal_mode::off);
constexpr format b16_ftz = with_subnormals(formats::binary16, subnormal_mode::ftz);
constexpr format b16_daz = [] {
  format f = formats::binary16;
  f.daz = true;
  return f;
}();
}  // namespace

// OCP OFP8 E4M3: largest 448 = S.1111.110; 464 is the midpoint to the (NaN) code above.
static_assert(round(464.0, formats::e4m3fn, rne).value == 448.0);
static_assert(round(464.0, formats::e4m3fn, rne).ternary == -1);
static_assert(is_nan(round(465.0, formats::e4m3fn, rne).value));
static_assert(round(465.0, formats::e4m3fn, rne).flags ==
              (flag::overflow | flag::inexact | flag::nan_created));
static_assert(round(1e9, formats::e4m3fn, rz).value == 448.0);
static_assert(round(470.0, formats::e4m3fn, ro).value == 448.0);  // odd neighbour 480 is NaN
static_assert(round(470.0, formats::e4m3fn, ro).flags == (flag::overflow | flag::inexact));
static_assert(round(1e9, e4m3fn_sat, rne).value == 448.0);
static_assert(round(-inf, e4m3fn_sat, rne).value == -448.0);
// binary16: largest 65504, overflow threshold 65520 (ties to even go up to 2^16 = inf).
static_assert(round(65519.99, formats::binary16, rne).value == 65504.0);
static_assert(round(65520.0, formats::binary16, rne).value == inf);
static_assert(round(65520.0, formats::binary16, rnz).value == 65504.0);
static_assert(round(1e6, formats::binary16, rz).value == 65504.0);
static_assert(round(1e6, formats::binary16, ru).value == inf);
static_assert(round(-1e6, formats::binary16, ru).value == -65504.0);
static_assert(round(-1e6, formats::binary16, rd).value == -inf);
// Ties: 1 + 2^-11 is the midpoint between 1 and 1 + 2^-10 in binary16.
static_assert(round(1.0 + 0x1p-11, formats::binary16, rne).value == 1.0);
static_assert(round(1.0 + 0x1p-11, formats::binary16, rna).value == 1.0 + 0x1p-10);
static_assert(round(1.0 + 0x1p-11, formats::binary16, rnz).value == 1.0);
static_assert(round(1.0 + 3 * 0x1p-11, formats::binary16, rne).value == 1.0 + 0x1p-9);
static_assert(round(1.0 + 3 * 0x1p-11, formats::binary16, rnz).value == 1.0 + 0x1p-10);
static_assert(round(1.0 + 0x1p-12, formats::binary16, ro).value == 1.0 + 0x1p-10);
static_assert(round(1.0 + 0x1p-10 + 0x1p-12, formats::binary16, ro).value == 1.0 + 0x1p-10);
// Signed zeros (CPFloat gets these wrong under RU/RD).
static_assert(same(round(-1e-30, formats::binary16, ru).value, -0.0));
static_assert(same(round(1e-30, formats::binary16, rd).value, 0.0));
static_assert(same(round(-0.0, formats::binary16, rd).value, -0.0));
static_assert(same(round(-0.0, formats::binary16, ru).value, -0.0));
static_assert(round(-1e-30, formats::binary16, rd).value == -0x1p-24);
static_assert(same(round(-0.0, formats::e4m3fnuz, rne).value, 0.0));  // fnuz has no -0
static_assert(same(round(-1e-30, formats::e4m3fnuz, rne).value, 0.0));
// Subnormals: binary16's smallest subnormal 2^-24; 2^-25 is a tie that goes to even (0).
static_assert(same(round(0x1p-25, formats::binary16, rne).value, 0.0));
static_assert(round(0x1p-25, formats::binary16, rne).flags ==
              (flag::inexact | flag::underflow | flag::flushed));
static_assert(round(0x1.8p-25, formats::binary16, rne).value == 0x1p-24);
static_assert(round(3 * 0x1p-25, formats::binary16, rne).value == 0x1p-23);  // tie, even
// Underflow is detected after rounding: just below 2^-14 rounding up to it is not tiny.
static_assert(round(0x1p-14 - 0x1p-40, formats::binary16, rne).value == 0x1p-14);
static_assert(round(0x1p-14 - 0x1p-40, formats::binary16, rne).flags == flag::inexact);
static_assert(round(0x1p-14 - 0x1p-40, formats::binary16, rz).flags ==
              (flag::inexact | flag::underflow));
// subnormals=off (chop): at or above half the smallest normal goes to it in nearest modes.
static_assert(round(0x1p-15, b16_off, rne).value == 0x1p-14);
static_assert(same(round(0x1.fffp-16, b16_off, rne).value, 0.0));
static_assert(round(0x1p-20, b16_off, ru).value == 0x1p-14);
static_assert(same(round(0x1p-20, b16_off, rd).value, 0.0));
// subnormals=ftz: round with unbounded exponent, then flush.
static_assert(same(round(0x1p-20, b16_ftz, ru).value, 0.0));
static_assert(same(round(-0x1p-20, b16_ftz, rne).value, -0.0));
static_assert(round(0x1p-14 - 0x1p-40, b16_ftz, rne).value ==
              0x1p-14);
// DAZ: inputs below the smallest normal are zeros before rounding.
static_assert(same(round(0x1p-15, b16_daz, ru).value, 0.0));
static_assert(same(round(-0x1p-15, b16_daz, rd).value, -0.0));
// Finite formats (OCP FP4 E2M1: values 0, 0.5, 1, 1.5, 2, 3, 4, 6) always saturate.
static_assert(round(5.0, formats::e2m1fn, rne).value == 4.0);  // tie between 4 and 6: even
static_assert(round(5.0, formats::e2m1fn, rna).value == 6.0);
static_assert(round(0.25, formats::e2m1fn, rne).value == 0.0);
static_assert(round(0.75, formats::e2m1fn, rne).value == 1.0);  // tie between 0.5 and 1: even
static_assert(round(100.0, formats::e2m1fn, rne).value == 6.0);
static_assert(round(inf, formats::e2m1fn, rne).value == 6.0);
static_assert(round(-inf, formats::e2m1fn, ru).value == -6.0);
// E8M0 (unsigned powers of two, no zero): MPFR's precision-1 ties go up.
static_assert(round(1.5, formats::e8m0fnu, rne).value == 2.0);
static_assert(round(0x1.7p0, formats::e8m0fnu, rne).value == 1.0);
static_assert(round(1e-300, formats::e8m0fnu, rne).value == 0x1p-127);
static_assert(is_nan(round(-1.0, formats::e8m0fnu, rne).value));
static_assert(is_nan(round(0.0, formats::e8m0fnu, rne).value));
static_assert(round(0x1p127 * 1.5, formats::e8m0fnu, rd).value == 0x1p127);
static_assert(is_nan(round(0x1p127 * 1.5, formats::e8m0fnu, rne).value));
// Regressions found by the MPFR sweeps: a subnormals=off grid {0, 2^emin} above the top quantum
// (exponent range narrower than the mantissa) is not an overflow; ftz cannot flush to a zero
// that the format does not have.
static_assert(round(0.5, with_subnormals(formats::e2m3fn, subnormal_mode::off), rne).value == 1.0);
static_assert(same(round(0.25, with_subnormals(formats::e2m3fn, subnormal_mode::off), rz).value,
                   0.0));
static_assert(round(0x1p-130, with_subnormals(formats::e8m0fnu, subnormal_mode::ftz), rne).value ==
              0x1p-127);

TEST_CASE("NaN stays NaN, quiet, with sign and payload") {
  for (const std::uint64_t bits : {0x7ff8000000000000ULL, 0xfff8000000000001ULL,
                                   0x7ff0000000000001ULL, 0xfff7ffffffffffffULL}) {
    const double x = std::bit_cast<double>(bits);
    for (const format f : {formats::binary16, formats::e4m3fn, formats::e2m1fn}) {
      for (const rounding r : all_roundings) {
        const round_result y = round(x, f, r, 0x123456789abcdefULL);
        const std::uint64_t out = std::bit_cast<std::uint64_t>(y.value);
        CHECK(std::isnan(y.value));
        CHECK(out == (bits | 0x0008000000000000ULL));
        CHECK(y.ternary == 0);
        CHECK(y.flags == (f.has_nan() ? flag::none : flag::invalid));
      }
    }
  }
}

TEST_CASE("stochastic rounding uses the top rbits of the random word") {
  // 1 + 0.25 ulp in binary16: rounds up iff the top r random bits are below 0.25 * 2^r.
  const double x = 1.0 + 0x1p-12;
  CHECK(round(x, formats::binary16, rounding::stochastic, 0x3fffffffffffffffULL).value ==
        1.0 + 0x1p-10);
  CHECK(round(x, formats::binary16, rounding::stochastic, 0x4000000000000000ULL).value == 1.0);
  CHECK(round(x, formats::binary16, rounding::stochastic, 0x3fffffffffffffffULL, 1).value ==
        1.0);  // with 1 bit, 0.25 truncates to 0
  CHECK(round(x, formats::binary16, rounding::stochastic, 0, 2).value == 1.0 + 0x1p-10);
  CHECK(round(x, formats::binary16, rounding::stochastic_equal, 0x8000000000000000ULL).value ==
        1.0 + 0x1p-10);
  CHECK(round(x, formats::binary16, rounding::stochastic_equal, 0x7fffffffffffffffULL).value ==
        1.0);
  // Between largest and the overflow boundary, rounding up means overflow (inf in binary16).
  CHECK(round(65505.0, formats::binary16, rounding::stochastic, 0).value == inf);
  CHECK(round(65505.0, formats::binary16, rounding::stochastic, ~0ULL).value == 65504.0);
  // Exact values never move.
  CHECK(round(1.5, formats::binary16, rounding::stochastic, 0).value == 1.5);
  CHECK(round(1.5, formats::binary16, rounding::stochastic_equal, ~0ULL).value == 1.5);
}
