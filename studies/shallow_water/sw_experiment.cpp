// Implements the shallow-water experiment of the climate study (see sw_experiment.hpp).
#include "sw_experiment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "lowp/context.hpp"
#include "lowp/fp.hpp"
#include "lowp/random.hpp"

namespace lowp::study::climate {

namespace {

using models::shallow_water;
using models::sw_fields;
using models::sw_parameters;

// Returns FNV-1a of a string: the stream number of a named random stream.
std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
  return h;
}

// Returns the options that shape the binary64 trajectories, as an exact key.
std::string key_of(const sw_options& o, bool with_run, bool with_members, std::uint64_t seed) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%a;%a;%a", o.spinup_days, o.dt, o.scale);
  std::string k = buf;
  if (with_run) {
    std::snprintf(buf, sizeof buf, ";%a;%a", o.days, o.output_hours);
    k += buf;
  }
  if (with_members) {
    std::snprintf(buf, sizeof buf, ";%d;%a;%llu", o.members, o.perturbation,
                  static_cast<unsigned long long>(seed));
    k += buf;
  }
  return k;
}

long steps_per_output(const sw_options& o) {
  return std::max(1L, std::lround(o.output_hours * 3600.0 / o.dt));
}
long outputs(const sw_options& o) {
  return std::max(1L, std::lround(o.days * 24.0 / o.output_hours));
}

double rmse(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(s / static_cast<double>(a.size()));
}

// A run sampled at the output times (index 0 = the initial state).
struct trajectory {
  std::vector<std::vector<double>> eta;
  std::vector<double> max_speed, eta_sum;
};

// Runs the model in (T, TProg) from `init` for the experiment's length.
template <class T, class TProg = T>
trajectory simulate(const sw_options& o, const sw_fields& init) {
  shallow_water<T, TProg> m(sw_model_parameters(o));
  m.set_fields(init);
  trajectory tr;
  const long n = outputs(o), every = steps_per_output(o);
  for (long i = 0; i <= n; ++i) {
    if (i > 0) m.run(every);
    std::vector<double> e = m.eta();
    double s = 0;
    for (double x : e) s += x;
    tr.eta_sum.push_back(s);
    tr.max_speed.push_back(m.max_speed());
    tr.eta.push_back(std::move(e));
  }
  return tr;
}

// The per-process caches (each computed once per key, under its own lock; lock order spin-up,
// reference, ensemble).
std::mutex spinup_mutex, reference_mutex, ensemble_mutex;

const sw_fields& spinup_state(const sw_options& o) {
  static std::map<std::string, std::unique_ptr<sw_fields>> cache;
  const std::lock_guard<std::mutex> lock(spinup_mutex);
  std::unique_ptr<sw_fields>& slot = cache[key_of(o, false, false, 0)];
  if (!slot) {
    const sw_parameters p = sw_model_parameters(o);
    shallow_water<double> m(p);
    m.run(p.steps_for_days(o.spinup_days));
    slot = std::make_unique<sw_fields>(m.fields());
  }
  return *slot;
}

const trajectory& reference(const sw_options& o) {
  static std::map<std::string, std::unique_ptr<trajectory>> cache;
  const std::lock_guard<std::mutex> lock(reference_mutex);
  std::unique_ptr<trajectory>& slot = cache[key_of(o, true, false, 0)];
  if (!slot) slot = std::make_unique<trajectory>(simulate<double>(o, spinup_state(o)));
  return *slot;
}

// Returns the initial state of binary64 member k: the spin-up state with eta perturbed by a
// uniform random field of amplitude o.perturbation.
sw_fields member_state(const sw_options& o, int k, std::uint64_t seed) {
  sw_fields f = spinup_state(o);
  const random_stream rs(seed, fnv("sw member " + std::to_string(k)));
  for (std::size_t c = 0; c < f.eta.size(); ++c) {
    const double u01 = static_cast<double>(rs(c) >> 11) * 0x1p-53;
    f.eta[c] += o.perturbation * (2 * u01 - 1);
  }
  return f;
}

// The ensemble: each member's RMSE against the reference, and the spread (RMS over members).
struct ensemble {
  std::vector<std::vector<double>> member_rmse;
  std::vector<trajectory> members;
  std::vector<double> spread;
};

const ensemble& binary64_ensemble(const sw_options& o, std::uint64_t seed) {
  static std::map<std::string, std::unique_ptr<ensemble>> cache;
  const trajectory& ref = reference(o);
  const std::lock_guard<std::mutex> lock(ensemble_mutex);
  std::unique_ptr<ensemble>& slot = cache[key_of(o, true, true, seed)];
  if (!slot) {
    auto e = std::make_unique<ensemble>();
    e->spread.assign(ref.eta.size(), 0.0);
    for (int k = 1; k <= o.members; ++k) {
      e->members.push_back(simulate<double>(o, member_state(o, k, seed)));
      std::vector<double> r;
      for (std::size_t t = 0; t < ref.eta.size(); ++t) {
        r.push_back(rmse(e->members.back().eta[t], ref.eta[t]));
        e->spread[t] += r.back() * r.back();
      }
      e->member_rmse.push_back(std::move(r));
    }
    for (double& s : e->spread) s = std::sqrt(s / std::max(1, o.members));
    slot = std::move(e);
  }
  return *slot;
}

// What a task name stands for.
struct task_kind {
  enum kind_t { reference_run, member, binary16, bfloat16, bfloat16_sr, mixed, binary32 } kind;
  int index = 0;  // member number or SR seed number (1-based)
};

task_kind parse_task(const sw_options& o, const std::string& name) {
  auto numbered = [&](const std::string& prefix, int count, task_kind::kind_t k) -> std::optional<task_kind> {
    if (name.rfind(prefix, 0) != 0) return std::nullopt;
    const std::string rest = name.substr(prefix.size());
    if (rest.empty() || rest.size() > 6 || !std::all_of(rest.begin(), rest.end(), [](char ch) {
          return ch >= '0' && ch <= '9';
        }))
      return std::nullopt;
    const int i = std::stoi(rest);
    if (i < 1 || i > count) return std::nullopt;
    return task_kind{k, i};
  };
  if (name == "sw_binary64") return {task_kind::reference_run, 0};
  if (name == "sw_binary16_rn") return {task_kind::binary16, 0};
  if (name == "sw_bfloat16_rn") return {task_kind::bfloat16, 0};
  if (name == "sw_mixed_rn") return {task_kind::mixed, 0};
  if (name == "sw_binary32_rn") return {task_kind::binary32, 0};
  if (auto t = numbered("sw_bfloat16_sr_", o.sr_seeds, task_kind::bfloat16_sr)) return *t;
  if (auto t = numbered("sw_binary64_member_", o.members, task_kind::member)) return *t;
  throw std::invalid_argument("shallow water: unknown task '" + name + "'");
}

std::vector<double> times(const sw_options& o) {
  std::vector<double> t;
  const double every = static_cast<double>(steps_per_output(o)) * o.dt / 86400.0;
  for (long i = 0; i <= outputs(o); ++i) t.push_back(static_cast<double>(i) * every);
  return t;
}

// Adds the error series of a trajectory against the reference, normalised by the spread.
void add_error(record& r, const trajectory& tr, const trajectory& ref, const ensemble& ens) {
  std::vector<double> e, en;
  for (std::size_t t = 0; t < ref.eta.size(); ++t) {
    e.push_back(rmse(tr.eta[t], ref.eta[t]));
    en.push_back(e.back() / ens.spread[t]);
  }
  double mean_e = 0;
  for (std::size_t t = 1; t < e.size(); ++t) mean_e += e[t];
  mean_e /= static_cast<double>(std::max<std::size_t>(1, e.size() - 1));
  r.set("final_rmse", e.back());
  r.set("mean_rmse", mean_e);
  r.set("final_rmse_norm", en.back());
  r.add("eta_rmse", e, "m");
  r.add("eta_rmse_norm", en, "1");
  r.add("ensemble_spread", ens.spread, "m");
}

void add_common(record& r, const sw_options& o, const trajectory& tr) {
  const sw_parameters p = sw_model_parameters(o);
  const std::size_t nx = static_cast<std::size_t>(p.nx), ny = static_cast<std::size_t>(p.ny);
  r.set("experiment", std::string("shallow_water"));
  r.add("time", times(o), "day");
  r.add("max_speed", tr.max_speed, "m/s");
  r.add("eta_sum", tr.eta_sum, "m");
  r.add("eta_final", tr.eta.back(), "m", {ny, nx});
  r.set("max_speed_max", *std::max_element(tr.max_speed.begin(), tr.max_speed.end(),
                                           [](double a, double b) { return a < b || a != a; }));
}

template <class T, class TProg = T>
record format_run(const sw_options& o, const std::string& name, const std::string& compute,
                  const std::string& prognostic, const std::string& mode, int sr_seed,
                  std::uint64_t seed) {
  const trajectory& ref = reference(o);
  const ensemble& ens = binary64_ensemble(o, seed);
  sr_generator gen(seed, fnv(name));
  const scoped_context ctx(formats::binary64, rounding::nearest_even, gen);
  const trajectory tr = simulate<T, TProg>(o, spinup_state(o));
  record r{name, {}, {}};
  r.set("kind", std::string("format"));
  r.set("compute_format", compute);
  r.set("prognostic_format", prognostic);
  r.set("rounding", mode);
  r.set("sr_seed", static_cast<std::int64_t>(sr_seed));
  add_common(r, o, tr);
  add_error(r, tr, ref, ens);
  return r;
}

const record& by_name(const std::vector<record>& runs, const std::string& name) {
  for (const record& r : runs)
    if (r.name == name) return r;
  throw std::out_of_range("shallow water: no run named " + name);
}

}  // namespace

models::sw_parameters sw_model_parameters(const sw_options& o) {
  sw_parameters p;
  p.dt = o.dt;
  p.scale = o.scale;
  return p;
}

void add_sw_options(option_parser& p, sw_options& o) {
  p.add("sw-spinup-days", o.spinup_days, "shallow water: binary64 spin-up from rest [days]");
  p.add("sw-days", o.days, "shallow water: length of the compared runs [days]");
  p.add("sw-output-hours", o.output_hours, "shallow water: spacing of the recorded series [hours]");
  p.add("sw-sr-seeds", o.sr_seeds, "shallow water: bfloat16 stochastic-rounding runs");
  p.add("sw-members", o.members, "shallow water: perturbed binary64 members (the spread)");
  p.add("sw-perturbation", o.perturbation, "shallow water: members' eta perturbation [m]");
  p.add("sw-dt", o.dt, "shallow water: time step [s]");
  p.add("sw-scale", o.scale, "shallow water: velocity scale s (a power of two)");
}

void apply_sw_quick(const option_parser& p, sw_options& o) {
  if (!p.given("sw-days")) o.days = 5;
  if (!p.given("sw-sr-seeds")) o.sr_seeds = 3;
  if (!p.given("sw-members")) o.members = 4;
  if (!p.given("sw-output-hours")) o.output_hours = 6;
}

std::vector<std::string> sw_task_names(const sw_options& o) {
  if (!(o.days > 0) || !(o.output_hours > 0) || !(o.dt > 0) || !(o.spinup_days >= 0) ||
      o.sr_seeds < 1 || o.members < 1 || !(o.perturbation > 0) || !(o.scale > 0))
    throw usage_error("shallow water: --sw-days, --sw-output-hours, --sw-dt, --sw-perturbation, "
                      "--sw-scale must be > 0, --sw-spinup-days >= 0, --sw-sr-seeds and "
                      "--sw-members >= 1");
  int e = 0;
  if (std::frexp(o.scale, &e) != 0.5) throw usage_error("shallow water: --sw-scale must be a power of two");
  std::vector<std::string> n;
  for (int k = 1; k <= o.sr_seeds; ++k) n.push_back("sw_bfloat16_sr_" + std::to_string(k));
  for (const char* s : {"sw_binary16_rn", "sw_bfloat16_rn", "sw_mixed_rn", "sw_binary32_rn", "sw_binary64"})
    n.emplace_back(s);
  for (int k = 1; k <= o.members; ++k) n.push_back("sw_binary64_member_" + std::to_string(k));
  return n;
}

record run_sw_task(const sw_options& o, const std::string& name, std::uint64_t seed) {
  using f16 = fp<formats::binary16>;
  using f32 = fp<formats::binary32>;
  using b16 = fp<formats::bfloat16>;
  using b16sr = fp<formats::bfloat16, rounding::stochastic>;
  const task_kind t = parse_task(o, name);
  switch (t.kind) {
    case task_kind::binary16:
      return format_run<f16>(o, name, "binary16", "binary16", "rne", 0, seed);
    case task_kind::bfloat16:
      return format_run<b16>(o, name, "bfloat16", "bfloat16", "rne", 0, seed);
    case task_kind::bfloat16_sr:
      return format_run<b16sr>(o, name, "bfloat16", "bfloat16", "sr", t.index, seed);
    case task_kind::mixed:
      return format_run<f16, f32>(o, name, "binary16", "binary32", "rne", 0, seed);
    case task_kind::binary32:
      return format_run<f32>(o, name, "binary32", "binary32", "rne", 0, seed);
    case task_kind::reference_run: {
      const trajectory& ref = reference(o);
      record r{name, {}, {}};
      r.set("kind", std::string("reference"));
      r.set("compute_format", std::string("binary64"));
      r.set("prognostic_format", std::string("binary64"));
      r.set("rounding", std::string("rne"));
      r.set("sr_seed", std::int64_t{0});
      add_common(r, o, ref);
      const sw_parameters p = sw_model_parameters(o);
      r.add("eta_initial", ref.eta.front(), "m",
            {static_cast<std::size_t>(p.ny), static_cast<std::size_t>(p.nx)});
      r.set("spinup_days", o.spinup_days);
      r.set("dt", o.dt);
      r.set("delta", p.delta());
      r.set("scale", o.scale);
      return r;
    }
    case task_kind::member: {
      const ensemble& ens = binary64_ensemble(o, seed);
      const trajectory& tr = ens.members[static_cast<std::size_t>(t.index - 1)];
      record r{name, {}, {}};
      r.set("kind", std::string("member"));
      r.set("compute_format", std::string("binary64"));
      r.set("prognostic_format", std::string("binary64"));
      r.set("rounding", std::string("rne"));
      r.set("sr_seed", std::int64_t{0});
      r.set("member", static_cast<std::int64_t>(t.index));
      add_common(r, o, tr);
      add_error(r, tr, reference(o), ens);
      return r;
    }
  }
  throw std::logic_error("shallow water: unhandled task");
}

std::vector<claim> check_sw_claims(const sw_options& o, const std::vector<record>& runs) {
  std::vector<claim> out;
  const std::vector<double>& b16 = by_name(runs, "sw_binary16_rn").get("eta_rmse").doubles();
  const std::vector<double>& mixed = by_name(runs, "sw_mixed_rn").get("eta_rmse").doubles();
  const double b16_mean = by_name(runs, "sw_binary16_rn").get_double("mean_rmse");
  const double bf_mean = by_name(runs, "sw_bfloat16_rn").get_double("mean_rmse");
  {
    claim c;
    c.id = "sw_bfloat16_worse_than_binary16";
    c.statement = "bfloat16 nearest has a larger eta error than binary16 nearest (tendencies stall)";
    c.measured = bf_mean / b16_mean;
    c.pass = c.measured > 1;
    c.detail = "time-mean eta RMSE bfloat16 " + fmt_g(bf_mean, 3) + " m / binary16 " +
               fmt_g(b16_mean, 3) + " m = " + fmt_g(c.measured, 3) + " (needs > 1)";
    out.push_back(c);
  }
  {
    claim c;
    c.id = "sw_mixed_beats_binary16";
    c.statement = "binary16 compute with binary32 prognostics beats binary16 throughout";
    double worst = 0;
    for (std::size_t t = 1; t < b16.size(); ++t) worst = std::max(worst, mixed[t] / b16[t]);
    c.measured = worst;
    c.pass = worst < 1;
    c.detail = "largest ratio of eta RMSE mixed / binary16 over the " + std::to_string(b16.size() - 1) +
               " output times = " + fmt_g(worst, 3) + " (needs < 1 at every time)";
    out.push_back(c);
  }
  {
    claim c;
    c.id = "sw_bfloat16_sr_beats_rn";
    c.statement = "bfloat16 with stochastic rounding has a smaller eta error than bfloat16 nearest";
    double worst = 0, sum = 0;
    for (int k = 1; k <= o.sr_seeds; ++k) {
      const double m = by_name(runs, "sw_bfloat16_sr_" + std::to_string(k)).get_double("mean_rmse");
      worst = std::max(worst, m / bf_mean);
      sum += m / bf_mean;
    }
    c.measured = worst;
    c.pass = worst < 1;
    c.detail = "time-mean eta RMSE stochastic / nearest: mean " + fmt_g(sum / o.sr_seeds, 3) +
               ", largest " + fmt_g(worst, 3) + " over " + std::to_string(o.sr_seeds) +
               " seeds (needs every seed < 1)";
    out.push_back(c);
  }
  return out;
}

void print_sw_summary(const sw_options& o, const std::vector<record>& runs, std::ostream& out) {
  out << "shallow water: " << fmt_g(o.days, 3) << " days after a " << fmt_g(o.spinup_days, 3)
      << "-day binary64 spin-up; eta RMSE against binary64 [m] and divided by the spread of "
      << o.members << " perturbed binary64 members\n";
  text_table t({"run", "compute", "prognostic", "rounding", "final RMSE", "mean RMSE",
                "final / spread", "max |u| m/s"});
  for (const record& r : runs) {
    if (r.get_string("kind") == "reference") continue;
    t.add({r.name, r.get_string("compute_format"), r.get_string("prognostic_format"),
           r.get_string("rounding"), fmt_g(r.get_double("final_rmse"), 3),
           fmt_g(r.get_double("mean_rmse"), 3), fmt_g(r.get_double("final_rmse_norm"), 3),
           fmt_g(r.get_double("max_speed_max"), 3)});
  }
  t.print(out);
}

}  // namespace lowp::study::climate
