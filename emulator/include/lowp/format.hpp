// Provides `lowp::format`, the value that describes a floating-point format (exponent and mantissa
// widths, bias, signedness, subnormal / special-value / overflow policies), its derived constexpr
// facts, the named presets, and the format-string parser and printer.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lowp/config.hpp"

namespace lowp {

// How values below the smallest normal are handled.
//   on   gradual underflow: subnormals are representable (IEEE)
//   off  the representable set near zero is {0, +-smallest normal} (chop / CPFloat "no
//        subnormals": in nearest modes a value at or above half the smallest normal goes to it)
//   ftz  round as if the exponent range were unbounded below, then flush tiny results to zero
//        keeping the sign (hardware flush-to-zero)
enum class subnormal_mode : std::uint8_t { on, off, ftz };

// Which codes of the top binade (or of -0) are special.
//   ieee    top binade = inf (mantissa 0) and NaNs (IEEE 754 interchange formats, OCP E5M2)
//   fn      top binade finite except the all-ones NaN code, no inf (OCP FP8 E4M3: largest 448)
//   fnuz    no -0, no inf, a single NaN at the -0 pattern, default bias one higher
//           (the "fnuz" formats of ml_dtypes / AMD MI300)
//   finite  no inf and no NaN, every code is a number (OCP FP6 / FP4)
enum class specials_mode : std::uint8_t { ieee, fn, fnuz, finite };

// What a finite overflow gives: ieee = per rounding mode (inf, or NaN where the format has no
// inf), saturate = +-largest in every mode.
enum class overflow_mode : std::uint8_t { ieee, saturate };

// Thrown by parse_format and by functions handed a format they cannot serve.
struct format_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Returns 2^k for -1074 <= k <= 1023 as a binary64, exactly (constexpr, no libm).
LOWP_HOST_DEVICE constexpr double exp2i(int k) noexcept {
  if (k >= -1022) return __builtin_bit_cast(double, static_cast<std::uint64_t>(k + 1023) << 52);
  return __builtin_bit_cast(double, std::uint64_t{1} << (k + 1074));
}

// A floating-point format. A structural type: usable as a C++20 non-type template parameter and
// at run time. Fields are public; derived facts are constexpr member functions.
//
// Code layout (most significant bit first), width = signed + exponent_bits + mantissa_bits:
//
//   [ sign (if is_signed) | exponent field (exponent_bits) | mantissa field (mantissa_bits) ]
//
// A normal value is (-1)^s * 1.mantissa * 2^(field - bias); with subnormals and a zero, field 0
// holds 0.mantissa * 2^(1 - bias).
struct format {
  int exponent_bits = 5;
  int mantissa_bits = 10;
  int bias = 15;
  bool is_signed = true;
  bool has_zero = true;  // false only for exponent-only scale formats (E8M0: field 0 is 2^-127)
  subnormal_mode subnormals = subnormal_mode::on;
  specials_mode specials = specials_mode::ieee;
  overflow_mode overflow = overflow_mode::ieee;
  bool daz = false;  // treat inputs below the smallest normal as zero before rounding

  friend constexpr bool operator==(const format&, const format&) = default;

  // Precision p: significand bits including the hidden bit.
  LOWP_HOST_DEVICE constexpr int precision() const noexcept { return mantissa_bits + 1; }
  // Total code width in bits.
  LOWP_HOST_DEVICE constexpr int width() const noexcept {
    return (is_signed ? 1 : 0) + exponent_bits + mantissa_bits;
  }
  LOWP_HOST_DEVICE constexpr bool has_inf() const noexcept {
    return specials == specials_mode::ieee;
  }
  LOWP_HOST_DEVICE constexpr bool has_nan() const noexcept {
    return (specials == specials_mode::ieee && mantissa_bits > 0) ||
           specials == specials_mode::fn || specials == specials_mode::fnuz;
  }
  LOWP_HOST_DEVICE constexpr bool has_negative_zero() const noexcept {
    return has_zero && is_signed && specials != specials_mode::fnuz;
  }
  // Largest exponent field that holds finite values.
  LOWP_HOST_DEVICE constexpr int max_finite_field() const noexcept {
    const int top = (1 << exponent_bits) - 1;
    if (specials == specials_mode::ieee) return top - 1;
    if (specials == specials_mode::fn && mantissa_bits == 0) return top - 1;
    return top;
  }
  LOWP_HOST_DEVICE constexpr int emax() const noexcept { return max_finite_field() - bias; }
  LOWP_HOST_DEVICE constexpr int emin() const noexcept { return (has_zero ? 1 : 0) - bias; }
  // Largest finite significand as an integer scaled by 2^mantissa_bits (e.g. 1.11b -> 7).
  LOWP_HOST_DEVICE constexpr std::uint64_t largest_significand() const noexcept {
    const std::uint64_t all = (std::uint64_t{2} << mantissa_bits) - 1;
    if (specials == specials_mode::fn && mantissa_bits > 0) return all - 1;
    if (specials == specials_mode::fn) return 1;
    return all;
  }
  // True when every value of the format is a binary64 value, so the binary64 kernel serves it.
  LOWP_HOST_DEVICE constexpr bool fits_binary64() const noexcept {
    return precision() <= 53 && emax() <= 1023 &&
           (subnormals == subnormal_mode::on ? emin() - mantissa_bits : emin()) >= -1074;
  }
  // True when every value of the format is a binary32 value (float storage is exact).
  LOWP_HOST_DEVICE constexpr bool fits_binary32() const noexcept {
    return precision() <= 24 && emax() <= 127 &&
           (subnormals == subnormal_mode::on ? emin() - mantissa_bits : emin()) >= -149;
  }
  // Facts below are binary64 values; they need fits_binary64().
  LOWP_HOST_DEVICE constexpr double largest() const noexcept {
    return static_cast<double>(largest_significand()) * exp2i(emax() - mantissa_bits);
  }
  LOWP_HOST_DEVICE constexpr double smallest_normal() const noexcept { return exp2i(emin()); }
  // Smallest positive value: the smallest subnormal when subnormals are on, else smallest normal.
  LOWP_HOST_DEVICE constexpr double smallest_subnormal() const noexcept {
    return (subnormals == subnormal_mode::on && has_zero) ? exp2i(emin() - mantissa_bits)
                                                          : exp2i(emin());
  }
  // Unit roundoff u = 2^-p (the relative error bound of round-to-nearest in the normal range).
  LOWP_HOST_DEVICE constexpr double unit_roundoff() const noexcept { return exp2i(-precision()); }
  // Number of codes, 2^width (for width 64 this does not fit: see codes_string()).
  constexpr std::uint64_t codes() const noexcept {
    return width() >= 64 ? 0 : std::uint64_t{1} << width();
  }

  // Returns the empty string when the format is well formed, else what is wrong.
  std::string validate() const;
};

// IEEE-style defaults for E<e>M<m>: bias 2^(e-1)-1, subnormals on, inf and NaN in the top binade.
constexpr format ieee_format(int e, int m) noexcept {
  return format{e, m, (1 << (e - 1)) - 1};
}

namespace formats {
// IEEE 754-2019 binary16 / binary32 / binary64.
inline constexpr format binary16 = ieee_format(5, 10);
inline constexpr format binary32 = ieee_format(8, 23);
inline constexpr format binary64 = ieee_format(11, 52);
// Google Brain bfloat16 (binary32's exponent, 8-bit significand), with subnormals.
inline constexpr format bfloat16 = ieee_format(8, 7);
// NVIDIA TensorFloat-32 (A100 whitepaper): binary32's exponent, binary16's significand.
inline constexpr format tf32 = ieee_format(8, 10);
// OCP 8-bit Floating Point Specification (OFP8) v1.0: E5M2 is IEEE-like; E4M3 has no inf and a
// single NaN mantissa (S.1111.111), largest 448.
inline constexpr format e5m2 = ieee_format(5, 2);
inline constexpr format e4m3fn = {4, 3, 7, true, true, subnormal_mode::on, specials_mode::fn};
// Graphcore / AMD "fnuz" FP8 (ml_dtypes float8_e4m3fnuz / e5m2fnuz): bias one higher, NaN = 0x80.
inline constexpr format e4m3fnuz = {4, 3, 8, true, true, subnormal_mode::on, specials_mode::fnuz};
inline constexpr format e5m2fnuz = {5, 2, 16, true, true, subnormal_mode::on, specials_mode::fnuz};
// OCP Microscaling Formats (MX) v1.0: FP6 E3M2 / E2M3 and FP4 E2M1, no inf, no NaN.
inline constexpr format e3m2fn = {3, 2, 3, true, true, subnormal_mode::on, specials_mode::finite};
inline constexpr format e2m3fn = {2, 3, 1, true, true, subnormal_mode::on, specials_mode::finite};
inline constexpr format e2m1fn = {2, 1, 1, true, true, subnormal_mode::on, specials_mode::finite};
// OCP MX v1.0 E8M0 scale: unsigned, exponent only, 2^-127..2^127, no zero, 0xff = NaN.
inline constexpr format e8m0fnu = {8,     0,     127, false, false, subnormal_mode::off,
                                   specials_mode::fn};
// chop's q43 / q52 (Higham & Pranesh): IEEE-style E4M3 (largest 240) and E5M2.
inline constexpr format q43 = ieee_format(4, 3);
inline constexpr format q52 = ieee_format(5, 2);
}  // namespace formats

struct named_format {
  std::string_view name;
  format value;
};

// The presets, in the order of the README table. Aliases (fp16, bf16, fp32, fp64) are accepted by
// parse_format but not listed here.
inline constexpr named_format presets[] = {
    {"binary16", formats::binary16}, {"bfloat16", formats::bfloat16},
    {"tf32", formats::tf32},         {"binary32", formats::binary32},
    {"binary64", formats::binary64}, {"e5m2", formats::e5m2},
    {"e4m3fn", formats::e4m3fn},     {"e4m3fnuz", formats::e4m3fnuz},
    {"e5m2fnuz", formats::e5m2fnuz}, {"e3m2fn", formats::e3m2fn},
    {"e2m3fn", formats::e2m3fn},     {"e2m1fn", formats::e2m1fn},
    {"e8m0fnu", formats::e8m0fnu},   {"q43", formats::q43},
    {"q52", formats::q52},
};

// Parses a format string:
//   FORMAT  := NAME ( "," OPTION )*
//   NAME    := preset | alias (fp16 bf16 fp32 fp64) | "E" digits "M" digits (case-insensitive E/M)
//   OPTION  := subnormals=on|off|ftz | specials=ieee|fn|fnuz|finite | overflow=ieee|saturate
//            | bias=INT | signed=yes|no | daz=on|off | zero=yes|no
// For E<e>M<m> the bias defaults to 2^(e-1)-1, or 2^(e-1) with specials=fnuz; options override a
// preset's fields. Throws format_error with a message naming what is wrong.
format parse_format(std::string_view text);

// Prints a format as a string parse_format reads back to the same format: the preset name when
// it is one, else E<e>M<m> followed by the options that differ from the E<e>M<m> defaults.
std::string to_string(const format& f);

}  // namespace lowp
