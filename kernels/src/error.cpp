// Error metrics, bounds and histograms of error.hpp.
#include "lowp/kernels/error.hpp"

#include <cmath>
#include <limits>

namespace lowp::kernels {

double ulp_of(double x, const format& f) noexcept {
  const int emin = f.emin();
  int e = emin;
  if (x != 0 && std::isfinite(x)) e = std::max(std::ilogb(x), emin);
  return std::ldexp(1.0, e - f.mantissa_bits);
}

double signed_error(double computed, exact_value exact) noexcept {
  // TwoSum of computed and -hi: s + t = computed - hi exactly.
  const double s = computed - exact.hi;
  const double bb = s - computed;
  const double t = (computed - (s - bb)) + (-exact.hi - bb);
  return s + (t - exact.lo);
}

double error_in_ulps(double computed, exact_value exact, const format& f) noexcept {
  if (!std::isfinite(computed)) return std::numeric_limits<double>::quiet_NaN();
  return signed_error(computed, exact) / ulp_of(exact.hi, f);
}

double relative_error(double computed, exact_value exact) noexcept {
  const double d = std::fabs(signed_error(computed, exact));
  if (exact.hi == 0) return d == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return d / std::fabs(exact.hi);
}

double normwise_error(std::size_t n, const double* computed, const exact_value* exact) noexcept {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < n; ++i) {
    num = std::max(num, std::fabs(signed_error(computed[i], exact[i])));
    den = std::max(den, std::fabs(exact[i].hi));
  }
  if (den == 0) return num == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return num / den;
}

double componentwise_error(double computed, exact_value exact, double scale) noexcept {
  const double d = std::fabs(signed_error(computed, exact));
  if (scale == 0) return d == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return d / scale;
}

double gamma(double n, double u) noexcept {
  const double nu = n * u;
  return nu >= 1 ? std::numeric_limits<double>::infinity() : nu / (1 - nu);
}

double probabilistic_gamma(double n, double u, double lambda) noexcept {
  return std::expm1(lambda * std::sqrt(n) * u + n * u * u / (1 - u));
}

double probabilistic_confidence(double lambda, double u) noexcept {
  return 1 - 2 * std::exp(-lambda * lambda * (1 - u) * (1 - u) / 2);
}

double rounding_bound(const format& f, rounding r) noexcept {
  const double u = f.unit_roundoff();
  return is_nearest(r) ? u : 2 * u;
}

namespace {

// (1 + d)^k - 1 for k roundings of relative error at most d each (gamma_k when d = u).
double compound(double k, double d) noexcept {
  if (k <= 0) return 0;
  return std::expm1(k * std::log1p(d));
}

std::uint64_t ceil_log2(std::uint64_t n) noexcept {
  std::uint64_t d = 0;
  while ((std::uint64_t{1} << d) < n) ++d;
  return d;
}

}  // namespace

double model_error_bound(const accumulation_model& m, std::size_t n) noexcept {
  const double ua = rounding_bound(m.accumulator, m.accumulator_mode);
  const double up = m.round_products ? rounding_bound(m.product, m.product_mode) : 0.0;
  // One step into the accumulator: a rounding (ua), or for a group sum the truncation of at most
  // group + 1 terms to 2^(1-w) of the largest, then a rounding.
  const double g = m.group > 0 ? m.group : 1;
  const double step = m.group > 0 ? ua + (g + 1) * std::ldexp(1.0, 1 - m.group_bits) * (1 + ua) : ua;
  auto run = [&](double len) { return compound(m.group > 0 ? std::ceil(len / g) : len, step); };
  double b = 0;  // relative bound of the accumulation, before product and output roundings
  const auto nn = static_cast<double>(n);
  switch (m.order) {
    case order_kind::sequential: b = run(nn); break;
    case order_kind::pairwise: b = compound(static_cast<double>(ceil_log2(n) + 1), ua); break;
    case order_kind::blocked:
    case order_kind::split_k: {
      const double parts = m.order == order_kind::blocked
                               ? std::max(1.0, std::ceil(nn / m.block))
                               : static_cast<double>(m.block);
      const double len = m.order == order_kind::blocked ? std::min(nn, double(m.block))
                                                        : std::ceil(nn / m.block);
      const double uc = m.wide_combine ? rounding_bound(m.combine_format, m.combine_mode) : ua;
      const double depth = m.combine == combine_kind::sequential
                               ? parts - 1
                               : static_cast<double>(ceil_log2(static_cast<std::uint64_t>(parts)));
      const double upart = m.round_partials ? rounding_bound(m.partial, m.partial_mode) : 0.0;
      b = (1 + run(len)) * (1 + upart) * (1 + compound(depth, uc)) - 1;
      break;
    }
  }
  const double uo = rounding_bound(m.output, m.output_mode);
  return (1 + up) * (1 + b) * (1 + uo) - 1;
}

void histogram::add(double x) noexcept {
  ++total;
  if (x < lo) {
    ++below;
    return;
  }
  if (!(x < hi) || counts.empty()) {
    ++above;
    return;
  }
  auto i = static_cast<std::size_t>((x - lo) / (hi - lo) * static_cast<double>(counts.size()));
  if (i >= counts.size()) i = counts.size() - 1;
  ++counts[i];
}

double histogram::edge(std::size_t i) const noexcept {
  return lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(counts.size());
}

void error_stats::add(double x) noexcept {
  ++n;
  const double d = x - mean;
  mean += d / static_cast<double>(n);
  m2 += d * (x - mean);
  max_abs = std::max(max_abs, std::fabs(x));
}

exact_entry exact_gemm_value(std::size_t K, const double* A, std::size_t lda, const double* B,
                             std::size_t ldb, std::size_t i, std::size_t j) {
  exact_accumulator scale;
  for (std::size_t k = 0; k < K; ++k)
    scale.add_product(std::fabs(A[i * lda + k]), std::fabs(B[k * ldb + j]));
  return {exact_gemm_entry(K, A, lda, B, ldb, i, j).to_double_double(),
          scale.round(formats::binary64, rounding::up).value};
}

output_errors measure_errors(const accumulation_model& m, std::size_t K, std::size_t n,
                             const double* computed, const exact_entry* exact) {
  output_errors r;
  const double bound = model_error_bound(m, K);
  double num = 0, den = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const double c = computed[t];
    const exact_entry& e = exact[t];
    den = std::max(den, std::fabs(e.value.hi));
    if (!std::isfinite(c)) {
      ++r.not_finite;
      continue;
    }
    const double d = signed_error(c, e.value);
    num = std::max(num, std::fabs(d));
    const double u = error_in_ulps(c, e.value, m.output);
    r.ulps_out.add(u);
    r.abs_ulps_out.add(std::fabs(u));
    r.ulps_binary64.add(error_in_ulps(c, e.value, formats::binary64));
    if (e.value.hi != 0) r.relative.add(relative_error(c, e.value));
    if (e.scale != 0) {
      const double cw = componentwise_error(c, e.value, e.scale);
      r.componentwise.add(cw);
      r.max_componentwise_bound_ratio = std::max(r.max_componentwise_bound_ratio, cw / bound);
    }
  }
  r.normwise = den == 0 ? (num == 0 ? 0.0 : std::numeric_limits<double>::infinity()) : num / den;
  return r;
}

}  // namespace lowp::kernels
