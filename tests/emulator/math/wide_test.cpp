// Tests lowp/wide.hpp: (1) on formats that fit binary64 it gives lowp::round's bits, ternary
// and flags in every mode (stochastic included, same random words) and every policy; (2) on
// binary128 (E15M112), E8M60 and E11M60 it matches MPFR's own rounding with the subnormalize
// recipe (rne, ru, rd, rz; ro and rna from MPFR's neighbours) on random values spanning the
// subnormal and overflow ranges, and ops against exact MPFR results; (3) stochastic frequencies.
#include <doctest/doctest.h>
#include <mpfr.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "lowp/wide.hpp"

using namespace lowp;

namespace {

struct mp {
  mpfr_t v;
  explicit mp(mpfr_prec_t p = 53) { mpfr_init2(v, p); }
  ~mp() { mpfr_clear(v); }
  mp(const mp&) = delete;
  mp& operator=(const mp&) = delete;
};

std::uint64_t bits(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// The wide result as a binary64 (exact when the format fits binary64).
double as_double(const wide::result& r) { return mpfr_get_d(r.value(), MPFR_RNDN); }

}  // namespace

TEST_CASE("wide: equals lowp::round on formats that fit binary64, every mode and policy") {
  std::vector<format> fs;
  for (const named_format& n : presets) fs.push_back(n.value);
  for (const char* s : {"binary16,subnormals=off", "binary16,subnormals=ftz", "bfloat16,daz=on",
                        "e4m3fn,overflow=saturate", "E5M2,signed=no", "E4M3,zero=no,subnormals=off",
                        "E3M4,specials=finite", "E6M20,subnormals=ftz,daz=on"})
    fs.push_back(parse_format(s));
  std::mt19937_64 rng(3);
  long checked = 0, mismatches = 0;
  mp x(53);
  for (const format& f : fs) {
    std::vector<double> in = {0.0, -0.0, INFINITY, -INFINITY, std::nan(""), 1.0, -1.0};
    for (int i = 0; i < 3000; ++i) {
      const double m = std::ldexp(std::uniform_real_distribution<double>(1, 2)(rng),
                                  static_cast<int>(rng() % 300) - 150);
      in.push_back((rng() & 1) ? -m : m);
      in.push_back(std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 80) - 100));
    }
    for (double d : in)
      for (rounding mode : all_roundings) {
        const std::uint64_t word = rng();
        const int rbits = 1 + static_cast<int>(rng() % 64);
        const round_result want = lowp::round(d, f, mode, word, rbits);
        mpfr_set_d(x.v, d, MPFR_RNDN);
        const wide::result got = wide::round(x.v, f, mode, word, rbits);
        const double g = as_double(got);
        const bool ok = (std::isnan(want.value) ? std::isnan(g)
                                                : (bits(g) == bits(want.value))) &&
                        got.ternary == want.ternary && got.flags == want.flags;
        if (!ok && ++mismatches <= 10)
          MESSAGE("MISMATCH " << to_string(f) << " " << short_name(mode) << " x=" << d << " got "
                              << g << " t=" << got.ternary << " f=" << got.flags << " want "
                              << want.value << " t=" << want.ternary << " f=" << want.flags);
        ++checked;
      }
  }
  MESSAGE(checked << " roundings compared");
  CHECK(mismatches == 0);
}

namespace {

// MPFR's rounding of x to an IEEE-style format (p, emin, emax) in an MPFR direction with the
// subnormalize recipe: value into y, returns the ternary; overflow and tininess reported.
int mpfr_reference(mpfr_ptr y, mpfr_srcptr x, int p, long emin, long emax, mpfr_rnd_t rnd,
                   bool& overflow, bool& tiny) {
  const mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
  // Tininess after rounding: x rounded to p bits with an unbounded exponent is below 2^emin.
  mp u(p);
  mpfr_set(u.v, x, rnd);
  tiny = !mpfr_zero_p(u.v) && mpfr_get_exp(u.v) - 1 < emin;
  mpfr_set_emin(emin - p + 2);
  mpfr_set_emax(emax + 1);
  mpfr_clear_flags();
  mpfr_set_prec(y, p);
  int t = mpfr_set(y, x, rnd);
  t = mpfr_check_range(y, t, rnd);
  t = mpfr_subnormalize(y, t, rnd);
  overflow = mpfr_overflow_p() != 0;
  mpfr_set_emin(old_emin);
  mpfr_set_emax(old_emax);
  return t;
}

struct wide_format {
  const char* name;
  format f;
};

}  // namespace

TEST_CASE("wide: binary128, E8M60, E11M60, E20M200, E15M3, E12M10 against MPFR's recipe") {
  const wide_format fs[] = {{"E15M112", ieee_format(15, 112)},
                            {"E8M60", ieee_format(8, 60)},
                            {"E11M60", ieee_format(11, 60)},
                            {"E20M200", ieee_format(20, 200)},
                            {"E15M3", ieee_format(15, 3)},
                            {"E12M10", ieee_format(12, 10)}};
  std::mt19937_64 rng(17);
  long mismatches = 0, checked = 0;
  for (const wide_format& w : fs) {
    const format& f = w.f;
    const int p = f.precision();
    const long emin = f.emin(), emax = f.emax();
    mp x(p + 100), y(p), lo(p), hi(p), mid(p + 8);
    gmp_randstate_t st;
    gmp_randinit_default(st);
    gmp_randseed_ui(st, 99);
    for (int i = 0; i < 4000; ++i) {
      // A random significand of p + 100 bits, the exponent over the whole range and beyond.
      mpfr_urandomb(x.v, st);
      if (mpfr_zero_p(x.v)) continue;
      const long span = emax - emin + p + 20;
      long e = emin - p - 5 + static_cast<long>(rng() % static_cast<std::uint64_t>(span));
      if (i % 4 == 0) e = emin - static_cast<long>(rng() % static_cast<std::uint64_t>(p + 4));
      if (i % 4 == 1) e = emax + 1 - static_cast<long>(rng() % 3);
      if (i % 8 == 2) {  // a midpoint or a grid value of the format, exactly
        mp shortx(p + 1);
        mpfr_set(shortx.v, x.v, MPFR_RNDN);
        mpfr_set(x.v, shortx.v, MPFR_RNDN);
      }
      mpfr_set_exp(x.v, static_cast<mpfr_exp_t>(e));
      if (rng() & 1) mpfr_neg(x.v, x.v, MPFR_RNDN);
      const struct {
        rounding mode;
        mpfr_rnd_t rnd;
      } direct[] = {{rounding::nearest_even, MPFR_RNDN}, {rounding::up, MPFR_RNDU},
                    {rounding::down, MPFR_RNDD},         {rounding::toward_zero, MPFR_RNDZ}};
      for (const auto& d : direct) {
        bool ov = false, tiny = false;
        const int t = mpfr_reference(y.v, x.v, p, emin, emax, d.rnd, ov, tiny);
        const wide::result got = wide::round(x.v, f, d.mode);
        const int want_t = (t > 0) - (t < 0);
        unsigned want_flags = t ? flag::inexact : 0;
        if (ov) want_flags |= flag::overflow | flag::inexact;
        if (tiny && t) want_flags |= flag::underflow;
        if (mpfr_zero_p(y.v)) want_flags |= flag::flushed;
        const bool ok = mpfr_equal_p(got.value(), y.v) && (mpfr_signbit(got.value()) != 0) ==
                                                               (mpfr_signbit(y.v) != 0) &&
                        got.ternary == want_t && got.flags == want_flags;
        if (!ok && ++mismatches <= 10)
          MESSAGE("MISMATCH " << std::string(w.name) << " " << short_name(d.mode) << " x="
                              << wide::to_hex(x.v) << " got " << wide::to_hex(got.value())
                              << " t=" << got.ternary << " f=" << got.flags << " want "
                              << wide::to_hex(y.v) << " t=" << want_t << " f=" << want_flags);
        ++checked;
      }
      // ro and rna from MPFR's two neighbours (finite ones only).
      bool ov1 = false, ov2 = false, tiny = false;
      const int tl = mpfr_reference(lo.v, x.v, p, emin, emax, MPFR_RNDD, ov1, tiny);
      mpfr_reference(hi.v, x.v, p, emin, emax, MPFR_RNDU, ov2, tiny);
      if (tl != 0 && !ov1 && !ov2 && mpfr_number_p(lo.v) && mpfr_number_p(hi.v)) {
        const wide::result odd = wide::round(x.v, f, rounding::odd);
        // The odd one of the two: its last significand bit (at the grid quantum) is set.
        const wide::result rz = wide::round(x.v, f, rounding::toward_zero);
        const bool rz_is_lo = mpfr_equal_p(rz.value(), lo.v) != 0;
        mpfr_srcptr other = rz_is_lo ? hi.v : lo.v;
        // Exactly one of lo, hi is odd; odd(x) is it, so |odd| differs from rz unless rz is odd.
        const bool took_rz = mpfr_equal_p(odd.value(), rz.value()) != 0;
        const bool took_other = mpfr_equal_p(odd.value(), other) != 0;
        CHECK((took_rz || took_other));
        mpfr_add(mid.v, lo.v, hi.v, MPFR_RNDN);
        mpfr_div_2ui(mid.v, mid.v, 1, MPFR_RNDN);
        const int c = mpfr_cmpabs(x.v, mid.v);
        const wide::result rna = wide::round(x.v, f, rounding::nearest_away);
        const bool away_is_hi = mpfr_sgn(x.v) > 0;
        mpfr_srcptr want = c > 0 ? (away_is_hi ? hi.v : lo.v)
                                 : c < 0 ? (away_is_hi ? lo.v : hi.v)
                                         : (away_is_hi ? hi.v : lo.v);
        if (!mpfr_equal_p(rna.value(), want) && ++mismatches <= 10)
          MESSAGE("MISMATCH rna " << std::string(w.name) << " x=" << wide::to_hex(x.v));
        ++checked;
      }
    }
    gmp_randclear(st);
  }
  MESSAGE(checked << " roundings compared");
  CHECK(mismatches == 0);
}

TEST_CASE("wide: operations on binary128 against exact MPFR results") {
  const format f = ieee_format(15, 112);
  const int p = f.precision();
  gmp_randstate_t st;
  gmp_randinit_default(st);
  gmp_randseed_ui(st, 5);
  std::mt19937_64 rng(8);
  mp a(p), b(p), c(p), exact(4000), y(p);
  long mismatches = 0;
  for (int i = 0; i < 3000; ++i) {
    mp* ops[3] = {&a, &b, &c};
    for (mp* o : ops) {
      mpfr_urandomb(o->v, st);
      if (mpfr_zero_p(o->v)) mpfr_set_ui(o->v, 1, MPFR_RNDN);
      mpfr_set_exp(o->v, static_cast<mpfr_exp_t>(static_cast<long>(rng() % 200) - 100));
      if (rng() & 1) mpfr_neg(o->v, o->v, MPFR_RNDN);
    }
    if (i % 5 == 0) mpfr_neg(b.v, a.v, MPFR_RNDN);  // cancellation to zero in add
    for (int k = 0; k < 4; ++k) {
      // add, mul, fma: exact at 4000 bits (exponents within 200); then MPFR's recipe in rne/rd.
      switch (k) {
        case 0: mpfr_add(exact.v, a.v, b.v, MPFR_RNDN); break;
        case 1: mpfr_mul(exact.v, a.v, b.v, MPFR_RNDN); break;
        case 2: mpfr_fma(exact.v, a.v, b.v, c.v, MPFR_RNDN); break;
        default: break;
      }
      for (const auto& [mode, rnd] : {std::pair{rounding::nearest_even, MPFR_RNDN},
                                      std::pair{rounding::down, MPFR_RNDD}}) {
        wide::result got;
        bool ov = false, tiny = false;
        int t;
        if (k == 3) {  // div: MPFR divides correctly rounded itself, within the format's range
          got = wide::div(a.v, b.v, f, mode);
          const mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
          mpfr_set_emin(f.emin() - p + 2);
          mpfr_set_emax(f.emax() + 1);
          t = mpfr_div(y.v, a.v, b.v, rnd);
          t = mpfr_subnormalize(y.v, t, rnd);
          mpfr_set_emin(old_emin);
          mpfr_set_emax(old_emax);
        } else {
          got = k == 0 ? wide::add(a.v, b.v, f, mode)
                       : k == 1 ? wide::mul(a.v, b.v, f, mode) : wide::fma(a.v, b.v, c.v, f, mode);
          if (mpfr_zero_p(exact.v)) {
            // IEEE: x + (-x) = +0, -0 in rounding down.
            mpfr_set_zero(y.v, mode == rounding::down ? -1 : 1);
            t = 0;
          } else {
            t = mpfr_reference(y.v, exact.v, p, f.emin(), f.emax(), rnd, ov, tiny);
          }
        }
        const bool ok = mpfr_equal_p(got.value(), y.v) &&
                        (mpfr_signbit(got.value()) != 0) == (mpfr_signbit(y.v) != 0) &&
                        got.ternary == (t > 0) - (t < 0);
        if (!ok && ++mismatches <= 10)
          MESSAGE("MISMATCH op " << k << " " << short_name(mode) << " a=" << wide::to_hex(a.v)
                                 << " b=" << wide::to_hex(b.v) << " got "
                                 << wide::to_hex(got.value()) << " want " << wide::to_hex(y.v));
      }
    }
  }
  gmp_randclear(st);
  CHECK(mismatches == 0);
  // sqrt(2) in binary128, rne (0x1.6a09e667f3bcc908b2fb1366ea95p+0, MPFR / IEEE quad).
  mpfr_set_ui(a.v, 2, MPFR_RNDN);
  CHECK(wide::to_hex(wide::sqrt(a.v, f, rounding::nearest_even).value()) ==
        "0x1.6a09e667f3bcc908b2fb1366ea95p+0");
  // Invalid and divide-by-zero.
  mpfr_set_si(a.v, -1, MPFR_RNDN);
  const wide::result s = wide::sqrt(a.v, f, rounding::nearest_even);
  CHECK(mpfr_nan_p(s.value()));
  CHECK(s.flags == (flag::invalid | flag::nan_created));
  mpfr_set_zero(b.v, 1);
  const wide::result d = wide::div(a.v, b.v, f, rounding::nearest_even);
  CHECK(mpfr_inf_p(d.value()));
  CHECK(mpfr_sgn(d.value()) < 0);
  CHECK(d.flags == flag::divide_by_zero);
}

TEST_CASE("wide: stochastic rounding of 1/3 in E8M60 and binary128 by frequency") {
  const random_stream rs(77, 1);
  std::uint64_t index = 0;
  for (const format& f : {ieee_format(8, 60), ieee_format(15, 112)}) {
    mp third(400), one(53);
    mpfr_set_ui(one.v, 1, MPFR_RNDN);
    mpfr_div_ui(third.v, one.v, 3, MPFR_RNDN);
    // 1/3 = 0.0101...b: the fraction beyond an even number of significand bits is 1/3 or 2/3.
    const wide::result down = wide::round(third.v, f, rounding::toward_zero);
    const wide::result up = wide::round(third.v, f, rounding::up);
    mp d(800), q(800);
    mpfr_sub(d.v, third.v, down.value(), MPFR_RNDN);
    mpfr_sub(q.v, up.value(), down.value(), MPFR_RNDN);
    mpfr_div(d.v, d.v, q.v, MPFR_RNDN);
    const double prob = mpfr_get_d(d.v, MPFR_RNDN);
    const int n = 20000;
    int away = 0;
    for (int i = 0; i < n; ++i) {
      const wide::result r = wide::round(third.v, f, rounding::stochastic, rs(index++));
      const bool is_up = mpfr_equal_p(r.value(), up.value()) != 0;
      CHECK((is_up || mpfr_equal_p(r.value(), down.value())));
      away += is_up;
    }
    const double sigma = std::sqrt(n * prob * (1 - prob));
    CHECK(std::fabs(away - n * prob) <= 6 * sigma);
    CHECK((std::fabs(prob - 1.0 / 3) < 1e-9 || std::fabs(prob - 2.0 / 3) < 1e-9));
  }
}

TEST_CASE("wide: parse reads decimals exactly and rounds once") {
  const format f = ieee_format(15, 112);
  mp x(2);
  REQUIRE(wide::parse("0.1", x.v, f));
  CHECK(wide::to_hex(wide::round(x.v, f, rounding::nearest_even).value()) ==
        "0x1.999999999999999999999999999ap-4");
  CHECK(wide::to_hex(wide::round(x.v, f, rounding::toward_zero).value()) ==
        "0x1.9999999999999999999999999999p-4");
  REQUIRE(wide::parse("-0x1.8p-16494", x.v, f));  // 1.5 x the smallest subnormal: tie -> even
  // 2^-16493 (MPFR's %Ra keeps the binary exponent a multiple of 4).
  CHECK(wide::to_hex(wide::round(x.v, f, rounding::nearest_even).value()) == "-0x8p-16496");
  CHECK(!wide::parse("0.1x", x.v, f));
  CHECK(!wide::parse("", x.v, f));
  CHECK(!wide::parse("nan(1)", x.v, f));
  REQUIRE(wide::parse("-inf", x.v, f));
  CHECK(mpfr_inf_p(x.v));
}

TEST_CASE("wide: stochastic rounding equals the exact-fraction rule for every random word tried") {
  // binary128 and E20M200: the away-from-zero probability is the exact fraction's first rbits
  // bits, computed here from MPFR's neighbours.
  std::mt19937_64 rng(23);
  gmp_randstate_t st;
  gmp_randinit_default(st);
  gmp_randseed_ui(st, 31);
  long checked = 0, mismatches = 0;
  for (const format& f : {ieee_format(15, 112), ieee_format(20, 200)}) {
    const int p = f.precision();
    mp x(p + 100), d(p + 400), q(p + 400);
    for (int i = 0; i < 500; ++i) {
      mpfr_urandomb(x.v, st);
      if (mpfr_zero_p(x.v)) continue;
      mpfr_set_exp(x.v, static_cast<mpfr_exp_t>(static_cast<long>(rng() % 2000) - 1000));
      if (rng() & 1) mpfr_neg(x.v, x.v, MPFR_RNDN);
      const bool negative = mpfr_sgn(x.v) < 0;
      const wide::result toward = wide::round(x.v, f, rounding::toward_zero);
      const wide::result away = wide::round(x.v, f, negative ? rounding::down : rounding::up);
      if (toward.ternary == 0) continue;
      // |x - toward| exactly (x and toward share a sign; p + 400 bits hold the difference).
      mpfr_sub(d.v, x.v, toward.value(), MPFR_RNDN);
      mpfr_abs(d.v, d.v, MPFR_RNDN);
      mpfr_sub(q.v, away.value(), toward.value(), MPFR_RNDN);
      mpfr_abs(q.v, q.v, MPFR_RNDN);
      mpfr_div(d.v, d.v, q.v, MPFR_RNDZ);
      mpfr_mul_2ui(d.v, d.v, 64, MPFR_RNDN);
      mpfr_floor(d.v, d.v);
      const std::uint64_t frac64 = mpfr_get_uj(d.v, MPFR_RNDN);
      for (int k = 0; k < 12; ++k) {
        std::uint64_t r = rng();
        if (k < 3) r = frac64 + static_cast<std::uint64_t>(k) - 1;
        const int rbits = k % 2 ? 64 : 1 + static_cast<int>(rng() % 64);
        const int drop = 64 - rbits;
        const bool want_away = (r >> drop) < (frac64 >> drop);
        const wide::result got = wide::round(x.v, f, rounding::stochastic, r, rbits);
        const wide::result& want = want_away ? away : toward;
        if ((!mpfr_equal_p(got.value(), want.value()) || got.ternary != want.ternary ||
             got.flags != want.flags) &&
            ++mismatches <= 10)
          MESSAGE("MISMATCH sr " << to_string(f) << " x=" << wide::to_hex(x.v) << " r=" << r
                                 << " rbits=" << rbits);
        const wide::result eq = wide::round(x.v, f, rounding::stochastic_equal, r, rbits);
        const wide::result& want_eq = (r >> 63) ? away : toward;
        if (!mpfr_equal_p(eq.value(), want_eq.value()) && ++mismatches <= 10)
          MESSAGE("MISMATCH sre " << to_string(f) << " x=" << wide::to_hex(x.v));
        ++checked;
      }
    }
  }
  gmp_randclear(st);
  MESSAGE(checked << " stochastic roundings compared");
  CHECK(checked > 5000);
  CHECK(mismatches == 0);
}

namespace {

const math::function every_function[] = {
    math::function::exp,   math::function::expm1, math::function::exp2,  math::function::exp10,
    math::function::log,   math::function::log1p, math::function::log2,  math::function::log10,
    math::function::sin,   math::function::cos,   math::function::tan,   math::function::asin,
    math::function::acos,  math::function::atan,  math::function::atan2, math::function::sinh,
    math::function::cosh,  math::function::tanh,  math::function::asinh, math::function::acosh,
    math::function::atanh, math::function::pow,   math::function::hypot, math::function::cbrt,
    math::function::erf,   math::function::erfc};

}  // namespace

TEST_CASE("wide::evaluate equals lowp::math on formats that fit binary64, every mode") {
  std::mt19937_64 rng(41);
  long checked = 0, mismatches = 0;
  mp x(53), y(53);
  for (const format& f : {formats::binary16, formats::bfloat16, formats::binary32, formats::e4m3fn})
    for (math::function fn : every_function)
      for (int i = 0; i < 40; ++i) {
        const double a = std::ldexp(std::uniform_real_distribution<double>(-2, 2)(rng),
                                    static_cast<int>(rng() % 16) - 6);
        const double b = (i % 5 == 0) ? 2.0 : std::uniform_real_distribution<double>(-6, 6)(rng);
        mpfr_set_d(x.v, a, MPFR_RNDN);
        mpfr_set_d(y.v, b, MPFR_RNDN);
        for (rounding mode : all_roundings) {
          const std::uint64_t word = rng();
          const round_result want = math::evaluate(fn, a, b, f, mode, word);
          const wide::result got = wide::evaluate(fn, x.v, y.v, f, mode, word);
          const double g = as_double(got);
          const bool ok = (std::isnan(want.value) ? std::isnan(g) : bits(g) == bits(want.value)) &&
                          got.ternary == want.ternary && got.flags == want.flags;
          if (!ok && ++mismatches <= 10)
            MESSAGE("MISMATCH " << math::name(fn) << "(" << a << ", " << b << ") "
                                << to_string(f) << " " << short_name(mode) << " got " << g
                                << " want " << want.value);
          ++checked;
        }
      }
  MESSAGE(checked << " evaluations compared");
  CHECK(mismatches == 0);
}

TEST_CASE("wide::evaluate on binary128 against MPFR's own rounding at 113 bits") {
  const format f = ieee_format(15, 112);
  const int p = f.precision();
  std::mt19937_64 rng(43);
  gmp_randstate_t st;
  gmp_randinit_default(st);
  gmp_randseed_ui(st, 47);
  mp x(p), y(p), want(p);
  long mismatches = 0, checked = 0;
  for (math::function fn : every_function)
    for (int i = 0; i < 30; ++i) {
      mpfr_urandomb(x.v, st);
      mpfr_mul_2si(x.v, x.v, static_cast<long>(rng() % 12) - 4, MPFR_RNDN);
      if (rng() & 1) mpfr_neg(x.v, x.v, MPFR_RNDN);
      mpfr_urandomb(y.v, st);
      mpfr_mul_ui(y.v, y.v, 8, MPFR_RNDN);
      for (const auto& [mode, rnd] :
           {std::pair{rounding::nearest_even, MPFR_RNDN}, std::pair{rounding::up, MPFR_RNDU},
            std::pair{rounding::down, MPFR_RNDD}, std::pair{rounding::toward_zero, MPFR_RNDZ}}) {
        const mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
        mpfr_set_emin(f.emin() - p + 2);
        mpfr_set_emax(f.emax() + 1);
        int t = 0;
        switch (fn) {
#define LOWP_CASE1(F) case math::function::F: t = mpfr_##F(want.v, x.v, rnd); break;
#define LOWP_CASE2(F) case math::function::F: t = mpfr_##F(want.v, x.v, y.v, rnd); break;
          LOWP_CASE1(exp) LOWP_CASE1(expm1) LOWP_CASE1(exp2) LOWP_CASE1(exp10) LOWP_CASE1(log)
          LOWP_CASE1(log1p) LOWP_CASE1(log2) LOWP_CASE1(log10) LOWP_CASE1(sin) LOWP_CASE1(cos)
          LOWP_CASE1(tan) LOWP_CASE1(asin) LOWP_CASE1(acos) LOWP_CASE1(atan) LOWP_CASE2(atan2)
          LOWP_CASE1(sinh) LOWP_CASE1(cosh) LOWP_CASE1(tanh) LOWP_CASE1(asinh) LOWP_CASE1(acosh)
          LOWP_CASE1(atanh) LOWP_CASE2(pow) LOWP_CASE2(hypot) LOWP_CASE1(cbrt) LOWP_CASE1(erf)
          LOWP_CASE1(erfc)
#undef LOWP_CASE1
#undef LOWP_CASE2
        }
        t = mpfr_subnormalize(want.v, t, rnd);
        mpfr_set_emin(old_emin);
        mpfr_set_emax(old_emax);
        const wide::result got = wide::evaluate(fn, x.v, y.v, f, mode);
        const bool both_nan = mpfr_nan_p(want.v) && mpfr_nan_p(got.value());
        const bool ok = both_nan || (mpfr_equal_p(got.value(), want.v) &&
                                     got.ternary == (t > 0) - (t < 0));
        if (!ok && ++mismatches <= 10)
          MESSAGE("MISMATCH " << math::name(fn) << "(" << wide::to_hex(x.v) << ") "
                              << short_name(mode) << " got " << wide::to_hex(got.value())
                              << " want " << wide::to_hex(want.v));
        ++checked;
      }
    }
  gmp_randclear(st);
  MESSAGE(checked << " binary128 evaluations compared");
  CHECK(mismatches == 0);
}
