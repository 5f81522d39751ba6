// Implements lowp::reference: rounding with GNU MPFR and the policy layer of lowp's semantics,
// written apart from emulator/include/lowp/round.hpp so that the two can prove each other.
#include "lowp/reference.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "mpfr_support.hpp"

namespace lowp::reference {
namespace {

constexpr std::uint64_t quiet_bit = 0x0008000000000000ULL;

double with_sign(double magnitude, bool negative) { return negative ? -magnitude : magnitude; }

// A quiet NaN that the rounding created; its payload is unspecified, so the canonical one.
double created_nan(bool negative) {
  return with_sign(std::numeric_limits<double>::quiet_NaN(), negative);
}

// Sign of (result - x) by exact comparison; 0 for a NaN result.
int ternary_of(double result, mpfr_srcptr x) {
  if (std::isnan(result)) return 0;
  if (std::isinf(result)) return result > 0 ? 1 : -1;  // x is finite
  const int c = mpfr_cmp_d(x, result);
  return (c < 0) - (c > 0);
}
int ternary_of(double result, double x) {
  if (std::isnan(result)) return 0;
  return (result > x) - (result < x);
}

// Does |x| compare with 2^e as <0, 0, >0 (x finite).
int cmpabs_pow2(mpfr_srcptr x, long e) {
  if (mpfr_zero_p(x)) return -1;
  return mpfr_sgn(x) < 0 ? -mpfr_cmp_si_2exp(x, -1, e) : mpfr_cmp_ui_2exp(x, 1, e);
}

// Sets MPFR's (thread-local) exponent range for a scope and restores the caller's range and
// flags on exit, so that the reference leaves no trace in the thread's MPFR state.
class exponent_range {
 public:
  // MPFR checks each bound against its own limits only, not against the other bound.
  exponent_range(mpfr_exp_t emin, mpfr_exp_t emax)
      : old_emin_(mpfr_get_emin()), old_emax_(mpfr_get_emax()), old_flags_(mpfr_flags_save()) {
    if (mpfr_set_emin(emin) || mpfr_set_emax(emax)) {
      restore();
      throw std::logic_error("lowp::reference: exponent range out of MPFR's limits");
    }
  }
  ~exponent_range() { restore(); }
  exponent_range(const exponent_range&) = delete;
  exponent_range& operator=(const exponent_range&) = delete;

 private:
  void restore() noexcept {
    mpfr_set_emin(old_emin_);
    mpfr_set_emax(old_emax_);
    mpfr_flags_restore(old_flags_, MPFR_FLAGS_ALL);
  }
  mpfr_exp_t old_emin_, old_emax_;
  mpfr_flags_t old_flags_;
};

// The whole of MPFR's exponent range: scaling and midpoints below must never under/overflow,
// whatever range the calling thread had set.
exponent_range full_range() { return {mpfr_get_emin_min(), mpfr_get_emax_max()}; }

// Per-thread MPFR variables: allocating them per call would cost more than the rounding.
// mpfr_set_prec reallocates only when a variable grows past its first allocation.
struct scratch {
  // round_mode uses lo hi mid t; callers y and bound; `in` holds a binary64 input as an MPFR value.
  mpfr_t lo, hi, mid, t, y, bound, in;
  scratch() { mpfr_inits2(128, lo, hi, mid, t, y, bound, in, static_cast<mpfr_ptr>(nullptr)); }
  ~scratch() { mpfr_clears(lo, hi, mid, t, y, bound, in, static_cast<mpfr_ptr>(nullptr)); }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

scratch& thread_scratch() {
  thread_local scratch s;
  return s;
}

// An exponent range in MPFR's convention (significands in [1/2, 1)), and the precision.
//   emin_m = emin - p + 2 puts the smallest subnormal 2^(emin-p+1) = 0.1b * 2^emin_m at MPFR's
//   bottom, so mpfr_subnormalize rounds below 2^emin on the subnormal grid; a range far below
//   every binary64 makes the rounding unbounded below (ftz, tininess).
//   emax_m is at least 1025 so that no binary64 input overflows MPFR: overflow is decided by
//   comparing with the format's largest, because fn formats (e4m3fn: 480 is the NaN code) and
//   round-to-odd both need the value rounded with an unbounded exponent.
struct grid {
  int p;
  mpfr_exp_t emin_m, emax_m;
};

constexpr mpfr_exp_t unbounded_below = -5000;  // every binary64 is normal far above this

// Rounds x into y (precision g.p) in an MPFR direction with the subnormalize recipe; returns
// MPFR's ternary. The caller has set the exponent range to g's.
int recipe(mpfr_ptr y, mpfr_srcptr x, const grid& g, mpfr_rnd_t rnd) {
  mpfr_set_prec(y, g.p);
  int t = mpfr_set(y, x, rnd);
  t = mpfr_check_range(y, t, rnd);
  return mpfr_subnormalize(y, t, rnd);
}

// True when the nonzero grid value y is an odd multiple of its quantum 2^q, where the quantum
// of the binade [2^(E-1), 2^E) is 2^(E-p), floored at the subnormal quantum 2^(emin_m-1).
bool odd_on_grid(mpfr_srcptr y, const grid& g, mpfr_ptr t) {
  // Zero is even; an infinite neighbour (an exact operation result beyond MPFR's exponent range,
  // e.g. 1e300 * 1e300) has no grid position: its finite neighbour is the odd one.
  if (!mpfr_regular_p(y)) return false;
  const mpfr_exp_t q = std::max<mpfr_exp_t>(mpfr_get_exp(y) - g.p, g.emin_m - 1);
  mpfr_set_prec(t, mpfr_get_prec(y));
  mpfr_mul_2si(t, y, -(q + 1), MPFR_RNDN);  // exact: a power-of-two scaling in the full range
  return !mpfr_integer_p(t);
}

// Rounds x into y on grid g in any deterministic lowp mode. The IEEE directions and
// nearest-even are MPFR's own; nearest-away, nearest-zero and odd pick one of MPFR's two
// neighbours RD(x) <= x <= RU(x) by exact comparisons.
void round_mode(mpfr_ptr y, mpfr_srcptr x, const grid& g, rounding mode, scratch& s) {
  bool exact;
  {
    const exponent_range range(g.emin_m, g.emax_m);
    switch (mode) {
      case rounding::nearest_even: recipe(y, x, g, MPFR_RNDN); return;
      case rounding::up: recipe(y, x, g, MPFR_RNDU); return;
      case rounding::down: recipe(y, x, g, MPFR_RNDD); return;
      case rounding::toward_zero: recipe(y, x, g, MPFR_RNDZ); return;
      case rounding::nearest_away:
      case rounding::nearest_zero:
      case rounding::odd: break;
      default: throw std::invalid_argument("lowp::reference: stochastic modes are not supported");
    }
    exact = recipe(s.lo, x, g, MPFR_RNDD) == 0;
    if (!exact) recipe(s.hi, x, g, MPFR_RNDU);
  }
  if (exact) {
    mpfr_set_prec(y, g.p);
    mpfr_set(y, s.lo, MPFR_RNDN);
    return;
  }
  const bool negative = mpfr_sgn(x) < 0;
  mpfr_srcptr pick = nullptr;
  if (mode == rounding::odd) {
    pick = odd_on_grid(s.lo, g, s.t) ? s.lo : s.hi;
    if (!odd_on_grid(pick, g, s.t))
      throw std::logic_error("lowp::reference: neither neighbour is odd");
  } else {
    // mid = (lo + hi) / 2 exactly: adjacent grid values need at most p + 2 bits.
    mpfr_set_prec(s.mid, g.p + 8);
    if (mpfr_add(s.mid, s.lo, s.hi, MPFR_RNDN) != 0)
      throw std::logic_error("lowp::reference: inexact midpoint");
    mpfr_div_2ui(s.mid, s.mid, 1, MPFR_RNDN);
    const int c = mpfr_cmp(x, s.mid);
    if (c < 0)
      pick = s.lo;
    else if (c > 0)
      pick = s.hi;
    else if (mode == rounding::nearest_away)
      pick = negative ? s.lo : s.hi;
    else
      pick = negative ? s.hi : s.lo;  // nearest_zero
  }
  mpfr_set_prec(y, g.p);
  mpfr_set(y, pick, MPFR_RNDN);
}

// Converts a value known to be a binary64 value; throws if MPFR says it is not.
double exact_double(mpfr_srcptr y) {
  const double d = mpfr_get_d(y, MPFR_RNDN);
  if (mpfr_cmp_d(y, d) != 0) throw std::logic_error("lowp::reference: result is not a binary64");
  return d;
}

bool is_nearest_mode(rounding mode) {
  return mode == rounding::nearest_even || mode == rounding::nearest_away ||
         mode == rounding::nearest_zero;
}

}  // namespace

format_facts facts_of(const format& f) {
  if (!f.validate().empty()) throw format_error("lowp::reference: " + f.validate());
  format_facts k{};
  const int e = f.exponent_bits;
  const int m = f.mantissa_bits;
  k.p = m + 1;
  // The top exponent field (all ones) holds inf/NaN under ieee, and the single NaN code under fn
  // when there are no mantissa bits to spare (E8M0: 0xff). Otherwise it holds finite values.
  const long long top_field = (1LL << e) - 1;
  const bool top_is_special =
      f.specials == specials_mode::ieee || (f.specials == specials_mode::fn && m == 0);
  const long long max_field = top_is_special ? top_field - 1 : top_field;
  // Field 0 is the subnormal binade when there is a zero (value 0.m * 2^(1-bias)); in a
  // zero-less format it is a normal binade 2^(0-bias).
  const long long emin = (f.has_zero ? 1 : 0) - static_cast<long long>(f.bias);
  const long long emax = max_field - f.bias;
  // Largest significand (integer, scaled by 2^m): all ones, except fn's all-ones NaN code,
  // which takes the top mantissa of the top binade (e4m3fn: 1.110b, 448, not 1.111b, 480).
  unsigned long long big = m >= 64 ? ~0ULL : (2ULL << m) - 1;
  if (f.specials == specials_mode::fn) big = (m == 0) ? 1 : big - 1;
  k.largest_significand = big;
  // Every value must be a binary64 (precision, top, and the smallest positive value).
  const long long smallest_exp =
      (f.subnormals == subnormal_mode::on && f.has_zero) ? emin - m : emin;
  if (k.p > 53 || emax > 1023 || smallest_exp < -1074 || emin > emax)
    throw format_error("lowp::reference: format " + to_string(f) + " has values outside binary64");
  k.emin = static_cast<int>(emin);
  k.emax = static_cast<int>(emax);
  k.largest = std::ldexp(static_cast<double>(big), k.emax - m);  // big < 2^54: exact
  if (std::isinf(k.largest)) throw format_error("lowp::reference: largest overflows binary64");
  k.smallest_normal = std::ldexp(1.0, k.emin);
  k.has_inf = f.specials == specials_mode::ieee;
  k.has_nan = (f.specials == specials_mode::ieee && m > 0) || f.specials == specials_mode::fn ||
              f.specials == specials_mode::fnuz;
  k.has_negative_zero = f.has_zero && f.is_signed && f.specials != specials_mode::fnuz;
  k.saturates = f.overflow == overflow_mode::saturate || f.specials == specials_mode::finite;
  return k;
}

grid_rounding round_on_grid(mpfr_srcptr x, const format& f, const format_facts& k,
                            rounding mode) {
  const exponent_range outer = full_range();
  scratch& s = thread_scratch();
  const bool negative = mpfr_sgn(x) < 0;
  grid_rounding r{0.0, false, false};

  const grid unbounded{k.p, unbounded_below, std::max<mpfr_exp_t>(k.emax + 1, 1025)};
  const grid subnormal{k.p, static_cast<mpfr_exp_t>(k.emin) - k.p + 2, unbounded.emax_m};
  const bool below_normal = cmpabs_pow2(x, k.emin) < 0;
  const bool two_point = !f.has_zero || f.subnormals == subnormal_mode::off;

  // Tininess after rounding: only |x| < 2^emin can round (with unbounded exponent) below it.
  if (below_normal) {
    round_mode(s.y, x, unbounded, mode, s);
    mpfr_set_prec(s.bound, 64);
    mpfr_set_ui_2exp(s.bound, 1, k.emin, MPFR_RNDN);
    r.tiny = mpfr_cmpabs(s.y, s.bound) < 0;
  }

  if (two_point && below_normal) {
    // The grid below 2^emin is {0, 2^emin}: decide by exact comparison with the midpoint.
    const bool at_or_above_half = cmpabs_pow2(x, k.emin - 1) >= 0;
    bool up;  // magnitude goes to 2^emin
    if (is_nearest_mode(mode))
      up = at_or_above_half;
    else if (mode == rounding::up)
      up = !negative;
    else if (mode == rounding::down)
      up = negative;
    else if (mode == rounding::toward_zero)
      up = false;
    else
      up = true;  // odd: 0 is even, 2^emin = 1 * 2^emin is odd
    r.value = with_sign(up ? k.smallest_normal : 0.0, negative);
    return r;
  }

  const grid& g = (f.subnormals == subnormal_mode::on && f.has_zero) ? subnormal : unbounded;
  round_mode(s.y, x, g, mode, s);
  mpfr_set_prec(s.bound, 64);
  mpfr_set_ui_2exp(s.bound, k.largest_significand, k.emax - k.p + 1, MPFR_RNDN);
  r.overflow = mpfr_cmpabs(s.y, s.bound) > 0;
  // An ftz rounding below 2^emin is flushed by finish() whatever its value; an exact operation
  // result may lie below binary64's range there, so it stands in as a zero.
  const bool flushed_ftz = f.subnormals == subnormal_mode::ftz && f.has_zero &&
                           !mpfr_zero_p(s.y) && cmpabs_pow2(s.y, k.emin) < 0;
  if (!r.overflow) r.value = flushed_ftz ? with_sign(0.0, negative) : exact_double(s.y);
  if (mpfr_zero_p(s.y)) r.value = with_sign(0.0, negative);  // not relying on MPFR's zero sign
  return r;
}

std::optional<round_result> round_special(double x, const format& f, const format_facts& k) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if (std::isnan(x)) {
    // NaN keeps sign and payload, quieted; invalid only where the format has no NaN to give.
    const std::uint64_t q = bits | quiet_bit;
    double v;
    std::memcpy(&v, &q, sizeof v);
    return round_result{v, 0, k.has_nan ? flag::none : flag::invalid};
  }
  const bool negative = std::signbit(x);
  double v = x;
  unsigned flags = 0;
  if (f.daz && x != 0 && std::fabs(x) < k.smallest_normal) {
    v = with_sign(0.0, negative);  // DAZ: the input itself is taken as a zero of its sign
    flags = flag::inexact | flag::flushed;
  }
  // Reading chosen: results that are invalid NaNs carry only invalid|nan_created (as IEEE 754
  // signals invalid alone), so a DAZ-flushed input of a zero-less format drops the DAZ flags.
  const round_result invalid{created_nan(false), 0, flag::invalid | flag::nan_created};
  if (!f.is_signed && negative && v != 0) return invalid;
  if (v == 0) {
    if (!f.has_zero) return invalid;
    const double z = with_sign(0.0, negative && k.has_negative_zero);
    return round_result{z, ternary_of(z, x), flags};
  }
  if (std::isinf(x)) {
    if (k.has_inf && f.overflow == overflow_mode::ieee) return round_result{x, 0, flag::none};
    if (k.saturates) {
      const double l = with_sign(k.largest, negative);
      return round_result{l, ternary_of(l, x), flag::inexact | flag::saturated};
    }
    return round_result{created_nan(negative), 0, flag::invalid | flag::nan_created};
  }
  return std::nullopt;
}

round_result finish(mpfr_srcptr x, const format& f, const format_facts& k, rounding mode,
                    const grid_rounding& g) {
  const bool negative = mpfr_sgn(x) < 0;
  if (g.overflow) {
    unsigned flags = flag::overflow | flag::inexact;
    // The IEEE directions that point back toward zero keep the largest finite value.
    const bool stays_finite = mode == rounding::toward_zero || mode == rounding::odd ||
                              (mode == rounding::up && negative) ||
                              (mode == rounding::down && !negative);
    double v;
    if (stays_finite) {
      v = with_sign(k.largest, negative);
    } else if (k.saturates) {
      v = with_sign(k.largest, negative);
      flags |= flag::saturated;
    } else if (k.has_inf) {
      v = with_sign(std::numeric_limits<double>::infinity(), negative);
    } else {
      v = created_nan(negative);
      flags |= flag::nan_created;
    }
    return round_result{v, ternary_of(v, x), flags};
  }
  double v = g.value;
  unsigned flags = (ternary_of(v, x) != 0) ? flag::inexact : flag::none;
  if ((flags & flag::inexact) && g.tiny) flags |= flag::underflow;
  // Flush: n == 0 on the grid, or an ftz result below 2^emin. A zero-less format has nothing to
  // flush to: its {0, 2^emin} grid sends 0 to 2^emin (reading chosen for ftz there too).
  const bool zero_result =
      v == 0 || (f.subnormals == subnormal_mode::ftz && std::fabs(v) < k.smallest_normal);
  if (zero_result) {
    if (f.has_zero) {
      v = with_sign(0.0, negative && k.has_negative_zero);
      flags |= flag::inexact | flag::underflow | flag::flushed;
    } else {
      v = with_sign(k.smallest_normal, negative);
      flags |= flag::inexact;
    }
  }
  return round_result{v, ternary_of(v, x), flags};
}

// The binary64 input as an MPFR value (exact: 53 bits), in the thread's scratch.
static mpfr_srcptr as_mpfr(double x) {
  mpfr_ptr in = thread_scratch().in;
  mpfr_set_prec(in, 53);
  mpfr_set_d(in, x, MPFR_RNDN);
  return in;
}

grid_rounding round_on_grid(double x, const format& f, const format_facts& k, rounding mode) {
  return round_on_grid(as_mpfr(x), f, k, mode);
}

round_result finish(double x, const format& f, const format_facts& k, rounding mode,
                    const grid_rounding& g) {
  return finish(as_mpfr(x), f, k, mode, g);
}

grid_rounding round_on_grid(double x, const format& f, rounding mode) {
  return round_on_grid(x, f, facts_of(f), mode);
}

std::optional<round_result> round_special(double x, const format& f) {
  return round_special(x, f, facts_of(f));
}

round_result finish(double x, const format& f, rounding mode, const grid_rounding& g) {
  return finish(x, f, facts_of(f), mode, g);
}

round_result round(double x, const format& f, rounding mode) {
  const format_facts k = facts_of(f);
  if (std::optional<round_result> r = round_special(x, f, k)) return *r;
  return finish(x, f, k, mode, round_on_grid(x, f, k, mode));
}

round_result round_exact(mpfr_srcptr x, const format& f, rounding mode) {
  const format_facts k = facts_of(f);
  if (mpfr_nan_p(x)) return *round_special(created_nan(false), f, k);
  if (mpfr_inf_p(x) || mpfr_zero_p(x)) {
    const double d = mpfr_get_d(x, MPFR_RNDN);  // exact: a zero or an inf keeps its sign
    return *round_special(d, f, k);
  }
  const bool negative = mpfr_sgn(x) < 0;
  if (f.daz && cmpabs_pow2(x, k.emin) < 0) {
    // DAZ, as round_special: taken as a zero of its sign (an invalid NaN when there is no zero).
    if (!f.has_zero) return round_result{created_nan(false), 0, flag::invalid | flag::nan_created};
    const double z = with_sign(0.0, negative && k.has_negative_zero);
    return round_result{z, negative ? 1 : -1, flag::inexact | flag::flushed};
  }
  if (!f.is_signed && negative)
    return round_result{created_nan(false), 0, flag::invalid | flag::nan_created};
  return finish(x, f, k, mode, round_on_grid(x, f, k, mode));
}

namespace {

using mpfr_support::make_odd;
using mpfr_support::mpfr_value;
using mpfr_support::op_kind;

// Operations: the exact result in MPFR (add, sub, mul, fma: enough precision to be exact; div,
// sqrt: rounded to odd at 256 bits, which keeps every rounding to p <= 53 bits and the first 64
// fraction bits of it unchanged), then round_exact. NaN operands and invalid operations are
// decided here from the binary64 operands; MPFR's divide-by-zero flag gives divide_by_zero.
round_result reference_op(op_kind op, double a, double b, double c, const format& f,
                          rounding mode) {
  const int arity = op == op_kind::sqrt ? 1 : op == op_kind::fma ? 3 : 2;
  const double in[3] = {a, b, c};
  for (int i = 0; i < arity; ++i)
    if (std::isnan(in[i])) return *round_special(in[i], f);
  const exponent_range outer = full_range();
  mpfr_clear_flags();
  // The sign of an exact zero sum is MPFR's (IEEE 754's): +0 except when rounding down.
  const mpfr_rnd_t zero_rnd = mode == rounding::down ? MPFR_RNDD : MPFR_RNDN;
  constexpr mpfr_prec_t odd_prec = 256;
  mpfr_value x(64), y(64), z(64), r(8000);
  mpfr_set_d(x.v, a, MPFR_RNDN);
  mpfr_set_d(y.v, b, MPFR_RNDN);
  mpfr_set_d(z.v, c, MPFR_RNDN);
  int t = 0;
  switch (op) {
    case op_kind::add: t = mpfr_add(r.v, x.v, y.v, zero_rnd); break;
    case op_kind::sub: t = mpfr_sub(r.v, x.v, y.v, zero_rnd); break;
    case op_kind::mul: t = mpfr_mul(r.v, x.v, y.v, zero_rnd); break;
    case op_kind::fma: t = mpfr_fma(r.v, x.v, y.v, z.v, zero_rnd); break;
    case op_kind::div:
      mpfr_set_prec(r.v, odd_prec - 1);
      t = mpfr_div(r.v, x.v, y.v, MPFR_RNDZ);
      break;
    case op_kind::sqrt:
      mpfr_set_prec(r.v, odd_prec - 1);
      t = mpfr_sqrt(r.v, x.v, MPFR_RNDZ);
      break;
  }
  const bool divided_by_zero = mpfr_divby0_p() != 0;
  if (mpfr_nan_p(r.v)) return round_result{created_nan(false), 0, flag::invalid | flag::nan_created};
  if (op == op_kind::div || op == op_kind::sqrt) {
    if (mpfr_regular_p(r.v)) make_odd(r.v, odd_prec, t != 0);
  } else if (t != 0) {
    throw std::logic_error("lowp::reference: an exact operation was rounded");
  }
  round_result res = round_exact(r.v, f, mode);
  if (divided_by_zero) res.flags |= flag::divide_by_zero;
  return res;
}

}  // namespace

round_result add(double a, double b, const format& f, rounding mode) {
  return reference_op(op_kind::add, a, b, 0.0, f, mode);
}
round_result sub(double a, double b, const format& f, rounding mode) {
  return reference_op(op_kind::sub, a, b, 0.0, f, mode);
}
round_result mul(double a, double b, const format& f, rounding mode) {
  return reference_op(op_kind::mul, a, b, 0.0, f, mode);
}
round_result div(double a, double b, const format& f, rounding mode) {
  return reference_op(op_kind::div, a, b, 0.0, f, mode);
}
round_result sqrt(double a, const format& f, rounding mode) {
  return reference_op(op_kind::sqrt, a, 0.0, 0.0, f, mode);
}
round_result fma(double a, double b, double c, const format& f, rounding mode) {
  return reference_op(op_kind::fma, a, b, c, f, mode);
}

std::string to_hex(double x) {
  char buf[64];
  if (std::isnan(x)) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    std::snprintf(buf, sizeof buf, "%snan(0x%llx)", std::signbit(x) ? "-" : "",
                  static_cast<unsigned long long>(bits & 0x000fffffffffffffULL));
  } else {
    std::snprintf(buf, sizeof buf, "%a", x);
  }
  return buf;
}

}  // namespace lowp::reference
