// Tests lowp/math.hpp against MPFR (math_oracle.hpp: the function at 256 bits rounded to odd,
// then lowp::reference::round_exact): value bits, ternary and flags, zero mismatches, for every
// function, every deterministic mode, in binary16, bfloat16, binary32 and e4m3fn, on random and
// edge inputs, on generated hard cases (where binary64-then-round is wrong and the fallback must
// fire), through both the full path and the MPFR-only path; stochastic modes bit-exactly against
// the exact fraction and by frequency; and the libm error bound the fast path assumes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "math_oracle.hpp"

using namespace lowp;
using namespace lowp::test;

namespace {

const format test_formats[] = {formats::binary16, formats::bfloat16, formats::binary32,
                               formats::e4m3fn};

int random_cases() {
  const char* env = std::getenv("LOWP_MATH_RANDOM_CASES");
  return env ? std::atoi(env) : 300;
}

// Checks one input pair in every deterministic mode through evaluate and evaluate_mpfr.
void check_all_modes(function fn, double x, double y, const format& f, mismatch_log& log) {
  const exact_value e(fn, x, y);
  for (rounding mode : deterministic_roundings) {
    const round_result want = e.rounded(f, mode);
    const round_result got = math::evaluate(fn, x, y, f, mode);
    if (!same(got, want)) log.add(fn, x, y, f, std::string(short_name(mode)).c_str(), got, want);
    const round_result slow = math::evaluate_mpfr(fn, x, y, f, mode);
    if (!same(slow, want))
      log.add(fn, x, y, f, (std::string(short_name(mode)) + " (mpfr path)").c_str(), slow, want);
  }
}

// Returns the inverse of fn at v in binary64 (libm), or NaN when the pair has none here.
double inverse(function fn, double v) {
  switch (fn) {
    case function::exp: return std::log(v);
    case function::log: return std::exp(v);
    case function::exp2: return std::log2(v);
    case function::log2: return std::exp2(v);
    case function::exp10: return std::log10(v);
    case function::log10: return ::exp10(v);
    case function::expm1: return std::log1p(v);
    case function::log1p: return std::expm1(v);
    case function::sinh: return std::asinh(v);
    case function::asinh: return std::sinh(v);
    case function::cosh: return std::acosh(v);
    case function::acosh: return std::cosh(v);
    case function::tanh: return std::atanh(v);
    case function::atanh: return std::tanh(v);
    case function::sin: return std::asin(v);
    case function::asin: return std::sin(v);
    case function::cos: return std::acos(v);
    case function::acos: return std::cos(v);
    case function::tan: return std::atan(v);
    case function::atan: return std::tan(v);
    case function::cbrt: return v * v * v;
    default: return std::nan("");
  }
}

}  // namespace

TEST_CASE("math: edge inputs, every function, format and deterministic mode") {
  const std::vector<double> edges = edge_inputs();
  mismatch_log log;
  long cases = 0;
  for (const format& f : test_formats)
    for (function fn : all_functions) {
      if (math::arity(fn) == 1) {
        for (double x : edges) {
          check_all_modes(fn, x, 0.0, f, log);
          ++cases;
        }
      } else {
        for (double x : edges)
          for (double y : edges) {
            check_all_modes(fn, x, y, f, log);
            ++cases;
          }
      }
    }
  MESSAGE(cases << " edge cases x 7 modes x 2 paths");
  CHECK(log.count == 0);
}

TEST_CASE("math: every code of e4m3fn, e5m2 and e2m1fn, one-argument functions, every mode") {
  mismatch_log log;
  long cases = 0;
  for (const format& f : {formats::e4m3fn, formats::e5m2, formats::e2m1fn})
    for (function fn : all_functions) {
      if (math::arity(fn) != 1) continue;
      for (std::uint64_t code = 0; code < (std::uint64_t{1} << f.width()); ++code) {
        const std::optional<double> x = decode(code, f);
        if (!x) continue;
        check_all_modes(fn, *x, 0.0, f, log);
        ++cases;
      }
    }
  MESSAGE(cases << " codes x functions");
  CHECK(log.count == 0);
}

TEST_CASE("math: every pair of codes of e3m2fn and e2m1fn (and e4m3fn) for atan2, pow, hypot") {
  // e4m3fn's 65536 pairs take seconds: only with LOWP_MATH_ALL_PAIRS=1 (the exhaustive run).
  std::vector<format> fs = {formats::e3m2fn, formats::e2m1fn};
  if (std::getenv("LOWP_MATH_ALL_PAIRS")) fs.push_back(formats::e4m3fn);
  mismatch_log log;
  long cases = 0;
  for (const format& f : fs) {
    std::vector<double> values;
    for (std::uint64_t code = 0; code < (std::uint64_t{1} << f.width()); ++code)
      if (const std::optional<double> v = decode(code, f)) values.push_back(*v);
    for (function fn : {function::atan2, function::pow, function::hypot})
      for (double x : values)
        for (double y : values) {
          check_all_modes(fn, x, y, f, log);
          ++cases;
        }
  }
  MESSAGE(cases << " pairs x functions");
  CHECK(log.count == 0);
}

TEST_CASE("math: exact special values") {
  using math::exp;
  const format h = formats::binary16;
  for (rounding m : deterministic_roundings) {
    CHECK(math::exp(0.0, h, m).value == 1.0);
    CHECK(math::exp(0.0, h, m).ternary == 0);
    CHECK(math::exp(0.0, h, m).flags == 0);
    const round_result l1 = math::log(1.0, h, m);
    CHECK(l1.value == 0.0);
    CHECK(!std::signbit(l1.value));
    CHECK(l1.ternary == 0);
    CHECK(std::signbit(math::sin(-0.0, h, m).value));
    CHECK(math::pow(2.0, 10.0, h, m).value == 1024.0);
    CHECK(math::pow(2.0, 10.0, h, m).ternary == 0);
    CHECK(math::log2(0x1p-20, h, m).value == -20.0);
    CHECK(math::cbrt(-27.0, h, m).value == -3.0);
    CHECK(math::hypot(3.0, 4.0, h, m).value == 5.0);
    CHECK(math::hypot(3.0, 4.0, h, m).flags == 0);
    const round_result l0 = math::log(0.0, h, m);
    CHECK(l0.value == -INFINITY);
    CHECK(l0.flags == flag::divide_by_zero);
    const round_result bad = math::log(-1.0, h, m);
    CHECK(std::isnan(bad.value));
    CHECK(bad.flags == (flag::invalid | flag::nan_created));
    CHECK(math::pow(1.0, std::nan(""), h, m).value == 1.0);
  }
  // exp(1) in binary16 is 0x1.5cp+1 = 2.71875 in rne (e = 2.71828..., spacing 2^-9 there).
  CHECK(math::exp(1.0, h, rounding::nearest_even).value == 0x1.5cp+1);
  CHECK(math::exp(1.0, h, rounding::nearest_even).ternary == 1);
  // Overflow: exp(12) = 162754.8 > 65504 in binary16; rz keeps the largest.
  CHECK(std::isinf(math::exp(12.0, h, rounding::nearest_even).value));
  CHECK(math::exp(12.0, h, rounding::toward_zero).value == 65504.0);
  CHECK(math::exp(12.0, h, rounding::toward_zero).flags == (flag::overflow | flag::inexact));
  CHECK_THROWS_AS(math::exp(1.0, format{15, 112, 16383}, rounding::nearest_even), format_error);
}

TEST_CASE("math: random inputs, every function, format and deterministic mode") {
  const int n = random_cases();
  mismatch_log log;
  for (const format& f : test_formats)
    for (function fn : all_functions) {
      input_source src(fn, f, 0x6d617468u + static_cast<unsigned>(fn) * 977u +
                                  static_cast<unsigned>(f.mantissa_bits));
      for (int i = 0; i < n; ++i) {
        const double x = src.next(0);
        const double y = math::arity(fn) == 2 ? src.next(1) : 0.0;
        check_all_modes(fn, x, y, f, log);
      }
    }
  MESSAGE(n << " random cases per function and format");
  CHECK(log.count == 0);
}

TEST_CASE("math: hard cases at rounding boundaries (the fallback must fire, naive rounding fails)") {
  // x = inverse(b) for b a value or a midpoint of the target: f(x) lies within a few binary64
  // ulps of b, where rounding libm's binary64 result again misrounds.
  mismatch_log log;
  long naive_wrong = 0, fallbacks = 0, cases = 0;
  std::mt19937_64 rng(42);
  const format formats3[] = {formats::binary16, formats::bfloat16, formats::binary32};
  for (const format& f : formats3)
    for (function fn : all_functions) {
      if (std::isnan(inverse(fn, 0.5))) continue;
      for (int i = 0; i < 60; ++i) {
        // A random grid value in [2^-4, 2^4) (scaled into the range of sin, tanh, ...) or the
        // midpoint above it.
        const int p = f.precision();
        const double sig = 1.0 + std::ldexp(static_cast<double>(rng() % (1ULL << (p - 1))), 1 - p);
        double b = std::ldexp(sig, static_cast<int>(rng() % 8) - 4);
        if (rng() & 1) b += std::ldexp(1.0, std::ilogb(b) - p);  // midpoint
        if (fn == function::sin || fn == function::cos || fn == function::tanh ||
            fn == function::asin || fn == function::acos || fn == function::atanh)
          b = std::ldexp(b, -5);
        if (fn == function::acosh || fn == function::cosh) b += 1.0;
        if (rng() & 1 && fn != function::cosh && fn != function::acosh && fn != function::log &&
            fn != function::log2 && fn != function::log10)
          b = -b;
        const double x = inverse(fn, b);
        if (!std::isfinite(x)) continue;
        const exact_value e(fn, x, 0.0);
        for (rounding mode : deterministic_roundings) {
          const math::fallback_counts before = math::fallbacks(fn);
          const round_result got = math::evaluate(fn, x, 0.0, f, mode);
          const math::fallback_counts after = math::fallbacks(fn);
          fallbacks += static_cast<long>(after.boundary - before.boundary);
          const round_result want = e.rounded(f, mode);
          if (!same(got, want)) log.add(fn, x, 0.0, f, std::string(short_name(mode)).c_str(), got, want);
          double libm_value = 0;
          switch (fn) {
            default: libm_value = 0; break;
#define LOWP_LIBM(F) case function::F: libm_value = std::F(x); break;
            LOWP_LIBM(exp) LOWP_LIBM(log) LOWP_LIBM(exp2) LOWP_LIBM(log2) LOWP_LIBM(log10)
            LOWP_LIBM(expm1) LOWP_LIBM(log1p) LOWP_LIBM(sinh) LOWP_LIBM(asinh) LOWP_LIBM(cosh)
            LOWP_LIBM(acosh) LOWP_LIBM(tanh) LOWP_LIBM(atanh) LOWP_LIBM(sin) LOWP_LIBM(asin)
            LOWP_LIBM(cos) LOWP_LIBM(acos) LOWP_LIBM(tan) LOWP_LIBM(atan) LOWP_LIBM(cbrt)
#undef LOWP_LIBM
            case function::exp10: libm_value = ::exp10(x); break;
          }
          if (!same(lowp::round(libm_value, f, mode), want)) ++naive_wrong;
          ++cases;
        }
      }
    }
  MESSAGE(cases << " hard cases: fallback fired " << fallbacks << " times, libm-then-round wrong "
                << naive_wrong << " times");
  CHECK(log.count == 0);
  CHECK(fallbacks > cases / 4);
  CHECK(naive_wrong > cases / 20);
}

TEST_CASE("math: stochastic modes equal the exact-fraction rule for every random word tried") {
  mismatch_log log;
  long used = 0;
  std::mt19937_64 rng(7);
  const rounding modes[] = {rounding::stochastic, rounding::stochastic_equal};
  const int rbits_list[] = {64, 12, 3};
  for (const format& f : {formats::binary16, formats::bfloat16, formats::binary32})
    for (function fn : all_functions) {
      input_source src(fn, f, 99 + static_cast<unsigned>(fn));
      for (int i = 0; i < 40; ++i) {
        const double x = src.next(0);
        const double y = math::arity(fn) == 2 ? src.next(1) : 0.0;
        const exact_value e(fn, x, y);
        const stochastic_case s = stochastic_expectation(e, f);
        if (!s.usable) continue;
        ++used;
        for (rounding mode : modes)
          for (int rbits : rbits_list)
            for (int k = 0; k < 8; ++k) {
              // Random words near the threshold as well as uniform ones.
              std::uint64_t r = rng();
              if (k < 3) r = s.frac64 + static_cast<std::uint64_t>(k) - 1;
              const round_result want = stochastic_expected(s, mode, r, rbits);
              const round_result got = math::evaluate(fn, x, y, f, mode, r, rbits);
              if (!same(got, want)) log.add(fn, x, y, f, "sr", got, want);
              const round_result slow = math::evaluate_mpfr(fn, x, y, f, mode, r, rbits);
              if (!same(slow, want)) log.add(fn, x, y, f, "sr (mpfr path)", slow, want);
            }
      }
    }
  MESSAGE(used << " inexact inputs in the normal range checked");
  CHECK(used > 1000);
  CHECK(log.count == 0);
}

TEST_CASE("math: stochastic frequencies within binomial bounds of the exact probability") {
  const random_stream rs(2024, 3);
  std::uint64_t index = 0;
  int checked = 0;
  for (const format& f : {formats::binary16, formats::bfloat16})
    for (function fn : {function::exp, function::log, function::sin, function::tanh,
                        function::erf, function::pow}) {
      input_source src(fn, f, 5 + static_cast<unsigned>(fn));
      int done = 0;
      while (done < 3) {
        const double x = src.next(0);
        const double y = math::arity(fn) == 2 ? src.next(1) : 0.0;
        const exact_value e(fn, x, y);
        const stochastic_case s = stochastic_expectation(e, f);
        if (!s.usable) continue;
        ++done;
        const double p = std::ldexp(static_cast<double>(s.frac64), -64);
        for (rounding mode : {rounding::stochastic, rounding::stochastic_equal}) {
          const int n = 4000;
          int away = 0;
          for (int i = 0; i < n; ++i) {
            const round_result r = math::evaluate(fn, x, y, f, mode, rs(index++));
            away += r.value == s.away.value;
            CHECK((r.value == s.away.value || r.value == s.toward.value));
          }
          const double q = mode == rounding::stochastic ? p : 0.5;
          const double sigma = std::sqrt(n * q * (1 - q));
          CHECK(std::fabs(away - n * q) <= 6 * sigma + 1);
          ++checked;
        }
      }
    }
  CHECK(checked == 72);
}

TEST_CASE("math: libm stays within the assumed error bound on random inputs") {
  // The fast path's soundness rests on this bound; measure libm's error here (binary64, in ulps
  // of the exact value) so a libm that breaks it fails the test.
  std::mt19937_64 rng(11);
  for (function fn : all_functions) {
    input_source src(fn, formats::binary32, 1234 + static_cast<unsigned>(fn));
    double worst = 0;
    for (int i = 0; i < 2000; ++i) {
      const double x = src.next(0);
      const double y = math::arity(fn) == 2 ? src.next(1) : 0.0;
      const exact_value e(fn, x, y);
      if (e.nan() || !mpfr_regular_p(e.get())) continue;
      const round_result exact64 = e.rounded(formats::binary64, rounding::nearest_even);
      if (!std::isfinite(exact64.value) || std::fabs(exact64.value) < 0x1p-1022) continue;
      double libm_value = 0;
      (void)rng;
      switch (fn) {
#define LOWP_LIBM1(F) case function::F: libm_value = ::F(x); break;
#define LOWP_LIBM2(F) case function::F: libm_value = ::F(x, y); break;
        LOWP_LIBM1(exp) LOWP_LIBM1(expm1) LOWP_LIBM1(exp2) LOWP_LIBM1(exp10) LOWP_LIBM1(log)
        LOWP_LIBM1(log1p) LOWP_LIBM1(log2) LOWP_LIBM1(log10) LOWP_LIBM1(sin) LOWP_LIBM1(cos)
        LOWP_LIBM1(tan) LOWP_LIBM1(asin) LOWP_LIBM1(acos) LOWP_LIBM1(atan) LOWP_LIBM2(atan2)
        LOWP_LIBM1(sinh) LOWP_LIBM1(cosh) LOWP_LIBM1(tanh) LOWP_LIBM1(asinh) LOWP_LIBM1(acosh)
        LOWP_LIBM1(atanh) LOWP_LIBM2(pow) LOWP_LIBM2(hypot) LOWP_LIBM1(cbrt) LOWP_LIBM1(erf)
        LOWP_LIBM1(erfc)
#undef LOWP_LIBM1
#undef LOWP_LIBM2
      }
      mpfr_t d;
      mpfr_init2(d, 300);
      mpfr_sub_d(d, e.get(), libm_value, MPFR_RNDN);
      mpfr_abs(d, d, MPFR_RNDN);
      const double ulp = std::ldexp(1.0, std::ilogb(exact64.value) - 52);
      const double err = mpfr_get_d(d, MPFR_RNDU) / ulp;
      mpfr_clear(d);
      if (err > worst) worst = err;
    }
    MESSAGE(math::name(fn) << ": largest libm error seen " << worst << " ulp");
    CHECK(worst <= math::libm_error_bound_ulps / 4.0);
  }
}

TEST_CASE("math: stochastic rounding of results far below and above the normal range") {
  // Results near binary64's subnormals and beyond its range, in targets whose smallest quantum
  // is 2^-1074 (binary64) or 2^-1032 (E11M10): value and ternary against the exact-fraction
  // rule, for random words at and around the threshold.
  mismatch_log log;
  long checked = 0;
  const format targets[] = {formats::binary64, parse_format("E11M10"), formats::binary16};
  const double args[] = {-745.0, -745.5, -746.0, -750.0, -760.0, -790.0, -791.5, -800.0,
                         -1000.0, 709.0, 709.9, 710.5, 800.0};
  for (const format& f : targets)
    for (function fn : {function::exp, function::exp2, function::exp10, function::sinh})
      for (double a : args) {
        const double x = fn == function::exp2 ? a * 1.4426950408889634
                         : fn == function::exp10 ? a * 0.4342944819032518 : a;
        const exact_value e(fn, x, 0.0);
        if (!mpfr_regular_p(e.get())) continue;
        const bool negative = mpfr_sgn(e.get()) < 0;
        const round_result toward = e.rounded(f, rounding::toward_zero);
        const round_result away = e.rounded(f, negative ? rounding::down : rounding::up);
        if (toward.ternary == 0) continue;
        // The exact fraction's first 64 bits: (|f(x)| - |toward|) / (|away| - |toward|).
        std::uint64_t frac64 = 0;
        const bool overflowed = (away.flags & flag::overflow) != 0;
        if (!overflowed) {
          mpfr_t d, q;
          mpfr_inits2(600, d, q, static_cast<mpfr_ptr>(nullptr));
          mpfr_abs(d, e.get(), MPFR_RNDN);
          mpfr_sub_d(d, d, std::fabs(toward.value), MPFR_RNDN);
          mpfr_set_d(q, std::fabs(away.value) - std::fabs(toward.value), MPFR_RNDN);
          mpfr_div(d, d, q, MPFR_RNDZ);
          mpfr_mul_2ui(d, d, 64, MPFR_RNDN);
          mpfr_floor(d, d);
          frac64 = mpfr_get_uj(d, MPFR_RNDN);
          mpfr_clears(d, q, static_cast<mpfr_ptr>(nullptr));
        }
        for (std::uint64_t r : {std::uint64_t{0}, std::uint64_t{1}, frac64 - 1, frac64, frac64 + 1,
                                ~std::uint64_t{0}}) {
          const round_result got = math::evaluate(fn, x, 0.0, f, rounding::stochastic, r);
          // Beyond the largest value every stochastic rounding overflows like rounding away.
          const bool want_away = overflowed || r < frac64;
          const round_result& want = want_away ? away : toward;
          if (bits_of(got.value) != bits_of(want.value) || got.ternary != want.ternary)
            log.add(fn, x, 0.0, f, "sr", got, want);
          ++checked;
        }
      }
  MESSAGE(checked << " cases");
  CHECK(checked > 300);
  CHECK(log.count == 0);
}
