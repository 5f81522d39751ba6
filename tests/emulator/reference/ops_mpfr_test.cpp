// Tests lowp/ops.hpp against the MPFR reference operations (lowp/reference.hpp): value bits (NaN
// payloads included), ternary and flags, zero mismatches, in every deterministic mode. Every pair
// of codes of e4m3fn, e5m2, e3m2fn and e2m1fn for add/sub/mul/div, every code for sqrt, random
// code triples for fma; binary16, bfloat16, tf32, binary32, E8M30, E11M40 and binary64 on random
// arbitrary binary64 operands; and generated hard cases on which binary64-then-round is wrong,
// counted so the test shows it can tell.
#include <doctest/doctest.h>

#include <atomic>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/ops.hpp"
#include "lowp/reference.hpp"
#include "lowp/round.hpp"
#include "sweep.hpp"

using namespace lowp;
using namespace lowp::formats;

namespace {

enum class op { add, sub, mul, div, sqrt, fma };
constexpr op all_ops[] = {op::add, op::sub, op::mul, op::div, op::sqrt, op::fma};

const char* op_name(op o) {
  switch (o) {
    case op::add: return "add";
    case op::sub: return "sub";
    case op::mul: return "mul";
    case op::div: return "div";
    case op::sqrt: return "sqrt";
    case op::fma: return "fma";
  }
  return "?";
}

struct operands {
  double a, b, c;
};

round_result core(op o, const operands& x, const format& f, rounding mode) {
  switch (o) {
    case op::add: return lowp::add(x.a, x.b, f, mode);
    case op::sub: return lowp::sub(x.a, x.b, f, mode);
    case op::mul: return lowp::mul(x.a, x.b, f, mode);
    case op::div: return lowp::div(x.a, x.b, f, mode);
    case op::sqrt: return lowp::sqrt(x.a, f, mode);
    case op::fma: return lowp::fma(x.a, x.b, x.c, f, mode);
  }
  return {};
}

round_result ref(op o, const operands& x, const format& f, rounding mode) {
  switch (o) {
    case op::add: return reference::add(x.a, x.b, f, mode);
    case op::sub: return reference::sub(x.a, x.b, f, mode);
    case op::mul: return reference::mul(x.a, x.b, f, mode);
    case op::div: return reference::div(x.a, x.b, f, mode);
    case op::sqrt: return reference::sqrt(x.a, f, mode);
    case op::fma: return reference::fma(x.a, x.b, x.c, f, mode);
  }
  return {};
}

// The approach of the peers: compute in binary64 (round to nearest even), then round once more.
round_result naive(op o, const operands& x, const format& f, rounding mode) {
  double v = 0;
  switch (o) {
    case op::add: v = x.a + x.b; break;
    case op::sub: v = x.a - x.b; break;
    case op::mul: v = x.a * x.b; break;
    case op::div: v = x.a / x.b; break;
    case op::sqrt: v = std::sqrt(x.a); break;
    case op::fma: v = std::fma(x.a, x.b, x.c); break;
  }
  return lowp::round(v, f, mode);
}

bool same(const round_result& a, const round_result& b) {
  return test::to_bits(a.value) == test::to_bits(b.value) && a.ternary == b.ternary &&
         a.flags == b.flags;
}

std::atomic<int> printed{0};

// Compares core and reference on every case in every deterministic mode; returns mismatches.
std::size_t compare(op o, const format& f, const std::vector<operands>& cases) {
  std::size_t bad = 0;
#pragma omp parallel for schedule(dynamic, 256) reduction(+ : bad)
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (rounding mode : deterministic_roundings) {
      const round_result e = ref(o, cases[i], f, mode);
      const round_result g = core(o, cases[i], f, mode);
      if (!same(e, g)) {
        ++bad;
        if (printed.fetch_add(1) < 25) {
#pragma omp critical
          std::printf("%s %s %s (%s, %s, %s): MPFR %s, lowp %s\n", op_name(o), to_string(f).c_str(),
                      std::string(short_name(mode)).c_str(), reference::to_hex(cases[i].a).c_str(),
                      reference::to_hex(cases[i].b).c_str(), reference::to_hex(cases[i].c).c_str(),
                      test::describe(e).c_str(), test::describe(g).c_str());
        }
      }
    }
  }
  return bad;
}

// Every value of a format (NaN codes included, as decode gives them).
std::vector<double> all_values(const format& f) {
  std::vector<double> v;
  for (std::uint64_t code = 0; code < (std::uint64_t{1} << f.width()); ++code)
    if (const std::optional<double> d = decode(code, f)) v.push_back(*d);
  return v;
}

// A random binary64: sign, exponent in [lo, hi], random 52-bit fraction; occasionally with few
// significant bits (values of narrow formats) or one of the special inputs.
double random_double(std::mt19937_64& rng, int lo, int hi) {
  const std::uint64_t r = rng();
  const int kind = static_cast<int>(r % 16);
  if (kind == 0) {
    static const std::vector<double> specials = test::special_inputs();
    return specials[rng() % specials.size()];
  }
  std::uint64_t frac = rng() & 0x000fffffffffffffULL;
  if (kind < 6) frac &= ~((std::uint64_t{1} << (52 - static_cast<int>(rng() % 30))) - 1);
  const int e = lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  const double m = 1.0 + static_cast<double>(frac) * 0x1p-52;
  const double v = std::ldexp(m, e);
  return (r >> 63) ? -v : v;
}

// Random operands for op o near f's range: the second operand within 70 binades of the first
// half of the time (cancellation, sticky bits), the fma addend near the product.
std::vector<operands> random_cases(op o, const format& f, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int lo = std::max(-1074, f.emin() - f.precision() - 4);
  const int hi = std::min(1023, f.emax() + 2);
  std::vector<operands> v(n);
  for (operands& x : v) {
    x.a = random_double(rng, lo / (o == op::mul || o == op::fma ? 2 : 1),
                        hi / (o == op::mul || o == op::fma ? 2 : 1));
    x.b = random_double(rng, lo / 2, hi / 2);
    x.c = random_double(rng, lo, hi);
    const int near = static_cast<int>(rng() % 140) - 70;
    if (rng() & 1) {
      const int ea = std::ilogb(x.a);
      if (std::isfinite(x.a) && x.a != 0 && o != op::fma)
        x.b = std::ldexp(random_double(rng, 0, 0), std::clamp(ea + near, -1074, 1023));
      const double p = x.a * x.b;
      if (o == op::fma && std::isfinite(p) && p != 0)
        x.c = std::ldexp(random_double(rng, 0, 0), std::clamp(std::ilogb(p) + near, -1074, 1023));
    }
    if (o == op::sqrt && (rng() & 3)) x.a = std::fabs(x.a);
  }
  return v;
}

// Hard cases on f's grid: exact results just off (or on) a midpoint m of f, built so that the
// binary64 result is m itself, plus the same near the overflow and subnormal boundaries.
std::vector<operands> hard_cases(op o, const format& f, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int p = f.precision();
  std::vector<operands> v;
  for (std::size_t i = 0; i < n; ++i) {
    // A midpoint 1 + (2k+1) 2^-p of [1, 2) on f's precision-p grid, scaled into f's range.
    const std::uint64_t k = p >= 2 ? rng() % (std::uint64_t{1} << std::min(p - 1, 40)) : 0;
    const double mid1 = 1.0 + static_cast<double>(2 * k + 1) * std::ldexp(1.0, -p);
    const int lo = f.emin() - p + 2;
    int s = lo + static_cast<int>(rng() % static_cast<std::uint64_t>(f.emax() - lo + 1));
    if (i % 8 == 0) s = f.emax();  // at the overflow threshold
    if (i % 8 == 1) s = f.emin() - 1 - static_cast<int>(rng() % 3);  // tininess, subnormals
    const double sign = (rng() & 1) ? -1.0 : 1.0;
    const double m = sign * std::ldexp(mid1, s);
    const double up = (rng() & 1) ? 1.0 : -1.0;
    operands x{0, 0, 0};
    switch (o) {
      case op::add:
      case op::sub:
        // m + tiny: binary64 rounds back to m (a tie for f), the exact sum is off it.
        x.a = m;
        x.b = up * std::ldexp(std::fabs(m), -60 - static_cast<int>(rng() % 40));
        if (o == op::sub) x.b = -x.b;
        break;
      case op::mul:
        // a = RN(m / b): a b = m (1 + tiny); kept below when binary64 gives m.
        x.b = 1.0 + static_cast<double>(rng() % 1000 + 1) * 0x1p-52 * up;
        x.a = m / x.b;
        break;
      case op::div:
        // a = RN(m b): a / b = m (1 + tiny), binary64 gives m.
        x.b = 1.0 + static_cast<double>(rng() % 1000 + 1) * 0x1p-52;
        x.a = m * x.b;
        break;
      case op::sqrt: {
        // a = the binary64 neighbour of m^2 (exact for p <= 25): sqrt(a) = m (1 +- tiny).
        const double m2 = std::fabs(m) * std::fabs(m);
        x.a = std::nextafter(m2, up > 0 ? INFINITY : 0.0);
        break;
      }
      case op::fma:
        // m * 1 + tiny, or a product exactly m plus a tiny addend.
        x.a = m;
        x.b = 1.0;
        x.c = up * std::ldexp(std::fabs(m), -60 - static_cast<int>(rng() % 40));
        break;
    }
    // Keep the cases where binary64 lands on m exactly but the exact result is not m: there the
    // second rounding sees a tie that is not one. (fma residuals are exact, so they decide.)
    bool keep = false;
    switch (o) {
      case op::add: keep = x.a + x.b == m && x.b != 0; break;
      case op::sub: keep = x.a - x.b == m && x.b != 0; break;
      case op::mul: keep = x.a * x.b == m && std::fma(x.a, x.b, -m) != 0; break;
      case op::div: keep = x.a / x.b == m && std::fma(-m, x.b, x.a) != 0; break;
      case op::sqrt: keep = std::sqrt(x.a) == std::fabs(m) && std::fma(-m, m, x.a) != 0; break;
      case op::fma: keep = std::fma(x.a, x.b, x.c) == m && x.c != 0; break;
    }
    if (keep && std::isfinite(m)) v.push_back(x);
  }
  return v;
}

const format wide_formats[] = {binary16,
                               bfloat16,
                               tf32,
                               binary32,
                               parse_format("E8M30"),
                               parse_format("E11M40"),
                               binary64};

std::size_t env_count(const char* name, std::size_t fallback) {
  const char* s = std::getenv(name);
  return s ? static_cast<std::size_t>(std::strtoull(s, nullptr, 10)) : fallback;
}

}  // namespace

TEST_CASE("every pair of codes of the narrow formats, every op and deterministic mode") {
  const format narrow[] = {e4m3fn, e5m2, e3m2fn, e2m1fn};
  for (const format& f : narrow) {
    const std::vector<double> vals = all_values(f);
    std::vector<operands> pairs, singles, triples;
    for (double a : vals) {
      singles.push_back({a, 0, 0});
      for (double b : vals) pairs.push_back({a, b, 0});
    }
    std::mt19937_64 rng(42);
    for (int i = 0; i < 200000; ++i)
      triples.push_back({vals[rng() % vals.size()], vals[rng() % vals.size()],
                         vals[rng() % vals.size()]});
    for (op o : {op::add, op::sub, op::mul, op::div}) {
      CAPTURE(op_name(o));
      CAPTURE(to_string(f));
      CHECK(compare(o, f, pairs) == 0);
    }
    CHECK(compare(op::sqrt, f, singles) == 0);
    CHECK(compare(op::fma, f, triples) == 0);
  }
}

TEST_CASE("random arbitrary binary64 operands in binary16 to binary64") {
  // LOWP_OPS_RANDOM_CASES raises the count (the exhaustive-labelled run uses 10^6).
  const std::size_t n = env_count("LOWP_OPS_RANDOM_CASES", 100000);
  std::uint64_t seed = 1;
  for (const format& f : wide_formats) {
    for (op o : all_ops) {
      CAPTURE(op_name(o));
      CAPTURE(to_string(f));
      CHECK(compare(o, f, random_cases(o, f, n, seed++)) == 0);
    }
  }
}

TEST_CASE("hard cases: lowp agrees with MPFR where binary64-then-round does not") {
  for (const format& f : wide_formats) {
    for (op o : all_ops) {
      if (o == op::sqrt && f.precision() > 25) continue;  // the construction needs exact m^2
      if (f.precision() == 53) continue;  // binary64 itself: there is no second rounding
      CAPTURE(op_name(o));
      CAPTURE(to_string(f));
      const std::vector<operands> cases = hard_cases(o, f, 4000, 7 + static_cast<int>(o));
      REQUIRE(cases.size() > 500);
      CHECK(compare(o, f, cases) == 0);
      std::size_t naive_wrong = 0;
      for (const operands& x : cases)
        for (rounding mode : deterministic_roundings)
          if (!same(naive(o, x, f, mode), ref(o, x, f, mode))) ++naive_wrong;
      MESSAGE(std::string(op_name(o)), " ", to_string(f), ": binary64-then-round wrong on ", naive_wrong, " of ",
              cases.size() * 7);
      CHECK(naive_wrong > cases.size() / 2);  // the cases are hard: the naive approach fails
    }
  }
}

namespace {

// The first 64 bits of the exact fractional distance of op(x) from its neighbour toward zero,
// with MPFR: the exact result (add, sub, mul, fma at 8000 bits; div, sqrt rounded to odd at 256
// bits, which leaves the first 200 fraction bits below a 53-bit quantum as they are) minus the
// reference's toward-zero result, over the quantum (the distance to the away neighbour).
// Returns false when the case is not a plain inexact rounding between two finite values.
bool fraction64(op o, const operands& x, const format& f, std::uint64_t& frac64) {
  const round_result lo = ref(o, x, f, rounding::toward_zero);
  const round_result up = ref(o, x, f, rounding::up), dn = ref(o, x, f, rounding::down);
  if (lo.ternary == 0 || !std::isfinite(up.value) || !std::isfinite(dn.value)) return false;
  if ((up.flags | dn.flags) & (flag::overflow | flag::divide_by_zero)) return false;
  const double away = lo.value == up.value ? dn.value : up.value;
  mpfr_t a, b, c, r, t;
  mpfr_inits2(8000, a, b, c, r, t, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(a, x.a, MPFR_RNDN);
  mpfr_set_d(b, x.b, MPFR_RNDN);
  mpfr_set_d(c, x.c, MPFR_RNDN);
  int inexact = 0;
  switch (o) {
    case op::add: inexact = mpfr_add(r, a, b, MPFR_RNDN); break;
    case op::sub: inexact = mpfr_sub(r, a, b, MPFR_RNDN); break;
    case op::mul: inexact = mpfr_mul(r, a, b, MPFR_RNDN); break;
    case op::fma: inexact = mpfr_fma(r, a, b, c, MPFR_RNDN); break;
    case op::div:
    case op::sqrt:
      mpfr_set_prec(r, 255);
      inexact = o == op::div ? mpfr_div(r, a, b, MPFR_RNDZ) : mpfr_sqrt(r, a, MPFR_RNDZ);
      mpfr_prec_round(r, 256, MPFR_RNDN);
      if (inexact) (mpfr_sgn(r) > 0 ? mpfr_nextabove : mpfr_nextbelow)(r);
      inexact = 0;
      break;
  }
  REQUIRE(inexact == 0);
  mpfr_set_prec(t, 8000);
  mpfr_sub_d(t, r, lo.value, MPFR_RNDN);  // exact
  mpfr_abs(t, t, MPFR_RNDN);
  mpfr_set_d(c, std::fabs(away - lo.value), MPFR_RNDN);  // the quantum, exact in binary64
  mpfr_div(t, t, c, MPFR_RNDN);                          // exact: c is a power of two
  mpfr_mul_2ui(t, t, 64, MPFR_RNDN);
  mpfr_floor(t, t);
  frac64 = mpfr_get_uj(t, MPFR_RNDN);
  mpfr_clears(a, b, c, r, t, static_cast<mpfr_ptr>(nullptr));
  return true;
}

}  // namespace

TEST_CASE("stochastic ops: the decision is exactly the exact fraction's first r bits") {
  // sr rounds away from zero iff (R >> (64 - r)) < (frac64 >> (64 - r)): around frac64 the words
  // frac64 - 1 and frac64 must split the decision, for r = 64 and r = 12; sre goes away iff the
  // top bit is set. The fractions come from MPFR, not from the code under test.
  std::size_t checked = 0, bad = 0;
  std::uint64_t seed = 100;
  for (const format& f : wide_formats) {
    for (op o : all_ops) {
      const std::vector<operands> cases = random_cases(o, f, 3000, seed++);
      for (const operands& x : cases) {
        std::uint64_t frac64 = 0;
        if (!fraction64(o, x, f, frac64)) continue;
        const round_result lo = ref(o, x, f, rounding::toward_zero);
        const round_result up = ref(o, x, f, rounding::up), dn = ref(o, x, f, rounding::down);
        const round_result away = lo.value == up.value ? dn : up;
        auto run = [&](rounding mode, std::uint64_t word, int rbits) {
          switch (o) {
            case op::add: return lowp::add(x.a, x.b, f, mode, word, rbits);
            case op::sub: return lowp::sub(x.a, x.b, f, mode, word, rbits);
            case op::mul: return lowp::mul(x.a, x.b, f, mode, word, rbits);
            case op::div: return lowp::div(x.a, x.b, f, mode, word, rbits);
            case op::sqrt: return lowp::sqrt(x.a, f, mode, word, rbits);
            case op::fma: return lowp::fma(x.a, x.b, x.c, f, mode, word, rbits);
          }
          return round_result{};
        };
        // Value, ternary and flags; underflow aside, because sr decides tininess with its own
        // random word at the unbounded-exponent precision, where the directed neighbours ru/rd
        // that stand in for "away" here decide it without one.
        auto is = [](const round_result& a, const round_result& b) {
          return test::to_bits(a.value) == test::to_bits(b.value) && a.ternary == b.ternary &&
                 (a.flags & ~flag::underflow) == (b.flags & ~flag::underflow);
        };
        ++checked;
        for (int rbits : {64, 12}) {
          const int drop = 64 - rbits;
          const std::uint64_t top = frac64 >> drop;  // away iff (R >> drop) < top
          if (top > 0 && !is(run(rounding::stochastic, (top - 1) << drop, rbits), away)) ++bad;
          if (!is(run(rounding::stochastic, top << drop, rbits), lo)) ++bad;
          if (top > 0 && !is(run(rounding::stochastic, 0, rbits), away)) ++bad;
        }
        if (!is(run(rounding::stochastic_equal, 0x8000000000000000ULL, 64), away)) ++bad;
        if (!is(run(rounding::stochastic_equal, 0x7fffffffffffffffULL, 64), lo)) ++bad;
        if (bad && printed.fetch_add(1) < 25)
          std::printf("sr %s %s (%s, %s, %s) frac64 %llx\n", op_name(o), to_string(f).c_str(),
                      reference::to_hex(x.a).c_str(), reference::to_hex(x.b).c_str(),
                      reference::to_hex(x.c).c_str(), static_cast<unsigned long long>(frac64));
      }
    }
  }
  MESSAGE("stochastic decisions checked on ", checked, " inexact cases");
  CHECK(checked > 50000);
  CHECK(bad == 0);
}

TEST_CASE("policy variants: subnormals off / ftz, daz, saturation, fnuz, unsigned zero-less") {
  const format variants[] = {parse_format("binary16,subnormals=off"),
                             parse_format("binary16,subnormals=ftz"),
                             parse_format("binary16,daz=on"),
                             parse_format("bfloat16,overflow=saturate"),
                             parse_format("e4m3fn,subnormals=ftz,daz=on"),
                             e4m3fnuz,
                             e5m2fnuz,
                             e8m0fnu};
  std::uint64_t seed = 500;
  for (const format& f : variants) {
    CAPTURE(to_string(f));
    for (op o : all_ops) {
      CAPTURE(op_name(o));
      CHECK(compare(o, f, random_cases(o, f, 20000, seed++)) == 0);
    }
    if (f.width() <= 8) {
      const std::vector<double> vals = all_values(f);
      std::vector<operands> pairs;
      for (double a : vals)
        for (double b : vals) pairs.push_back({a, b, 0});
      for (op o : {op::add, op::sub, op::mul, op::div}) CHECK(compare(o, f, pairs) == 0);
    }
  }
}
