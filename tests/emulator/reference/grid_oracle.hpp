// Provides grid_oracle, a fast exact stand-in for lowp::reference::round_on_grid on small formats:
// it enumerates the format's grid values from the format's definition and rounds by binary search
// among them, with ties and round-to-odd decided by the parity of each value's integer
// significand. It shares no code with round.hpp nor with the MPFR path; round_mpfr_test proves it
// against MPFR, and round_exhaustive_test then uses it for the 630-format sweep, where MPFR would
// take hours.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "lowp/reference.hpp"

namespace lowp::test {

class grid_oracle {
 public:
  // Builds the tables of f. Needs every grid value and midpoint to be a binary64 and the tables
  // to stay small (p <= 24, at most 2^22 values per table).
  explicit grid_oracle(const format& f) : f_(f), k_(reference::facts_of(f)) {
    const int m = k_.p - 1;
    if (k_.p > 24 || k_.emin - m - 2 < -1074 || k_.emax - k_.emin > 4096)
      throw std::invalid_argument("grid_oracle: format too wide for value tables");
    const bool two_point = !f.has_zero || f.subnormals == subnormal_mode::off;
    // The policy grid below 2^emin: subnormals, {0} (then 2^emin), or for ftz the full-precision
    // binade just below 2^emin (values further down are all flushed, see operator()).
    if (f.subnormals == subnormal_mode::ftz && !two_point) {
      add_binade(main_, k_.emin - 1);
    } else {
      add(main_, 0.0, false);
      if (!two_point)
        for (std::uint64_t j = 1; j < (std::uint64_t{1} << m); ++j)
          add(main_, std::ldexp(static_cast<double>(j), k_.emin - m), j & 1);
    }
    // Normal binades, unbounded above up to 2^(emax+2): every input at or beyond it overflows.
    for (int e = k_.emin; e <= k_.emax + 1; ++e) add_binade(main_, e);
    add(main_, std::ldexp(1.0, k_.emax + 2), m == 0);
    // Tininess after rounding: precision p with an unbounded exponent, where it decides (the
    // binade just below 2^emin; everything lower stays below).
    add_binade(tiny_, k_.emin - 1);
    add(tiny_, k_.smallest_normal, m == 0);
    two_point_ = two_point;
    if (main_.size() > (1u << 22)) throw std::invalid_argument("grid_oracle: table too large");
  }

  // The grid rounding of a finite nonzero x, as round_on_grid defines it.
  reference::grid_rounding operator()(double x, const format& f, const reference::format_facts&,
                                      rounding mode) const {
    if (!(f == f_)) throw std::invalid_argument("grid_oracle: built for another format");
    const bool negative = x < 0;
    const double a = std::fabs(x);
    reference::grid_rounding r{0.0, false, false};
    if (a < k_.smallest_normal) {
      if (a < k_.smallest_normal / 2)
        r.tiny = true;
      else
        r.tiny = pick(tiny_, a, mode, negative, false).value < k_.smallest_normal;
    }
    if (f.subnormals == subnormal_mode::ftz && !two_point_ && a < main_.front().value) {
      // Below 2^(emin-1): the precision-p rounding stays below 2^emin, which is all finish()
      // needs to flush it.
      r.value = negative ? -0.0 : 0.0;
      return r;
    }
    if (a >= main_.back().value) {
      r.overflow = true;
      return r;
    }
    const point c = pick(main_, a, mode, negative, two_point_);
    r.overflow = c.value > k_.largest;
    r.value = negative ? -c.value : c.value;
    return r;
  }

 private:
  struct point {
    double value;
    bool odd;  // the integer significand of value on its binade's quantum is odd
    bool operator<(double a) const { return value < a; }
  };

  static void add(std::vector<point>& t, double v, bool odd) { t.push_back({v, odd}); }

  // Adds the binade [2^e, 2^(e+1)): (2^m + j) * 2^(e-m), j = 0 .. 2^m - 1.
  void add_binade(std::vector<point>& t, int e) const {
    const int m = k_.p - 1;
    for (std::uint64_t j = 0; j < (std::uint64_t{1} << m); ++j) {
      const std::uint64_t n = (std::uint64_t{1} << m) + j;
      add(t, std::ldexp(static_cast<double>(n), e - m), n & 1);
    }
  }

  // Rounds the magnitude a (table.front() <= a < table.back()) within `table`. `ties_up_first`:
  // the first interval is {0, 2^emin}, where nearest ties go up.
  static point pick(const std::vector<point>& table, double a, rounding mode, bool negative,
                    bool ties_up_first) {
    auto it = std::lower_bound(table.begin(), table.end(), a);  // first value >= a
    if (it->value == a) return *it;
    const point hi = *it;
    const point lo = *(it - 1);
    const bool first = (it - 1) == table.begin();
    // The direction of the magnitude.
    switch (mode) {
      case rounding::toward_zero: return lo;
      case rounding::up: return negative ? lo : hi;
      case rounding::down: return negative ? hi : lo;
      case rounding::odd: return lo.odd ? lo : hi;
      default: break;
    }
    const double mid = lo.value + (hi.value - lo.value) / 2;  // exact: p + 1 bits, in range
    if (a < mid) return lo;
    if (a > mid) return hi;
    if (first && ties_up_first) return hi;
    switch (mode) {
      case rounding::nearest_even: return lo.odd ? hi : lo;
      case rounding::nearest_away: return hi;
      case rounding::nearest_zero: return lo;
      default: throw std::invalid_argument("grid_oracle: stochastic modes are not supported");
    }
  }

  format f_;
  reference::format_facts k_;
  std::vector<point> main_, tiny_;
  bool two_point_ = false;
};

}  // namespace lowp::test
