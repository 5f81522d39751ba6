// Provides the kernel_error study (issue 7): the error of sum, dot, GEMV and GEMM under explicit
// accumulation models (lowp::kernels) against exact results, swept over models, sizes and data
// distributions, with the a priori bounds and the study's own claim checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lowp/kernels/accumulation.hpp"
#include "lowp/study/options.hpp"
#include "lowp/study/results.hpp"
#include "lowp/study/study.hpp"

namespace lowp::study::kernel_error {

struct config {
  common_options common;
  std::vector<std::string> kernels{"sum", "dot", "gemv", "gemm"};
  std::vector<std::string> models;  // empty: every model of model_names()
  std::vector<std::string> distributions{"uniform", "normal", "outliers"};
  int log2n_min = 4, log2n_max = 18;  // n = 2^min .. 2^max (the dot length K)
  int outputs = 128;                  // outputs measured per n (fewer at large n, see outputs_at)
  int min_outputs = 16;               // the fewest outputs at any n
  int log2_work = 21;                 // outputs_at keeps outputs * n near 2^log2_work
  int gemm_size = 32;                 // GEMM: M = N; the measured entries are sampled from M*N
  int check_log2n_max = 8;            // fast path vs the definition loop for n <= 2^this
  double lambda = 3.0;                // the probabilistic bound's lambda
};

// Registers the study's options (with the common ones) on `parser`.
void add_options(option_parser& parser, config& c);
// Applies --quick's reduced sweep to the options the user did not set.
void apply_quick(const option_parser& parser, config& c);

// Returns the names of the study's accumulation models, in sweep order.
std::vector<std::string> model_names();
// Returns the model called `name` (output rounded to the accumulator's format unless the model
// says otherwise); throws usage_error for an unknown name.
kernels::accumulation_model model_by_name(const std::string& name);
// Returns the a priori bound's rule for the model in words (u, depth, group term).
std::string bound_rule(const kernels::accumulation_model& m);
// Returns the rounding depth of the model at dot length n, i.e. the number of roundings on the
// path from a product to the output before the output rounding (n for sequential, ceil(log2 n)+1
// for pairwise, ...): the n of gamma_n and of the lambda sqrt(n) u bound.
double effective_depth(const kernels::accumulation_model& m, std::uint64_t n);

// One unit of the sweep (a run of the result file).
struct task {
  std::string kernel;        // sum, dot, gemv, gemm
  std::string model;         // a name of model_names()
  std::string distribution;  // uniform, normal, outliers
  [[nodiscard]] std::string name() const;
};

// Returns the number of outputs measured at n = 2^log2n.
std::size_t outputs_at(const config& c, int log2n);

// Returns every task of the sweep, most expensive first.
std::vector<task> make_tasks(const config& c);
// Runs one task; depends on (c, t) only.
record run_task(const config& c, const task& t);
// Checks the study's claims against the runs (by task index).
std::vector<claim> check_claims(const config& c, const std::vector<task>& tasks,
                                const std::vector<record>& runs);
// Prints the summary table.
void print_summary(const config& c, const std::vector<task>& tasks, const std::vector<record>& runs,
                   std::ostream& out);

// Runs the whole study as `kernel_error ARGS`; returns the exit status (0: every claim PASS,
// 3: some claim FAIL, 1: file error, 2: usage error).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// Draws element `index` of the data of (distribution, stream): uniform[0,1), N(0,1), or N(0,1)
// with one value in 32 scaled by 64 (outliers). Exposed for tests.
double draw(const std::string& distribution, std::uint64_t seed, std::uint64_t stream,
            std::uint64_t index);

}  // namespace lowp::study::kernel_error
