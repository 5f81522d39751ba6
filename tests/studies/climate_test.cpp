// Tests study 2 (climate) as a whole: claims and exit codes on small sweeps, the documented
// layout, thread-count invariance, a SIGKILLed run and --resume, and the command line's errors.
// (The full --quick sweep, with every claim PASS, runs in climate_notebook_test.)
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "climate.hpp"
#include "study_test_support.hpp"

using namespace lowp::study;
namespace fs = std::filesystem;

namespace {

// The shared helpers (study_test_support.hpp), bound to this study.
struct temp_dir : testing::temp_dir {
  temp_dir() : testing::temp_dir("climate") {}
};
int run_args(std::vector<std::string> args, std::string* out_text = nullptr) {
  return testing::run_study(climate::run, "climate", std::move(args), out_text);
}
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  return testing::spawn(LOWP_CLIMATE_BIN, args, log);
}
using testing::check_same_runs;
using testing::read_text;
using testing::wait_status;

// Every experiment, small: a second or two.
const std::vector<std::string> small_sweep{
    "--sbits", "3,10", "--formats", "binary16", "--members", "2", "--null-members", "4", "--l63-samples", "400",
    "--l63-start-spinup", "500", "--l96-samples", "60", "--l96-start-spinup", "200", "--plot-samples", "50",
    "--heat-years", "0.05", "--heat-sbits", "10,23", "--heat-dt-factors", "1,8", "--heat-seeds", "2",
    "--sw-spinup-days", "1", "--sw-days", "0.25", "--sw-output-hours", "2", "--sw-sr-seeds", "1", "--sw-members", "2"};

}  // namespace

TEST_CASE("the heat column's claims pass over 10 years and fail over 2 (exit status 0 and 3)") {
  temp_dir dir;
  const std::string file = (dir.path / "heat.h5").string();
  std::string out;
  const std::vector<std::string> heat{"--experiments", "heat", "--heat-sbits", "23", "--heat-dt-factors", "1,8",
                                      "--heat-seeds", "1", "--out", file};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), heat.begin(), heat.end());
    return extra;
  };
  CHECK(run_args(with({"--heat-years", "10"}), &out) == 0);
  INFO(out);
  CHECK(out.find("PASS heat_rn_stagnates_at_23_sbits") != std::string::npos);
  CHECK(out.find("PASS heat_sr_rms_below_0.01K") != std::string::npos);
  CHECK(out.find("PASS heat_rn_error_falls_10x_with_8x_dt") != std::string::npos);
  CHECK(out.find("3/3 claims pass; results in " + file) != std::string::npos);
  const file_contents ten = read_results(file);
  for (const auto& [name, cl] : ten.claims) CHECK_MESSAGE(cl.get_int("pass") == 1, name);
  const record& rn = ten.runs.at("heat_E11M23_rne_dt1800");
  CHECK(rn.get_double("heat_gain") < 0.9 * rn.get_double("heat_gain_reference"));
  CHECK(rn.get("profile").shape == std::vector<std::size_t>{61});
  CHECK(rn.get("rms_error_series").doubles().back() == rn.get_double("rms_error"));
  // After 2 years nearest has not yet fallen far behind: two claims fail, exit status 3.
  CHECK(run_args(with({"--heat-years", "2"}), &out) == 3);
  CHECK(out.find("FAIL heat_rn_stagnates_at_23_sbits") != std::string::npos);
  CHECK(out.find("PASS heat_sr_rms_below_0.01K") != std::string::npos);
  CHECK(out.find("1/3 claims pass") != std::string::npos);
  const file_contents two = read_results(file);
  CHECK(two.claims.at("heat_rn_stagnates_at_23_sbits").get_int("pass") == 0);
}

TEST_CASE("a Lorenz sweep whose nearest and stochastic runs share the null band fails its claim") {
  // At 52 sbits both modes sit in the null band and at 2 both are far out: no gap of 2 sbits.
  temp_dir dir;
  const std::string file = (dir.path / "l63.h5").string();
  std::string out;
  CHECK(run_args({"--experiments", "l63", "--sbits", "2,52", "--formats", "binary64", "--members", "2", "--null-members",
                  "6", "--l63-samples", "2000", "--out", file},
                 &out) == 3);
  INFO(out);
  CHECK(out.find("FAIL l63_sr_reaches_null_band_earlier") != std::string::npos);
  CHECK(out.find("PASS l63_rn_collapses_at_2_to_4_sbits") != std::string::npos);
  const file_contents f = read_results(file);
  CHECK(f.runs.size() == 1 + 3 * 2 * 2);
  const record& null = f.runs.at("l63_null");
  CHECK(null.get("w1").shape == std::vector<std::size_t>{6, 3});
  const record& rn2 = f.runs.at("l63_E11M2_rne_m0");
  CHECK(rn2.get_int("period_steps") >= 1);  // two significand bits: an exact cycle (here a fixed point)
  CHECK(rn2.get_int("random_words") == 0);
  CHECK(f.runs.at("l63_E11M2_sr_m1").get_int("random_words") > 0);
  CHECK(f.runs.at("l63_E11M2_sr_m1").get_int("period_steps") == -1);  // not looked for under SR
}

TEST_CASE("the small sweep writes the documented layout") {
  temp_dir dir;
  const std::string file = (dir.path / "small.h5").string();
  auto args = small_sweep;
  args.insert(args.end(), {"--out", file});
  const int status = run_args(args);
  CHECK((status == 0 || status == 3));
  const file_contents c = read_results(file);
  for (const char* key : {"study", "config", "complete", "lowp_version", "git_describe", "build_type", "compiler",
                          "host", "os", "start_time", "end_time", "command_line", "seed", "threads", "quick",
                          "l63_rne_band_from_sbits", "l63_sr_band_from_sbits", "l96_rne_band_from_sbits",
                          "l96_sr_band_from_sbits", "l96_sr_band_from_sbits_p95"}) {
    bool found = false;
    for (const attribute& a : c.root) found = found || a.name == key;
    CHECK_MESSAGE(found, key);
  }
  // l63 and l96: 1 null + 3 formats x 2 modes x 2 members; heat: 2 sbits x 2 dt x (1 + 2 seeds);
  // sw: 1 stochastic + 4 nearest formats + the reference + 2 members.
  CHECK(c.runs.size() == 2 * (1 + 3 * 2 * 2) + 2 * 2 * 3 + 8);
  CHECK(c.claims.size() == 2 + 3 + 3);  // l63: 2, heat: 3, sw: 3 (l96 is reported, not claimed)
  CHECK(c.runs.at("sw_mixed_rn").get_string("format") == "binary16+binary32");
  CHECK(c.runs.at("sw_bfloat16_sr_1").get_string("mode") == "stochastic");
  CHECK(c.runs.at("sw_bfloat16_sr_1").get_string("experiment") == "sw");
  for (const auto& [name, r] : c.runs) {
    for (const char* key : {"experiment", "kind", "format", "sbits", "mode", "member", "seed"})
      CHECK_MESSAGE(r.find_attr(key) != nullptr, name << " " << key);
    for (const dataset& d : r.datasets) CHECK_MESSAGE(!d.units.empty(), name << "/" << d.name);
  }
  for (const auto& [name, cl] : c.claims)
    for (const char* key : {"statement", "measured", "detail", "pass"})
      CHECK_MESSAGE(cl.find_attr(key) != nullptr, name << " " << key);
  CHECK(c.runs.at("l96_E11M10_sr_m1").get("trajectory").shape == std::vector<std::size_t>{50, 40});
  CHECK(c.runs.at("l63_binary16_rne_m0").get("trajectory").shape == std::vector<std::size_t>{50, 3});
}

TEST_CASE("results do not depend on the thread count") {
  temp_dir dir;
  const std::string one = (dir.path / "one.h5").string(), two = (dir.path / "two.h5").string();
  auto args = small_sweep;
  args.insert(args.end(), {"--threads", "1", "--out", one});
  const int s1 = run_args(args);
  args = small_sweep;
  args.insert(args.end(), {"--threads", "2", "--out", two});
  CHECK(run_args(args) == s1);
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
  const int status = wait_status(spawn(with({"--out", whole}), log));
  REQUIRE((status == 0 || status == 3));

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

  CHECK(wait_status(spawn(with({"--out", cut, "--resume", "--seed", "9"}), log)) == 1);
  CHECK(read_text(log).find("cannot resume from " + cut + ".partial: it was made with other options") !=
        std::string::npos);
  CHECK(wait_status(spawn(with({"--out", cut, "--resume"}), log)) == status);
  CHECK_FALSE(fs::exists(cut + ".partial"));
  const file_contents a = read_results(whole), b = read_results(cut);
  check_same_runs(a, b);
  CHECK(a.claims.size() == b.claims.size());
}

TEST_CASE("bad options fail with one line before any work") {
  temp_dir dir;
  const std::string log = (dir.path / "log.txt").string();
  struct bad {
    std::vector<std::string> args;
    int status;
    std::string message;
  };
  const bad cases[] = {
      {{"--quick"}, 2, "climate: error: --out FILE is required (see --help)\n"},
      {{"--out", "x.h5", "--formats", "E4Q3"}, 2, "climate: error: --formats: "},
      {{"--out", "x.h5", "--formats", "E15M112"}, 2, "climate: error: --formats: E15M112 is wider than binary64\n"},
      {{"--out", "x.h5", "--modes", "nearest"}, 2, "climate: error: --modes: unknown rounding mode 'nearest'\n"},
      {{"--out", "x.h5", "--sbits", "2,60"}, 2, "climate: error: --sbits: 60 is outside 1..52\n"},
      {{"--out", "x.h5", "--members", "41"}, 2, "climate: error: --null-members must be >= 2 and >= --members\n"},
      {{"--out", "x.h5", "--heat-years", "0"}, 2, "climate: error: --heat-years must be in (0, 200]\n"},
      {{"--out", "x.h5", "--sbits", "10", "--formats", "E11M10"}, 2,
       "climate: error: run l96_E11M10_rne_m0 appears twice (a format or mode listed twice?)\n"},
      {{"--out", "x.h5", "--experiments", "sw2"}, 2,
       "climate: error: --experiments: unknown experiment 'sw2' (l63, l96, heat, sw)\n"},
      {{"--out", (dir.path / "missing" / "r.h5").string()}, 1,
       "climate: error: cannot write " + (dir.path / "missing" / "r.h5.tmp").string() + ": No such file or directory\n"},
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
  CHECK(read_text(log).find("--heat-dt-factors V") != std::string::npos);
}
