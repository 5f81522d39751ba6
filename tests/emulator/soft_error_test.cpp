// Tests lowp/soft_error.hpp: the flip rate against binomial bounds, p = 0 and p = 1 exactly, one
// bit flipped (in the significand or anywhere in the code), uniform bit positions, golden words,
// reproducibility, independence from the thread count and the split, and the array errors.
#include "lowp/soft_error.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "lowp/array.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

using namespace lowp;

namespace {

template <format F>
struct fmt {
  static constexpr format value = F;
};

std::uint64_t bits_of(double x) { return std::bit_cast<std::uint64_t>(x); }

// Values of f: mixed binary64 inputs rounded to nearest (normals, subnormals, zeros of both
// signs, infinities or NaN where overflow gives them, NaN inputs where f has NaN).
std::vector<double> format_values(const format& f, std::size_t n) {
  const random_stream rs(321, 0);
  std::vector<double> xs(n);
  const int lo = f.emin() - f.mantissa_bits - 2, hi = f.emax() + 2;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t w = rs(2 * i), v = rs(2 * i + 1);
    const int k = lo + static_cast<int>(v % static_cast<std::uint64_t>(hi - lo));
    xs[i] = std::ldexp(1.0 + static_cast<double>(w >> 12) * 0x1p-52, k) * ((v >> 63) ? -1 : 1);
    if (i % 101 == 0) xs[i] = (v & 1) ? -0.0 : 0.0;
    if (i % 103 == 0) xs[i] = std::numeric_limits<double>::quiet_NaN();
  }
  round_array(xs.data(), xs.data(), n, f);
  // A NaN result in a format without NaN is no value of it (round() flags it invalid).
  for (double& x : xs)
    if (std::isnan(x) && !f.has_nan()) x = 1.0;
  return xs;
}

bool within_5_sigma(std::uint64_t count, std::uint64_t n, double p) {
  const double mean = static_cast<double>(n) * p;
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  return std::fabs(static_cast<double>(count) - mean) <= 5 * sd + 1;
}

}  // namespace

TEST_CASE("flip_probability is floor(p 2^64), exact at p = 0 and p = 1") {
  CHECK(flip_probability(0.5).threshold == 0x8000000000000000ULL);
  CHECK(flip_probability(0.5).flips(0x7fffffffffffffffULL));
  CHECK_FALSE(flip_probability(0.5).flips(0x8000000000000000ULL));
  CHECK(flip_probability(0x1p-64).threshold == 1);
  CHECK(flip_probability(0x1p-64).flips(0));
  CHECK_FALSE(flip_probability(0x1p-64).flips(1));
  CHECK(flip_probability(0x1p-70).threshold == 0);    // below 2^-64: never
  const double below_one = std::nextafter(1.0, 0.0);  // 1 - 2^-53
  CHECK(flip_probability(below_one).threshold == 0xfffffffffffff800ULL);
  CHECK_FALSE(flip_probability(below_one).flips(~std::uint64_t{0}));
  CHECK(flip_probability(0.3).threshold == static_cast<std::uint64_t>(0.3 * 0x1p64));
  for (std::uint64_t w : {std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}}) {
    CHECK_FALSE(flip_probability(0.0).flips(w));
    CHECK_FALSE(flip_probability(-0.0).flips(w));
    CHECK_FALSE(flip_probability(std::numeric_limits<double>::quiet_NaN()).flips(w));
    CHECK(flip_probability(1.0).flips(w));
  }
}

TEST_CASE("mulhi64 is the high word of the 128-bit product") {
  __extension__ typedef unsigned __int128 u128;
  const random_stream rs(1, 1);
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < 100000; ++i) {
    const std::uint64_t a = rs(2 * i), b = i % 3 ? rs(2 * i + 1) : i % 70;
    wrong += detail::mulhi64(a, b) != static_cast<std::uint64_t>((u128{a} * b) >> 64);
  }
  CHECK(wrong == 0);
  CHECK(detail::mulhi64(~std::uint64_t{0}, ~std::uint64_t{0}) == 0xfffffffffffffffeULL);
}

TEST_CASE("golden words pin the soft-error streams") {
  // From /usr/bin/python3 implementing the derivation in the header of soft_error.hpp with the
  // random.hpp formulas (key, mix64) on integers masked to 64 bits; bit = (position * nbits) >> 64.
  const soft_error_stream s0(0, 0);
  CHECK(s0.decide.key == 0xc7c6d8149bd3b753ULL);
  CHECK(s0.position.key == 0xaa904fc7b691c2a9ULL);
  CHECK(s0.decide(0) == 0x30ecfbd9c0273241ULL);
  CHECK(s0.position(0) == 0xa2f4b6ca8a3e3bd7ULL);
  CHECK(s0.decide(1000) == 0x618360c99ed4c639ULL);
  CHECK(s0.position(1000) == 0x2114618ea40adeadULL);
  const soft_error_stream s1(42, 7);
  CHECK(s1.decide(1) == 0x8e133a92575ea380ULL);
  CHECK(s1.position(1) == 0x39cd1f74207c63b2ULL);
  // Bit choices: element 0 of (0, 0) flips code bit 10 of a 16-bit code, bit 6 of 10.
  CHECK(soft_error(1.0, formats::binary16, soft_error_mode::code, 1.0, 0, 0, 0).bit == 10);
  CHECK(soft_error(1.0, formats::binary16, soft_error_mode::significand, 1.0, 0, 0, 0).bit == 6);
  CHECK(soft_error(1.0, formats::binary16, soft_error_mode::code, 1.0, 42, 7, 1000).bit == 7);
  // Not the words of stochastic rounding with the same seed and stream.
  const random_stream sr(0, 0);
  CHECK(s0.decide.key != sr.key);
  CHECK(s0.position.key != sr.key);
  std::uint64_t same = 0, both_low = 0;
  constexpr std::uint64_t n = 200000;
  for (std::uint64_t i = 0; i < n; ++i) {
    same += s0.decide(i) == sr(i) || s0.position(i) == sr(i) || s0.decide(i) == s0.position(i);
    both_low += (s0.decide(i) >> 63) == 0 && (sr(i) >> 63) == 0;
  }
  CHECK(same == 0);
  CHECK(within_5_sigma(both_low, n, 0.25));
}

TEST_CASE_TEMPLATE("flip rates follow p", T, fmt<formats::binary16>, fmt<formats::e4m3fn>,
                   fmt<formats::bfloat16>) {
  constexpr format f = T::value;
  constexpr std::size_t n = 1000000;
  const std::vector<double> in = format_values(f, n);
  std::vector<double> out(n);
  for (soft_error_mode mode : {soft_error_mode::significand, soft_error_mode::code}) {
    for (double p : {0.01, 0.3}) {
      CAPTURE(p);
      soft_error_options opt;
      opt.probability = p;
      opt.mode = mode;
      opt.seed = 5;
      const soft_error_counters c = soft_error_array(in.data(), out.data(), n, f, opt);
      CHECK(c.not_in_format == 0);
      CHECK(within_5_sigma(c.flipped, n, p));
      // The counter counts elements whose value changed (NaN -> NaN flips aside).
      std::uint64_t changed = 0, nan_to_nan = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(in[i]) && std::isnan(out[i]))
          ++nan_to_nan;
        else
          changed += bits_of(in[i]) != bits_of(out[i]);
      }
      CHECK(changed <= c.flipped);
      CHECK(changed + nan_to_nan >= c.flipped);
    }
  }
}

TEST_CASE("p = 0 never flips") {
  for (const format& f : {formats::binary16, formats::e4m3fn, formats::e2m1fn}) {
    const std::vector<double> in = format_values(f, 200000);
    std::vector<double> out(in.size());
    for (soft_error_mode mode : {soft_error_mode::significand, soft_error_mode::code}) {
      soft_error_options opt;
      opt.mode = mode;
      opt.seed = 17;
      const soft_error_counters c = soft_error_array(in.data(), out.data(), in.size(), f, opt);
      CHECK(c.flipped == 0);
      std::uint64_t changed = 0;
      for (std::size_t i = 0; i < in.size(); ++i) changed += bits_of(in[i]) != bits_of(out[i]);
      CHECK(changed == 0);
    }
  }
}

TEST_CASE_TEMPLATE("p = 1 flips exactly one bit of every element", T, fmt<formats::binary16>,
                   fmt<formats::bfloat16>, fmt<formats::e4m3fn>, fmt<formats::e4m3fnuz>,
                   fmt<formats::e5m2>, fmt<formats::e2m1fn>, fmt<formats::e8m0fnu>) {
  constexpr format f = T::value;
  constexpr std::size_t n = 300000;
  const std::vector<double> in = format_values(f, n);
  const soft_error_stream s(99, 4);
  for (soft_error_mode mode : {soft_error_mode::significand, soft_error_mode::code}) {
    if (mode == soft_error_mode::significand && f.mantissa_bits == 0) continue;
    const int nbits = soft_error_bits(f, mode);
    CHECK(nbits == (mode == soft_error_mode::code ? f.width() : f.mantissa_bits));
    std::vector<std::uint64_t> per_bit(static_cast<std::size_t>(nbits));
    std::uint64_t bad = 0, counted = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const soft_error_result r = soft_error(in[i], f, mode, 1.0, 99, 4, i);
      const std::optional<std::uint64_t> before = encode(in[i], f);
      if (!before) {
        ++bad;
        continue;
      }
      if (r.bit < 0 || r.bit >= nbits || !r.in_format) {
        ++bad;
        continue;
      }
      ++per_bit[static_cast<std::size_t>(r.bit)];
      ++counted;
      // The result is the decoded code with exactly that one bit flipped.
      const std::uint64_t flipped = *before ^ (std::uint64_t{1} << r.bit);
      const double want = *decode(flipped, f);
      if (std::isnan(want) ? !std::isnan(r.value) : bits_of(want) != bits_of(r.value)) ++bad;
      // Where the result is a number, its code differs from the input's in exactly one bit.
      if (!std::isnan(r.value) && std::popcount(*encode(r.value, f) ^ *before) != 1) ++bad;
      // The same bit as the scalar words give, and as flip_bit gives.
      if (flip_bit(in[i], f, mode, s.position(i)).bit != r.bit) ++bad;
    }
    CHECK(bad == 0);
    // Every allowed bit is chosen with probability 1 / nbits.
    for (int b = 0; b < nbits; ++b) {
      CAPTURE(b);
      CHECK(within_5_sigma(per_bit[static_cast<std::size_t>(b)], counted, 1.0 / nbits));
    }
    // The array agrees with the scalar function and counts every element.
    std::vector<double> out(n);
    soft_error_options opt;
    opt.probability = 1.0;
    opt.mode = mode;
    opt.seed = 99;
    opt.stream = 4;
    const soft_error_counters c = soft_error_array(in.data(), out.data(), n, f, opt);
    CHECK(c.flipped == n);
    CHECK(c.not_in_format == 0);
    std::uint64_t differ = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double want = soft_error(in[i], f, mode, 1.0, 99, 4, i).value;
      differ += std::isnan(want) ? !std::isnan(out[i]) : bits_of(want) != bits_of(out[i]);
    }
    CHECK(differ == 0);
  }
}

TEST_CASE("flips that land on special codes give the special value") {
  const soft_error_mode code = soft_error_mode::code;
  const soft_error_mode sig = soft_error_mode::significand;
  // e4m3fn: 448 = 0x7e, mantissa bit 0 -> 0x7f = NaN.
  CHECK(std::isnan(flip_bit(448.0, formats::e4m3fn, sig, 0).value));  // bit 0 of 3
  // binary16: 32768 = 0x7800, exponent bit 10 -> 0x7c00 = inf; inf, mantissa bit -> NaN.
  // mulhi64(w, 16) = 10 for w = 10 * 2^60.
  CHECK(flip_bit(32768.0, formats::binary16, code, 10ULL << 60).value ==
        std::numeric_limits<double>::infinity());
  CHECK(std::isnan(
      flip_bit(std::numeric_limits<double>::infinity(), formats::binary16, sig, 0).value));
  // e4m3fnuz: +0 = 0x00, sign bit 7 -> 0x80 = NaN; e5m2fnuz likewise.
  CHECK(std::isnan(flip_bit(0.0, formats::e4m3fnuz, code, 7ULL << 61).value));
  CHECK(std::isnan(flip_bit(0.0, formats::e5m2fnuz, code, 7ULL << 61).value));
  // binary16 sign flip: -0 <-> +0, 1 <-> -1; a NaN's quiet bit flip gives inf.
  CHECK(bits_of(flip_bit(-0.0, formats::binary16, code, 15ULL << 60).value) == bits_of(0.0));
  CHECK(flip_bit(1.0, formats::binary16, code, 15ULL << 60).value == -1.0);
  CHECK(std::isinf(flip_bit(std::numeric_limits<double>::quiet_NaN(), formats::binary16, sig,
                            9ULL * 0x1999999999999999ULL + 9)  // bit 9 of 10
                       .value));
  // e8m0fnu (no significand bits): code flips only; 2^127 = 0xfe, bit 0 -> 0xff = NaN.
  CHECK(std::isnan(flip_bit(0x1p127, formats::e8m0fnu, code, 0).value));
  CHECK(flip_bit(1.0, formats::e8m0fnu, sig, 0).bit == -1);
  // e2m1fn (no NaN, no inf): 6 = 0x7, bit 0 -> 0x6 = 4; sign -> -6.
  CHECK(flip_bit(6.0, formats::e2m1fn, sig, 0).value == 4.0);
  CHECK(flip_bit(6.0, formats::e2m1fn, code, 3ULL << 62).value == -6.0);
  // Values not in the format are left alone and reported.
  const soft_error_result r = soft_error(0.1, formats::binary16, code, 1.0, 1, 2, 3);
  CHECK(r.value == 0.1);
  CHECK(r.bit == -1);
  CHECK_FALSE(r.in_format);
}

TEST_CASE("soft errors are reproducible and independent of threads and splits") {
  const format f = formats::binary16;
  constexpr std::size_t n = 100000;
  const std::vector<double> in = format_values(f, n);
  soft_error_options opt;
  opt.probability = 0.3;
  opt.mode = soft_error_mode::code;
  opt.seed = 1234;
  opt.stream = 2;
  opt.first_index = 777;
  auto run = [&](const soft_error_options& o) {
    std::vector<double> out(n);
    soft_error_array(in.data(), out.data(), n, f, o);
    return out;
  };
  auto same = [&](const std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < n; ++i)
      if (bits_of(a[i]) != bits_of(b[i])) return false;
    return true;
  };
  opt.threads = 1;
  const std::vector<double> one = run(opt);
  CHECK(same(one, run(opt)));
  opt.threads = 2;
  CHECK(same(one, run(opt)));
  opt.threads = 0;
  CHECK(same(one, run(opt)));
  // Pieces with matching first_index.
  std::vector<double> pieces(n);
  const std::size_t cuts[] = {0, 1, 1000, 16384, 16385, 50001, 99999, n};
  soft_error_counters total;
  for (std::size_t k = 0; k + 1 < sizeof(cuts) / sizeof(cuts[0]); ++k) {
    soft_error_options o = opt;
    o.first_index = opt.first_index + cuts[k];
    total +=
        soft_error_array(in.data() + cuts[k], pieces.data() + cuts[k], cuts[k + 1] - cuts[k], f, o);
  }
  CHECK(same(one, pieces));
  CHECK(total == soft_error_array(in.data(), pieces.data(), n, f, opt));
  // In place.
  std::vector<double> buf = in;
  soft_error_array(buf.data(), buf.data(), n, f, opt);
  CHECK(same(one, buf));
  // binary32 storage gives the same values.
  std::vector<float> fin(n), fout(n);
  for (std::size_t i = 0; i < n; ++i) fin[i] = static_cast<float>(in[i]);
  soft_error_array(fin.data(), fout.data(), n, f, opt);
  std::size_t fdiff = 0;
  for (std::size_t i = 0; i < n; ++i)
    fdiff += std::isnan(one[i]) ? !std::isnan(fout[i]) : static_cast<double>(fout[i]) != one[i];
  CHECK(fdiff == 0);
  // Another seed, stream or offset changes which elements flip.
  for (int which = 0; which < 3; ++which) {
    soft_error_options o = opt;
    if (which == 0) o.seed += 1;
    if (which == 1) o.stream += 1;
    if (which == 2) o.first_index += 1;
    CHECK_FALSE(same(one, run(o)));
  }
}

TEST_CASE("soft_error_array counts values outside the format and rejects bad arguments") {
  std::vector<double> d = {1.0, 0.1, 2.0, 1e9, -3.0};  // 0.1 and 1e9 are not binary16 values
  soft_error_options opt;
  opt.probability = 1.0;
  const soft_error_counters c =
      soft_error_array(d.data(), d.data(), d.size(), formats::binary16, opt);
  CHECK(c.not_in_format == 2);
  CHECK(c.flipped == 3);
  CHECK(d[1] == 0.1);
  CHECK(d[3] == 1e9);
  float s[2] = {1, 2};
  for (double p : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    opt.probability = p;
    CHECK_THROWS_AS(soft_error_array(d.data(), d.data(), 2, formats::binary16, opt),
                    std::invalid_argument);
  }
  opt.probability = 0.5;
  CHECK_THROWS_AS(soft_error_array(s, s, 2, formats::binary64, opt), format_error);
  CHECK_THROWS_AS(soft_error_array(d.data(), d.data(), 2, ieee_format(11, 53), opt), format_error);
  CHECK_THROWS_AS(soft_error_array(d.data(), d.data(), 2, format{1, 3, 0}, opt), format_error);
  CHECK_THROWS_AS(soft_error_array(d.data(), d.data(), 2, formats::e8m0fnu, opt), format_error);
  opt.mode = soft_error_mode::code;
  CHECK_NOTHROW(soft_error_array(d.data(), d.data(), 2, formats::e8m0fnu, opt));
  CHECK(soft_error_array(d.data(), d.data(), 0, formats::binary16, opt) == soft_error_counters{});
}
