// Provides encode/decode between values of a format and their packed codes (up to 64 bits wide),
// for every specials policy, including fnuz and the zero-less E8M0.
#pragma once

#include <cstdint>
#include <optional>

#include "lowp/config.hpp"
#include "lowp/format.hpp"

namespace lowp {

// Returns the canonical NaN code of f: ieee = exponent all ones with the top mantissa bit (quiet),
// fn = all ones, fnuz = the -0 pattern; nullopt when f has no NaN.
LOWP_HOST_DEVICE constexpr std::optional<std::uint64_t> nan_code(const format& f) noexcept {
  const int m = f.mantissa_bits;
  const std::uint64_t exp_ones = ((std::uint64_t{1} << f.exponent_bits) - 1) << m;
  switch (f.specials) {
    case specials_mode::ieee:
      if (m == 0) return std::nullopt;
      return exp_ones | (std::uint64_t{1} << (m - 1));
    case specials_mode::fn: return exp_ones | ((std::uint64_t{1} << m) - 1);
    case specials_mode::fnuz: return std::uint64_t{1} << (f.width() - 1);
    case specials_mode::finite: return std::nullopt;
  }
  return std::nullopt;
}

// Returns the code of v, which must be a value of f (as round() returns) or NaN. NaN encodes to
// the canonical NaN code. nullopt when v is not representable (not on the grid, out of range, an
// inf or NaN the format lacks, a sign the format lacks), or when f is wider than 64 bits or
// beyond binary64.
LOWP_HOST_DEVICE constexpr std::optional<std::uint64_t> encode(double v,
                                                               const format& f) noexcept {
  if (f.width() > 64 || !f.fits_binary64()) return std::nullopt;
  const std::uint64_t bits = __builtin_bit_cast(std::uint64_t, v);
  const bool negative = bits >> 63;
  const std::uint64_t mag = bits & 0x7fffffffffffffffULL;
  const int m = f.mantissa_bits;
  const int sign_shift = f.exponent_bits + m;
  if (mag > 0x7ff0000000000000ULL) return nan_code(f);
  if (negative && !f.is_signed) return std::nullopt;
  const std::uint64_t sign = (negative && f.is_signed) ? std::uint64_t{1} << sign_shift : 0;
  if (mag == 0x7ff0000000000000ULL) {
    if (!f.has_inf()) return std::nullopt;
    return sign | (((std::uint64_t{1} << f.exponent_bits) - 1) << m);
  }
  if (mag == 0) {
    if (!f.has_zero) return std::nullopt;
    if (negative && !f.has_negative_zero()) return std::nullopt;
    return sign;
  }
  // |v| = sig * 2^lsb
  const int field64 = static_cast<int>(mag >> 52);
  const std::uint64_t sig = field64 ? (mag & 0x000fffffffffffffULL) | (1ULL << 52) : mag;
  const int lsb = field64 ? field64 - 1075 : -1074;
  const int e = 63 - __builtin_clzll(sig) + lsb;
  const int emin = f.emin();
  int field;
  int q;  // quantum exponent of the code's binade
  if (e < emin) {
    if (!f.has_zero) return std::nullopt;
    field = 0;
    q = emin - m;
  } else {
    field = e + f.bias;
    q = e - m;
  }
  if (field > f.max_finite_field()) return std::nullopt;
  // sig * 2^lsb must be an integer multiple of 2^q.
  const int shift = q - lsb;
  std::uint64_t n;
  if (shift >= 0) {
    if (shift >= 64 || (sig & ((std::uint64_t{1} << shift) - 1)) != 0) return std::nullopt;
    n = sig >> shift;
  } else {
    if (-shift >= 64) return std::nullopt;
    n = sig << -shift;
  }
  const std::uint64_t mant_mask = (std::uint64_t{1} << m) - 1;
  std::uint64_t mant = (e < emin) ? n : n - (std::uint64_t{1} << m);
  if (mant > mant_mask) return std::nullopt;
  const std::uint64_t code = sign | (static_cast<std::uint64_t>(field) << m) | mant;
  if (const auto nc = nan_code(f); f.specials != specials_mode::ieee && nc && code == *nc)
    return std::nullopt;  // the value would land on the NaN code (e.g. 480 in e4m3fn)
  if (f.specials == specials_mode::fn && field == (1 << f.exponent_bits) - 1 && mant == mant_mask)
    return std::nullopt;  // the all-ones pattern is NaN under either sign
  return code;
}

// Returns the value of a code, or nullopt when the code is out of range for f's width.
// NaN codes decode to a quiet binary64 NaN with the code's sign (fnuz: +NaN, its NaN has no sign).
LOWP_HOST_DEVICE constexpr std::optional<double> decode(std::uint64_t code,
                                                        const format& f) noexcept {
  const int w = f.width();
  if (w > 64 || !f.fits_binary64()) return std::nullopt;
  if (w < 64 && code >> w) return std::nullopt;
  const int m = f.mantissa_bits;
  const int sign_shift = f.exponent_bits + m;
  const bool negative = f.is_signed && ((code >> sign_shift) & 1);
  const int field = static_cast<int>((code >> m) & ((std::uint64_t{1} << f.exponent_bits) - 1));
  const std::uint64_t mant = code & ((std::uint64_t{1} << m) - 1);
  const int top = (1 << f.exponent_bits) - 1;
  const double qnan = __builtin_bit_cast(double, 0x7ff8000000000000ULL);
  const double inf = __builtin_bit_cast(double, 0x7ff0000000000000ULL);
  switch (f.specials) {
    case specials_mode::ieee:
      if (field == top) return negative ? -(mant ? qnan : inf) : (mant ? qnan : inf);
      break;
    case specials_mode::fn:
      if (field == top && mant == (std::uint64_t{1} << m) - 1) return negative ? -qnan : qnan;
      break;
    case specials_mode::fnuz:
      if (code == std::uint64_t{1} << (w - 1)) return qnan;
      break;
    case specials_mode::finite: break;
  }
  double mag;
  if (field == 0 && f.has_zero) {
    mag = static_cast<double>(mant) * exp2i(f.emin() - m);
  } else {
    mag = static_cast<double>((std::uint64_t{1} << m) | mant) * exp2i(field - f.bias - m);
  }
  return negative ? -mag : mag;
}

}  // namespace lowp
