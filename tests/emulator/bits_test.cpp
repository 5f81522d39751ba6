// Tests lowp/bits.hpp: encode/decode of every code of every preset up to 16 bits against an
// independent decoding formula, the NaN codes, refusals of unrepresentable values and
// out-of-range codes, and that every value round() returns has a code.
#include "lowp/bits.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "lowp/random.hpp"
#include "lowp/round.hpp"

using namespace lowp;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();

std::string hex(double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%a", x);
  return buf;
}

// What a code means, from the format specs, written without bits.hpp:
//   [ s | field (E bits) | mant (M bits) ]
//   IEEE 754 / OCP E5M2:  field all ones: mant 0 = inf, else NaN
//   OCP E4M3 (fn):        field and mant all ones = NaN (either sign); E8M0: 0xff = NaN
//   fnuz:                 sign 1, field 0, mant 0 (the -0 pattern) = the only NaN
//   finite (MX FP6/FP4):  every code a number
//   field 0 with a zero:  (-1)^s * 2^(1 - bias) * mant / 2^M (zero and subnormals)
//   otherwise:            (-1)^s * 2^(field - bias) * (1 + mant / 2^M)
struct meaning {
  bool nan;
  double value;  // for non-NaN codes
};
meaning meaning_of(std::uint64_t code, const format& f) {
  const int e = f.exponent_bits, m = f.mantissa_bits;
  const std::uint64_t mant = code % (std::uint64_t{1} << m);
  const std::uint64_t field = (code >> m) % (std::uint64_t{1} << e);
  const bool s = f.is_signed && ((code >> (e + m)) & 1);
  const std::uint64_t field_ones = (std::uint64_t{1} << e) - 1;
  const std::uint64_t mant_ones = (std::uint64_t{1} << m) - 1;
  switch (f.specials) {
    case specials_mode::ieee:
      if (field == field_ones) return {mant != 0, mant == 0 ? (s ? -inf : inf) : 0.0};
      break;
    case specials_mode::fn:
      if (field == field_ones && mant == mant_ones) return {true, 0.0};
      break;
    case specials_mode::fnuz:
      if (s && field == 0 && mant == 0) return {true, 0.0};
      break;
    case specials_mode::finite: break;
  }
  double mag;
  if (field == 0 && f.has_zero)
    mag = std::ldexp(static_cast<double>(mant), 1 - f.bias - m);
  else
    mag = std::ldexp(1.0 + std::ldexp(static_cast<double>(mant), -m),
                     static_cast<int>(field) - f.bias);
  return {false, s ? -mag : mag};
}

std::vector<named_format> small_presets() {
  std::vector<named_format> v;
  for (const named_format& p : presets)
    if (p.value.width() <= 16) v.push_back(p);
  return v;
}

}  // namespace

TEST_CASE("every code of every preset up to 16 bits decodes and encodes back") {
  const std::vector<named_format> ps = small_presets();
  CHECK(ps.size() == 12);  // binary16 bfloat16 e5m2 e4m3fn e4m3fnuz e5m2fnuz e3m2fn e2m3fn
                           // e2m1fn e8m0fnu q43 q52
  for (const named_format& p : ps) {
    CAPTURE(p.name);
    const format f = p.value;
    const std::optional<std::uint64_t> canonical = nan_code(f);
    CHECK(canonical.has_value() == f.has_nan());
    std::uint64_t wrong_value = 0, wrong_nan = 0, wrong_trip = 0, nans = 0, first_bad = 0;
    bool any_bad = false;
    for (std::uint64_t code = 0; code < f.codes(); ++code) {
      const meaning want = meaning_of(code, f);
      const std::optional<double> got = decode(code, f);
      bool bad = false;
      if (!got) {
        bad = true;
        ++wrong_value;
      } else if (want.nan) {
        ++nans;
        // A quiet NaN; ieee and fn keep the code's sign.
        const bool sign = f.is_signed && ((code >> (f.width() - 1)) & 1);
        const bool quiet = (std::bit_cast<std::uint64_t>(*got) & detail::quiet_bit) != 0;
        if (!std::isnan(*got) || !quiet ||
            (f.specials != specials_mode::fnuz && std::signbit(*got) != sign)) {
          bad = true;
          ++wrong_nan;
        }
        if (encode(*got, f) != canonical) {
          bad = true;
          ++wrong_trip;
        }
      } else {
        if (std::bit_cast<std::uint64_t>(*got) != std::bit_cast<std::uint64_t>(want.value)) {
          bad = true;
          ++wrong_value;
        }
        if (encode(*got, f) != code) {
          bad = true;
          ++wrong_trip;
        }
      }
      if (bad && !any_bad) {
        any_bad = true;
        first_bad = code;
      }
    }
    CAPTURE(first_bad);
    CHECK(wrong_value == 0);
    CHECK(wrong_nan == 0);
    CHECK(wrong_trip == 0);
    // NaN counts: IEEE has 2 (2^M - 1) NaN codes, fn 2 (or 1 unsigned), fnuz 1, finite none.
    std::uint64_t want_nans = 0;
    switch (f.specials) {
      case specials_mode::ieee: want_nans = 2 * ((std::uint64_t{1} << f.mantissa_bits) - 1); break;
      case specials_mode::fn: want_nans = f.is_signed ? 2 : 1; break;
      case specials_mode::fnuz: want_nans = 1; break;
      case specials_mode::finite: want_nans = 0; break;
    }
    CHECK(nans == want_nans);
  }
}

TEST_CASE("the NaN codes of the presets") {
  CHECK(nan_code(formats::binary16) == 0x7e00u);
  CHECK(nan_code(formats::bfloat16) == 0x7fc0u);
  CHECK(nan_code(formats::e5m2) == 0x7eu);
  CHECK(nan_code(formats::e4m3fn) == 0x7fu);
  CHECK(nan_code(formats::e4m3fnuz) == 0x80u);
  CHECK(nan_code(formats::e5m2fnuz) == 0x80u);
  CHECK(nan_code(formats::e8m0fnu) == 0xffu);
  CHECK_FALSE(nan_code(formats::e2m1fn).has_value());
  CHECK_FALSE(nan_code(formats::e3m2fn).has_value());
  CHECK_FALSE(nan_code(formats::e2m3fn).has_value());
  // e4m3fn: 0x7f and 0xff are NaN, 0x7e = 448 and 0xfe = -448 are not.
  CHECK(std::isnan(*decode(0x7f, formats::e4m3fn)));
  CHECK(std::isnan(*decode(0xff, formats::e4m3fn)));
  CHECK(*decode(0x7e, formats::e4m3fn) == 448.0);
  CHECK(*decode(0xfe, formats::e4m3fn) == -448.0);
  CHECK(*decode(0x78, formats::e4m3fn) == 256.0);  // the top binade is finite
  // fnuz: 0x80 is NaN, there is no -0, and the top codes are finite.
  CHECK(std::isnan(*decode(0x80, formats::e4m3fnuz)));
  CHECK(std::isnan(*decode(0x80, formats::e5m2fnuz)));
  CHECK(*decode(0x7f, formats::e4m3fnuz) == 240.0);
  CHECK(*decode(0x7f, formats::e5m2fnuz) == 57344.0);
  // e8m0fnu: 0xff is NaN, 0 is 2^-127, 127 is 1.
  CHECK(std::isnan(*decode(0xff, formats::e8m0fnu)));
  CHECK(*decode(0x00, formats::e8m0fnu) == 0x1p-127);
  CHECK(*decode(0x7f, formats::e8m0fnu) == 1.0);
  CHECK(*decode(0xfe, formats::e8m0fnu) == 0x1p127);
  // e2m1fn: every code a number; 0x7 = 6, 0xf = -6, 0x8 = -0.
  CHECK(*decode(0x7, formats::e2m1fn) == 6.0);
  CHECK(*decode(0xf, formats::e2m1fn) == -6.0);
  CHECK(std::signbit(*decode(0x8, formats::e2m1fn)));
  // IEEE: inf and a NaN payload code map back to the canonical NaN, with -NaN too.
  CHECK(*decode(0x7c00, formats::binary16) == inf);
  CHECK(*decode(0xfc00, formats::binary16) == -inf);
  CHECK(encode(*decode(0x7c01, formats::binary16), formats::binary16) == 0x7e00u);
  CHECK(encode(*decode(0xfe00, formats::binary16), formats::binary16) == 0x7e00u);
  CHECK(encode(*decode(0xffc1, formats::bfloat16), formats::bfloat16) == 0x7fc0u);
}

TEST_CASE("encode refuses values that are not in the format") {
  // Not on the grid.
  CHECK_FALSE(encode(1 + 0x1p-11, formats::binary16).has_value());
  CHECK_FALSE(encode(0x1p-25, formats::binary16).has_value());  // half the smallest subnormal
  CHECK_FALSE(encode(3 * 0x1p-25, formats::binary16).has_value());
  CHECK_FALSE(encode(0.1, formats::bfloat16).has_value());
  CHECK_FALSE(encode(1.1, formats::e4m3fn).has_value());
  CHECK_FALSE(encode(2.5, formats::e2m1fn).has_value());
  CHECK_FALSE(encode(0.25, formats::e2m1fn).has_value());
  CHECK_FALSE(encode(3.0, formats::e8m0fnu).has_value());
  // Out of range, or on the NaN code.
  CHECK_FALSE(encode(480.0, formats::e4m3fn).has_value());
  CHECK_FALSE(encode(-480.0, formats::e4m3fn).has_value());
  CHECK_FALSE(encode(512.0, formats::e4m3fn).has_value());
  CHECK_FALSE(encode(65536.0, formats::binary16).has_value());
  CHECK_FALSE(encode(8.0, formats::e2m1fn).has_value());
  CHECK_FALSE(encode(256.0, formats::e4m3fnuz).has_value());
  CHECK_FALSE(encode(0x1p128, formats::e8m0fnu).has_value());
  CHECK_FALSE(encode(0x1p-128, formats::e8m0fnu).has_value());
  // Specials and signs the format lacks.
  CHECK_FALSE(encode(inf, formats::e4m3fn).has_value());
  CHECK_FALSE(encode(-inf, formats::e2m1fn).has_value());
  CHECK_FALSE(encode(qnan, formats::e2m1fn).has_value());
  CHECK_FALSE(encode(-1.0, formats::e8m0fnu).has_value());
  CHECK_FALSE(encode(0.0, formats::e8m0fnu).has_value());
  CHECK_FALSE(encode(-0.0, formats::e4m3fnuz).has_value());
  // Formats beyond binary64.
  CHECK_FALSE(encode(1.0, ieee_format(11, 53)).has_value());
  CHECK_FALSE(decode(0, ieee_format(11, 53)).has_value());
  // What they do hold.
  CHECK(encode(inf, formats::binary16) == 0x7c00u);
  CHECK(encode(-inf, formats::e5m2) == 0xfcu);
  CHECK(encode(qnan, formats::e4m3fn) == 0x7fu);
  CHECK(encode(-qnan, formats::e4m3fn) == 0x7fu);
  CHECK(encode(qnan, formats::e8m0fnu) == 0xffu);
  CHECK(encode(-0.0, formats::binary16) == 0x8000u);
  CHECK(encode(0.0, formats::e4m3fnuz) == 0x00u);
  CHECK(encode(0x1p-24, formats::binary16) == 0x0001u);
  CHECK(encode(448.0, formats::e4m3fn) == 0x7eu);
  CHECK(encode(1.0, formats::e8m0fnu) == 0x7fu);
  CHECK(encode(-6.0, formats::e2m1fn) == 0xfu);
  CHECK(encode(1.0, formats::binary32) == 0x3f800000u);
  CHECK(encode(-0x1p-149, formats::binary32) == 0x80000001u);
  CHECK(encode(1.0, formats::binary64) == 0x3ff0000000000000u);
  CHECK(encode(std::numeric_limits<double>::denorm_min(), formats::binary64) == 1u);
  CHECK(decode(0xfff0000000000000u, formats::binary64) == -inf);
  CHECK(decode(0x7f7fffffu, formats::binary32) == static_cast<double>(0x1.fffffep127f));
}

TEST_CASE("decode refuses codes wider than the format") {
  CHECK_FALSE(decode(0x100, formats::e4m3fn).has_value());
  CHECK_FALSE(decode(0x100, formats::e8m0fnu).has_value());
  CHECK_FALSE(decode(0x10000, formats::binary16).has_value());
  CHECK_FALSE(decode(0x40, formats::e2m3fn).has_value());
  CHECK_FALSE(decode(0x10, formats::e2m1fn).has_value());
  CHECK_FALSE(decode(~std::uint64_t{0}, formats::bfloat16).has_value());
  CHECK_FALSE(decode(std::uint64_t{1} << 32, formats::binary32).has_value());
  CHECK(decode(0xff, formats::e5m2).has_value());
  CHECK(decode(0xf, formats::e2m1fn).has_value());
}

TEST_CASE("every value round() returns has a code") {
  std::vector<format> fs;
  for (const named_format& p : presets)
    if (p.value.fits_binary64()) fs.push_back(p.value);
  const random_stream rs(8, 8);
  for (const format& f : fs) {
    CAPTURE(to_string(f));
    const int lo = f.emin() - f.mantissa_bits - 3, hi = f.emax() + 3;
    for (rounding mode : all_roundings) {
      CAPTURE(short_name(mode));
      std::uint64_t missing = 0, wrong = 0;
      double first = 0;
      for (std::uint64_t i = 0; i < 30000; ++i) {
        const std::uint64_t w = rs(3 * i), v = rs(3 * i + 1);
        double x;
        if (i % 4 == 0) {
          x = std::bit_cast<double>(w);  // anything, NaNs and infs included
        } else {
          const int k = lo + static_cast<int>(v % static_cast<std::uint64_t>(hi - lo));
          x = std::ldexp(1.0 + static_cast<double>(w >> 12) * 0x1p-52, k);
          if (v >> 63) x = -x;
        }
        if (i % 97 == 0) x = (v & 1) ? -0.0 : 0.0;
        const round_result r = round(x, f, mode, rs(3 * i + 2));
        if (std::isnan(r.value) && !f.has_nan()) continue;  // invalid: nothing can stand for it
        const std::optional<std::uint64_t> code = encode(r.value, f);
        if (!code) {
          if (missing++ == 0) first = x;
          continue;
        }
        const double back = *decode(*code, f);
        if (std::isnan(r.value)
                ? !std::isnan(back)
                : std::bit_cast<std::uint64_t>(back) != std::bit_cast<std::uint64_t>(r.value))
          ++wrong;
      }
      INFO("first input without a code: ", hex(first));
      CHECK(missing == 0);
      CHECK(wrong == 0);
    }
  }
}
