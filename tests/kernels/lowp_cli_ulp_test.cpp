// Tests of `lowp ulp -f FORMAT` (emulator/cli/lowp_cli_ulp.cpp) through run_cli, with
// hand-computed errors.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "lowp_cli.hpp"

namespace {

struct result {
  int status;
  std::string out, err;
};

result run(std::vector<std::string> args, const std::string& input) {
  std::vector<char*> argv;
  static std::string prog = "lowp";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  std::istringstream in(input);
  std::ostringstream out, err;
  const int s = lowp::cli::run_cli(static_cast<int>(argv.size()), argv.data(), in, out, err);
  return {s, out.str(), err.str()};
}

}  // namespace

TEST_CASE("lowp ulp: histogram, max and mean in ulps of the format") {
  // bfloat16: ulp at 1 is 2^-7. Errors: 0, 1 (1 + 2^-7 vs 1), 0.5 (2^-8), 3 (3 * 2^-7),
  // and 1 at 2^-130 (subnormal quantum 2^-133: 2^-133 off).
  const std::string input =
      "1 1\n"
      "0x1.02p+0 1\n"
      "0x1.01p+0 1\n"
      "  0x1.06p+0\t1\r\n"
      "\n"
      "0x1.2p-130 0x1p-130\n"
      "inf 1\n";
  const result r = run({"ulp", "-f", "bfloat16"}, input);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("0              1\n") != std::string::npos);
  CHECK(r.out.find("(0,0.5]        1\n") != std::string::npos);
  CHECK(r.out.find("(0.5,1]        2\n") != std::string::npos);
  CHECK(r.out.find("(2,4]          1\n") != std::string::npos);
  CHECK(r.out.find("not-finite     1\n") != std::string::npos);
  CHECK(r.out.find("count: 6\n") != std::string::npos);
  CHECK(r.out.find("max: 3\n") != std::string::npos);
  CHECK(r.out.find("mean: 1.1\n") != std::string::npos);  // (0 + 1 + 0.5 + 3 + 1) / 5
  CHECK(r.out.find("mean_signed: 1.1\n") != std::string::npos);
}

TEST_CASE("lowp ulp: bad input and usage") {
  CHECK(run({"ulp"}, "").status == lowp::cli::exit_usage);
  CHECK(run({"ulp", "-f", "nope"}, "").status == lowp::cli::exit_usage);
  CHECK(run({"ulp", "-f", "binary16", "-r", "rne"}, "").status == lowp::cli::exit_usage);
  const result bad = run({"ulp", "-f", "binary16"}, "1 1\n1 x\n");
  CHECK(bad.status == lowp::cli::exit_bad_input);
  CHECK(bad.err == "lowp: line 2: expected 'value reference', got '1 x'\n");
  CHECK(run({"ulp", "-f", "binary16"}, "1 2 3\n").status == lowp::cli::exit_bad_input);
  CHECK(run({"ulp", "--help"}, "").status == 0);
}
