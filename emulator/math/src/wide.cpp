// Implements lowp::wide: lowp::round's semantics on MPFR values for formats of any width, with
// the integer significand in GMP instead of 64/128-bit words (mirrors round_magnitude of
// emulator/include/lowp/round.hpp step by step, so that the two agree where both apply).
#include "lowp/wide.hpp"

#include <gmp.h>
#include <mpfr.h>

#include <cstring>
#include <utility>

#include "lowp/flags.hpp"
#include "lowp/round.hpp"
#include "mpfr_functions.hpp"
#include "mpfr_support.hpp"

namespace lowp::wide {

result::result() { mpfr_init2(value_, 2); }
result::~result() {
  if (owned_) mpfr_clear(value_);
}
result::result(result&& other) noexcept : ternary(other.ternary), flags(other.flags) {
  std::memcpy(value_, other.value_, sizeof value_);
  other.owned_ = false;
}
result& result::operator=(result&& other) noexcept {
  if (this != &other) {
    mpfr_swap(value_, other.value_);
    ternary = other.ternary;
    flags = other.flags;
  }
  return *this;
}

namespace {

// Sets MPFR's widest exponent range for a scope; restores the caller's range and flags on exit.
class full_range {
 public:
  full_range()
      : emin_(mpfr_get_emin()), emax_(mpfr_get_emax()), flags_(mpfr_flags_save()) {
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
  }
  ~full_range() {
    mpfr_set_emin(emin_);
    mpfr_set_emax(emax_);
    mpfr_flags_restore(flags_, MPFR_FLAGS_ALL);
  }
  full_range(const full_range&) = delete;
  full_range& operator=(const full_range&) = delete;

 private:
  mpfr_exp_t emin_, emax_;
  mpfr_flags_t flags_;
};

using mpfr_support::make_odd;
using mpfr_support::mpfr_value;
using mpfr_support::mpz_value;
using mpfr_support::op_kind;

// The extra bits the operations and the parser keep: p + 64 fraction bits, then the odd bit.
constexpr mpfr_prec_t guard_bits = 66;

void set_nan(result& r) {
  mpfr_set_prec(r.value(), 2);
  mpfr_set_nan(r.value());
  r.ternary = 0;
}

void set_invalid(result& r) {
  set_nan(r);
  r.flags = flag::invalid | flag::nan_created;
}

void set_zero(result& r, bool negative, const format& f) {
  mpfr_set_prec(r.value(), 2);
  mpfr_set_zero(r.value(), (negative && f.has_negative_zero()) ? -1 : 1);
}

// Largest finite significand, scaled by 2^m (format::largest_significand for any m).
void largest_significand(mpz_ptr z, const format& f) {
  const int m = f.mantissa_bits;
  mpz_set_ui(z, 0);
  mpz_setbit(z, static_cast<mp_bitcnt_t>(m + 1));
  mpz_sub_ui(z, z, 1);  // 1.11...1b
  if (f.specials == specials_mode::fn) {
    if (m > 0)
      mpz_sub_ui(z, z, 1);  // the all-ones code is the NaN
    else
      mpz_set_ui(z, 1);
  }
}

void set_largest(result& r, bool negative, const format& f) {
  mpz_value big;
  largest_significand(big.v, f);
  mpfr_set_prec(r.value(), f.precision() < 2 ? 2 : f.precision());
  mpfr_set_z_2exp(r.value(), big.v, f.emax() - f.mantissa_bits, MPFR_RNDN);  // exact
  if (negative) mpfr_neg(r.value(), r.value(), MPFR_RNDN);
}

// |x| / 2^q = kept + fraction, fraction = frac64 / 2^64 + (sticky ? tiny : 0).
struct wide_split {
  mpz_value kept;
  std::uint64_t frac64 = 0;
  bool sticky = false;
};

void split_at(mpfr_srcptr x, long q, wide_split& s) {
  mpfr_value t(mpfr_get_prec(x));
  mpfr_abs(t.v, x, MPFR_RNDN);
  mpfr_mul_2si(t.v, t.v, -q, MPFR_RNDN);  // exact in the full range
  mpfr_get_z(s.kept.v, t.v, MPFR_RNDZ);
  mpfr_frac(t.v, t.v, MPFR_RNDN);          // exact: fits the same precision
  mpfr_mul_2ui(t.v, t.v, 64, MPFR_RNDN);   // exact
  mpfr_value fl(mpfr_get_prec(x));
  mpfr_floor(fl.v, t.v);
  s.frac64 = static_cast<std::uint64_t>(mpfr_get_uj(fl.v, MPFR_RNDZ));
  s.sticky = !mpfr_equal_p(fl.v, t.v);
}

bool decide_up(const wide_split& s, rounding mode, bool negative, std::uint64_t random, int rbits,
               bool ties_up) {
  const detail::split d{mpz_tstbit(s.kept.v, 0) ? 1u : 0u, s.frac64, s.sticky};
  return detail::round_up(d, mode, negative, random, rbits, ties_up);
}

// Rounds the finite nonzero x (in the full exponent range): round_magnitude's steps.
void round_finite(result& out, mpfr_srcptr x, const format& f, rounding mode,
                  std::uint64_t random, int rbits, unsigned flags) {
  const bool negative = mpfr_signbit(x) != 0;
  const int m = f.mantissa_bits;
  const long emin = f.emin();
  const long e = static_cast<long>(mpfr_get_exp(x)) - 1;  // 2^e <= |x| < 2^(e+1)
  const bool tiny_input = e < emin;
  const bool sub_on = f.subnormals == subnormal_mode::on && f.has_zero;
  const bool sub_off = f.subnormals == subnormal_mode::off || !f.has_zero;

  long q = e - m;
  if (sub_on && tiny_input) q = emin - m;
  if (sub_off && tiny_input) q = emin;

  wide_split s;
  split_at(x, q, s);
  const bool inexact = s.frac64 != 0 || s.sticky;
  mpz_value r;
  mpz_set(r.v, s.kept.v);
  if (decide_up(s, mode, negative, random, rbits, sub_off && tiny_input)) mpz_add_ui(r.v, r.v, 1);
  if (mode == rounding::odd && inexact) {
    mpz_set(r.v, s.kept.v);
    mpz_setbit(r.v, 0);
  }
  if (inexact) flags |= flag::inexact;

  bool tiny = tiny_input;
  if (tiny_input && e == emin - 1) {
    wide_split su;
    split_at(x, e - m, su);
    mpz_value ru;
    mpz_set(ru.v, su.kept.v);
    if (decide_up(su, mode, negative, random, rbits, false)) mpz_add_ui(ru.v, ru.v, 1);
    if (mode == rounding::odd && (su.frac64 != 0 || su.sticky)) mpz_setbit(ru.v, 0);
    tiny = mpz_sizeinbase(ru.v, 2) <= static_cast<std::size_t>(m + 1) ||
           mpz_sgn(ru.v) == 0;  // ru < 2^(m+1)
  }
  if (tiny && inexact) flags |= flag::underflow;

  const long qmax = static_cast<long>(f.emax()) - m;
  if (q >= qmax && mpz_sgn(r.v) != 0) {
    mpz_value scaled, big;
    mpz_mul_2exp(scaled.v, r.v, static_cast<mp_bitcnt_t>(q - qmax));
    largest_significand(big.v, f);
    if (mpz_cmp(scaled.v, big.v) > 0) {
      bool to_largest = false;
      switch (mode) {
        case rounding::toward_zero:
        case rounding::odd: to_largest = true; break;
        case rounding::up: to_largest = negative; break;
        case rounding::down: to_largest = !negative; break;
        default: break;
      }
      out.flags = flags | flag::overflow | flag::inexact;
      const bool saturating =
          f.overflow == overflow_mode::saturate || f.specials == specials_mode::finite;
      if (to_largest || saturating) {
        set_largest(out, negative, f);
        out.ternary = negative ? 1 : -1;
        if (!to_largest) out.flags |= flag::saturated;
      } else if (f.has_inf()) {
        mpfr_set_prec(out.value(), 2);
        mpfr_set_inf(out.value(), negative ? -1 : 1);
        out.ternary = negative ? -1 : 1;
      } else {
        set_nan(out);
        out.flags |= flag::nan_created;
      }
      return;
    }
  }

  const mpfr_prec_t p = f.precision() < 2 ? 2 : f.precision();
  if (f.subnormals == subnormal_mode::ftz && f.has_zero && tiny_input) {
    // Flush unless the result rounded up to the smallest normal: r * 2^q >= 2^emin.
    if (static_cast<long>(mpz_sizeinbase(r.v, 2)) - 1 + q < emin || mpz_sgn(r.v) == 0) {
      set_zero(out, negative, f);
      out.ternary = negative ? 1 : -1;
      out.flags = flags | flag::flushed | flag::underflow | flag::inexact;
      return;
    }
    mpfr_set_prec(out.value(), p);
    mpfr_set_ui_2exp(out.value(), 1, emin, MPFR_RNDN);
  } else if (mpz_sgn(r.v) == 0) {
    if (!f.has_zero) {  // the smallest value stands in for zero
      mpfr_set_prec(out.value(), p);
      mpfr_set_ui_2exp(out.value(), 1, emin, MPFR_RNDN);
      mpz_set_ui(r.v, 1);
    } else {
      set_zero(out, negative, f);
      out.ternary = negative ? 1 : -1;
      out.flags = flags | flag::flushed;
      return;
    }
  } else {
    mpfr_set_prec(out.value(), p);
    mpfr_set_z_2exp(out.value(), r.v, q, MPFR_RNDN);  // exact: r has at most p bits
  }
  if (negative) mpfr_neg(out.value(), out.value(), MPFR_RNDN);
  out.ternary = 0;
  if (inexact) {
    const bool bigger = mpz_cmp(r.v, s.kept.v) > 0;
    out.ternary = (bigger != negative) ? 1 : -1;
  }
  out.flags = flags;
}

void round_into(result& out, mpfr_srcptr x, const format& f, rounding mode,
                std::uint64_t random, int rbits) {
  if (!f.validate().empty()) throw format_error("lowp::wide: " + f.validate());
  const full_range range;
  out.flags = 0;
  out.ternary = 0;
  if (mpfr_nan_p(x)) {
    set_nan(out);
    out.flags = f.has_nan() ? flag::none : flag::invalid;
    return;
  }
  const bool negative = mpfr_signbit(x) != 0;
  unsigned flags = 0;
  int daz_ternary = 0;
  bool zero = mpfr_zero_p(x) != 0;
  if (f.daz && mpfr_regular_p(x) && mpfr_get_exp(x) - 1 < f.emin()) {
    zero = true;
    flags = flag::inexact | flag::flushed;
    daz_ternary = negative ? 1 : -1;
  }
  if (!f.is_signed && negative && !zero) return set_invalid(out);
  if (zero) {
    if (!f.has_zero) return set_invalid(out);
    set_zero(out, negative, f);
    out.ternary = daz_ternary;
    out.flags = flags;
    return;
  }
  if (mpfr_inf_p(x)) {
    if (f.has_inf() && f.overflow == overflow_mode::ieee) {
      mpfr_set_prec(out.value(), 2);
      mpfr_set_inf(out.value(), negative ? -1 : 1);
      return;
    }
    if (f.overflow == overflow_mode::saturate || f.specials == specials_mode::finite) {
      set_largest(out, negative, f);
      out.ternary = negative ? 1 : -1;
      out.flags = flag::inexact | flag::saturated;
      return;
    }
    return set_invalid(out);
  }
  round_finite(out, x, f, mode, random, rbits, flags);
}

int compute(op_kind op, mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr c, mpfr_rnd_t d) {
  switch (op) {
    case op_kind::add: return mpfr_add(r, a, b, d);
    case op_kind::sub: return mpfr_sub(r, a, b, d);
    case op_kind::mul: return mpfr_mul(r, a, b, d);
    case op_kind::div: return mpfr_div(r, a, b, d);
    case op_kind::sqrt: return mpfr_sqrt(r, a, d);
    case op_kind::fma: return mpfr_fma(r, a, b, c, d);
  }
  return 0;
}

result operation(op_kind op, mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr c, const format& f,
                 rounding mode, std::uint64_t random, int rbits) {
  result out;
  const int arity = op == op_kind::sqrt ? 1 : op == op_kind::fma ? 3 : 2;
  const mpfr_srcptr in[3] = {a, b, c};
  for (int i = 0; i < arity; ++i)
    if (mpfr_nan_p(in[i])) {
      round_into(out, in[i], f, mode, random, rbits);
      return out;
    }
  if (!f.validate().empty()) throw format_error("lowp::wide: " + f.validate());
  const mpfr_prec_t P = f.precision() + guard_bits;
  mpfr_value t(P - 1);
  bool divided_by_zero = false;
  {
    const full_range range;
    mpfr_clear_flags();
    const int tern = compute(op, t.v, a, b, c, MPFR_RNDZ);
    divided_by_zero = mpfr_divby0_p() != 0;
    const bool underflow = mpfr_underflow_p() != 0;
    if (mpfr_regular_p(t.v)) {
      make_odd(t.v, P, tern != 0);
    } else if (mpfr_zero_p(t.v) && underflow && tern != 0) {
      // Below MPFR's range: the smallest MPFR number of the sign rounds the same in any format.
      mpfr_set_si_2exp(t.v, mpfr_signbit(t.v) ? -1 : 1, mpfr_get_emin_min(), MPFR_RNDN);
    } else if (mpfr_zero_p(t.v)) {
      // An exact zero: MPFR gives it the IEEE sign of the rounding direction it is handed.
      compute(op, t.v, a, b, c, mode == rounding::down ? MPFR_RNDD : MPFR_RNDN);
    }
  }
  if (mpfr_nan_p(t.v)) {
    set_invalid(out);
    return out;
  }
  round_into(out, t.v, f, mode, random, rbits);
  if (divided_by_zero) out.flags |= flag::divide_by_zero;
  return out;
}

}  // namespace

result round(mpfr_srcptr x, const format& f, rounding mode, std::uint64_t random, int rbits) {
  result out;
  round_into(out, x, f, mode, random, rbits);
  return out;
}

result add(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random, int rbits) {
  return operation(op_kind::add, a, b, b, f, mode, random, rbits);
}
result sub(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random, int rbits) {
  return operation(op_kind::sub, a, b, b, f, mode, random, rbits);
}
result mul(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random, int rbits) {
  return operation(op_kind::mul, a, b, b, f, mode, random, rbits);
}
result div(mpfr_srcptr a, mpfr_srcptr b, const format& f, rounding mode, std::uint64_t random, int rbits) {
  return operation(op_kind::div, a, b, b, f, mode, random, rbits);
}
result sqrt(mpfr_srcptr a, const format& f, rounding mode, std::uint64_t random, int rbits) {
  return operation(op_kind::sqrt, a, a, a, f, mode, random, rbits);
}
result fma(mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr c, const format& f, rounding mode,
           std::uint64_t random, int rbits) {
  return operation(op_kind::fma, a, b, c, f, mode, random, rbits);
}

result evaluate(math::function fn, mpfr_srcptr x, mpfr_srcptr y, const format& f, rounding mode,
                std::uint64_t random, int rbits) {
  result out;
  if (!f.validate().empty()) throw format_error("lowp::wide: " + f.validate());
  const mpfr_prec_t P = f.precision() + guard_bits;
  mpfr_value t(P - 1);
  bool divided_by_zero = false;
  {
    const full_range range;
    mpfr_clear_flags();
    const int tern = math::impl::mpfr_eval(fn, t.v, x, y, MPFR_RNDZ);
    divided_by_zero = mpfr_divby0_p() != 0;
    const bool underflow = mpfr_underflow_p() != 0;
    if (mpfr_regular_p(t.v))
      make_odd(t.v, P, tern != 0);
    else if (mpfr_zero_p(t.v) && underflow && tern != 0)
      mpfr_set_si_2exp(t.v, mpfr_signbit(t.v) ? -1 : 1, mpfr_get_emin_min(), MPFR_RNDN);
  }
  if (mpfr_nan_p(t.v)) {
    if (mpfr_nan_p(x) || (math::arity(fn) == 2 && mpfr_nan_p(y)))
      round_into(out, t.v, f, mode, random, rbits);
    else
      set_invalid(out);
    return out;
  }
  round_into(out, t.v, f, mode, random, rbits);
  if (divided_by_zero) out.flags |= flag::divide_by_zero;
  return out;
}

bool parse(const char* text, mpfr_ptr x, const format& f) {
  if (*text == '\0' || std::strchr(text, '(') != nullptr || std::strchr(text, '@') != nullptr)
    return false;
  const mpfr_prec_t P = f.precision() + guard_bits;
  const full_range range;
  mpfr_set_prec(x, P - 1);
  char* end = nullptr;
  const int tern = mpfr_strtofr(x, text, &end, 0, MPFR_RNDZ);
  if (end == text || *end != '\0') return false;
  if (mpfr_regular_p(x)) make_odd(x, P, tern != 0);
  return true;
}

std::string to_hex(mpfr_srcptr v) {
  char* s = nullptr;
  if (mpfr_asprintf(&s, "%Ra", v) < 0 || s == nullptr) return "?";
  std::string out(s);
  mpfr_free_str(s);
  return out;
}

}  // namespace lowp::wide
