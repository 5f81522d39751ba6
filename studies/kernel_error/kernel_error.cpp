// Implements the kernel_error study's sweep (see kernel_error.hpp): models, data, and one run.
#include "kernel_error.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "lowp/kernels/definition.hpp"
#include "lowp/kernels/error.hpp"
#include "lowp/kernels/exact.hpp"
#include "lowp/kernels/fast.hpp"
#include "lowp/kernels/reference.hpp"
#include "lowp/random.hpp"

namespace lowp::study::kernel_error {

namespace k = lowp::kernels;

namespace {

// Returns FNV-1a of a string: the stream number of a named random stream.
std::uint64_t hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
  return h;
}

// Returns "2^e" for a power of two, else the number.
std::string pow2_text(double x) {
  int e = 0;
  const double m = std::frexp(x, &e);
  if (m == 0.5) return "2^" + std::to_string(e - 1);
  return fmt_g(x, 4);
}

struct named_model {
  const char* name;
  k::accumulation_model (*make)();
};

// The study's models. Output formats: the accumulator's (so the output rounding is the identity
// and "ulps of the output format" are ulps of the accumulator) except where a model stores its
// result in another format. Stochastic models use 64 random bits per rounding.
const named_model models_table[] = {
    {"fp32_seq_rn", [] { return k::models::sequential(formats::binary32, rounding::nearest_even, formats::binary32); }},
    {"bf16_seq_rn", [] { return k::models::sequential(formats::bfloat16, rounding::nearest_even, formats::bfloat16); }},
    {"bf16_seq_sr", [] { return k::models::sequential(formats::bfloat16, rounding::stochastic, formats::bfloat16); }},
    {"fp16_seq_rn", [] { return k::models::sequential(formats::binary16, rounding::nearest_even, formats::binary16); }},
    {"fp16_seq_sr", [] { return k::models::sequential(formats::binary16, rounding::stochastic, formats::binary16); }},
    {"fp16_unfused_rn",
     [] {
       return k::models::unfused(
           k::models::sequential(formats::binary16, rounding::nearest_even, formats::binary16),
           formats::binary16);
     }},
    {"bf16_pairwise_rn", [] { return k::models::pairwise(formats::bfloat16, rounding::nearest_even, formats::bfloat16); }},
    {"bf16_pairwise_sr", [] { return k::models::pairwise(formats::bfloat16, rounding::stochastic, formats::bfloat16); }},
    {"bf16_blocked32_rn",
     [] {
       return k::models::blocked(formats::bfloat16, 32, k::combine_kind::pairwise, rounding::nearest_even,
                                 formats::bfloat16);
     }},
    {"bf16_splitk8_rn",
     [] {
       return k::models::split_k(formats::bfloat16, 8, k::combine_kind::sequential, rounding::nearest_even,
                                 formats::bfloat16);
     }},
    {"fp32_splitk8_bf16_partials",
     [] {
       k::accumulation_model m = k::models::split_k(formats::binary32, 8, k::combine_kind::sequential,
                                                    rounding::nearest_even, formats::bfloat16);
       m.round_partials = true;
       m.partial = formats::bfloat16;
       return m;
     }},
    {"bf16_promoted32_fp32",
     [] {
       return k::models::promoted(formats::bfloat16, 32, formats::binary32, rounding::nearest_even,
                                  formats::binary32);
     }},
    {"hopper_fp8_mma", [] { return k::presets::hopper_fp8_mma(); }},
    {"hopper_fp8_promoted", [] { return k::presets::hopper_fp8_promoted(); }},
    {"blackwell_fp8_mma", [] { return k::presets::blackwell_fp8_mma(); }},
};

// Returns the smallest largest-finite value among the formats the model rounds to: partial sums
// and products beyond it overflow, which the a priori bounds exclude by hypothesis.
double range_limit(const k::accumulation_model& m) {
  double v = std::min(m.accumulator.largest(), m.output.largest());
  if (m.round_products) v = std::min(v, m.product.largest());
  if (m.round_partials) v = std::min(v, m.partial.largest());
  if (m.wide_combine) v = std::min(v, m.combine_format.largest());
  return v;
}

std::uint64_t ceil_log2(std::uint64_t n) {
  std::uint64_t d = 0;
  while ((std::uint64_t{1} << d) < n) ++d;
  return d;
}

// The value of percentile q (0..1) of a sorted sample by the nearest-rank rule.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// One measured output: the computed value and the exact one with its scale sum |a_k b_k|.
struct measured {
  double computed;
  k::exact_value exact;
  double scale;
};

// Returns the exact dot of x and y (n terms, strides) and sum |x_k y_k| rounded up.
measured exact_of(std::size_t n, const double* x, std::ptrdiff_t incx, const double* y,
                  std::ptrdiff_t incy) {
  k::exact_accumulator v, s;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = x[static_cast<std::ptrdiff_t>(i) * incx];
    const double b = y ? y[static_cast<std::ptrdiff_t>(i) * incy] : 1.0;
    v.add_product(a, b);
    s.add_product(std::fabs(a), std::fabs(b));
  }
  return {0.0, v.to_double_double(), s.round(formats::binary64, rounding::up).value};
}

// Returns the inputs of operand `which` as model m uses them (flat positions = array indices).
std::vector<double> model_inputs(const k::accumulation_model& m, const std::vector<double>& v,
                                 std::uint64_t which) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = k::model_input(m, v[i], which, i);
  return out;
}

std::vector<double> draw_vector(const std::string& dist, std::uint64_t seed, std::uint64_t stream,
                                std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = draw(dist, seed, stream, i);
  return v;
}

// Returns the side s of the GEMM at n: the smallest power of two with s^2 >= 2 x outputs (so
// about half the entries are sampled), at most gemm_size.
std::size_t gemm_side(const config& c, std::size_t outputs) {
  std::size_t s = 2;
  while (s * s < 2 * outputs && s < static_cast<std::size_t>(c.gemm_size)) s *= 2;
  return std::min(s, static_cast<std::size_t>(c.gemm_size));
}

// Computes the outputs of one level (n = 2^log2n) of task t under model m: fills `out` with the
// computed values, exact values and scales; returns the number of outputs whose fast-path value
// differs from the definition loop (-1 when not checked).
std::int64_t run_level(const config& c, const task& t, k::accumulation_model m, int log2n,
                       std::vector<measured>& out, std::size_t& rows, std::size_t& cols) {
  const std::size_t n = std::size_t{1} << log2n;
  const std::size_t count = outputs_at(c, log2n);
  const bool check = log2n <= c.check_log2n_max;
  const k::fast_options one_thread{1};
  // Data streams depend on (seed, distribution, kernel, n) only: every model sees the same data.
  const std::uint64_t data_stream =
      hash("data " + t.distribution + " " + t.kernel) + static_cast<std::uint64_t>(log2n) * 1000003ULL;
  // Model seeds depend on (seed, run, n, trial): independent stochastic roundings per output.
  const std::uint64_t model_seed = random_stream(c.common.seed, hash(t.name()))(static_cast<std::uint64_t>(log2n));
  std::int64_t mismatches = check ? 0 : -1;
  out.clear();
  rows = cols = 0;
  if (t.kernel == "sum" || t.kernel == "dot") {
    const bool dot = t.kernel == "dot";
    for (std::size_t tr = 0; tr < count; ++tr) {
      const std::vector<double> x = draw_vector(t.distribution, c.common.seed, data_stream + 2 * tr * 7919ULL, n);
      const std::vector<double> y =
          dot ? draw_vector(t.distribution, c.common.seed, data_stream + (2 * tr + 1) * 7919ULL, n) : std::vector<double>{};
      m.seed = random_stream(model_seed, 1)(tr);
      const double v = dot ? k::dot(m, n, x.data(), y.data(), 1, 1, one_thread) : k::sum(m, n, x.data(), 1, one_thread);
      if (check) {
        const double r = dot ? k::reference_dot(m, n, x.data(), y.data()) : k::reference_sum(m, n, x.data());
        if (__builtin_bit_cast(std::uint64_t, r) != __builtin_bit_cast(std::uint64_t, v)) ++mismatches;
      }
      const std::vector<double> xa = model_inputs(m, x, k::role::input_a);
      const std::vector<double> yb = dot ? model_inputs(m, y, k::role::input_b) : std::vector<double>{};
      measured e = exact_of(n, xa.data(), 1, dot ? yb.data() : nullptr, 1);
      e.computed = v;
      out.push_back(e);
    }
    return mismatches;
  }
  m.seed = model_seed;
  if (t.kernel == "gemv") {
    rows = count;
    cols = n;
    const std::vector<double> A = draw_vector(t.distribution, c.common.seed, data_stream, count * n);
    const std::vector<double> x = draw_vector(t.distribution, c.common.seed, data_stream + 7919ULL, n);
    std::vector<double> y(count);
    k::gemv(m, count, n, A.data(), n, x.data(), y.data(), one_thread);
    if (check) {
      std::vector<double> r(count);
      k::reference_gemv(m, count, n, A.data(), n, x.data(), r.data());
      for (std::size_t i = 0; i < count; ++i)
        if (__builtin_bit_cast(std::uint64_t, r[i]) != __builtin_bit_cast(std::uint64_t, y[i])) ++mismatches;
    }
    const std::vector<double> Aa = model_inputs(m, A, k::role::input_a);
    const std::vector<double> xb = model_inputs(m, x, k::role::input_b);
    for (std::size_t i = 0; i < count; ++i) {
      measured e = exact_of(n, Aa.data() + i * n, 1, xb.data(), 1);
      e.computed = y[i];
      out.push_back(e);
    }
    return mismatches;
  }
  // GEMM: s x s outputs, `count` of them sampled (distinct, in a random order fixed by the seed).
  const std::size_t s = gemm_side(c, count);
  rows = cols = s;
  const std::vector<double> A = draw_vector(t.distribution, c.common.seed, data_stream, s * n);
  const std::vector<double> B = draw_vector(t.distribution, c.common.seed, data_stream + 7919ULL, n * s);
  std::vector<double> C(s * s);
  k::gemm(m, s, s, n, A.data(), n, B.data(), s, C.data(), s, one_thread);
  std::vector<std::size_t> entries(s * s);
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i] = i;
  const random_stream pick(c.common.seed, data_stream + 3 * 7919ULL);
  for (std::size_t i = entries.size(); i > 1; --i)  // Fisher-Yates (the bias of % is irrelevant here)
    std::swap(entries[i - 1], entries[pick(i) % i]);
  entries.resize(std::min(count, entries.size()));
  std::sort(entries.begin(), entries.end());
  const std::vector<double> Aa = model_inputs(m, A, k::role::input_a);
  const std::vector<double> Bb = model_inputs(m, B, k::role::input_b);
  for (std::size_t at : entries) {
    const std::size_t i = at / s, j = at % s;
    if (check) {
      const double r = k::model_dot(
          m, n, [&](std::uint64_t kk) { return Aa[i * n + kk]; }, [&](std::uint64_t kk) { return Bb[kk * s + j]; },
          i * s + j);
      if (__builtin_bit_cast(std::uint64_t, r) != __builtin_bit_cast(std::uint64_t, C[at])) ++mismatches;
    }
    measured e = exact_of(n, Aa.data() + i * n, 1, Bb.data() + j, static_cast<std::ptrdiff_t>(s));
    e.computed = C[at];
    out.push_back(e);
  }
  return mismatches;
}

}  // namespace

double draw(const std::string& distribution, std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const random_stream rs(seed, stream);
  const double two53 = std::ldexp(1.0, -53);
  const double u1 = static_cast<double>(rs(3 * index) >> 11) * two53;
  if (distribution == "uniform") return u1;
  const double u2 = static_cast<double>(rs(3 * index + 1) >> 11) * two53;
  const double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
  if (distribution == "normal") return z;
  return (rs(3 * index + 2) >> 59) == 0 ? 64.0 * z : z;  // outliers: one in 32 scaled by 64
}

std::vector<std::string> model_names() {
  std::vector<std::string> v;
  for (const named_model& m : models_table) v.emplace_back(m.name);
  return v;
}

k::accumulation_model model_by_name(const std::string& name) {
  for (const named_model& m : models_table)
    if (name == m.name) return m.make();
  std::string all;
  for (const named_model& m : models_table) all += (all.empty() ? "" : ", ") + std::string(m.name);
  throw usage_error("--models: unknown model '" + name + "' (" + all + ")");
}

double effective_depth(const k::accumulation_model& m, std::uint64_t n) {
  const auto nn = static_cast<double>(n);
  auto run = [&](double len) { return m.group > 0 ? std::ceil(len / m.group) : len; };
  switch (m.order) {
    case k::order_kind::sequential: return run(nn);
    case k::order_kind::pairwise: return static_cast<double>(ceil_log2(n) + 1);
    case k::order_kind::blocked:
    case k::order_kind::split_k: {
      const bool blocked = m.order == k::order_kind::blocked;
      const double parts = blocked ? std::max(1.0, std::ceil(nn / m.block)) : static_cast<double>(m.block);
      const double len = blocked ? std::min(nn, static_cast<double>(m.block)) : std::ceil(nn / m.block);
      const double depth = m.combine == k::combine_kind::sequential
                               ? parts - 1
                               : static_cast<double>(ceil_log2(static_cast<std::uint64_t>(parts)));
      return run(len) + (m.round_partials ? 1 : 0) + depth;
    }
  }
  return nn;
}

std::string bound_rule(const k::accumulation_model& m) {
  const double ua = k::rounding_bound(m.accumulator, m.accumulator_mode);
  const std::string d = "d = " + pow2_text(ua) + (is_nearest(m.accumulator_mode) ? " (u)" : " (2u)");
  std::string run = "(1+d)^len - 1";
  std::string step = d;
  if (m.group > 0) {
    run = "(1+d')^ceil(len/" + std::to_string(m.group) + ") - 1";
    step = "d' = d + " + std::to_string(m.group + 1) + "*2^" + std::to_string(1 - m.group_bits) + "*(1+d), " + d;
  }
  std::string s;
  switch (m.order) {
    case k::order_kind::sequential: s = run + ", len = n; " + step; break;
    case k::order_kind::pairwise: s = "(1+d)^(ceil(log2 n)+1) - 1; " + d; break;
    case k::order_kind::blocked:
    case k::order_kind::split_k: {
      const bool blocked = m.order == k::order_kind::blocked;
      s = "(1+" + run + ")";
      if (m.round_partials)
        s += "(1+" + pow2_text(k::rounding_bound(m.partial, m.partial_mode)) + ")";
      s += "(1+d_c)^depth - 1, len = " + (blocked ? std::to_string(m.block) : "ceil(n/" + std::to_string(m.block) + ")");
      s += ", depth = ";
      const std::string parts = blocked ? "ceil(n/" + std::to_string(m.block) + ")" : std::to_string(m.block);
      s += m.combine == k::combine_kind::sequential ? parts + "-1" : "ceil(log2 " + parts + ")";
      s += "; " + step;
      if (m.wide_combine) s += ", d_c = " + pow2_text(k::rounding_bound(m.combine_format, m.combine_mode));
      else s += ", d_c = d";
      break;
    }
  }
  if (m.round_products) s += "; times (1+" + pow2_text(k::rounding_bound(m.product, m.product_mode)) + ") for products";
  return s + "; times (1+" + pow2_text(k::rounding_bound(m.output, m.output_mode)) + ") for the output";
}

std::string task::name() const { return kernel + "_" + model + "_" + distribution; }

std::size_t outputs_at(const config& c, int log2n) {
  const double by_work = std::ldexp(1.0, c.log2_work - log2n);
  const double v = std::clamp(by_work, static_cast<double>(c.min_outputs), static_cast<double>(c.outputs));
  return static_cast<std::size_t>(v);
}

void add_options(option_parser& p, config& c) {
  p.add_common(c.common);
  p.add("kernels", c.kernels, "kernels (sum, dot, gemv, gemm)");
  p.add("models", c.models, "accumulation models (default: all; see the README)");
  p.add("distributions", c.distributions, "data distributions (uniform, normal, outliers)");
  p.add("log2n-min", c.log2n_min, "smallest log2 n (dot length)");
  p.add("log2n-max", c.log2n_max, "largest log2 n (quick: 14)");
  p.add("outputs", c.outputs, "outputs measured per n, at most (quick: 64)");
  p.add("min-outputs", c.min_outputs, "outputs measured per n, at least (quick: 8)");
  p.add("log2-work", c.log2_work, "outputs x n is kept near 2^this between the two limits (quick: 16)");
  p.add("gemm-size", c.gemm_size, "largest GEMM side M = N (entries are sampled)");
  p.add("check-log2n-max", c.check_log2n_max, "compare the fast path with the definition loop up to this log2 n");
  p.add("lambda", c.lambda, "lambda of the probabilistic bound lambda sqrt(n) u");
}

void apply_quick(const option_parser& p, config& c) {
  if (!c.common.quick) return;
  if (!p.given("log2n-max")) c.log2n_max = 14;
  if (!p.given("outputs")) c.outputs = 64;
  if (!p.given("log2-work")) c.log2_work = 16;
  if (!p.given("min-outputs")) c.min_outputs = 8;
}

std::vector<task> make_tasks(const config& c) {
  for (const std::string& kn : c.kernels)
    if (kn != "sum" && kn != "dot" && kn != "gemv" && kn != "gemm")
      throw usage_error("--kernels: unknown kernel '" + kn + "' (sum, dot, gemv, gemm)");
  for (const std::string& d : c.distributions)
    if (d != "uniform" && d != "normal" && d != "outliers")
      throw usage_error("--distributions: unknown distribution '" + d + "' (uniform, normal, outliers)");
  const std::vector<std::string> models = c.models.empty() ? model_names() : c.models;
  for (const std::string& m : models) (void)model_by_name(m);
  if (c.kernels.empty() || models.empty() || c.distributions.empty())
    throw usage_error("--kernels, --models and --distributions must not be empty");
  if (c.log2n_min < 1 || c.log2n_max > 24 || c.log2n_min > c.log2n_max)
    throw usage_error("--log2n-min/max must satisfy 1 <= min <= max <= 24");
  if (c.min_outputs < 2 || c.outputs < c.min_outputs || c.outputs > 4096)
    throw usage_error("--outputs and --min-outputs must satisfy 2 <= min-outputs <= outputs <= 4096");
  if (c.log2_work < 4 || c.log2_work > 30) throw usage_error("--log2-work must lie in 4..30");
  if (c.gemm_size < 2 || c.gemm_size > 256) throw usage_error("--gemm-size must lie in 2..256");
  if (!(c.lambda > 0) || c.lambda > 10) throw usage_error("--lambda must lie in (0, 10]");
  std::vector<task> tasks;
  // Most expensive first: the definition-loop models (group sums, pairwise) and GEMM.
  auto cost = [](const std::string& model, const std::string& kernel) {
    const k::accumulation_model m = model_by_name(model);
    int v = (m.group > 0 || m.order == k::order_kind::pairwise) ? 2 : 0;
    return v + (kernel == "gemm" ? 1 : 0);
  };
  for (const std::string& kn : c.kernels)
    for (const std::string& m : models)
      for (const std::string& d : c.distributions) tasks.push_back({kn, m, d});
  std::stable_sort(tasks.begin(), tasks.end(), [&](const task& a, const task& b) {
    return cost(a.model, a.kernel) > cost(b.model, b.kernel);
  });
  return tasks;
}

record run_task(const config& c, const task& t) {
  const k::accumulation_model m = model_by_name(t.model);
  const int levels = c.log2n_max - c.log2n_min + 1;
  const auto width = static_cast<std::size_t>(c.outputs);
  const auto L = static_cast<std::size_t>(levels);
  const double u_acc = k::rounding_bound(m.accumulator, m.accumulator_mode);
  std::vector<std::int64_t> ns, counts, rows_out, cols_out, mismatch, not_finite, not_finite_in_range, within_prob;
  const double limit = range_limit(m);
  std::vector<double> depth, bound, gam, prob;
  std::vector<double> signed_err(L * width, NAN), ulps(L * width, NAN), rel(L * width, NAN), computed(L * width, NAN),
      exact(L * width, NAN), scales(L * width, NAN);
  std::vector<double> max_ulps, mean_ulps, p50, p90, p99, max_rel, mean_rel, rms_cw, mean_cw, sd_cw, max_ratio,
      mean_computed, mean_exact;
  constexpr std::size_t bins = 64;
  std::vector<std::int64_t> hist(L * bins, 0), hist_below, hist_above;
  std::vector<measured> out;
  for (int l = 0; l < levels; ++l) {
    const int log2n = c.log2n_min + l;
    const std::uint64_t n = std::uint64_t{1} << log2n;
    std::size_t rows = 0, cols = 0;
    mismatch.push_back(run_level(c, t, m, log2n, out, rows, cols));
    ns.push_back(static_cast<std::int64_t>(n));
    counts.push_back(static_cast<std::int64_t>(out.size()));
    rows_out.push_back(static_cast<std::int64_t>(rows));
    cols_out.push_back(static_cast<std::int64_t>(cols));
    const double b = k::model_error_bound(m, n), dep = effective_depth(m, n);
    const double pb = k::probabilistic_gamma(dep, u_acc, c.lambda);
    depth.push_back(dep);
    bound.push_back(b);
    gam.push_back(k::gamma(dep, u_acc));
    prob.push_back(pb);
    k::histogram h(-8, 24, bins);  // log2 |error in output ulps|, half-octave bins
    std::vector<double> abs_ulps, cw;
    double mx_rel = 0, sum_rel = 0, mx_ratio = 0, sum_c = 0, sum_e = 0;
    std::int64_t bad = 0, bad_in_range = 0, within = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const measured& e = out[i];
      const std::size_t at = static_cast<std::size_t>(l) * width + i;
      computed[at] = e.computed;
      exact[at] = e.exact.hi;
      scales[at] = e.scale;
      sum_c += e.computed;
      sum_e += e.exact.hi;
      if (!std::isfinite(e.computed)) {
        ++bad;
        // Overflow is possible only when the products or partial sums can reach the range's end.
        if (e.scale < limit / 2) ++bad_in_range;
        continue;
      }
      const double u = k::error_in_ulps(e.computed, e.exact, m.output);
      const double r = k::relative_error(e.computed, e.exact);
      const double s = e.scale == 0 ? 0.0 : k::signed_error(e.computed, e.exact) / e.scale;
      ulps[at] = u;
      rel[at] = r;
      signed_err[at] = s;
      abs_ulps.push_back(std::fabs(u));
      cw.push_back(s);
      h.add(std::log2(std::fabs(u)));
      mx_rel = std::max(mx_rel, r);
      sum_rel += r;
      mx_ratio = std::max(mx_ratio, std::fabs(s) / b);
      if (std::fabs(s) <= pb) ++within;
    }
    std::sort(abs_ulps.begin(), abs_ulps.end());
    const double good = static_cast<double>(abs_ulps.size());
    not_finite.push_back(bad);
    not_finite_in_range.push_back(bad_in_range);
    within_prob.push_back(within);
    max_ulps.push_back(abs_ulps.empty() ? NAN : abs_ulps.back());
    mean_ulps.push_back(mean(abs_ulps));
    p50.push_back(percentile(abs_ulps, 0.5));
    p90.push_back(percentile(abs_ulps, 0.9));
    p99.push_back(percentile(abs_ulps, 0.99));
    max_rel.push_back(mx_rel);
    mean_rel.push_back(good > 0 ? sum_rel / good : NAN);
    double sq = 0;
    for (double v : cw) sq += v * v;
    rms_cw.push_back(good > 0 ? std::sqrt(sq / good) : NAN);
    mean_cw.push_back(mean(cw));
    sd_cw.push_back(stddev(cw));
    max_ratio.push_back(mx_ratio);
    mean_computed.push_back(sum_c / static_cast<double>(out.size()));
    mean_exact.push_back(sum_e / static_cast<double>(out.size()));
    for (std::size_t i = 0; i < bins; ++i) hist[static_cast<std::size_t>(l) * bins + i] = static_cast<std::int64_t>(h.counts[i]);
    hist_below.push_back(static_cast<std::int64_t>(h.below));
    hist_above.push_back(static_cast<std::int64_t>(h.above));
  }
  std::vector<double> edges(bins + 1);
  for (std::size_t i = 0; i <= bins; ++i) edges[i] = -8.0 + 32.0 * static_cast<double>(i) / bins;

  record r;
  r.name = t.name();
  r.set("kernel", t.kernel).set("model", t.model).set("distribution", t.distribution);
  r.set("model_description", k::describe(m)).set("bound_rule", bound_rule(m));
  r.set("accumulator", to_string(m.accumulator)).set("accumulator_mode", std::string(long_name(m.accumulator_mode)));
  // The data are binary64 draws: binary32-valued only after an input rounding to a narrow format.
  const bool in32 = m.round_inputs && m.input.fits_binary32();
  r.set("output", to_string(m.output)).set("fast_path", k::fast_path_name(m, in32, in32 && 2 * m.input.precision() <= 24));
  r.set("unit_roundoff", m.accumulator.unit_roundoff()).set("rounding_bound", u_acc);
  r.set("lambda", c.lambda).set("seed", static_cast<std::int64_t>(c.common.seed)).set("range_limit", limit);
  r.set("outputs", static_cast<std::int64_t>(c.outputs));
  r.add("n", ns, "count").add("outputs_at_n", counts, "count");
  r.add("rows", rows_out, "count").add("cols", cols_out, "count");
  r.add("reference_mismatches", mismatch, "count").add("not_finite", not_finite, "count");
  r.add("not_finite_in_range", not_finite_in_range, "count");
  r.add("depth", depth, "roundings").add("bound", bound, "1").add("gamma", gam, "1");
  r.add("probabilistic_bound", prob, "1").add("within_probabilistic", within_prob, "count");
  const std::vector<std::size_t> shape{L, width};
  r.add("signed_error", signed_err, "1", shape).add("error_ulps", ulps, "output ulps", shape);
  r.add("relative_error", rel, "1", shape).add("computed", computed, "1", shape).add("exact", exact, "1", shape);
  r.add("scale", scales, "1", shape);
  r.add("max_abs_ulps", max_ulps, "output ulps").add("mean_abs_ulps", mean_ulps, "output ulps");
  r.add("p50_abs_ulps", p50, "output ulps").add("p90_abs_ulps", p90, "output ulps").add("p99_abs_ulps", p99, "output ulps");
  r.add("max_relative", max_rel, "1").add("mean_relative", mean_rel, "1");
  r.add("rms_error", rms_cw, "1").add("mean_signed_error", mean_cw, "1").add("sd_signed_error", sd_cw, "1");
  r.add("max_bound_ratio", max_ratio, "1");
  r.add("mean_computed", mean_computed, "1").add("mean_exact", mean_exact, "1");
  r.add("hist_log2_ulps", hist, "count", {L, bins}).add("hist_edges", edges, "log2 output ulps");
  r.add("hist_below", hist_below, "count").add("hist_above", hist_above, "count");
  return r;
}

}  // namespace lowp::study::kernel_error
