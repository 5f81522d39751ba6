// Provides lowp::math, elementary functions correctly rounded to any format whose values are
// binary64 values, in every rounding mode: evaluated with the C library in binary64, with GNU
// MPFR as the fallback where the binary64 error bound cannot decide the rounding.
#pragma once

#include <cstdint>
#include <string_view>

#include "lowp/format.hpp"
#include "lowp/round.hpp"
#include "lowp/rounding.hpp"

namespace lowp::math {

// The functions, in the order of the README table.
enum class function : std::uint8_t {
  exp, expm1, exp2, exp10, log, log1p, log2, log10,
  sin, cos, tan, asin, acos, atan, atan2,
  sinh, cosh, tanh, asinh, acosh, atanh,
  pow, hypot, cbrt, erf, erfc,
};
inline constexpr int function_count = static_cast<int>(function::erfc) + 1;

// Returns the C name of a function ("exp", "atan2", ...).
std::string_view name(function fn) noexcept;
// Returns 1, or 2 for atan2 (y, x), pow (x, y) and hypot (x, y).
int arity(function fn) noexcept;

// The error bound assumed for the C library's binary64 result, in ulps of the exact result.
//
// How a call is decided (see README "Correctly rounded math functions"):
//   y = libm(x) in binary64 (round to nearest), assumed within K ulps of the exact f(x);
//   lo, hi = y -+ (2K + 1) ulp(y), which holds f(x) even where it lies in the next binade;
//   in deterministic modes, if [lo, hi] lies strictly between two consecutive rounding
//   boundaries of y's binade (above 2^emin), f(x) rounds as y does: one rounding;
//   else if lowp::round gives lo and hi the same value, ternary (nonzero) and flags, every real in
//   [lo, hi] rounds the same (each mode, stochastic ones with a fixed random word included, is
//   monotone in the value), so that is the answer; where y == x or +-1 a strict identity
//   (sin x < x, e^x > 1 for x > 0, tanh x < 1, ...) halves the interval; otherwise, and
//   whenever y is not a normal binary64 below 2^1023, MPFR computes f(x) truncated to 128 bits
//   plus a sticky bit, which lowp's rounding kernel rounds exactly (stochastic modes: the first
//   64 fraction bits are exact).
inline constexpr int libm_error_bound_ulps = 16;

// Rounds f(x) (or f(x, y)) to `fmt` in `mode`, once, from the exact value: value, ternary
// (sign of value - exact) and flags as lowp::round gives for an input equal to the exact value.
// Stochastic modes take `random` / `rbits` as lowp::round does. Special cases:
//   - a NaN result from NaN operands gives the first NaN operand rounded as lowp::round rounds a
//     NaN; C99 Annex F's non-NaN results for NaN operands (pow(1, NaN) = 1, hypot(inf, NaN) =
//     inf, pow(NaN, 0) = 1) are kept, as MPFR and glibc both give them;
//   - a domain error (log(-1), asin(2), pow(-8, 1/3)) gives +NaN with invalid|nan_created;
//   - an exact infinite result of finite operands (log(0), atanh(1), pow(0, -1)) adds
//     flag::divide_by_zero; an exact zero keeps its IEEE sign (sin(-0) = -0, log(1) = +0).
// Requires fmt.fits_binary64() (throws format_error otherwise). Thread-safe.
round_result exp(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result expm1(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result exp2(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result exp10(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result log(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result log1p(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result log2(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result log10(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result sin(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result cos(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result tan(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result asin(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result acos(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result atan(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result atan2(double y, double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result sinh(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result cosh(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result tanh(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result asinh(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result acosh(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result atanh(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result pow(double x, double y, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result hypot(double x, double y, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result cbrt(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result erf(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);
round_result erfc(double x, const format& fmt, rounding mode, std::uint64_t random = 0, int rbits = 64);

// Evaluates any function by its enum (y is ignored for one-argument functions).
round_result evaluate(function fn, double x, double y, const format& fmt, rounding mode,
                      std::uint64_t random = 0, int rbits = 64);

// Evaluates through MPFR only (the fallback path, for tests and benchmarks). Counts nothing.
round_result evaluate_mpfr(function fn, double x, double y, const format& fmt, rounding mode,
                           std::uint64_t random = 0, int rbits = 64);

// How often the fallback ran, per function, since the start or the last reset (all threads;
// relaxed atomic counters). `boundary`: the binary64 interval straddled a rounding boundary of
// the target (exact results such as exp(0) = 1 land here too); `special`: the binary64 result was
// zero, subnormal, infinite, NaN or in the top binade, so MPFR decided.
struct fallback_counts {
  std::uint64_t boundary;
  std::uint64_t special;
};
fallback_counts fallbacks(function fn) noexcept;
void reset_fallbacks() noexcept;

}  // namespace lowp::math
