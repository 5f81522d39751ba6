// Implements lowp::math: the binary64 fast path with its error interval, and the MPFR fallback
// that rounds the function's value truncated to 128 bits plus a sticky bit with lowp's kernel.
#include "lowp/math.hpp"

#include <gmp.h>
#include <mpfr.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>

#include "lowp/ops.hpp"
#include "mpfr_functions.hpp"

namespace lowp::math {
namespace impl {

// Computes the function in MPFR into r (rounded as `rnd`); returns MPFR's ternary.
int mpfr_eval(function fn, mpfr_ptr r, mpfr_srcptr x, mpfr_srcptr y, mpfr_rnd_t rnd) {
  switch (fn) {
    case function::exp: return mpfr_exp(r, x, rnd);
    case function::expm1: return mpfr_expm1(r, x, rnd);
    case function::exp2: return mpfr_exp2(r, x, rnd);
    case function::exp10: return mpfr_exp10(r, x, rnd);
    case function::log: return mpfr_log(r, x, rnd);
    case function::log1p: return mpfr_log1p(r, x, rnd);
    case function::log2: return mpfr_log2(r, x, rnd);
    case function::log10: return mpfr_log10(r, x, rnd);
    case function::sin: return mpfr_sin(r, x, rnd);
    case function::cos: return mpfr_cos(r, x, rnd);
    case function::tan: return mpfr_tan(r, x, rnd);
    case function::asin: return mpfr_asin(r, x, rnd);
    case function::acos: return mpfr_acos(r, x, rnd);
    case function::atan: return mpfr_atan(r, x, rnd);
    case function::atan2: return mpfr_atan2(r, x, y, rnd);
    case function::sinh: return mpfr_sinh(r, x, rnd);
    case function::cosh: return mpfr_cosh(r, x, rnd);
    case function::tanh: return mpfr_tanh(r, x, rnd);
    case function::asinh: return mpfr_asinh(r, x, rnd);
    case function::acosh: return mpfr_acosh(r, x, rnd);
    case function::atanh: return mpfr_atanh(r, x, rnd);
    case function::pow: return mpfr_pow(r, x, y, rnd);
    case function::hypot: return mpfr_hypot(r, x, y, rnd);
    case function::cbrt: return mpfr_cbrt(r, x, rnd);
    case function::erf: return mpfr_erf(r, x, rnd);
    case function::erfc: return mpfr_erfc(r, x, rnd);
  }
  return 0;
}

}  // namespace impl

namespace {

struct counters {
  std::atomic<std::uint64_t> boundary{0};
  std::atomic<std::uint64_t> special{0};
};
counters fallback_table[function_count];

// Calls the C library's binary64 function (templated so that each public function inlines its
// own call).
template <function F>
double libm(double x, double y) {
  switch (F) {
    case function::exp: return ::exp(x);
    case function::expm1: return ::expm1(x);
    case function::exp2: return ::exp2(x);
    case function::exp10: return ::exp10(x);
    case function::log: return ::log(x);
    case function::log1p: return ::log1p(x);
    case function::log2: return ::log2(x);
    case function::log10: return ::log10(x);
    case function::sin: return ::sin(x);
    case function::cos: return ::cos(x);
    case function::tan: return ::tan(x);
    case function::asin: return ::asin(x);
    case function::acos: return ::acos(x);
    case function::atan: return ::atan(x);
    case function::atan2: return ::atan2(x, y);
    case function::sinh: return ::sinh(x);
    case function::cosh: return ::cosh(x);
    case function::tanh: return ::tanh(x);
    case function::asinh: return ::asinh(x);
    case function::acosh: return ::acosh(x);
    case function::atanh: return ::atanh(x);
    case function::pow: return ::pow(x, y);
    case function::hypot: return ::hypot(x, y);
    case function::cbrt: return ::cbrt(x);
    case function::erf: return ::erf(x);
    case function::erfc: return ::erfc(x);
  }
  return x;
}

// Per-thread MPFR variables (allocating per call would cost more than most evaluations).
struct scratch {
  mpfr_t x, y, r;
  mpz_t z;
  scratch() {
    mpfr_inits2(128, x, y, r, static_cast<mpfr_ptr>(nullptr));
    mpz_init(z);
  }
  ~scratch() {
    mpfr_clears(x, y, r, static_cast<mpfr_ptr>(nullptr));
    mpz_clear(z);
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

scratch& thread_scratch() {
  thread_local scratch s;
  return s;
}

// The result for a NaN value of the function: the first NaN operand as lowp::round rounds it,
// or the canonical NaN of an invalid operation when no operand is NaN.
round_result nan_result(function fn, double x, double y, const format& fmt, rounding mode) {
  if (std::isnan(x)) return lowp::round(x, fmt, mode);
  if (arity(fn) == 2 && std::isnan(y)) return lowp::round(y, fmt, mode);
  return detail::invalid_nan(false);
}

// Beyond these binary exponents every format that fits binary64 overflows, or rounds as any
// tiny positive value does (the whole value lies below the last 128 fraction bits of 2^-1074).
constexpr long exponent_clamp = 100000;

// Rounds a stand-in for a value of sign `negative` above 2^100000 (huge) or below 2^-100000.
round_result round_beyond(bool huge, bool negative, const format& fmt, rounding mode,
                          std::uint64_t random, int rbits) {
  const long c = huge ? exponent_clamp : -exponent_clamp;
  return detail::op_finite(detail::uint128{1} << 127, static_cast<int>(c - 128), true, negative,
                           fmt, mode, random, rbits);
}

round_result mpfr_path(function fn, double x, double y, const format& fmt, rounding mode,
                       std::uint64_t random, int rbits) {
  scratch& s = thread_scratch();
  // The widest exponent range MPFR allows, so that only truly huge or tiny values overflow or
  // underflow; the caller's range and flags are restored before returning.
  const mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
  const mpfr_flags_t old_flags = mpfr_flags_save();
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
  mpfr_clear_flags();
  mpfr_set_d(s.x, x, MPFR_RNDN);  // exact: 128 >= 53 bits
  mpfr_set_d(s.y, y, MPFR_RNDN);
  // Truncated to 128 bits: with the ternary as a sticky bit this is exact rounding information
  // for any precision up to 53 and the first 64 fraction bits below it.
  const int t = impl::mpfr_eval(fn, s.r, s.x, s.y, MPFR_RNDZ);
  const bool divided_by_zero = mpfr_divby0_p() != 0;
  const bool underflowed = mpfr_underflow_p() != 0;
  mpfr_exp_t e = 0, ze = 0;
  if (mpfr_regular_p(s.r)) {
    e = mpfr_get_exp(s.r);
    if (e > -exponent_clamp && e < exponent_clamp) ze = mpfr_get_z_2exp(s.z, s.r);
  }
  mpfr_set_emin(old_emin);
  mpfr_set_emax(old_emax);
  mpfr_flags_restore(old_flags, MPFR_FLAGS_ALL);

  if (mpfr_nan_p(s.r)) return nan_result(fn, x, y, fmt, mode);
  const bool negative = mpfr_signbit(s.r) != 0;
  if (mpfr_inf_p(s.r)) {  // RNDZ never overflows to inf: this infinity is exact
    round_result r = lowp::round(negative ? -INFINITY : INFINITY, fmt, mode);
    if (divided_by_zero) r.flags |= flag::divide_by_zero;
    return r;
  }
  detail::uint128 sig = 0;
  int lsb = 0;
  bool sticky = t != 0;
  if (mpfr_zero_p(s.r)) {
    if (!underflowed || t == 0) return lowp::round(negative ? -0.0 : 0.0, fmt, mode);
    e = -exponent_clamp;  // a nonzero value below MPFR's range: any tiny value rounds the same
  }
  if (e <= -exponent_clamp || e >= exponent_clamp) {
    // Stand-ins: a value of the same sign that every such format rounds the same way.
    round_result r = round_beyond(e > 0, negative, fmt, mode, random, rbits);
    if (divided_by_zero) r.flags |= flag::divide_by_zero;
    return r;
  } else {
    // |r| = z * 2^ze with z < 2^128: the significand as two 64-bit words.
    std::uint64_t words[2] = {0, 0};
    std::size_t count = 0;
    mpz_export(words, &count, -1, sizeof(std::uint64_t), 0, 0, s.z);
    sig = (detail::uint128{words[1]} << 64) | words[0];
    lsb = static_cast<int>(ze);
  }
  round_result r = detail::op_finite(sig, lsb, sticky, negative, fmt, mode, random, rbits);
  if (divided_by_zero) r.flags |= flag::divide_by_zero;
  return r;
}

void check_format(const format& fmt) {
  if (!fmt.fits_binary64())
    throw format_error("lowp::math: format " + to_string(fmt) +
                       " has values outside binary64 (use the lowp::wide path)");
}

// Accepts y with one rounding where that is cheap: 2^emin <= |y| < 2^1023. There the rounding
// boundaries near y are the grid values (every mode), the midpoints (nearest modes) and, in
// stochastic rounding with a given random word, one threshold per quantum: the fraction
// (R' + 1) / 2^rbits at and above which the magnitude goes away from zero (R' = the top rbits of
// the word). Grid values and midpoints are the multiples of a cell width 2^(e - m) or
// 2^(e - m - 1) in y's binade [2^e, 2^(e+1)); underflow cannot occur and overflow is decided by
// the same boundaries (its threshold is largest or largest + half a quantum). If the interval
// y -+ (2K + 1) ulp(y) stays inside y's binade, strictly inside one cell and on one side of the
// stochastic threshold, the exact value rounds as y does, with the same ternary and flags. The
// test is done on y's integer significand:
//
//   significand of y (53 bits):  [ cell index (53 - s bits) | position in the cell (s bits) ]
inline bool decided_in_cell(double y, const format& fmt, rounding mode, std::uint64_t random,
                            int rbits, round_result& out) {
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, y) & ~detail::sign_mask;
  const int field = static_cast<int>(mag >> 52);
  if (field == 0 || field >= 0x7fe || field - 1023 < fmt.emin()) return false;
  const int s = 52 - fmt.mantissa_bits - (is_nearest(mode) ? 1 : 0);
  if (s < 8) return false;  // cells of fewer than 256 ulps: leave it to the general check
  constexpr std::uint64_t half_width = 2 * libm_error_bound_ulps + 1;
  const std::uint64_t sig = (mag & 0x000fffffffffffffULL) | (1ULL << 52);
  const std::uint64_t lo = sig - half_width, hi = sig + half_width;
  if ((lo >> 52) != 1 || (hi >> 52) != 1) return false;  // the interval leaves y's binade
  const std::uint64_t cell_mask = (std::uint64_t{1} << s) - 1;
  if ((lo >> s) != (hi >> s) || (lo & cell_mask) == 0) return false;
  if (mode == rounding::stochastic) {
    // Away from zero iff position * 2^rbits >= (R' + 1) * 2^s (both below 2^117).
    const detail::uint128 threshold = (detail::uint128{random >> (64 - rbits)} + 1) << s;
    const bool lo_away = (detail::uint128{lo & cell_mask} << rbits) >= threshold;
    const bool hi_away = (detail::uint128{hi & cell_mask} << rbits) >= threshold;
    if (lo_away != hi_away) return false;
  }
  out = lowp::round(y, fmt, mode, random, rbits);
  return true;
}

// Accepts the binary64 result y when its error interval rounds to one answer; see math.hpp.
inline bool decided(double y, const format& fmt, rounding mode, std::uint64_t random, int rbits,
                    round_result& out) {
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, y) & ~detail::sign_mask;
  const int field = static_cast<int>(mag >> 52);
  // Normal and below the top binade: ulp(y) is 2^(field - 1075) and y +- the margin stays finite.
  if (field == 0 || field >= 0x7fe) return false;
  const double margin = (2 * libm_error_bound_ulps + 1) * exp2i(field - 1075);
  // y - margin is exact (it stays in y's binade or the one below, at y's quantum); y + margin
  // may round in the binade above, by at most ulp(y), which the "+1" above covers.
  const round_result a = lowp::round(y - margin, fmt, mode, random, rbits);
  const round_result b = lowp::round(y + margin, fmt, mode, random, rbits);
  if (a.ternary == 0 || a.ternary != b.ternary || a.flags != b.flags ||
      __builtin_bit_cast(std::uint64_t, a.value) != __builtin_bit_cast(std::uint64_t, b.value))
    return false;
  out = a;
  return true;
}

// A strict bound on the exact f(x): f(x) < value (side -1) or f(x) > value (side +1).
struct strict_bound {
  double value;
  int side;
};

// Fills `out` with the strict bounds that identities give for f(x) near where the error interval
// alone cannot decide (f(x) ~ x at zero, f(x) ~ +-1, 2 at saturation); returns how many. Each
// inequality holds strictly for every finite x != 0 it is given for.
template <function F>
int known_bounds(double x, strict_bound out[2]) {
  if (x == 0 || !std::isfinite(x)) return 0;
  const int sx = x > 0 ? 1 : -1;
  switch (F) {
    case function::sin: case function::atan: case function::asinh:
      out[0] = {x, -sx};  // |sin x| < |x|, |atan x| < |x|, |asinh x| < |x|
      return 1;
    case function::tanh: case function::erf:
      out[0] = {static_cast<double>(sx), -sx};  // |tanh x| < 1, |erf x| < 1
      if (F == function::erf) return 1;
      out[1] = {x, -sx};  // |tanh x| < |x|
      return 2;
    case function::tan:
      if (!(x > -1.5 && x < 1.5)) return 0;  // |tan x| > |x| only on (-pi/2, pi/2)
      out[0] = {x, sx};
      return 1;
    case function::asin: case function::atanh: case function::sinh:
      out[0] = {x, sx};  // |asin x| > |x|, |atanh x| > |x|, |sinh x| > |x|
      return 1;
    case function::expm1:
      out[0] = {x, 1};  // e^x - 1 > x
      out[1] = {-1.0, 1};
      return 2;
    case function::log1p: out[0] = {x, -1}; return 1;  // ln(1 + x) < x
    case function::exp: case function::exp2: case function::exp10:
      out[0] = {1.0, sx};
      return 1;
    case function::cosh: out[0] = {1.0, 1}; return 1;
    case function::cos:
      out[0] = {1.0, -1};  // cos x = 1 only at multiples of 2 pi, never a binary64 != 0
      return 1;
    case function::erfc:
      if (x > 0) return 0;
      out[0] = {2.0, -1};
      return 1;
    default: return 0;
  }
}

// Accepts y when a strict bound clips its error interval: [y - margin, y + margin] cut to
// values below (side -1) or above (side +1) `bound`. The open end at the bound rounds like the
// adjacent binary64 value, because no rounding boundary of a deterministic mode lies strictly
// between two adjacent binary64 values of the normal range when p <= 52 (midpoints need p + 1
// <= 53 bits).
inline bool decided_one_sided(double y, strict_bound bound, const format& fmt, rounding mode,
                              round_result& out) {
  if (is_stochastic(mode) || fmt.precision() > 52) return false;
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, y) & ~detail::sign_mask;
  const int field = static_cast<int>(mag >> 52);
  if (field <= 1 || field >= 0x7fe) return false;
  const double margin = (2 * libm_error_bound_ulps + 1) * exp2i(field - 1075);
  double lo = y - margin, hi = y + margin;
  if (bound.side < 0 && hi >= bound.value) hi = std::nextafter(bound.value, -INFINITY);
  if (bound.side > 0 && lo <= bound.value) lo = std::nextafter(bound.value, INFINITY);
  if (!(lo <= hi)) return false;
  const std::uint64_t lo_field = (__builtin_bit_cast(std::uint64_t, lo) & ~detail::sign_mask) >> 52;
  const std::uint64_t hi_field = (__builtin_bit_cast(std::uint64_t, hi) & ~detail::sign_mask) >> 52;
  if (lo_field <= 1 || hi_field <= 1) return false;  // keep clear of binary64's subnormals
  const round_result a = lowp::round(lo, fmt, mode);
  const round_result b = lowp::round(hi, fmt, mode);
  if (a.ternary == 0 || a.ternary != b.ternary || a.flags != b.flags ||
      __builtin_bit_cast(std::uint64_t, a.value) != __builtin_bit_cast(std::uint64_t, b.value))
    return false;
  out = a;
  return true;
}

// Returns +1 when |f(x)| is certainly at least 2^1024 (above the largest value of every format
// that fits binary64, also after truncation to its precision), -1 when certainly below 2^-1140
// (below 2^-64 of the smallest quantum, 2^-1074, so that even the first 64 fraction bits that
// stochastic rounding reads are zero), else 0, by the argument alone: exp(709.79) > 2^1024.01,
// exp(-791) < 2^-1141.1, ... Such values round like the MPFR path's stand-ins (see mpfr_path).
template <function F>
int beyond_binary64(double x) {
  if (!std::isfinite(x)) return 0;  // exp(inf) = inf and exp(-inf) = 0 are exact
  switch (F) {
    case function::exp: return x > 709.79 ? 1 : x < -791 ? -1 : 0;
    case function::exp2: return x >= 1024 ? 1 : x < -1140 ? -1 : 0;
    case function::exp10: return x > 308.26 ? 1 : x < -344 ? -1 : 0;
    case function::expm1: return x > 709.79 ? 1 : 0;
    // sinh, cosh >= e^|x| / 2 - 1/2: above 2^1024 for |x| > 710.48.
    case function::sinh: case function::cosh: return (x > 710.49 || x < -710.49) ? 1 : 0;
    default: return 0;
  }
}

template <function F>
round_result eval(double x, double y, const format& fmt, rounding mode, std::uint64_t random,
                  int rbits) {
  check_format(fmt);
  const double v = libm<F>(x, y);
  round_result r;
  if (decided_in_cell(v, fmt, mode, random, rbits, r)) return r;
  if (decided(v, fmt, mode, random, rbits, r)) return r;
  if (std::isnan(v)) return nan_result(F, x, y, fmt, mode);  // C99 Annex F: NaN is exact here
  if (const int b = beyond_binary64<F>(x); b != 0) {
    const bool negative = F == function::sinh && x < 0;
    return round_beyond(b > 0, negative, fmt, mode, random, rbits);
  }
  strict_bound bounds[2];
  const int n_bounds = known_bounds<F>(x, bounds);
  for (int i = 0; i < n_bounds; ++i)
    if (decided_one_sided(v, bounds[i], fmt, mode, r)) return r;
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, v) & ~detail::sign_mask;
  const int field = static_cast<int>(mag >> 52);
  counters& c = fallback_table[static_cast<int>(F)];
  if (field == 0 || field >= 0x7fe)
    c.special.fetch_add(1, std::memory_order_relaxed);
  else
    c.boundary.fetch_add(1, std::memory_order_relaxed);
  return mpfr_path(F, x, y, fmt, mode, random, rbits);
}

constexpr std::string_view names[function_count] = {
    "exp",  "expm1", "exp2",  "exp10", "log",   "log1p", "log2",  "log10", "sin",
    "cos",  "tan",   "asin",  "acos",  "atan",  "atan2", "sinh",  "cosh",  "tanh",
    "asinh", "acosh", "atanh", "pow",  "hypot", "cbrt",  "erf",   "erfc"};

}  // namespace

std::string_view name(function fn) noexcept { return names[static_cast<int>(fn)]; }

int arity(function fn) noexcept {
  return (fn == function::atan2 || fn == function::pow || fn == function::hypot) ? 2 : 1;
}

#define LOWP_MATH_UNARY(F)                                                                  \
  round_result F(double x, const format& fmt, rounding mode, std::uint64_t random, int rbits) { \
    return eval<function::F>(x, 0.0, fmt, mode, random, rbits);                              \
  }
#define LOWP_MATH_BINARY(F)                                                                   \
  round_result F(double x, double y, const format& fmt, rounding mode, std::uint64_t random, \
                 int rbits) {                                                                 \
    return eval<function::F>(x, y, fmt, mode, random, rbits);                                 \
  }
LOWP_MATH_UNARY(exp)
LOWP_MATH_UNARY(expm1)
LOWP_MATH_UNARY(exp2)
LOWP_MATH_UNARY(exp10)
LOWP_MATH_UNARY(log)
LOWP_MATH_UNARY(log1p)
LOWP_MATH_UNARY(log2)
LOWP_MATH_UNARY(log10)
LOWP_MATH_UNARY(sin)
LOWP_MATH_UNARY(cos)
LOWP_MATH_UNARY(tan)
LOWP_MATH_UNARY(asin)
LOWP_MATH_UNARY(acos)
LOWP_MATH_UNARY(atan)
LOWP_MATH_BINARY(atan2)
LOWP_MATH_UNARY(sinh)
LOWP_MATH_UNARY(cosh)
LOWP_MATH_UNARY(tanh)
LOWP_MATH_UNARY(asinh)
LOWP_MATH_UNARY(acosh)
LOWP_MATH_UNARY(atanh)
LOWP_MATH_BINARY(pow)
LOWP_MATH_BINARY(hypot)
LOWP_MATH_UNARY(cbrt)
LOWP_MATH_UNARY(erf)
LOWP_MATH_UNARY(erfc)
#undef LOWP_MATH_UNARY
#undef LOWP_MATH_BINARY

round_result evaluate(function fn, double x, double y, const format& fmt, rounding mode,
                      std::uint64_t random, int rbits) {
  switch (fn) {
#define LOWP_MATH_CASE(F) \
  case function::F: return eval<function::F>(x, y, fmt, mode, random, rbits);
    LOWP_MATH_CASE(exp) LOWP_MATH_CASE(expm1) LOWP_MATH_CASE(exp2) LOWP_MATH_CASE(exp10)
    LOWP_MATH_CASE(log) LOWP_MATH_CASE(log1p) LOWP_MATH_CASE(log2) LOWP_MATH_CASE(log10)
    LOWP_MATH_CASE(sin) LOWP_MATH_CASE(cos) LOWP_MATH_CASE(tan) LOWP_MATH_CASE(asin)
    LOWP_MATH_CASE(acos) LOWP_MATH_CASE(atan) LOWP_MATH_CASE(atan2) LOWP_MATH_CASE(sinh)
    LOWP_MATH_CASE(cosh) LOWP_MATH_CASE(tanh) LOWP_MATH_CASE(asinh) LOWP_MATH_CASE(acosh)
    LOWP_MATH_CASE(atanh) LOWP_MATH_CASE(pow) LOWP_MATH_CASE(hypot) LOWP_MATH_CASE(cbrt)
    LOWP_MATH_CASE(erf) LOWP_MATH_CASE(erfc)
#undef LOWP_MATH_CASE
  }
  return detail::invalid_nan(false);
}

round_result evaluate_mpfr(function fn, double x, double y, const format& fmt, rounding mode,
                           std::uint64_t random, int rbits) {
  check_format(fmt);
  return mpfr_path(fn, x, y, fmt, mode, random, rbits);
}

fallback_counts fallbacks(function fn) noexcept {
  const counters& c = fallback_table[static_cast<int>(fn)];
  return {c.boundary.load(std::memory_order_relaxed), c.special.load(std::memory_order_relaxed)};
}

void reset_fallbacks() noexcept {
  for (counters& c : fallback_table) {
    c.boundary.store(0, std::memory_order_relaxed);
    c.special.store(0, std::memory_order_relaxed);
  }
}

}  // namespace lowp::math
