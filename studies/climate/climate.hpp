// Provides study 2, climate models in low precision with nearest and stochastic rounding
// (STUDIES.md, Paxton et al. 2022): Lorenz '63 and Lorenz '96 judged by the Wasserstein distance
// W1 of their climate against a binary64 reference and a binary64 null ensemble, and the soil heat
// column judged by its RMS error after 60 years, with the study's own claim checks.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <unordered_map>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"
#include "lowp/study/options.hpp"
#include "lowp/study/results.hpp"
#include "lowp/study/study.hpp"
#include "sw_experiment.hpp"

namespace lowp::study::climate {

struct config {
  common_options common;
  std::vector<std::string> experiments{"l63", "l96", "heat", "sw"};
  // rpe-style formats: sbits explicit significand bits with binary64's exponent range (E11M<s>).
  std::vector<std::string> sbits{"2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "15", "23", "52"};
  std::vector<std::string> formats{"binary16", "bfloat16", "binary32"};  // also run for L63 / L96
  std::vector<std::string> modes{"rne", "sr"};
  // Every Lorenz run starts from a binary64 spin-up of a perturbed start (x + delta): the
  // reference from delta = 0, null member j from +delta_j, member k of a format and mode from
  // -delta_k (stochastic member k also draws from its own random stream), delta_j spread evenly
  // over [null_min, null_max]. A format and mode is judged by the median of its members.
  int members = 5;           // runs per format and mode (quick: 3)
  int null_members = 40;     // binary64 runs in the null ensemble
  double null_min = 1e-6, null_max = 1e-5;
  // Lorenz '63 (STUDIES.md 2a): start (1, 1, 20), binary64 spin-up, the run's own spin-up, then a
  // sample every `every` steps.
  double l63_dt = 0.01;
  std::int64_t l63_start_spinup = 3000, l63_spinup = 1000, l63_samples = 20000, l63_every = 10;
  // Lorenz '96 (2c): N = 40, F = 8, start x_k = F, x_0 = F + 0.01 (+ delta).
  int l96_n = 40;
  double l96_forcing = 8.0, l96_dt = 0.05;
  std::int64_t l96_start_spinup = 2000, l96_spinup = 200, l96_samples = 10000, l96_every = 2;
  int plot_samples = 2000;  // trajectory samples stored per run for the figures
  // Soil heat column (2b).
  std::vector<std::string> heat_sbits{"10", "16", "23"};
  std::vector<std::string> heat_dt_factors{"1", "8", "32"};  // dt = 1800 s times these
  double heat_years = 60;
  int heat_seeds = 3;
  double collapse_factor = 10;  // nearest at 2-4 sbits collapses: W1 above this x the null max
  sw_options sw;                // the shallow-water channel (2d; studies/shallow_water)
};

// Registers the study's options (with the common ones) on `parser`.
void add_options(option_parser& parser, config& c);
// Applies --quick's reduced sweep to the options the user did not set.
void apply_quick(const option_parser& parser, config& c);

// One unit of the sweep (a run of the result file). Another family of runs (the shallow-water
// experiment) joins with a few lines: its options in config and add_options/apply_quick, its
// names as tasks {experiment, "run"} with `label` = the family's run name in make_tasks, a branch
// in run_task calling the family's runner, and its claims/summary over its records in
// check_claims/print_summary.
struct task {
  std::string experiment;  // l63, l96, heat, sw
  std::string kind;        // run (one format and mode) or null (the binary64 ensemble)
  std::string format_text;
  format fmt{};
  rounding mode = rounding::nearest_even;
  int member = -1;         // Lorenz: 0 .. members - 1; heat: the stochastic seed (-1: nearest)
  int dt_factor = 1;       // heat: dt = 1800 s * dt_factor
  std::string label;       // when set, the run's name (families that name their own runs)
  [[nodiscard]] std::string name() const;
};

// Returns every task of the sweep, most expensive first.
std::vector<task> make_tasks(const config& c);
// Runs one task; depends on (c, t) only (stochastic runs draw from a stream named by the task).
record run_task(const config& c, const task& t);
// Checks the study's claims against the runs (by task index).
std::vector<claim> check_claims(const config& c, const std::vector<task>& tasks,
                                const std::vector<record>& runs);
// Returns the figures the study reports without claiming (root attributes): per Lorenz model,
// the sbits from which nearest and stochastic are in the null band (-1: never), also with the
// 95th percentile as threshold. Lorenz '96's comparison is reported only (STUDIES.md 2c).
std::vector<attribute> reported_figures(const config& c, const std::vector<task>& tasks,
                                        const std::vector<record>& runs);
// Prints the summary tables.
void print_summary(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs,
                   std::ostream& out);

// Runs the whole study as `climate ARGS`; returns the exit status (0: every claim PASS,
// 3: some claim FAIL, 1: file error, 2: usage error).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// Returns the q-quantile (0..1) of v by linear interpolation between order statistics (numpy's
// default); v must not be empty.
double quantile(std::vector<double> v, double q);

// Finds the first exact recurrence of a deterministic trajectory: the state at step s equal to
// the state at an earlier step s0 means a cycle of length s - s0 (a fixed point has length 1).
class recurrence_finder {
 public:
  // Adds the state of `step` (steps increase by one per call); does nothing once a cycle is found.
  void add(const std::vector<double>& state, std::int64_t step);
  [[nodiscard]] bool found() const { return period_ > 0; }
  [[nodiscard]] std::int64_t period() const { return period_; }     // -1 when none
  [[nodiscard]] std::int64_t first_step() const { return first_; }  // where the cycle was entered

 private:
  std::vector<double> states_;
  std::vector<std::int64_t> steps_;
  std::unordered_multimap<std::uint64_t, std::size_t> index_;  // state hash -> position
  std::int64_t period_ = -1, first_ = -1;
};

}  // namespace lowp::study::climate
