// Provides study 3, stochastic vs nearest rounding in numerical kernels (STUDIES.md): the harmonic
// series, recursive / pairwise summation and dot products, Euler's method for y' = -y and the 1-D
// heat equation, each in several formats and rounding modes, with the study's own claim checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/kernels/exact.hpp"
#include "lowp/rounding.hpp"
#include "lowp/study/options.hpp"
#include "lowp/study/results.hpp"
#include "lowp/study/study.hpp"

namespace lowp::study::sr_vs_rn {

struct config {
  common_options common;
  std::vector<std::string> formats{"binary16", "bfloat16", "binary32", "E6M9"};
  std::vector<std::string> modes{"rne", "sr"};
  std::vector<std::string> experiments{"harmonic", "sum", "euler", "heat"};
  int harmonic_seeds = 50;                   // stochastic harmonic runs per format
  std::int64_t harmonic_terms = 100000;      // N of the stochastic harmonic sums
  std::int64_t harmonic_max_terms = 1 << 24;  // cap on the nearest-rounding stagnation search
  int sum_log2n_min = 4, sum_log2n_max = 20;  // n = 2^min .. 2^max
  int sum_trials = 20;                       // data sets per n
  int euler_log2dt_min = 4, euler_log2dt_max = 16;  // dt = 2^-min .. 2^-max
  int euler_seeds = 20;
  std::vector<std::string> heat_points{"32", "45", "64", "90", "128"};  // grid intervals M
  double heat_time = 0.1;                    // final time T
  int heat_seeds = 40;
  double lambda = 3.0;                       // the probabilistic bound's lambda
};

// Registers the study's options (with the common ones) on `parser`.
void add_options(option_parser& parser, config& c);
// Applies --quick's reduced sweep to the options the user did not set.
void apply_quick(const option_parser& parser, config& c);

// One unit of the sweep (a run of the result file).
struct task {
  std::string experiment;  // harmonic, sum, euler, heat
  std::string algorithm;   // sum: recursive, pairwise, dot
  std::string distribution;  // sum: uniform, normal
  format fmt;
  std::string format_text;
  rounding mode;
  [[nodiscard]] std::string name() const;
};

// Returns every task of the sweep, most expensive first.
std::vector<task> make_tasks(const config& c);
// Runs one task; depends on (c, t) only.
record run_task(const config& c, const task& t);
// Checks the study's claims against the runs (by task index).
std::vector<claim> check_claims(const config& c, const std::vector<task>& tasks,
                                const std::vector<record>& runs);
// Prints the summary tables.
void print_summary(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs,
                   std::ostream& out);

// Runs the whole study as `sr_vs_rn ARGS`; returns the exit status (0: every claim PASS,
// 3: some claim FAIL, 1: file error, 2: usage error).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// Returns the number of data sets at n = 2^log2n: sum_trials, times 2^min(4, 10 - log2n) below 2^10.
std::size_t trials_at(const config& c, int log2n);

// The exact reference sums (sums of binary64 values and products, held exactly).
struct exact_sum : kernels::exact_accumulator {
  // Returns the sum rounded to nearest binary64.
  [[nodiscard]] double value() const { return round(formats::binary64).value; }
};

}  // namespace lowp::study::sr_vs_rn
