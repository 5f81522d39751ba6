// Provides add, sub, mul, div, sqrt and fma on arbitrary binary64 operands, rounded once to a
// format from the exact result (computed in integers, with a sticky bit for what is dropped) in
// every rounding mode, with the ternary and flags of lowp::round.
#pragma once

#include <cstdint>

#include "lowp/config.hpp"
#include "lowp/flags.hpp"
#include "lowp/format.hpp"
#include "lowp/round.hpp"
#include "lowp/rounding.hpp"

namespace lowp {

// Semantics (every op):
//   - A NaN operand gives the first NaN operand in argument order (a, b, c), rounded as
//     lowp::round rounds a NaN (quieted, sign and payload kept).
//   - An invalid operation (inf - inf, 0 * inf, 0/0, inf/inf, sqrt of a negative nonzero) gives
//     the canonical +NaN with invalid|nan_created, ternary 0, in every format.
//   - A finite nonzero divided by zero gives the signed inf rounded as lowp::round rounds an inf
//     input, plus flag::divide_by_zero. Other infinite results are rounded the same way.
//   - An exact zero result has the IEEE sign (x + (-x) is +0, -0 in rounding::down; -0 + -0 is
//     -0) and is rounded as lowp::round rounds that zero.
//   - Otherwise the exact result is rounded once with lowp::round's semantics applied to it as if
//     it were the input (DAZ and unsigned formats included); stochastic modes take the
//     probability from the exact result's first 64 fraction bits.
// Requires f.fits_binary64().

namespace detail {

// A binary64 operand taken apart: |x| = sig * 2^lsb (sig < 2^53).
struct operand {
  std::uint64_t sig;
  int lsb;
  bool negative;
  bool nan, inf, zero;
};

LOWP_HOST_DEVICE constexpr operand unpack(double x) noexcept {
  const std::uint64_t bits = __builtin_bit_cast(std::uint64_t, x);
  const std::uint64_t mag = bits & ~sign_mask;
  const int field = static_cast<int>(mag >> 52);
  operand o{};
  o.negative = (bits & sign_mask) != 0;
  o.nan = mag > inf_bits;
  o.inf = mag == inf_bits;
  o.zero = mag == 0;
  o.sig = field ? (mag & 0x000fffffffffffffULL) | (1ULL << 52) : mag;
  o.lsb = field ? field - 1075 : -1074;
  return o;
}

LOWP_HOST_DEVICE constexpr round_result op_invalid() noexcept {
  return {__builtin_bit_cast(double, inf_bits | quiet_bit), 0, flag::invalid | flag::nan_created};
}

LOWP_HOST_DEVICE constexpr round_result op_zero(bool negative, const format& f, rounding mode) noexcept {
  return round(negative ? -0.0 : 0.0, f, mode);
}

LOWP_HOST_DEVICE constexpr round_result op_inf(bool negative, const format& f, rounding mode) noexcept {
  const double inf = __builtin_bit_cast(double, inf_bits);
  return round(negative ? -inf : inf, f, mode);
}

// Rounds the exact finite nonzero (sig + sticky) * 2^lsb: lowp::round's input handling for a
// finite nonzero x (DAZ, unsigned formats), then the shared rounding of the magnitude.
LOWP_HOST_DEVICE constexpr round_result op_finite(uint128 sig, int lsb, bool sticky, bool negative,
                                                  const format& f, rounding mode,
                                                  std::uint64_t random, int rbits) noexcept {
  if (f.daz && bit_width128(sig) - 1 + lsb < f.emin()) {  // |x| < 2^emin is taken as a zero
    if (!f.has_zero) return invalid_nan(false);
    const bool neg_zero = negative && f.has_negative_zero();
    return {neg_zero ? -0.0 : 0.0, negative ? 1 : -1, flag::inexact | flag::flushed};
  }
  if (!f.is_signed && negative) return invalid_nan(false);
  return round_magnitude<uint128>(sig, lsb, sticky, negative, f, mode, random, rbits, 0);
}

// An exact term (-1)^negative * sig * 2^lsb with sig < 2^107.
struct term {
  uint128 sig;
  int lsb;
  bool negative;
};

// Adds two nonzero terms exactly (up to a sticky bit) and rounds the sum once.
//
//   window (128 bits):  [ 00 | x: top bit at 125 ...          ]   unit 2^L
//                        [ 00 |    y aligned ...  | bits below ]-> remainder: sticky / borrow
// The larger term sits at bit 125 so a carry fits; a remainder of y exists only when y's top bit
// lies more than 18 bits below x's (y has at most 107 bits), so x - y stays above 2^124 and
// taking one unit off for the borrow keeps the magnitude nonzero.
LOWP_HOST_DEVICE constexpr round_result add_terms(term x, term y, const format& f, rounding mode,
                                                  std::uint64_t random, int rbits) noexcept {
  if (bit_width128(x.sig) + x.lsb < bit_width128(y.sig) + y.lsb) {
    const term t = x;
    x = y;
    y = t;
  }
  const int sx = 126 - bit_width128(x.sig);
  const uint128 X = x.sig << sx;
  const int L = x.lsb - sx;
  uint128 Y = 0;
  bool rem = false;
  const int shift = y.lsb - L;
  if (shift >= 0) {
    Y = y.sig << shift;
  } else if (shift > -128) {
    Y = y.sig >> -shift;
    rem = (y.sig << (128 + shift)) != 0;
  } else {
    rem = true;  // y.sig != 0
  }
  bool negative = x.negative;
  uint128 S = 0;
  bool sticky = rem;
  if (x.negative == y.negative) {
    S = X + Y;
  } else if (X >= Y) {
    S = X - Y;
    if (rem) S -= 1;  // X - (Y + r) = (X - Y - 1) + (1 - r)
  } else {  // |y| > |x|: only without a remainder (see above)
    S = Y - X;
    negative = y.negative;
  }
  if (S == 0 && !sticky) return op_zero(mode == rounding::down, f, mode);
  return op_finite(S, L, sticky, negative, f, mode, random, rbits);
}

// Returns the first NaN operand, rounded as round() rounds a NaN input.
LOWP_HOST_DEVICE constexpr round_result op_nan(double x, const format& f, rounding mode) noexcept {
  return round(x, f, mode);
}

}  // namespace detail

// Returns a + b rounded once to f in `mode` (random/rbits as lowp::round).
LOWP_HOST_DEVICE constexpr round_result add(double a, double b, const format& f, rounding mode,
                                            std::uint64_t random = 0, int rbits = 64) noexcept {
  using namespace detail;
  const operand x = unpack(a), y = unpack(b);
  if (x.nan) return op_nan(a, f, mode);
  if (y.nan) return op_nan(b, f, mode);
  if (x.inf || y.inf) {
    if (x.inf && y.inf && x.negative != y.negative) return op_invalid();
    return op_inf(x.inf ? x.negative : y.negative, f, mode);
  }
  if (x.zero && y.zero)
    return op_zero(x.negative == y.negative ? x.negative : mode == rounding::down, f, mode);
  if (x.zero) return op_finite(y.sig, y.lsb, false, y.negative, f, mode, random, rbits);
  if (y.zero) return op_finite(x.sig, x.lsb, false, x.negative, f, mode, random, rbits);
  return add_terms({x.sig, x.lsb, x.negative}, {y.sig, y.lsb, y.negative}, f, mode, random, rbits);
}

// Returns a - b rounded once (a + (-b): negating is exact, NaN operands keep their own sign).
LOWP_HOST_DEVICE constexpr round_result sub(double a, double b, const format& f, rounding mode,
                                            std::uint64_t random = 0, int rbits = 64) noexcept {
  if (a != a) return detail::op_nan(a, f, mode);
  if (b != b) return detail::op_nan(b, f, mode);
  return add(a, -b, f, mode, random, rbits);
}

// Returns a * b rounded once (the 106-bit product is exact).
LOWP_HOST_DEVICE constexpr round_result mul(double a, double b, const format& f, rounding mode,
                                            std::uint64_t random = 0, int rbits = 64) noexcept {
  using namespace detail;
  const operand x = unpack(a), y = unpack(b);
  if (x.nan) return op_nan(a, f, mode);
  if (y.nan) return op_nan(b, f, mode);
  const bool negative = x.negative != y.negative;
  if (x.inf || y.inf) {
    if (x.zero || y.zero) return op_invalid();
    return op_inf(negative, f, mode);
  }
  if (x.zero || y.zero) return op_zero(negative, f, mode);
  return op_finite(uint128{x.sig} * y.sig, x.lsb + y.lsb, false, negative, f, mode, random, rbits);
}

// Returns a * b + c rounded once (the product is exact, then added as in add()).
LOWP_HOST_DEVICE constexpr round_result fma(double a, double b, double c, const format& f,
                                            rounding mode, std::uint64_t random = 0,
                                            int rbits = 64) noexcept {
  using namespace detail;
  const operand x = unpack(a), y = unpack(b), z = unpack(c);
  if (x.nan) return op_nan(a, f, mode);
  if (y.nan) return op_nan(b, f, mode);
  if (z.nan) return op_nan(c, f, mode);
  const bool pneg = x.negative != y.negative;
  if (x.inf || y.inf) {
    if (x.zero || y.zero) return op_invalid();
    if (z.inf && z.negative != pneg) return op_invalid();
    return op_inf(pneg, f, mode);
  }
  if (z.inf) return op_inf(z.negative, f, mode);
  const bool pzero = x.zero || y.zero;
  if (pzero && z.zero) return op_zero(pneg == z.negative ? pneg : mode == rounding::down, f, mode);
  if (z.zero)
    return op_finite(uint128{x.sig} * y.sig, x.lsb + y.lsb, false, pneg, f, mode, random, rbits);
  if (pzero) return op_finite(z.sig, z.lsb, false, z.negative, f, mode, random, rbits);
  return add_terms({uint128{x.sig} * y.sig, x.lsb + y.lsb, pneg}, {z.sig, z.lsb, z.negative}, f,
                   mode, random, rbits);
}

// Returns a / b rounded once: a 127..128-bit quotient by long division, the remainder as sticky.
LOWP_HOST_DEVICE constexpr round_result div(double a, double b, const format& f, rounding mode,
                                            std::uint64_t random = 0, int rbits = 64) noexcept {
  using namespace detail;
  const operand x = unpack(a), y = unpack(b);
  if (x.nan) return op_nan(a, f, mode);
  if (y.nan) return op_nan(b, f, mode);
  const bool negative = x.negative != y.negative;
  if (x.inf) return y.inf ? op_invalid() : op_inf(negative, f, mode);
  if (y.inf) return op_zero(negative, f, mode);
  if (y.zero) {
    if (x.zero) return op_invalid();
    round_result r = op_inf(negative, f, mode);
    r.flags |= flag::divide_by_zero;
    return r;
  }
  if (x.zero) return op_zero(negative, f, mode);
  // Both significands with their top bit at 52: ma / mb lies in (1/2, 2).
  const int na = 53 - bit_width64(x.sig), nb = 53 - bit_width64(y.sig);
  const std::uint64_t ma = x.sig << na, mb = y.sig << nb;
  // (ma * 2^127) / mb in two 64-bit steps; every partial remainder is below mb < 2^53.
  const uint128 hi = uint128{ma} << 63;
  const uint128 qh = hi / mb;  // < 2^64
  const uint128 cur = (hi % mb) << 64;
  const uint128 ql = cur / mb;  // < 2^64
  const bool sticky = cur % mb != 0;
  const uint128 q = (qh << 64) | ql;  // >= 2^126
  return op_finite(q, (x.lsb - na) - (y.lsb - nb) - 127, sticky, negative, f, mode, random, rbits);
}

// Returns sqrt(a) rounded once: a 120-bit integer square root (bit by bit), remainder as sticky.
LOWP_HOST_DEVICE constexpr round_result sqrt(double a, const format& f, rounding mode,
                                             std::uint64_t random = 0, int rbits = 64) noexcept {
  using namespace detail;
  const operand x = unpack(a);
  if (x.nan) return op_nan(a, f, mode);
  if (x.zero) return op_zero(x.negative, f, mode);  // sqrt(-0) = -0
  if (x.negative) return op_invalid();
  if (x.inf) return op_inf(false, f, mode);
  // a = m * 2^k with m of 53 or 54 bits and k even; N = m * 2^186 has 239..240 bits, so
  // floor(sqrt(N)) has 120 bits: N = root^2 + rem.
  const int n = 53 - bit_width64(x.sig);
  std::uint64_t m = x.sig << n;
  int k = x.lsb - n;
  if (k & 1) {
    m <<= 1;
    k -= 1;
  }
  constexpr int low_zeros = 186;
  uint128 root = 0, rem = 0;
  for (int i = 119; i >= 0; --i) {  // the bit pairs of N from the top
    const int at = 2 * i - low_zeros;
    const std::uint64_t pair = at >= 0 ? (m >> at) & 3 : 0;
    rem = (rem << 2) | pair;
    const uint128 trial = (root << 2) | 1;
    if (rem >= trial) {
      rem -= trial;
      root = (root << 1) | 1;
    } else {
      root <<= 1;
    }
  }
  return op_finite(root, (k - low_zeros) / 2, rem != 0, false, f, mode, random, rbits);
}

}  // namespace lowp
