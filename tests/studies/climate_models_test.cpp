// Tests the climate study's models and tools: binary64-width lowp formats reproduce plain double
// bit for bit, double agrees with 200-bit MPFR over short horizons, the heat column matches the
// exact erfc solution, low-precision runs stay physical, and W1 / quantiles / cycle detection on
// hand-computed cases.
#include <doctest/doctest.h>

#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "climate.hpp"
#include "lowp/context.hpp"
#include "lowp/fp.hpp"
#include "lowp/models/heat_column.hpp"
#include "lowp/models/lorenz63.hpp"
#include "lowp/models/lorenz96.hpp"
#include "lowp/models/wasserstein.hpp"
#include "lowp/number.hpp"

using namespace lowp;
using models::wasserstein1;
using mpfr200 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<0>>;
using fp64 = fp<formats::binary64, rounding::nearest_even>;

namespace {

bool same_bits(double a, double b) {
  std::uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x == y;
}

// A binary64-width lowp format that is not spelled "binary64": IEEE E11M52 read by parse_format.
const format e11m52 = parse_format("E11M52");

}  // namespace

TEST_CASE("E11M52 under lowp::number and fp<binary64> reproduce plain double bit for bit") {
  CHECK(e11m52 == formats::binary64);
  sr_generator gen(1);
  scoped_context ctx(e11m52, rounding::nearest_even, gen);
  SUBCASE("Lorenz '63") {
    models::lorenz63<double> d;
    models::lorenz63<number> n;
    models::lorenz63<fp64> f;
    models::lorenz63<number, double> mixed;  // compute in number, prognostics in double
    auto sd = d.make_state(1, 1, 20);
    auto sn = n.make_state(1, 1, 20);
    auto sf = f.make_state(1, 1, 20);
    auto sm = mixed.make_state(1, 1, 20);
    bool same = true;
    for (int k = 0; k < 3000 && same; ++k) {
      d.step(sd);
      n.step(sn);
      f.step(sf);
      mixed.step(sm);
      for (int i = 0; i < 3; ++i)
        same = same && same_bits(sd[i], sn[i].value()) && same_bits(sd[i], sf[i].value()) && same_bits(sd[i], sm[i]);
    }
    CHECK(same);
    CHECK(std::fabs(sd[0]) > 0);  // a real trajectory, not a stuck one
  }
  SUBCASE("Lorenz '96") {
    models::lorenz96<double> d;
    models::lorenz96<number> n;
    auto sd = d.make_state(8.0, 0.01);
    auto sn = n.make_state(8.0, 0.01);
    bool same = true;
    for (int k = 0; k < 400 && same; ++k) {
      d.step(sd);
      n.step(sn);
      for (std::size_t i = 0; i < sd.size(); ++i) same = same && same_bits(sd[i], sn[i].value());
    }
    CHECK(same);
  }
  SUBCASE("heat column") {
    models::heat_column_params p;
    models::heat_column<double> d(p);
    models::heat_column<number> n(p);
    models::heat_column<double, number> mixed(p);  // compute in double, prognostics in number
    auto sd = d.make_state(p);
    auto sn = n.make_state(p);
    auto sm = mixed.make_state(p);
    bool same = true;
    for (int k = 0; k < 5000 && same; ++k) {
      d.step(sd);
      n.step(sn);
      mixed.step(sm);
      for (std::size_t i = 0; i < sd.size(); ++i)
        same = same && same_bits(sd[i], sn[i].value()) && same_bits(sd[i], sm[i].value());
    }
    CHECK(same);
    CHECK(sd[1] > 273.3);
  }
  CHECK(gen.counter() == 0);  // nearest rounding never draws
}

TEST_CASE("double agrees with 200-bit MPFR over short horizons") {
  mpfr200::default_precision(60);  // decimal digits: about 200 bits
  SUBCASE("Lorenz '63, 5 time units: |error| < 1e-9") {
    // Rounding errors of ~1e-16 per step grow like exp(0.9 t) (the leading Lyapunov exponent):
    // about 1e-12 here; 1e-9 leaves room without admitting a wrong operation.
    models::lorenz63<double> d;
    models::lorenz63<mpfr200> m;
    auto sd = d.make_state(1, 1, 20);
    auto sm = m.make_state(1, 1, 20);
    double worst = 0;
    for (int k = 0; k < 500; ++k) {
      d.step(sd);
      m.step(sm);
      for (int i = 0; i < 3; ++i) worst = std::max(worst, std::fabs(sd[i] - static_cast<double>(sm[i])));
    }
    MESSAGE("Lorenz '63 max |double - MPFR| over 500 steps: " << worst);
    CHECK(worst < 1e-9);
    CHECK(worst > 0);  // double does round
  }
  SUBCASE("Lorenz '96, 5 time units: |error| < 1e-8") {
    models::lorenz96<double> d;
    models::lorenz96<mpfr200> m;
    auto sd = d.make_state(8.0, 0.01);
    auto sm = m.make_state(8.0, 0.01);
    for (int k = 0; k < 400; ++k) d.step(sd);  // onto the attractor in double, then compare
    for (std::size_t i = 0; i < sd.size(); ++i) sm[i] = sd[i];
    double worst = 0;
    for (int k = 0; k < 100; ++k) {
      d.step(sd);
      m.step(sm);
      for (std::size_t i = 0; i < sd.size(); ++i) worst = std::max(worst, std::fabs(sd[i] - static_cast<double>(sm[i])));
    }
    MESSAGE("Lorenz '96 max |double - MPFR| over 100 steps: " << worst);
    CHECK(worst < 1e-8);
  }
  SUBCASE("heat column, 1 year: |error| < 1e-9 K") {
    models::heat_column_params p;
    models::heat_column<double> d(p);
    models::heat_column<mpfr200> m(p);
    auto sd = d.make_state(p);
    auto sm = m.make_state(p);
    for (std::int64_t k = 0; k < p.steps_in_years(1.0); ++k) {
      d.step(sd);
      m.step(sm);
    }
    double worst = 0;
    for (std::size_t i = 0; i < sd.size(); ++i) worst = std::max(worst, std::fabs(sd[i] - static_cast<double>(sm[i])));
    MESSAGE("heat column max |double - MPFR| after one year: " << worst);
    CHECK(worst < 1e-9);
  }
}

TEST_CASE("the binary64 heat column follows the exact solution T0 + (Ttop - T0) erfc(z / 2 sqrt(D t))") {
  // After 10 years the front is ~30 m deep and the insulated bottom at 60 m barely matters
  // (erfc(2) ~ 0.005 of 6.7 K, doubled by the mirror); centred differences with dz = 1 m and
  // forward Euler add errors of order dz^2 T''/12 ~ 0.01 K. Bound: 0.08 K at every node.
  models::heat_column_params p;
  models::heat_column<double> m(p);
  auto s = m.make_state(p);
  const std::int64_t steps = p.steps_in_years(10.0);
  for (std::int64_t k = 0; k < steps; ++k) m.step(s);
  const double t = static_cast<double>(steps) * p.dt;
  double worst = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double z = static_cast<double>(i) * p.dz;
    const double exact = p.t_initial + (p.t_top - p.t_initial) * std::erfc(z / (2 * std::sqrt(p.diffusivity * t)));
    worst = std::max(worst, std::fabs(s[i] - exact));
  }
  MESSAGE("heat column vs erfc after 10 years: max error " << worst << " K");
  CHECK(worst < 0.08);
  CHECK(s[10] > 277.0);  // the front has passed 10 m
}

TEST_CASE("low-precision runs stay physical") {
  for (int sbits : {3, 5, 7, 10, 23})
    for (rounding mode : {rounding::nearest_even, rounding::stochastic}) {
      CAPTURE(sbits);
      CAPTURE(long_name(mode));
      sr_generator gen(7, static_cast<std::uint64_t>(sbits));
      scoped_context ctx(parse_format("E11M" + std::to_string(sbits)), mode, gen);
      // Lorenz '63 stays inside its trapping region (|x|, |y| < 60, -5 < z < 100 contains it).
      models::lorenz63<number> l63;
      auto s = l63.make_state(1, 1, 20);
      bool inside = true;
      for (int k = 0; k < 5000; ++k) {
        l63.step(s);
        inside = inside && std::fabs(s[0].value()) < 60 && std::fabs(s[1].value()) < 60 && s[2].value() > -5 &&
                 s[2].value() < 100;
      }
      CHECK(inside);
      // Lorenz '96 (F = 8): |x_k| < 30.
      models::lorenz96<number> l96;
      auto v = l96.make_state(8.0, 0.01);
      bool bounded = true;
      for (int k = 0; k < 500; ++k) {
        l96.step(v);
        for (const number& x : v) bounded = bounded && std::fabs(x.value()) < 30;
      }
      CHECK(bounded);
      // The heat column keeps the maximum principle within one rounding: 273.3 - ulp <= T <= 280 + ulp.
      models::heat_column_params p;
      p.dt *= 8;
      models::heat_column<number> heat(p);
      auto h = heat.make_state(p);
      for (int k = 0; k < 2000; ++k) heat.step(h);
      const double ulp = std::ldexp(1.0, 8 - sbits);  // one ulp in [256, 512)
      bool physical = true;
      for (const number& x : h) physical = physical && x.value() >= 273.3 - ulp && x.value() <= 280 + ulp;
      CHECK(physical);
    }
}

TEST_CASE("W1 on hand-computed cases") {
  using V = std::vector<double>;
  CHECK(wasserstein1(V{0}, V{1}) == 1);
  CHECK(wasserstein1(V{0, 1}, V{1, 0}) == 0);
  CHECK(wasserstein1(V{0, 2}, V{1}) == 1);                  // |F1 - F2| = 1/2 on [0, 2)
  CHECK(wasserstein1(V{0, 1}, V{0, 0, 1}) == doctest::Approx(1.0 / 6));  // 1/2 vs 2/3 on [0, 1)
  CHECK(wasserstein1(V{1, 2, 3}, V{4, 5, 6}) == 3);          // a shift by 3
  CHECK(wasserstein1(V{-1, 1}, V{0}) == 1);
  CHECK(wasserstein1(V{0, 0, 0, 4}, V{1}) == doctest::Approx(0.75 * 1 + 0.25 * 3));
  // Equal sizes: the mean |x_(i) - y_(i)| of the order statistics.
  V a{0.3, -2.0, 5.5, 1.25, 7.0}, b{1.0, 1.0, -3.0, 2.5, 0.0};
  CHECK(wasserstein1(a, b) == doctest::Approx((1.0 + 0.3 + 0.25 + 4.5 + 4.5) / 5));  // (-2,-3) (0.3,0) (1.25,1) (5.5,1) (7,2.5)
  CHECK(wasserstein1(a, b) == wasserstein1(b, a));
  CHECK(std::isinf(wasserstein1(V{0, NAN}, V{1})));
  CHECK(std::isinf(wasserstein1(V{0}, V{INFINITY})));
  CHECK_THROWS_AS(wasserstein1(V{}, V{1}), std::invalid_argument);
}

TEST_CASE("quantiles and exact cycles") {
  using study::climate::quantile;
  CHECK(quantile({3, 1, 2}, 0.5) == 2);
  CHECK(quantile({1, 2, 3, 4}, 0.5) == 2.5);
  CHECK(quantile({0, 10}, 0.95) == doctest::Approx(9.5));
  CHECK(quantile({5}, 0.95) == 5);
  study::climate::recurrence_finder fixed;
  for (int k = 1; k <= 5; ++k) fixed.add({k < 3 ? double(k) : 7.0, -0.0}, k);
  CHECK(fixed.period() == 1);
  CHECK(fixed.first_step() == 3);
  study::climate::recurrence_finder cycle;  // 9, then 1 2 3 1 2 3 ...
  cycle.add({9.0}, 1);
  for (int k = 2; k <= 10; ++k) cycle.add({double((k - 2) % 3 + 1)}, k);
  CHECK(cycle.period() == 3);
  CHECK(cycle.first_step() == 2);
  study::climate::recurrence_finder none;
  for (int k = 1; k <= 100; ++k) none.add({double(k), 0.5}, k);
  CHECK_FALSE(none.found());
  CHECK(none.period() == -1);
  // -0 and +0 are different states (bits), as lowp's roundings keep them apart.
  study::climate::recurrence_finder zeros;
  zeros.add({0.0}, 1);
  zeros.add({-0.0}, 2);
  CHECK_FALSE(zeros.found());
}
