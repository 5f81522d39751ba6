// Provides the 1-D Wasserstein distance W1 between two samples, exact for their empirical
// distributions: the integral over the real line of |F1(x) - F2(x)|.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

namespace lowp::models {

// Returns W1 between the empirical distributions of a and b (each value weight 1/size): the sum
// over the merged sorted values of |F1 - F2| times the gap to the next value, with F1 and F2
// the step functions (exact counts i / m, j / n). Returns +inf when a value is not finite (a run
// that blew up is infinitely far from any climate); throws std::invalid_argument on an empty sample.
inline double wasserstein1(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) throw std::invalid_argument("wasserstein1: empty sample");
  for (std::span<const double> s : {a, b})
    for (double v : s)
      if (!std::isfinite(v)) return std::numeric_limits<double>::infinity();
  std::vector<double> x(a.begin(), a.end()), y(b.begin(), b.end());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const auto m = static_cast<long double>(x.size());
  const auto n = static_cast<long double>(y.size());
  std::size_t i = 0, j = 0;  // values of x (y) at or below the current point
  long double total = 0;
  double at = std::min(x[0], y[0]);
  while (i < x.size() || j < y.size()) {
    // Take every value equal to `at`, then integrate |F1 - F2| up to the next value.
    while (i < x.size() && x[i] == at) ++i;
    while (j < y.size() && y[j] == at) ++j;
    if (i == x.size() && j == y.size()) break;
    const double next = std::min(i < x.size() ? x[i] : y[j], j < y.size() ? y[j] : x[i]);
    const long double gap = static_cast<long double>(next) - static_cast<long double>(at);
    // |i/m - j/n| = |i n - j m| / (m n): integers, exact in long double for samples below 2^32.
    const long double diff = static_cast<long double>(i) * n - static_cast<long double>(j) * m;
    total += (diff < 0 ? -diff : diff) * gap;
    at = next;
  }
  return static_cast<double>(total / (m * n));
}

inline double wasserstein1(const std::vector<double>& a, const std::vector<double>& b) {
  return wasserstein1(std::span<const double>(a), std::span<const double>(b));
}

}  // namespace lowp::models
