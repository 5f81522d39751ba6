// Declares the `lowp round` / `lowp op` path for formats beyond binary64 (lowp::wide, MPFR),
// which lowp_cli.cpp hands a request to once its options are parsed.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string_view>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp::cli {

struct wide_request {
  bool is_op;             // lowp op (else lowp round)
  std::string_view op;    // add, sub, mul, div, sqrt, fma
  int arity;              // numbers per line for op
  format fmt;
  rounding mode;
  std::uint64_t seed;
  int rbits;
  bool flags;             // append ternary and flags
};

// Reads one case per line from `in`, rounds once with lowp::wide, writes %Ra results to `out`;
// returns the exit status (errors as one line on `err`, after the lines before it).
int run_wide(const wide_request& request, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace lowp::cli
