// Provides the one rounding kernel of lowp: round a binary64 (or binary32) value to a format in a
// rounding mode, returning the rounded value, the ternary (sign of rounded - exact, as MPFR) and
// the flags raised. Every other path (arrays, scalar types, blocks, kernels) ends here or in a
// vectorised twin that the tests prove bit-identical.
#pragma once

#include <cstdint>

#include "lowp/config.hpp"
#include "lowp/flags.hpp"
#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp {

struct round_result {
  double value;  // the rounded value (NaN stays NaN, quieted, sign and payload kept)
  int ternary;   // -1, 0, +1: sign of (value - exact); 0 for NaN results
  unsigned flags;
};

namespace detail {

inline constexpr std::uint64_t sign_mask = 0x8000000000000000ULL;
inline constexpr std::uint64_t inf_bits = 0x7ff0000000000000ULL;
inline constexpr std::uint64_t quiet_bit = 0x0008000000000000ULL;
inline constexpr std::uint64_t half64 = 0x8000000000000000ULL;

LOWP_HOST_DEVICE constexpr int bit_width64(std::uint64_t v) noexcept {
  return v == 0 ? 0 : 64 - __builtin_clzll(v);
}

// The exact magnitude |x| = sig * 2^lsb split at a quantum 2^q:
//   |x| / 2^q = kept + fraction,  fraction = frac64 / 2^64 + (sticky ? tiny : 0)
//
//   sig:  [ kept bits | frac64 (first 64 bits of the fraction) ... sticky ]
//                     ^ 2^q
struct split {
  std::uint64_t kept;
  std::uint64_t frac64;
  bool sticky;
};

LOWP_HOST_DEVICE constexpr split split_at(std::uint64_t sig, int lsb, int q) noexcept {
  const int shift = q - lsb;  // bits of sig below the quantum
  if (shift <= 0) return {sig << -shift, 0, false};
  if (shift < 64) return {sig >> shift, sig << (64 - shift), false};
  if (shift == 64) return {0, sig, false};
  if (shift < 128) return {0, sig >> (shift - 64), (sig << (128 - shift)) != 0};
  return {0, 0, sig != 0};
}

// GCC and Clang have a 128-bit integer (__extension__ keeps -Wpedantic quiet about it).
__extension__ typedef unsigned __int128 uint128;

LOWP_HOST_DEVICE constexpr int bit_width128(uint128 v) noexcept {
  const auto hi = static_cast<std::uint64_t>(v >> 64);
  return hi ? 64 + bit_width64(hi) : bit_width64(static_cast<std::uint64_t>(v));
}

// The split of (sig + sticky_in) * 2^lsb, sig up to 128 bits, where sticky_in stands for a
// positive amount below one unit of lsb. Gives split_at's result when sig < 2^64 and no sticky_in
// (the kept part must fit 64 bits: the callers split at a quantum near the top of sig).
LOWP_HOST_DEVICE constexpr split split_at128(uint128 sig, int lsb, int q, bool sticky_in) noexcept {
  const int shift = q - lsb;
  if (shift <= 0) return {static_cast<std::uint64_t>(sig << -shift), 0, sticky_in};
  if (shift < 64)
    return {static_cast<std::uint64_t>(sig >> shift), static_cast<std::uint64_t>(sig << (64 - shift)),
            sticky_in};
  const std::uint64_t kept = shift < 128 ? static_cast<std::uint64_t>(sig >> shift) : 0;
  const int below = shift - 64;  // bits of sig below frac64
  if (below >= 128) return {kept, 0, sig != 0 || sticky_in};
  const auto frac = static_cast<std::uint64_t>(sig >> below);
  const bool rest = below > 0 && (sig << (128 - below)) != 0;
  return {kept, frac, rest || sticky_in};
}

// The split for either width of significand: binary64 inputs keep the 64-bit path.
LOWP_HOST_DEVICE constexpr split split_any(std::uint64_t sig, int lsb, int q, bool sticky) noexcept {
  split s = split_at(sig, lsb, q);
  s.sticky = s.sticky || sticky;
  return s;
}
LOWP_HOST_DEVICE constexpr split split_any(uint128 sig, int lsb, int q, bool sticky) noexcept {
  return split_at128(sig, lsb, q, sticky);
}
LOWP_HOST_DEVICE constexpr int bit_width_any(std::uint64_t v) noexcept { return bit_width64(v); }
LOWP_HOST_DEVICE constexpr int bit_width_any(uint128 v) noexcept { return bit_width128(v); }

// Decides whether to step the truncated magnitude up by one quantum. `odd_fix` receives 1 when
// round-to-odd sets the last bit instead. `nearest_up_on_tie` forces ties up (subnormals=off).
LOWP_HOST_DEVICE constexpr bool round_up(const split& s, rounding mode, bool negative,
                                         std::uint64_t random, int rbits,
                                         bool ties_up) noexcept {
  const bool inexact = s.frac64 != 0 || s.sticky;
  const bool above_half = s.frac64 > half64 || (s.frac64 == half64 && s.sticky);
  const bool at_half = s.frac64 == half64 && !s.sticky;
  switch (mode) {
    case rounding::nearest_even:
      return above_half || (at_half && (ties_up || (s.kept & 1) != 0));
    case rounding::nearest_away: return above_half || at_half;
    case rounding::nearest_zero: return above_half || (at_half && ties_up);
    case rounding::up: return inexact && !negative;
    case rounding::down: return inexact && negative;
    case rounding::toward_zero: return false;
    case rounding::odd: return false;
    case rounding::stochastic: {
      // Away from zero when the r-bit random integer is below the first r bits of the fraction.
      const int drop = 64 - rbits;
      return (random >> drop) < (s.frac64 >> drop);
    }
    case rounding::stochastic_equal: return inexact && (random >> 63) != 0;
  }
  return false;
}

// The result of an overflow (the value rounded with an unbounded exponent exceeds largest).
LOWP_HOST_DEVICE constexpr round_result overflow_result(const format& f, rounding mode,
                                                        bool negative) noexcept {
  const double largest = f.largest();
  const bool saturating =
      f.overflow == overflow_mode::saturate || f.specials == specials_mode::finite;
  // "Infinite" result: inf where the format has it, else NaN, unless the format saturates.
  bool to_largest = false;
  switch (mode) {
    case rounding::toward_zero:
    case rounding::odd: to_largest = true; break;
    case rounding::up: to_largest = negative; break;
    case rounding::down: to_largest = !negative; break;
    default: to_largest = false; break;
  }
  const unsigned base = flag::overflow | flag::inexact;
  if (to_largest) return {negative ? -largest : largest, negative ? 1 : -1, base};
  if (saturating)
    return {negative ? -largest : largest, negative ? 1 : -1, base | flag::saturated};
  if (f.has_inf()) {
    const double inf = __builtin_bit_cast(double, inf_bits);
    return {negative ? -inf : inf, negative ? -1 : 1, base};
  }
  const double nan = __builtin_bit_cast(double, inf_bits | quiet_bit);
  return {negative ? -nan : nan, 0, base | flag::nan_created};
}

LOWP_HOST_DEVICE constexpr round_result invalid_nan(bool negative) noexcept {
  const double nan = __builtin_bit_cast(double, inf_bits | quiet_bit);
  return {negative ? -nan : nan, 0, flag::invalid | flag::nan_created};
}

// Rounds the exact finite nonzero magnitude (sig + sticky) * 2^lsb with sign `negative`, after
// the special inputs are dealt with: sig < 2^128 nonzero, sticky a positive amount below one unit
// of lsb (callers fold a negative remainder in by taking one unit off sig). `flags` carries what
// was raised before. round(double) ends here, and so do the operations of ops.hpp, which is why
// the magnitude may be wider than a binary64 significand (Sig: std::uint64_t or uint128).
template <class Sig>
LOWP_HOST_DEVICE constexpr round_result round_magnitude(Sig sig, int lsb, bool sticky,
                                                        bool negative, const format& f,
                                                        rounding mode, std::uint64_t random,
                                                        int rbits, unsigned flags) noexcept {
  const double smallest_normal = f.smallest_normal();
  const int e = bit_width_any(sig) - 1 + lsb;
  const int m = f.mantissa_bits;
  const int emin = f.emin();
  const bool tiny_input = e < emin;
  const bool sub_on = f.subnormals == subnormal_mode::on && f.has_zero;
  const bool sub_off = f.subnormals == subnormal_mode::off || !f.has_zero;

  // The quantum of the grid x is rounded on.
  int q = e - m;                                  // precision p, unbounded exponent (ftz)
  if (sub_on && tiny_input) q = emin - m;         // subnormal grid
  if (sub_off && tiny_input) q = emin;            // grid {0, smallest normal}

  const split s = split_any(sig, lsb, q, sticky);
  const bool inexact = s.frac64 != 0 || s.sticky;
  const bool up = round_up(s, mode, negative, random, rbits, sub_off && tiny_input);
  std::uint64_t r = s.kept + (up ? 1 : 0);
  if (mode == rounding::odd && inexact) r = s.kept | 1;
  if (inexact) flags |= flag::inexact;

  // Tininess after rounding: |x| rounded to precision p with an unbounded exponent < 2^emin.
  // Only inputs in the binade just below 2^emin can round up to it.
  bool tiny = tiny_input;
  if (tiny_input && e == emin - 1) {
    const split su = split_any(sig, lsb, e - m, sticky);
    std::uint64_t ru = su.kept + (round_up(su, mode, negative, random, rbits, false) ? 1 : 0);
    if (mode == rounding::odd && (su.frac64 != 0 || su.sticky)) ru = su.kept | 1;
    tiny = ru < (std::uint64_t{2} << m);
  }
  if (tiny && inexact) flags |= flag::underflow;

  // Overflow: r * 2^q > largest_significand * 2^(emax - m), compared exactly. Below the top
  // quantum nothing overflows (the grid {0, 2^emin} of subnormals=off may lie above qmax in
  // formats whose exponent range is narrower than their mantissa, but 2^emin <= largest).
  const int qmax = f.emax() - m;
  bool overflowed = false;
  if (q >= qmax && r != 0) {
    const int d = q - qmax;
    overflowed = bit_width64(r) + d > 64 || (r << d) > f.largest_significand();
  }
  if (overflowed) {
    round_result o = overflow_result(f, mode, negative);
    o.flags |= flags;
    return o;
  }

  double value = 0.0;
  if (f.subnormals == subnormal_mode::ftz && f.has_zero && tiny_input) {
    // Flush unless the result rounded up to the smallest normal: r * 2^q >= 2^emin.
    if (emin - q >= 64 || r < (std::uint64_t{1} << (emin - q))) {
      flags |= flag::flushed | flag::underflow | flag::inexact;
      const bool neg_zero = negative && f.has_negative_zero();
      return {neg_zero ? -0.0 : 0.0, negative ? 1 : -1, flags};
    }
    value = smallest_normal;
  } else if (r == 0) {
    if (!f.has_zero) {  // no zero in the format: the smallest value stands in for it
      value = smallest_normal;
      r = 1;
    } else {
      flags |= flag::flushed;
      const bool neg_zero = negative && f.has_negative_zero();
      return {neg_zero ? -0.0 : 0.0, negative ? 1 : -1, flags};
    }
  } else {
    value = static_cast<double>(r) * exp2i(q);
  }
  int ternary = 0;
  if (inexact) {
    const bool bigger = r > s.kept;  // magnitude moved away from zero
    ternary = (bigger != negative) ? 1 : -1;
  }
  return {negative ? -value : value, ternary, flags};
}

}  // namespace detail

// Rounds x to format f in mode `mode`. For stochastic modes `random` is the 64-bit random word of
// this rounding and `rbits` (1..64) how many of its top bits are used: the probability of rounding
// away from zero is the exact fractional distance truncated to rbits bits, so it is low by less
// than 2^-rbits. Requires f.fits_binary64() (checked by the callers that take runtime formats).
LOWP_HOST_DEVICE constexpr round_result round(double x, const format& f, rounding mode,
                                              std::uint64_t random = 0, int rbits = 64) noexcept {
  using namespace detail;
  const std::uint64_t bits = __builtin_bit_cast(std::uint64_t, x);
  const bool negative = (bits & sign_mask) != 0;
  std::uint64_t mag = bits & ~sign_mask;

  if (mag > inf_bits) {  // NaN: quiet it, keep sign and payload
    const double q = __builtin_bit_cast(double, bits | quiet_bit);
    return {q, 0, f.has_nan() ? flag::none : flag::invalid};
  }
  const double smallest_normal = f.smallest_normal();
  unsigned flags = 0;
  int daz_ternary = 0;
  if (f.daz && mag != 0 && mag < __builtin_bit_cast(std::uint64_t, smallest_normal)) {
    mag = 0;
    flags = flag::inexact | flag::flushed;
    daz_ternary = negative ? 1 : -1;
  }
  if (!f.is_signed && negative && mag != 0) return invalid_nan(false);
  if (mag == 0) {
    if (!f.has_zero) return invalid_nan(false);
    const bool neg_zero = negative && f.has_negative_zero();
    return {neg_zero ? -0.0 : 0.0, daz_ternary, flags};
  }
  if (mag == inf_bits) {  // infinite input: inf, NaN or +-largest by the overflow policy
    if (f.has_inf() && f.overflow == overflow_mode::ieee) return {x, 0, flag::none};
    if (f.overflow == overflow_mode::saturate || f.specials == specials_mode::finite) {
      const double l = f.largest();
      return {negative ? -l : l, negative ? 1 : -1, flag::inexact | flag::saturated};
    }
    const double nan = __builtin_bit_cast(double, inf_bits | quiet_bit);
    return {negative ? -nan : nan, 0, flag::invalid | flag::nan_created};
  }

  // |x| = sig * 2^lsb exactly.
  const int field = static_cast<int>(mag >> 52);
  const std::uint64_t sig = field ? (mag & 0x000fffffffffffffULL) | (1ULL << 52) : mag;
  const int lsb = field ? field - 1075 : -1074;
  return round_magnitude(sig, lsb, false, negative, f, mode, random, rbits, flags);
}

// Rounds a binary32 value (converted exactly to binary64 first).
LOWP_HOST_DEVICE constexpr round_result round(float x, const format& f, rounding mode,
                                              std::uint64_t random = 0, int rbits = 64) noexcept {
  return round(static_cast<double>(x), f, mode, random, rbits);
}

}  // namespace lowp
