// Provides `lowp::fp<F, Mode>`, a compile-time scalar type whose values are the values of format
// F and whose every operation is rounded once to F in mode Mode, the names users know
// (bfloat16, float16, float8_e4m3fn, ...), ADL-visible math and iostream output.
//
// Semantics:
//   - Storage: the value as a binary64 (every value of F is one: F.fits_binary64() is required).
//     Chosen over storing the code because every operation starts and ends as binary64 (ops.hpp
//     and lowp::round take and return binary64), so the value costs no decode or encode per
//     operation; `code()` / `from_code()` convert when the bits are wanted.
//   - Construction from double, float or an integer rounds once to F (integers wider than 53
//     bits included: they are split into two exact halves and the sum is rounded once).
//     Conversion from another fp<G, M> is explicit and rounds the exact value once.
//   - + - * / sqrt fma and ldexp round the exact result once (lowp/ops.hpp semantics, see its
//     header). Mixed formats do not compile: fp<F> + fp<G> needs an explicit conversion, and so
//     does fp + double.
//   - Stochastic modes draw one 64-bit word per rounding from the generator of the innermost
//     lowp::scoped_context (context.hpp) and throw lowp::context_error without one. Deterministic
//     modes never touch the context.
//   - Comparisons are IEEE's (NaN unordered, -0 == +0), on the values.
//   - Negation, abs, copysign are exact sign operations; in formats without -0 (fnuz) or without
//     sign (unsigned) they give what lowp::round gives for the negated value (+0, or NaN).
//
// The fast path. For formats with 2p + 2 <= 53 whose exponent range keeps binary64 products and
// quotients of their values normal (|exponents| <= 480), subnormals on, a zero and no DAZ, with
// operands that are values of F (always, for fp):
//   - mul: the exact product has at most 2p <= 53 bits and lies in binary64's normal range, so
//     the binary64 product IS the exact result: rounding it once is ops.hpp's mul in every mode,
//     stochastic ones included.
//   - add, sub, div, sqrt in the nearest modes (ties to even, away, toward zero): double rounding
//     (binary64 round-to-nearest, then round to F) equals one rounding when 53 >= 2p + 2
//     (S. A. Figueroa, "When is double rounding innocuous?", SIGNUM Newsletter 30(3), 1995;
//     for +: 53 >= 2p + 1 suffices). The proof shows that the exact result of these operations
//     on p-bit operands is either a midpoint of the p-bit grid (then it has at most p + 1 bits
//     and binary64 holds it exactly) or lies farther than half a binary64 ulp from every
//     midpoint, so binary64 rounding neither lands on nor crosses a midpoint; which neighbour a
//     tie goes to is decided in the second rounding only, so the argument holds for every tie
//     rule. Results in F's subnormal range are rounded on a coarser grid (fewer digits), for
//     which the same margins hold.
//   - Directed and odd modes of add and sub, and fma in every deterministic mode: binary64
//     round-to-nearest then rounding again is wrong there (1 + 2^-100 in bfloat16 rounded up:
//     binary64 gives 1, the answer is 1 + 2^-7), so the binary64 sum is first turned into the
//     sum rounded to odd with TwoSum's exact error (see sum_to_odd), which rounds correctly
//     to F in every deterministic mode when p + 2 <= 53.
//   - Directed and odd modes of div and sqrt, and stochastic modes of everything but mul, first
//     test whether the binary64 result is exact (TwoSum's error, or the fma residual, is zero;
//     see detail::sum_is_exact): then rounding it once is the answer, with the same random word.
//     Sums and fmas of p-bit values are exact in binary64 unless the exponents differ by more
//     than about 52 - p, so this is the common case. Otherwise they take the exact path of
//     ops.hpp (stochastic rounding needs the exact fraction).
//   - Formats off the fast path (e.g. rpe-style E11Mp, wider precisions) use the same exactness
//     tests in every mode before the exact path.
//   - A NaN from the binary64 operation goes to the exact path too, so NaN signs and payloads
//     are ops.hpp's (hardware invalid operations give a negative default NaN on x86).
// fp_test checks the fast path bit for bit against ops.hpp on every pair of codes of the 8-bit
// and smaller formats and on random pairs of bfloat16, binary16 and tf32 values.
#pragma once

#include <cmath>
#include <compare>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <string>
#include <type_traits>

#include "lowp/bits.hpp"
#include "lowp/context.hpp"
#include "lowp/format.hpp"
#include "lowp/ops.hpp"
#include "lowp/round.hpp"
#include "lowp/rounding.hpp"
#include "lowp/ulp.hpp"

namespace lowp {

// Returns the shortest decimal (%.Ng, N = 1..17) that reads back to v when converted by strtod
// and rounded to f in nearest-even; "nan", "inf", "-inf" for the specials. v must be a value of f.
inline std::string shortest_decimal(double v, const format& f) {
  if (v != v) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    const double back = round(std::strtod(buf, nullptr), f, rounding::nearest_even).value;
    if (__builtin_bit_cast(std::uint64_t, back) == __builtin_bit_cast(std::uint64_t, v)) break;
  }
  return buf;
}

// Returns v in C's %a form (exact).
inline std::string hex_string(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

template <class T>
concept exactly_convertible_arithmetic =
    std::same_as<T, double> || std::same_as<T, float> || std::integral<T>;

// Exactness tests of a binary64 result, shared by fp and number: when the binary64 operation
// was exact, rounding its result once IS the operation rounded once, in every mode (stochastic
// ones included, with the same random word) and every format without DAZ. Each is conservative:
// false sends the caller to ops.hpp's exact path, never to a wrong answer.
namespace detail {
// True when r = x + y rounded to nearest is finite, nonzero and exact: TwoSum's error term
// (exact whenever r is finite) is zero. A zero sum is left to ops.hpp (its sign depends on the
// mode).
constexpr bool sum_is_exact(double x, double y, double r) noexcept {
  if (r == 0 || r - r != 0) return false;
  const double bb = r - x;
  return (x - (r - bb)) + (y - bb) == 0;
}
// True when r = x * y rounded to nearest is exact: with |r| in [2^-960, 2^1000] the exact
// residual x * y - r is a multiple of ulp(x) ulp(y) >= 2^-1065, so fma computes it without
// underflow and it is zero only when the product is exact.
inline bool product_is_exact(double x, double y, double r) noexcept {
  const double m = r < 0 ? -r : r;
  return m >= 0x1p-960 && m <= 0x1p1000 && std::fma(x, y, -r) == 0;
}
// True when r = x / y rounded to nearest is exact: with |x|, |y|, |r| in [2^-400, 2^400],
// r * y - x is a multiple of ulp(r) ulp(y) >= 2^-904 or zero, so fma's result is zero exactly
// when r * y == x.
inline bool quotient_is_exact(double x, double y, double r) noexcept {
  auto in = [](double v) {
    const double m = v < 0 ? -v : v;
    return m >= 0x1p-400 && m <= 0x1p400;
  };
  return in(x) && in(y) && in(r) && std::fma(r, y, -x) == 0;
}
// True when r = sqrt(x) rounded to nearest is exact (x in [2^-900, 2^1000]: r * r - x is a
// multiple of ulp(r)^2 >= 2^-1004 and r * r does not overflow).
inline bool root_is_exact(double x, double r) noexcept {
  return x >= 0x1p-900 && x <= 0x1p1000 && std::fma(r, r, -x) == 0;
}
// Rounds r to a format with m mantissa bits whose normal values run from the binary64 pattern lo
// (smallest normal) to hi (largest), when |r| lies in [lo, hi] (then so does the result: the
// ends are values of the format); returns false, leaving out alone, otherwise (zero, subnormal
// results, overflow, inf, NaN: lowp::round's cases). In that range rounding is an integer
// operation on the binary64 pattern, whose low 52 - m bits are the fraction below the format's
// last significand bit:
//
//   r:  [ s | exponent (11) | the format's m bits | fraction (52 - m bits) ]
//
// Nearest modes add just under or exactly half a unit (plus the last kept bit for ties to
// even) and clear the fraction; a carry out of the significand steps the exponent, which is
// the right result. Directed modes truncate and step by one unit when the fraction is nonzero
// and the direction points away from zero; odd truncates and sets the last kept bit;
// stochastic steps away from zero when the top rbits of the random word are below the top
// rbits of the fraction (left-aligned to 64 bits), stochastic_equal when inexact and the top
// random bit is set: lowp::round's definitions (round.hpp, detail::round_up), so the results
// are identical (fp_test and number_test check it).
constexpr bool round_normal(double r, int m, std::uint64_t lo, std::uint64_t hi, bool is_signed,
                            rounding mode, std::uint64_t random, int rbits, double& out) noexcept {
  const std::uint64_t b = __builtin_bit_cast(std::uint64_t, r);
  // Unsigned formats: a negative r keeps its sign bit here and falls outside (lowp::round: NaN).
  const std::uint64_t mag = is_signed ? b & ~sign_mask : b;
  if (mag - lo > hi - lo) return false;
  const int shift = 52 - m;
  if (shift == 0) {  // binary64's own precision: r is a value of the format
    out = r;
    return true;
  }
  const std::uint64_t unit = std::uint64_t{1} << shift;
  const std::uint64_t half = unit >> 1;
  const std::uint64_t low = unit - 1;
  const bool negative = (b >> 63) != 0;
  const bool inexact = (b & low) != 0;
  std::uint64_t o = 0;
  switch (mode) {
    case rounding::nearest_even: o = (b + (half - 1) + ((b >> shift) & 1)) & ~low; break;
    case rounding::nearest_away: o = (b + half) & ~low; break;
    case rounding::nearest_zero: o = (b + (half - 1)) & ~low; break;
    case rounding::toward_zero: o = b & ~low; break;
    case rounding::up: o = (b & ~low) + ((inexact && !negative) ? unit : 0); break;
    case rounding::down: o = (b & ~low) + ((inexact && negative) ? unit : 0); break;
    case rounding::odd: o = (b & ~low) | (inexact ? unit : 0); break;
    case rounding::stochastic: {
      // The shift (1..52) fraction bits, left-aligned: the rest of frac64 is zero.
      const std::uint64_t frac64 = (b & low) << (64 - shift);
      const int drop = 64 - rbits;
      o = (b & ~low) + (((random >> drop) < (frac64 >> drop)) ? unit : 0);
      break;
    }
    case rounding::stochastic_equal: o = (b & ~low) + ((inexact && (random >> 63) != 0) ? unit : 0); break;
  }
  out = __builtin_bit_cast(double, o);
  return true;
}
}  // namespace detail

template <format F, rounding Mode = rounding::nearest_even>
  requires(F.fits_binary64())
class fp {
 public:
  static constexpr format format_value = F;
  static constexpr rounding rounding_mode = Mode;

  // True when + - / sqrt take the binary64 fast path (see the header), and * in every mode.
  static constexpr bool fast_path =
      F.subnormals == subnormal_mode::on && F.has_zero && !F.daz &&
      2 * F.precision() + 2 <= 53 && F.emax() <= 480 && F.emin() - F.mantissa_bits >= -480;
  static constexpr bool fast_nearest = fast_path && is_nearest(Mode);
  // True when the other cases (stochastic modes, formats off the fast path) first test whether
  // the binary64 result is exact and then round it once (detail::sum_is_exact and friends).
  static constexpr bool exact_check = !F.daz;

  // Zero (+0; the smallest value in a format without zero).
  constexpr fp() noexcept : v_(F.has_zero ? 0.0 : F.smallest_normal()) {}

  // Rounds x once to F.
  template <exactly_convertible_arithmetic A>
  constexpr explicit fp(A x) : v_(from_arithmetic(x)) {}

  // Rounds the exact value of another fp once to F.
  template <format G, rounding M>
    requires(G != F || M != Mode)
  constexpr explicit fp(fp<G, M> x) : v_(round_once(x.value())) {}

  // Returns the fp whose value is v, which must already be a value of F (not checked; use the
  // constructor to round).
  static constexpr fp from_value(double v) noexcept { return fp(v, raw_tag{}); }

  // Returns the fp of a code of F (nullopt when the code is out of range).
  static constexpr std::optional<fp> from_code(std::uint64_t code) noexcept {
    const std::optional<double> v = decode(code, F);
    if (!v) return std::nullopt;
    return from_value(*v);
  }

  // Returns the code of the value (NaN: F's canonical NaN code).
  constexpr std::uint64_t code() const noexcept { return *encode(v_, F); }

  // Returns the exact value.
  constexpr double value() const noexcept { return v_; }
  constexpr explicit operator double() const noexcept { return v_; }
  // Converts to binary32 (exact when F.fits_binary32(), else rounded to nearest by the hardware).
  constexpr explicit operator float() const noexcept { return static_cast<float>(v_); }

  // Arithmetic, each result rounded once.
  friend constexpr fp operator+(fp a, fp b) {
    if constexpr (fast_nearest) {
      const double r = a.v_ + b.v_;
      if (r == r) [[likely]] return from_value(round_fast(r));
    } else if constexpr (fast_path && !is_stochastic(Mode)) {
      const double r = a.v_ + b.v_;
      if (r != 0 && r - r == 0) [[likely]] return from_value(round_fast(sum_to_odd(a.v_, b.v_, r)));
    } else if constexpr (exact_check) {
      const double r = a.v_ + b.v_;
      if (detail::sum_is_exact(a.v_, b.v_, r)) [[likely]] return from_value(round_once(r));
    }
    return from_value(exact([](double x, double y, std::uint64_t rnd, int rb) {
      return lowp::add(x, y, F, Mode, rnd, rb);
    }, a.v_, b.v_));
  }
  friend constexpr fp operator-(fp a, fp b) {
    if constexpr (fast_nearest) {
      const double r = a.v_ - b.v_;
      if (r == r) [[likely]] return from_value(round_fast(r));
    } else if constexpr (fast_path && !is_stochastic(Mode)) {
      const double r = a.v_ - b.v_;
      if (r != 0 && r - r == 0) [[likely]] return from_value(round_fast(sum_to_odd(a.v_, -b.v_, r)));
    } else if constexpr (exact_check) {
      const double r = a.v_ - b.v_;
      if (detail::sum_is_exact(a.v_, -b.v_, r)) [[likely]] return from_value(round_once(r));
    }
    return from_value(exact([](double x, double y, std::uint64_t rnd, int rb) {
      return lowp::sub(x, y, F, Mode, rnd, rb);
    }, a.v_, b.v_));
  }
  friend constexpr fp operator*(fp a, fp b) {
    if constexpr (fast_path) {
      const double r = a.v_ * b.v_;
      if constexpr (is_stochastic(Mode)) {
        if (r == r) [[likely]] return from_value(round_once(r));
      } else {
        if (r == r) [[likely]] return from_value(round_fast(r));
      }
    } else if constexpr (exact_check) {
      if (!std::is_constant_evaluated()) {
        const double r = a.v_ * b.v_;
        if (detail::product_is_exact(a.v_, b.v_, r)) [[likely]] return from_value(round_once(r));
      }
    }
    return from_value(exact([](double x, double y, std::uint64_t rnd, int rb) {
      return lowp::mul(x, y, F, Mode, rnd, rb);
    }, a.v_, b.v_));
  }
  friend constexpr fp operator/(fp a, fp b) {
    if constexpr (fast_nearest) {
      const double r = a.v_ / b.v_;
      if (r == r) [[likely]] return from_value(round_fast(r));
    } else if constexpr (exact_check) {
      if (!std::is_constant_evaluated()) {
        const double r = a.v_ / b.v_;
        if (detail::quotient_is_exact(a.v_, b.v_, r)) return from_value(round_once(r));
      }
    }
    return from_value(exact([](double x, double y, std::uint64_t rnd, int rb) {
      return lowp::div(x, y, F, Mode, rnd, rb);
    }, a.v_, b.v_));
  }
  friend constexpr fp operator+(fp a) noexcept { return a; }
  friend constexpr fp operator-(fp a) noexcept { return from_value(negate(a.v_)); }

  constexpr fp& operator+=(fp b) { return *this = *this + b; }
  constexpr fp& operator-=(fp b) { return *this = *this - b; }
  constexpr fp& operator*=(fp b) { return *this = *this * b; }
  constexpr fp& operator/=(fp b) { return *this = *this / b; }

  // IEEE comparisons on the values (NaN unordered, -0 == +0).
  friend constexpr bool operator==(fp a, fp b) noexcept { return a.v_ == b.v_; }
  friend constexpr std::partial_ordering operator<=>(fp a, fp b) noexcept { return a.v_ <=> b.v_; }

  // Math, found by argument-dependent lookup (write `sqrt(x)`, not `std::sqrt(x)`).
  friend constexpr fp sqrt(fp a) {
    if constexpr (fast_nearest) {
      if (!std::is_constant_evaluated()) {
        const double r = std::sqrt(a.v_);
        if (r == r) [[likely]] return from_value(round_fast(r));
      }
    } else if constexpr (exact_check) {
      if (!std::is_constant_evaluated()) {
        const double r = std::sqrt(a.v_);
        if (detail::root_is_exact(a.v_, r)) return from_value(round_once(r));
      }
    }
    return from_value(exact([](double x, std::uint64_t rnd, int rb) {
      return lowp::sqrt(x, F, Mode, rnd, rb);
    }, a.v_));
  }
  // Returns a * b + c rounded once.
  friend constexpr fp fma(fp a, fp b, fp c) {
    if constexpr (fast_path && !is_stochastic(Mode)) {
      const double p = a.v_ * b.v_;  // exact (2p <= 53 bits, normal range)
      const double r = p + c.v_;
      if (r != 0 && r - r == 0) [[likely]] return from_value(round_fast(sum_to_odd(p, c.v_, r)));
    } else if constexpr (exact_check) {
      if (!std::is_constant_evaluated()) {
        const double p = a.v_ * b.v_;
        const double r = p + c.v_;
        if (detail::product_is_exact(a.v_, b.v_, p) && detail::sum_is_exact(p, c.v_, r)) [[likely]]
          return from_value(round_once(r));
      }
    }
    return from_value(exact([](double x, double y, double z, std::uint64_t rnd, int rb) {
      return lowp::fma(x, y, z, F, Mode, rnd, rb);
    }, a.v_, b.v_, c.v_));
  }
  friend constexpr fp abs(fp a) noexcept { return from_value(with_sign(a.v_, false)); }
  friend constexpr fp fabs(fp a) noexcept { return abs(a); }
  friend constexpr bool isnan(fp a) noexcept { return a.v_ != a.v_; }
  friend constexpr bool isinf(fp a) noexcept {
    return a.v_ == std::numeric_limits<double>::infinity() ||
           a.v_ == -std::numeric_limits<double>::infinity();
  }
  friend constexpr bool isfinite(fp a) noexcept { return !isnan(a) && !isinf(a); }
  // True for nonzero finite values at or above F's smallest normal.
  friend constexpr bool isnormal(fp a) noexcept {
    const double m = a.v_ < 0 ? -a.v_ : a.v_;
    return isfinite(a) && m >= F.smallest_normal();
  }
  friend constexpr bool signbit(fp a) noexcept {
    return (__builtin_bit_cast(std::uint64_t, a.v_) >> 63) != 0;
  }
  // Returns |a| with the sign of b.
  friend constexpr fp copysign(fp a, fp b) noexcept {
    return from_value(with_sign(a.v_, signbit(b)));
  }
  // Returns the next value of F after a in the direction of b (b when a == b, NaN for a NaN).
  friend constexpr fp nextafter(fp a, fp b) noexcept {
    if (a.v_ != a.v_) return a;
    if (b.v_ != b.v_) return b;
    if (a.v_ == b.v_) return b;
    return from_value(a.v_ < b.v_ ? next_up(a.v_, F) : next_down(a.v_, F));
  }
  // Splits a into a fraction in [1/2, 1) and a power of two (as std::frexp); the fraction is
  // rounded to F in nearest-even, exact whenever F holds it (every format with emin <= -1 that
  // has subnormals down to 2^(emin - m) <= 2^-p).
  friend fp frexp(fp a, int* e) {
    return from_value(lowp::round(std::frexp(a.v_, e), F, rounding::nearest_even).value);
  }
  // Returns a * 2^n rounded once (no intermediate overflow or underflow: the exponent is an
  // integer until the rounding).
  friend constexpr fp ldexp(fp a, int n) {
    const detail::operand x = detail::unpack(a.v_);
    if (x.nan || x.inf || x.zero) return a;
    if (n > 4096) n = 4096;  // beyond any format's range either way
    if (n < -4096) n = -4096;
    if constexpr (is_stochastic(Mode)) {
      sr_generator& g = current_generator();
      return from_value(detail::op_finite(x.sig, x.lsb + n, false, x.negative, F, Mode, g.next(),
                                          g.rbits()).value);
    } else {
      return from_value(detail::op_finite(x.sig, x.lsb + n, false, x.negative, F, Mode, 0, 64).value);
    }
  }
  // Integral roundings (the integer is rounded to F in nearest-even: exact unless F lacks it,
  // e.g. 2^k beyond largest or e8m0's missing zero).
  friend fp floor(fp a) { return integral(std::floor(a.v_)); }
  friend fp ceil(fp a) { return integral(std::ceil(a.v_)); }
  friend fp trunc(fp a) { return integral(std::trunc(a.v_)); }
  friend fp round(fp a) { return integral(std::round(a.v_)); }
  // min/max as std::min/std::max (b < a ? b : a): a NaN in a is returned, one in b is not.
  friend constexpr fp min(fp a, fp b) noexcept { return b < a ? b : a; }
  friend constexpr fp max(fp a, fp b) noexcept { return a < b ? b : a; }
  // IEEE minNum / maxNum: a NaN operand loses to a number.
  friend constexpr fp fmin(fp a, fp b) noexcept {
    if (isnan(a)) return b;
    if (isnan(b)) return a;
    return b < a ? b : a;
  }
  friend constexpr fp fmax(fp a, fp b) noexcept {
    if (isnan(a)) return b;
    if (isnan(b)) return a;
    return a < b ? b : a;
  }

  // Writes the shortest decimal that reads back to the value (strtod, then nearest-even to F);
  // with std::hexfloat set on the stream, the exact value in %a form.
  friend std::ostream& operator<<(std::ostream& os, fp a) {
    const auto fl = os.flags() & std::ios_base::floatfield;
    if (fl == (std::ios_base::fixed | std::ios_base::scientific)) return os << hex_string(a.v_);
    return os << shortest_decimal(a.v_, F);
  }

 private:
  struct raw_tag {};
  constexpr fp(double v, raw_tag) noexcept : v_(v) {}

  // Rounds a binary64 value to F in a deterministic mode by detail::round_normal, falling back
  // to lowp::round outside F's normal range.
  static constexpr double round_fast(double r) noexcept {
    static_assert(!is_stochastic(Mode), "stochastic modes need a random word");
    double out = 0;
    if (detail::round_normal(r, F.mantissa_bits, normal_lo, normal_hi, F.is_signed, Mode, 0, 64, out))
      [[likely]]
      return out;
    return lowp::round(r, F, Mode).value;
  }
  static constexpr std::uint64_t normal_lo = __builtin_bit_cast(std::uint64_t, F.smallest_normal());
  static constexpr std::uint64_t normal_hi = __builtin_bit_cast(std::uint64_t, F.largest());

  // Returns x + y rounded to odd at binary64's precision, given r = x + y rounded to nearest
  // (finite, nonzero): TwoSum's error term e = (x + y) - r is exact, and when it is nonzero the
  // odd one of r and its neighbour toward e is the round-to-odd result. Rounding that once more
  // to F (p + 2 <= 53) equals rounding x + y once in every deterministic mode (S. Boldo and
  // G. Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding
  // to odd", IEEE TC 57(4), 2008): a value rounded to odd is never a value of F or a midpoint
  // of F (both have an even last bit at 53 bits) unless it is exact, and never crosses one.
  // This gives the directed and odd modes of + and -, and fma in every deterministic mode
  // (x = a * b is exact for fast-path formats).
  static constexpr double sum_to_odd(double x, double y, double r) noexcept {
    const double bb = r - x;
    const double e = (x - (r - bb)) + (y - bb);
    if (e == 0 || (__builtin_bit_cast(std::uint64_t, r) & 1) != 0) return r;
    return detail::next64(r, e > 0);
  }

  // Rounds an exact binary64 value once, drawing a random word in stochastic modes.
  static constexpr double round_once(double x) {
    if constexpr (is_stochastic(Mode)) {
      sr_generator& g = current_generator();
      const std::uint64_t rnd = g.next();
      const int rb = g.rbits();
      double out = 0;
      if (detail::round_normal(x, F.mantissa_bits, normal_lo, normal_hi, F.is_signed, Mode, rnd, rb, out))
        [[likely]]
        return out;
      return lowp::round(x, F, Mode, rnd, rb).value;
    } else {
      return round_fast(x);
    }
  }

  // Calls op(operands..., random word, rbits) of ops.hpp and returns the value.
  template <class Op, class... D>
  static constexpr double exact(Op op, D... d) {
    if constexpr (is_stochastic(Mode)) {
      sr_generator& g = current_generator();
      return op(d..., g.next(), g.rbits()).value;
    } else {
      return op(d..., 0, 64).value;
    }
  }

  template <class A>
  static constexpr double from_arithmetic(A x) {
    if constexpr (std::integral<A> && (sizeof(A) > 4)) {
      // Two exact halves (each below 2^32 in magnitude times a power of two), summed once.
      const bool neg = x < 0;
      const std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
      const double hi = static_cast<double>(u >> 32) * 4294967296.0;
      const double lo = static_cast<double>(u & 0xffffffffULL);
      return exact([](double p, double q, std::uint64_t rnd, int rb) {
        return lowp::add(p, q, F, Mode, rnd, rb);
      }, neg ? -hi : hi, neg ? -lo : lo);
    } else {
      return round_once(static_cast<double>(x));  // exact: float and <= 32-bit integers
    }
  }

  // Returns v with the given sign, as a value of F (exact; see the header for fnuz/unsigned).
  static constexpr double with_sign(double v, bool negative) noexcept {
    const std::uint64_t b = __builtin_bit_cast(std::uint64_t, v);
    const double s = __builtin_bit_cast(double, negative ? (b | detail::sign_mask)
                                                         : (b & ~detail::sign_mask));
    if constexpr (F.has_negative_zero() || !F.has_zero) {
      if (F.is_signed || !negative) return s;
    }
    if (v != v) return v;  // NaN keeps its sign (F's NaN policy was applied when it was made)
    return lowp::round(s, F, rounding::nearest_even).value;
  }
  static constexpr double negate(double v) noexcept {
    return with_sign(v, (__builtin_bit_cast(std::uint64_t, v) >> 63) == 0);
  }

  static fp integral(double i) {
    return from_value(lowp::round(i, F, rounding::nearest_even).value);
  }

  double v_;
};

// The names users know (ml_dtypes / LLVM), in round-to-nearest-even.
using bfloat16 = fp<formats::bfloat16>;
using float16 = fp<formats::binary16>;
using float8_e4m3fn = fp<formats::e4m3fn>;
using float8_e5m2 = fp<formats::e5m2>;
using float8_e4m3fnuz = fp<formats::e4m3fnuz>;
using float8_e5m2fnuz = fp<formats::e5m2fnuz>;
using float6_e3m2fn = fp<formats::e3m2fn>;
using float6_e2m3fn = fp<formats::e2m3fn>;
using float4_e2m1fn = fp<formats::e2m1fn>;
using tf32 = fp<formats::tf32>;

// Detects lowp::fp types.
template <class T>
inline constexpr bool is_fp_v = false;
template <format F, rounding M>
inline constexpr bool is_fp_v<fp<F, M>> = true;

// Returns the value of an fp in another format, rounded once (fp_cast<bfloat16>(x)).
template <class To, format F, rounding M>
  requires is_fp_v<To>
constexpr To fp_cast(fp<F, M> x) {
  if constexpr (std::is_same_v<To, fp<F, M>>) {
    return x;
  } else {
    return To(x);
  }
}

// Returns the string operator<< writes.
template <format F, rounding M>
std::string to_string(fp<F, M> x) {
  return shortest_decimal(x.value(), F);
}

}  // namespace lowp
