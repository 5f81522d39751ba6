// Tests `lowp round` and `lowp op` on formats beyond binary64 (emulator/cli/lowp_cli_wide.cpp):
// exact decimal input, MPFR %Ra output, flags, stochastic reproducibility and error lines, with
// expected values from IEEE 754 binary128 hand computation and MPFR's %Ra convention (the binary
// exponent printed is a multiple of 4).
#include <doctest/doctest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "lowp_cli.hpp"

namespace {

struct result {
  int status;
  std::string out, err;
};

result run(std::initializer_list<const char*> args, const std::string& input) {
  std::vector<std::string> storage{"lowp"};
  for (const char* a : args) storage.emplace_back(a);
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::istringstream in(input);
  std::ostringstream out, err;
  const int status = lowp::cli::run_cli(static_cast<int>(storage.size()), argv.data(), in, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("lowp round -f E15M112: decimal read exactly, %Ra output") {
  const result r = run({"round", "-f", "E15M112", "-r", "rne", "--flags"},
                       "0.1\n1\n-2.5\n0x1.8p-16494\n1e5000\n-0\ninf\nnan\n");
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "0x1.999999999999999999999999999ap-4 1 inexact\n"
        "0x1p+0 0\n"
        "-0x2.8p+0 0\n"
        "0x8p-16496 1 inexact underflow\n"
        "inf 1 inexact overflow\n"
        "-0x0p+0 0\n"
        "inf 0\n"
        "nan 0\n");
  // Toward zero: the 0.1 significand is truncated (last hex digit 9, not a).
  CHECK(run({"round", "-f", "E15M112", "-r", "rz"}, "0.1\n").out ==
        "0x1.9999999999999999999999999999p-4\n");
  // A decimal that binary64 cannot hold is not read through binary64: 1 + 2^-100 survives.
  CHECK(run({"round", "-f", "E15M112", "-r", "rne"}, "1.00000000000000000000000000000078886090522101180541172856528278622967\n")
            .out == "0x1.0000000000000000000000001p+0\n");
}

TEST_CASE("lowp op on E15M112 and E8M60") {
  CHECK(run({"op", "div", "-f", "E15M112", "-r", "rne", "--flags"}, "1 3\n2 0\n0 0\n").out ==
        "0x5.5555555555555555555555555554p-4 -1 inexact\n"
        "inf 0 divide_by_zero\n"
        "nan 0 invalid nan_created\n");
  CHECK(run({"op", "sqrt", "-f", "E15M112", "-r", "rne"}, "2\n").out ==
        "0x1.6a09e667f3bcc908b2fb1366ea95p+0\n");
  // fma is rounded once: operands are read to nearest at p = 61 bits, 0.1 -> 0x1.99999999999999ap-4
  // (binary64 would give 0x1.999999999999ap-4), so 0.1 * 10 - 1 = 2^-62 exactly.
  const result f = run({"op", "fma", "-f", "E8M60", "-r", "rne", "--flags"}, "0.1 10 -1\n");
  CHECK(f.status == 0);
  CHECK(f.out == "0x4p-64 0\n");
  CHECK(run({"op", "add", "-f", "E8M60", "-r", "rd"}, "1 -1\n").out == "-0x0p+0\n");
  // Stochastic: reproducible per seed, and one of the two neighbours.
  const std::string in = "0.1\n0.1\n0.1\n0.1\n";
  const result s1 = run({"round", "-f", "E8M60", "-r", "sr", "--seed", "5"}, in);
  const result s2 = run({"round", "-f", "E8M60", "-r", "sr", "--seed", "5"}, in);
  CHECK(s1.out == s2.out);
  std::istringstream lines(s1.out);
  for (std::string l; std::getline(lines, l);)
    CHECK((l == "0x1.99999999999999ap-4" || l == "0x1.999999999999999p-4"));
}

TEST_CASE("lowp round/op beyond binary64: bad lines") {
  const result r = run({"round", "-f", "E15M112", "-r", "rne"}, "1\n0.1x\n2\n");
  CHECK(r.status == 1);
  CHECK(r.out == "0x1p+0\n");
  CHECK(r.err == "lowp: line 2: malformed number '0.1x'\n");
  const result o = run({"op", "mul", "-f", "E15M112", "-r", "rne"}, "1\n");
  CHECK(o.status == 1);
  CHECK(o.err == "lowp: line 1: mul wants 2 numbers per line, got 1\n");
  CHECK(run({"round", "-f", "E15M112", "-r", "rne"}, "\n").err == "lowp: line 1: empty line\n");
  CHECK(run({"round", "-f", "E15M112", "-r", "rne"}, "nan(12)\n").status == 1);
}
