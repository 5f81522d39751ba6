// Provides lowp::wide, rounding and the single-rounding operations for formats wider than
// binary64 (E > 11 or p > 53: binary128 = E15M112, E8M60, ...) on GNU MPFR values, with
// lowp::round's semantics (every mode, stochastic included; subnormal, specials and overflow
// policies; ternary and flags). Works for every valid format, narrow ones too.
#pragma once

#include <mpfr.h>

#include <cstdint>
#include <string>

#include "lowp/format.hpp"
#include "lowp/math.hpp"
#include "lowp/rounding.hpp"

namespace lowp::wide {

// A rounded value: `value` holds a value of the format exactly (NaN, +-inf, +-0 as MPFR's), with
// the ternary (sign of value - exact; 0 for NaN) and the flags of lowp/flags.hpp.
class result {
 public:
  result();
  ~result();
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  result(result&& other) noexcept;
  result& operator=(result&& other) noexcept;

  mpfr_srcptr value() const noexcept { return value_; }
  mpfr_ptr value() noexcept { return value_; }
  int ternary = 0;
  unsigned flags = 0;

 private:
  mpfr_t value_;
  bool owned_ = true;
};

// Rounds the MPFR value x (any precision; NaN, inf, zeros included) to f once, as lowp::round
// rounds a binary64 input: DAZ, unsigned formats, zeros and infinities, NaN (MPFR's NaN has no
// payload: the result is a NaN, invalid where f has none). Stochastic modes use the first
// `rbits` bits of `random` against the exact fraction's first 64 bits. Thread-safe: MPFR's
// exponent range and flags are restored on return.
result round(mpfr_srcptr x, const format& f, rounding mode, std::uint64_t random = 0,
             int rbits = 64);

// The operations on MPFR operands (any precision), rounded once from the exact result (computed
// by MPFR rounded to odd at p + 66 bits, which keeps the rounding and the first 64 fraction bits
// exact). A NaN operand gives a NaN rounded as round() rounds it; an invalid operation (inf - inf,
// 0 * inf, 0/0, inf/inf, sqrt of a negative nonzero) gives NaN with invalid|nan_created; a
// finite nonzero divided by zero adds divide_by_zero; an exact zero sum is +0 (-0 in
// rounding::down; -0 + -0 = -0).
result add(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random = 0, int rbits = 64);
result sub(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random = 0, int rbits = 64);
result mul(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random = 0, int rbits = 64);
result div(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random = 0, int rbits = 64);
result sqrt(mpfr_srcptr a, const format& f, rounding mode, std::uint64_t random = 0, int rbits = 64);
result fma(mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr c, const format& f, rounding mode, std::uint64_t random = 0, int rbits = 64);

// Rounds fn(x) (y: second argument of atan2, pow, hypot; ignored otherwise) once to f, from
// MPFR's value rounded to odd at p + 66 bits, with lowp::math's rules for special values: a NaN
// result of NaN operands is a NaN rounded as round() rounds it, a domain error gives NaN with
// invalid|nan_created, an exact infinity of finite operands adds divide_by_zero.
result evaluate(math::function fn, mpfr_srcptr x, mpfr_srcptr y, const format& f, rounding mode,
                std::uint64_t random = 0, int rbits = 64);

// Parses a decimal or C99 hex number (also inf, infinity, nan; optional sign) into x, rounded to
// odd at p + 66 bits for format f, so that round(x, f, ...) rounds the written value once.
// Returns false when the text is not a number in full.
bool parse(const char* text, mpfr_ptr x, const format& f);

// Returns v in MPFR's %Ra hex form ("0x1.999999999999999999999999999ap-4", "-inf", "nan").
std::string to_hex(mpfr_srcptr v);

}  // namespace lowp::wide
