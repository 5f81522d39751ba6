// Tests study 3 (sr_vs_rn): the harmonic-series facts, the claims on the quick sweep, thread-count
// invariance, a SIGKILLed run and --resume, and the command line's errors.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "sr_vs_rn.hpp"
#include "study_test_support.hpp"

using namespace lowp::study;
namespace fs = std::filesystem;

namespace {

// The shared helpers (study_test_support.hpp), bound to this study.
struct temp_dir : testing::temp_dir {
  temp_dir() : testing::temp_dir("sr_vs_rn") {}
};
int run_args(std::vector<std::string> args, std::string* out_text = nullptr) {
  return testing::run_study(sr_vs_rn::run, "sr_vs_rn", std::move(args), out_text);
}
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  return testing::spawn(LOWP_SR_VS_RN_BIN, args, log);
}
using testing::check_same_runs;
using testing::read_text;
using testing::wait_status;

const std::vector<std::string> small_sweep{"--quick", "--formats", "binary16,bfloat16", "--sum-log2n-max", "11",
                                           "--heat-points", "32,45,64", "--harmonic-terms", "5000",
                                           "--harmonic-seeds", "20"};

}  // namespace

TEST_CASE("the harmonic series in nearest-even matches the published facts bit for bit") {
  sr_vs_rn::config c;
  struct fact {
    const char* format;
    std::int64_t term;
    double sum;
  };
  for (const fact& f : {fact{"binary16", 513, 7.0859375}, fact{"bfloat16", 65, 5.0625},
                        fact{"binary32", 2097152, 0x1.eceaf8p+3}}) {
    const lowp::format fmt = lowp::parse_format(f.format);
    const record r = sr_vs_rn::run_task(c, {"harmonic", "", "", fmt, f.format, lowp::rounding::nearest_even});
    CHECK_MESSAGE(r.get_int("stagnation_term") == f.term, f.format);
    CHECK_MESSAGE(r.get_double("final_sum") == f.sum, f.format);
  }
}

TEST_CASE("the quick sweep passes every claim and writes the documented layout") {
  temp_dir dir;
  const std::string file = (dir.path / "quick.h5").string();
  std::string out;
  CHECK(run_args({"--quick", "--out", file}, &out) == 0);
  INFO(out);
  CHECK(out.find("FAIL") == std::string::npos);
  CHECK(out.find("claims pass; results in " + file) != std::string::npos);
  const file_contents c = read_results(file);
  for (const char* key : {"study", "config", "complete", "lowp_version", "git_describe", "build_type", "compiler",
                          "host", "os", "start_time", "end_time", "command_line", "seed", "threads", "quick"}) {
    bool found = false;
    for (const attribute& a : c.root) found = found || a.name == key;
    CHECK_MESSAGE(found, key);
  }
  CHECK(c.runs.size() == 72);
  CHECK(c.claims.size() >= 30);
  for (const auto& [name, r] : c.runs) {
    for (const char* key : {"experiment", "format", "mode", "seed", "unit_roundoff"})
      CHECK_MESSAGE(r.find_attr(key) != nullptr, name << " " << key);
    for (const dataset& d : r.datasets) CHECK_MESSAGE(!d.units.empty(), name << "/" << d.name);
  }
  for (const auto& [name, cl] : c.claims) CHECK_MESSAGE(cl.get_int("pass") == 1, name);
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
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(pid, SIGKILL);
    return wait_status(pid);
  };
  const int killed = kill_after_checkpoint(cut, {});
  CHECK(killed == -SIGKILL);
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

  // A killed run over a previous complete file leaves that file byte for byte.
  const std::string before = read_text(whole);
  CHECK(kill_after_checkpoint(whole, {"--seed", "5"}) == -SIGKILL);
  CHECK(read_text(whole) == before);
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
      {{"--quick"}, 2, "sr_vs_rn: error: --out FILE is required (see --help)\n"},
      {{"--out", "x.h5", "--formats", "E4Q3"}, 2, "sr_vs_rn: error: --formats: "},
      {{"--out", "x.h5", "--formats", "E15M112"}, 2, "sr_vs_rn: error: --formats: E15M112 is wider than binary64\n"},
      {{"--out", "x.h5", "--modes", "nearest"}, 2, "sr_vs_rn: error: --modes: unknown rounding mode 'nearest'\n"},
      {{"--out", "x.h5", "--sum-trials", "ten"}, 2, "sr_vs_rn: error: option --sum-trials needs an integer, got 'ten'\n"},
      {{"--out", "x.h5", "--experiments", "lorenz"}, 2,
       "sr_vs_rn: error: --experiments: unknown experiment 'lorenz' (harmonic, sum, euler, heat)\n"},
      {{"--out", (dir.path / "missing" / "r.h5").string()}, 1,
       "sr_vs_rn: error: cannot write " + (dir.path / "missing" / "r.h5.tmp").string() + ": No such file or directory\n"},
      {{"--out", dir.path.string()}, 1, "sr_vs_rn: error: cannot write " + dir.path.string() + ": it is a directory\n"},
  };
  for (const bad& b : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(wait_status(spawn(b.args, log)) == b.status);
    const std::string text = read_text(log);
    CHECK_MESSAGE(text.rfind(b.message, 0) == 0, text);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    // Before any work: well under the second the sweep would take.
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  }
  CHECK(wait_status(spawn({"--help"}, log)) == 0);
  CHECK(read_text(log).find("--heat-points V") != std::string::npos);
}
