// Tests emulator/cli/lowp_cli.cpp in-process: every command and option of `lowp`, its input
// grammar and error reporting, with expected values taken from the format specs (IEEE 754-2019,
// OCP OFP8 v1.0, OCP MX v1.0), glibc's printf("%a") and hand computation.
#include "lowp_cli.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <sstream>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "lowp/config.hpp"
#include "lowp/random.hpp"

namespace {

struct result {
  int status;
  std::string out;
  std::string err;
  std::streamoff consumed;  // how much of stdin was read
};

// Runs `lowp args...` with `input` on stdin.
result run(std::initializer_list<const char*> args, const std::string& input = "") {
  std::vector<std::string> storage{"lowp"};
  for (const char* a : args) storage.emplace_back(a);
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::istringstream in(input);
  std::ostringstream out, err;
  const int status =
      lowp::cli::run_cli(static_cast<int>(storage.size()), argv.data(), in, out, err);
  in.clear();
  return {status, out.str(), err.str(), static_cast<std::streamoff>(in.tellg())};
}

// Returns glibc's printf("%a") of v: the output form the contract names.
std::string glibc_hex(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%a", v);
  return b;
}

// Checks that a run failed before reading input with exactly one line on stderr.
void check_usage_error(const result& r, const char* mentions) {
  CHECK(r.status != 0);
  CHECK(r.out.empty());
  CHECK(r.consumed == 0);
  REQUIRE(!r.err.empty());
  CHECK(r.err.rfind("lowp: ", 0) == 0);
  CHECK(r.err.find('\n') == r.err.size() - 1);
  CHECK(r.err.find(mentions) != std::string::npos);
}

// Returns the lines of s (each without its '\n').
std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

}  // namespace

TEST_CASE("format_hex prints what glibc's %a prints") {
  const double specials[] = {0.0,        -0.0,
                             1.0,        -1.0,
                             0.5,        3.0,
                             0x1.8p-3,   65504.0,
                             448.0,      0x1p-1074,
                             -0x1p-1074, 0x1.ffffffffffffep-1023,
                             0x1p-1022,  0x1.fffffffffffffp1023,
                             INFINITY,   -INFINITY,
                             NAN,        -NAN,
                             0.1};
  char buf[40];
  for (double v : specials) {
    const std::size_t n = lowp::cli::format_hex(v, buf);
    CHECK(std::string(buf, n) == glibc_hex(v));
  }
  // Random bit patterns cover every exponent and nibble count, subnormals included.
  for (std::uint64_t i = 0; i < 200000; ++i) {
    std::uint64_t bits = lowp::mix64(i);
    if (i % 4 == 1) bits &= 0x800fffffffffffffULL;      // subnormal
    if (i % 4 == 2) bits &= ~((1ULL << (i % 52)) - 1);  // trailing zero nibbles
    const double v = __builtin_bit_cast(double, bits);
    const std::size_t n = lowp::cli::format_hex(v, buf);
    if (std::string(buf, n) != glibc_hex(v)) {
      FAIL_CHECK("bits " << bits << ": " << std::string(buf, n) << " vs " << glibc_hex(v));
      break;
    }
  }
}

TEST_CASE("round: the contract's example (e4m3fn, 464 ties to 448, 465 overflows to NaN)") {
  // OFP8 E4M3: largest 448 = 1.110b * 2^8; the next step would be 480 (the NaN code), so 464 is
  // the midpoint and ties to the even 448, while 465 rounds past largest: no inf, so NaN.
  const result r = run({"round", "-f", "e4m3fn", "-r", "rne"}, "464\n465\n");
  CHECK(r.status == 0);
  CHECK(r.out == "0x1.cp+8\nnan\n");
  CHECK(r.err.empty());
}

TEST_CASE("round: option spellings") {
  const std::string want = "0x1.cp+8\n";
  CHECK(run({"round", "--format", "e4m3fn", "--rounding", "rne"}, "464\n").out == want);
  CHECK(run({"round", "--format=e4m3fn", "--rounding=nearest-even"}, "464\n").out == want);
  CHECK(run({"round", "-r", "rne", "-f", "e4m3fn"}, "464\n").out == want);
  CHECK(run({"round", "-f", "E4M3,specials=fn", "-r", "rne"}, "464\n").out == want);
}

TEST_CASE("round: directed modes and the binary16 grid") {
  // binary16: 0.1 -> 0x2e66 = 1.1001100110b * 2^-4; 1 + 2^-11 is the midpoint of 1 and
  // 1 + 2^-10.
  CHECK(run({"round", "-f", "binary16", "-r", "rne"}, "0.1\n").out == "0x1.998p-4\n");
  CHECK(run({"round", "-f", "binary64", "-r", "rne"}, "0.1\n").out == "0x1.999999999999ap-4\n");
  CHECK(run({"round", "-f", "binary16", "-r", "rne"}, "1.00048828125\n").out == "0x1p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "rna"}, "1.00048828125\n").out == "0x1.004p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "ru"}, "1.0001\n").out == "0x1.004p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "rd"}, "1.0009\n").out == "0x1p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "rz"}, "-1.0009\n").out == "-0x1p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "rd"}, "-1.0001\n").out == "-0x1.004p+0\n");
  // Decimal input is converted to binary64 first (as strtod), then rounded once: this decimal
  // lies above the midpoint but reads as the midpoint itself, which ties to even.
  CHECK(run({"round", "-f", "binary16", "-r", "rne"}, "1.00048828125000000000001\n").out ==
        "0x1p+0\n");
}

TEST_CASE("round: signed zeros") {
  CHECK(run({"round", "-f", "binary16", "-r", "rd"}, "-0\n0\n+0\n-0.0\n").out ==
        "-0x0p+0\n0x0p+0\n0x0p+0\n-0x0p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "ru"}, "-0\n").out == "-0x0p+0\n");
  // Tiny values: binary16's smallest subnormal is 2^-24.
  CHECK(run({"round", "-f", "binary16", "-r", "rd"}, "1e-30\n-1e-30\n").out ==
        "0x0p+0\n-0x1p-24\n");
  CHECK(run({"round", "-f", "binary16", "-r", "rz"}, "-1e-30\n").out == "-0x0p+0\n");
  CHECK(run({"round", "-f", "binary16", "-r", "ru"}, "1e-30\n-1e-30\n").out ==
        "0x1p-24\n-0x0p+0\n");
  // fnuz formats have no -0: its pattern is the NaN.
  CHECK(run({"round", "-f", "e4m3fnuz", "-r", "rne"}, "-0\n").out == "0x0p+0\n");
}

TEST_CASE("round: inf and nan inputs in ieee, fn and finite formats") {
  const std::string in = "inf\n-inf\ninfinity\n-Infinity\n+INF\nnan\n-nan\n+NaN\n";
  CHECK(run({"round", "-f", "binary16", "-r", "rne", "--flags"}, in).out ==
        "inf 0\n-inf 0\ninf 0\n-inf 0\ninf 0\nnan 0\n-nan 0\nnan 0\n");
  CHECK(run({"round", "-f", "e5m2", "-r", "rz"}, "inf\n").out == "inf\n");
  // E4M3 (fn) has no inf: an infinite input has no value but NaN.
  CHECK(run({"round", "-f", "e4m3fn", "-r", "rne", "--flags"}, "inf\n-inf\nnan\n").out ==
        "nan 0 invalid nan_created\n-nan 0 invalid nan_created\nnan 0\n");
  // FP4 E2M1 (finite) has neither: inf saturates to +-6 = 1.1b * 2^2, NaN is invalid.
  CHECK(run({"round", "-f", "e2m1fn", "-r", "rne", "--flags"}, "inf\n-inf\nnan\n").out ==
        "0x1.8p+2 -1 inexact saturated\n-0x1.8p+2 1 inexact saturated\nnan 0 invalid\n");
}

TEST_CASE("round: --flags prints the ternary and each raised flag") {
  const char* args[] = {"round", "-f", "binary16", "-r", "rne", "--flags"};
  auto flags_of = [&](const char* input) {
    return run({args[0], args[1], args[2], args[3], args[4], args[5]}, input).out;
  };
  CHECK(flags_of("1\n") == "0x1p+0 0\n");
  CHECK(flags_of("1.00048828125\n") == "0x1p+0 -1 inexact\n");
  CHECK(flags_of("1.0009765625\n") == "0x1.004p+0 0\n");
  // 65520 is the midpoint of 65504 (odd significand) and 2^16: ties to 2^16, past largest.
  CHECK(flags_of("65520\n") == "inf 1 inexact overflow\n");
  CHECK(flags_of("65519\n") == "0x1.ffcp+15 -1 inexact\n");
  CHECK(flags_of("-65520\n") == "-inf -1 inexact overflow\n");
  // 2^-25 is the midpoint of 0 and 2^-24: ties to 0; 3 * 2^-26 rounds up to 2^-24.
  CHECK(flags_of("0x1p-25\n") == "0x0p+0 -1 inexact underflow flushed\n");
  CHECK(flags_of("0x1.8p-25\n") == "0x1p-24 1 inexact underflow\n");
  CHECK(flags_of("1e-8\n") == "0x0p+0 -1 inexact underflow flushed\n");
}

TEST_CASE("round: input grammar") {
  const char* f[] = {"round", "-f", "binary16", "-r", "rne"};
  auto r16 = [&](const std::string& input) { return run({f[0], f[1], f[2], f[3], f[4]}, input); };
  // Hex floats (C99), 0X and uppercase digits too; 0x1.ffe is the midpoint of 0x1.ffc (odd)
  // and 2, so it ties up; 0x1.ffa is the midpoint of 0x1.ff8 (even) and 0x1.ffc.
  CHECK(r16("0x1.8p-3\n0x1.ffep0\n0x1.ffap0\n-0X1P-2\n0x1.FFCp15\n").out ==
        "0x1.8p-3\n0x1p+1\n0x1.ff8p+0\n-0x1p-2\n0x1.ffcp+15\n");
  // A trailing CR, spaces and tabs around the number, and a last line without '\n'.
  CHECK(r16("1.5\r\n2.5\r\n").out == "0x1.8p+0\n0x1.4p+1\n");
  CHECK(r16(" \t1.5\t \n  -2 \r\n").out == "0x1.8p+0\n-0x1p+1\n");
  CHECK(r16("1\n2").out == "0x1p+0\n0x1p+1\n");
  CHECK(r16("+.5\n5.\n1e1\n1E+1\n").out == "0x1p-1\n0x1.4p+2\n0x1.4p+3\n0x1.4p+3\n");
  // Past binary64's range strtod gives inf; binary16 keeps it.
  CHECK(r16("1e400\n").out == "inf\n");
  CHECK(r16("").out.empty());
  CHECK(r16("").status == 0);
}

TEST_CASE("round: a malformed line 3 stops the run after two outputs") {
  const result r = run({"round", "-f", "binary16", "-r", "rne"}, "1\n2\n1.5x\n4\n");
  CHECK(r.status != 0);
  CHECK(r.out == "0x1p+0\n0x1p+1\n");
  CHECK(r.err == "lowp: line 3: malformed number '1.5x'\n");
}

TEST_CASE("round: empty and malformed lines are errors naming the line") {
  struct bad {
    const char* input;
    const char* message;
  };
  const bad cases[] = {
      {"1\n\n2\n", "lowp: line 2: empty line\n"},
      {"1\n \t\n", "lowp: line 2: empty line\n"},
      {"\r\n", "lowp: line 1: empty line\n"},
      {"nan(1)\n", "lowp: line 1: malformed number 'nan(1)'\n"},
      {"1 2\n", "lowp: line 1: malformed number '1 2'\n"},
      {"abc\n", "lowp: line 1: malformed number 'abc'\n"},
      {"0x\n", "lowp: line 1: malformed number '0x'\n"},
      {"1e\n", "lowp: line 1: malformed number '1e'\n"},
      {"--1\n", "lowp: line 1: malformed number '--1'\n"},
      {"infinit\n", "lowp: line 1: malformed number 'infinit'\n"},
      {"\v1\n", "lowp: line 1: malformed number '?1'\n"},
      {"1\n2\n3\n4,5\n", "lowp: line 4: malformed number '4,5'\n"},
  };
  for (const bad& c : cases) {
    CAPTURE(c.input);
    const result r = run({"round", "-f", "binary16", "-r", "rne"}, c.input);
    CHECK(r.status != 0);
    CHECK(r.err == c.message);
  }
}

TEST_CASE("bad format, mode, options: one error line before reading input") {
  const std::string in = "1\n";
  check_usage_error(run({"round", "-f", "e4m3fnx", "-r", "rne"}, in), "e4m3fnx");
  check_usage_error(run({"round", "-f", "E4M3,subnormals=maybe", "-r", "rne"}, in), "subnormals");
  check_usage_error(run({"round", "-f", "e4m3fn", "-r", "nearest"}, in), "nearest");
  check_usage_error(run({"round", "-f", "e4m3fn"}, in), "-r");
  check_usage_error(run({"round", "-r", "rne"}, in), "-f");
  check_usage_error(run({"round", "-f"}, in), "-f");
  check_usage_error(run({"round", "-f", "e4m3fn", "-r", "rne", "--bogus"}, in), "--bogus");
  check_usage_error(run({"round", "-f", "e4m3fn", "-r", "rne", "extra"}, in), "extra");
  check_usage_error(run({"decode", "-f", "e4m3fn", "-r", "rne"}, in), "-r");
  check_usage_error(run({"frobnicate", "-f", "e4m3fn"}, in), "frobnicate");
  // Formats whose values are not all binary64 values are refused except by round and op
  // (lowp_cli_wide_test.cpp).
  check_usage_error(run({"encode", "-f", "E15M60", "-r", "rne"}, in), "binary64");
  check_usage_error(run({"info", "-f", "E11M60"}, in), "binary64");
  check_usage_error(run({"decode", "-f", "E15M10"}, in), "binary64");
}

TEST_CASE("bad --rbits and --seed") {
  const std::string in = "1\n";
  for (const char* bad : {"0", "65", "-1", "abc", "", "6x", "64.0"}) {
    CAPTURE(bad);
    check_usage_error(run({"round", "-f", "binary16", "-r", "sr", "--rbits", bad}, in), "--rbits");
  }
  check_usage_error(run({"round", "-f", "binary16", "-r", "sr", "--rbits"}, in), "--rbits");
  check_usage_error(run({"round", "-f", "binary16", "-r", "sr", "--rbits=0"}, in), "--rbits");
  for (const char* bad : {"-1", "x", "", "18446744073709551616", "1.5"}) {
    CAPTURE(bad);
    check_usage_error(run({"round", "-f", "binary16", "-r", "sr", "--seed", bad}, in), "--seed");
  }
  CHECK(run({"round", "-f", "binary16", "-r", "sr", "--rbits", "1"}, in).status == 0);
  CHECK(run({"round", "-f", "binary16", "-r", "sr", "--rbits=64"}, in).status == 0);
  CHECK(run({"round", "-f", "binary16", "-r", "sr", "--seed", "18446744073709551615"}, in).status ==
        0);
}

TEST_CASE("stochastic rounding: element i uses random_stream(seed, 0)(i)") {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10. With one random bit, sr compares the top bit
  // of the word with the top fraction bit (1): it rounds away from zero when the top bit is 0.
  constexpr int n = 200;
  std::string in;
  for (int i = 0; i < n; ++i) in += "1.00048828125\n";
  for (std::uint64_t seed : {0ULL, 7ULL, 123456789ULL}) {
    const std::string s = std::to_string(seed);
    const result r =
        run({"round", "-f", "binary16", "-r", "sr", "--rbits", "1", "--seed", s.c_str()}, in);
    REQUIRE(r.status == 0);
    const std::vector<std::string> got = lines(r.out);
    REQUIRE(got.size() == n);
    const lowp::random_stream stream(seed, 0);
    for (int i = 0; i < n; ++i) {
      CAPTURE(i);
      CHECK(got[static_cast<std::size_t>(i)] ==
            ((stream(static_cast<std::uint64_t>(i)) >> 63) == 0 ? "0x1.004p+0" : "0x1p+0"));
    }
  }
}

TEST_CASE("stochastic rounding: same seed, same output; other seed, other output") {
  std::string in;
  for (int i = 0; i < 100; ++i) in += "0.1\n-0.3\n";
  for (const char* mode : {"sr", "sre"}) {
    CAPTURE(mode);
    const result a = run({"round", "-f", "e4m3fn", "-r", mode, "--seed", "42"}, in);
    const result b = run({"round", "-f", "e4m3fn", "-r", mode, "--seed", "42"}, in);
    const result c = run({"round", "-f", "e4m3fn", "-r", mode, "--seed", "43"}, in);
    const result d = run({"round", "-f", "e4m3fn", "-r", mode}, in);
    const result e = run({"round", "-f", "e4m3fn", "-r", mode, "--seed", "0"}, in);
    REQUIRE(a.status == 0);
    CHECK(a.out == b.out);
    CHECK(a.out != c.out);
    CHECK(d.out == e.out);  // the default seed is 0
    // Every result is one of the two neighbours: 0.1 lies between 0x1.8p-4 and 0x1.ap-4,
    // -0.3 between -0x1.2p-2 and -0x1.4p-2 (e4m3fn, 3 fraction bits).
    for (const std::string& l : lines(a.out))
      CHECK((l == "0x1.8p-4" || l == "0x1.ap-4" || l == "-0x1.2p-2" || l == "-0x1.4p-2"));
  }
}

TEST_CASE("encode: codes of the specs, zero-padded to the width") {
  CHECK(run({"encode", "-f", "e4m3fn", "-r", "rne"}, "448\n1\n-0\n0x1p-9\n-448\nnan\n").out ==
        "0x7e\n0x38\n0x80\n0x01\n0xfe\n0x7f\n");
  CHECK(run({"encode", "-f", "binary16", "-r", "rne"}, "1\n-2\n65504\n0.1\ninf\n-inf\nnan\n").out ==
        "0x3c00\n0xc000\n0x7bff\n0x2e66\n0x7c00\n0xfc00\n0x7e00\n");
  CHECK(run({"encode", "-f", "e8m0fnu", "-r", "rne"}, "1\n0x1p-127\n0x1p127\n").out ==
        "0x7f\n0x00\n0xfe\n");
  CHECK(run({"encode", "-f", "e2m1fn", "-r", "rne"}, "6\n-6\n0.5\ninf\n").out ==
        "0x7\n0xf\n0x1\n0x7\n");
  CHECK(run({"encode", "-f", "e3m2fn", "-r", "rne"}, "28\n-28\n").out == "0x1f\n0x3f\n");
  CHECK(run({"encode", "-f", "binary64", "-r", "rne"}, "1\n-0\n").out ==
        "0x3ff0000000000000\n0x8000000000000000\n");
  // 464 ties to 448 (0x7e); the e4m3fn overflow gives the NaN code.
  CHECK(run({"encode", "-f", "e4m3fn", "-r", "rne"}, "464\n465\n").out == "0x7e\n0x7f\n");
  CHECK(run({"encode", "-f", "binary16", "-r", "rne", "--flags"}, "1.00048828125\n").out ==
        "0x3c00 -1 inexact\n");
}

TEST_CASE("encode: a result with no code is an error line") {
  // FP4 E2M1 has no NaN.
  const result r = run({"encode", "-f", "e2m1fn", "-r", "rne"}, "1\nnan\n2\n");
  CHECK(r.status != 0);
  CHECK(r.out == "0x2\n");
  CHECK(r.err.rfind("lowp: line 2: ", 0) == 0);
  CHECK(r.err.find("nan") != std::string::npos);
  CHECK(r.err.find("no code") != std::string::npos);
}

TEST_CASE("decode: values of the specs, input spellings") {
  CHECK(run({"decode", "-f", "e4m3fn"}, "7e\n0x01\n08\n0X38\n80\n7f\nff\n 0x7E\t\r\n").out ==
        "0x1.cp+8\n0x1p-9\n0x1p-6\n0x1p+0\n-0x0p+0\nnan\n-nan\n0x1.cp+8\n");
  CHECK(run({"decode", "-f", "binary16"}, "3c00\n7bff\n0001\n03ff\n7c00\nfc00\n7e00\n8000\n").out ==
        "0x1p+0\n0x1.ffcp+15\n0x1p-24\n0x1.ff8p-15\ninf\n-inf\nnan\n-0x0p+0\n");
  CHECK(run({"decode", "-f", "e8m0fnu"}, "7f\n00\nfe\nff\n").out ==
        "0x1p+0\n0x1p-127\n0x1p+127\nnan\n");
  CHECK(run({"decode", "-f", "e4m3fnuz"}, "80\n0\n").out == "nan\n0x0p+0\n");
  CHECK(run({"decode", "-f", "binary64"}, "0x0000000000000001\n0xffffffffffffffff\n").out ==
        "0x0.0000000000001p-1022\n-nan\n");
}

TEST_CASE("decode: out-of-range and malformed codes") {
  const result r = run({"decode", "-f", "e4m3fn"}, "7e\n01\n100\n02\n");
  CHECK(r.status != 0);
  CHECK(r.out == "0x1.cp+8\n0x1p-9\n");
  CHECK(r.err.rfind("lowp: line 3: ", 0) == 0);
  CHECK(r.err.find("out of range") != std::string::npos);
  CHECK(run({"decode", "-f", "binary16"}, "0x10000\n").status != 0);
  CHECK(run({"decode", "-f", "e2m1fn"}, "0x10\n").status != 0);
  CHECK(run({"decode", "-f", "e2m1fn"}, "0xf\n").out == "-0x1.8p+2\n");
  CHECK(run({"decode", "-f", "binary64"}, "1ffffffffffffffff\n").status != 0);
  for (const char* bad : {"0xg\n", "0x\n", "-1\n", "\n", "1 2\n", "0x1p0\n"}) {
    CAPTURE(bad);
    const result b = run({"decode", "-f", "e4m3fn"}, bad);
    CHECK(b.status != 0);
    CHECK(b.err.rfind("lowp: line 1: ", 0) == 0);
  }
}

namespace {

// Checks decode and encode over every code of a width-8 or width-16 format against the spec's
// value formula; NaN codes are listed by the caller.
template <class Value, class IsNan>
void check_every_code(const char* fmt, int width, Value value_of, IsNan is_nan) {
  const std::uint64_t count = std::uint64_t{1} << width;
  const int nibbles = width / 4;
  std::string codes;
  char b[32];
  for (std::uint64_t c = 0; c < count; ++c) {
    std::snprintf(b, sizeof b, "0x%0*llx\n", nibbles, static_cast<unsigned long long>(c));
    codes += b;
  }
  const result dec = run({"decode", "-f", fmt}, codes);
  REQUIRE(dec.status == 0);
  const std::vector<std::string> values = lines(dec.out);
  REQUIRE(values.size() == count);
  std::string finite_in, finite_codes;
  for (std::uint64_t c = 0; c < count; ++c) {
    CAPTURE(c);
    const std::string& got = values[c];
    if (is_nan(c)) {
      CHECK((got == "nan" || got == "-nan"));
      continue;
    }
    CHECK(got == glibc_hex(value_of(c)));
    finite_in += got + "\n";
    std::snprintf(b, sizeof b, "0x%0*llx\n", nibbles, static_cast<unsigned long long>(c));
    finite_codes += b;
  }
  // Every value of the format encodes back to its own code, in every deterministic mode.
  for (const char* mode : {"rne", "rd", "ru", "rz", "ro", "sr"}) {
    CAPTURE(mode);
    const result enc = run({"encode", "-f", fmt, "-r", mode}, finite_in);
    CHECK(enc.status == 0);
    CHECK(enc.out == finite_codes);
  }
}

}  // namespace

TEST_CASE("encode/decode: every code of e4m3fn round-trips") {
  // OFP8 E4M3: S.EEEE.MMM, bias 7; E = 0 is 0.MMM * 2^-6; S.1111.111 is NaN; no inf.
  check_every_code(
      "e4m3fn", 8,
      [](std::uint64_t c) {
        const int e = static_cast<int>((c >> 3) & 15), m = static_cast<int>(c & 7);
        const double mag = e == 0 ? std::ldexp(m, -9) : std::ldexp(8 + m, e - 10);
        return (c & 0x80) ? -mag : mag;
      },
      [](std::uint64_t c) { return (c & 0x7f) == 0x7f; });
}

TEST_CASE("encode/decode: every code of binary16 round-trips") {
  // IEEE 754 binary16: S.EEEEE.MMMMMMMMMM, bias 15; E = 0 is 0.M * 2^-14; E = 31 is inf / NaN.
  check_every_code(
      "binary16", 16,
      [](std::uint64_t c) {
        const int e = static_cast<int>((c >> 10) & 31), m = static_cast<int>(c & 1023);
        const double mag = e == 31  ? INFINITY
                           : e == 0 ? std::ldexp(m, -24)
                                    : std::ldexp(1024 + m, e - 25);
        return (c & 0x8000) ? -mag : mag;
      },
      [](std::uint64_t c) { return ((c >> 10) & 31) == 31 && (c & 1023) != 0; });
}

TEST_CASE("info: facts of binary16, e4m3fn and e8m0fnu from the specs") {
  // IEEE 754-2019 binary16: p = 11, emin = -14, emax = 15, largest (2 - 2^-10) * 2^15,
  // smallest normal 2^-14, smallest subnormal 2^-24, u = 2^-11.
  CHECK(run({"info", "-f", "binary16"}).out ==
        "precision: 11\n"
        "emin: -14\n"
        "emax: 15\n"
        "bias: 15\n"
        "largest: 65504\n"
        "smallest_normal: 6.103515625e-05\n"
        "smallest_subnormal: 5.960464477539063e-08\n"
        "unit_roundoff: 0.00048828125\n"
        "has_inf: yes\n"
        "has_nan: yes\n"
        "signed: yes\n"
        "codes: 65536\n");
  // OCP OFP8 v1.0 E4M3: bias 7, largest 448, smallest normal 2^-6, smallest subnormal 2^-9,
  // no inf, NaN at S.1111.111.
  CHECK(run({"info", "--format", "e4m3fn"}).out ==
        "precision: 4\n"
        "emin: -6\n"
        "emax: 8\n"
        "bias: 7\n"
        "largest: 448\n"
        "smallest_normal: 0.015625\n"
        "smallest_subnormal: 0.001953125\n"
        "unit_roundoff: 0.0625\n"
        "has_inf: no\n"
        "has_nan: yes\n"
        "signed: yes\n"
        "codes: 256\n");
  // OCP MX v1.0 E8M0: unsigned, exponent only, 2^-127 .. 2^127, NaN = 0xff, no zero.
  CHECK(run({"info", "-f", "e8m0fnu"}).out ==
        "precision: 1\n"
        "emin: -127\n"
        "emax: 127\n"
        "bias: 127\n"
        "largest: 1.7014118346046923e+38\n"
        "smallest_normal: 5.877471754111438e-39\n"
        "smallest_subnormal: 5.877471754111438e-39\n"
        "unit_roundoff: 0.5\n"
        "has_inf: no\n"
        "has_nan: yes\n"
        "signed: no\n"
        "codes: 256\n");
  // binary64: 2^64 codes does not fit a uint64_t.
  const result r = run({"info", "-f", "binary64"});
  CHECK(r.out.find("largest: 1.7976931348623157e+308\n") != std::string::npos);
  CHECK(r.out.find("smallest_subnormal: 5e-324\n") != std::string::npos);
  CHECK(r.out.find("codes: 18446744073709551616\n") != std::string::npos);
  // FP4 E2M1: 16 codes, largest 6, no specials.
  const result fp4 = run({"info", "-f", "e2m1fn"});
  CHECK(fp4.out.find("largest: 6\n") != std::string::npos);
  CHECK(fp4.out.find("has_nan: no\n") != std::string::npos);
  CHECK(fp4.out.find("codes: 16\n") != std::string::npos);
}

TEST_CASE("help and version") {
  for (const char* h : {"--help", "help", "-h"}) {
    const result r = run({h});
    CHECK(r.status == 0);
    CHECK(r.out.rfind("usage: lowp", 0) == 0);
    for (const char* word : {"round", "encode", "decode", "info", "--seed", "--rbits", "--flags"})
      CHECK(r.out.find(word) != std::string::npos);
  }
  CHECK(run({"round", "--help"}).status == 0);
  const result v = run({"--version"});
  CHECK(v.status == 0);
  CHECK(v.out == "lowp " LOWP_VERSION_STRING "\n");
  const result none = run({});
  CHECK(none.status != 0);
  CHECK(none.err.find("usage: lowp") != std::string::npos);
}

TEST_CASE("a long input streams through without loss") {
  // 1..100000 are all binary64 values; spot-check the last one: 100000 = 0x186a0.
  std::string in;
  for (int i = 1; i <= 100000; ++i) in += std::to_string(i) + "\n";
  const result r = run({"round", "-f", "binary64", "-r", "rne"}, in);
  CHECK(r.status == 0);
  const std::vector<std::string> got = lines(r.out);
  REQUIRE(got.size() == 100000);
  CHECK(got.front() == "0x1p+0");
  CHECK(got.back() == "0x1.86ap+16");
  for (int i = 1; i <= 100000; i += 997)
    CHECK(got[static_cast<std::size_t>(i - 1)] == glibc_hex(i));
}

namespace {

// Hands out its text a few bytes per refill, as a pipe may, so that lines straddle refills.
class trickle_buf : public std::streambuf {
 public:
  trickle_buf(std::string text, std::size_t chunk) : text_(std::move(text)), chunk_(chunk) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (pos_ == text_.size()) return traits_type::eof();
    const std::size_t n = std::min(chunk_, text_.size() - pos_);
    char* b = text_.data() + pos_;
    pos_ += n;
    setg(b, b, b + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string text_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

}  // namespace

TEST_CASE("lines that straddle refills and lines longer than the buffer") {
  std::string in = "1.5\n-2\r\n0x1p-3\n";
  in += std::string(3u << 20, ' ') + "3\n";  // longer than the 1 MiB line buffer
  in += "4";                                 // no final newline
  const std::string want = "0x1.8p+0\n-0x1p+1\n0x1p-3\n0x1.8p+1\n0x1p+2\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{4096}}) {
    CAPTURE(chunk);
    trickle_buf buf(in, chunk);
    std::istream is(&buf);
    std::ostringstream out, err;
    std::string a0 = "lowp", a1 = "round", a2 = "-f", a3 = "binary16", a4 = "-r", a5 = "rne";
    char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), a5.data(), nullptr};
    CHECK(lowp::cli::run_cli(6, argv, is, out, err) == 0);
    CHECK(out.str() == want);
    CHECK(err.str().empty());
  }
}

TEST_CASE("op: add rounds the exact sum once (binary16)") {
  // 1 + 2^-11 is the binary16 midpoint of 1 and 1 + 2^-10: it ties to even. With 2^-60 more the
  // exact sum is above it (binary64 would round it back to the midpoint, then tie to 1).
  const result r = run({"op", "add", "-f", "binary16", "-r", "rne", "--flags"},
                       "1 0x1p-11\n0x1.002p+0 0x1p-60\n  1\t 0x1p-10 \r\n-0 -0\n1 -1\n");
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "0x1p+0 -1 inexact\n0x1.004p+0 1 inexact\n0x1.004p+0 0\n-0x0p+0 0\n0x0p+0 0\n");
  const result d = run({"op", "add", "-f", "binary16", "-r", "rd"}, "1 -1\n");
  CHECK(d.out == "-0x0p+0\n");
}

TEST_CASE("op: sub, mul, div, sqrt, fma") {
  // (1 + 2^-24 - 2^-52)(1 + 2^-52) = 1 + 2^-24 + 2^-76 - 2^-104: above the binary32 midpoint.
  CHECK(run({"op", "mul", "-f", "binary32", "-r", "rne", "--flags"},
            "0x1.000000fffffffp+0 0x1.0000000000001p+0\n")
            .out == "0x1.000002p+0 1 inexact\n");
  CHECK(run({"op", "sub", "-f", "binary16", "-r", "rna"}, "0x1.002p+0 0x1p-60\n").out ==
        "0x1p+0\n");
  // 1/3 = 0x1.5555...p-2: 0x1.554p-2 in binary16 nearest, 0x1.558p-2 up.
  CHECK(run({"op", "div", "-f", "binary16", "-r", "rne", "--flags"}, "1 3\n1 -0\n0 0\n").out ==
        "0x1.554p-2 -1 inexact\n-inf 0 divide_by_zero\nnan 0 invalid nan_created\n");
  CHECK(run({"op", "div", "-f", "binary16", "-r", "ru"}, "1 3\n").out == "0x1.558p-2\n");
  // sqrt(2) = 0x1.6a09e6...p+0: bfloat16 keeps 0x1.6ap+0.
  CHECK(run({"op", "sqrt", "-f", "bfloat16", "-r", "rne", "--flags"}, "2\n-1\n-0\n").out ==
        "0x1.6ap+0 -1 inexact\nnan 0 invalid nan_created\n-0x0p+0 0\n");
  // fma: (1 + 2^-24) * 1 + 2^-80 is above the binary32 midpoint; a binary64 fma gives it.
  CHECK(run({"op", "fma", "-f", "binary32", "-r", "rne", "--flags"},
            "0x1.000001p+0 1 0x1p-80\n2 3 -6\n")
            .out == "0x1.000002p+0 1 inexact\n0x0p+0 0\n");
  // e4m3fn: 448 + 32 = 480 overflows to NaN (the format has no inf).
  CHECK(run({"op", "add", "-f", "e4m3fn", "-r", "rne", "--flags"}, "448 32\n").out ==
        "nan 0 inexact overflow nan_created\n");
}

TEST_CASE("op: a line with the wrong number of operands stops the run, naming the line") {
  const result r = run({"op", "add", "-f", "binary16", "-r", "rne"}, "1 2\n1 2 3\n4 5\n");
  CHECK(r.status == 1);
  CHECK(r.out == "0x1.8p+1\n");
  CHECK(r.err == "lowp: line 2: add wants 2 numbers per line, got 3\n");
  CHECK(run({"op", "sqrt", "-f", "binary16", "-r", "rne"}, "1 2\n").err ==
        "lowp: line 1: sqrt wants 1 number per line, got 2\n");
  CHECK(run({"op", "fma", "-f", "binary16", "-r", "rne"}, "1 2\n").err ==
        "lowp: line 1: fma wants 3 numbers per line, got 2\n");
  CHECK(run({"op", "mul", "-f", "binary16", "-r", "rne"}, "1\n\n").err ==
        "lowp: line 1: mul wants 2 numbers per line, got 1\n");
  CHECK(run({"op", "mul", "-f", "binary16", "-r", "rne"}, "\n").err == "lowp: line 1: empty line\n");
  CHECK(run({"op", "mul", "-f", "binary16", "-r", "rne"}, "1 2x\n").err ==
        "lowp: line 1: malformed number '2x'\n");
}

TEST_CASE("op: bad operation, missing mode: one error line before reading input") {
  check_usage_error(run({"op", "pow", "-f", "binary16", "-r", "rne"}, "1 2\n"), "pow");
  check_usage_error(run({"op"}, "1 2\n"), "operation");
  check_usage_error(run({"op", "add", "-f", "binary16"}, "1 2\n"), "-r MODE");
  check_usage_error(run({"op", "-f", "binary16", "-r", "rne"}, "1 2\n"), "-f");
}

TEST_CASE("op: stochastic rounding, line i uses random_stream(seed, 0)(i)") {
  // 1 + (2^-11 + 2^-40): with one random bit sr rounds away when the word's top bit is 0.
  constexpr int n = 200;
  std::string in;
  for (int i = 0; i < n; ++i) in += "1 0x1.00000002p-11\n";
  const result r = run({"op", "add", "-f", "binary16", "-r", "sr", "--rbits", "1", "--seed", "9"},
                       in);
  REQUIRE(r.status == 0);
  const std::vector<std::string> got = lines(r.out);
  REQUIRE(got.size() == n);
  const lowp::random_stream stream(9, 0);
  for (int i = 0; i < n; ++i) {
    CAPTURE(i);
    CHECK(got[static_cast<std::size_t>(i)] ==
          ((stream(static_cast<std::uint64_t>(i)) >> 63) == 0 ? "0x1.004p+0" : "0x1p+0"));
  }
}
