// Checks study 2's claims, prints its summary and runs the study (see climate.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <ostream>
#include <set>

#include "climate.hpp"

namespace lowp::study::climate {

namespace {

constexpr int never = std::numeric_limits<int>::max();

// The runs of one experiment, with the null ensemble's thresholds per variable.
struct lorenz_view {
  const record* null = nullptr;
  std::vector<std::pair<const task*, const record*>> runs;

  // Returns W1 / threshold per variable (threshold: the null max, or its 95th percentile).
  [[nodiscard]] std::vector<double> ratios(const record& r, bool p95 = false) const {
    std::vector<double> q = r.get("w1").doubles();
    const std::vector<double>& th = null->get(p95 ? "null_p95" : "null_max").doubles();
    for (std::size_t i = 0; i < q.size(); ++i) q[i] /= th[i];
    return q;
  }
  // Returns the largest over variables of W1 / threshold of one run.
  [[nodiscard]] double ratio(const record& r, bool p95 = false) const {
    const std::vector<double> q = ratios(r, p95);
    return *std::max_element(q.begin(), q.end());
  }
  // Returns a format and mode's score: the largest over variables of the median over its members
  // of W1 / threshold (<= 1: within the null band); NaN without runs.
  [[nodiscard]] double score(const std::string& format_text, rounding mode, bool p95 = false) const {
    std::vector<std::vector<double>> per_var;
    for (const auto& [t, r] : runs) {
      if (t->mode != mode || t->format_text != format_text) continue;
      const std::vector<double> q = ratios(*r, p95);
      per_var.resize(q.size());
      for (std::size_t i = 0; i < q.size(); ++i) per_var[i].push_back(q[i]);
    }
    if (per_var.empty()) return NAN;
    double worst = 0;
    for (const auto& v : per_var) worst = std::max(worst, quantile(v, 0.5));
    return worst;
  }
  // Returns the score per sbits of the rpe-style formats E11M<sbits>.
  [[nodiscard]] std::map<int, double> score_by_sbits(rounding mode, bool p95 = false) const {
    std::map<int, double> out;
    for (const auto& [t, r] : runs)
      if (t->mode == mode && t->format_text.rfind("E11M", 0) == 0 && !out.count(t->fmt.mantissa_bits))
        out[t->fmt.mantissa_bits] = score(t->format_text, mode, p95);
    return out;
  }
  // Returns the smallest sbits from which the mode is within the null band at that and every
  // larger sbits of the sweep; `never` when the largest is not.
  [[nodiscard]] int reach(rounding mode, bool p95 = false) const {
    const std::map<int, double> by = score_by_sbits(mode, p95);
    int from = never;
    for (auto it = by.rbegin(); it != by.rend() && it->second <= 1.0; ++it) from = it->first;
    return from;
  }
};

lorenz_view view(const std::string& experiment, const std::vector<task>& tasks, const std::vector<record>& runs) {
  lorenz_view v;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].experiment != experiment) continue;
    if (tasks[i].kind == "null") v.null = &runs[i];
    else v.runs.emplace_back(&tasks[i], &runs[i]);
  }
  return v;
}

std::string sbits_text(int s) { return s == never ? "never" : std::to_string(s); }

// The comparison of L63 and L96: stochastic reaches the null band at >= 2 fewer sbits.
claim reach_claim(const std::string& experiment, const lorenz_view& v, int members) {
  claim c;
  c.id = experiment + "_sr_reaches_null_band_earlier";
  const std::string model = experiment == "l63" ? "Lorenz '63" : "Lorenz '96";
  c.statement = model + ": stochastic rounding reaches the binary64 null band (median W1 over members <= null max) at >= 2 fewer significand bits than nearest";
  const int rn = v.reach(rounding::nearest_even), sr = v.reach(rounding::stochastic);
  const int rn95 = v.reach(rounding::nearest_even, true), sr95 = v.reach(rounding::stochastic, true);
  c.pass = rn != never && sr != never && rn - sr >= 2;
  c.measured = (rn == never || sr == never) ? NAN : rn - sr;
  c.detail = "nearest from " + sbits_text(rn) + " sbits, stochastic from " + sbits_text(sr) + " (median of " +
             std::to_string(members) + " members); gap " + (std::isnan(c.measured) ? "n/a" : fmt_g(c.measured)) +
             " >= 2; with the 95th percentile: " + sbits_text(rn95) + " vs " + sbits_text(sr95);
  return c;
}

const record* heat_record(const std::vector<task>& tasks, const std::vector<record>& runs, int sbits,
                          rounding mode, int factor, int seed) {
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const task& t = tasks[i];
    if (t.experiment == "heat" && t.fmt.mantissa_bits == sbits && t.mode == mode && t.dt_factor == factor &&
        t.member == seed)
      return &runs[i];
  }
  return nullptr;
}

// Returns the RMS errors of every seed of (sbits, mode, factor) after heat_years.
std::vector<double> heat_errors(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs,
                                int sbits, rounding mode, int factor) {
  std::vector<double> e;
  const int seeds = is_stochastic(mode) ? c.heat_seeds : 1;
  for (int k = 0; k < seeds; ++k)
    if (const record* r = heat_record(tasks, runs, sbits, mode, factor, is_stochastic(mode) ? k : -1))
      e.push_back(r->get_double("rms_error"));
  return e;
}

bool has(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// Returns the shallow-water records in task order (= sw_task_names' order).
std::vector<record> sw_records(const std::vector<task>& tasks, const std::vector<record>& runs) {
  std::vector<record> out;
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (tasks[i].experiment == "sw") out.push_back(runs[i]);
  return out;
}

}  // namespace

std::vector<claim> check_claims(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs) {
  std::vector<claim> out;
  const bool both_modes = has(c.modes, "rne") && has(c.modes, "sr");
  for (const std::string e : {"l63", "l96"}) {
    if (!has(c.experiments, e)) continue;
    const lorenz_view v = view(e, tasks, runs);
    // Lorenz '96's comparison is reported (reported_figures), not claimed: STUDIES.md 2c.
    if (both_modes && e == "l63") out.push_back(reach_claim(e, v, c.members));
    if (e != "l63" || !has(c.modes, "rne")) continue;
    // Collapse: nearest at 2-4 sbits leaves the attractor's climate far behind the null band.
    claim k;
    k.id = "l63_rn_collapses_at_2_to_4_sbits";
    k.statement = "Lorenz '63: nearest rounding at 2-4 significand bits collapses the attractor (W1 > " +
                  fmt_g(c.collapse_factor) + " x the null max)";
    double least = std::numeric_limits<double>::infinity();
    std::string figures;
    int seen = 0;
    for (const auto& [t, r] : v.runs) {
      const int s = t->fmt.mantissa_bits;
      if (t->mode != rounding::nearest_even || t->format_text.rfind("E11M", 0) != 0 || s < 2 || s > 4) continue;
      ++seen;  // every member must collapse
      const double q = v.ratio(*r);
      least = std::min(least, q);
      const std::int64_t period = r->get_int("period_steps");
      if (t->member == 0)
        figures += (figures.empty() ? "" : "; ") + std::to_string(s) + " sbits: W1/null max " + fmt_g(q, 3) +
                   ", " + (period > 0 ? "exact cycle of " + std::to_string(period) + " steps" : "no exact cycle");
    }
    if (seen > 0) figures += " (member 0); least W1/null max over all " + std::to_string(seen) + " runs " + fmt_g(least, 3);
    k.pass = seen > 0 && least > c.collapse_factor;
    k.measured = seen > 0 ? least : NAN;
    k.detail = seen > 0 ? figures : "no nearest run at 2-4 sbits in the sweep";
    out.push_back(k);
  }
  if (has(c.experiments, "heat") && has(c.heat_sbits, "23") && has(c.heat_dt_factors, "1")) {
    const std::vector<double> rn = heat_errors(c, tasks, runs, 23, rounding::nearest_even, 1);
    const std::vector<double> sr = heat_errors(c, tasks, runs, 23, rounding::stochastic, 1);
    if (!rn.empty()) {
      const record* r = heat_record(tasks, runs, 23, rounding::nearest_even, 1, -1);
      const double gain = r->get_double("heat_gain"), ref_gain = r->get_double("heat_gain_reference");
      claim k;
      k.id = "heat_rn_stagnates_at_23_sbits";
      k.statement = "heat column, 23 sbits, dt = 1800 s: nearest rounding stagnates (the column takes up < 90% of binary64's heat)";
      k.measured = gain / ref_gain;
      k.pass = k.measured < 0.9;
      k.detail = "heat taken up " + fmt_g(gain) + " K m vs binary64 " + fmt_g(ref_gain) + " K m (ratio " +
                 fmt_g(k.measured, 3) + " < 0.9); RMS error " + fmt_g(rn[0], 3) + " K after " + fmt_g(c.heat_years) +
                 " years";
      out.push_back(k);
    }
    if (!sr.empty()) {
      claim k;
      k.id = "heat_sr_rms_below_0.01K";
      k.statement = "heat column, 23 sbits, dt = 1800 s: stochastic rounding's RMS error stays below 0.01 K";
      k.measured = *std::max_element(sr.begin(), sr.end());
      k.pass = k.measured < 0.01;
      k.detail = "largest RMS error over " + std::to_string(sr.size()) + " seeds " + fmt_g(k.measured, 3) +
                 " K < 0.01 K (mean " + fmt_g(mean(sr), 3) + " K)";
      out.push_back(k);
    }
    const std::vector<double> rn8 = heat_errors(c, tasks, runs, 23, rounding::nearest_even, 8);
    if (!rn.empty() && !rn8.empty()) {
      claim k;
      k.id = "heat_rn_error_falls_10x_with_8x_dt";
      k.statement = "heat column, 23 sbits: nearest rounding's RMS error falls by > 10x when dt grows 8x (1800 s -> 14400 s)";
      k.measured = rn[0] / rn8[0];
      k.pass = k.measured > 10;
      k.detail = "RMS error " + fmt_g(rn[0], 3) + " K at 1800 s, " + fmt_g(rn8[0], 3) + " K at 14400 s: ratio " +
                 fmt_g(k.measured, 3) + " > 10";
      out.push_back(k);
    }
  }
  if (has(c.experiments, "sw"))
    for (claim& k : check_sw_claims(c.sw, sw_records(tasks, runs))) out.push_back(std::move(k));
  return out;
}

std::vector<attribute> reported_figures(const config& c, const std::vector<task>& tasks,
                                        const std::vector<record>& runs) {
  std::vector<attribute> out;
  if (!has(c.modes, "rne") || !has(c.modes, "sr")) return out;
  for (const std::string e : {"l63", "l96"}) {
    if (!has(c.experiments, e)) continue;
    const lorenz_view v = view(e, tasks, runs);
    const auto value = [](int s) { return static_cast<std::int64_t>(s == never ? -1 : s); };
    out.push_back({e + "_rne_band_from_sbits", value(v.reach(rounding::nearest_even))});
    out.push_back({e + "_sr_band_from_sbits", value(v.reach(rounding::stochastic))});
    out.push_back({e + "_rne_band_from_sbits_p95", value(v.reach(rounding::nearest_even, true))});
    out.push_back({e + "_sr_band_from_sbits_p95", value(v.reach(rounding::stochastic, true))});
  }
  return out;
}

void print_summary(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs, std::ostream& out) {
  for (const std::string e : {"l63", "l96"}) {
    if (!has(c.experiments, e)) continue;
    const lorenz_view v = view(e, tasks, runs);
    out << "\n" << (e == "l63" ? "Lorenz '63" : "Lorenz '96") << ": median over " << c.members
        << " members of W1 / null max (the largest over variables; null ensemble of " << c.null_members
        << " binary64 runs, W1 thresholds";
    for (double x : v.null->get("null_max").doubles()) out << " " << fmt_g(x, 3);
    out << ")\n";
    std::vector<std::string> header{"format"};
    for (const std::string& m : c.modes) header.push_back(m);
    if (has(c.modes, "rne")) header.push_back("rne exact cycles (steps)");
    text_table table(header);
    std::vector<std::string> order;
    for (const auto& [t, r] : v.runs)
      if (std::find(order.begin(), order.end(), t->format_text) == order.end()) order.push_back(t->format_text);
    for (const std::string& f : order) {
      std::vector<std::string> row{f};
      for (const std::string& m : c.modes) row.push_back(fmt_g(v.score(f, *parse_rounding(m)), 3));
      if (has(c.modes, "rne")) {
        std::string cycles;
        for (const auto& [t, r] : v.runs)
          if (t->format_text == f && t->mode == rounding::nearest_even) {
            const std::int64_t p = r->get_int("period_steps");
            cycles += (cycles.empty() ? "" : " ") + (p > 0 ? std::to_string(p) : std::string("-"));
          }
        row.push_back(cycles);
      }
      table.add(row);
    }
    table.print(out);
    if (has(c.modes, "rne") && has(c.modes, "sr")) {
      const auto text = [](int s) { return s == never ? std::string("never") : std::to_string(s); };
      out << (e == "l96" ? "REPORTED (not a claim): " : "") << "within the null band from: nearest " << text(v.reach(rounding::nearest_even)) << " sbits, stochastic "
          << text(v.reach(rounding::stochastic)) << " sbits (95th percentile: "
          << text(v.reach(rounding::nearest_even, true)) << " and " << text(v.reach(rounding::stochastic, true))
          << ")\n";
    }
  }
  if (has(c.experiments, "heat")) {
    out << "\nHeat column: RMS error over depth (K) after " << fmt_g(c.heat_years)
        << " years against binary64 at the same dt; stochastic: mean (max) of " << c.heat_seeds << " seeds\n";
    text_table table({"sbits", "dt (s)", "rne RMS", "rne heat / binary64", "sr RMS mean (max)"});
    for (const std::string& fs : c.heat_dt_factors)
      for (const std::string& ss : c.heat_sbits) {
        const int factor = static_cast<int>(parse_int(fs, "heat-dt-factors"));
        const int sbits = static_cast<int>(parse_int(ss, "heat-sbits"));
        const std::vector<double> rn = heat_errors(c, tasks, runs, sbits, rounding::nearest_even, factor);
        const std::vector<double> sr = heat_errors(c, tasks, runs, sbits, rounding::stochastic, factor);
        const record* r = heat_record(tasks, runs, sbits, rounding::nearest_even, factor, -1);
        table.add({ss, std::to_string(1800 * factor), rn.empty() ? "-" : fmt_g(rn[0], 3),
                   r ? fmt_g(r->get_double("heat_gain") / r->get_double("heat_gain_reference"), 4) : "-",
                   sr.empty() ? "-"
                              : fmt_g(mean(sr), 3) + " (" + fmt_g(*std::max_element(sr.begin(), sr.end()), 3) + ")"});
      }
    table.print(out);
  }
  if (has(c.experiments, "sw")) {
    out << "\n";
    print_sw_summary(c.sw, sw_records(tasks, runs), out);
  }
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  const study_definition<config, task> d{
      "climate",
      "Study 2: climate models in low precision, nearest vs stochastic rounding (Lorenz '63,\n"
      "Lorenz '96, the soil heat column and the shallow-water channel). Writes an HDF5 file\n"
      "(data/README.md) and checks the study's claims; exit status 3 when a claim fails.",
      "STUDIES.md, study 2", add_options, apply_quick, make_tasks, run_task,
      check_claims, reported_figures, print_summary};
  return run_study(d, argc, argv, out, err);
}

}  // namespace lowp::study::climate
