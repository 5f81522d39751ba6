// Provides lowp::reference, the GNU MPFR ground truth that lowp's rounding core is proved against:
// a binary64 rounded to any lowp format in the seven deterministic modes, with value, ternary and
// flags derived from lowp's written rounding semantics independently of the core's implementation
// (emulator/include/lowp/round.hpp).
//
// The reference is split in two so that a second, faster exact oracle (the value-table oracle of
// tests/emulator/reference/grid_oracle.hpp) can reuse the policy layer and be cross-checked
// against MPFR on the grid rounding alone:
//
//   round(x)  = round_special(x)                       NaN, DAZ, unsigned, zero, inf inputs
//            or finish(x, round_on_grid(x))            finite nonzero inputs
//
//   round_on_grid  the rounding proper (MPFR), on the grid the subnormal policy defines and
//                  unbounded above, plus the tininess-after-rounding fact
//   finish         overflow, saturation, flush-to-zero and zero-less policies, flags and ternary
#pragma once

#include <mpfr.h>

#include <optional>
#include <string>

#include "lowp/flags.hpp"
#include "lowp/format.hpp"
#include "lowp/round.hpp"  // round_result only
#include "lowp/rounding.hpp"

namespace lowp::reference {

// The facts of a format the reference uses, derived here from the format's fields and the
// specials policy (not from format's member functions, which the core shares).
struct format_facts {
  int p;     // precision, hidden bit included
  int emin;  // exponent of the smallest normal (or of the smallest value, zero-less)
  int emax;  // exponent of the top finite binade
  unsigned long long largest_significand;  // largest = largest_significand * 2^(emax - p + 1)
  double largest;                          // largest finite value
  double smallest_normal;                  // 2^emin
  bool has_inf, has_nan, has_negative_zero, saturates;
};

// Derives the facts of f. Throws format_error when a value of f is not a binary64 value (the
// reference returns binary64 results, as lowp::round does).
format_facts facts_of(const format& f);

// The rounding of a finite nonzero x on f's grid, before the policies of finish() apply.
struct grid_rounding {
  // x rounded, with x's sign, on the grid of f's subnormal policy, unbounded above:
  //   subnormals=on   the subnormal grid below 2^emin (IEEE gradual underflow)
  //   off / zero-less {0, 2^emin} below 2^emin; nearest modes send ties to 2^emin
  //   ftz             precision p at every exponent (finish() flushes what lands below 2^emin)
  // Unused when overflow is set (it may not fit a binary64).
  double value;
  bool overflow;  // |value| > largest: the value rounded with an unbounded exponent is too big
  bool tiny;      // x rounded to precision p with an unbounded exponent range is below 2^emin
};

// Rounds a finite nonzero x on f's grid with GNU MPFR (the subnormalize recipe for the subnormal
// grid, exact comparisons with MPFR's neighbours for rna, rnz and ro). `mode` must be
// deterministic. Thread-safe: MPFR's exponent range is thread-local and restored on return.
grid_rounding round_on_grid(double x, const format& f, rounding mode);
grid_rounding round_on_grid(double x, const format& f, const format_facts& k, rounding mode);

// Returns the result for inputs that no rounding touches (NaN, DAZ-flushed, negative in an
// unsigned format, zero, infinite), or nullopt for a finite nonzero x that needs round_on_grid.
std::optional<round_result> round_special(double x, const format& f);
std::optional<round_result> round_special(double x, const format& f, const format_facts& k);

// Applies the overflow, saturation, flush-to-zero and zero-less policies to a grid rounding of
// the finite nonzero x and derives flags and ternary (sign of result - x, as MPFR).
round_result finish(double x, const format& f, rounding mode, const grid_rounding& g);
round_result finish(double x, const format& f, const format_facts& k, rounding mode,
                    const grid_rounding& g);

// Rounds x to f in a deterministic mode: the MPFR reference of lowp::round.
round_result round(double x, const format& f, rounding mode);

// Rounds x to f with another grid oracle `grid(x, f, k, mode) -> grid_rounding` and the
// reference's policy layer, so that a fast oracle can stand in for MPFR in long sweeps.
// (The overloads above that take format_facts want k == facts_of(f); they save deriving it.)
template <class GridOracle>
round_result round_with(double x, const format& f, const format_facts& k, rounding mode,
                        GridOracle&& grid) {
  if (std::optional<round_result> r = round_special(x, f, k)) return *r;
  return finish(x, f, k, mode, grid(x, f, k, mode));
}

// The same layers for an exact value held by MPFR (any precision; the operations below pass
// exact or round-to-odd results): round_on_grid and finish of a finite nonzero x.
grid_rounding round_on_grid(mpfr_srcptr x, const format& f, const format_facts& k, rounding mode);
round_result finish(mpfr_srcptr x, const format& f, const format_facts& k, rounding mode,
                    const grid_rounding& g);

// Rounds the value x of MPFR to f in a deterministic mode with round()'s semantics applied to x
// as the input (DAZ, unsigned formats, zeros and infinities; a NaN x gives the canonical +NaN).
round_result round_exact(mpfr_srcptr x, const format& f, rounding mode);

// The reference of lowp/ops.hpp: the operation on binary64 operands computed by MPFR exactly
// (add, sub, mul, fma) or rounded to odd at 256 bits (div, sqrt: as good as exact for any
// rounding to at most 53 bits), then round_exact. The first NaN operand is rounded as round()
// rounds it; an invalid operation gives +NaN with invalid|nan_created; a division of a nonzero
// by zero adds flag::divide_by_zero. Deterministic modes only.
round_result add(double a, double b, const format& f, rounding mode);
round_result sub(double a, double b, const format& f, rounding mode);
round_result mul(double a, double b, const format& f, rounding mode);
round_result div(double a, double b, const format& f, rounding mode);
round_result sqrt(double a, const format& f, rounding mode);
round_result fma(double a, double b, double c, const format& f, rounding mode);

// Returns x in C's %a notation ("-0x1.8p+3", "nan(0x8000000000001)" keeps NaN payloads visible).
std::string to_hex(double x);

}  // namespace lowp::reference
