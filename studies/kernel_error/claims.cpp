// Checks the kernel_error study's claims on its runs, prints the summary table, and runs the
// whole study.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <ostream>
#include <set>

#include "kernel_error.hpp"
#include "lowp/kernels/error.hpp"

namespace lowp::study::kernel_error {

namespace k = lowp::kernels;

namespace {

// The models swept, in sweep order.
std::vector<std::string> swept_models(const config& c) { return c.models.empty() ? model_names() : c.models; }

// Finds the run of (kernel, model, distribution); null when not swept.
const record* find(const std::vector<task>& tasks, const std::vector<record>& runs, const std::string& kernel,
                   const std::string& model, const std::string& dist) {
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (tasks[i].kernel == kernel && tasks[i].model == model && tasks[i].distribution == dist) return &runs[i];
  return nullptr;
}

// Returns the largest unit roundoff of the model's accumulator, partial and output formats: the
// precision that limits its result.
double model_unit(const k::accumulation_model& m) {
  double u = std::max(m.accumulator.unit_roundoff(), m.output.unit_roundoff());
  if (m.round_partials) u = std::max(u, m.partial.unit_roundoff());
  return u;
}

std::string log2_text(std::int64_t n) { return "2^" + std::to_string(static_cast<int>(std::log2(static_cast<double>(n)))); }

// Returns the mean signed error at level l of run r as a standard normal score under the hypothesis
// of zero mean: the t statistic with count - 1 degrees of freedom mapped to z by Wallace's (1959)
// approximation sign(t) sqrt((df - 1/2) ln(1 + t^2 / df)), so that cells with few outputs (heavier
// tails) weigh as they should. 0 when every error is 0.
double z_score(const record& r, std::size_t l) {
  const double m = r.get("mean_signed_error").doubles()[l];
  const double sd = r.get("sd_signed_error").doubles()[l];
  const auto count = static_cast<double>(r.get("outputs_at_n").integers()[l] - r.get("not_finite").integers()[l]);
  if (sd == 0 || count < 2) return m == 0 ? 0.0 : INFINITY;
  const double t = m / (sd / std::sqrt(count)), df = count - 1;
  return std::copysign(std::sqrt((df - 0.5) * std::log1p(t * t / df)), t);
}

// Returns Stouffer's pooled z over every level of the runs, and the largest |z| of one level.
struct pooled {
  double z = 0, max_z = 0;
  std::size_t cells = 0, skipped = 0;
};
pooled pool_t(const std::vector<const record*>& runs) {
  pooled p;
  double sum = 0;
  for (const record* r : runs)
    for (std::size_t l = 0; l < r->get("n").integers().size(); ++l) {
      // A cell with overflowed outputs is outside the hypotheses (and its finite outputs are a
      // sample selected by their error): left out.
      if (r->get("not_finite").integers()[l] > 0) {
        ++p.skipped;
        continue;
      }
      const double z = z_score(*r, l);
      sum += z;
      p.max_z = std::max(p.max_z, std::fabs(z));
      ++p.cells;
    }
  p.z = p.cells ? sum / std::sqrt(static_cast<double>(p.cells)) : 0.0;
  return p;
}

// Returns the model name with its rounding suffix replaced (bf16_seq_sr -> bf16_seq_rn).
std::string counterpart(const std::string& model, const std::string& from, const std::string& to) {
  if (model.size() > from.size() && model.compare(model.size() - from.size(), from.size(), from) == 0)
    return model.substr(0, model.size() - from.size()) + to;
  return {};
}

}  // namespace

std::vector<claim> check_claims(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs) {
  std::vector<claim> claims;
  const std::vector<std::string> models = swept_models(c);

  // The fast path (fast.hpp) against the definition loop (definition.hpp) on the measured outputs.
  {
    std::int64_t mismatches = 0, checked = 0;
    for (const record& r : runs) {
      const auto& mm = r.get("reference_mismatches").integers();
      const auto& cnt = r.get("outputs_at_n").integers();
      for (std::size_t l = 0; l < mm.size(); ++l)
        if (mm[l] >= 0) {
          mismatches += mm[l];
          checked += cnt[l];
        }
    }
    claim cl{"fast_path_is_the_definition",
             "the fast CPU kernels give the same bits as the definition loop for every model",
             static_cast<double>(mismatches), "", checked > 0 && mismatches == 0};
    cl.detail = std::to_string(mismatches) + " of " + std::to_string(checked) + " outputs differ (n <= 2^" +
                std::to_string(std::min(c.check_log2n_max, c.log2n_max)) + ")";
    claims.push_back(cl);
  }

  // Every error within the model's deterministic a priori bound.
  for (const std::string& model : models) {
    double worst = 0;
    std::int64_t outputs = 0, bad = 0, bad_in_range = 0;
    std::string where;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].model != model) continue;
      const record& r = runs[i];
      const auto& ratio = r.get("max_bound_ratio").doubles();
      for (std::size_t l = 0; l < ratio.size(); ++l) {
        outputs += r.get("outputs_at_n").integers()[l];
        bad += r.get("not_finite").integers()[l];
        bad_in_range += r.get("not_finite_in_range").integers()[l];
        if (ratio[l] > worst) {
          worst = ratio[l];
          where = tasks[i].kernel + " " + tasks[i].distribution + " n=" + log2_text(r.get("n").integers()[l]);
        }
      }
    }
    if (outputs == 0) continue;
    claim cl{"bound_" + model, "every error of " + model + " lies within its deterministic a priori bound", worst, "",
             worst <= 1 && bad_in_range == 0};
    cl.detail = "max |error| / bound " + fmt_g(worst, 3) + " (" + where + ") over " + std::to_string(outputs - bad) +
                " finite outputs; " + std::to_string(bad) + " overflowed, " + std::to_string(bad_in_range) +
                " of them with sum |a b| below half the largest finite value (must be 0); bound " +
                bound_rule(model_by_name(model));
    claims.push_back(cl);
  }

  // Stochastic accumulation is unbiased; the nearest-rounding counterpart, for contrast, is not.
  for (const std::string& model : models) {
    if (!is_stochastic(model_by_name(model).accumulator_mode)) continue;
    std::vector<const record*> sr, rn;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].model == model) sr.push_back(&runs[i]);
      if (tasks[i].model == counterpart(model, "_sr", "_rn")) rn.push_back(&runs[i]);
    }
    const pooled p = pool_t(sr);
    claim cl{"unbiased_" + model,
             model + " is unbiased: the mean signed error over outputs is zero within statistical bounds", p.z, "",
             std::fabs(p.z) <= 4 && p.max_z <= 4.5};
    cl.detail = "pooled z " + fmt_g(p.z, 3) + " over " + std::to_string(p.cells) +
                " (kernel, data, n) cells (|z| <= 4), largest |z| of one cell " + fmt_g(p.max_z, 3) + " (<= 4.5)" +
                (p.skipped ? ", " + std::to_string(p.skipped) + " cells with overflow left out" : "");
    if (!rn.empty()) {
      const pooled q = pool_t(rn);
      cl.detail += "; nearest counterpart: pooled z " + fmt_g(q.z, 3) + ", largest |z| " + fmt_g(q.max_z, 3);
    }
    claims.push_back(cl);
  }

  // Stochastic accumulation stays within the probabilistic bound lambda sqrt(depth) 2u.
  for (const std::string& model : models) {
    if (!is_stochastic(model_by_name(model).accumulator_mode)) continue;
    std::int64_t within = 0, total = 0, skipped = 0;
    double u = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].model != model) continue;
      const record& r = runs[i];
      u = r.get_double("rounding_bound");
      for (std::size_t l = 0; l < r.get("n").integers().size(); ++l) {
        if (r.get("not_finite").integers()[l] > 0) {
          ++skipped;
          continue;
        }
        within += r.get("within_probabilistic").integers()[l];
        total += r.get("outputs_at_n").integers()[l];
      }
    }
    const double conf = k::probabilistic_confidence(c.lambda, u);
    const interval w = wilson_95(within, total);
    claim cl{"probabilistic_" + model,
             model + " stays within the probabilistic bound exp(lambda sqrt(d) 2u + d (2u)^2/(1-2u)) - 1 "
                     "(d = rounding depth) with at least its probability",
             total ? static_cast<double>(within) / static_cast<double>(total) : 0.0, "", w.lo >= conf};
    cl.detail = std::to_string(within) + " of " + std::to_string(total) + " outputs within (95% CI lower " +
                fmt_g(w.lo, 4) + " >= " + fmt_g(conf, 4) + " = 1 - 2 exp(-lambda^2 (1-2u)^2 / 2), lambda " +
                fmt_g(c.lambda, 3) + ")" +
                (skipped ? "; " + std::to_string(skipped) + " (kernel, data, n) cells with overflow left out" : "");
    claims.push_back(cl);
  }

  // sqrt(n) growth of stochastic accumulation and stagnation of nearest on same-sign data.
  for (const std::string& model : models) {
    const std::string rn_model = counterpart(model, "_seq_sr", "_seq_rn");
    if (rn_model.empty() || std::find(models.begin(), models.end(), rn_model) == models.end()) continue;
    const k::accumulation_model m = model_by_name(model);
    const double u = m.accumulator.unit_roundoff();
    const int p = m.accumulator.precision();
    const std::string fmt = to_string(m.accumulator);
    for (const std::string& kernel : c.kernels) {
      const record* sr = find(tasks, runs, kernel, model, "uniform");
      const record* rn = find(tasks, runs, kernel, rn_model, "uniform");
      if (!sr || !rn) continue;
      const auto& n = sr->get("n").integers();
      const auto& e_sr = sr->get("rms_error").doubles();
      const auto& e_rn = rn->get("rms_error").doubles();
      std::vector<double> lx, ly;
      for (std::size_t l = 0; l < n.size(); ++l)
        if (static_cast<double>(n[l]) <= 1 / u && e_sr[l] > 0) {
          lx.push_back(std::log2(static_cast<double>(n[l])));
          ly.push_back(std::log2(e_sr[l]));
        }
      if (lx.size() >= 4) {
        const line_fit f = fit_line(lx, ly);
        const double half = student_t_975(static_cast<double>(lx.size()) - 2) * f.slope_se;
        claim cl{"sqrt_growth_" + model + "_" + kernel,
                 "the RMS error of stochastic " + fmt + " accumulation (" + kernel +
                     ", uniform[0,1) data) grows like sqrt(n) while n <= 1/u",
                 f.slope, "", f.slope >= 0.3 && f.slope <= 0.7};
        cl.detail = "fitted slope of log2 RMS error on log2 n " + fmt_g(f.slope, 3) + " (95% CI " +
                    fmt_g(f.slope - half, 3) + ".." + fmt_g(f.slope + half, 3) + ") over n = 2^" +
                    fmt_g(lx.front(), 2) + "..2^" + fmt_g(lx.back(), 2) + " (in [0.3, 0.7])";
        claims.push_back(cl);
      }
      // The largest n where neither run overflowed (uniform data: the sums pass 65504 in binary16
      // from n = 2^17).
      std::size_t last = n.size() - 1;
      while (last > 0 && (sr->get("not_finite").integers()[last] > 0 || rn->get("not_finite").integers()[last] > 0))
        --last;
      if (last >= 1 && static_cast<double>(n[last]) >= std::ldexp(1.0, p + 3)) {
        const double ratio = e_rn[last] / e_sr[last];
        const auto& c_rn = rn->get("mean_computed").doubles();
        const auto& ex = rn->get("mean_exact").doubles();
        const double growth = c_rn[last] / c_rn[last - 1];
        claim cl{"stagnation_" + fmt + "_" + kernel,
                 "nearest " + fmt + " accumulation (" + kernel +
                     ", uniform[0,1) data) stagnates: its error at the largest n is >= 10x the stochastic one "
                     "and its result grows by at most 1.5x over the last doubling of n",
                 ratio, "", ratio >= 10 && growth <= 1.5};
        cl.detail = "RMS error nearest / stochastic " + fmt_g(ratio, 3) + " at n = " + log2_text(n[last]) +
                    " (>= 10); nearest mean result " + fmt_g(c_rn[last - 1], 5) + " -> " + fmt_g(c_rn[last], 5) +
                    " (x" + fmt_g(growth, 3) + ", <= 1.5) while the exact mean goes " + fmt_g(ex[last - 1], 5) +
                    " -> " + fmt_g(ex[last], 5);
        claims.push_back(cl);
      }
    }
  }
  return claims;
}

void print_summary(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs, std::ostream& out) {
  const std::vector<std::string> models = swept_models(c);
  const std::string kernel =
      std::find(c.kernels.begin(), c.kernels.end(), "dot") != c.kernels.end() ? "dot" : c.kernels.front();
  out << "RMS of |error| / sum |a_k b_k| in units of u (the largest unit roundoff of the model's accumulator,\n"
         "partial and output formats), " << kernel << " kernel, n = 2^"
      << c.log2n_min << " / 2^" << (c.log2n_min + c.log2n_max) / 2 << " / 2^" << c.log2n_max
      << "; worst |error| in output ulps and worst error / a priori bound over every kernel, data set and n\n";
  std::vector<std::string> header{"model", "u"};
  for (const std::string& d : c.distributions) header.push_back(d);
  header.insert(header.end(), {"max ulps", "max err/bound"});
  text_table t(header);
  for (const std::string& model : models) {
    const double u = model_unit(model_by_name(model));
    std::vector<std::string> row{model, "2^" + std::to_string(std::ilogb(u))};
    for (const std::string& d : c.distributions) {
      const record* r = find(tasks, runs, kernel, model, d);
      if (!r) {
        row.emplace_back("");
        continue;
      }
      const auto& e = r->get("rms_error").doubles();
      const std::size_t L = e.size();
      row.push_back(fmt_g(e[0] / u, 3) + " / " + fmt_g(e[L / 2] / u, 3) + " / " + fmt_g(e[L - 1] / u, 3));
    }
    double max_ulps = 0, max_ratio = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].model != model) continue;
      for (double v : runs[i].get("max_abs_ulps").doubles()) max_ulps = std::max(max_ulps, v);
      for (double v : runs[i].get("max_bound_ratio").doubles()) max_ratio = std::max(max_ratio, v);
    }
    row.push_back(fmt_g(max_ulps, 3));
    row.push_back(fmt_g(max_ratio, 3));
    t.add(row);
  }
  t.print(out);
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  const study_definition<config, task> d{
      "kernel_error",
      "Kernel error (issue 7): sum, dot, GEMV and GEMM under explicit accumulation models, against\n"
      "exact results, over n = 2^min..2^max and data distributions. Writes an HDF5 file\n"
      "(data/README.md) and checks the study's claims; exit status 3 when a claim fails.",
      "issue 7", add_options, apply_quick, make_tasks, run_task,
      check_claims, nullptr, print_summary};
  return run_study(d, argc, argv, out, err);
}

}  // namespace lowp::study::kernel_error
