// Tests `lowp block` in-process: its output on the 957 case, on random rows of every preset,
// rule and mode against the MPFR block reference (values printed with printf's %a, codes in hex),
// and its one-line errors and exit statuses.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lowp/block.hpp"
#include "lowp/reference_block.hpp"
#include "lowp_cli.hpp"

using namespace lowp;

namespace {

struct cli_run {
  int status;
  std::string out, err;
};

cli_run run(std::vector<std::string> args, const std::string& input) {
  args.insert(args.begin(), "lowp");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::istringstream in(input);
  std::ostringstream out, err;
  const int s = cli::run_cli(static_cast<int>(argv.size()), argv.data(), in, out, err);
  return {s, out.str(), err.str()};
}

std::string hexf(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%a", v);
  return b;
}

std::string hexc(std::uint32_t c, int bits) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%0*x", (bits + 3) / 4, c);
  return b;
}

}  // namespace

TEST_CASE("lowp block: the 957 case") {
  CHECK(run({"block", "-f", "mxfp8_e4m3"}, "957 1\n").out == "0x1.cp+9 0x1p+0\n");
  CHECK(run({"block", "-f", "mxfp8_e4m3", "--scale-rule", "ceil"}, "957 1\n").out ==
        "0x1.ep+9 0x1p+0\n");
  CHECK(run({"block", "-f", "mxfp8_e4m3", "--codes"}, "957 1\n").out == "0x80 0x7e 0x30\n");
}

TEST_CASE("lowp block agrees with the reference on random rows") {
  std::mt19937_64 g(3);
  std::student_t_distribution<double> td(3.0);
  std::size_t bad = 0;
  for (const auto& p : block_presets)
    for (const char* rule : {"floor", "ceil", "fit", "amax"}) {
      if (p.value.tensor_scale && std::string(rule) != "amax") continue;
      for (rounding m : {rounding::nearest_even, rounding::up, rounding::stochastic}) {
        const std::size_t n = 1 + g() % 50, lines = 3;
        const std::size_t k = (g() & 1) ? 16 : 7;
        std::string input;
        std::vector<std::vector<double>> rows(lines);
        for (auto& r : rows) {
          for (std::size_t i = 0; i < n; ++i) {
            r.push_back(td(g) * ((g() % 5 == 0) ? 300.0 : 1.0));
            input += hexf(r.back()) + (i + 1 < n ? " " : "\n");
          }
        }
        const std::string seed = std::to_string(g() % 1000);
        std::vector<std::string> args = {"block",     "-f", std::string(p.name), "--block",
                                         std::to_string(k), "--scale-rule", rule,
                                         "-r",        std::string(short_name(m)), "--seed", seed};
        const cli_run vals = run(args, input);
        args.push_back("--codes");
        const cli_run codes = run(args, input);
        REQUIRE(vals.status == 0);
        REQUIRE(codes.status == 0);
        block_spec s = p.value;
        s.tile_cols = k;
        s.rule = *parse_scale_rule(rule);
        std::string want_vals, want_codes;
        for (std::size_t l = 0; l < lines; ++l) {
          block_options o;
          o.mode = m;
          o.seed = std::stoull(seed);
          o.stream = l;
          const reference::block_result r = reference::quantize_blocks(rows[l].data(), 1, n, s, o);
          std::string lc;
          if (s.tensor_scale) lc += hexc(r.tensor_scale_code, 32) + " ";
          for (std::uint32_t c : r.scale_codes) lc += hexc(c, s.scale.width()) + " ";
          for (std::size_t i = 0; i < n; ++i) {
            want_vals += hexf(r.dequantized[i]) + (i + 1 < n ? " " : "\n");
            lc += hexc(r.element_codes[i], s.element.code_bits()) + (i + 1 < n ? " " : "\n");
          }
          want_codes += lc;
        }
        if (vals.out != want_vals || codes.out != want_codes) {
          ++bad;
          CHECK_MESSAGE(vals.out == want_vals, p.name << " " << rule << " " << short_name(m));
          CHECK_MESSAGE(codes.out == want_codes, p.name << " " << rule << " " << short_name(m));
        }
      }
    }
  CHECK(bad == 0);
}

TEST_CASE("lowp block: errors are one line with the documented status") {
  auto one_line = [](const std::string& e) {
    return !e.empty() && e.find('\n') == e.size() - 1 && e.rfind("lowp: ", 0) == 0;
  };
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"block"},
           {"block", "-f", "mxfp9"},
           {"block", "-f", "nvfp4", "--scale-rule", "floor"},
           {"block", "-f", "mxint8", "--block", "0"},
           {"block", "-f", "mxint8", "--block", "x"},
           {"block", "-f", "mxint8", "--scale-rule", "round"},
           {"block", "-f", "mxint8", "-r", "nearest"},
           {"block", "-f", "mxint8", "--bogus"},
           {"block", "-f", "mxint8", "--rbits", "65"}}) {
    const cli_run r = run(args, "1\n");
    CHECK(r.status == cli::exit_usage);
    CHECK(one_line(r.err));
    CHECK(r.out.empty());
  }
  cli_run r = run({"block", "-f", "mxint8"}, "1 2\n3 x\n");
  CHECK(r.status == cli::exit_bad_input);
  CHECK(r.out == "0x1p+0 0x1p+1\n");
  CHECK(r.err == "lowp: line 2: malformed number 'x'\n");
  r = run({"block", "-f", "mxint8"}, "\n");
  CHECK(r.status == cli::exit_bad_input);
  CHECK(r.err == "lowp: line 1: empty line\n");
  r = run({"block", "-f", "mxint8"}, "nan(123)\n");
  CHECK(r.status == cli::exit_bad_input);
  // Whole-row blocks and inf / nan input.
  CHECK(run({"block", "-f", "mxfp4_e2m1", "--block", "row"}, "inf 1\n").out == "nan nan\n");
  CHECK(run({"block", "-f", "mxfp4_e2m1", "--block", "1", "--codes"}, "inf 1\n").out ==
        "0xff 0x7d 0x0 0x6\n");  // 1 = 4 * 2^-2 (E8M0 0x7d, E2M1 0x6)
}
