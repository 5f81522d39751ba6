// Tests the study command line: values, defaults in --help, errors, the config string.
#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include "lowp/study/options.hpp"

using namespace lowp::study;

namespace {

struct fixture {
  common_options common;
  int n = 7;
  double x = 0.25;
  std::string name = "abc";
  std::vector<std::string> list{"a", "b"};
  bool flag = false;
  option_parser parser{"prog", "A test program."};
  fixture() {
    parser.add_common(common);
    parser.add("n", n, "an integer");
    parser.add("x", x, "a number");
    parser.add("name", name, "a string", false);
    parser.add("list", list, "a list");
    parser.add_flag("flag", flag, "a flag");
  }
  bool parse(std::vector<const char*> args, std::ostream& out) {
    args.insert(args.begin(), "prog");
    return parser.parse(static_cast<int>(args.size()), args.data(), out);
  }
};

}  // namespace

TEST_CASE("options parse values in both spellings and remember what was given") {
  fixture f;
  std::ostringstream out;
  REQUIRE(f.parse({"--out", "r.h5", "--n", "-3", "--x=1e-3", "--list", "p,q,r", "--flag", "--quick",
                   "--seed", "42", "--threads", "2"},
                  out));
  CHECK(f.common.out == "r.h5");
  CHECK(f.n == -3);
  CHECK(f.x == 1e-3);
  CHECK(f.list == std::vector<std::string>{"p", "q", "r"});
  CHECK(f.flag);
  CHECK(f.common.quick);
  CHECK(f.common.seed == 42);
  CHECK(f.common.threads == 2);
  CHECK(f.parser.given("n"));
  CHECK_FALSE(f.parser.given("name"));
  CHECK(f.parser.command_line() == "prog --out r.h5 --n -3 --x=1e-3 --list p,q,r --flag --quick --seed 42 --threads 2");
  CHECK(out.str().empty());
}

TEST_CASE("--help lists every option with its default and stops") {
  fixture f;
  std::ostringstream out;
  CHECK_FALSE(f.parse({"--help"}, out));
  const std::string help = out.str();
  for (const char* want : {"usage: prog --out FILE", "A test program.", "--n V", "(default: 7)", "--x V",
                           "(default: 0.25)", "--name V", "(default: abc)", "--list V", "(default: a,b)",
                           "--flag", "--quick", "--resume", "--seed V", "(default: 1)", "--threads V",
                           "(default: 0)", "--out V", "--checkpoint-seconds V", "--help"})
    CHECK_MESSAGE(help.find(want) != std::string::npos, want);
}

TEST_CASE("bad command lines give a usage_error naming the problem") {
  auto error_of = [](std::vector<const char*> args) {
    fixture f;
    std::ostringstream out;
    try {
      f.parse(args, out);
    } catch (const usage_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of({"--n", "1"}) == "--out FILE is required (see --help)");
  CHECK(error_of({"--out", "f", "--bogus"}) == "unknown option '--bogus' (see --help)");
  CHECK(error_of({"--out", "f", "--n"}) == "option --n needs a value");
  CHECK(error_of({"--out", "f", "--n", "12x"}) == "option --n needs an integer, got '12x'");
  CHECK(error_of({"--out", "f", "--n", ""}) == "option --n needs an integer, got ''");
  CHECK(error_of({"--out", "f", "--n", "99999999999"}) == "option --n is out of range");
  CHECK(error_of({"--out", "f", "--x", "nan"}) == "option --x needs a finite number, got 'nan'");
  CHECK(error_of({"--out", "f", "--x", "1.5.2"}) == "option --x needs a finite number, got '1.5.2'");
  CHECK(error_of({"--out", "f", "--seed", "-1"}) == "option --seed needs a non-negative integer");
  CHECK(error_of({"--out", "f", "--list", "a,,b"}) == "option --list: empty list item in 'a,,b'");
  CHECK(error_of({"--out", "f", "--flag=1"}) == "option --flag takes no value");
  CHECK(error_of({"--out", "f", "stray"}) == "unexpected argument 'stray' (see --help)");
  CHECK(error_of({"--out", "f", "--threads", "-2"}) == "--threads must be >= 0");
}

TEST_CASE("the config string holds exactly the options that change results") {
  fixture a, b;
  std::ostringstream out;
  REQUIRE(a.parse({"--out", "one.h5", "--threads", "1", "--name", "zzz"}, out));
  REQUIRE(b.parse({"--out", "two.h5", "--threads", "2", "--resume"}, out));
  CHECK(a.parser.config_string() == b.parser.config_string());
  CHECK(a.parser.config_string() == "seed=1;quick=off;n=7;x=0.25;list=a,b;flag=off");
  fixture c;
  REQUIRE(c.parse({"--out", "one.h5", "--x", "0.5"}, out));
  CHECK(c.parser.config_string() != a.parser.config_string());
}
