// Implements provenance, progress, the sweep runner, tables, claims and statistics (study.hpp).
#include "lowp/study/study.hpp"

#include <omp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>

#ifndef LOWP_VERSION_STRING
#define LOWP_VERSION_STRING "unknown"
#endif
#ifndef LOWP_GIT_DESCRIBE
#define LOWP_GIT_DESCRIBE "unknown"
#endif
#ifndef LOWP_BUILD_TYPE
#define LOWP_BUILD_TYPE "unknown"
#endif

namespace lowp::study {

namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<attribute> provenance(const option_parser& parser, const common_options& common) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  utsname u{};
  std::string os = "unknown";
  if (uname(&u) == 0) os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  std::string compiler =
#if defined(__clang__)
      "clang " __clang_version__;
#elif defined(__GNUC__)
      "g++ " __VERSION__;
#else
      "unknown";
#endif
  const int threads = common.threads > 0 ? common.threads : omp_get_max_threads();
  return {{"lowp_version", std::string(LOWP_VERSION_STRING)},
          {"git_describe", std::string(LOWP_GIT_DESCRIBE)},
          {"build_type", std::string(LOWP_BUILD_TYPE)},
          {"compiler", compiler},
          {"host", std::string(host)},
          {"os", os},
          {"start_time", utc_now()},
          {"command_line", parser.command_line()},
          {"seed", static_cast<std::int64_t>(common.seed)},
          {"threads", static_cast<std::int64_t>(threads)},
          {"quick", static_cast<std::int64_t>(common.quick)}};
}

progress::progress(std::string label, std::size_t total, std::ostream& err, double interval)
    : label_(std::move(label)),
      total_(total),
      err_(err),
      tty_(&err == &std::cerr && isatty(fileno(stderr))),
      interval_(interval),
      start_(seconds_now()) {}

void progress::tick() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++done_;
  draw(false);
}

void progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  draw(true);
}

void progress::draw(bool final) {
  const double now = seconds_now();
  if (!final && !tty_ && now - last_ < interval_) return;
  if (!final && tty_ && now - last_ < 0.1) return;
  last_ = now;
  const double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  std::ostringstream line;
  line << label_ << ' ';
  if (tty_) {
    const int width = 30, fill = static_cast<int>(frac * width);
    line << '[' << std::string(static_cast<std::size_t>(fill), '#')
         << std::string(static_cast<std::size_t>(width - fill), '.') << "] ";
  }
  line << done_ << '/' << total_ << " runs, " << std::fixed << std::setprecision(1) << now - start_ << " s";
  if (tty_)
    err_ << '\r' << line.str() << (final ? "\n" : "") << std::flush;
  else
    err_ << line.str() << '\n' << std::flush;
}

std::vector<record> run_sweep(result_writer& writer, std::size_t count,
                              const std::function<std::string(std::size_t)>& name,
                              const std::function<record(std::size_t)>& compute, int threads,
                              progress& report) {
  std::vector<record> out(count);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string n = name(i);
    if (auto it = writer.resumed().find(n); it != writer.resumed().end()) {
      out[i] = it->second;
      report.tick();
    } else {
      todo.push_back(i);
    }
  }
  std::exception_ptr failure;
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  const auto total = static_cast<std::int64_t>(todo.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
  for (std::int64_t t = 0; t < total; ++t) {
    const std::size_t i = todo[static_cast<std::size_t>(t)];
    bool skip = false;
#pragma omp critical(lowp_sweep_failure)
    skip = static_cast<bool>(failure);
    if (skip) continue;
    try {
      record r = compute(i);
      r.name = name(i);
#pragma omp critical(lowp_sweep_write)
      {
        try {
          writer.write_run(r);
        } catch (...) {
#pragma omp critical(lowp_sweep_failure)
          if (!failure) failure = std::current_exception();
        }
      }
      out[i] = std::move(r);
      report.tick();
    } catch (...) {
#pragma omp critical(lowp_sweep_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  report.finish();
  return out;
}

void text_table::print(std::ostream& out) const {
  std::vector<std::size_t> width;
  for (const auto& row : rows_)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < rows_[r].size(); ++c) {
      line += rows_[r][c];
      if (c + 1 < rows_[r].size()) line += std::string(width[c] - rows_[r][c].size() + 2, ' ');
    }
    out << line << '\n';
    if (r == 0) {
      std::size_t total = 0;
      for (std::size_t c = 0; c < width.size(); ++c) total += width[c] + (c + 1 < width.size() ? 2 : 0);
      out << std::string(total, '-') << '\n';
    }
  }
}

int print_claims(const std::vector<claim>& claims, std::ostream& out) {
  int failed = 0;
  for (const claim& c : claims) {
    out << (c.pass ? "PASS " : "FAIL ") << c.id << ": " << c.statement << ": " << c.detail << '\n';
    failed += c.pass ? 0 : 1;
  }
  return failed;
}

void write_claims(result_writer& writer, const std::vector<claim>& claims) {
  for (const claim& c : claims) {
    record r;
    r.name = c.id;
    r.set("statement", c.statement).set("measured", c.measured).set("detail", c.detail)
        .set("pass", static_cast<std::int64_t>(c.pass));
    writer.write_claim(r);
  }
}

std::string fmt_g(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

line_fit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = mean(x), my = mean(y);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const double b = sxy / sxx, a = my - b * mx;
  double rss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) rss += (y[i] - a - b * x[i]) * (y[i] - a - b * x[i]);
  const double se = n > 2 ? std::sqrt(rss / (n - 2) / sxx) : 0.0;
  return {b, a, se};
}

double student_t_975(double df) {
  // Cornish-Fisher expansion of t around the normal quantile (error < 1e-3 for df >= 3).
  const double z = 1.959963984540054;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df);
}

interval wilson_95(std::int64_t k, std::int64_t n) {
  if (n == 0) return {0.0, 1.0};
  const double z = 1.959963984540054, nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

int study_main(const std::string& program, int argc, const char* const* argv,
               const std::function<int()>& body) {
  (void)argc;
  (void)argv;
  try {
    return body();
  } catch (const usage_error& e) {
    std::cerr << program << ": error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace lowp::study
