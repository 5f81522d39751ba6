// Implements study 3, stochastic vs nearest rounding (see sr_vs_rn.hpp and STUDIES.md).
#include "sr_vs_rn.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <ostream>
#include <set>

#include "lowp/ops.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

namespace lowp::study::sr_vs_rn {

namespace {

// Returns FNV-1a of a string: the stream number of a named random stream.
std::uint64_t hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
  return h;
}

// Arithmetic in one format and mode; stochastic modes draw word i of one random stream for their
// i-th rounding, so a run depends only on its seed and stream.
class arith {
 public:
  arith(const format& f, rounding mode, std::uint64_t seed, std::uint64_t stream)
      : f_(f), mode_(mode), stream_(seed, stream), stochastic_(is_stochastic(mode)) {}
  double rnd(double x) { return lowp::round(x, f_, mode_, bits()).value; }
  double add(double a, double b) { return lowp::add(a, b, f_, mode_, bits()).value; }
  double sub(double a, double b) { return lowp::sub(a, b, f_, mode_, bits()).value; }
  double mul(double a, double b) { return lowp::mul(a, b, f_, mode_, bits()).value; }
  double div(double a, double b) { return lowp::div(a, b, f_, mode_, bits()).value; }

 private:
  std::uint64_t bits() { return stochastic_ ? stream_(counter_++) : 0; }
  format f_;
  rounding mode_;
  random_stream stream_;
  bool stochastic_;
  std::uint64_t counter_ = 0;
};


// Returns the checkpoints 1, 2, ..., 10, then about 30 per decade, up to n (inclusive).
std::vector<std::int64_t> checkpoints(std::int64_t n) {
  std::set<std::int64_t> k;
  for (double x = 1; x <= static_cast<double>(n); x *= 1.08) k.insert(static_cast<std::int64_t>(x));
  for (std::int64_t i = 1; i <= std::min<std::int64_t>(10, n); ++i) k.insert(i);
  k.insert(n);
  return {k.begin(), k.end()};
}

// 1/k as an unevaluated pair hi + lo (error below 2^-106 relative).
void add_reciprocal(exact_sum& s, double k) {
  const double q = 1.0 / k;
  const double r = std::fma(-q, k, 1.0);  // exact remainder
  s.add(q);
  s.add(r / k);
}

record harmonic(const config& c, const task& t) {
  record r;
  const double u = t.fmt.unit_roundoff();
  r.set("unit_roundoff", u);
  if (!is_stochastic(t.mode)) {
    arith a(t.fmt, t.mode, c.common.seed, 0);
    exact_sum exact;
    double s = 0;
    std::int64_t stagnation = -1, k = 1;
    std::vector<std::int64_t> ks;
    std::vector<double> sums, exacts;
    std::int64_t next_k = 1;
    double at_n = NAN;
    for (; k <= c.harmonic_max_terms; ++k) {
      const double next = a.add(s, a.div(1.0, static_cast<double>(k)));
      add_reciprocal(exact, static_cast<double>(k));
      if (k == c.harmonic_terms) at_n = next;
      if (next == s) {
        stagnation = k;
        break;
      }
      s = next;
      if (k == next_k) {
        ks.push_back(k);
        sums.push_back(s);
        exacts.push_back(exact.value());
        next_k = std::max(k + 1, static_cast<std::int64_t>(static_cast<double>(k) * 1.08));
      }
    }
    if (stagnation > 0 && stagnation <= c.harmonic_terms) at_n = s;
    r.set("stagnation_term", stagnation).set("final_sum", s);
    r.set("sum_at_terms", at_n).set("terms", c.harmonic_terms);
    r.add("k", ks, "term index").add("partial_sum", sums, "1").add("exact_partial_sum", exacts, "1");
    return r;
  }
  const std::int64_t n = c.harmonic_terms;
  const std::vector<std::int64_t> ks = checkpoints(n);
  std::vector<double> finals, partial(ks.size() * static_cast<std::size_t>(c.harmonic_seeds));
  for (int seed = 0; seed < c.harmonic_seeds; ++seed) {
    arith a(t.fmt, t.mode, c.common.seed, hash(t.name()) + static_cast<std::uint64_t>(seed));
    double s = 0;
    std::size_t next = 0;
    for (std::int64_t k = 1; k <= n; ++k) {
      s = a.add(s, a.div(1.0, static_cast<double>(k)));
      if (next < ks.size() && ks[next] == k)
        partial[static_cast<std::size_t>(seed) * ks.size() + next++] = s;
    }
    finals.push_back(s);
  }
  exact_sum exact;
  std::vector<double> exacts;
  std::size_t next = 0;
  for (std::int64_t k = 1; k <= n; ++k) {
    add_reciprocal(exact, static_cast<double>(k));
    if (next < ks.size() && ks[next] == k) {
      exacts.push_back(exact.value());
      ++next;
    }
  }
  r.set("terms", n).set("seeds", static_cast<std::int64_t>(c.harmonic_seeds));
  r.set("exact_sum", exact.value()).set("mean_sum", mean(finals)).set("std_sum", stddev(finals));
  r.add("final_sum", finals, "1");
  r.add("k", std::vector<std::int64_t>(ks), "term index");
  r.add("partial_sum", partial, "1", {static_cast<std::size_t>(c.harmonic_seeds), ks.size()});
  r.add("exact_partial_sum", exacts, "1");
  return r;
}

}  // namespace

std::size_t trials_at(const config& c, int log2n) {
  const int boost = std::clamp(10 - log2n, 0, 4);
  return static_cast<std::size_t>(c.sum_trials) << boost;
}

namespace {

// Draws the data of (distribution, n, trial): independent of the format, mode and algorithm.
void make_data(const config& c, const std::string& dist, int log2n, int trial, std::size_t offset,
               std::vector<double>& x) {
  const random_stream rs(c.common.seed, hash("data " + dist) + static_cast<std::uint64_t>(log2n) * 1000003ULL +
                                            static_cast<std::uint64_t>(trial) * 7919ULL + offset);
  const double two53 = std::ldexp(1.0, -53);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u1 = static_cast<double>(rs(2 * i) >> 11) * two53;
    if (dist == "uniform") {
      x[i] = u1;
    } else {
      const double u2 = static_cast<double>(rs(2 * i + 1) >> 11) * two53;
      x[i] = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
  }
}

// Sums x[lo, hi) pairwise: split at the midpoint lo + (hi - lo) / 2, add the two halves.
double pairwise(arith& a, const std::vector<double>& x, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return x[lo];
  const std::size_t mid = lo + (hi - lo) / 2;
  const double left = pairwise(a, x, lo, mid);
  const double right = pairwise(a, x, mid, hi);
  return a.add(left, right);
}

record summation(const config& c, const task& t) {
  record r;
  const int levels = c.sum_log2n_max - c.sum_log2n_min + 1;
  // Small n get more data sets (up to 16x, the same work as n = 1024), so that the error curve is
  // resolved where single sums are cheap; unused entries of the [levels x max] arrays are NaN.
  const auto trials = static_cast<std::size_t>(c.sum_trials) * 16;
  std::vector<std::int64_t> ns, counts;
  std::vector<double> rel(static_cast<std::size_t>(levels) * trials, NAN), norm(rel.size(), NAN);
  arith data_rounding(t.fmt, rounding::nearest_even, 0, 0);
  for (int l = 0; l < levels; ++l) {
    const int log2n = c.sum_log2n_min + l;
    const std::size_t n = std::size_t{1} << log2n;
    ns.push_back(static_cast<std::int64_t>(n));
    std::vector<double> x(n), y(t.algorithm == "dot" ? n : 0);
    const std::size_t count = trials_at(c, log2n);
    counts.push_back(static_cast<std::int64_t>(count));
    for (std::size_t tr = 0; tr < count; ++tr) {
      make_data(c, t.distribution, log2n, static_cast<int>(tr), 0, x);
      if (!y.empty()) make_data(c, t.distribution, log2n, static_cast<int>(tr), 1u << 20, y);
      for (double& v : x) v = data_rounding.rnd(v);
      for (double& v : y) v = data_rounding.rnd(v);
      arith a(t.fmt, t.mode, c.common.seed,
              hash(t.name()) + static_cast<std::uint64_t>(log2n) * 1000003ULL + tr);
      exact_sum exact, magnitude;
      double s = 0;
      if (t.algorithm == "recursive") {
        for (double v : x) {
          s = a.add(s, v);
          exact.add(v);
          magnitude.add(std::fabs(v));
        }
      } else if (t.algorithm == "pairwise") {
        s = pairwise(a, x, 0, n);
        for (double v : x) {
          exact.add(v);
          magnitude.add(std::fabs(v));
        }
      } else {  // dot: products rounded, then added in order
        for (std::size_t i = 0; i < n; ++i) {
          s = a.add(s, a.mul(x[i], y[i]));
          exact.add_product(x[i], y[i]);
          magnitude.add_product(std::fabs(x[i]), std::fabs(y[i]));
        }
      }
      // s - exact: hi and lo separately, so that the difference keeps its accuracy.
      const kernels::exact_accumulator::double_double e = exact.to_double_double();
      const double diff = std::fabs((s - e.hi) - e.lo);
      const std::size_t at = static_cast<std::size_t>(l) * trials + tr;
      rel[at] = std::isfinite(s) ? diff / std::fabs(exact.value()) : INFINITY;
      norm[at] = std::isfinite(s) ? diff / magnitude.value() : INFINITY;
    }
  }
  r.set("unit_roundoff", t.fmt.unit_roundoff()).set("trials", static_cast<std::int64_t>(c.sum_trials));
  r.add("n", ns, "count").add("trials_at_n", counts, "count");
  r.add("relative_error", rel, "1", {static_cast<std::size_t>(levels), trials});
  r.add("normwise_error", norm, "1", {static_cast<std::size_t>(levels), trials});
  return r;
}

record euler(const config& c, const task& t) {
  record r;
  const int levels = c.euler_log2dt_max - c.euler_log2dt_min + 1;
  const int seeds = is_stochastic(t.mode) ? c.euler_seeds : 1;
  std::vector<double> dts, exacts, finals(static_cast<std::size_t>(levels * seeds)), errs(finals.size());
  arith exact_data(t.fmt, rounding::nearest_even, 0, 0);
  for (int l = 0; l < levels; ++l) {
    const int log2dt = c.euler_log2dt_min + l;
    const double dt = exact_data.rnd(std::ldexp(1.0, -log2dt));
    const std::int64_t steps = std::int64_t{1} << log2dt;
    // The exact discrete solution (1 - dt)^N, in long double (64-bit significand).
    const long double exact = std::pow(1.0L - static_cast<long double>(dt), static_cast<long double>(steps));
    dts.push_back(dt);
    exacts.push_back(static_cast<double>(exact));
    for (int s = 0; s < seeds; ++s) {
      arith a(t.fmt, t.mode, c.common.seed,
              hash(t.name()) + static_cast<std::uint64_t>(log2dt) * 1000003ULL + static_cast<std::uint64_t>(s));
      double y = 1.0;
      for (std::int64_t k = 0; k < steps; ++k) y = a.sub(y, a.mul(dt, y));
      const std::size_t at = static_cast<std::size_t>(s * levels + l);
      finals[at] = y;
      errs[at] = static_cast<double>(static_cast<long double>(y) - exact);
    }
  }
  r.set("seeds", static_cast<std::int64_t>(seeds)).set("unit_roundoff", t.fmt.unit_roundoff());
  r.add("dt", dts, "time").add("exact_final", exacts, "1");
  r.add("final", finals, "1", {static_cast<std::size_t>(seeds), static_cast<std::size_t>(levels)});
  r.add("error", errs, "1", {static_cast<std::size_t>(seeds), static_cast<std::size_t>(levels)});
  return r;
}

std::vector<int> heat_points(const config& c) {
  std::vector<int> m;
  for (const std::string& s : c.heat_points) m.push_back(static_cast<int>(parse_int(s, "heat-points")));
  return m;
}

record heat(const config& c, const task& t) {
  record r;
  const std::vector<int> ms = heat_points(c);
  const int seeds = is_stochastic(t.mode) ? c.heat_seeds : 1;
  const std::size_t levels = ms.size();
  std::vector<double> dts, times, errs(levels * static_cast<std::size_t>(seeds));
  std::vector<std::int64_t> steps_out, points;
  arith data(t.fmt, rounding::nearest_even, 0, 0);
  const double ratio = 0.25;  // dt / h^2, exact in every format
  for (std::size_t l = 0; l < levels; ++l) {
    const int m = ms[l];
    const double dt = ratio / (static_cast<double>(m) * m);
    const auto steps = static_cast<std::int64_t>(std::llround(c.heat_time / dt));
    points.push_back(m);
    dts.push_back(dt);
    steps_out.push_back(steps);
    times.push_back(static_cast<double>(steps) * dt);
    std::vector<double> v0(static_cast<std::size_t>(m) + 1, 0.0);
    for (int i = 1; i < m; ++i) v0[static_cast<std::size_t>(i)] = data.rnd(std::sin(std::numbers::pi * i / m));
    // The exact discrete solution: the same scheme in long double from the same initial data.
    std::vector<long double> ref(v0.begin(), v0.end()), ref_next(ref);
    for (std::int64_t k = 0; k < steps; ++k) {
      for (int i = 1; i < m; ++i) {
        const auto j = static_cast<std::size_t>(i);
        ref_next[j] = ref[j] + 0.25L * ((ref[j - 1] + ref[j + 1]) - 2.0L * ref[j]);
      }
      std::swap(ref, ref_next);
    }
    for (int s = 0; s < seeds; ++s) {
      arith a(t.fmt, t.mode, c.common.seed,
              hash(t.name()) + static_cast<std::uint64_t>(m) * 1000003ULL + static_cast<std::uint64_t>(s));
      std::vector<double> v(v0), next(v0);
      for (std::int64_t k = 0; k < steps; ++k) {
        for (int i = 1; i < m; ++i) {
          const auto j = static_cast<std::size_t>(i);
          const double lap = a.sub(a.add(v[j - 1], v[j + 1]), a.mul(2.0, v[j]));
          next[j] = a.add(v[j], a.mul(ratio, lap));
        }
        std::swap(v, next);
      }
      long double sq = 0;
      for (int i = 1; i < m; ++i) {
        const auto j = static_cast<std::size_t>(i);
        sq += (v[j] - ref[j]) * (v[j] - ref[j]);
      }
      errs[static_cast<std::size_t>(s) * levels + l] = static_cast<double>(std::sqrt(sq / (m - 1)));
    }
  }
  r.set("seeds", static_cast<std::int64_t>(seeds)).set("unit_roundoff", t.fmt.unit_roundoff());
  r.set("dt_over_h2", ratio).set("time", c.heat_time);
  r.add("points", points, "grid intervals M").add("dt", dts, "time").add("steps", steps_out, "count");
  r.add("final_time", times, "time");
  r.add("rms_error", errs, "1", {static_cast<std::size_t>(seeds), levels});
  return r;
}

}  // namespace

std::string task::name() const {
  std::string n = experiment;
  if (!algorithm.empty()) n += "_" + algorithm;
  if (!distribution.empty()) n += "_" + distribution;
  return n + "_" + format_text + "_" + std::string(short_name(mode));
}

void add_options(option_parser& p, config& c) {
  p.add_common(c.common);
  p.add("formats", c.formats, "formats (lowp format strings)");
  p.add("modes", c.modes, "rounding modes (rne, sr, rz, ...)");
  p.add("experiments", c.experiments, "experiments to run (harmonic, sum, euler, heat)");
  p.add("harmonic-seeds", c.harmonic_seeds, "seeds of the stochastic harmonic sums (quick: 50)");
  p.add("harmonic-terms", c.harmonic_terms, "terms N of the stochastic harmonic sums (quick: 20000)");
  p.add("harmonic-max-terms", c.harmonic_max_terms, "cap on the nearest-rounding stagnation search");
  p.add("sum-log2n-min", c.sum_log2n_min, "smallest log2 n of the summation sweep");
  p.add("sum-log2n-max", c.sum_log2n_max, "largest log2 n of the summation sweep (quick: 14)");
  p.add("sum-trials", c.sum_trials, "data sets per n (quick: 16)");
  p.add("euler-log2dt-min", c.euler_log2dt_min, "Euler: largest step is 2^-min");
  p.add("euler-log2dt-max", c.euler_log2dt_max, "Euler: smallest step is 2^-max");
  p.add("euler-seeds", c.euler_seeds, "Euler: stochastic runs per step size");
  p.add("heat-points", c.heat_points, "heat equation: grid intervals M (dt = h^2 / 4)");
  p.add("heat-time", c.heat_time, "heat equation: final time");
  p.add("heat-seeds", c.heat_seeds, "heat equation: stochastic runs per grid");
  p.add("lambda", c.lambda, "lambda of the probabilistic bound lambda sqrt(n) u");
}

void apply_quick(const option_parser& p, config& c) {
  if (!c.common.quick) return;
  if (!p.given("harmonic-terms")) c.harmonic_terms = 20000;
  if (!p.given("sum-log2n-max")) c.sum_log2n_max = 14;
  if (!p.given("sum-trials")) c.sum_trials = 16;
}

std::vector<task> make_tasks(const config& c) {
  std::vector<task> tasks;
  const std::vector<std::pair<format, std::string>> formats = parse_formats(c.formats, "formats");
  const std::vector<rounding> modes = parse_modes(c.modes, "modes");
  if (c.sum_log2n_min < 1 || c.sum_log2n_max > 26 || c.sum_log2n_min > c.sum_log2n_max)
    throw usage_error("--sum-log2n-min/max must satisfy 1 <= min <= max <= 26");
  if (c.euler_log2dt_min < 1 || c.euler_log2dt_max > 24 || c.euler_log2dt_min > c.euler_log2dt_max)
    throw usage_error("--euler-log2dt-min/max must satisfy 1 <= min <= max <= 24");
  if (c.sum_trials < 1 || c.euler_seeds < 1 || c.heat_seeds < 1 || c.harmonic_seeds < 2)
    throw usage_error("trial and seed counts must be >= 1 (harmonic seeds >= 2)");
  if (c.harmonic_terms < 1 || c.harmonic_max_terms < 1) throw usage_error("harmonic term counts must be >= 1");
  for (int m : heat_points(c))
    if (m < 4 || m > 4096) throw usage_error("--heat-points: each M must be in 4..4096");
  if (!(c.heat_time > 0) || c.heat_time > 10) throw usage_error("--heat-time must be in (0, 10]");
  auto wanted = [&](const std::string& e) {
    return std::find(c.experiments.begin(), c.experiments.end(), e) != c.experiments.end();
  };
  for (const std::string& e : c.experiments)
    if (e != "harmonic" && e != "sum" && e != "euler" && e != "heat")
      throw usage_error("--experiments: unknown experiment '" + e + "' (harmonic, sum, euler, heat)");
  if (wanted("sum"))
  for (const char* alg : {"recursive", "dot", "pairwise"})
    for (const char* dist : {"uniform", "normal"})
      for (const auto& [f, text] : formats)
        for (rounding m : modes) tasks.push_back({"sum", alg, dist, f, text, m});
  for (const char* e : {"heat", "harmonic", "euler"})
    if (wanted(e))
      for (const auto& [f, text] : formats)
        for (rounding m : modes) tasks.push_back({e, "", "", f, text, m});
  return tasks;
}

record run_task(const config& c, const task& t) {
  record r;
  if (t.experiment == "harmonic") r = harmonic(c, t);
  else if (t.experiment == "sum") r = summation(c, t);
  else if (t.experiment == "euler") r = euler(c, t);
  else r = heat(c, t);
  r.name = t.name();
  record out;
  out.name = r.name;
  out.set("experiment", t.experiment).set("format", t.format_text).set("mode", std::string(long_name(t.mode)));
  if (!t.algorithm.empty()) out.set("algorithm", t.algorithm);
  if (!t.distribution.empty()) out.set("distribution", t.distribution);
  out.set("seed", static_cast<std::int64_t>(c.common.seed));
  for (const attribute& a : r.attrs) out.set(a.name, a.value);
  out.datasets = std::move(r.datasets);
  return out;
}

}  // namespace lowp::study::sr_vs_rn
