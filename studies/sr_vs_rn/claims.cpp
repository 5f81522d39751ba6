// Checks study 3's claims on the runs, prints the summary tables, and runs the whole study.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <iostream>
#include <limits>
#include <map>
#include <omp.h>
#include <ostream>

#include "lowp/kernels/error.hpp"
#include "sr_vs_rn.hpp"

namespace lowp::study::sr_vs_rn {

namespace {

// Finds the run of (experiment, algorithm, distribution, format, mode); null when not swept.
const record* find(const std::vector<task>& tasks, const std::vector<record>& runs, const std::string& exp,
                   const std::string& alg, const std::string& dist, const std::string& fmt, rounding mode) {
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const task& t = tasks[i];
    if (t.experiment == exp && t.algorithm == alg && t.distribution == dist && t.format_text == fmt &&
        t.mode == mode)
      return &runs[i];
  }
  return nullptr;
}

std::vector<std::pair<format, std::string>> swept_formats(const std::vector<task>& tasks) {
  std::vector<std::pair<format, std::string>> out;
  for (const task& t : tasks) {
    bool seen = false;
    for (const auto& f : out) seen = seen || f.second == t.format_text;
    if (!seen) out.emplace_back(t.fmt, t.format_text);
  }
  return out;
}


// Returns the root-mean-square of row `row` of a [rows x cols] dataset over its columns, or over
// its rows for column `col` (by_column).
double rms(const std::vector<double>& v, std::size_t rows, std::size_t cols, std::size_t index, bool by_row) {
  // NaN entries are unused slots (fewer trials at that n) and are skipped.
  double s = 0;
  std::size_t n = 0;
  const std::size_t count = by_row ? cols : rows;
  for (std::size_t k = 0; k < count; ++k) {
    const double x = by_row ? v[index * cols + k] : v[k * cols + index];
    if (std::isnan(x)) continue;
    s += x * x;
    ++n;
  }
  return std::sqrt(s / static_cast<double>(n));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Fits log2(y) = a + b log2(x) over the points where y is finite and positive.
line_fit fit_loglog(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(y[i]) && y[i] > 0) {
      lx.push_back(std::log2(x[i]));
      ly.push_back(std::log2(y[i]));
    }
  if (lx.size() < 3) return {NAN, NAN, NAN};
  return fit_line(lx, ly);
}

std::string ci_text(const line_fit& f, std::size_t points) {
  const double half = student_t_975(static_cast<double>(points) - 2) * f.slope_se;
  return fmt_g(f.slope, 3) + " [" + fmt_g(f.slope - half, 3) + ", " + fmt_g(f.slope + half, 3) + "]";
}

}  // namespace

std::vector<claim> check_claims(const config& c, const std::vector<task>& tasks,
                                const std::vector<record>& runs) {
  std::vector<claim> out;
  const auto formats = swept_formats(tasks);
  const rounding rn = rounding::nearest_even, sr = rounding::stochastic;

  // Harmonic series: bit-exact stagnation facts under nearest-even.
  struct fact {
    format f;
    const char* name;
    std::int64_t term;
    double sum;
    const char* sum_text;
  };
  const fact facts[] = {{formats::binary16, "binary16", 513, 7.0859375, "7.0859375"},
                        {formats::bfloat16, "bfloat16", 65, 5.0625, "5.0625"},
                        {formats::binary32, "binary32", 2097152, 0x1.eceaf8p+3, "0x1.eceaf8p+3"}};
  for (const auto& [f, text] : formats) {
    for (const fact& x : facts) {
      if (!(f == x.f)) continue;
      const record* r = find(tasks, runs, "harmonic", "", "", text, rn);
      if (!r) continue;
      const std::int64_t term = r->get_int("stagnation_term");
      const double sum = r->get_double("final_sum");
      char got[64];
      std::snprintf(got, sizeof got, "%a", sum);
      out.push_back({"harmonic_rn_" + text,
                     std::string("nearest-even harmonic sum in ") + x.name + " stops changing at term " +
                         std::to_string(x.term) + " with sum " + x.sum_text,
                     static_cast<double>(term),
                     "term " + std::to_string(term) + ", sum " + fmt_g(sum, 10) + " (" + got + ")",
                     term == x.term && sum == x.sum});
    }
    // Stochastic harmonic sums are unbiased: the mean over seeds is within 3 standard errors.
    if (const record* r = find(tasks, runs, "harmonic", "", "", text, sr)) {
      const auto& finals = r->get("final_sum").doubles();
      const double m = mean(finals), se = stddev(finals) / std::sqrt(static_cast<double>(finals.size()));
      const double exact = r->get_double("exact_sum");
      const double z = (m - exact) / se;
      std::string detail = "N = " + std::to_string(r->get_int("terms")) + ": mean " + fmt_g(m, 6) + " +- " +
                           fmt_g(stddev(finals), 3) + " (sd, " + std::to_string(finals.size()) +
                           " seeds), exact " + fmt_g(exact, 6) + ", z = " + fmt_g(z, 3) + " (need |z| <= 3)";
      if (const record* rr = find(tasks, runs, "harmonic", "", "", text, rn))
        if (std::isfinite(rr->get_double("sum_at_terms")))
          detail += "; nearest: " + fmt_g(rr->get_double("sum_at_terms"), 6);
      out.push_back({"harmonic_sr_unbiased_" + text,
                     "stochastic harmonic sum in " + text + " is unbiased (no stagnation)", z, detail,
                     std::isfinite(z) && std::fabs(z) <= 3});
    }
  }

  // Summation and dot products.
  for (const auto& [f, text] : formats) {
    const double u = f.unit_roundoff();
    // Stochastic error grows like sqrt(n): slope of log(rms error / u) vs log n on uniform data,
    // fitted where the addends are not small against the sum's ulp (n <= 1/u). Beyond, most
    // additions round with a probability near 0 or 1 and the variance per step falls below u^2,
    // so the curve flattens (still below lambda sqrt(n) u, checked next).
    for (const char* alg : {"recursive", "dot"}) {
      const record* r = find(tasks, runs, "sum", alg, "uniform", text, sr);
      if (!r) continue;
      const auto& ns = r->get("n").integers();
      const auto& e = r->get("normwise_error");
      std::vector<double> x, y;
      for (std::size_t l = 0; l < ns.size(); ++l) {
        if (static_cast<double>(ns[l]) * u > 1) continue;
        x.push_back(static_cast<double>(ns[l]));
        y.push_back(rms(e.doubles(), e.shape[0], e.shape[1], l, true) / u);
      }
      if (x.size() < 4) continue;
      const line_fit fit = fit_loglog(x, y);
      std::size_t points = 0;
      for (double v : y) points += std::isfinite(v) && v > 0;
      const double half = student_t_975(static_cast<double>(points) - 2) * fit.slope_se;
      out.push_back({std::string("sum_sr_slope_") + alg + "_" + text,
                     std::string("stochastic ") + (alg == std::string("dot") ? "dot product" : "recursive sum") +
                         " error in " + text + " grows like sqrt(n) on uniform data (slope in [0.3, 0.7] with 95% CI half-width <= 0.2, n <= 1/u)",
                     fit.slope, "fitted slope (95% CI) " + ci_text(fit, points) + " over n = 2^" +
                                    std::to_string(static_cast<int>(std::log2(x.front()))) + "..2^" +
                                    std::to_string(static_cast<int>(std::log2(x.back()))),
                     // In range, and measured precisely enough to say so (95% CI half-width <= 0.2).
                     std::isfinite(fit.slope) && fit.slope >= 0.3 && fit.slope <= 0.7 && half <= 0.2});
    }
    // Stochastic error stays below lambda sqrt(n) u in >= 99 % of trials (Wilson 95% lower bound).
    {
      std::int64_t below = 0, total = 0, overflowed = 0;
      for (const char* alg : {"recursive", "pairwise", "dot"})
        for (const char* dist : {"uniform", "normal"}) {
          const record* r = find(tasks, runs, "sum", alg, dist, text, sr);
          if (!r) continue;
          const auto& ns = r->get("n").integers();
          const auto& e = r->get("normwise_error");
          for (std::size_t l = 0; l < ns.size(); ++l)
            for (std::size_t t = 0; t < e.shape[1]; ++t) {
              const double v = e.doubles()[l * e.shape[1] + t];
              if (std::isnan(v)) continue;
              if (!std::isfinite(v)) {
                ++overflowed;
                continue;
              }
              ++total;
              below += v <= c.lambda * std::sqrt(static_cast<double>(ns[l])) * u;
            }
        }
      if (total > 0) {
        const interval w = wilson_95(below, total);
        const double share = static_cast<double>(below) / static_cast<double>(total);
        out.push_back({"sum_sr_bound_" + text,
                       "stochastic sums and dot products in " + text + " stay below lambda sqrt(n) u (lambda = " +
                           fmt_g(c.lambda, 3) + ") in >= 99% of trials",
                       share,
                       std::to_string(below) + "/" + std::to_string(total) + " = " + fmt_g(100 * share, 4) +
                           "% (95% CI " + fmt_g(100 * w.lo, 4) + "-" + fmt_g(100 * w.hi, 4) + "%)" +
                           (overflowed ? ", " + std::to_string(overflowed) + " overflowed trials left out" : ""),
                       w.lo >= 0.99});
      }
    }
    // Nearest rounding stays within the worst-case bounds in every trial.
    {
      double worst = 0;
      std::int64_t checked = 0;
      for (const char* alg : {"recursive", "pairwise", "dot"})
        for (const char* dist : {"uniform", "normal"}) {
          const record* r = find(tasks, runs, "sum", alg, dist, text, rn);
          if (!r) continue;
          const auto& ns = r->get("n").integers();
          const auto& e = r->get("normwise_error");
          for (std::size_t l = 0; l < ns.size(); ++l) {
            const double n = static_cast<double>(ns[l]);
            const double terms = alg == std::string("recursive") ? n - 1
                                 : alg == std::string("dot")     ? n
                                                                 : std::ceil(std::log2(n));
            const double bound = kernels::gamma(terms, u);
            if (!(bound > 0 && bound < 1)) continue;  // the bound says nothing once n u >= 1
            for (std::size_t t = 0; t < e.shape[1]; ++t) {
              const double v = e.doubles()[l * e.shape[1] + t];
              if (!std::isfinite(v)) continue;
              worst = std::max(worst, v / bound);
              ++checked;
            }
          }
        }
      if (checked > 0)
        out.push_back({"sum_rn_worst_case_" + text,
                       "nearest-even sums in " + text +
                           " stay within gamma_(n-1) (recursive), gamma_n (dot), gamma_(log2 n) (pairwise)",
                       worst, "largest error / bound " + fmt_g(worst, 3) + " over " + std::to_string(checked) +
                                  " trials",
                       worst <= 1});
    }
    // Nearest rounding stagnates on same-sign data once n >= 2^(p+2); stochastic does not.
    {
      const record* rn_run = find(tasks, runs, "sum", "recursive", "uniform", text, rn);
      const record* sr_run = find(tasks, runs, "sum", "recursive", "uniform", text, sr);
      const int p = f.mantissa_bits + 1;
      if (rn_run && sr_run && c.sum_log2n_max >= p + 2) {
        const auto& ns = rn_run->get("n").integers();
        const auto& a = rn_run->get("normwise_error");
        const auto& b = sr_run->get("normwise_error");
        // The largest n whose sums did not overflow (NaN marks unused slots).
        auto row = [](const dataset& d, std::size_t l) {
          std::vector<double> v;
          for (std::size_t t = 0; t < d.shape[1]; ++t)
            if (!std::isnan(d.doubles()[l * d.shape[1] + t])) v.push_back(d.doubles()[l * d.shape[1] + t]);
          return v;
        };
        std::size_t l = ns.size();
        std::vector<double> ra, rb;
        while (l > 0) {
          --l;
          ra = row(a, l);
          rb = row(b, l);
          bool finite = true;
          for (double v : ra) finite = finite && std::isfinite(v);
          for (double v : rb) finite = finite && std::isfinite(v);
          if (finite) break;
        }
        const double ratio = median(ra) / median(rb);
        if (ns[l] >= (std::int64_t{1} << (p + 2)))
          out.push_back({"sum_rn_stagnation_" + text,
                         "nearest-even recursive sums of uniform data in " + text +
                             " stagnate: median error >= 10x the stochastic one at large n",
                         ratio,
                         "n = " + std::to_string(ns[l]) + ": median error nearest " + fmt_g(median(ra), 3) +
                             ", stochastic " + fmt_g(median(rb), 3) + ", ratio " + fmt_g(ratio, 3),
                         ratio >= 10});
      }
    }
  }

  // Euler's method for y' = -y.
  for (const auto& [f, text] : formats) {
    const double u = f.unit_roundoff();
    const record* rn_run = find(tasks, runs, "euler", "", "", text, rn);
    const record* sr_run = find(tasks, runs, "euler", "", "", text, sr);
    const double stagnated = 1 - std::exp(-1.0);
    if (rn_run) {
      const auto& dt = rn_run->get("dt").doubles();
      const std::size_t last = dt.size() - 1;
      if (dt[last] <= u / 2) {
        const double y = rn_run->get("final").doubles()[last];
        const double err = rn_run->get("error").doubles()[last];
        out.push_back({"euler_rn_stagnation_" + text,
                       "nearest-even Euler for y' = -y in " + text + " stagnates completely once dt <= u/2",
                       y, "dt = 2^" + std::to_string(static_cast<int>(std::log2(dt[last]))) + ": y(1) = " +
                              fmt_g(y, 6) + ", error " + fmt_g(err, 4) + " (1 - 1/e = " + fmt_g(stagnated, 4) + ")",
                       y == 1.0});
      }
    }
    if (sr_run) {
      const auto& dt = sr_run->get("dt").doubles();
      const auto& e = sr_run->get("error");
      const std::size_t levels = e.shape[1], seeds = e.shape[0], last = levels - 1;
      std::vector<double> signed_err, abs_err;
      for (std::size_t s = 0; s < seeds; ++s) {
        signed_err.push_back(e.doubles()[s * levels + last]);
        abs_err.push_back(std::fabs(e.doubles()[s * levels + last]));
      }
      const double tq = student_t_975(static_cast<double>(seeds) - 1);
      const double upper = mean(abs_err) + tq * stddev(abs_err) / std::sqrt(static_cast<double>(seeds));
      const std::string at = "dt = 2^" + std::to_string(static_cast<int>(std::log2(dt[last])));
      out.push_back({"euler_sr_bounded_" + text,
                     "stochastic Euler in " + text + " keeps a bounded error (mean |error| < (1 - 1/e) / 4)",
                     upper, at + ": mean |error| " + fmt_g(mean(abs_err), 3) + ", 95% upper bound " +
                                fmt_g(upper, 3) + " over " + std::to_string(seeds) + " seeds (limit " +
                                fmt_g(stagnated / 4, 3) + ")",
                     upper < stagnated / 4});
      const double se = stddev(signed_err) / std::sqrt(static_cast<double>(seeds));
      const double z = se > 0 ? mean(signed_err) / se : 0.0;
      out.push_back({"euler_sr_unbiased_" + text, "stochastic Euler in " + text + " is unbiased", z,
                     at + ": mean error " + fmt_g(mean(signed_err), 3) + ", z = " + fmt_g(z, 3) +
                         " (need |z| <= 3)",
                     std::fabs(z) <= 3});
    }
  }

  // Heat equation (Croci & Giles), dt = h^2 / 4 refined together: stochastic error ~ dt^(-1/4),
  // nearest ~ 1/dt until it stagnates. Their analysis takes rounding errors of size u |v|, which
  // holds while the update dt u_xx is several ulps of u; where it is a fraction of an ulp, the
  // stochastic variance per step shrinks with it and nearest rounding stagnates instead, so the
  // exponents are claimed only for formats with pi^2 dt >= 16 u on the finest grid.
  for (const auto& [f, text] : formats) {
    const double u = f.unit_roundoff();
    const record* sr_run = find(tasks, runs, "heat", "", "", text, sr);
    const record* rn_run = find(tasks, runs, "heat", "", "", text, rn);
    const record* any = sr_run ? sr_run : rn_run;
    if (!any) continue;
    const auto& dt = any->get("dt").doubles();
    if (dt.size() < 3 || *std::min_element(dt.begin(), dt.end()) * std::numbers::pi * std::numbers::pi < 16 * u)
      continue;
    auto curve = [&](const record* r) {
      const auto& e = r->get("rms_error");
      std::vector<double> y;
      for (std::size_t l = 0; l < dt.size(); ++l) y.push_back(rms(e.doubles(), e.shape[0], e.shape[1], l, false));
      return y;
    };
    if (sr_run) {
      const line_fit fit = fit_loglog(dt, curve(sr_run));
      out.push_back({"heat_sr_exponent_" + text,
                     "stochastic heat-equation error in " + text + " grows like dt^(-1/4) (exponent -0.25 +- 0.15)",
                     fit.slope, "fitted exponent (95% CI) " + ci_text(fit, dt.size()) + " over M = " +
                                    std::to_string(any->get("points").integers().front()) + ".." +
                                    std::to_string(any->get("points").integers().back()) + ", " +
                                    std::to_string(sr_run->get_int("seeds")) + " seeds",
                     std::isfinite(fit.slope) && std::fabs(fit.slope + 0.25) <= 0.15});
    }
    if (rn_run) {
      const std::vector<double> y = curve(rn_run);
      const line_fit fit = fit_loglog(dt, y);
      out.push_back({"heat_rn_exponent_" + text,
                     "nearest-even heat-equation error in " + text + " grows like 1/dt (exponent -1 +- 0.5)",
                     fit.slope, "fitted exponent (95% CI) " + ci_text(fit, dt.size()),
                     std::isfinite(fit.slope) && std::fabs(fit.slope + 1) <= 0.5});
      if (sr_run) {
        const double ratio = y.back() / curve(sr_run).back();
        out.push_back({"heat_rn_vs_sr_" + text,
                       "nearest-even heat-equation error in " + text + " is >= 10x the stochastic one on the finest grid",
                       ratio, "M = " + std::to_string(any->get("points").integers().back()) + ": nearest " +
                                  fmt_g(y.back(), 3) + ", stochastic " + fmt_g(curve(sr_run).back(), 3) +
                                  ", ratio " + fmt_g(ratio, 3),
                       ratio >= 10});
      }
    }
  }
  return out;
}

void print_summary(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs,
                   std::ostream& out) {
  (void)c;
  out << "Harmonic series (terms 1/k and partial sums rounded)\n";
  text_table h({"format", "mode", "stops at term", "sum", "exact at that term", "SR mean +- sd at N"});
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const task& t = tasks[i];
    if (t.experiment != "harmonic") continue;
    const record& r = runs[i];
    if (is_stochastic(t.mode)) {
      h.add({t.format_text, std::string(short_name(t.mode)), "never", "", "",
             fmt_g(r.get_double("mean_sum"), 6) + " +- " + fmt_g(r.get_double("std_sum"), 3) + " (N = " +
                 std::to_string(r.get_int("terms")) + ", exact " + fmt_g(r.get_double("exact_sum"), 6) + ")"});
    } else {
      const std::int64_t k = r.get_int("stagnation_term");
      const auto& ex = r.get("exact_partial_sum").doubles();
      h.add({t.format_text, std::string(short_name(t.mode)), k > 0 ? std::to_string(k) : "not within cap",
             fmt_g(r.get_double("final_sum"), 10), ex.empty() ? "" : fmt_g(ex.back(), 8), ""});
    }
  }
  h.print(out);

  out << "\nSummation and dot products: RMS normwise error / u at n = 2^min, 2^mid, 2^max\n";
  text_table s({"algorithm", "data", "format", "mode", "small n", "middle n", "large n"});
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const task& t = tasks[i];
    if (t.experiment != "sum") continue;
    const record& r = runs[i];
    const auto& e = r.get("normwise_error");
    const double u = r.get_double("unit_roundoff");
    const std::size_t levels = e.shape[0], trials = e.shape[1];
    auto cell = [&](std::size_t l) {
      return "2^" + std::to_string(static_cast<int>(std::log2(static_cast<double>(r.get("n").integers()[l])))) +
             ": " + fmt_g(rms(e.doubles(), levels, trials, l, true) / u, 3);
    };
    s.add({t.algorithm, t.distribution, t.format_text, std::string(short_name(t.mode)), cell(0),
           cell(levels / 2), cell(levels - 1)});
  }
  s.print(out);

  out << "\nEuler for y' = -y to t = 1: RMS error over seeds\n";
  text_table eu({"format", "mode", "largest dt", "middle dt", "smallest dt"});
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const task& t = tasks[i];
    if (t.experiment != "euler") continue;
    const record& r = runs[i];
    const auto& e = r.get("error");
    const auto& dt = r.get("dt").doubles();
    auto cell = [&](std::size_t l) {
      return "2^" + std::to_string(static_cast<int>(std::log2(dt[l]))) + ": " +
             fmt_g(rms(e.doubles(), e.shape[0], e.shape[1], l, false), 3);
    };
    eu.add({t.format_text, std::string(short_name(t.mode)), cell(0), cell(dt.size() / 2), cell(dt.size() - 1)});
  }
  eu.print(out);

  out << "\nHeat equation (dt = h^2/4): RMS error over seeds at each grid, fitted exponent of dt\n";
  text_table he({"format", "mode", "errors (M: error)", "exponent"});
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const task& t = tasks[i];
    if (t.experiment != "heat") continue;
    const record& r = runs[i];
    const auto& e = r.get("rms_error");
    const auto& dt = r.get("dt").doubles();
    const auto& m = r.get("points").integers();
    std::string cells;
    std::vector<double> y;
    for (std::size_t l = 0; l < dt.size(); ++l) {
      y.push_back(rms(e.doubles(), e.shape[0], e.shape[1], l, false));
      cells += (l ? " " : "") + std::to_string(m[l]) + ": " + fmt_g(y.back(), 3);
    }
    he.add({t.format_text, std::string(short_name(t.mode)), cells, fmt_g(fit_loglog(dt, y).slope, 3)});
  }
  he.print(out);
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  const study_definition<config, task> d{
      "sr_vs_rn",
      "Study 3: stochastic vs nearest rounding in numerical kernels (harmonic series, summation,\n"
      "dot products, Euler's method, the heat equation). Writes an HDF5 file (data/README.md)\n"
      "and checks the study's claims; exit status 3 when a claim fails.",
      "STUDIES.md, study 3", add_options, apply_quick, make_tasks, run_task,
      check_claims, nullptr, print_summary};
  return run_study(d, argc, argv, out, err);
}

}  // namespace lowp::study::sr_vs_rn
