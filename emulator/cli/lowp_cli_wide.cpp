// Implements `lowp round` and `lowp op` for formats beyond binary64: a number to round is read
// exactly (lowp::wide::parse keeps it rounded to odd at p + 66 bits) and rounded once; an
// operand is read to nearest-even at the format's precision p (as strtod reads binary64 for the
// narrow formats), and the exact result of the op is rounded once. Output in MPFR's %Ra form.
#include "lowp_cli_wide.hpp"

#include <mpfr.h>

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "lowp/flags.hpp"
#include "lowp/random.hpp"
#include "lowp/wide.hpp"
#include "cli_common.hpp"
#include "lowp_cli.hpp"

namespace lowp::cli {
namespace {

// An MPFR variable that clears itself.
struct number {
  mpfr_t v;
  number() { mpfr_init2(v, 2); }
  ~number() { mpfr_clear(v); }
  number(const number&) = delete;
  number& operator=(const number&) = delete;
};

}  // namespace

int run_wide(const wide_request& rq, std::istream& in, std::ostream& out, std::ostream& err) {
  const bool stochastic = is_stochastic(rq.mode);
  const random_stream random(rq.seed, 0);
  const int arity = rq.is_op ? rq.arity : 1;
  number x[3];
  std::string line;
  std::uint64_t index = 0;
  auto fail = [&](const std::string& message) {
    out.flush();
    err << "lowp: line " << index + 1 << ": " << message << '\n';
    return exit_bad_input;
  };
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split_fields(line);
    if (f.empty()) return fail("empty line");
    if (static_cast<int>(f.size()) != arity) {
      if (!rq.is_op) return fail("malformed number " + quoted(line));
      return fail(std::string(rq.op) + " wants " + std::to_string(arity) +
                  (arity == 1 ? " number" : " numbers") + " per line, got " +
                  std::to_string(f.size()));
    }
    for (int k = 0; k < arity; ++k) {
      if (!wide::parse(f[static_cast<std::size_t>(k)].c_str(), x[k].v, rq.fmt))
        return fail("malformed number " + quoted(f[static_cast<std::size_t>(k)]));
      // Operands are read as strtod reads binary64 for narrow formats: to nearest-even at the
      // format's precision (exponent unbounded); correct after round-to-odd at p + 66 bits.
      if (rq.is_op) mpfr_prec_round(x[k].v, rq.fmt.precision(), MPFR_RNDN);
    }
    const std::uint64_t word = stochastic ? random(index) : 0;
    wide::result r;
    if (!rq.is_op)
      r = wide::round(x[0].v, rq.fmt, rq.mode, word, rq.rbits);
    else if (rq.op == "add")
      r = wide::add(x[0].v, x[1].v, rq.fmt, rq.mode, word, rq.rbits);
    else if (rq.op == "sub")
      r = wide::sub(x[0].v, x[1].v, rq.fmt, rq.mode, word, rq.rbits);
    else if (rq.op == "mul")
      r = wide::mul(x[0].v, x[1].v, rq.fmt, rq.mode, word, rq.rbits);
    else if (rq.op == "div")
      r = wide::div(x[0].v, x[1].v, rq.fmt, rq.mode, word, rq.rbits);
    else if (rq.op == "sqrt")
      r = wide::sqrt(x[0].v, rq.fmt, rq.mode, word, rq.rbits);
    else
      r = wide::fma(x[0].v, x[1].v, x[2].v, rq.fmt, rq.mode, word, rq.rbits);
    out << wide::to_hex(r.value());
    if (rq.flags) {
      out << ' ' << r.ternary;
      for (int i = 0; i < flag::count; ++i)
        if (r.flags & (1u << i)) out << ' ' << flag_name(1u << i);
    }
    out << '\n';
    ++index;
  }
  out.flush();
  if (!out) {
    err << "lowp: error writing output\n";
    return exit_bad_input;
  }
  return exit_ok;
}

}  // namespace lowp::cli
