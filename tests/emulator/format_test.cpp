// Tests lowp/format.hpp: derived facts of every preset against the published specs, the parser's
// grammar and its error messages, and the printer's round trip.
#include "lowp/format.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace lowp;

namespace {
struct fact {
  const char* name;
  int e, m, bias, emin, emax;
  double largest, smallest_normal, smallest_subnormal;
  bool inf, nan;
};
// Facts from IEEE 754-2019, OCP OFP8 v1.0, OCP MX v1.0, ml_dtypes' finfo, chop.
constexpr fact facts[] = {
    {"binary16", 5, 10, 15, -14, 15, 65504.0, 0x1p-14, 0x1p-24, true, true},
    {"bfloat16", 8, 7, 127, -126, 127, 0x1.fep127, 0x1p-126, 0x1p-133, true, true},
    {"tf32", 8, 10, 127, -126, 127, 0x1.ffcp127, 0x1p-126, 0x1p-136, true, true},
    {"binary32", 8, 23, 127, -126, 127, 0x1.fffffep127, 0x1p-126, 0x1p-149, true, true},
    {"binary64", 11, 52, 1023, -1022, 1023, 0x1.fffffffffffffp1023, 0x1p-1022, 0x1p-1074, true,
     true},
    {"e5m2", 5, 2, 15, -14, 15, 57344.0, 0x1p-14, 0x1p-16, true, true},
    {"e4m3fn", 4, 3, 7, -6, 8, 448.0, 0x1p-6, 0x1p-9, false, true},
    {"e4m3fnuz", 4, 3, 8, -7, 7, 240.0, 0x1p-7, 0x1p-10, false, true},
    {"e5m2fnuz", 5, 2, 16, -15, 15, 57344.0, 0x1p-15, 0x1p-17, false, true},
    {"e3m2fn", 3, 2, 3, -2, 4, 28.0, 0.25, 0.0625, false, false},
    {"e2m3fn", 2, 3, 1, 0, 2, 7.5, 1.0, 0.125, false, false},
    {"e2m1fn", 2, 1, 1, 0, 2, 6.0, 1.0, 0.5, false, false},
    {"e8m0fnu", 8, 0, 127, -127, 127, 0x1p127, 0x1p-127, 0x1p-127, false, true},
    {"q43", 4, 3, 7, -6, 7, 240.0, 0x1p-6, 0x1p-9, true, true},
    {"q52", 5, 2, 15, -14, 15, 57344.0, 0x1p-14, 0x1p-16, true, true},
};
}  // namespace

TEST_CASE("presets have the published facts") {
  for (const fact& x : facts) {
    CAPTURE(x.name);
    const format f = parse_format(x.name);
    CHECK(f.exponent_bits == x.e);
    CHECK(f.mantissa_bits == x.m);
    CHECK(f.bias == x.bias);
    CHECK(f.emin() == x.emin);
    CHECK(f.emax() == x.emax);
    CHECK(f.largest() == x.largest);
    CHECK(f.smallest_normal() == x.smallest_normal);
    CHECK(f.smallest_subnormal() == x.smallest_subnormal);
    CHECK(f.has_inf() == x.inf);
    CHECK(f.has_nan() == x.nan);
    CHECK(f.unit_roundoff() == exp2i(-(x.m + 1)));
    CHECK(f.validate().empty());
    CHECK(parse_format(to_string(f)) == f);
  }
  CHECK(!formats::e8m0fnu.is_signed);
  CHECK(!formats::e8m0fnu.has_zero);
  CHECK(formats::e4m3fn.codes() == 256);
}

TEST_CASE("aliases and custom formats") {
  CHECK(parse_format("fp16") == formats::binary16);
  CHECK(parse_format("bf16") == formats::bfloat16);
  CHECK(parse_format("fp32") == formats::binary32);
  CHECK(parse_format("fp64") == formats::binary64);
  CHECK(parse_format("E5M10") == formats::binary16);
  CHECK(parse_format("e8m7") == formats::bfloat16);
  CHECK(parse_format("E4M3,specials=fn") == formats::e4m3fn);
  CHECK(parse_format("E4M3,specials=fnuz") == formats::e4m3fnuz);  // bias moves to 8
  CHECK(parse_format("E5M2,specials=fnuz") == formats::e5m2fnuz);
  CHECK(parse_format("E2M1,specials=finite") == formats::e2m1fn);
  CHECK(parse_format("E8M0,signed=no,specials=fn,subnormals=off,zero=no") == formats::e8m0fnu);
  const format g = parse_format("E6M9,subnormals=ftz,overflow=saturate,bias=20,daz=on");
  CHECK(g.exponent_bits == 6);
  CHECK(g.mantissa_bits == 9);
  CHECK(g.bias == 20);
  CHECK(g.subnormals == subnormal_mode::ftz);
  CHECK(g.overflow == overflow_mode::saturate);
  CHECK(g.daz);
  CHECK(to_string(g) == "E6M9,subnormals=ftz,overflow=saturate,bias=20,daz=on");
  CHECK(parse_format(to_string(g)) == g);
  const format h = parse_format("e4m3fn,overflow=saturate");
  CHECK(h.bias == 7);
  CHECK(h.largest() == 448.0);
  CHECK(parse_format(to_string(h)) == h);
  CHECK(parse_format("bfloat16,subnormals=off").subnormals == subnormal_mode::off);
}

TEST_CASE("bad format strings are rejected with a message naming the problem") {
  const auto message = [](const char* s) -> std::string {
    try {
      parse_format(s);
    } catch (const format_error& e) {
      return e.what();
    }
    return "accepted";
  };
  CHECK(message("nonsense").find("unknown format name 'nonsense'") != std::string::npos);
  CHECK(message("").find("empty") != std::string::npos);
  CHECK(message("E0M3").find("exponent bits must be 1..30") != std::string::npos);
  CHECK(message("E31M3").find("exponent bits must be 1..30") != std::string::npos);
  CHECK(message("E5M").find("unknown format name") != std::string::npos);
  CHECK(message("E5M2,foo=1").find("unknown option 'foo'") != std::string::npos);
  CHECK(message("E5M2,subnormals=maybe").find("subnormals cannot be 'maybe'") !=
        std::string::npos);
  CHECK(message("E5M2,bias=x").find("bias cannot be 'x'") != std::string::npos);
  CHECK(message("E5M2,bias").find("has no '=value'") != std::string::npos);
  CHECK(message("E5M2,").find("empty option") != std::string::npos);
  CHECK(message("E4M3,specials=fnuz,signed=no").find("needs a sign bit") != std::string::npos);
  CHECK(message("E1M3").find("at least 2 exponent bits") != std::string::npos);
}
