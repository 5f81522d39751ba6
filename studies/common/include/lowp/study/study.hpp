// Provides the rest of a study's frame: provenance attributes, the parallel sweep runner, the
// progress report on stderr, the summary table, checked claims, and small statistics helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <ostream>
#include <mutex>
#include <string>
#include <vector>

#include "lowp/study/options.hpp"
#include "lowp/study/results.hpp"

namespace lowp::study {

// Returns the root attributes that say how a file was made: lowp_version, git_describe,
// build_type, compiler, host, os, start_time, command_line, seed, threads.
std::vector<attribute> provenance(const option_parser& parser, const common_options& common);

// Reports progress on stderr: a redrawn bar when stderr is a terminal, otherwise a plain line at
// most every `interval` seconds and at the end.
class progress {
 public:
  progress(std::string label, std::size_t total, std::ostream& err, double interval = 10.0);
  void tick();  // one unit done (thread-safe)
  void finish();

 private:
  void draw(bool final);
  std::string label_;
  std::size_t total_, done_ = 0;
  std::ostream& err_;
  bool tty_;
  double interval_, start_, last_ = -1e300;
  std::mutex mutex_;
};

// Runs compute(i) for every task i whose name(i) the writer does not already hold, over
// `threads` OpenMP threads (0 = all), writing each run as it finishes; returns every task's
// record by index, resumed ones included. compute must depend on i only, so the results do not
// depend on the thread count. An exception in a task is rethrown after the loop.
std::vector<record> run_sweep(result_writer& writer, std::size_t count,
                              const std::function<std::string(std::size_t)>& name,
                              const std::function<record(std::size_t)>& compute, int threads,
                              progress& report);

// A plain text table with left-aligned columns.
class text_table {
 public:
  explicit text_table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// A claim the study checks on its own results, printed as one PASS/FAIL line.
struct claim {
  std::string id;         // short identifier, also the /claims group name
  std::string statement;  // what the paper says, in a sentence
  double measured = 0;    // the figure the verdict rests on
  std::string detail;     // the figure with its context and the threshold, for the PASS/FAIL line
  bool pass = false;
};

// Prints "PASS id: statement: detail" lines; returns the number of failed claims.
int print_claims(const std::vector<claim>& claims, std::ostream& out);
// Writes every claim under /claims.
void write_claims(result_writer& writer, const std::vector<claim>& claims);

// Formats v with `digits` significant digits (%.*g).
std::string fmt_g(double v, int digits = 4);

// Statistics.
double mean(const std::vector<double>& v);
double stddev(const std::vector<double>& v);  // sample standard deviation (n - 1)
// Least-squares line y = a + b x: slope b, intercept a, and the standard error of b.
struct line_fit {
  double slope, intercept, slope_se;
};
line_fit fit_line(const std::vector<double>& x, const std::vector<double>& y);
// The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95% intervals).
double student_t_975(double df);
// The Wilson score interval (95%) for k successes in n trials.
struct interval {
  double lo, hi;
};
interval wilson_95(std::int64_t k, std::int64_t n);

// What a study is made of: its name and --help text, its options, the task list, how one task
// runs (depending on the config and the task only), its claims, the root attributes it reports
// without claiming (optional), and its summary tables.
template <class Config, class Task>
struct study_definition {
  std::string name;          // the program and the file's `study` attribute
  std::string description;   // --help text
  std::string claims_title;  // printed above the claims, e.g. "STUDIES.md, study 3"
  void (*add_options)(option_parser&, Config&);
  void (*apply_quick)(const option_parser&, Config&);
  std::vector<Task> (*make_tasks)(const Config&);
  record (*run_task)(const Config&, const Task&);
  std::vector<claim> (*check_claims)(const Config&, const std::vector<Task>&, const std::vector<record>&);
  std::vector<attribute> (*reported)(const Config&, const std::vector<Task>&, const std::vector<record>&);
  void (*print_summary)(const Config&, const std::vector<Task>&, const std::vector<record>&, std::ostream&);
};

// Runs a study as `NAME ARGS`: parses the options, writes the provenance, runs the sweep (resuming
// the runs the file already holds), checks and writes the claims and the reported figures, commits
// the file, prints the summary and the PASS/FAIL lines; returns 0 when every claim passes, 3
// otherwise (usage_error and file_error propagate to study_main: exit 2 and 1).
template <class Config, class Task>
int run_study(const study_definition<Config, Task>& d, int argc, const char* const* argv,
              std::ostream& out, std::ostream& err) {
  Config c;
  option_parser parser(d.name, d.description);
  d.add_options(parser, c);
  if (!parser.parse(argc, argv, out)) return 0;
  d.apply_quick(parser, c);
  const std::vector<Task> tasks = d.make_tasks(c);
  result_writer writer(c.common.out, c.common.resume, d.name, parser.config_string(),
                       c.common.checkpoint_seconds);
  for (const attribute& a : provenance(parser, c.common)) writer.set_root(a.name, a.value);
  progress report(d.name, tasks.size(), err);
  const std::vector<record> runs = run_sweep(
      writer, tasks.size(), [&](std::size_t i) { return tasks[i].name(); },
      [&](std::size_t i) { return d.run_task(c, tasks[i]); }, c.common.threads, report);
  const std::vector<claim> claims = d.check_claims(c, tasks, runs);
  write_claims(writer, claims);
  if (d.reported != nullptr)
    for (const attribute& a : d.reported(c, tasks, runs)) writer.set_root(a.name, a.value);
  writer.set_root("end_time", utc_now());
  writer.commit();
  d.print_summary(c, tasks, runs, out);
  out << "\nClaims (" << d.claims_title << ")\n";
  const int failed = print_claims(claims, out);
  out << "\n" << claims.size() - static_cast<std::size_t>(failed) << "/" << claims.size()
      << " claims pass; results in " << c.common.out << "\n";
  return failed ? 3 : 0;
}

// Main's frame: parses, runs body(), maps usage_error to exit 2 and file_error (and any other
// exception) to exit 1 with one line "PROGRAM: error: ..." on stderr.
int study_main(const std::string& program, int argc, const char* const* argv,
               const std::function<int()>& body);

}  // namespace lowp::study
