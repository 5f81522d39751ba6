// Tests lowp/ulp.hpp against brute force: the sorted list of every value of small formats (every
// code decoded with bits.hpp), and for binary32 / binary64 the hardware's own bit patterns, which
// order positive floats by value.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/format.hpp"
#include "lowp/random.hpp"
#include "lowp/ulp.hpp"

using namespace lowp;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Every value of f, sorted, -0 and +0 merged, NaNs dropped. With subnormals off (or ftz) the
// codes of field 0 other than the zeros are not values.
std::vector<double> sorted_values(const format& f) {
  std::vector<double> v;
  for (std::uint64_t c = 0; c < f.codes(); ++c) {
    const int field = static_cast<int>((c >> f.mantissa_bits) & ((1u << f.exponent_bits) - 1));
    const std::uint64_t mant = c & ((std::uint64_t{1} << f.mantissa_bits) - 1);
    if (f.subnormals != subnormal_mode::on && f.has_zero && field == 0 && mant != 0) continue;
    const double d = *decode(c, f);
    if (d == d) v.push_back(d);
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void check_format(const format& f) {
  CAPTURE(to_string(f));
  const std::vector<double> v = sorted_values(f);
  const auto n = static_cast<std::int64_t>(v.size());
  // Index 0: zero, or the smallest value of a zero-less format.
  const std::int64_t z = f.has_zero ? std::find(v.begin(), v.end(), 0.0) - v.begin() : 0;
  long bad_index = 0, bad_next = 0, bad_ulp = 0, bad_between = 0;
  random_stream s(11);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::optional<std::int64_t> k = grid_index(v[i], f);
    if (!k || *k != i - z) ++bad_index;
    if (i + 1 < n) {
      if (next_up(v[i], f) != v[i + 1]) ++bad_next;
      if (next_down(v[i + 1], f) != v[i]) ++bad_next;
      // Spacing: above a nonnegative value, below a negative one (ulp of the binade of |v|).
      if (v[i] >= 0 && std::isfinite(v[i + 1]) && ulp(v[i], f) != v[i + 1] - v[i]) ++bad_ulp;
      if (v[i + 1] < 0 && std::isfinite(v[i]) && ulp(v[i + 1], f) != v[i + 1] - v[i]) ++bad_ulp;
      // Random binary64 values strictly between two neighbours.
      if (std::isfinite(v[i]) && std::isfinite(v[i + 1])) {
        for (int t = 0; t < 4; ++t) {
          const double u = static_cast<double>(s(static_cast<std::uint64_t>(i * 4 + t)) >> 11) *
                           0x1p-53;
          const double x = v[i] + (v[i + 1] - v[i]) * u;
          if (!(x > v[i] && x < v[i + 1])) continue;
          if (next_up(x, f) != v[i + 1] || next_down(x, f) != v[i]) ++bad_between;
          if (x > 0 && ulp(x, f) != v[i + 1] - v[i]) ++bad_between;
          if (grid_index(x, f).has_value()) ++bad_between;  // not a value
        }
      }
    }
  }
  CHECK(bad_index == 0);
  CHECK(bad_next == 0);
  CHECK(bad_ulp == 0);
  CHECK(bad_between == 0);
  // Distances: all pairs for the small formats, a sample otherwise.
  long bad_distance = 0;
  const std::int64_t step = n > 512 ? 61 : 1;
  for (std::int64_t i = 0; i < n; i += step)
    for (std::int64_t j = 0; j < n; j += step) {
      const std::optional<std::int64_t> d = ulp_distance(v[i], v[j], f);
      if (!d || *d != j - i) ++bad_distance;
    }
  CHECK(bad_distance == 0);
  if (f.has_negative_zero()) {
    CHECK(ulp_distance(-0.0, 0.0, f) == 0);
    CHECK(std::signbit(next_up(-f.smallest_subnormal(), f)));  // IEEE nextUp(-min) = -0
    CHECK(next_up(-0.0, f) == f.smallest_subnormal());
  }
  CHECK_FALSE(grid_index(std::numeric_limits<double>::quiet_NaN(), f).has_value());
  CHECK(std::isnan(next_up(std::numeric_limits<double>::quiet_NaN(), f)));
}

}  // namespace

TEST_CASE("ulp tools against the sorted values of every code") {
  for (const format& f :
       {formats::e4m3fn, formats::e5m2, formats::e4m3fnuz, formats::e5m2fnuz, formats::e3m2fn,
        formats::e2m3fn, formats::e2m1fn, formats::q43, formats::e8m0fnu, formats::binary16,
        ieee_format(3, 4), format{5, 10, 15, true, true, subnormal_mode::off},
        format{4, 3, 7, true, true, subnormal_mode::off, specials_mode::fn},
        format{5, 2, 15, false}})
    check_format(f);
}

TEST_CASE("beyond the ends of the grid") {
  CHECK(next_up(448.0, formats::e4m3fn) != next_up(448.0, formats::e4m3fn));  // no inf: NaN
  CHECK(next_up(65504.0, formats::binary16) == inf);
  CHECK(next_up(inf, formats::binary16) == inf);
  CHECK(next_up(-inf, formats::binary16) == -65504.0);
  CHECK(next_down(-65504.0, formats::binary16) == -inf);
  CHECK(next_up(6.0, formats::e2m1fn) == 6.0);  // finite formats saturate
  CHECK(ulp_distance(65504.0, inf, formats::binary16) == 1);
  CHECK_FALSE(ulp_distance(0.3, 0.5, formats::e4m3fn).has_value());
  CHECK_FALSE(grid_index(inf, formats::e4m3fn).has_value());
  CHECK(ulp(0.0, formats::binary16) == 0x1p-24);
  CHECK(ulp(0.0, format{5, 10, 15, true, true, subnormal_mode::off}) == 0x1p-14);
  CHECK(ulp(1.0, formats::bfloat16) == 0x1p-7);
  CHECK(ulp(-1.0, formats::bfloat16) == 0x1p-7);
  CHECK(std::isnan(ulp(inf, formats::bfloat16)));
}

TEST_CASE("binary32 and binary64: the index of a positive value is its bit pattern") {
  random_stream s(5);
  for (std::uint64_t i = 0; i < 200000; ++i) {
    const std::uint64_t r = s(i);
    const double d = std::bit_cast<double>(r & 0x7fffffffffffffffULL);
    if (d != d) continue;
    REQUIRE(grid_index(d, formats::binary64) == static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(d)));
    REQUIRE(grid_index(-d, formats::binary64) == -static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(d)));
    REQUIRE(next_up(d, formats::binary64) == std::nextafter(d, inf));
    REQUIRE(next_down(-d, formats::binary64) == std::nextafter(-d, -inf));
    const float f = std::bit_cast<float>(static_cast<std::uint32_t>(r >> 33));
    if (f != f) continue;
    REQUIRE(grid_index(f, formats::binary32) == std::bit_cast<std::int32_t>(f));
    REQUIRE(next_up(f, formats::binary32) == std::nextafter(f, std::numeric_limits<float>::infinity()));
    REQUIRE(next_down(f, formats::binary32) == std::nextafter(f, -std::numeric_limits<float>::infinity()));
    const float g = std::bit_cast<float>(static_cast<std::uint32_t>(r) & 0x7fffffffu);
    if (g != g || std::isinf(g) || std::isinf(f)) continue;
    REQUIRE(ulp_distance(f, g, formats::binary32) ==
            std::int64_t{std::bit_cast<std::int32_t>(g)} - std::bit_cast<std::int32_t>(f));
  }
  // Across zero: -min and +min of binary64 are two steps apart.
  CHECK(ulp_distance(-0x1p-1074, 0x1p-1074, formats::binary64) == 2);
}
