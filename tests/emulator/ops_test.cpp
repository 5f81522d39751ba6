// Tests lowp/ops.hpp without MPFR: hand-computed results on which binary64-then-round is wrong,
// the IEEE special cases and flags, zero signs, exact results in every mode, and stochastic
// rounding frequencies against the exact fraction (computed here in integers). The sweep against
// MPFR is tests/emulator/reference/ops_mpfr_test.cpp.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lowp/format.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

using namespace lowp;
using namespace lowp::formats;

namespace {

std::uint64_t bits_of(double d) { return std::bit_cast<std::uint64_t>(d); }

void check_result(const round_result& r, double value, int ternary, unsigned flags) {
  CHECK(bits_of(r.value) == bits_of(value));
  CHECK(r.ternary == ternary);
  CHECK(r.flags == flags);
}

constexpr double inf = std::numeric_limits<double>::infinity();

// The operations are constexpr, like the kernel: results fixed at compile time.
static_assert(add(1.0 + 0x1p-11, 0x1p-60, binary16, rounding::nearest_even).value ==
              1.0 + 0x1p-10);
static_assert(div(1.0, 3.0, binary16, rounding::nearest_even).value == 0x1.554p-2);
static_assert(lowp::sqrt(2.0, bfloat16, rounding::nearest_even).value == 0x1.6ap+0);
static_assert(fma(1.0 + 0x1p-24, 1.0, 0x1p-80, binary32, rounding::nearest_even).value ==
              1.0 + 0x1p-23);

}  // namespace

TEST_CASE("add: a tiny addend tips a binary16 tie that binary64 rounds away") {
  // 1 + 2^-11 is the midpoint of 1 and 1 + 2^-10 in binary16; + 2^-60 puts the exact sum above
  // it. binary64 rounds the sum to the midpoint itself, which then ties to even (1).
  const double a = 1.0 + 0x1p-11, b = 0x1p-60;
  CHECK(a + b == a);
  CHECK(lowp::round(a + b, binary16, rounding::nearest_even).value == 1.0);  // the naive answer
  check_result(add(a, b, binary16, rounding::nearest_even), 1.0 + 0x1p-10, 1, flag::inexact);
  check_result(add(1.0, 0x1p-11 + 0x1p-40, binary16, rounding::nearest_even), 1.0 + 0x1p-10, 1,
               flag::inexact);
  // Below the midpoint: nearest-away must go down, the naive answer goes up.
  check_result(add(a, -0x1p-60, binary16, rounding::nearest_away), 1.0, -1, flag::inexact);
  CHECK(lowp::round(a - 0x1p-60, binary16, rounding::nearest_away).value == 1.0 + 0x1p-10);
  check_result(sub(a, 0x1p-60, binary16, rounding::nearest_zero), 1.0, -1, flag::inexact);
  check_result(add(a, 0x1p-60, binary16, rounding::nearest_zero), 1.0 + 0x1p-10, 1,
               flag::inexact);
  // Round to odd keeps the sticky bit of the tiny addend.
  check_result(add(1.0, 0x1p-70, binary16, rounding::odd), 1.0 + 0x1p-10, 1, flag::inexact);
  check_result(add(1.0, -0x1p-70, binary16, rounding::odd), 1.0 - 0x1p-11, -1, flag::inexact);
  // An addend far below the window still decides directed modes.
  check_result(add(1.0, 0x1p-1074, binary64, rounding::up), 1.0 + 0x1p-52, 1, flag::inexact);
  check_result(add(1.0, -0x1p-1074, binary64, rounding::toward_zero), 1.0 - 0x1p-53, -1,
               flag::inexact);
  // -1 + tiny has magnitude below 1: rounding down (away from zero for negatives) gives -1.
  check_result(add(-1.0, 0x1p-1074, binary64, rounding::down), -1.0, -1, flag::inexact);
  check_result(add(-1.0, 0x1p-1074, binary64, rounding::up), -1.0 + 0x1p-53, 1, flag::inexact);
}

TEST_CASE("mul, div, sqrt, fma: exact results off a binary32 midpoint") {
  // (1 + 2^-24 - 2^-52)(1 + 2^-52) = 1 + 2^-24 + 2^-76 - 2^-104: binary64 gives the midpoint
  // 1 + 2^-24, which ties to 1; the exact product is above it.
  const double a = 1.0 + 0x1p-24 - 0x1p-52, b = 1.0 + 0x1p-52;
  CHECK(a * b == 1.0 + 0x1p-24);
  CHECK(lowp::round(a * b, binary32, rounding::nearest_even).value == 1.0);
  check_result(mul(a, b, binary32, rounding::nearest_even), 1.0 + 0x1p-23, 1, flag::inexact);
  check_result(mul(-a, b, binary32, rounding::nearest_zero), -1.0 - 0x1p-23, -1, flag::inexact);
  // fma: (1 + 2^-24) * 1 + 2^-80 is above the midpoint; binary64 fma returns the midpoint.
  CHECK(std::fma(1.0 + 0x1p-24, 1.0, 0x1p-80) == 1.0 + 0x1p-24);
  check_result(fma(1.0 + 0x1p-24, 1.0, 0x1p-80, binary32, rounding::nearest_even),
               1.0 + 0x1p-23, 1, flag::inexact);
  check_result(fma(1.0 + 0x1p-24, 1.0, -0x1p-80, binary32, rounding::nearest_away), 1.0, -1,
               flag::inexact);
  // fma with total cancellation of the product: the addend's tail is the result.
  check_result(fma(1.0 + 0x1p-52, 1.0 - 0x1p-52, -1.0, binary64, rounding::nearest_even),
               -0x1p-104, 0, flag::none);
  // div: 1/3 in binary16 is 0x1.554p-2 (1/3 = 0x1.5555...p-2, below the midpoint).
  check_result(div(1.0, 3.0, binary16, rounding::nearest_even), 0x1.554p-2, -1, flag::inexact);
  check_result(div(1.0, 3.0, binary16, rounding::up), 0x1.558p-2, 1, flag::inexact);
  check_result(div(6.0, 3.0, e2m1fn, rounding::odd), 2.0, 0, flag::none);
  // sqrt: the binary64 neighbour above (1 + 2^-11)^2 has its root just above the binary16
  // midpoint 1 + 2^-11; binary64 sqrt returns the midpoint.
  const double s = std::nextafter((1.0 + 0x1p-11) * (1.0 + 0x1p-11), inf);
  CHECK(std::sqrt(s) == 1.0 + 0x1p-11);
  check_result(lowp::sqrt(s, binary16, rounding::nearest_even), 1.0 + 0x1p-10, 1, flag::inexact);
  check_result(lowp::sqrt(2.0, bfloat16, rounding::nearest_even), 0x1.6ap+0, -1, flag::inexact);
  check_result(lowp::sqrt(0x1p-1074, binary64, rounding::nearest_even), 0x1p-537, 0, flag::none);
}

TEST_CASE("special operands and results") {
  const double nan_a = std::bit_cast<double>(0x7ff8000000000123ULL);
  const double snan_b = std::bit_cast<double>(0xfff0000000000001ULL);
  const double qnan = std::bit_cast<double>(0x7ff8000000000000ULL);
  // The first NaN operand, quieted, sign and payload kept.
  check_result(add(nan_a, snan_b, binary16, rounding::nearest_even), nan_a, 0, flag::none);
  check_result(mul(1.0, snan_b, binary16, rounding::nearest_even),
               std::bit_cast<double>(0xfff8000000000001ULL), 0, flag::none);
  check_result(sub(1.0, snan_b, binary16, rounding::nearest_even),
               std::bit_cast<double>(0xfff8000000000001ULL), 0, flag::none);
  check_result(fma(inf, 0.0, nan_a, binary16, rounding::nearest_even), nan_a, 0, flag::none);
  check_result(add(nan_a, 1.0, e3m2fn, rounding::nearest_even), nan_a, 0, flag::invalid);
  // Invalid operations.
  const unsigned inv = flag::invalid | flag::nan_created;
  check_result(add(inf, -inf, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(sub(inf, inf, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(mul(0.0, -inf, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(div(0.0, -0.0, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(div(inf, -inf, e4m3fn, rounding::nearest_even), qnan, 0, inv);
  check_result(lowp::sqrt(-1.0, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(lowp::sqrt(-inf, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(fma(inf, 1.0, -inf, binary16, rounding::nearest_even), qnan, 0, inv);
  check_result(fma(0.0, inf, 1.0, binary16, rounding::nearest_even), qnan, 0, inv);
  // Division by zero: the signed inf through the format's overflow policy.
  check_result(div(1.0, -0.0, binary16, rounding::nearest_even), -inf, 0, flag::divide_by_zero);
  check_result(div(-1.0, -0.0, e4m3fn, rounding::nearest_even), qnan, 0,
               flag::invalid | flag::nan_created | flag::divide_by_zero);
  check_result(div(1.0, 0.0, e2m1fn, rounding::nearest_even), 6.0, -1,
               flag::inexact | flag::saturated | flag::divide_by_zero);
  // Infinite operands.
  check_result(add(inf, 1.0, binary16, rounding::nearest_even), inf, 0, flag::none);
  check_result(div(1.0, -inf, binary16, rounding::nearest_even), -0.0, 0, flag::none);
  check_result(lowp::sqrt(inf, binary16, rounding::nearest_even), inf, 0, flag::none);
  check_result(mul(-inf, 2.0, e5m2, rounding::toward_zero), -inf, 0, flag::none);
  // Overflow of a finite result (binary64 itself: the exact product is beyond binary64).
  check_result(mul(0x1p600, 0x1p600, binary64, rounding::nearest_even), inf, 1,
               flag::overflow | flag::inexact);
  check_result(mul(0x1p600, -0x1p600, binary64, rounding::toward_zero),
               -std::numeric_limits<double>::max(), 1, flag::overflow | flag::inexact);
  // 464 is the midpoint of 448 and 480 (the NaN code): the tie goes to even 448 (1.110b 2^8).
  check_result(add(448.0, 16.0, e4m3fn, rounding::nearest_even), 448.0, -1, flag::inexact);
  check_result(add(448.0, 32.0, e4m3fn, rounding::nearest_even), qnan, 0,
               flag::overflow | flag::inexact | flag::nan_created);
  // Underflow below binary64's subnormals: the exact product is 2^-2148.
  check_result(mul(0x1p-1074, 0x1p-1074, binary64, rounding::nearest_even), 0.0, -1,
               flag::inexact | flag::underflow | flag::flushed);
  check_result(mul(0x1p-1074, -0x1p-1074, binary64, rounding::down), -0x1p-1074, -1,
               flag::inexact | flag::underflow);
}

TEST_CASE("exact zero results have IEEE signs") {
  for (rounding mode : all_roundings) {
    CAPTURE(short_name(mode));
    const double z = mode == rounding::down ? -0.0 : 0.0;
    CHECK(bits_of(add(1.5, -1.5, binary16, mode).value) == bits_of(z));
    CHECK(bits_of(sub(0x1p-1074, 0x1p-1074, binary64, mode).value) == bits_of(z));
    CHECK(bits_of(add(0.0, -0.0, binary16, mode).value) == bits_of(z));
    CHECK(bits_of(add(-0.0, -0.0, binary16, mode).value) == bits_of(-0.0));
    CHECK(bits_of(sub(-0.0, 0.0, binary16, mode).value) == bits_of(-0.0));
    CHECK(bits_of(fma(2.0, 3.0, -6.0, binary16, mode).value) == bits_of(z));
    CHECK(bits_of(fma(-0.0, 3.0, -0.0, binary16, mode).value) == bits_of(-0.0));
    CHECK(bits_of(fma(-0.0, 3.0, 0.0, binary16, mode).value) == bits_of(z));
    CHECK(bits_of(mul(-0.0, 3.0, binary16, mode).value) == bits_of(-0.0));
    CHECK(bits_of(div(0.0, -3.0, binary16, mode).value) == bits_of(-0.0));
    CHECK(bits_of(lowp::sqrt(-0.0, binary16, mode).value) == bits_of(-0.0));
    // A format without -0 gives +0.
    CHECK(bits_of(add(-0.0, -0.0, e4m3fnuz, mode).value) == bits_of(0.0));
  }
}

TEST_CASE("results that are values of the format never move, in every mode") {
  for (rounding mode : all_roundings) {
    CAPTURE(short_name(mode));
    for (std::uint64_t r : {0ULL, ~0ULL, 0x8000000000000000ULL, 0x123456789abcdefULL}) {
      check_result(add(1.0, 0x1p-10, binary16, mode, r), 1.0 + 0x1p-10, 0, flag::none);
      check_result(mul(1.5, 1.5, e4m3fn, mode, r), 2.25, 0, flag::none);
      check_result(div(3.0, 2.0, e2m1fn, mode, r), 1.5, 0, flag::none);
      check_result(lowp::sqrt(2.25, e4m3fn, mode, r), 1.5, 0, flag::none);
      check_result(fma(3.0, 5.0, -14.0, e2m1fn, mode, r), 1.0, 0, flag::none);
    }
  }
}

TEST_CASE("stochastic ops: frequencies within 5 sigma of the exact fraction") {
  // Each case: the two neighbours on the grid and the exact fraction (|x| - lo) / (hi - lo),
  // computed by hand in integers.
  struct sr_case {
    const char* what;
    double (*run)(std::uint64_t);
    double lo, hi, frac;
  };
  const sr_case cases[] = {
      // 1 + 0.3 * 2^-10 in binary16: fraction 0.3 (0.3 rounded to binary64, times 2^-10, exact).
      {"add", [](std::uint64_t r) { return add(1.0, 0.3 * 0x1p-10, binary16, rounding::stochastic, r).value; },
       1.0, 1.0 + 0x1p-10, 0.3},
      // (1 + 3/4096)^2 = 1 + 6/4096 + 9/2^24: over the quantum 2^-10, 1.5 + 9/2^14.
      {"mul", [](std::uint64_t r) { return mul(1.0 + 0x3p-12, 1.0 + 0x3p-12, binary16, rounding::stochastic, r).value; },
       1.0 + 0x1p-10, 1.0 + 0x2p-10, 0.5 + 9.0 / 16384},
      // 1/3 = 4096/3 * 2^-12: fraction 1/3, between 0x1.554p-2 and 0x1.558p-2.
      {"div", [](std::uint64_t r) { return div(1.0, 3.0, binary16, rounding::stochastic, r).value; },
       0x1.554p-2, 0x1.558p-2, 1.0 / 3},
      // -1 - 2^-13 in binary16 (fma 1 * -1 - 2^-13): fraction 1/8 away from zero.
      {"fma", [](std::uint64_t r) { return fma(1.0, -1.0, -0x1p-13, binary16, rounding::stochastic, r).value; },
       -1.0, -1.0 - 0x1p-10, 0.125},
      // sqrt(1 + 2^-9) = 1 + 2^-10 - 2^-21 + ...: fraction 1 - 2^-11 + 2^-21 ... over 2^-10;
      // (1 - 2^-11) is within 2^-20 of it, far below the statistical resolution.
      {"sqrt", [](std::uint64_t r) { return lowp::sqrt(1.0 + 0x1p-9, binary16, rounding::stochastic, r).value; },
       1.0, 1.0 + 0x1p-10, 1.0 - 0x1p-11},
  };
  const random_stream stream(2024, 1);
  constexpr int n = 200000;
  for (const sr_case& c : cases) {
    CAPTURE(c.what);
    int away = 0, other = 0;
    for (int i = 0; i < n; ++i) {
      const double v = c.run(stream(static_cast<std::uint64_t>(i)));
      if (v == c.hi)
        ++away;
      else if (v != c.lo)
        ++other;
    }
    CHECK(other == 0);
    const double sigma = std::sqrt(n * c.frac * (1 - c.frac));
    CHECK(std::fabs(away - n * c.frac) <= 5 * sigma + 1);
  }
}
