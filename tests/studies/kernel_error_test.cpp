// Tests the kernel_error study: its models and bounds, the data distributions, the claims on a
// reduced sweep (and that they can fail), thread-count invariance, a SIGKILLed run and --resume,
// and the command line's errors.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "kernel_error.hpp"
#include "study_test_support.hpp"
#include "lowp/kernels/error.hpp"
#include "lowp/kernels/exact.hpp"

using namespace lowp::study;
namespace fs = std::filesystem;
namespace k = lowp::kernels;

namespace {

// The shared helpers (study_test_support.hpp), bound to this study.
struct temp_dir : testing::temp_dir {
  temp_dir() : testing::temp_dir("kernel_error") {}
};
int run_args(std::vector<std::string> args, std::string* out_text = nullptr) {
  return testing::run_study(kernel_error::run, "kernel_error", std::move(args), out_text);
}
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  return testing::spawn(LOWP_KERNEL_ERROR_BIN, args, log);
}
using testing::check_same_runs;
using testing::read_text;
using testing::wait_status;

// A reduced sweep (every model and kernel, uniform data, n = 2^4..2^11): about a second on one core.
const std::vector<std::string> small_sweep{"--quick",     "--log2n-max", "11", "--outputs",       "32",
                                           "--log2-work", "13",          "--distributions", "uniform"};

}  // namespace

TEST_CASE("models, depths and bounds are the documented ones") {
  const std::vector<std::string> names = kernel_error::model_names();
  CHECK(names.size() == 15);
  for (const std::string& n : names) CHECK_MESSAGE(kernel_error::model_by_name(n).validate().empty(), n);
  CHECK_THROWS_AS((void)kernel_error::model_by_name("fp64_seq"), usage_error);
  CHECK(kernel_error::model_by_name("hopper_fp8_mma") == k::presets::hopper_fp8_mma());
  CHECK(kernel_error::model_by_name("bf16_seq_sr").accumulator_mode == lowp::rounding::stochastic);
  // Depth: n for sequential, ceil(log2 n) + 1 for pairwise, block + ceil(log2 blocks) for
  // blocked-pairwise, ceil(n/S) + S - 1 (+1 partial rounding) for split-K, ceil(n/32) group steps.
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("bf16_seq_rn"), 1000) == 1000);
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("bf16_pairwise_rn"), 1000) == 11);
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("bf16_pairwise_rn"), 1024) == 11);
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("bf16_blocked32_rn"), 1024) == 32 + 5);
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("bf16_splitk8_rn"), 1024) == 128 + 7);
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("fp32_splitk8_bf16_partials"), 1024) == 128 + 1 + 7);
  CHECK(kernel_error::effective_depth(kernel_error::model_by_name("hopper_fp8_mma"), 1000) == 32);
  // The bound of a sequential nearest-even model is (1+u)^n - 1 <= gamma_n, times the output's.
  const double u = 0x1p-8;
  const double b = k::model_error_bound(kernel_error::model_by_name("bf16_seq_rn"), 100);
  CHECK(b == doctest::Approx(std::expm1(100 * std::log1p(u)) * (1 + u) + u).epsilon(1e-12));
  CHECK(b <= k::gamma(101, u));
  CHECK(kernel_error::bound_rule(kernel_error::model_by_name("bf16_pairwise_rn")).find("ceil(log2 n)+1") !=
        std::string::npos);
  CHECK(kernel_error::bound_rule(kernel_error::model_by_name("hopper_fp8_mma")).find("33*2^-13") != std::string::npos);
}

TEST_CASE("the data distributions have the stated shape") {
  double lo = 1, hi = 0, sum = 0, sq = 0;
  int big = 0;
  const int n = 1 << 15;
  for (int i = 0; i < n; ++i) {
    const double x = kernel_error::draw("uniform", 1, 7, static_cast<std::uint64_t>(i));
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    const double z = kernel_error::draw("normal", 1, 7, static_cast<std::uint64_t>(i));
    sum += z;
    sq += z * z;
    const double o = kernel_error::draw("outliers", 1, 7, static_cast<std::uint64_t>(i));
    if (o != z) {
      CHECK(o == 64 * z);
      ++big;
    }
  }
  CHECK(lo >= 0);
  CHECK(hi < 1);
  CHECK(std::fabs(sum / n) < 5 / std::sqrt(double(n)));  // mean 0 within 5 standard errors
  CHECK(std::fabs(sq / n - 1) < 0.05);
  CHECK(std::fabs(big - n / 32.0) < 5 * std::sqrt(n / 32.0));  // one in 32, within 5 sd
}

TEST_CASE("nearest-even sums of uniform[0,1) data stop at the hand-derived values") {
  // From 2^p on, the ulp of the sum is 2 and every addend (< 1) is below half of it: nearest-even
  // bfloat16 (p = 8) stops at 256, binary16 (p = 11) at 2048, exactly, once n is large enough;
  // stochastic rounding keeps the mean. The exact sums have mean n/2 and sd sqrt(n/12).
  kernel_error::config c;
  c.log2n_min = 12;
  c.log2n_max = 13;
  c.outputs = 16;
  c.min_outputs = 16;
  c.check_log2n_max = 0;
  struct fact {
    const char* model;
    double stop;
  };
  for (const fact& f : {fact{"bf16_seq_rn", 256}, fact{"fp16_seq_rn", 2048}}) {
    const record r = kernel_error::run_task(c, {"sum", f.model, "uniform"});
    const auto& v = r.get("computed").doubles();
    const auto& e = r.get("exact").doubles();
    for (std::size_t i = 0; i < 16; ++i) CHECK_MESSAGE(v[16 + i] == f.stop, f.model);  // n = 2^13
    for (std::size_t l = 0; l < 2; ++l) {
      const double n = std::ldexp(1.0, 12 + static_cast<int>(l));
      double m = 0;
      for (std::size_t i = 0; i < 16; ++i) m += e[l * 16 + i] / 16;
      CHECK(std::fabs(m - n / 2) < 5 * std::sqrt(n / 12 / 16));
      // The error in output ulps is (computed - exact) / ulp(exact).
      for (std::size_t i = 0; i < 16; ++i) {
        const std::size_t at = l * 16 + i;
        const lowp::format f16 = kernel_error::model_by_name(f.model).output;
        CHECK(r.get("error_ulps").doubles()[at] ==
              doctest::Approx((v[at] - e[at]) / k::ulp_of(e[at], f16)).epsilon(1e-9));
      }
    }
  }
  // Binary16 sums of 2^17 uniform values pass 65504: stochastic rounding overflows; such outputs
  // are counted, and excused (sum |a b| beyond half the range), not measured.
  kernel_error::config big = c;
  big.log2n_min = big.log2n_max = 17;
  big.outputs = big.min_outputs = 4;
  const record over = kernel_error::run_task(big, {"sum", "fp16_seq_sr", "uniform"});
  CHECK(over.get("not_finite").integers()[0] >= 1);
  CHECK(over.get("not_finite_in_range").integers()[0] == 0);
  CHECK(over.get_double("range_limit") == 65504);
  const record sr = kernel_error::run_task(c, {"sum", "bf16_seq_sr", "uniform"});
  double ratio = 0;
  for (std::size_t i = 0; i < 16; ++i) ratio += sr.get("computed").doubles()[16 + i] / sr.get("exact").doubles()[16 + i] / 16;
  CHECK(std::fabs(ratio - 1) < 0.05);
}

TEST_CASE("the reduced sweep passes every claim and writes the documented layout") {
  temp_dir dir;
  const std::string file = (dir.path / "small.h5").string();
  std::string out;
  auto args = small_sweep;
  args.insert(args.end(), {"--out", file});
  CHECK(run_args(args, &out) == 0);
  INFO(out);
  CHECK(out.find("FAIL") == std::string::npos);
  CHECK(out.find("claims pass; results in " + file) != std::string::npos);
  const file_contents c = read_results(file);
  for (const char* key : {"study", "config", "complete", "lowp_version", "git_describe", "start_time", "end_time",
                          "command_line", "seed", "threads", "quick"}) {
    bool found = false;
    for (const attribute& a : c.root) found = found || a.name == key;
    CHECK_MESSAGE(found, key);
  }
  CHECK(c.runs.size() == 4 * 15);
  // 1 fast-path claim, 15 bounds, 3 unbiased, 3 probabilistic, 4 kernels x 2 formats of sqrt(n)
  // growth and, for bfloat16 only (it needs n >= 2^(p+3)), of stagnation.
  CHECK(c.claims.size() == 1 + 15 + 3 + 3 + 8 + 4);
  for (const auto& [name, r] : c.runs) {
    for (const char* key : {"kernel", "model", "distribution", "model_description", "bound_rule", "unit_roundoff",
                            "rounding_bound", "seed"})
      CHECK_MESSAGE(r.find_attr(key) != nullptr, name << " " << key);
    for (const char* key : {"n", "outputs_at_n", "bound", "gamma", "probabilistic_bound", "signed_error", "error_ulps",
                            "scale", "not_finite_in_range",
                            "max_abs_ulps", "p50_abs_ulps", "p90_abs_ulps", "p99_abs_ulps", "rms_error",
                            "hist_log2_ulps", "hist_edges"})
      CHECK_MESSAGE(r.find_dataset(key) != nullptr, name << " " << key);
    for (const dataset& d : r.datasets) CHECK_MESSAGE(!d.units.empty(), name << "/" << d.name);
    // The histogram counts every finite output once.
    const auto& h = r.get("hist_log2_ulps");
    for (std::size_t l = 0; l < h.shape[0]; ++l) {
      std::int64_t total = r.get("hist_below").integers()[l] + r.get("hist_above").integers()[l];
      for (std::size_t b = 0; b < h.shape[1]; ++b) total += h.integers()[l * h.shape[1] + b];
      CHECK(total == r.get("outputs_at_n").integers()[l] - r.get("not_finite").integers()[l]);
    }
  }
  for (const auto& [name, cl] : c.claims) CHECK_MESSAGE(cl.get_int("pass") == 1, name);
  CHECK(c.claims.count("stagnation_bfloat16_sum") == 1);
  CHECK(c.claims.count("unbiased_bf16_seq_sr") == 1);
}

TEST_CASE("claims fail when the figures they rest on are out of bounds") {
  kernel_error::config c;
  c.log2n_min = 4;
  c.log2n_max = 6;
  c.outputs = 8;
  c.min_outputs = 8;
  c.kernels = {"sum"};
  c.models = {"bf16_seq_rn", "bf16_seq_sr"};
  c.distributions = {"uniform"};
  const std::vector<kernel_error::task> tasks = kernel_error::make_tasks(c);
  std::vector<record> runs;
  for (const auto& t : tasks) runs.push_back(kernel_error::run_task(c, t));
  auto verdict = [&](const std::vector<record>& rs, const std::string& id) {
    for (const claim& cl : kernel_error::check_claims(c, tasks, rs))
      if (cl.id == id) return cl.pass;
    FAIL("no claim " << id);
    return false;
  };
  CHECK(verdict(runs, "bound_bf16_seq_rn"));
  CHECK(verdict(runs, "unbiased_bf16_seq_sr"));
  CHECK(verdict(runs, "fast_path_is_the_definition"));
  auto doctor = [&](const std::string& model, const std::string& key, double value) {
    std::vector<record> rs = runs;
    for (std::size_t i = 0; i < tasks.size(); ++i)
      if (tasks[i].model == model)
        for (dataset& d : rs[i].datasets)
          if (d.name == key) std::get<0>(d.data)[1] = value;
    return rs;
  };
  CHECK_FALSE(verdict(doctor("bf16_seq_rn", "max_bound_ratio", 1.01), "bound_bf16_seq_rn"));
  // A mean signed error of 10 standard deviations in one cell.
  const std::vector<record> biased = doctor("bf16_seq_sr", "mean_signed_error", 10 * runs[0].get("sd_signed_error").doubles()[1] + 1e-3);
  CHECK_FALSE(verdict(biased, "unbiased_bf16_seq_sr"));
  std::vector<record> mismatch = runs;
  for (dataset& d : mismatch[0].datasets)
    if (d.name == "reference_mismatches") std::get<1>(d.data)[0] = 1;
  CHECK_FALSE(verdict(mismatch, "fast_path_is_the_definition"));
}

TEST_CASE("results do not depend on the thread count") {
  temp_dir dir;
  const std::string one = (dir.path / "one.h5").string(), two = (dir.path / "two.h5").string();
  auto args = small_sweep;
  args.insert(args.end(), {"--threads", "1", "--out", one});
  CHECK(run_args(args) == 0);
  args = small_sweep;
  args.insert(args.end(), {"--threads", "2", "--out", two});
  CHECK(run_args(args) == 0);
  check_same_runs(read_results(one), read_results(two));
}

TEST_CASE("a SIGKILLed run leaves the target untouched and --resume completes it identically") {
  temp_dir dir;
  const std::string whole = (dir.path / "whole.h5").string(), cut = (dir.path / "cut.h5").string();
  const std::string log = (dir.path / "log.txt").string();
  auto with = [](std::vector<std::string> extra) {
    std::vector<std::string> a = small_sweep;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  REQUIRE(wait_status(spawn(with({"--out", whole}), log)) == 0);

  // Kill a run once its first checkpoint exists.
  auto kill_after_checkpoint = [&](const std::string& target, std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--out", target, "--checkpoint-seconds", "0", "--threads", "1"});
    const pid_t pid = spawn(with(extra), log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
    while (!fs::exists(target + ".partial") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kill(pid, SIGKILL);
    return wait_status(pid);
  };
  CHECK(kill_after_checkpoint(cut, {}) == -SIGKILL);
  CHECK_FALSE(fs::exists(cut));
  REQUIRE(fs::exists(cut + ".partial"));
  const file_contents partial = read_results(cut + ".partial");
  CHECK(partial.runs.size() >= 1);
  CHECK(partial.runs.size() < read_results(whole).runs.size());

  // --resume with other options is refused; with the same ones it finishes the sweep.
  CHECK(wait_status(spawn(with({"--out", cut, "--resume", "--seed", "9"}), log)) == 1);
  CHECK(read_text(log).find("cannot resume from " + cut + ".partial: it was made with other options") !=
        std::string::npos);
  REQUIRE(wait_status(spawn(with({"--out", cut, "--resume"}), log)) == 0);
  CHECK_FALSE(fs::exists(cut + ".partial"));
  const file_contents a = read_results(whole), b = read_results(cut);
  check_same_runs(a, b);
  CHECK(a.claims.size() == b.claims.size());
}

TEST_CASE("bad options and unwritable targets fail with one line before any work") {
  temp_dir dir;
  const std::string log = (dir.path / "log.txt").string();
  struct bad {
    std::vector<std::string> args;
    int status;
    std::string message;
  };
  const bad cases[] = {
      {{"--quick"}, 2, "kernel_error: error: --out FILE is required (see --help)\n"},
      {{"--out", "x.h5", "--models", "fp64_seq"}, 2, "kernel_error: error: --models: unknown model 'fp64_seq' ("},
      {{"--out", "x.h5", "--kernels", "conv"}, 2,
       "kernel_error: error: --kernels: unknown kernel 'conv' (sum, dot, gemv, gemm)\n"},
      {{"--out", "x.h5", "--distributions", "cauchy"}, 2,
       "kernel_error: error: --distributions: unknown distribution 'cauchy' (uniform, normal, outliers)\n"},
      {{"--out", "x.h5", "--log2n-max", "30"}, 2, "kernel_error: error: --log2n-min/max must satisfy"},
      {{"--out", "x.h5", "--outputs", "many"}, 2, "kernel_error: error: option --outputs needs an integer, got 'many'\n"},
      {{"--out", "x.h5", "--lambda", "-1"}, 2, "kernel_error: error: --lambda must lie in (0, 10]\n"},
      {{"--out", "x.h5", "--bogus"}, 2, "kernel_error: error: "},
      {{"--out", (dir.path / "missing" / "r.h5").string()}, 1,
       "kernel_error: error: cannot write " + (dir.path / "missing" / "r.h5.tmp").string() + ": No such file or directory\n"},
      {{"--out", dir.path.string()}, 1, "kernel_error: error: cannot write " + dir.path.string() + ": it is a directory\n"},
  };
  for (const bad& b : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(wait_status(spawn(b.args, log)) == b.status);
    const std::string text = read_text(log);
    CHECK_MESSAGE(text.rfind(b.message, 0) == 0, text);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  }
  CHECK(wait_status(spawn({"--help"}, log)) == 0);
  CHECK(read_text(log).find("--models") != std::string::npos);
}
