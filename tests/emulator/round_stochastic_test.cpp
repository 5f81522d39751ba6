// Tests the stochastic modes of lowp/round.hpp (sr, sre) statistically and exactly: the frequency
// of rounding away from zero against the exact fractional distance between the two neighbours
// (computed here from the format's grid, not from the code under test), exact inputs never move,
// the r-bit truncation of the probability, and unbiasedness of the mean.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

using namespace lowp;

namespace {

template <format F>
struct fmt {
  static constexpr format value = F;
};
#define LOWP_SR_FORMATS \
  fmt<formats::binary16>, fmt<formats::bfloat16>, fmt<formats::e4m3fn>, fmt<formats::e2m1fn>

// The neighbours lo <= |x| < hi of a positive x on f's grid (subnormals on), and the exact
// fractional distance (|x| - lo) / (hi - lo). Independent of round.hpp: the quantum is
// 2^(max(floor(log2 |x|), emin) - M), and |x| / quantum - floor(|x| / quantum) is exact in binary64
// (scaling by a power of two and removing the integer part lose nothing). hi may lie beyond
// the largest finite value (the overflow interval).
struct neighbours {
  double lo, hi, frac;
};
neighbours neighbours_of(double ax, const format& f) {
  const int e = std::ilogb(ax);
  const int q = (e > f.emin() ? e : f.emin()) - f.mantissa_bits;
  const double quantum = std::ldexp(1.0, q);
  const double t = ax / quantum;
  const double k = std::floor(t);
  return {k * quantum, (k + 1) * quantum, t - k};
}

// floor(frac * 2^r) / 2^r, the probability of rounding away with r random bits (exact).
double truncated(double frac, int r) { return std::ldexp(std::floor(std::ldexp(frac, r)), -r); }

// Classifies a result: 1 when round() moved x away from zero, 0 when toward zero, -1 when the
// result is wrong (not one of the two neighbours, or not the overflow result when hi is beyond
// largest, or ternary / flags that disagree). Plain code, no doctest macros: it runs 10^8 times.
enum : int { bad = -1, stayed = 0, away = 1 };
int classify(double x, const round_result& r, const format& f, const neighbours& nb) {
  const bool negative = std::signbit(x);
  const double largest = f.largest();
  if ((r.flags & flag::inexact) == 0) return bad;
  if (nb.hi > largest && (r.flags & flag::overflow) != 0) {
    if (f.has_inf()) return std::isinf(r.value) && std::signbit(r.value) == negative ? away : bad;
    if (f.specials == specials_mode::finite)
      return r.value == (negative ? -largest : largest) && (r.flags & flag::saturated) ? away : bad;
    return std::isnan(r.value) ? away : bad;
  }
  if (std::isnan(r.value) || std::signbit(r.value) != negative) return bad;
  const double mag = std::fabs(r.value);
  if (mag != nb.lo && mag != nb.hi) return bad;
  const bool up = mag == nb.hi;
  if (r.ternary != (up != negative ? 1 : -1)) return bad;
  return up ? away : stayed;
}

// Counts results that went away and results that are wrong.
struct tally {
  std::uint64_t away = 0, bad = 0;
  void add(int c) {
    away += c == 1 ? 1 : 0;
    bad += c == -1 ? 1 : 0;
  }
};

// Inputs between two neighbours: fractions 1/2, 1/3 (binary64), 2^-10, 0.9, 0.1, 3/4 of the
// quantum above 1, 1 + quantum, the subnormal intervals [0, s), [s, 2s) and the last one below
// the smallest normal, and the overflow interval (largest, largest + quantum); each negated too.
std::vector<double> inexact_inputs(const format& f) {
  const double fractions[] = {0.5, 1.0 / 3.0, 0x1p-10, 0.9, 0.1, 0.75};
  const double q1 = exp2i(-f.mantissa_bits);
  const double s = f.smallest_subnormal();
  const double qtop = exp2i(f.emax() - f.mantissa_bits);
  const double sub_last = static_cast<double>((std::uint64_t{1} << f.mantissa_bits) - 1);
  std::vector<double> xs;
  for (double fr : fractions) {
    for (double base : {1.0, 1.0 + q1}) xs.push_back(base + fr * q1);
    for (double k : {0.0, 1.0, sub_last}) xs.push_back((k + fr) * s);
    xs.push_back(f.largest() + fr * qtop);
  }
  const std::size_t n = xs.size();
  for (std::size_t i = 0; i < n; ++i) xs.push_back(-xs[i]);
  return xs;
}

// |count - n p| within 5 binomial standard deviations (plus one count for p near 0 or 1).
bool within_5_sigma(std::uint64_t count, std::uint64_t n, double p) {
  const double mean = static_cast<double>(n) * p;
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  return std::fabs(static_cast<double>(count) - mean) <= 5 * sd + 1;
}

}  // namespace

TEST_CASE("neighbours_of agrees with hand-computed grids") {
  // 1/3 in binary16: 0x1.554p-2 < 1/3 < 0x1.558p-2.
  const neighbours a = neighbours_of(1.0 / 3.0, formats::binary16);
  CHECK(a.lo == 0x1.554p-2);
  CHECK(a.hi == 0x1.558p-2);
  // 470 in e4m3fn lies between 448 and the overflow value 480.
  const neighbours b = neighbours_of(470.0, formats::e4m3fn);
  CHECK(b.lo == 448.0);
  CHECK(b.hi == 480.0);
  CHECK(b.frac == 22.0 / 32.0);
  // 0.3 in e2m1fn lies in the subnormal interval [0, 0.5).
  const neighbours c = neighbours_of(0.3, formats::e2m1fn);
  CHECK(c.lo == 0.0);
  CHECK(c.hi == 0.5);
  CHECK(c.frac == 0.3 / 0.5);
  // 1 + 2^-12 in binary16: a quarter of the way from 1 to 1 + 2^-10.
  CHECK(neighbours_of(1 + 0x1p-12, formats::binary16).frac == 0.25);
}

TEST_CASE_TEMPLATE("sr rounds away with the exact fractional distance", T, LOWP_SR_FORMATS) {
  constexpr format f = T::value;
  constexpr std::uint64_t n = 1000000;
  std::uint64_t seed = 1;
  for (double x : inexact_inputs(f)) {
    CAPTURE(x);
    const neighbours nb = neighbours_of(std::fabs(x), f);
    REQUIRE(nb.frac > 0);
    const random_stream rs(seed++, 0);
    tally t;
    for (std::uint64_t i = 0; i < n; ++i)
      t.add(classify(x, round(x, f, rounding::stochastic, rs(i)), f, nb));
    CAPTURE(nb.frac);
    CAPTURE(t.away);
    CHECK(t.bad == 0);
    CHECK(within_5_sigma(t.away, n, truncated(nb.frac, 64)));
  }
}

TEST_CASE_TEMPLATE("sre rounds away with probability 1/2", T, LOWP_SR_FORMATS) {
  constexpr format f = T::value;
  constexpr std::uint64_t n = 200000;
  std::uint64_t seed = 1000;
  for (double x : inexact_inputs(f)) {
    CAPTURE(x);
    const neighbours nb = neighbours_of(std::fabs(x), f);
    const random_stream rs(seed++, 0);
    tally t;
    for (std::uint64_t i = 0; i < n; ++i)
      t.add(classify(x, round(x, f, rounding::stochastic_equal, rs(i)), f, nb));
    CAPTURE(t.away);
    CHECK(t.bad == 0);
    CHECK(within_5_sigma(t.away, n, 0.5));
  }
}

TEST_CASE_TEMPLATE("exactly representable inputs never move in sr and sre", T, LOWP_SR_FORMATS) {
  constexpr format f = T::value;
  std::vector<double> xs = {0.0,
                            1.0,
                            1.0 + exp2i(-f.mantissa_bits),
                            f.largest(),
                            f.smallest_normal(),
                            f.smallest_subnormal(),
                            3 * f.smallest_subnormal(),
                            f.smallest_normal() - f.smallest_subnormal()};
  for (double x : inexact_inputs(f))
    if (const double lo = neighbours_of(std::fabs(x), f).lo; lo <= f.largest()) xs.push_back(lo);
  const std::size_t m = xs.size();
  for (std::size_t i = 0; i < m; ++i) xs.push_back(-xs[i]);
  const random_stream rs(77, 0);
  std::uint64_t index = 0;
  for (double x : xs) {
    CAPTURE(x);
    int moved = 0;
    for (int r : {1, 2, 3, 8, 16, 64}) {
      for (int i = 0; i < 2000; ++i) {
        const std::uint64_t w = rs(index++);
        for (rounding mode : {rounding::stochastic, rounding::stochastic_equal}) {
          const round_result res = round(x, f, mode, w, r);
          moved += std::bit_cast<std::uint64_t>(res.value) != std::bit_cast<std::uint64_t>(x) ||
                   res.ternary != 0 || res.flags != flag::none;
        }
      }
    }
    CHECK(moved == 0);
    // Extreme words too.
    for (std::uint64_t w : {std::uint64_t{0}, ~std::uint64_t{0}, detail::half64}) {
      CHECK(round(x, f, rounding::stochastic, w).value == x);
      CHECK(round(x, f, rounding::stochastic_equal, w).value == x);
    }
  }
}

TEST_CASE_TEMPLATE("sr with r random bits rounds away with probability floor(frac 2^r) / 2^r", T,
                   LOWP_SR_FORMATS) {
  constexpr format f = T::value;
  const random_stream rs(4242, 0);
  std::uint64_t index = 0;
  for (double x : inexact_inputs(f)) {
    CAPTURE(x);
    const neighbours nb = neighbours_of(std::fabs(x), f);
    for (int r : {1, 2, 3, 8, 16}) {
      CAPTURE(r);
      // Enumerate every value of the top r bits, with random bits below them: exactly
      // floor(frac * 2^r) of the 2^r values round away.
      const std::uint64_t values = std::uint64_t{1} << r;
      const std::uint64_t low_mask = ~std::uint64_t{0} >> r;
      tally all;
      for (std::uint64_t t = 0; t < values; ++t) {
        const std::uint64_t w = (t << (64 - r)) | (rs(index++) & low_mask);
        all.add(classify(x, round(x, f, rounding::stochastic, w, r), f, nb));
      }
      CHECK(all.bad == 0);
      CHECK(all.away == static_cast<std::uint64_t>(std::floor(std::ldexp(nb.frac, r))));
      // Statistically with fully random words.
      constexpr std::uint64_t n = 20000;
      tally random;
      for (std::uint64_t i = 0; i < n; ++i)
        random.add(classify(x, round(x, f, rounding::stochastic, rs(index++), r), f, nb));
      CHECK(random.bad == 0);
      CHECK(within_5_sigma(random.away, n, truncated(nb.frac, r)));
    }
    // With all 64 bits the threshold is the first 64 bits of the fraction, to the last bit.
    const double scaled = std::floor(std::ldexp(nb.frac, 64));
    if (scaled >= 1) {
      const auto frac64 = static_cast<std::uint64_t>(scaled);
      CHECK(classify(x, round(x, f, rounding::stochastic, frac64 - 1, 64), f, nb) == away);
      CHECK(classify(x, round(x, f, rounding::stochastic, frac64, 64), f, nb) == stayed);
    }
  }
}

TEST_CASE("sr with one random bit: a fraction 0.3 never rounds up, 0.5 half the time") {
  const format f = formats::binary16;
  const double x3 = 1 + 0.3 * 0x1p-10;
  const double x5 = 1 + 0x1p-11;
  const random_stream rs(9, 0);
  constexpr std::uint64_t n = 100000;
  std::uint64_t up3 = 0, up5 = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    up3 += round(x3, f, rounding::stochastic, rs(i), 1).value > 1 ? 1 : 0;
    up5 += round(x5, f, rounding::stochastic, rs(i), 1).value > 1 ? 1 : 0;
  }
  CHECK(up3 == 0);
  CHECK(within_5_sigma(up5, n, 0.5));
  // The top bit decides: 0 rounds up, 1 does not.
  CHECK(round(x5, f, rounding::stochastic, 0x7fffffffffffffffULL, 1).value == 1 + 0x1p-10);
  CHECK(round(x5, f, rounding::stochastic, 0x8000000000000000ULL, 1).value == 1);
}

TEST_CASE("the mean of sr results is unbiased") {
  struct item {
    double x;
    format f;
  };
  const item items[] = {{1 + 0x1p-12, formats::binary16}, {-(1 + 0x1p-12), formats::binary16},
                        {0.1, formats::bfloat16},         {1.0 / 3.0, formats::e4m3fn},
                        {-2.7, formats::e2m1fn},          {0.3 * 0x1p-24, formats::binary16}};
  constexpr std::uint64_t n = 2000000;
  std::uint64_t seed = 31;
  for (const item& it : items) {
    CAPTURE(it.x);
    const neighbours nb = neighbours_of(std::fabs(it.x), it.f);
    const random_stream rs(seed++, 0);
    // Results take two values, so the sum is exact in binary64 (n * hi needs < 53 bits).
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i)
      sum += round(it.x, it.f, rounding::stochastic, rs(i)).value;
    const double mean = sum / static_cast<double>(n);
    const double sd = (nb.hi - nb.lo) * std::sqrt(nb.frac * (1 - nb.frac) / static_cast<double>(n));
    CAPTURE(mean);
    CHECK(std::fabs(mean - it.x) <= 5 * sd);
    // Round-to-nearest on the same input is biased by far more than that.
    const double rn = round(it.x, it.f, rounding::nearest_even).value;
    CHECK(std::fabs(rn - it.x) > 5 * sd);
  }
}
