// Provides the MPFR oracle of the lowp::math tests: each function computed by MPFR at 256 bits
// rounded to odd (in the widest exponent range), then rounded by lowp::reference::round_exact;
// the stochastic expectation from the exact fraction; inputs; and a bit-exact comparison.
#pragma once

#include <doctest/doctest.h>
#include <mpfr.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/math.hpp"
#include "lowp/reference.hpp"

namespace lowp::test {

using math::function;

inline constexpr function all_functions[] = {
    function::exp,   function::expm1, function::exp2,  function::exp10, function::log,
    function::log1p, function::log2,  function::log10, function::sin,   function::cos,
    function::tan,   function::asin,  function::acos,  function::atan,  function::atan2,
    function::sinh,  function::cosh,  function::tanh,  function::asinh, function::acosh,
    function::atanh, function::pow,   function::hypot, function::cbrt,  function::erf,
    function::erfc};

inline std::uint64_t bits_of(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// MPFR's correctly rounded function (the specification of each lowp::math function).
inline int mpfr_function(function fn, mpfr_ptr r, mpfr_srcptr x, mpfr_srcptr y, mpfr_rnd_t d) {
  switch (fn) {
    case function::exp: return mpfr_exp(r, x, d);
    case function::expm1: return mpfr_expm1(r, x, d);
    case function::exp2: return mpfr_exp2(r, x, d);
    case function::exp10: return mpfr_exp10(r, x, d);
    case function::log: return mpfr_log(r, x, d);
    case function::log1p: return mpfr_log1p(r, x, d);
    case function::log2: return mpfr_log2(r, x, d);
    case function::log10: return mpfr_log10(r, x, d);
    case function::sin: return mpfr_sin(r, x, d);
    case function::cos: return mpfr_cos(r, x, d);
    case function::tan: return mpfr_tan(r, x, d);
    case function::asin: return mpfr_asin(r, x, d);
    case function::acos: return mpfr_acos(r, x, d);
    case function::atan: return mpfr_atan(r, x, d);
    case function::atan2: return mpfr_atan2(r, x, y, d);
    case function::sinh: return mpfr_sinh(r, x, d);
    case function::cosh: return mpfr_cosh(r, x, d);
    case function::tanh: return mpfr_tanh(r, x, d);
    case function::asinh: return mpfr_asinh(r, x, d);
    case function::acosh: return mpfr_acosh(r, x, d);
    case function::atanh: return mpfr_atanh(r, x, d);
    case function::pow: return mpfr_pow(r, x, y, d);
    case function::hypot: return mpfr_hypot(r, x, y, d);
    case function::cbrt: return mpfr_cbrt(r, x, d);
    case function::erf: return mpfr_erf(r, x, d);
    case function::erfc: return mpfr_erfc(r, x, d);
  }
  return 0;
}

// f(x, y) as an MPFR value: 256 bits rounded to odd, so that every rounding to at most 254 bits
// (and the first 200 fraction bits below 53) is the exact value's. A value below MPFR's range
// stands as the smallest MPFR number of its sign (nothing that fits binary64 tells them apart).
class exact_value {
 public:
  exact_value(function fn, double x, double y) {
    mpfr_init2(v_, 255);
    mpfr_t a, b;
    mpfr_inits2(53, a, b, static_cast<mpfr_ptr>(nullptr));
    const mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    mpfr_clear_flags();
    mpfr_set_d(a, x, MPFR_RNDN);
    mpfr_set_d(b, y, MPFR_RNDN);
    const int t = mpfr_function(fn, v_, a, b, MPFR_RNDZ);
    divided_by_zero = mpfr_divby0_p() != 0;
    const bool underflow = mpfr_underflow_p() != 0;
    if (mpfr_regular_p(v_)) {
      mpfr_prec_round(v_, 256, MPFR_RNDN);  // exact: one more bit
      if (t != 0) {
        if (mpfr_sgn(v_) > 0)
          mpfr_nextabove(v_);
        else
          mpfr_nextbelow(v_);
      }
    } else if (mpfr_zero_p(v_) && underflow && t != 0) {
      const int sign = mpfr_signbit(v_) ? -1 : 1;
      mpfr_set_si_2exp(v_, sign, mpfr_get_emin_min(), MPFR_RNDN);
    }
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    mpfr_clears(a, b, static_cast<mpfr_ptr>(nullptr));
    fn_ = fn;
    x_ = x;
    y_ = y;
  }
  ~exact_value() { mpfr_clear(v_); }
  exact_value(const exact_value&) = delete;
  exact_value& operator=(const exact_value&) = delete;

  mpfr_srcptr get() const { return v_; }
  bool nan() const { return mpfr_nan_p(v_) != 0; }

  // The correctly rounded result in a deterministic mode.
  round_result rounded(const format& f, rounding mode) const {
    if (nan()) {
      if (std::isnan(x_)) return reference::round(x_, f, mode);
      if (math::arity(fn_) == 2 && std::isnan(y_)) return reference::round(y_, f, mode);
      return {std::numeric_limits<double>::quiet_NaN(), 0, flag::invalid | flag::nan_created};
    }
    round_result r = reference::round_exact(v_, f, mode);
    if (divided_by_zero) r.flags |= flag::divide_by_zero;
    return r;
  }

  bool divided_by_zero = false;

 private:
  mpfr_t v_;
  function fn_;
  double x_, y_;
};

// The two neighbours of an inexact finite result in the normal range and the exact fraction of
// the way from the one toward zero to the other, as the first 64 bits (floor(frac * 2^64)).
struct stochastic_case {
  bool usable = false;  // inexact, |exact| in [2^emin, largest]
  round_result toward, away;
  std::uint64_t frac64 = 0;
};

inline stochastic_case stochastic_expectation(const exact_value& e, const format& f) {
  stochastic_case s;
  if (e.nan() || !mpfr_regular_p(e.get())) return s;
  const bool negative = mpfr_sgn(e.get()) < 0;
  s.toward = e.rounded(f, rounding::toward_zero);
  s.away = e.rounded(f, negative ? rounding::down : rounding::up);
  if (s.toward.ternary == 0 || (s.toward.flags & ~flag::inexact) != 0 ||
      (s.away.flags & ~flag::inexact) != 0 || std::isinf(s.away.value) ||
      std::fabs(s.toward.value) < f.smallest_normal())
    return s;
  mpfr_t d, q;
  mpfr_inits2(400, d, q, static_cast<mpfr_ptr>(nullptr));
  mpfr_abs(d, e.get(), MPFR_RNDN);
  mpfr_sub_d(d, d, std::fabs(s.toward.value), MPFR_RNDN);       // exact at 400 bits
  mpfr_set_d(q, std::fabs(s.away.value) - std::fabs(s.toward.value), MPFR_RNDN);  // exact
  mpfr_div(d, d, q, MPFR_RNDZ);
  mpfr_mul_2ui(d, d, 64, MPFR_RNDN);
  mpfr_floor(d, d);
  s.frac64 = mpfr_get_uj(d, MPFR_RNDN);
  mpfr_clears(d, q, static_cast<mpfr_ptr>(nullptr));
  s.usable = true;
  return s;
}

// The expected stochastic result for one random word (lowp::round's semantics: away from zero
// when the r-bit random integer is below the first r fraction bits; sre: on the top bit).
inline round_result stochastic_expected(const stochastic_case& s, rounding mode,
                                        std::uint64_t random, int rbits) {
  bool away;
  if (mode == rounding::stochastic_equal) {
    away = (random >> 63) != 0;
  } else {
    const int drop = 64 - rbits;
    away = (random >> drop) < (s.frac64 >> drop);
  }
  return away ? s.away : s.toward;
}

inline bool same(const round_result& a, const round_result& b) {
  return bits_of(a.value) == bits_of(b.value) && a.ternary == b.ternary && a.flags == b.flags;
}

inline std::string describe(const round_result& r) {
  char b[160];
  std::snprintf(b, sizeof b, "%a t=%d flags=[%s]", r.value, r.ternary,
                flags_to_string(r.flags).c_str());
  return b;
}

// Counts mismatches and prints the first few.
struct mismatch_log {
  long count = 0;
  void add(function fn, double x, double y, const format& f, const char* mode,
           const round_result& got, const round_result& want) {
    if (++count <= 10)
      std::printf("MISMATCH %s(%a, %a) %s %s: got %s want %s\n",
                  std::string(math::name(fn)).c_str(), x, y, to_string(f).c_str(), mode,
                  describe(got).c_str(), describe(want).c_str());
  }
};

// Edge inputs: signed zeros, infinities, NaNs with payloads, binary64 extremes and subnormals,
// and values where the functions are exact or change behaviour.
inline std::vector<double> edge_inputs() {
  const double inf = std::numeric_limits<double>::infinity();
  double nan_payload;
  const std::uint64_t nb = 0x7ff8000000000123ULL;
  std::memcpy(&nan_payload, &nb, sizeof nan_payload);
  std::vector<double> v = {0.0, inf, nan_payload, 1.0, 2.0, 0.5, 3.0, 4.0, 8.0, 10.0, 100.0,
                           0x1p-1074, 0x1p-1022, 0x1p-60, 0x1p-30, 1e-8, 0.1, 0.75,
                           0x1.fffffffffffffp-1, 0x1.0000000000001p0, M_PI, M_PI_2, M_PI_4,
                           709.0, 710.0, 745.0, 1000.0, 11.0, 12.0, 16.0, 30.0, 89.0, 1e300,
                           0x1.fffffffffffffp+1023, 65504.0, 65520.0, 448.0, 27.0, 1024.0};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return v;
}

// Random arguments: log-uniform magnitudes over a broad range, uniform draws over the range
// where the function is interesting, and values of the target format.
class input_source {
 public:
  input_source(function fn, const format& f, std::uint64_t seed) : fn_(fn), f_(f), rng_(seed) {}

  double next(int arg) {
    const int kind = static_cast<int>(rng_() % 3);
    if (kind == 0) {
      const double m = std::exp2(std::uniform_real_distribution<double>(-30, 11)(rng_));
      return (rng_() & 1) ? -m : m;
    }
    if (kind == 1) {
      double lo = -20, hi = 20;
      switch (fn_) {
        case function::asin: case function::acos: case function::atanh: lo = -1; hi = 1; break;
        case function::acosh: lo = 1; hi = 100; break;
        case function::log: case function::log2: case function::log10: lo = 0; hi = 1000; break;
        case function::log1p: lo = -1; hi = 100; break;
        case function::pow: lo = arg == 0 ? 0 : -40; hi = arg == 0 ? 8 : 40; break;
        case function::exp: case function::exp2: case function::exp10: case function::expm1:
          lo = -120; hi = 120; break;
        case function::erfc: lo = -3; hi = 30; break;
        default: break;
      }
      return std::uniform_real_distribution<double>(lo, hi)(rng_);
    }
    const int w = f_.width();
    const std::uint64_t code = rng_() & ((w >= 64) ? ~0ULL : ((1ULL << w) - 1));
    const std::optional<double> v = decode(code, f_);
    return v ? *v : 1.5;
  }

 private:
  function fn_;
  format f_;
  std::mt19937_64 rng_;
};

}  // namespace lowp::test
