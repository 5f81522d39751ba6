// Provides the error metrics of kernel results against exact references (error in ULPs of a
// format, relative, componentwise and normwise errors), histograms of errors, and the a priori
// bounds to compare them with (gamma_n, the probabilistic lambda sqrt(n) u bound, and the
// deterministic bound of an accumulation model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/kernels/accumulation.hpp"
#include "lowp/kernels/exact.hpp"

namespace lowp::kernels {

using exact_value = exact_accumulator::double_double;

// Returns the quantum (ulp) of f's grid at |x|: 2^(max(floor(log2|x|), emin) - m), and the
// subnormal quantum 2^(emin - m) for x = 0 (f.mantissa_bits = m). Ignores f's largest value.
double ulp_of(double x, const format& f) noexcept;

// Returns computed - exact, accurate to a relative 2^-52 of the difference itself.
double signed_error(double computed, exact_value exact) noexcept;

// Returns (computed - exact) / ulp_of(exact, f): the signed error in ULPs of f (binary64 ulps
// with formats::binary64). NaN when computed is not finite.
double error_in_ulps(double computed, exact_value exact, const format& f) noexcept;

// Returns |computed - exact| / |exact| (0 when both are zero, +inf when only exact is zero).
double relative_error(double computed, exact_value exact) noexcept;

// Returns max_i |c_i - e_i| / max_i |e_i| (infinity norm; 0 when all are zero).
double normwise_error(std::size_t n, const double* computed, const exact_value* exact) noexcept;

// Returns |computed - exact| / scale, with scale = sum_k |a_k b_k| (what gamma_n bounds).
double componentwise_error(double computed, exact_value exact, double scale) noexcept;

// gamma_n = n u / (1 - n u) (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
// Lemma 3.1); +inf when n u >= 1.
double gamma(double n, double u) noexcept;

// The probabilistic bound of Higham & Mary (SIAM J. Sci. Comput. 41(5), 2019, Theorem 2.4):
// exp(lambda sqrt(n) u + n u^2 / (1 - u)) - 1, about lambda sqrt(n) u, which holds with
// probability at least probabilistic_confidence(lambda, u) for independent mean-zero errors.
double probabilistic_gamma(double n, double u, double lambda) noexcept;
// Returns 1 - 2 exp(-lambda^2 (1 - u)^2 / 2).
double probabilistic_confidence(double lambda, double u) noexcept;

// Returns the relative error bound of one rounding in mode r to f: u = 2^-p for the nearest
// modes, 2u for directed, odd and stochastic ones (normal range).
double rounding_bound(const format& f, rounding r) noexcept;

// Returns B such that |computed - exact| <= B * sum_k |a_k b_k| + (output rounding) for a dot of
// length n under model m (inputs as the model uses them; no underflow or overflow). The output
// rounding is included as (1 + u_out)(1 + B') - 1. Derivation per order in the README.
double model_error_bound(const accumulation_model& m, std::size_t n) noexcept;

// A histogram over [lo, hi) with `bins` equal bins, plus counts below and above (NaN above).
struct histogram {
  double lo = 0, hi = 1;
  std::vector<std::uint64_t> counts;
  std::uint64_t below = 0, above = 0;
  std::uint64_t total = 0;

  histogram() = default;
  histogram(double lo_, double hi_, std::size_t bins) : lo(lo_), hi(hi_), counts(bins, 0) {}
  // Counts x in its bin.
  void add(double x) noexcept;
  // Returns the left edge of bin i.
  double edge(std::size_t i) const noexcept;
};

// Running statistics of a sample (count, mean, variance by Welford's update, max |x|).
struct error_stats {
  std::uint64_t n = 0;
  double mean = 0, m2 = 0, max_abs = 0;
  // Adds one value.
  void add(double x) noexcept;
  // Returns the sample variance (0 for n < 2).
  double variance() const noexcept { return n > 1 ? m2 / static_cast<double>(n - 1) : 0.0; }
};

// The error statistics of a set of outputs against their exact values, for a study to log.
struct output_errors {
  error_stats ulps_out;       // signed error in ulps of the output format
  error_stats ulps_binary64;  // signed error in binary64 ulps
  error_stats relative;       // |error| / |exact|, over outputs whose exact value is nonzero
  error_stats componentwise;  // |error| / sum_k |a_k b_k|, over outputs with a nonzero scale
  histogram abs_ulps_out{0, 8, 64};  // |error| in output ulps, 1/8-ulp bins up to 8
  double normwise = 0;        // max |error| / max |exact|
  double max_componentwise_bound_ratio = 0;  // max componentwise / model_error_bound (<= 1 holds)
  std::uint64_t not_finite = 0;  // outputs whose computed value is inf or NaN (left out above)
};

// Returns the exact value and the scale sum_k |a_k b_k| of GEMM entry (i, j) (layout of
// reference.hpp) on the inputs given (pass the inputs as the model rounded them to measure the
// accumulation alone, or the original inputs to include the input rounding).
struct exact_entry {
  exact_value value;
  double scale;
};
exact_entry exact_gemm_value(std::size_t K, const double* A, std::size_t lda, const double* B,
                             std::size_t ldb, std::size_t i, std::size_t j);

// Fills the statistics of outputs computed[t] against exact[t] (t < n) under model m with dot
// length K (for the bound).
output_errors measure_errors(const accumulation_model& m, std::size_t K, std::size_t n,
                             const double* computed, const exact_entry* exact);

}  // namespace lowp::kernels
