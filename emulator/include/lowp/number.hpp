// Provides `lowp::number`, a scalar whose format and rounding mode are chosen at run time by the
// innermost lowp::scoped_context (context.hpp), so that one compiled program sweeps hundreds of
// formats; its results are bit for bit those of fp<F, Mode> (fp.hpp) for the same format, mode
// and generator.
//
//   lowp::sr_generator gen(seed);
//   for (const lowp::format& f : formats) {
//     lowp::scoped_context ctx(f, lowp::rounding::stochastic, gen);
//     lowp::number x(0.1), y(3.0);
//     lowp::number z = fma(x, y, x);   // rounded once to f, one random word drawn
//   }
//
// Semantics:
//   - A number holds a binary64 value. Every operation reads the context at the time it runs:
//     the exact result of + - * / sqrt fma ldexp on the operands' values is rounded once to the
//     context's format in its mode (lowp/ops.hpp; operands need not be values of that format,
//     so a number made under one context may be used under another). Construction from double,
//     float or int rounds once likewise; the default constructor gives +0 without rounding.
//   - Without a context in scope (or one that names no format) an operation throws
//     lowp::context_error; stochastic modes also need a generator in the context (one random
//     word per rounding, as fp). There is no global default.
//   - Comparisons are IEEE's on the values and need no context; negation, abs and copysign are
//     exact sign operations (in formats without -0 or sign: what lowp::round gives).
//   - Cost: when the binary64 result of the operation is exact (TwoSum's error or the fma
//     residual is zero: most sums and products of low-precision values), it is rounded once by
//     lowp::round; otherwise the operation takes the exact path of ops.hpp (number does not know
//     that its operands are values of the format, which fp's nearest-mode fast path needs).
//     Plus one thread_local read per operation.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>

#include "lowp/context.hpp"
#include "lowp/fp.hpp"
#include "lowp/ops.hpp"
#include "lowp/round.hpp"
#include "lowp/ulp.hpp"

namespace lowp {

class number {
 public:
  // +0, not rounded (no context needed).
  constexpr number() noexcept = default;

  // Rounds x once to the context's format.
  explicit number(double x) : v_(round_once(x)) {}
  explicit number(float x) : v_(round_once(static_cast<double>(x))) {}
  explicit number(int x) : v_(round_once(static_cast<double>(x))) {}
  // Rounds the exact value of an fp once to the context's format.
  template <format F, rounding M>
  explicit number(fp<F, M> x) : v_(round_once(x.value())) {}

  // Returns a number holding v as it is (no rounding, no context).
  static constexpr number from_value(double v) noexcept {
    number n;
    n.v_ = v;
    return n;
  }

  constexpr double value() const noexcept { return v_; }
  constexpr explicit operator double() const noexcept { return v_; }

  friend number operator+(number a, number b) {
    const double r = a.v_ + b.v_;
    return apply_exact(detail::sum_is_exact(a.v_, b.v_, r), r, [](double x, double y, const format& f, rounding m, std::uint64_t r, int rb) {
      return lowp::add(x, y, f, m, r, rb);
    }, a.v_, b.v_);
  }
  friend number operator-(number a, number b) {
    const double r = a.v_ - b.v_;
    return apply_exact(detail::sum_is_exact(a.v_, -b.v_, r), r, [](double x, double y, const format& f, rounding m, std::uint64_t r, int rb) {
      return lowp::sub(x, y, f, m, r, rb);
    }, a.v_, b.v_);
  }
  friend number operator*(number a, number b) {
    const double r = a.v_ * b.v_;
    return apply_exact(detail::product_is_exact(a.v_, b.v_, r), r, [](double x, double y, const format& f, rounding m, std::uint64_t r, int rb) {
      return lowp::mul(x, y, f, m, r, rb);
    }, a.v_, b.v_);
  }
  friend number operator/(number a, number b) {
    const double r = a.v_ / b.v_;
    return apply_exact(detail::quotient_is_exact(a.v_, b.v_, r), r, [](double x, double y, const format& f, rounding m, std::uint64_t r, int rb) {
      return lowp::div(x, y, f, m, r, rb);
    }, a.v_, b.v_);
  }
  friend number operator+(number a) noexcept { return a; }
  friend number operator-(number a) {
    return from_value(with_sign(a.v_, (__builtin_bit_cast(std::uint64_t, a.v_) >> 63) == 0));
  }
  number& operator+=(number b) { return *this = *this + b; }
  number& operator-=(number b) { return *this = *this - b; }
  number& operator*=(number b) { return *this = *this * b; }
  number& operator/=(number b) { return *this = *this / b; }

  friend constexpr bool operator==(number a, number b) noexcept { return a.v_ == b.v_; }
  friend constexpr std::partial_ordering operator<=>(number a, number b) noexcept {
    return a.v_ <=> b.v_;
  }

  friend number sqrt(number a) {
    const double r = std::sqrt(a.v_);
    return apply_exact(detail::root_is_exact(a.v_, r), r, [](double x, const format& f, rounding m, std::uint64_t r, int rb) {
      return lowp::sqrt(x, f, m, r, rb);
    }, a.v_);
  }
  // Returns a * b + c rounded once.
  friend number fma(number a, number b, number c) {
    const double p = a.v_ * b.v_;
    const double r = p + c.v_;
    return apply_exact(detail::product_is_exact(a.v_, b.v_, p) && detail::sum_is_exact(p, c.v_, r), r,
                 [](double x, double y, double z, const format& f, rounding m, std::uint64_t r,
                    int rb) { return lowp::fma(x, y, z, f, m, r, rb); },
                 a.v_, b.v_, c.v_);
  }
  // Returns a * 2^n rounded once (as fp's ldexp).
  friend number ldexp(number a, int n) {
    const detail::operand x = detail::unpack(a.v_);
    const context& c = current();
    if (x.nan || x.inf || x.zero) return from_value(lowp::round(a.v_, c.fmt, c.mode).value);
    if (n > 4096) n = 4096;
    if (n < -4096) n = -4096;
    std::uint64_t r = 0;
    int rb = 64;
    draw(c, r, rb);
    return from_value(
        detail::op_finite(x.sig, x.lsb + n, false, x.negative, c.fmt, c.mode, r, rb).value);
  }
  friend number abs(number a) { return from_value(with_sign(a.v_, false)); }
  friend number fabs(number a) { return abs(a); }
  friend number copysign(number a, number b) {
    return from_value(with_sign(a.v_, signbit(b)));
  }
  friend constexpr bool isnan(number a) noexcept { return a.v_ != a.v_; }
  friend constexpr bool isinf(number a) noexcept {
    return a.v_ == std::numeric_limits<double>::infinity() ||
           a.v_ == -std::numeric_limits<double>::infinity();
  }
  friend constexpr bool isfinite(number a) noexcept { return !isnan(a) && !isinf(a); }
  friend constexpr bool signbit(number a) noexcept {
    return (__builtin_bit_cast(std::uint64_t, a.v_) >> 63) != 0;
  }
  // Returns the next value of the context's format after a toward b.
  friend number nextafter(number a, number b) {
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a.v_ == b.v_) return b;
    const format& f = current().fmt;
    return from_value(a.v_ < b.v_ ? next_up(a.v_, f) : next_down(a.v_, f));
  }
  friend constexpr number min(number a, number b) noexcept { return b < a ? b : a; }
  friend constexpr number max(number a, number b) noexcept { return a < b ? b : a; }

  // Writes the shortest decimal that reads back to the value in the context's format (%a form
  // without a context, or with std::hexfloat set).
  friend std::ostream& operator<<(std::ostream& os, number a) {
    const auto fl = os.flags() & std::ios_base::floatfield;
    const context* c = current_context();
    if (fl == (std::ios_base::fixed | std::ios_base::scientific) || c == nullptr ||
        !c->has_format)
      return os << hex_string(a.v_);
    return os << shortest_decimal(a.v_, c->fmt);
  }

 private:
  // Returns the context with a format; throws context_error without one.
  static const context& current() {
    const context* c = current_context();
    if (c == nullptr || !c->has_format)
      throw context_error("lowp::number: no format in scope (lowp::scoped_context ctx{format, mode})");
    return *c;
  }

  // Sets the random word and rbits of one rounding (stochastic modes only).
  static void draw(const context& c, std::uint64_t& r, int& rb) {
    if (!is_stochastic(c.mode)) return;
    if (c.generator == nullptr)
      throw context_error("lowp::number: stochastic rounding needs an sr_generator in scope");
    r = c.generator->next();
    rb = c.generator->rbits();
  }

  static double round_once(double x) {
    const context& c = current();
    std::uint64_t r = 0;
    int rb = 64;
    draw(c, r, rb);
    return round_with(c, x, r, rb);
  }

  // Rounds x once to the context's format: the integer rounding of detail::round_normal in the
  // format's normal range, lowp::round elsewhere (the same results).
  static double round_with(const context& c, double x, std::uint64_t r, int rb) {
    const format& f = c.fmt;
    double out = 0;
    if (detail::round_normal(x, f.mantissa_bits, c.normal_lo, c.normal_hi, f.is_signed, c.mode, r, rb,
                             out))
      return out;
    return lowp::round(x, f, c.mode, r, rb).value;
  }

  // Rounds r once when `exact` says it is the exact result (and the format has no DAZ, which
  // would flush operands first), else calls op on the operands; one random word either way.
  template <class Op, class... D>
  static number apply_exact(bool exact, double r, Op op, D... d) {
    const context& c = current();
    std::uint64_t rnd = 0;
    int rb = 64;
    draw(c, rnd, rb);
    if (exact && !c.fmt.daz) return from_value(round_with(c, r, rnd, rb));
    return from_value(op(d..., c.fmt, c.mode, rnd, rb).value);
  }

  // Returns v with the given sign, as fp does: exact where the format has the signed value, else
  // lowp::round's answer for it (+0 without -0, NaN without sign). Needs a context only then.
  static double with_sign(double v, bool negative) {
    const std::uint64_t b = __builtin_bit_cast(std::uint64_t, v);
    const double s = __builtin_bit_cast(double, negative ? (b | detail::sign_mask)
                                                         : (b & ~detail::sign_mask));
    const context* c = current_context();
    if (c == nullptr || !c->has_format) return s;
    const format& f = c->fmt;
    if ((f.has_negative_zero() || !f.has_zero) && (f.is_signed || !negative)) return s;
    if (v != v) return v;
    return lowp::round(s, f, rounding::nearest_even).value;
  }

  double v_ = 0.0;
};

}  // namespace lowp
