// Tests the shallow-water channel (lowp/models/shallow_water.hpp) and its experiment: binary64 in
// a lowp type is plain double bit for bit, mass is conserved to rounding, low-precision runs stay
// bounded, the experiment's claims hold at quick settings, and a record depends only on
// (options, name, seed).
#include <doctest/doctest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <cmath>
#include <cstring>
#include <thread>

#include "lowp/context.hpp"
#include "lowp/fp.hpp"
#include "lowp/models/shallow_water.hpp"
#include "lowp/number.hpp"
#include "sw_experiment.hpp"

using namespace lowp;
using namespace lowp::models;
using lowp::study::climate::sw_options;

namespace {

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// A state with flow in it: a few days of binary64 from rest.
sw_fields spun_up(double days) {
  sw_parameters p;
  shallow_water<double> m(p);
  m.run(p.steps_for_days(days));
  return m.fields();
}

template <class A, class B>
void require_same_bits(const std::vector<A>& a, const std::vector<B>& b) {
  REQUIRE(a.size() == b.size());
  std::size_t differ = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (bits(static_cast<double>(a[k])) != bits(static_cast<double>(b[k]))) ++differ;
  CHECK(differ == 0);
}

sw_options quick_options() {
  sw_options o;
  o.days = 5;
  o.sr_seeds = 3;
  o.members = 4;
  o.output_hours = 6;
  return o;
}

}  // namespace

TEST_CASE("shallow water in lowp's binary64 types is plain double bit for bit") {
  const sw_fields init = spun_up(3);
  sw_parameters p;
  shallow_water<double> ref(p);
  ref.set_fields(init);
  shallow_water<fp<formats::binary64>> emulated(p);
  emulated.set_fields(init);
  ref.run(3);
  emulated.run(3);
  require_same_bits(ref.u_raw(), emulated.u_raw());
  require_same_bits(ref.v_raw(), emulated.v_raw());
  require_same_bits(ref.eta_raw(), emulated.eta_raw());

  SUBCASE("and lowp::number under a binary64 context") {
    const scoped_context ctx(formats::binary64, rounding::nearest_even);
    shallow_water<number> run_time(p);
    run_time.set_fields(init);
    run_time.run(3);
    require_same_bits(ref.u_raw(), run_time.u_raw());
    require_same_bits(ref.eta_raw(), run_time.eta_raw());
  }
}

TEST_CASE("short horizons of double and a 200-bit MPFR type agree to a bound") {
  using big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<60>,
                                            boost::multiprecision::et_off>;
  const sw_fields init = spun_up(3);
  sw_parameters p;
  shallow_water<double> d(p);
  shallow_water<big> m(p);
  d.set_fields(init);
  m.set_fields(init);
  d.run(4);
  m.run(4);
  const sw_fields a = d.fields(), b = m.fields();
  double worst_u = 0, worst_eta = 0, top_u = 0;
  for (std::size_t k = 0; k < a.u.size(); ++k) {
    worst_u = std::fmax(worst_u, std::fabs(a.u[k] - b.u[k]));
    worst_eta = std::fmax(worst_eta, std::fabs(a.eta[k] - b.eta[k]));
    top_u = std::fmax(top_u, std::fabs(a.u[k]));
  }
  MESSAGE("4 steps, double vs MPFR (60 digits): max |du| " << worst_u << " m/s, max |deta| "
          << worst_eta << " m");
  // Four steps of a few hundred roundings each: far below 1e-14 of the fields' size; a wrong
  // constant or stencil in one of the two would differ by orders of magnitude more.
  CHECK(worst_u < 1e-14 * top_u);
  CHECK(worst_eta < 1e-14);
  CHECK(worst_u > 0);  // double does round
}

TEST_CASE("the state round-trips through fields() and the scale is exact") {
  const sw_fields init = spun_up(1);
  sw_parameters p;
  shallow_water<double> m(p);
  m.set_fields(init);
  const sw_fields back = m.fields();
  require_same_bits(init.u, back.u);
  require_same_bits(init.v, back.v);
  require_same_bits(init.eta, back.eta);
  // The walls hold v = 0.
  for (int i = 0; i < p.nx; ++i) {
    CHECK(back.v[static_cast<std::size_t>(i)] == 0);
    CHECK(back.v[static_cast<std::size_t>(p.ny) * p.nx + i] == 0);
  }
}

TEST_CASE("binary64 conserves mass to rounding") {
  sw_parameters p;
  shallow_water<double> m(p);
  m.set_fields(spun_up(20));
  // Sums eta with Neumaier's compensation, so that the test sees the model's roundings and not
  // those of a naive sum of 1250 terms.
  auto total = [&] {
    double s = 0, c = 0, big = 0;
    for (double e : m.eta()) {
      const double t = s + e;
      c += std::fabs(s) >= std::fabs(e) ? (s - t) + e : (e - t) + s;
      s = t;
      big = std::fmax(big, std::fabs(e));
    }
    return std::pair{s + c, big};
  };
  const auto [s0, big0] = total();
  REQUIRE(big0 > 0.1);  // there is flow and relief: the test is not trivially true
  const long steps = p.steps_for_days(1);
  double worst_step = 0;
  double prev = s0;
  for (long k = 0; k < steps; ++k) {
    m.step();
    const auto [s, big] = total();
    // The flux differences telescope in real arithmetic; one step rounds each eta four times
    // (the RK4 accumulation), each by at most half an ulp of max|eta| (the increments are tiny).
    const double ulp = std::ldexp(1.0, std::ilogb(big) - 52);
    worst_step = std::fmax(worst_step, std::fabs(s - prev) / ulp);
    prev = s;
  }
  const double cells = p.nx * p.ny;
  MESSAGE("largest change of sum(eta) per step: " << worst_step << " ulps of max|eta|; over "
          << steps << " steps: " << std::fabs(prev - s0));
  CHECK(worst_step < 4 * cells);
  CHECK(std::fabs(prev - s0) < 1e-12);
}

TEST_CASE("a non-conserving change would be seen: a constant eta tendency is not") {
  // Sanity of the mass check above: adding 1e-9 m to one cell moves the sum by far more than
  // the tolerance per step (4 * cells ulps of O(1) m ~ 1e-12).
  sw_fields f = spun_up(1);
  double s0 = 0, s1 = 0;
  for (double e : f.eta) s0 += e;
  f.eta[7] += 1e-9;
  for (double e : f.eta) s1 += e;
  CHECK(std::fabs(s1 - s0) > 4 * 1250 * 0x1p-52);
}

// Returns the records of every task at quick settings, computed once (on two threads, as
// run_sweep would use them).
const std::vector<study::record>& quick_runs() {
  static const std::vector<study::record> runs = [] {
    const sw_options o = quick_options();
    const std::vector<std::string> names = study::climate::sw_task_names(o);
    std::vector<study::record> r(names.size());
    std::thread other([&] {
      for (std::size_t i = 0; i < names.size(); i += 2) r[i] = study::climate::run_sw_task(o, names[i], 1);
    });
    for (std::size_t i = 1; i < names.size(); i += 2) r[i] = study::climate::run_sw_task(o, names[i], 1);
    other.join();
    return r;
  }();
  return runs;
}

TEST_CASE("low-precision runs stay bounded and the claims hold at quick settings") {
  const sw_options o = quick_options();
  const std::vector<study::record>& runs = quick_runs();
  for (const study::record& r : runs) {
    INFO(r.name);
    const double top = r.get_double("max_speed_max");
    CHECK(top > 0.5);  // the jet is there
    CHECK(top < 10);   // and nothing blew up
    if (r.get_string("kind") != "reference") {
      CHECK(std::isfinite(r.get_double("final_rmse")));
    }
  }
  const std::vector<study::claim> claims = study::climate::check_sw_claims(o, runs);
  REQUIRE(claims.size() == 3);
  for (const study::claim& c : claims) {
    INFO(c.id << ": " << c.detail);
    CHECK(c.pass);
  }
  std::ostringstream table;
  study::climate::print_sw_summary(o, runs, table);
  CHECK(table.str().find("sw_bfloat16_sr_1") != std::string::npos);
}

TEST_CASE("records depend only on (options, name, seed)") {
  const sw_options o = quick_options();
  const std::vector<study::record>& runs = quick_runs();
  // Recomputed alone, in another order, on another thread: the same record.
  study::record again;
  std::thread t([&] { again = study::climate::run_sw_task(o, "sw_binary16_rn", 1); });
  t.join();
  CHECK(again == runs[static_cast<std::size_t>(o.sr_seeds)]);
  CHECK(study::climate::run_sw_task(o, "sw_binary64_member_2", 1) == runs[runs.size() - 3]);
  // Stochastic runs (a short one): the same on any thread, different for another seed or name.
  sw_options s = o;
  s.days = 0.25;
  const study::record a = study::climate::run_sw_task(s, "sw_bfloat16_sr_1", 1);
  study::record b;
  std::thread t2([&] { b = study::climate::run_sw_task(s, "sw_bfloat16_sr_1", 1); });
  t2.join();
  CHECK(a == b);
  const study::record c = study::climate::run_sw_task(s, "sw_bfloat16_sr_1", 2);
  const study::record d = study::climate::run_sw_task(s, "sw_bfloat16_sr_2", 1);
  CHECK(c.get("eta_final").doubles() != a.get("eta_final").doubles());
  CHECK(d.get("eta_final").doubles() != a.get("eta_final").doubles());
  // The members differ from each other and from the reference.
  CHECK(runs[runs.size() - 1].get("eta_final").doubles() != runs[runs.size() - 2].get("eta_final").doubles());
}

TEST_CASE("task names and options are checked") {
  sw_options o = quick_options();
  const std::vector<std::string> names = study::climate::sw_task_names(o);
  CHECK(names.size() == 3u + 5u + 4u);
  for (const std::string& n : names) CHECK(n.rfind("sw_", 0) == 0);
  CHECK_THROWS_AS(study::climate::run_sw_task(o, "sw_bfloat16_sr_4", 1), std::invalid_argument);
  CHECK_THROWS_AS(study::climate::run_sw_task(o, "sw_nothing", 1), std::invalid_argument);
  o.scale = 12;
  CHECK_THROWS_AS(study::climate::sw_task_names(o), study::usage_error);
}
