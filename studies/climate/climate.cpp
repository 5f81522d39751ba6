// Implements study 2's experiments (see climate.hpp and STUDIES.md, study 2).
#include "climate.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <set>

#include "lowp/context.hpp"
#include "lowp/models/heat_column.hpp"
#include "lowp/models/lorenz63.hpp"
#include "lowp/models/lorenz96.hpp"
#include "lowp/models/wasserstein.hpp"
#include "lowp/number.hpp"

namespace lowp::study::climate {

namespace {

using models::wasserstein1;

// Returns FNV-1a of a string: the stream number of a task's random stream.
std::uint64_t hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
  return h;
}

// Returns the perturbation of null member k (0 .. members - 1), spread evenly over [min, max].
double null_delta(const config& c, int k) {
  if (c.null_members == 1) return c.null_min;
  return c.null_min + (c.null_max - c.null_min) * k / (c.null_members - 1);
}

// What one trajectory leaves: the sampled values of each variable, the first exact cycle and
// whether every value stayed finite.
struct trajectory {
  std::vector<std::vector<double>> samples;  // [variable][sample]
  std::int64_t period = -1, cycle_entered = -1;
  bool finite = true;
  double max_abs = 0;
};

// Integrates `model` from s for spinup steps, then takes `samples` samples every `every` steps;
// looks for an exact cycle after the spin-up when `find_cycle` (deterministic arithmetic only).
template <class Model, class State>
trajectory integrate(Model& model, State s, std::int64_t spinup, std::int64_t samples,
                     std::int64_t every, bool find_cycle) {
  trajectory out;
  out.samples.assign(s.size(), {});
  for (auto& v : out.samples) v.reserve(static_cast<std::size_t>(samples));
  for (std::int64_t k = 0; k < spinup; ++k) model.step(s);
  recurrence_finder cycles;
  std::vector<double> values(s.size());
  const std::int64_t steps = samples * every;
  for (std::int64_t k = 1; k <= steps; ++k) {
    model.step(s);
    for (std::size_t i = 0; i < s.size(); ++i) values[i] = static_cast<double>(s[i]);
    if (find_cycle && !cycles.found()) cycles.add(values, k);
    if (k % every == 0) {
      for (std::size_t i = 0; i < s.size(); ++i) {
        out.samples[i].push_back(values[i]);
        if (!std::isfinite(values[i])) out.finite = false;
        else out.max_abs = std::max(out.max_abs, std::fabs(values[i]));
      }
      if (!out.finite) break;  // W1 is +inf from here on; the rest would only cost time
    }
  }
  out.period = cycles.period();
  out.cycle_entered = cycles.first_step();
  return out;
}

models::lorenz63_params l63_params(const config& c) { return {10.0, 28.0, 8.0 / 3.0, c.l63_dt}; }

models::lorenz96_params l96_params(const config& c) {
  return {static_cast<std::size_t>(c.l96_n), c.l96_forcing, c.l96_dt};
}

// Returns the binary64 state a Lorenz run starts from: the usual start with x shifted by delta
// (L63: (1, 1, 20); L96: x_k = F, x_0 = F + 0.01), after the binary64 spin-up.
std::vector<double> lorenz_start(const config& c, const std::string& experiment, double delta) {
  if (experiment == "l63") {
    models::lorenz63<double> m(l63_params(c));
    auto s = m.make_state(1.0 + delta, 1.0, 20.0);
    for (std::int64_t k = 0; k < c.l63_start_spinup; ++k) m.step(s);
    return {s.begin(), s.end()};
  }
  models::lorenz96<double> m(l96_params(c));
  std::vector<double> s = m.make_state(c.l96_forcing, 0.01 + delta);
  for (std::int64_t k = 0; k < c.l96_start_spinup; ++k) m.step(s);
  return s;
}

// Runs a Lorenz model in T from `start` (converted to T): the run's spin-up, then its samples.
template <class T>
trajectory lorenz_trajectory(const config& c, const std::string& experiment, const std::vector<double>& start,
                             bool find_cycle) {
  if (experiment == "l63") {
    models::lorenz63<T> m(l63_params(c));
    return integrate(m, m.make_state(start[0], start[1], start[2]), c.l63_spinup, c.l63_samples, c.l63_every,
                     find_cycle);
  }
  models::lorenz96<T> m(l96_params(c));
  std::vector<T> s;
  for (double v : start) s.push_back(models::convert<T>(v));
  return integrate(m, s, c.l96_spinup, c.l96_samples, c.l96_every, find_cycle);
}

trajectory lorenz_reference(const config& c, const std::string& experiment) {
  return lorenz_trajectory<double>(c, experiment, lorenz_start(c, experiment, 0.0), false);
}

// Returns the samples of every variable pooled into one (Lorenz '96's variables are statistically
// identical by symmetry).
std::vector<double> pooled(const trajectory& t) {
  std::vector<double> all;
  for (const auto& v : t.samples) all.insert(all.end(), v.begin(), v.end());
  return all;
}

// W1 of each variable of `run` against `ref` (l63: x, y, z; l96: the pooled sample).
std::vector<double> distances(const std::string& experiment, const trajectory& run, const trajectory& ref) {
  std::vector<double> w;
  if (experiment == "l63") {
    for (std::size_t i = 0; i < 3; ++i) w.push_back(wasserstein1(run.samples[i], ref.samples[i]));
  } else {
    w.push_back(wasserstein1(pooled(run), pooled(ref)));
  }
  return w;
}

// Stores the first plot_samples samples of each variable as [samples x variables] (l96: the
// first 3 variables and the Hovmoeller block of all of them).
void add_trajectory(const config& c, const trajectory& t, record& r) {
  const std::size_t vars = t.samples.size();
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(c.plot_samples), t.samples[0].size());
  std::vector<double> block(n * vars);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < vars; ++i) block[k * vars + i] = t.samples[i][k];
  r.add("trajectory", block, "1", {n, vars});
}

// Adds the histogram of the pooled samples (the climate): counts over `bins` equal bins of [lo, hi].
void add_histogram(const trajectory& t, double lo, double hi, int bins, record& r) {
  std::vector<double> edges;
  for (int b = 0; b <= bins; ++b) edges.push_back(lo + (hi - lo) * b / bins);
  const std::size_t vars = t.samples.size();
  std::vector<std::int64_t> counts(vars * static_cast<std::size_t>(bins), 0);
  for (std::size_t i = 0; i < vars; ++i)
    for (double v : t.samples[i]) {
      if (!(v >= lo && v <= hi)) continue;
      const int b = std::min(bins - 1, static_cast<int>((v - lo) / (hi - lo) * bins));
      ++counts[i * static_cast<std::size_t>(bins) + static_cast<std::size_t>(b)];
    }
  r.add("histogram_edges", edges, "1");
  r.add("histogram", counts, "count", {vars, static_cast<std::size_t>(bins)});
}

void add_histograms(const std::string& experiment, const trajectory& t, record& r) {
  if (experiment == "l63") add_histogram(t, -30.0, 60.0, 90, r);
  else add_histogram(t, -15.0, 20.0, 70, r);
}

record lorenz_null(const config& c, const task& t) {
  record r;
  const trajectory ref = lorenz_reference(c, t.experiment);
  const std::size_t vars = t.experiment == "l63" ? 3 : 1;
  std::vector<double> w(static_cast<std::size_t>(c.null_members) * vars), deltas;
  for (int k = 0; k < c.null_members; ++k) {
    const double d = null_delta(c, k);
    deltas.push_back(d);
    const trajectory member = lorenz_trajectory<double>(c, t.experiment, lorenz_start(c, t.experiment, d), false);
    const std::vector<double> wk = distances(t.experiment, member, ref);
    std::copy(wk.begin(), wk.end(), w.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(k) * vars));
  }
  std::vector<double> maxima, p95;
  for (std::size_t i = 0; i < vars; ++i) {
    std::vector<double> column;
    for (int k = 0; k < c.null_members; ++k) column.push_back(w[static_cast<std::size_t>(k) * vars + i]);
    maxima.push_back(*std::max_element(column.begin(), column.end()));
    p95.push_back(quantile(column, 0.95));
  }
  r.set("members", static_cast<std::int64_t>(c.null_members));
  r.add("perturbation", deltas, "1");
  r.add("w1", w, "1", {static_cast<std::size_t>(c.null_members), vars});
  r.add("null_max", maxima, "1").add("null_p95", p95, "1");
  add_trajectory(c, ref, r);
  add_histograms(t.experiment, ref, r);
  return r;
}

// Runs member t.member of a Lorenz model in t's format and mode (lowp::number under a
// scoped_context: one compiled model for every format) and measures its W1 against the binary64
// reference.
record lorenz_run(const config& c, const task& t) {
  record r;
  const trajectory ref = lorenz_reference(c, t.experiment);
  const double delta = -null_delta(c, t.member);
  const std::vector<double> start = lorenz_start(c, t.experiment, delta);
  sr_generator gen(c.common.seed, hash(t.name()));
  trajectory run;
  {
    scoped_context ctx(t.fmt, t.mode, gen);
    run = lorenz_trajectory<number>(c, t.experiment, start, !is_stochastic(t.mode));
  }
  const std::vector<double> w = distances(t.experiment, run, ref);
  r.add("w1", w, "1");
  r.set("perturbation", delta);
  r.set("finite", static_cast<std::int64_t>(run.finite)).set("max_abs", run.max_abs);
  r.set("period_steps", run.period).set("cycle_entered_step", run.cycle_entered);
  r.set("random_words", static_cast<std::int64_t>(gen.counter()));
  // Spread of the run's climate: a collapsed attractor has a tiny one.
  std::vector<double> spread;
  for (const auto& v : run.samples) spread.push_back(v.size() > 1 ? stddev(v) : 0.0);
  r.add("std", spread, "1");
  add_trajectory(c, run, r);
  add_histograms(t.experiment, run, r);
  return r;
}

// Runs the heat column for heat_years in binary64 and in t's format and mode at the same dt;
// records the RMS error over depth every year and the final profiles.
record heat_run(const config& c, const task& t) {
  record r;
  models::heat_column_params p;
  p.dt *= t.dt_factor;
  const std::int64_t steps = p.steps_in_years(c.heat_years);
  const std::int64_t per_year = p.steps_in_years(1.0);
  models::heat_column<double> ref_model(p);
  std::vector<double> ref = ref_model.make_state(p);
  sr_generator gen(c.common.seed, hash(t.name()));
  scoped_context ctx(t.fmt, t.mode, gen);
  models::heat_column<number> model(p);
  std::vector<number> s = model.make_state(p);
  const std::size_t nodes = s.size();
  auto rms = [&] {
    long double sq = 0;
    for (std::size_t i = 0; i < nodes; ++i) {
      const long double d = static_cast<long double>(s[i].value()) - ref[i];
      sq += d * d;
    }
    return static_cast<double>(std::sqrt(sq / static_cast<long double>(nodes)));
  };
  std::vector<double> years, errors;
  for (std::int64_t k = 1; k <= steps; ++k) {
    model.step(s);
    ref_model.step(ref);
    if (k % per_year == 0 || k == steps) {
      years.push_back(static_cast<double>(k) * p.dt / (365.0 * 86400.0));
      errors.push_back(rms());
    }
  }
  std::vector<double> profile, depth;
  double gain = 0, ref_gain = 0;
  for (std::size_t i = 0; i < nodes; ++i) {
    profile.push_back(s[i].value());
    depth.push_back(static_cast<double>(i) * p.dz);
    gain += s[i].value() - p.t_initial;
    ref_gain += ref[i] - p.t_initial;
  }
  r.set("dt", p.dt).set("dt_factor", static_cast<std::int64_t>(t.dt_factor)).set("steps", steps);
  r.set("courant", model.courant().value()).set("rms_error", errors.back());
  r.set("heat_gain", gain * p.dz).set("heat_gain_reference", ref_gain * p.dz);
  r.set("random_words", static_cast<std::int64_t>(gen.counter()));
  r.add("depth", depth, "m").add("profile", profile, "K").add("profile_reference", ref, "K");
  r.add("years", years, "year").add("rms_error_series", errors, "K");
  return r;
}

std::vector<int> parse_ints(const std::vector<std::string>& list, const std::string& option, int lo, int hi) {
  std::vector<int> out;
  for (const std::string& s : list) {
    const std::int64_t v = parse_int(s, option);
    if (v < lo || v > hi)
      throw usage_error("--" + option + ": " + s + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    out.push_back(static_cast<int>(v));
  }
  return out;
}

}  // namespace

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (at - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

void recurrence_finder::add(const std::vector<double>& state, std::int64_t step) {
  if (found()) return;
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (double v : state) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    h = (h ^ bits) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  const std::size_t n = state.size();
  auto [lo, hi] = index_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    const double* old = states_.data() + it->second * n;
    if (std::memcmp(old, state.data(), n * sizeof(double)) == 0) {
      first_ = steps_[it->second];
      period_ = step - first_;
      states_.clear();
      states_.shrink_to_fit();
      index_.clear();
      return;
    }
  }
  index_.emplace(h, steps_.size());
  steps_.push_back(step);
  states_.insert(states_.end(), state.begin(), state.end());
}

std::string task::name() const {
  if (!label.empty()) return label;
  std::string n = experiment + "_";
  if (kind == "null") return n + "null";
  n += format_text + "_" + std::string(short_name(mode));
  if (member >= 0) n += (experiment == "heat" ? "_s" : "_m") + std::to_string(member);
  if (experiment == "heat") n += "_dt" + std::to_string(1800 * dt_factor);
  return n;
}

void add_options(option_parser& p, config& c) {
  p.add_common(c.common);
  p.add("experiments", c.experiments, "experiments to run (l63, l96, heat, sw)");
  p.add("sbits", c.sbits, "L63/L96: significand bits of the rpe-style formats E11M<sbits> (1..52; quick: 2,3,4,6,8,10,12,15,23)");
  p.add("formats", c.formats, "L63/L96: further formats (lowp format strings; quick: binary16)");
  p.add("modes", c.modes, "rounding modes (rne, sr, ...)");
  p.add("members", c.members, "L63/L96: runs (perturbed starts; stochastic: own streams) per format and mode (quick: 3)");
  p.add("null-members", c.null_members, "L63/L96: binary64 runs with perturbed starts in the null ensemble (>= 2)");
  p.add("null-min", c.null_min, "smallest perturbation of x at the start");
  p.add("null-max", c.null_max, "largest perturbation of x at the start");
  p.add("l63-dt", c.l63_dt, "Lorenz '63 time step");
  p.add("l63-start-spinup", c.l63_start_spinup, "Lorenz '63 binary64 steps to each start");
  p.add("l63-spinup", c.l63_spinup, "Lorenz '63 spin-up steps");
  p.add("l63-samples", c.l63_samples, "Lorenz '63 samples per run (quick: 5000)");
  p.add("l63-every", c.l63_every, "Lorenz '63 steps between samples");
  p.add("l96-n", c.l96_n, "Lorenz '96 variables");
  p.add("l96-forcing", c.l96_forcing, "Lorenz '96 forcing F");
  p.add("l96-dt", c.l96_dt, "Lorenz '96 time step");
  p.add("l96-start-spinup", c.l96_start_spinup, "Lorenz '96 binary64 steps to each start");
  p.add("l96-spinup", c.l96_spinup, "Lorenz '96 spin-up steps of each run");
  p.add("l96-samples", c.l96_samples, "Lorenz '96 samples per run (quick: 2000)");
  p.add("l96-every", c.l96_every, "Lorenz '96 steps between samples");
  p.add("plot-samples", c.plot_samples, "trajectory samples stored per run");
  p.add("heat-sbits", c.heat_sbits, "heat column: significand bits of E11M<sbits>");
  p.add("heat-dt-factors", c.heat_dt_factors, "heat column: dt = 1800 s times each factor");
  p.add("heat-years", c.heat_years, "heat column: simulated years (quick: 10)");
  p.add("heat-seeds", c.heat_seeds, "heat column: stochastic runs per format and dt (quick: 2)");
  p.add("collapse-factor", c.collapse_factor, "collapse: W1 above this multiple of the null max");
  add_sw_options(p, c.sw);
}

void apply_quick(const option_parser& p, config& c) {
  if (!c.common.quick) return;
  if (!p.given("members")) c.members = 3;
  if (!p.given("sbits")) c.sbits = {"2", "3", "4", "6", "8", "10", "12", "15", "23"};
  if (!p.given("formats")) c.formats = {"binary16"};
  if (!p.given("l63-samples")) c.l63_samples = 5000;
  if (!p.given("l96-samples")) c.l96_samples = 2000;
  if (!p.given("heat-years")) c.heat_years = 10;
  if (!p.given("heat-seeds")) c.heat_seeds = 2;
  apply_sw_quick(p, c.sw);
}

std::vector<task> make_tasks(const config& c) {
  for (const std::string& e : c.experiments)
    if (e != "l63" && e != "l96" && e != "heat" && e != "sw")
      throw usage_error("--experiments: unknown experiment '" + e + "' (l63, l96, heat, sw)");
  auto wanted = [&](const std::string& e) {
    return std::find(c.experiments.begin(), c.experiments.end(), e) != c.experiments.end();
  };
  std::vector<std::pair<format, std::string>> formats;
  for (int s : parse_ints(c.sbits, "sbits", 1, 52)) {
    const std::string text = "E11M" + std::to_string(s);
    formats.emplace_back(parse_format(text), text);
  }
  for (auto& f : parse_formats(c.formats, "formats")) formats.push_back(std::move(f));
  const std::vector<rounding> modes = parse_modes(c.modes, "modes");
  const std::vector<int> heat_sbits = parse_ints(c.heat_sbits, "heat-sbits", 1, 52);
  const std::vector<int> factors = parse_ints(c.heat_dt_factors, "heat-dt-factors", 1, 256);
  if (c.members < 1 || c.heat_seeds < 1) throw usage_error("--members and --heat-seeds must be >= 1");
  if (c.null_members < 2 || c.null_members < c.members)
    throw usage_error("--null-members must be >= 2 and >= --members");
  if (!(c.null_min > 0) || !(c.null_max >= c.null_min) || c.null_max > 1)
    throw usage_error("--null-min/max must satisfy 0 < min <= max <= 1");
  if (c.l63_samples < 2 || c.l96_samples < 2 || c.l63_every < 1 || c.l96_every < 1 || c.l63_spinup < 0 || c.l63_start_spinup < 0 ||
      c.l96_spinup < 0 || c.l96_start_spinup < 0)
    throw usage_error("sample counts must be >= 2, sample spacing >= 1 and spin-ups >= 0");
  if (c.l63_samples * c.l63_every > 100000000 || c.l96_samples * c.l96_every > 10000000)
    throw usage_error("runs longer than 1e8 (L63) or 1e7 (L96) steps are refused");
  if (!(c.l63_dt > 0) || !(c.l96_dt > 0) || c.l63_dt > 0.1 || c.l96_dt > 0.2)
    throw usage_error("time steps must be in (0, 0.1] (L63) and (0, 0.2] (L96)");
  if (c.l96_n < 4 || c.l96_n > 1000) throw usage_error("--l96-n must be in 4..1000");
  if (c.plot_samples < 1) throw usage_error("--plot-samples must be >= 1");
  if (!(c.heat_years > 0) || c.heat_years > 200) throw usage_error("--heat-years must be in (0, 200]");
  if (!(c.collapse_factor > 1)) throw usage_error("--collapse-factor must be > 1");

  std::vector<task> tasks;
  // The shallow-water runs (its stochastic ones are the longest of the study) and the heat
  // column's finest dt come first.
  if (wanted("sw"))
    for (const std::string& name : sw_task_names(c.sw))
      tasks.push_back({"sw", "run", "", formats::binary64, rounding::nearest_even, -1, 1, name});
  if (wanted("heat"))
    for (int factor : factors)
      for (int s : heat_sbits)
        for (rounding m : modes) {
          const std::string text = "E11M" + std::to_string(s);
          const int seeds = is_stochastic(m) ? c.heat_seeds : 1;
          for (int k = 0; k < seeds; ++k)
            tasks.push_back({"heat", "run", text, parse_format(text), m, is_stochastic(m) ? k : -1, factor, ""});
        }
  for (const char* e : {"l96", "l63"}) {
    if (!wanted(e)) continue;
    tasks.push_back({e, "null", "binary64", formats::binary64, rounding::nearest_even, -1, 1, ""});
    for (const auto& [f, text] : formats)
      for (rounding m : modes) {
        for (int k = 0; k < c.members; ++k) tasks.push_back({e, "run", text, f, m, k, 1, ""});
      }
  }
  std::set<std::string> names;
  for (const task& t : tasks)
    if (!names.insert(t.name()).second)
      throw usage_error("run " + t.name() + " appears twice (a format or mode listed twice?)");
  return tasks;
}

record run_task(const config& c, const task& t) {
  if (t.experiment == "sw") {
    // The family names its runs and sets its own attributes (format, mode, ...).
    // The family names its runs and sets its own attributes (kind, compute_format,
    // prognostic_format, rounding, sr_seed); the study's common ones are derived from them.
    record r = run_sw_task(c.sw, t.label, c.common.seed);
    record out;
    out.name = t.name();
    out.set("seed", static_cast<std::int64_t>(c.common.seed));
    for (const attribute& a : r.attrs) out.set(a.name, a.value);
    const std::string& compute = r.get_string("compute_format");
    const std::string& prognostic = r.get_string("prognostic_format");
    const std::optional<rounding> m = parse_rounding(r.get_string("rounding"));
    const std::int64_t member = r.find_attr("member") != nullptr ? r.get_int("member")
                                : r.get_int("sr_seed") > 0      ? r.get_int("sr_seed")
                                                                : -1;
    out.set("experiment", std::string("sw"))
        .set("format", compute == prognostic ? compute : compute + "+" + prognostic)
        .set("sbits", static_cast<std::int64_t>(parse_format(compute).mantissa_bits))
        .set("mode", std::string(long_name(m.value_or(rounding::nearest_even))))
        .set("member", member);
    out.datasets = std::move(r.datasets);
    return out;
  }
  record r;
  if (t.experiment == "heat") r = heat_run(c, t);
  else if (t.kind == "null") r = lorenz_null(c, t);
  else r = lorenz_run(c, t);
  record out;
  out.name = t.name();
  out.set("experiment", t.experiment).set("kind", t.kind).set("format", t.format_text);
  out.set("sbits", static_cast<std::int64_t>(t.fmt.mantissa_bits));
  out.set("mode", std::string(long_name(t.mode))).set("member", static_cast<std::int64_t>(t.member));
  out.set("seed", static_cast<std::int64_t>(c.common.seed));
  for (const attribute& a : r.attrs) out.set(a.name, a.value);
  out.datasets = std::move(r.datasets);
  return out;
}

}  // namespace lowp::study::climate
