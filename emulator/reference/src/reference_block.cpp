// Implements lowp::reference::quantize_blocks with MPFR: exact scale exponents by comparison with
// max_elem * 2^e, exact quotients, lowp::reference::round_exact for the deterministic modes and an
// exact-fraction stochastic rounding.
#include "lowp/reference_block.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "lowp/random.hpp"
#include "lowp/reference.hpp"

namespace lowp::reference {
namespace {

constexpr mpfr_prec_t work_prec = 400;

// An MPFR number that frees itself.
struct mp {
  mpfr_t v;
  explicit mp(mpfr_prec_t prec = work_prec) { mpfr_init2(v, prec); }
  ~mp() { mpfr_clear(v); }
  mp(const mp&) = delete;
  mp& operator=(const mp&) = delete;
  operator mpfr_ptr() { return v; }
  operator mpfr_srcptr() const { return v; }
};

// Sets q to a / b: exact when the quotient fits 400 bits, else the 400-bit truncation with a
// set bit one place below it, which lies strictly between the same neighbours as the exact
// quotient for any rounding to fewer than 400 bits (with or without 64 fraction bits of SR).
void quotient(mp& q, double a, double b) {
  mp A(64), B(64);
  mpfr_set_d(A, a, MPFR_RNDN);
  mpfr_set_d(B, b, MPFR_RNDN);
  mpfr_set_prec(q.v, work_prec);
  const int t = mpfr_div(q, A, B, MPFR_RNDZ);
  if (t != 0) {
    mpfr_prec_round(q.v, work_prec + 1, MPFR_RNDZ);  // exact: one more bit
    if (mpfr_sgn(q.v) > 0)
      mpfr_nextabove(q);
    else
      mpfr_nextbelow(q);
  }
}

// The largest value of an element format, exactly.
void largest_of(mp& m, const element_format& e) {
  if (e.is_integer) {
    mpfr_set_ui(m, 1, MPFR_RNDN);
    mpfr_mul_2si(m, m, e.int_bits - 1, MPFR_RNDN);
    mpfr_sub_ui(m, m, 1, MPFR_RNDN);
    mpfr_div_2si(m, m, e.fraction_bits, MPFR_RNDN);
  } else {
    mpfr_set_d(m, facts_of(e.fp).largest, MPFR_RNDN);
  }
}

// Stochastic rounding of the exact x to a float format with gradual underflow.
element_rounding sr_float(mpfr_srcptr x, const format& f, rounding mode, std::uint64_t word,
                          int rbits) {
  const format_facts k = facts_of(f);
  if (f.subnormals != subnormal_mode::on || !f.has_zero || f.daz)
    throw format_error("reference stochastic rounding needs gradual underflow");
  const bool neg = mpfr_sgn(x) < 0;
  const rounding away_mode = neg ? rounding::down : rounding::up;
  const round_result z = round_exact(x, f, rounding::toward_zero);
  if (z.ternary == 0 || std::isnan(z.value) || mpfr_zero_p(x))
    return {z.value, (z.flags & flag::overflow) != 0, (z.flags & flag::saturated) != 0};
  mp ax, top;
  mpfr_abs(ax, x, MPFR_RNDN);
  const int m = k.p - 1;
  // The first grid point above largest, on the grid unbounded above.
  mpfr_set_d(top, k.largest, MPFR_RNDN);
  {
    mp ulp;
    mpfr_set_ui_2exp(ulp, 1, k.emax - m, MPFR_RNDN);
    mpfr_add(top, top, ulp, MPFR_RNDN);
  }
  if (mpfr_cmp(ax, top) >= 0) {
    const round_result r = round_exact(x, f, away_mode);
    return {r.value, true, (r.flags & flag::saturated) != 0};
  }
  const double lo = std::min(std::fabs(z.value), k.largest);
  long q;  // exponent of the grid spacing at lo
  if (lo == 0) {
    q = k.emin - m;
  } else {
    int ex = 0;
    std::frexp(lo, &ex);
    q = std::max(ex - 1, k.emin) - m;
  }
  mp frac(work_prec + 200);
  mpfr_sub_d(frac, ax, lo, MPFR_RNDN);  // exact at this precision
  mpfr_mul_2si(frac, frac, -q, MPFR_RNDN);
  bool away;
  if (mode == rounding::stochastic) {
    mpfr_mul_2si(frac, frac, rbits, MPFR_RNDN);
    mpfr_floor(frac, frac);
    const std::uint64_t t = mpfr_get_uj(frac, MPFR_RNDZ);
    away = (word >> (64 - rbits)) < t;
  } else {
    away = (word >> 63) != 0;
  }
  if (!away) {
    double v = lo;
    if (neg) v = (lo == 0 && !k.has_negative_zero) ? 0.0 : -lo;
    return {v, false, false};
  }
  const double hi = lo + std::ldexp(1.0, static_cast<int>(q));
  if (hi > k.largest) {
    const round_result r = round_exact(x, f, away_mode);
    return {r.value, true, (r.flags & flag::saturated) != 0};
  }
  return {neg ? -hi : hi, false, false};
}

// Rounds the exact x to an integer element: k * 2^-f with k in the clamped range.
element_rounding round_integer(mpfr_srcptr x, const element_format& e, rounding mode,
                               std::uint64_t word, int rbits) {
  if (mpfr_nan_p(x)) return {std::numeric_limits<double>::quiet_NaN(), false, false};
  const double hi = std::ldexp(static_cast<double>((std::int64_t{1} << (e.int_bits - 1)) - 1), 0);
  const double lo = e.symmetric ? -hi : -std::ldexp(1.0, e.int_bits - 1);
  const bool neg = mpfr_sgn(x) < 0;
  double k = 0;
  if (mpfr_inf_p(x)) {
    k = neg ? -INFINITY : INFINITY;
  } else {
    mp y(work_prec + 200), t(work_prec + 200), frac(work_prec + 200);
    mpfr_mul_2si(y, x, e.fraction_bits, MPFR_RNDN);
    mpfr_abs(y, y, MPFR_RNDN);
    mpfr_floor(t, y);
    mpfr_sub(frac, y, t, MPFR_RNDN);
    const bool inexact = !mpfr_zero_p(frac);
    const int half = mpfr_cmp_d(frac, 0.5);  // <0, 0, >0
    const bool odd = mpfr_integer_p(t) && std::fmod(mpfr_get_d(t, MPFR_RNDN), 2.0) != 0;
    bool up = false;
    switch (mode) {
      case rounding::nearest_even: up = half > 0 || (half == 0 && odd); break;
      case rounding::nearest_away: up = half >= 0; break;
      case rounding::nearest_zero: up = half > 0; break;
      case rounding::up: up = inexact && !neg; break;
      case rounding::down: up = inexact && neg; break;
      case rounding::toward_zero: up = false; break;
      case rounding::odd: up = inexact && !odd; break;
      case rounding::stochastic: {
        mpfr_mul_2si(frac, frac, rbits, MPFR_RNDN);
        mpfr_floor(frac, frac);
        up = (word >> (64 - rbits)) < mpfr_get_uj(frac, MPFR_RNDZ);
        break;
      }
      case rounding::stochastic_equal: up = inexact && (word >> 63) != 0; break;
    }
    if (up) mpfr_add_ui(t, t, 1, MPFR_RNDN);
    k = mpfr_get_d(t, MPFR_RNDN);  // huge magnitudes only need to compare beyond the range
    if (neg) k = -k;
  }
  element_rounding r{0, false, false};
  if (k > hi) {
    k = hi;
    r.overflow = r.saturated = true;
  } else if (k < lo) {
    k = lo;
    r.overflow = r.saturated = true;
  }
  r.value = k == 0 ? 0.0 : std::ldexp(k, -e.fraction_bits);
  return r;
}

// The exponent range of the powers of two a scale format holds.
void pow2_bounds(const format& s, long& lo, long& hi) {
  const format_facts k = facts_of(s);
  lo = (s.has_zero && s.subnormals == subnormal_mode::on) ? k.emin - (k.p - 1) : k.emin;
  hi = k.emax;
}

// Does the element rounding of the positive x overflow max_elem.
bool ref_overflows(mpfr_srcptr x, const element_format& e, rounding mode, std::uint64_t word,
                   int rbits) {
  return round_element(x, e, mode, word, rbits).overflow;
}

}  // namespace

element_rounding round_element(mpfr_srcptr x, const element_format& e, rounding mode,
                               std::uint64_t word, int rbits) {
  if (e.is_integer) return round_integer(x, e, mode, word, rbits);
  if (is_stochastic(mode) && mpfr_regular_p(x)) return sr_float(x, e.fp, mode, word, rbits);
  const round_result r = round_exact(x, e.fp, is_stochastic(mode) ? rounding::toward_zero : mode);
  return {r.value, (r.flags & flag::overflow) != 0, (r.flags & flag::saturated) != 0};
}

std::uint32_t code_of(double v, const format& f) {
  const int m = f.mantissa_bits;
  const int e = f.exponent_bits;
  const std::uint64_t top = (std::uint64_t{1} << e) - 1;
  const std::uint64_t sign = (f.is_signed && std::signbit(v)) ? std::uint64_t{1} << (e + m) : 0;
  if (std::isnan(v)) {
    switch (f.specials) {
      case specials_mode::ieee: return static_cast<std::uint32_t>((top << m) | (std::uint64_t{1} << (m - 1)));
      case specials_mode::fn: return static_cast<std::uint32_t>((top << m) | ((std::uint64_t{1} << m) - 1));
      case specials_mode::fnuz: return static_cast<std::uint32_t>(std::uint64_t{1} << (e + m));
      case specials_mode::finite: return 0;
    }
  }
  if (std::isinf(v)) return static_cast<std::uint32_t>(sign | (top << m));
  if (v == 0) return static_cast<std::uint32_t>(f.specials == specials_mode::fnuz ? 0 : sign);
  const format_facts k = facts_of(f);
  const double a = std::fabs(v);
  int ex = 0;
  std::frexp(a, &ex);
  const int E = ex - 1;
  std::uint64_t field, mant;
  if (E < k.emin) {
    field = 0;
    mant = static_cast<std::uint64_t>(std::ldexp(a, -(k.emin - m)));
  } else {
    field = static_cast<std::uint64_t>(E + f.bias);
    mant = static_cast<std::uint64_t>(std::ldexp(a, -(E - m))) - (std::uint64_t{1} << m);
  }
  return static_cast<std::uint32_t>(sign | (field << m) | mant);
}

block_result quantize_blocks(const double* in, std::size_t rows, std::size_t cols,
                             const block_spec& spec, const block_options& opt) {
  if (std::string why = spec.validate(); !why.empty()) throw format_error(why);
  block_result res;
  const std::size_t n = rows * cols;
  res.dequantized.assign(n, 0.0);
  res.element_codes.assign(n, 0);
  if (n == 0) return res;
  const element_format& E = spec.element;
  const random_stream elem_random(opt.seed, opt.stream);
  const random_stream scale_random(opt.seed, opt.stream ^ 0x8000000000000000ULL);
  const bool sr = is_stochastic(opt.mode);
  mp M;
  largest_of(M, E);
  const long emax_elem = mpfr_get_exp(M.v) - 1;  // MPFR: M = 0.1xxx * 2^exp
  long e_lo = 0, e_hi = 0;
  if (spec.has_scale) pow2_bounds(spec.scale, e_lo, e_hi);
  format scale_sat = spec.scale;
  scale_sat.overflow = overflow_mode::saturate;

  // Tensor scale: amax over finite elements / (scale max * max_elem), binary32, RNE, saturating.
  double s_t = 1.0;
  if (spec.tensor_scale) {
    double at = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (std::isfinite(in[i])) at = std::max(at, std::fabs(in[i]));
    mp q, den;
    mpfr_set_d(den, facts_of(spec.scale).largest, MPFR_RNDN);
    mpfr_mul(den, den, M, MPFR_RNDN);  // exact at 400 bits
    quotient(q, at, mpfr_get_d(den, MPFR_RNDN));
    format b32 = formats::binary32;
    b32.overflow = overflow_mode::saturate;
    s_t = round_exact(q, b32, rounding::nearest_even).value;
    res.tensor_scale_code = std::bit_cast<std::uint32_t>(static_cast<float>(s_t));
  }

  const std::size_t tr = spec.tile_rows ? spec.tile_rows : rows;
  const std::size_t tc = spec.tile_cols ? spec.tile_cols : cols;
  const std::size_t nbr = (rows + tr - 1) / tr, nbc = (cols + tc - 1) / tc;
  if (spec.has_scale) res.scale_codes.assign(nbr * nbc, 0);
  block_counters& K = res.counters;
  for (std::size_t b = 0; b < nbr * nbc; ++b) {
    std::vector<std::size_t> idx;
    for (std::size_t r = (b / nbc) * tr; r < std::min(rows, (b / nbc + 1) * tr); ++r)
      for (std::size_t c = (b % nbc) * tc; c < std::min(cols, (b % nbc + 1) * tc); ++c)
        idx.push_back(r * cols + c);
    ++K.blocks;
    K.elements += idx.size();
    bool nonfinite = false;
    double amax = 0;
    std::size_t amax_i = idx[0];
    for (std::size_t i : idx) {
      if (!std::isfinite(in[i]))
        nonfinite = true;
      else if (std::fabs(in[i]) > amax) {
        amax = std::fabs(in[i]);
        amax_i = i;
      }
    }
    // The block's scale: value s (dequantization) and divisor d (elements are v / d).
    bool zero_scale = false;
    double s = 1.0, d = 1.0;
    if (spec.has_scale) {
      if (nonfinite) {
        res.scale_codes[b] = code_of(std::numeric_limits<double>::quiet_NaN(), spec.scale);
        for (std::size_t i : idx) {
          res.dequantized[i] = std::numeric_limits<double>::quiet_NaN();
          res.element_codes[i] = 0;
        }
        K.nan += idx.size();
        ++K.nan_blocks;
        continue;
      }
      if (amax == 0) ++K.zero_blocks;
      if (amax == 0 || (spec.tensor_scale && s_t == 0)) {
        zero_scale = true;
      } else if (spec.rule == scale_rule::amax) {
        mp q;
        mp den;
        mpfr_mul_d(den, M, s_t, MPFR_RNDN);  // exact
        quotient(q, amax, mpfr_get_d(den, MPFR_RNDN));
        double sv;
        if (is_stochastic(spec.scale_rounding))
          sv = sr_float(q, scale_sat, spec.scale_rounding, scale_random(b), opt.rbits).value;
        else
          sv = round_exact(q, scale_sat, spec.scale_rounding).value;
        if (sv == 0) {
          zero_scale = true;
        } else {
          s = sv;
          d = sv * s_t;
          res.scale_codes[b] = code_of(sv, spec.scale);
        }
      } else {
        mp A, P;
        mpfr_set_d(A, amax, MPFR_RNDN);
        long e = 0;
        // ceil: the smallest e with amax <= M * 2^e, searched upward from below.
        long ec = (mpfr_get_exp(A.v) - mpfr_get_exp(M.v)) - 3;
        for (;; ++ec) {
          mpfr_mul_2si(P, M, ec, MPFR_RNDN);
          if (mpfr_cmp(A, P) <= 0) break;
        }
        if (spec.rule == scale_rule::floor) {
          e = (mpfr_get_exp(A.v) - 1) - emax_elem;
        } else if (spec.rule == scale_rule::ceil) {
          e = ec;
        } else {  // fit: the smallest e whose rounding of amax / 2^e does not overflow
          const std::uint64_t w = sr ? elem_random(amax_i) : 0;
          for (e = ec - 4;; ++e) {
            mpfr_div_2si(P, A, e, MPFR_RNDN);
            if (!ref_overflows(P, E, opt.mode, w, opt.rbits)) break;
          }
        }
        e = std::clamp(e, e_lo, e_hi);
        s = d = std::ldexp(1.0, static_cast<int>(e));
        res.scale_codes[b] = code_of(s, spec.scale);
      }
      if (zero_scale) {
        res.scale_codes[b] = 0;
        s = 0;  // value of code 0
        if (!spec.scale.has_zero) s = std::ldexp(1.0, static_cast<int>(e_lo));
      }
    }
    for (std::size_t i : idx) {
      const double v = in[i];
      mp x;
      element_rounding r{};
      bool clipped = false;
      if (zero_scale) {
        mpfr_set_zero(x, std::signbit(v) ? -1 : 1);
        r = round_element(x, E, opt.mode, 0, opt.rbits);
      } else {
        if (spec.has_scale)
          quotient(x, v, d);
        else
          mpfr_set_d(x, v, MPFR_RNDN);
        r = round_element(x, E, opt.mode, sr ? elem_random(i) : 0, opt.rbits);
        if (!mpfr_nan_p(x)) {  // an infinite input of an unscaled block clips too
          if (E.is_integer) {
            mp lo;
            mpfr_neg(lo, M, MPFR_RNDN);
            if (!E.symmetric) mpfr_set_si_2exp(lo, -1, E.int_bits - 1 - E.fraction_bits, MPFR_RNDN);
            clipped = mpfr_cmp(x, M) > 0 || mpfr_cmp(x, lo) < 0;
          } else {
            clipped = mpfr_cmpabs(x, M) > 0;
          }
        }
      }
      if (clipped) ++K.clipped;
      if (r.saturated) ++K.saturated;
      if (v != 0 && r.value == 0) ++K.flushed;
      if (std::isnan(r.value)) ++K.nan;
      res.element_codes[i] = E.is_integer
                                 ? static_cast<std::uint32_t>(
                                       static_cast<std::uint64_t>(static_cast<std::int64_t>(
                                           std::ldexp(std::isnan(r.value) ? 0.0 : r.value,
                                                      E.fraction_bits))) &
                                       ((std::uint64_t{1} << E.int_bits) - 1))
                                 : code_of(r.value, E.fp);
      // dequantized = element * s (* s_t), the exact product rounded once to binary64.
      if (!spec.has_scale || std::isnan(r.value)) {
        res.dequantized[i] = r.value;
      } else {
        mp prod;
        mpfr_set_d(prod, r.value, MPFR_RNDN);
        mpfr_mul_d(prod, prod, s, MPFR_RNDN);
        if (spec.tensor_scale) mpfr_mul_d(prod, prod, s_t, MPFR_RNDN);
        res.dequantized[i] = mpfr_get_d(prod, MPFR_RNDN);
      }
    }
  }
  return res;
}

}  // namespace lowp::reference
