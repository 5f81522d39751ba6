// Tests of the exact long accumulator (exact.hpp) against GNU MPFR: random small vectors with
// subnormal, huge and cancelling products, rounded once in every deterministic mode.
#include <doctest/doctest.h>
#include <mpfr.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "lowp/kernels/exact.hpp"
#include "lowp/reference.hpp"

using namespace lowp;
using namespace lowp::kernels;

namespace {

// Returns a random double from a mix of scales: subnormal, tiny, ordinary, huge, and exact
// negations of earlier values (cancellation).
double pick(std::mt19937_64& g, const std::vector<double>& before) {
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_real_distribution<double> u(-1, 1);
  switch (kind(g)) {
    case 0: return std::bit_cast<double>(g() & 0x800fffffffffffffULL);  // subnormal
    case 1: return std::ldexp(u(g), -1000);
    case 2: return std::ldexp(u(g), 1000);
    case 3: return before.empty() ? 1.0 : -before[g() % before.size()];
    case 4: return 0.0;
    default: return std::ldexp(u(g), static_cast<int>(g() % 60) - 30);
  }
}

}  // namespace

TEST_CASE("exact dot against MPFR, rounded once to several formats in every mode") {
  std::mt19937_64 g(42);
  mpfr_t acc, prod;
  mpfr_init2(acc, 4600);
  mpfr_init2(prod, 120);
  const format fs[] = {formats::binary64, formats::binary32, formats::bfloat16, formats::binary16,
                       formats::e4m3fn, formats::e5m2, parse_format("E11M20,subnormals=off"),
                       parse_format("E8M5,subnormals=ftz")};
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 1 + g() % 12;
    std::vector<double> a, b;
    for (std::size_t k = 0; k < n; ++k) {
      a.push_back(pick(g, a));
      b.push_back(trial % 3 == 0 ? 1.0 : pick(g, b));
    }
    if (trial % 5 == 0) {  // force exact cancellation of the largest term
      a.push_back(-a[0]);
      b.push_back(b[0]);
    }
    const exact_accumulator x = exact_dot(a.size(), a.data(), b.data());
    mpfr_set_zero(acc, 1);
    for (std::size_t k = 0; k < a.size(); ++k) {
      mpfr_set_d(prod, a[k], MPFR_RNDN);
      REQUIRE(mpfr_mul_d(prod, prod, b[k], MPFR_RNDN) == 0);
      REQUIRE(mpfr_add(acc, acc, prod, MPFR_RNDN) == 0);
    }
    for (const format& f : fs) {
      for (rounding r : deterministic_roundings) {
        const round_result want = reference::round_exact(acc, f, r);
        const round_result got = x.round(f, r);
        if (mpfr_zero_p(acc)) {  // the sign of an exact zero sum is the accumulator's rule
          CHECK(got.value == 0);
          continue;
        }
        CHECK_MESSAGE(std::bit_cast<std::uint64_t>(got.value) ==
                          std::bit_cast<std::uint64_t>(want.value),
                      "trial ", trial, " ", to_string(f), " ", short_name(r), " got ",
                      reference::to_hex(got.value), " want ", reference::to_hex(want.value));
        CHECK(got.ternary == want.ternary);
        CHECK(got.flags == want.flags);
      }
    }
    const auto dd = x.to_double_double();
    if (!mpfr_zero_p(acc) && std::isfinite(dd.hi)) {  // beyond binary64: hi = inf, lo = 0
      CHECK(dd.hi == mpfr_get_d(acc, MPFR_RNDN));
      mpfr_sub_d(acc, acc, dd.hi, MPFR_RNDN);
      CHECK(dd.lo == mpfr_get_d(acc, MPFR_RNDN));
    }
  }
  mpfr_clear(acc);
  mpfr_clear(prod);
}

TEST_CASE("exact sums: zeros, infinities, NaN, huge counts") {
  exact_accumulator z;
  CHECK(std::signbit(z.round(formats::binary32).value) == false);
  z.add(-0.0);
  CHECK(std::signbit(z.round(formats::binary32).value) == true);
  z.add(1.0);
  z.add(-1.0);
  CHECK(std::signbit(z.round(formats::binary32).value) == false);
  CHECK(std::signbit(z.round(formats::binary32, rounding::down).value) == true);
  exact_accumulator i;
  i.add(1.0);
  i.add(std::numeric_limits<double>::infinity());
  CHECK(i.round(formats::binary16).value == std::numeric_limits<double>::infinity());
  i.add(-std::numeric_limits<double>::infinity());
  CHECK(std::isnan(i.round(formats::binary16).value));
  // 2^20 copies of the largest double times 2: no overflow inside the accumulator.
  exact_accumulator h;
  for (int k = 0; k < (1 << 20); ++k) h.add_product(std::numeric_limits<double>::max(), 2.0);
  for (int k = 0; k < (1 << 20); ++k) h.add_product(-std::numeric_limits<double>::max(), 2.0);
  h.add(0x1p-1074);
  CHECK(h.round(formats::binary64).value == 0x1p-1074);
  // The smallest product 2^-2148 is kept: rounds up to 2^-1074 in rounding::up.
  exact_accumulator t;
  t.add_product(0x1p-1074, 0x1p-1074);
  CHECK(t.round(formats::binary64, rounding::up).value == 0x1p-1074);
  CHECK(t.round(formats::binary64, rounding::nearest_even).value == 0.0);
  CHECK(t.sign() == 1);
}
