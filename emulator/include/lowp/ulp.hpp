// Provides ULP tools on a format's grid: ulp(x, f), the signed distance in grid steps between two
// values of f (grid_index, ulp_distance), and next_up / next_down in f.
#pragma once

#include <cstdint>
#include <optional>

#include "lowp/config.hpp"
#include "lowp/format.hpp"
#include "lowp/round.hpp"

namespace lowp {

namespace detail {

// Returns floor(log2|x|) of a finite nonzero binary64.
LOWP_HOST_DEVICE constexpr int exponent_of(double x) noexcept {
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, x) & ~sign_mask;
  const int field = static_cast<int>(mag >> 52);
  return field ? field - 1023 : bit_width64(mag) - 1 - 1074;
}

// Returns the binary64 neighbour of x toward +inf (up) or -inf, as C's nextafter (constexpr).
LOWP_HOST_DEVICE constexpr double next64(double x, bool up) noexcept {
  const std::uint64_t bits = __builtin_bit_cast(std::uint64_t, x);
  const std::uint64_t mag = bits & ~sign_mask;
  if (mag > inf_bits) return x;
  if (mag == 0) return up ? exp2i(-1074) : -exp2i(-1074);
  if (mag == inf_bits) {
    const bool negative = bits >> 63;
    if (negative == !up) return x;  // -inf downward, +inf upward
    return __builtin_bit_cast(double, bits - 1);
  }
  const bool away = ((bits >> 63) == 0) == up;  // moving away from zero
  return __builtin_bit_cast(double, away ? bits + 1 : bits - 1);
}

// The grid that the ULP tools walk: f without DAZ (an input treatment, not a property of the
// value set), and ftz taken as its value set {0, +-2^emin, normals}, which is subnormals=off's.
LOWP_HOST_DEVICE constexpr format value_grid(format f) noexcept {
  f.daz = false;
  if (f.subnormals == subnormal_mode::ftz) f.subnormals = subnormal_mode::off;
  return f;
}

}  // namespace detail

// Returns the spacing of f's grid at x: 2^(max(e, emin) - m) for 2^e <= |x| < 2^(e+1), the gap
// between |x|'s binade neighbours above |x| (2^emin below 2^emin when subnormals are off or
// flushed; the subnormal quantum 2^(emin-m) at zero with subnormals on). NaN for inf or NaN x.
// x need not be a value of f. Requires f.fits_binary64().
LOWP_HOST_DEVICE constexpr double ulp(double x, const format& f) noexcept {
  using namespace detail;
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, x) & ~sign_mask;
  if (mag >= inf_bits) return __builtin_bit_cast(double, inf_bits | quiet_bit);
  const int emin = f.emin();
  const bool sub_on = f.subnormals == subnormal_mode::on && f.has_zero;
  if (mag == 0 || exponent_of(x) < emin) return sub_on ? exp2i(emin - f.mantissa_bits) : exp2i(emin);
  return exp2i(exponent_of(x) - f.mantissa_bits);
}

namespace detail {

// Returns the index of a positive finite value a of g (g = value_grid(f), a checked to be on it).
LOWP_HOST_DEVICE constexpr std::int64_t positive_grid_index(double a, const format& g) noexcept {
  const std::uint64_t mag = __builtin_bit_cast(std::uint64_t, a);
  const int m = g.mantissa_bits;
  const int emin = g.emin();
  const bool sub_on = g.subnormals == subnormal_mode::on && g.has_zero;
  const int field = static_cast<int>(mag >> 52);
  const std::uint64_t sig = field ? (mag & 0x000fffffffffffffULL) | (1ULL << 52) : mag;
  const int lsb = field ? field - 1075 : -1074;
  const int e = exponent_of(a);
  if (e < emin) return static_cast<std::int64_t>(sig >> (emin - m - lsb));  // subnormal
  // Steps from the bottom of the positive grid (zero, or 2^emin without zero) to 2^emin.
  const std::int64_t base = !g.has_zero ? 0 : (sub_on ? (std::int64_t{1} << m) : 1);
  const int shift = (e - m) - lsb;
  const std::uint64_t n = shift >= 0 ? sig >> shift : sig << -shift;  // in [2^m, 2^(m+1))
  return base + static_cast<std::int64_t>(e - emin) * (std::int64_t{1} << m) +
         static_cast<std::int64_t>(n - (std::uint64_t{1} << m));
}

}  // namespace detail

// Returns the position of v on f's ordered value grid: 0 for zero (either sign; for a format
// without zero, its smallest value), k > 0 for the k-th value above, -k for the k-th below; an
// infinity sits one step beyond +-largest. nullopt when v is NaN or not a value of f. Requires
// f.fits_binary64(). DAZ is ignored and ftz counts as subnormals=off (see value_grid).
LOWP_HOST_DEVICE constexpr std::optional<std::int64_t> grid_index(double v, const format& f) noexcept {
  using namespace detail;
  const format g = value_grid(f);
  const std::uint64_t bits = __builtin_bit_cast(std::uint64_t, v);
  const bool negative = (bits >> 63) != 0;
  const std::uint64_t mag = bits & ~sign_mask;
  if (mag > inf_bits) return std::nullopt;
  if (negative && !g.is_signed) return std::nullopt;
  std::int64_t k = 0;
  if (mag == inf_bits) {
    if (!g.has_inf()) return std::nullopt;
    k = positive_grid_index(g.largest(), g) + 1;
  } else {
    // v must be a value of g: rounding it changes nothing.
    const round_result r = round(v, g, rounding::toward_zero);
    if (r.ternary != 0 || r.value != v || r.flags != 0) return std::nullopt;
    if (mag == 0) return g.has_zero ? std::optional<std::int64_t>(0) : std::nullopt;
    k = positive_grid_index(__builtin_bit_cast(double, mag), g);
  }
  return negative ? -k : k;
}

// Returns the signed number of steps of f's grid from a to b (b above a: positive), across zero
// and the subnormals; -0 and +0 are the same point. nullopt when either is NaN or not a value of
// f. Requires f.fits_binary64().
LOWP_HOST_DEVICE constexpr std::optional<std::int64_t> ulp_distance(double a, double b,
                                                                    const format& f) noexcept {
  const std::optional<std::int64_t> ia = grid_index(a, f), ib = grid_index(b, f);
  if (!ia || !ib) return std::nullopt;
  return *ib - *ia;
}

// Returns the smallest value of f above x (x any binary64): +inf above +largest where f has inf
// (as IEEE nextUp), else what rounding up an overflow gives in f (NaN, or largest when f
// saturates); -largest for -inf; -0 above -smallest. NaN stays NaN. Requires f.fits_binary64().
LOWP_HOST_DEVICE constexpr double next_up(double x, const format& f) noexcept {
  if (x != x) return x;
  return round(detail::next64(x, true), detail::value_grid(f), rounding::up).value;
}

// Returns the largest value of f below x (the mirror of next_up).
LOWP_HOST_DEVICE constexpr double next_down(double x, const format& f) noexcept {
  if (x != x) return x;
  return round(detail::next64(x, false), detail::value_grid(f), rounding::down).value;
}

}  // namespace lowp
