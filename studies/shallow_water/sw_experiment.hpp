// Provides the shallow-water experiment of the climate study (issue 8, STUDIES.md 2d): the
// channel of Klöwer, Düben and Palmer (2020) spun up in binary64, then run for 30 days (quick: 5)
// in binary16, bfloat16 (nearest and stochastic), binary16 compute with binary32 prognostics,
// binary32 and a perturbed binary64 ensemble; the error of eta against binary64 over time, and
// the experiment's own claims. The `climate` executable runs these tasks beside its own.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "lowp/models/shallow_water.hpp"
#include "lowp/study/options.hpp"
#include "lowp/study/results.hpp"
#include "lowp/study/study.hpp"

namespace lowp::study::climate {

// The experiment's settings; the defaults are the full sweep.
struct sw_options {
  double spinup_days = 300;   // binary64 from rest (the jet has broken into moving eddies)
  double days = 30;           // the compared run after the spin-up
  double output_hours = 12;   // spacing of the recorded error and speed series
  int sr_seeds = 4;           // bfloat16 stochastic runs
  int members = 6;            // perturbed binary64 members (the spread)
  double perturbation = 0.01; // eta perturbation amplitude of the members [m] (uniform +-)
  double dt = 480;            // time step [s]
  double scale = 16;          // the velocity scale s (a power of two)
};

// Registers the options (--sw-...) on p.
void add_sw_options(option_parser& p, sw_options& o);
// Applies the quick sweep (5 days, 3 seeds, 4 members) to the options the user did not set;
// call it when --quick is given.
void apply_sw_quick(const option_parser& p, sw_options& o);
// Returns the tasks' names (unique, each starting "sw_"), most expensive first.
std::vector<std::string> sw_task_names(const sw_options& o);
// Runs one task; depends on (o, name, seed) only. Throws std::invalid_argument for an unknown
// name. The spin-up, the reference trajectory and the ensemble spread are computed once per
// process (thread-safe) and shared by the tasks.
record run_sw_task(const sw_options& o, const std::string& name, std::uint64_t seed);
// Checks the claims on the records of sw_task_names(o) (in that order).
std::vector<claim> check_sw_claims(const sw_options& o, const std::vector<record>& runs);
// Prints a table of the error of each run.
void print_sw_summary(const sw_options& o, const std::vector<record>& runs, std::ostream& out);

// Returns the model parameters these options give.
models::sw_parameters sw_model_parameters(const sw_options& o);

}  // namespace lowp::study::climate
