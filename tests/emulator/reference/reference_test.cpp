// Tests lowp/reference.hpp against facts that owe nothing to lowp: the hardware's binary64 ->
// binary32 conversion (x86 SSE: IEEE 754, tininess after rounding) and GCC's _Float16 conversion
// (libgcc soft-fp) in the four IEEE directions, with their exception flags; hand-checked cases
// from the OCP and IEEE specs; the format facts against format.hpp and decode().
#include "lowp/reference.hpp"

#include <doctest/doctest.h>
#include <mpfr.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowp/bits.hpp"
#include "sweep.hpp"

using namespace lowp;
using lowp::test::from_bits;
using lowp::test::to_bits;

namespace {

struct ieee_direction {
  rounding mode;
  int fe;  // <cfenv> rounding macro
};
constexpr ieee_direction directions[] = {{rounding::nearest_even, FE_TONEAREST},
                                         {rounding::up, FE_UPWARD},
                                         {rounding::down, FE_DOWNWARD},
                                         {rounding::toward_zero, FE_TOWARDZERO}};

// What a hardware (or libgcc) conversion did: value and the IEEE flags it raised.
struct observed {
  double value;
  unsigned flags;
};

unsigned ieee_flags_from_fenv() {
  const int raised = std::fetestexcept(FE_INEXACT | FE_UNDERFLOW | FE_OVERFLOW);
  return ((raised & FE_INEXACT) ? flag::inexact : 0u) |
         ((raised & FE_UNDERFLOW) ? flag::underflow : 0u) |
         ((raised & FE_OVERFLOW) ? flag::overflow : 0u);
}

// Converts with the hardware / libgcc in direction fe. volatile keeps GCC from folding the
// conversion at compile time (in round-to-nearest) or moving it across fesetround.
template <class Narrow>
std::vector<observed> convert_all(const std::vector<double>& xs, int fe) {
  std::vector<observed> out(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    volatile double in = xs[i];
    std::fesetround(fe);
    std::feclearexcept(FE_ALL_EXCEPT);
    volatile Narrow narrow = static_cast<Narrow>(in);
    const unsigned flags = ieee_flags_from_fenv();
    std::fesetround(FE_TONEAREST);
    out[i] = {static_cast<double>(narrow), flags};
  }
  return out;
}

// Random finite inputs around a format: log-uniform over its whole range and beyond, its own
// values' midpoints, and random binary64 bit patterns.
std::vector<double> finite_inputs(const format& f, std::size_t count, std::uint64_t seed) {
  std::vector<double> xs;
  for (double x : test::random_inputs(f, count, seed))
    if (!std::isnan(x)) xs.push_back(x);
  for (double x : test::boundary_inputs(f, 2, 16))
    if (!std::isnan(x)) xs.push_back(x);
  return xs;
}

// Checks that the inputs reach every regime: exact, inexact, underflow (to zero and not), overflow.
void check_coverage(const std::vector<observed>& seen) {
  std::size_t exact = 0, underflow = 0, to_zero = 0, overflow = 0;
  for (const observed& o : seen) {
    exact += o.flags == 0;
    underflow += (o.flags & flag::underflow) != 0;
    to_zero += o.value == 0;
    overflow += (o.flags & flag::overflow) != 0;
  }
  CHECK(exact > 10'000);
  CHECK(underflow > 10'000);
  CHECK(to_zero > 10'000);
  CHECK(overflow > 10'000);
}

// Compares the reference with conversions observed in one direction; returns the mismatches.
int compare_with_observed(const format& f, rounding mode, const std::vector<double>& xs,
                          const std::vector<observed>& seen) {
  int bad = 0;
#pragma omp parallel for schedule(dynamic, 4096) reduction(+ : bad)
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    const round_result r = reference::round(x, f, mode);
    const observed& o = seen[i];
    // The hardware has no flushed flag; lowp raises it exactly when a nonzero x gave zero.
    const unsigned expected_flags = o.flags | ((o.value == 0 && x != 0) ? flag::flushed : 0u);
    const int expected_ternary = (o.value > x) - (o.value < x);
    if (to_bits(r.value) != to_bits(o.value) || r.flags != expected_flags ||
        r.ternary != expected_ternary) {
      ++bad;
#pragma omp critical
      if (bad <= 10)
        test::print_mismatch("reference vs hardware", f, mode, x,
                             {o.value, expected_ternary, expected_flags}, r);
    }
  }
  return bad;
}

round_result ref(double x, const char* fmt, rounding mode) {
  return reference::round(x, parse_format(fmt), mode);
}

}  // namespace

TEST_CASE("reference matches the hardware binary64 -> binary32 conversion in the IEEE directions") {
  const format f = formats::binary32;
  const std::vector<double> xs = finite_inputs(f, 1'000'000, 32);
  REQUIRE(xs.size() >= 1'000'000);
  for (const ieee_direction& d : directions) {
    CAPTURE(short_name(d.mode));
    const std::vector<observed> seen = convert_all<float>(xs, d.fe);
    check_coverage(seen);
    CHECK(compare_with_observed(f, d.mode, xs, seen) == 0);
  }
}

TEST_CASE("reference matches GCC's _Float16 conversion (libgcc soft-fp) in the IEEE directions") {
  const format f = formats::binary16;
  const std::vector<double> xs = finite_inputs(f, 1'000'000, 16);
  for (const ieee_direction& d : directions) {
    CAPTURE(short_name(d.mode));
    const std::vector<observed> seen = convert_all<_Float16>(xs, d.fe);
    check_coverage(seen);
    CHECK(compare_with_observed(f, d.mode, xs, seen) == 0);
  }
}

TEST_CASE("hand-checked cases from the OCP FP8 and IEEE 754 specs") {
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const auto inf = std::numeric_limits<double>::infinity();
  using enum rounding;
  SUBCASE("e4m3fn: 448 is the largest, 480 the NaN code") {
    round_result r = ref(464, "e4m3fn", nearest_even);  // tie 448 | 480: 448 (1.110b even)
    CHECK(r.value == 448);
    CHECK(r.ternary == -1);
    CHECK(r.flags == flag::inexact);
    r = ref(465, "e4m3fn", nearest_even);  // nearer 480, which is not finite: NaN
    CHECK(std::isnan(r.value));
    CHECK(!std::signbit(r.value));
    CHECK(r.ternary == 0);
    CHECK(r.flags == (flag::overflow | flag::inexact | flag::nan_created));
    r = ref(-465, "e4m3fn", nearest_even);
    CHECK(std::isnan(r.value));
    CHECK(std::signbit(r.value));
    r = ref(470, "e4m3fn", odd);  // truncates to 448 (even): odd neighbour 480 overflows
    CHECK(r.value == 448);
    CHECK(r.ternary == -1);
    CHECK(r.flags == (flag::overflow | flag::inexact));
    r = ref(470, "e4m3fn", toward_zero);
    CHECK(r.value == 448);
    CHECK(r.flags == flag::inexact);  // rz: 448 is the unbounded result, no overflow
    r = ref(449, "e4m3fn,overflow=saturate", up);
    CHECK(r.value == 448);
    CHECK(r.flags == (flag::overflow | flag::inexact | flag::saturated));
    r = ref(inf, "e4m3fn", nearest_even);
    CHECK(std::isnan(r.value));
    CHECK(r.flags == (flag::invalid | flag::nan_created));
    r = ref(-inf, "e4m3fn,overflow=saturate", nearest_even);
    CHECK(r.value == -448);
    CHECK(r.ternary == 1);
    CHECK(r.flags == (flag::inexact | flag::saturated));
  }
  SUBCASE("binary16: the overflow threshold is 65520") {
    round_result r = ref(65519.99, "binary16", nearest_even);
    CHECK(r.value == 65504);
    CHECK(r.flags == flag::inexact);
    r = ref(65520, "binary16", nearest_even);
    CHECK(r.value == inf);
    CHECK(r.ternary == 1);
    CHECK(r.flags == (flag::overflow | flag::inexact));
    r = ref(65520, "binary16", toward_zero);
    CHECK(r.value == 65504);
    CHECK(r.flags == flag::inexact);
    r = ref(70000, "binary16", toward_zero);
    CHECK(r.value == 65504);
    CHECK(r.flags == (flag::overflow | flag::inexact));
    r = ref(-70000, "binary16", up);
    CHECK(r.value == -65504);
    CHECK(r.ternary == 1);
    r = ref(-70000, "binary16", down);
    CHECK(r.value == -inf);
    CHECK(r.ternary == -1);
  }
  SUBCASE("binary16 subnormals and tininess after rounding") {
    round_result r = ref(0x1p-25, "binary16", nearest_even);  // tie 0 | 2^-24: 0
    CHECK(to_bits(r.value) == to_bits(0.0));
    CHECK(r.flags == (flag::inexact | flag::underflow | flag::flushed));
    r = ref(0x1p-25, "binary16", nearest_away);
    CHECK(r.value == 0x1p-24);
    CHECK(r.ternary == 1);
    r = ref(0x1p-25, "binary16", odd);
    CHECK(r.value == 0x1p-24);
    // 2^-14 - 2^-26 is tiny before rounding, not after (rounds to 2^-14 at p = 11): no underflow.
    r = ref(0x1p-14 - 0x1p-26, "binary16", nearest_even);
    CHECK(r.value == 0x1p-14);
    CHECK(r.flags == flag::inexact);
    // On the subnormal grid it is a quarter quantum below 2^-14, but at p = 11 with unbounded
    // exponent a tie, which nearest-zero sends down: the result is normal, yet underflow is raised.
    r = ref(0x1p-14 - 0x1p-26, "binary16", nearest_zero);
    CHECK(r.value == 0x1p-14);
    CHECK(r.flags == (flag::inexact | flag::underflow));
  }
  SUBCASE("e8m0fnu: p = 1, unsigned, zero-less") {
    round_result r = ref(1.5, "e8m0fnu", nearest_even);  // tie 1 | 2: 2 (1 is odd at p = 1)
    CHECK(r.value == 2);
    CHECK(r.ternary == 1);
    r = ref(1.5, "e8m0fnu", nearest_zero);
    CHECK(r.value == 1);
    r = ref(3, "e8m0fnu", nearest_even);  // tie 2 | 4: 4
    CHECK(r.value == 4);
    r = ref(0x1.fp-128, "e8m0fnu", toward_zero);  // below 2^-127, no zero: 2^-127
    CHECK(r.value == 0x1p-127);
    CHECK(r.ternary == 1);
    CHECK(r.flags == (flag::inexact | flag::underflow));
    r = ref(0.0, "e8m0fnu", nearest_even);
    CHECK(std::isnan(r.value));
    CHECK(r.flags == (flag::invalid | flag::nan_created));
    r = ref(-2.0, "e8m0fnu", nearest_even);
    CHECK(std::isnan(r.value));
    CHECK(!std::signbit(r.value));
    r = ref(0x1p128, "e8m0fnu", nearest_even);
    CHECK(std::isnan(r.value));
    CHECK(r.flags == (flag::overflow | flag::inexact | flag::nan_created));
    r = ref(0x1p127, "e8m0fnu", nearest_even);
    CHECK(r.value == 0x1p127);
    CHECK(r.flags == flag::none);
  }
  SUBCASE("signed zeros under the directed modes") {
    round_result r = ref(-1e-30, "binary16", up);
    CHECK(to_bits(r.value) == to_bits(-0.0));
    CHECK(r.ternary == 1);
    CHECK(r.flags == (flag::inexact | flag::underflow | flag::flushed));
    r = ref(-1e-30, "binary16", down);
    CHECK(r.value == -0x1p-24);
    r = ref(1e-30, "binary16", down);
    CHECK(to_bits(r.value) == to_bits(0.0));
    r = ref(-1e-30, "e4m3fnuz", up);  // no -0 in fnuz
    CHECK(to_bits(r.value) == to_bits(0.0));
    r = ref(-0.0, "binary16", nearest_even);
    CHECK(to_bits(r.value) == to_bits(-0.0));
    CHECK(r.flags == flag::none);
    r = ref(-0.0, "e5m2fnuz", nearest_even);
    CHECK(to_bits(r.value) == to_bits(0.0));
    CHECK(r.ternary == 0);
  }
  SUBCASE("NaN payloads are kept, quieted") {
    const double snan = from_bits(0xfff4000000abcdefULL);
    round_result r = ref(snan, "binary16", nearest_even);
    CHECK(to_bits(r.value) == 0xfffc000000abcdefULL);
    CHECK(r.flags == flag::none);
    r = ref(snan, "e2m1fn", nearest_even);  // no NaN in the format: invalid
    CHECK(to_bits(r.value) == 0xfffc000000abcdefULL);
    CHECK(r.flags == flag::invalid);
    r = ref(nan, "e8m0fnu", up);
    CHECK(std::isnan(r.value));
    CHECK(r.flags == flag::none);
  }
  SUBCASE("subnormals off, ftz, daz") {
    round_result r = ref(0x1p-15, "binary16,subnormals=off", nearest_even);  // half of 2^-14
    CHECK(r.value == 0x1p-14);
    CHECK(r.flags == (flag::inexact | flag::underflow));
    r = ref(0x1p-15, "binary16,subnormals=off", nearest_zero);  // ties go up there too
    CHECK(r.value == 0x1p-14);
    r = ref(0x1.fffp-16, "binary16,subnormals=off", nearest_even);
    CHECK(r.value == 0);
    CHECK(r.flags == (flag::inexact | flag::underflow | flag::flushed));
    r = ref(-0x1.8p-20, "binary16,subnormals=ftz", nearest_even);
    CHECK(to_bits(r.value) == to_bits(-0.0));
    CHECK(r.ternary == 1);
    CHECK(r.flags == (flag::inexact | flag::underflow | flag::flushed));
    r = ref(0x1p-14 - 0x1p-26, "binary16,subnormals=ftz", nearest_even);  // rounds up: kept
    CHECK(r.value == 0x1p-14);
    CHECK(r.flags == flag::inexact);
    r = ref(0x1p-20, "binary16,daz=on", up);
    CHECK(to_bits(r.value) == to_bits(0.0));
    CHECK(r.ternary == -1);
    CHECK(r.flags == (flag::inexact | flag::flushed));
  }
}

TEST_CASE("format facts agree with format.hpp and with decode()") {
  std::vector<format> fs;
  for (const named_format& p : presets) fs.push_back(p.value);
  for (int e = 2; e <= 8; ++e)
    for (int m = 0; m <= 10; ++m)
      for (const char* sp : {"ieee", "fn", "fnuz", "finite"}) {
        try {
          fs.push_back(
              parse_format("E" + std::to_string(e) + "M" + std::to_string(m) + ",specials=" + sp));
        } catch (const format_error&) {
        }
      }
  for (const format& f : fs) {
    CAPTURE(to_string(f));
    const reference::format_facts k = reference::facts_of(f);
    CHECK(k.p == f.precision());
    CHECK(k.emin == f.emin());
    CHECK(k.emax == f.emax());
    CHECK(k.largest == f.largest());
    CHECK(k.has_inf == f.has_inf());
    CHECK(k.has_nan == f.has_nan());
    CHECK(k.has_negative_zero == f.has_negative_zero());
    if (f.width() <= 16) {
      double top = 0;
      for (std::uint64_t c = 0; c < f.codes(); ++c)
        if (const auto v = decode(c, f); v && std::isfinite(*v)) top = std::max(top, *v);
      CHECK(top == k.largest);
    }
  }
  CHECK_THROWS_AS(reference::facts_of(parse_format("E12M3")), format_error);
  CHECK_THROWS_AS(reference::facts_of(parse_format("E8M60")), format_error);
}

TEST_CASE("reference leaves the thread's MPFR exponent range as it found it") {
  // Thread safety rests on MPFR keeping its exponent range and flags per thread.
  CHECK(mpfr_buildopt_tls_p());
  const mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
  REQUIRE(mpfr_set_emin(-777) == 0);
  REQUIRE(mpfr_set_emax(555) == 0);
  const round_result r = ref(0x1.8p-25, "binary16", rounding::nearest_away);
  CHECK(r.value == 0x1p-24);
  CHECK(mpfr_get_emin() == -777);
  CHECK(mpfr_get_emax() == 555);
  CHECK_THROWS_AS(reference::round(1.0, formats::binary16, rounding::stochastic), std::exception);
  CHECK(mpfr_get_emin() == -777);
  CHECK(mpfr_get_emax() == 555);
  mpfr_set_emin(emin);
  mpfr_set_emax(emax);
  CHECK(reference::to_hex(-1.5) == "-0x1.8p+0");
  CHECK(reference::to_hex(from_bits(0x7ff8000000000123ULL)) == "nan(0x8000000000123)");
}
