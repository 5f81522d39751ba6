// Provides std::numeric_limits for lowp::fp<F, Mode>, derived from the format's fields.
#pragma once

#include <limits>

#include "lowp/bits.hpp"
#include "lowp/fp.hpp"

namespace lowp::detail {

// floor(k * log10(2)) for |k| < 10^4, in integers (30103 / 10^5 is within 5e-9 of log10(2), and
// no such k * log10(2) lies that close to an integer).
constexpr int floor_log10_2(int k) noexcept {
  const long long p = static_cast<long long>(k) * 30103;
  return static_cast<int>(p >= 0 ? p / 100000 : -((-p + 99999) / 100000));
}

// Returns 10^k as a binary64 (k >= 0; exact up to 10^22, which is all the limits above need to
// tell apart in practice: largest lies within a factor 2 of 2^emax).
constexpr double pow10(int k) noexcept {
  double r = 1.0;
  for (int i = 0; i < k; ++i) r *= 10.0;
  return r;
}

}  // namespace lowp::detail

template <lowp::format F, lowp::rounding Mode>
class std::numeric_limits<lowp::fp<F, Mode>> {
  using T = lowp::fp<F, Mode>;

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = F.is_signed;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = F.has_inf();
  static constexpr bool has_quiet_NaN = F.has_nan();
  // lowp quiets every NaN it rounds, so no signaling NaN survives an operation.
  static constexpr bool has_signaling_NaN = false;
  static constexpr std::float_denorm_style has_denorm =
      (F.subnormals == lowp::subnormal_mode::on && F.has_zero) ? std::denorm_present
                                                               : std::denorm_absent;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style =
      Mode == lowp::rounding::nearest_even ? std::round_to_nearest
      : Mode == lowp::rounding::toward_zero ? std::round_toward_zero
      : Mode == lowp::rounding::up          ? std::round_toward_infinity
      : Mode == lowp::rounding::down        ? std::round_toward_neg_infinity
                                            : std::round_indeterminate;
  // True for the IEEE 754 layouts (lowp::ieee_format(E, M): inf, NaNs, subnormals, bias
  // 2^(E-1)-1) in round-to-nearest-even.
  static constexpr bool is_iec559 =
      F == lowp::ieee_format(F.exponent_bits, F.mantissa_bits) &&
      Mode == lowp::rounding::nearest_even;
  static constexpr bool is_bounded = true;
  static constexpr bool is_modulo = false;
  static constexpr int digits = F.precision();
  static constexpr int digits10 = lowp::detail::floor_log10_2(F.precision() - 1);
  static constexpr int max_digits10 = lowp::detail::floor_log10_2(F.precision()) + 2;
  static constexpr int radix = 2;
  // C's convention: 2^(min_exponent - 1) is the smallest normal, 2^(max_exponent - 1) <= largest.
  static constexpr int min_exponent = F.emin() + 1;
  static constexpr int max_exponent = F.emax() + 1;
  // Smallest n with 10^n normal: ceil(emin * log10 2); largest n with 10^n finite.
  static constexpr int min_exponent10 = -lowp::detail::floor_log10_2(-F.emin());
  static constexpr int max_exponent10 =
      lowp::detail::floor_log10_2(F.emax()) +
      (F.largest() >= lowp::detail::pow10(lowp::detail::floor_log10_2(F.emax()) + 1) ? 1 : 0);
  static constexpr bool traps = false;
  // Tininess is detected after rounding (IEEE's and lowp's choice).
  static constexpr bool tinyness_before = false;

  static constexpr T min() noexcept { return T::from_value(F.smallest_normal()); }
  static constexpr T max() noexcept { return T::from_value(F.largest()); }
  static constexpr T lowest() noexcept {
    return T::from_value(F.is_signed ? -F.largest() : (F.has_zero ? 0.0 : F.smallest_normal()));
  }
  // The gap between 1 and the next value, 2^-m (when 1 is a value of F).
  static constexpr T epsilon() noexcept { return T::from_value(lowp::exp2i(-F.mantissa_bits)); }
  // The largest error of the mode in ulps: 0.5 in the nearest modes, 1 otherwise.
  static constexpr T round_error() noexcept {
    return T::from_value(lowp::is_nearest(Mode) ? 0.5 : 1.0);
  }
  static constexpr T infinity() noexcept {
    return T::from_value(F.has_inf() ? std::numeric_limits<double>::infinity() : 0.0);
  }
  static constexpr T quiet_NaN() noexcept {
    return T::from_value(F.has_nan() ? std::numeric_limits<double>::quiet_NaN() : 0.0);
  }
  static constexpr T signaling_NaN() noexcept { return quiet_NaN(); }
  static constexpr T denorm_min() noexcept { return T::from_value(F.smallest_subnormal()); }
};
