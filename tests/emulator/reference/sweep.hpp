// Provides the inputs and the comparison of the rounding sweeps: the boundary inputs of a format
// (its values, the midpoints between them, their binary64 neighbours, the ftz and tininess
// thresholds below 2^emin, the overflow threshold, specials), log-uniform random inputs, and a
// bit-exact comparison of two round_results that prints the first few mismatches.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowp/reference.hpp"

namespace lowp::test {

inline double from_bits(std::uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}
inline std::uint64_t to_bits(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// Inputs every rounding must get right whatever the format: zeros, infinities, NaNs with payloads
// (both signs, quiet and signalling), binary64 subnormals and extremes.
inline std::vector<double> special_inputs() {
  std::vector<double> v = {0.0,
                           std::numeric_limits<double>::infinity(),
                           from_bits(0x7ff8000000000000ULL),  // canonical quiet NaN
                           from_bits(0x7ff8000000000123ULL),  // quiet, payload
                           from_bits(0x7ff0000000000001ULL),  // signalling, smallest payload
                           from_bits(0x7ff4000000abcdefULL),  // signalling, payload
                           from_bits(0x7fffffffffffffffULL),  // quiet, all-ones payload
                           0x1p-1074,
                           0x1.8p-1073,
                           0x0.fffffffffffffp-1022,
                           0x1p-1022,
                           0x1.0000000000001p-1022,
                           0x1p-600,
                           0x1p-149,
                           0x1p-150,
                           0x1.0000000000001p-150,
                           1.0,
                           0x1p+128,
                           0x1p+600,
                           1e300,
                           0x1.fffffffffffffp+1023,
                           0x1p+1023};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return v;
}

// Adds v, its binary64 neighbours, the midpoint towards `next` and its neighbours.
inline void add_point_family(std::vector<double>& out, double v, double next) {
  const double inf = std::numeric_limits<double>::infinity();
  out.push_back(v);
  out.push_back(std::nextafter(v, -inf));
  out.push_back(std::nextafter(v, inf));
  if (next > v) {
    const double mid = v + (next - v) / 2;  // exact for the grids the callers build
    out.push_back(mid);
    out.push_back(std::nextafter(mid, -inf));
    out.push_back(std::nextafter(mid, inf));
  }
}

// Boundary inputs of f (both signs), built from the format's definition: every grid value of the
// IEEE-style grid (subnormals included whatever f's policy, so that the {0, 2^emin} and ftz
// thresholds are hit), the two full-precision binades below 2^emin (ftz and tininess
// thresholds), the binade above the largest value (fn formats, overflow threshold), each with its
// binary64 neighbours and the midpoint to the next grid value with its neighbours; plus
// special_inputs(). `per_binade` > 0 limits each binade to its first and last `per_binade`
// values (for wide formats), `per_edge_binade` likewise for the subnormals and the binades next
// to 2^emin and to the largest value (where the policies act); 0 takes them all.
inline std::vector<double> boundary_inputs(const format& f, std::uint64_t per_binade = 0,
                                           std::uint64_t per_edge_binade = 0) {
  const reference::format_facts k = reference::facts_of(f);
  const int m = k.p - 1;
  const std::uint64_t size = std::uint64_t{1} << m;  // values per binade
  // Significands j (from `from` to `to`) to take: all, or the first and last per_binade.
  auto take = [&](std::uint64_t from, std::uint64_t to, std::uint64_t limit, auto&& fn) {
    for (std::uint64_t j = from; j <= to; ++j) {
      if (limit != 0 && j - from >= limit && to - j >= limit) {
        j = to - limit;  // skip the middle of the binade
        continue;
      }
      fn(j);
    }
  };
  std::vector<double> pts = {0.0, k.largest, std::ldexp(1.0, k.emax + 2)};
  if (m > 0)  // the subnormal grid j * 2^(emin-m)
    take(1, size - 1, per_edge_binade,
         [&](std::uint64_t j) { pts.push_back(std::ldexp(static_cast<double>(j), k.emin - m)); });
  for (int e = k.emin - 2; e <= k.emax + 1; ++e) {
    const bool edge = e <= k.emin + 1 || e >= k.emax - 1;
    take(size, 2 * size - 1, edge ? per_edge_binade : per_binade, [&](std::uint64_t n) {
      const double v = std::ldexp(static_cast<double>(n), e - m);
      if (v != 0 && std::isfinite(v)) pts.push_back(v);
    });
  }
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  std::vector<double> out;
  out.reserve(pts.size() * 12 + 64);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    // Midpoints only between neighbours of a grid (not across a gap left by per_binade): the
    // spacing of a grid is at most the quantum of the upper value's binade.
    double next = 0;
    if (i + 1 < pts.size()) {
      const double quantum = std::ldexp(1.0, std::max(std::ilogb(pts[i + 1]), k.emin) - m);
      if (pts[i + 1] - pts[i] <= quantum) next = pts[i + 1];
    }
    add_point_family(out, pts[i], next);
  }
  const std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) out.push_back(-out[i]);
  for (double s : special_inputs()) out.push_back(s);
  return out;
}

// Random inputs for f: a quarter log-uniform over exponents from below the subnormals to above
// the overflow threshold (random 52-bit mantissas), a quarter random grid values, a quarter random
// midpoints and their binary64 neighbours (ties are where rounding modes differ), a quarter
// random bit patterns (any binary64, NaN and inf included). Both signs.
inline std::vector<double> random_inputs(const format& f, std::size_t count, std::uint64_t seed) {
  const reference::format_facts k = reference::facts_of(f);
  const int m = k.p - 1;
  std::mt19937_64 rng(seed);
  const int elo = std::max(k.emin - m - 4, -1074), ehi = std::min(k.emax + 2, 1023);
  std::uniform_int_distribution<int> exp_dist(elo, ehi);
  std::vector<double> out;
  out.reserve(count);
  while (out.size() < count) {
    const std::uint64_t r = rng();
    const bool negative = r & 1;
    double v = 0;
    switch ((r >> 1) & 3) {
      case 0:
        v = std::ldexp(1.0 + static_cast<double>(rng() >> 12) * 0x1p-52, exp_dist(rng));
        break;
      case 1:
      case 2: {
        const int e = exp_dist(rng);
        // Grid value (or midpoint) of the binade 2^e: p (or p+1) significant bits.
        const int bits = m + ((r >> 1 & 3) == 2 ? 1 : 0);
        std::uint64_t n = (std::uint64_t{1} << bits) | (rng() & ((std::uint64_t{1} << bits) - 1));
        if ((r >> 1 & 3) == 2) n |= 1;
        v = std::ldexp(static_cast<double>(n), e - bits);
        if ((r >> 1 & 3) == 2 && (r >> 3 & 3) != 0)
          v = std::nextafter(v, (r >> 3 & 3) == 1 ? 0.0 : std::numeric_limits<double>::infinity());
        break;
      }
      case 3: v = from_bits(rng()); break;
    }
    out.push_back(negative ? -v : v);
  }
  return out;
}

// Bit-exact comparison of two results of rounding x. A NaN result must be NaN with the same sign;
// when x is NaN its payload is kept, so the bits must match exactly.
inline bool same_result(const round_result& a, const round_result& b, double x) {
  if (a.ternary != b.ternary || a.flags != b.flags) return false;
  if (std::isnan(a.value) || std::isnan(b.value)) {
    if (!(std::isnan(a.value) && std::isnan(b.value))) return false;
    if (std::signbit(a.value) != std::signbit(b.value)) return false;
    return !std::isnan(x) || to_bits(a.value) == to_bits(b.value);
  }
  return to_bits(a.value) == to_bits(b.value);  // zero signs exact
}

inline std::string describe(const round_result& r) {
  return reference::to_hex(r.value) + " ternary " + std::to_string(r.ternary) + " flags [" +
         flags_to_string(r.flags, "|") + "]";
}

// Prints one mismatch (callers cap how many).
inline void print_mismatch(const char* what, const format& f, rounding mode, double x,
                           const round_result& expected, const round_result& got) {
  std::printf("MISMATCH %s: format %s mode %s x %s\n  expected %s\n  got      %s\n", what,
              to_string(f).c_str(), std::string(short_name(mode)).c_str(),
              reference::to_hex(x).c_str(), describe(expected).c_str(), describe(got).c_str());
}

}  // namespace lowp::test
