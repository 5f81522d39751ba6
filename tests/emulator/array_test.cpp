// Tests lowp/array.hpp: round_array is bit-identical to the scalar round() for every mode on
// mixed inputs in binary64 and binary32 storage, its counters match the scalar flags, and its
// results do not depend on the thread count or on how the array is split.
#include "lowp/array.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

using namespace lowp;

namespace {

template <format F>
struct fmt {
  static constexpr format value = F;
};
#define LOWP_ARRAY_FORMATS                                                                  \
  fmt<formats::binary16>, fmt<formats::bfloat16>, fmt<formats::e4m3fn>, fmt<formats::e5m2>, \
      fmt<formats::e2m1fn>, fmt<formats::tf32>

std::string hex(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a (bits 0x%016llx)", x,
                static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(x)));
  return buf;
}

std::uint64_t bits_of(double x) { return std::bit_cast<std::uint64_t>(x); }
std::uint64_t bits_of(float x) { return std::bit_cast<std::uint32_t>(x); }

// A random value of f (a decoded random code), never NaN.
double random_value(const format& f, std::uint64_t w) {
  for (;; w = mix64(w + 1)) {
    const std::uint64_t code = w & ((std::uint64_t{1} << f.width()) - 1);
    const std::optional<double> v = decode(code, f);
    if (v && !std::isnan(*v)) return *v;
  }
}

// About 10^6 mixed inputs for f: normal values, log-uniform magnitudes from below half the
// smallest subnormal to beyond the overflow threshold, exact values, midpoints and their
// neighbours in binary64, +-0, +-inf, NaNs with payloads, and arbitrary bit patterns.
std::vector<double> mixed_inputs(const format& f, std::size_t n) {
  const random_stream rs(0x1234, 99);
  const int lo_exp = f.emin() - f.mantissa_bits - 3;
  const int hi_exp = f.emax() + 3;
  const double specials[] = {0.0,
                             -0.0,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::bit_cast<double>(0x7ff8000000000000ULL),
                             std::bit_cast<double>(0xfff8000000000000ULL),
                             std::bit_cast<double>(0x7ff0000000000001ULL),  // signalling
                             std::bit_cast<double>(0xfff4000000000abcULL),
                             std::bit_cast<double>(0x7ffabcdef0123456ULL),
                             f.largest(),
                             -f.largest(),
                             f.smallest_subnormal(),
                             -f.smallest_subnormal(),
                             f.smallest_normal(),
                             f.smallest_subnormal() / 2,
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             static_cast<double>(std::numeric_limits<float>::max()),
                             -static_cast<double>(std::numeric_limits<float>::max()),
                             -std::numeric_limits<double>::min()};
  std::vector<double> xs;
  xs.reserve(n);
  for (std::size_t i = 0; xs.size() < n; ++i) {
    const std::uint64_t w = rs(2 * i), v = rs(2 * i + 1);
    const double sign = (v >> 63) ? -1.0 : 1.0;
    const double mant = 1.0 + static_cast<double>(w >> 12) * 0x1p-52;  // [1, 2), 52 random bits
    switch (i % 8) {
      case 0: {  // ordinary numbers around 1
        const int k = static_cast<int>(v % 41) - 20;
        xs.push_back(sign * std::ldexp(mant, k));
        break;
      }
      case 1:
      case 2: {  // log-uniform over the whole range of f and beyond it
        const int k = lo_exp + static_cast<int>(v % static_cast<std::uint64_t>(hi_exp - lo_exp));
        xs.push_back(sign * std::ldexp(mant, k));
        break;
      }
      case 3: xs.push_back(random_value(f, w)); break;  // exact values
      case 4: {  // midpoints between neighbouring values, and binary64 neighbours of them
        const double a = random_value(f, w);
        const std::optional<std::uint64_t> code = encode(a, f);
        const std::optional<double> b = decode(*code + 1, f);
        if (!b || !std::isfinite(*b) || !std::isfinite(a) || std::signbit(a) != std::signbit(*b))
          break;
        const double mid = a / 2 + *b / 2;
        const double out[] = {mid, std::nextafter(mid, 0.0), std::nextafter(mid, 2 * mid)};
        xs.push_back(out[v % 3]);
        break;
      }
      case 5: {  // binary64 neighbours of exact values
        const double a = random_value(f, w);
        xs.push_back((v & 1) ? std::nextafter(a, INFINITY) : std::nextafter(a, -INFINITY));
        break;
      }
      case 6: xs.push_back(specials[v % (sizeof(specials) / sizeof(specials[0]))]); break;
      case 7: xs.push_back(std::bit_cast<double>(w)); break;  // any bit pattern
    }
  }
  return xs;
}

// The same inputs in binary32 (rounded to nearest by the conversion), plus binary32 NaN payloads.
std::vector<float> to_float(const std::vector<double>& xs) {
  std::vector<float> fs(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) fs[i] = static_cast<float>(xs[i]);
  for (std::size_t i = 13; i < fs.size(); i += 1001)
    fs[i] = std::bit_cast<float>(i % 2 ? 0x7f800001u : 0xffc00123u);
  return fs;
}

struct mode_case {
  rounding mode;
  int rbits;
};
constexpr mode_case mode_cases[] = {{rounding::nearest_even, 64}, {rounding::nearest_away, 64},
                                    {rounding::nearest_zero, 64}, {rounding::up, 64},
                                    {rounding::down, 64},         {rounding::toward_zero, 64},
                                    {rounding::odd, 64},          {rounding::stochastic, 64},
                                    {rounding::stochastic, 3},    {rounding::stochastic_equal, 64}};

void count(array_counters& c, unsigned flags) {
  c.inexact += (flags & flag::inexact) != 0;
  c.underflow += (flags & flag::underflow) != 0;
  c.overflow += (flags & flag::overflow) != 0;
  c.invalid += (flags & flag::invalid) != 0;
  c.saturated += (flags & flag::saturated) != 0;
  c.nan_created += (flags & flag::nan_created) != 0;
  c.flushed += (flags & flag::flushed) != 0;
}

// Checks round_array against the scalar kernel for every mode case, element by element.
template <class T>
void check_against_scalar(const std::vector<T>& in, const format& f) {
  std::vector<T> out(in.size());
  for (const mode_case& mc : mode_cases) {
    CAPTURE(short_name(mc.mode));
    CAPTURE(mc.rbits);
    round_options opt;
    opt.mode = mc.mode;
    opt.rbits = mc.rbits;
    opt.seed = 2024;
    opt.stream = 5;
    opt.first_index = 1000003;
    opt.threads = 2;
    const array_counters got = round_array(in.data(), out.data(), in.size(), f, opt);
    const random_stream rs(opt.seed, opt.stream);
    array_counters want;
    std::size_t mismatches = 0, first = 0;
    T first_want{};
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::uint64_t w = is_stochastic(mc.mode) ? rs(opt.first_index + i) : 0;
      const round_result r = round(in[i], f, mc.mode, w, mc.rbits);
      const T expect = static_cast<T>(r.value);
      count(want, r.flags);
      if (bits_of(expect) != bits_of(out[i])) {
        if (mismatches++ == 0) {
          first = i;
          first_want = expect;
        }
      }
    }
    if (mismatches != 0) {
      INFO("first mismatch at ", first, ": input ", hex(in[first]), " expected ", hex(first_want),
           " got ", hex(out[first]));
      CHECK(mismatches == 0);
    }
    CHECK(got == want);
    if (mc.mode == rounding::nearest_even) {
      // The inputs exercise every event the format can raise.
      CHECK(want.inexact > 0);
      CHECK(want.underflow > 0);
      CHECK(want.overflow > 0);
      CHECK(want.flushed > 0);
      if (!f.has_nan()) CHECK(want.invalid > 0);
      if (f.specials == specials_mode::finite) CHECK(want.saturated > 0);
      if (f.specials == specials_mode::fn) CHECK(want.nan_created > 0);
    }
  }
}

}  // namespace

TEST_CASE_TEMPLATE("round_array equals the scalar round() bit for bit", T, LOWP_ARRAY_FORMATS) {
  constexpr format f = T::value;
  const std::vector<double> in = mixed_inputs(f, (std::size_t{1} << 20) + 12345);
  SUBCASE("binary64 storage") { check_against_scalar(in, f); }
  SUBCASE("binary32 storage") {
    static_assert(f.fits_binary32());
    check_against_scalar(to_float(in), f);
  }
}

TEST_CASE_TEMPLATE("results depend on neither the thread count nor the split", T,
                   fmt<formats::binary16>, fmt<formats::e4m3fn>) {
  constexpr format f = T::value;
  const std::size_t n = 100000;
  const std::vector<double> in = mixed_inputs(f, n);
  for (rounding mode : {rounding::stochastic, rounding::stochastic_equal, rounding::nearest_even}) {
    for (std::uint64_t first_index : {std::uint64_t{0}, std::uint64_t{123456789},
                                      ~std::uint64_t{0} - 50000}) {  // wraps around 2^64
      CAPTURE(short_name(mode));
      CAPTURE(first_index);
      round_options opt;
      opt.mode = mode;
      opt.seed = 77;
      opt.stream = 3;
      opt.first_index = first_index;
      opt.threads = 1;
      std::vector<double> one(n), two(n), dflt(n), split(n);
      const array_counters c1 = round_array(in.data(), one.data(), n, f, opt);
      opt.threads = 2;
      const array_counters c2 = round_array(in.data(), two.data(), n, f, opt);
      opt.threads = 0;
      const array_counters c0 = round_array(in.data(), dflt.data(), n, f, opt);
      CHECK(c1 == c2);
      CHECK(c1 == c0);
      // Pieces with matching first_index, at fixed and random cut points.
      const random_stream rs(5, 0);
      std::vector<std::size_t> cuts = {0, 1, 1000, 16384, 16385, 16386, 40000};
      for (int k = 0; k < 6; ++k) cuts.push_back(40000 + rs(static_cast<std::uint64_t>(k)) % 60000);
      cuts.push_back(n);
      std::sort(cuts.begin(), cuts.end());
      array_counters cs;
      for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        round_options piece = opt;
        piece.first_index = first_index + cuts[k];
        piece.threads = 1 + static_cast<int>(k % 2);
        cs += round_array(in.data() + cuts[k], split.data() + cuts[k], cuts[k + 1] - cuts[k], f,
                          piece);
      }
      CHECK(cs == c1);
      std::size_t diff2 = 0, diff0 = 0, diffs = 0;
      for (std::size_t i = 0; i < n; ++i) {
        diff2 += bits_of(one[i]) != bits_of(two[i]);
        diff0 += bits_of(one[i]) != bits_of(dflt[i]);
        diffs += bits_of(one[i]) != bits_of(split[i]);
      }
      CHECK(diff2 == 0);
      CHECK(diff0 == 0);
      CHECK(diffs == 0);
    }
  }
}

TEST_CASE("different seeds, streams and offsets give different stochastic results") {
  const format f = formats::bfloat16;
  const std::size_t n = 50000;
  std::vector<double> in(n);
  // Fractional distances (k + 1/2) / 128 of bfloat16's quantum 2^-7, spread over (0, 1).
  for (std::size_t i = 0; i < n; ++i)
    in[i] = 1.0 + (static_cast<double>(i * 37 % 128) + 0.5) * 0x1p-14;
  auto run = [&](std::uint64_t seed, std::uint64_t stream, std::uint64_t first, rounding mode) {
    std::vector<double> out(n);
    round_options opt;
    opt.mode = mode;
    opt.seed = seed;
    opt.stream = stream;
    opt.first_index = first;
    round_array(in.data(), out.data(), n, f, opt);
    return out;
  };
  auto differing = [&](const std::vector<double>& a, const std::vector<double>& b) {
    std::size_t d = 0;
    for (std::size_t i = 0; i < n; ++i) d += a[i] != b[i];
    return d;
  };
  for (rounding mode : {rounding::stochastic, rounding::stochastic_equal}) {
    const std::vector<double> base = run(1, 0, 0, mode);
    CHECK(differing(base, run(1, 0, 0, mode)) == 0);
    // Most inputs are inexact, so many elements differ (about a third for sr, half for sre).
    CHECK(differing(base, run(2, 0, 0, mode)) > n / 5);
    CHECK(differing(base, run(1, 1, 0, mode)) > n / 5);
    CHECK(differing(base, run(1, 0, 1, mode)) > n / 5);
  }
}

TEST_CASE("round_array rounds in place") {
  for (const format& f : {formats::binary16, formats::e4m3fn}) {
    const std::vector<double> in = mixed_inputs(f, 70000);
    for (rounding mode : {rounding::nearest_even, rounding::stochastic}) {
      round_options opt;
      opt.mode = mode;
      opt.seed = 11;
      std::vector<double> out(in.size());
      const array_counters c = round_array(in.data(), out.data(), in.size(), f, opt);
      std::vector<double> buf = in;
      const array_counters ci = round_array(buf.data(), buf.data(), buf.size(), f, opt);
      CHECK(c == ci);
      std::size_t diff = 0;
      for (std::size_t i = 0; i < in.size(); ++i) diff += bits_of(buf[i]) != bits_of(out[i]);
      CHECK(diff == 0);
      std::vector<float> fin = to_float(in), fout(in.size());
      round_array(fin.data(), fout.data(), fin.size(), f, opt);
      round_array(fin.data(), fin.data(), fin.size(), f, opt);
      std::size_t fdiff = 0;
      for (std::size_t i = 0; i < in.size(); ++i) fdiff += bits_of(fin[i]) != bits_of(fout[i]);
      CHECK(fdiff == 0);
    }
  }
}

TEST_CASE("round_array rejects bad rbits and formats wider than the storage") {
  double d[4] = {1, 2, 3, 4};
  float s[4] = {1, 2, 3, 4};
  for (int r : {0, -1, 65, 1000}) {
    round_options opt;
    opt.mode = rounding::stochastic;
    opt.rbits = r;
    CHECK_THROWS_AS(round_array(d, d, 4, formats::binary16, opt), format_error);
    CHECK_THROWS_AS(round_array(s, s, 4, formats::binary16, opt), format_error);
  }
  for (int r : {1, 64}) {
    round_options opt;
    opt.mode = rounding::stochastic;
    opt.rbits = r;
    CHECK_NOTHROW(round_array(d, d, 4, formats::binary16, opt));
  }
  // binary32 fits float storage; binary64, and exponent ranges beyond binary32's, do not.
  CHECK_NOTHROW(round_array(s, s, 4, formats::binary32));
  CHECK_NOTHROW(round_array(d, d, 4, formats::binary64));
  CHECK_THROWS_AS(round_array(s, s, 4, formats::binary64), format_error);
  CHECK_THROWS_AS(round_array(s, s, 4, ieee_format(9, 10)), format_error);
  CHECK_THROWS_AS(round_array(s, s, 4, ieee_format(8, 24)), format_error);
  // Beyond binary64: precision 54, or exponent range of E12.
  CHECK_THROWS_AS(round_array(d, d, 4, ieee_format(11, 53)), format_error);
  CHECK_THROWS_AS(round_array(d, d, 4, ieee_format(12, 10)), format_error);
  // Ill-formed formats.
  CHECK_THROWS_AS(round_array(d, d, 4, format{1, 3, 0}), format_error);
  // Nothing to do is fine.
  CHECK(round_array(d, d, 0, formats::binary16) == array_counters{});
}
