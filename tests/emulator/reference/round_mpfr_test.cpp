// Tests lowp/round.hpp against the MPFR reference (lowp/reference.hpp): value bits, ternary and
// flags, zero mismatches, in every deterministic mode. Every preset of at most 16 bits, with
// subnormals=off / ftz, overflow=saturate and daz=on variants, on every grid value, midpoint and
// their binary64 neighbours; binary32, tf32, E8M30 and E11M40 on 10^6 random inputs plus their
// boundaries. Also proves grid_oracle (the fast oracle of round_exhaustive_test) against MPFR.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "grid_oracle.hpp"
#include "lowp/reference.hpp"
#include "lowp/round.hpp"
#include "sweep.hpp"

using namespace lowp;

namespace {

constexpr int max_printed = 25;  // per test case: enough to diagnose, not a flood
std::atomic<int> printed{0};

struct sweep_count {
  std::size_t roundings = 0;
  std::size_t core_mismatches = 0;    // lowp::round vs MPFR
  std::size_t oracle_mismatches = 0;  // grid_oracle vs MPFR (when an oracle is given)
};

// Rounds every input in every deterministic mode with the MPFR reference and with lowp::round
// (and with the grid oracle, if any) and counts the disagreements.
sweep_count sweep(const format& f, const std::vector<double>& xs,
                  const test::grid_oracle* oracle = nullptr) {
  const reference::format_facts k = reference::facts_of(f);
  std::size_t core_bad = 0, oracle_bad = 0;
  // Small sweeps stay serial: waking the team costs more than they do.
#pragma omp parallel for schedule(dynamic, 512) reduction(+ : core_bad, oracle_bad) if (xs.size() > 20000)
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    for (rounding mode : deterministic_roundings) {
      const round_result expected = reference::round(x, f, mode);
      const round_result got = lowp::round(x, f, mode);
      if (!test::same_result(expected, got, x)) {
        ++core_bad;
        if (printed.fetch_add(1) < max_printed) {
#pragma omp critical
          test::print_mismatch("lowp::round vs MPFR", f, mode, x, expected, got);
        }
      }
      if (oracle) {
        const round_result o = reference::round_with(x, f, k, mode, *oracle);
        if (!test::same_result(expected, o, x)) {
          ++oracle_bad;
          if (printed.fetch_add(1) < max_printed) {
#pragma omp critical
            test::print_mismatch("grid_oracle vs MPFR", f, mode, x, expected, o);
          }
        }
      }
    }
  }
  return {xs.size() * std::size(deterministic_roundings), core_bad, oracle_bad};
}

// f and its variants: subnormals off / ftz, saturating overflow, DAZ (those f does not already
// have and that are valid formats).
std::vector<format> variants(const format& f) {
  std::vector<format> out = {f};
  auto add = [&](format v) {
    if (!v.validate().empty()) return;
    for (const format& o : out)
      if (o == v) return;
    out.push_back(v);
  };
  format v = f;
  v.subnormals = subnormal_mode::off;
  add(v);
  v = f;
  v.subnormals = subnormal_mode::ftz;
  add(v);
  v = f;
  v.overflow = overflow_mode::saturate;
  add(v);
  v = f;
  v.daz = true;
  add(v);
  return out;
}

void report(const format& f, const sweep_count& c, bool with_oracle) {
  std::printf("%-40s %10zu roundings, %zu core mismatches%s\n", to_string(f).c_str(), c.roundings,
              c.core_mismatches,
              with_oracle
                  ? (", " + std::to_string(c.oracle_mismatches) + " oracle mismatches").c_str()
                  : "");
}

}  // namespace

TEST_CASE("lowp::round matches MPFR on every value, midpoint and neighbour of the small presets") {
  printed = 0;
  std::size_t presets_seen = 0;
  for (const named_format& p : presets) {
    if (p.value.width() > 16) continue;
    ++presets_seen;
    for (const format& f : variants(p.value)) {
      CAPTURE(to_string(f));
      const test::grid_oracle oracle(f);
      const sweep_count c = sweep(f, test::boundary_inputs(f), &oracle);
      report(f, c, true);
      CHECK(c.core_mismatches == 0);
      CHECK(c.oracle_mismatches == 0);
    }
  }
  CHECK(presets_seen == 12);  // binary16 bfloat16 e5m2 e4m3fn(uz) e5m2fnuz e3m2fn e2m3fn e2m1fn
                              // e8m0fnu q43 q52
}

TEST_CASE("lowp::round matches MPFR on 10^6 random inputs of binary32, tf32, E8M30 and E11M40") {
  printed = 0;
  const format wide[] = {formats::binary32, formats::tf32, parse_format("E8M30"),
                         parse_format("E11M40")};
  std::uint64_t seed = 1;
  for (const format& base : wide) {
    for (const format& f : variants(base)) {
      CAPTURE(to_string(f));
      std::vector<double> xs = test::boundary_inputs(f, 2, 64);
      // The base format gets 10^6 random inputs; each variant differs only near zero and near
      // overflow, which the boundary inputs cover, plus 2 * 10^4 random inputs.
      const std::vector<double> r = test::random_inputs(f, f == base ? 1'000'000 : 20'000, seed++);
      xs.insert(xs.end(), r.begin(), r.end());
      const sweep_count c = sweep(f, xs);
      report(f, c, false);
      CHECK(c.core_mismatches == 0);
    }
  }
}

TEST_CASE("grid_oracle matches MPFR on a sample of every format of the exhaustive sweep") {
  printed = 0;
  std::mt19937_64 rng(630);
  int formats_seen = 0;
  std::size_t core_bad = 0, oracle_bad = 0;
  for (int e = 2; e <= 8; ++e)
    for (int m = 1; m <= 10; ++m)
      for (const char* specials : {"ieee", "fn", "finite"})
        for (const char* subnormals : {"on", "off", "ftz"}) {
          const std::string name = "E" + std::to_string(e) + "M" + std::to_string(m) +
                                   ",specials=" + specials + ",subnormals=" + subnormals;
          format f;
          try {
            f = parse_format(name);
          } catch (const format_error&) {
            continue;
          }
          ++formats_seen;
          const std::vector<double> all = test::boundary_inputs(f, 3, 3);
          std::vector<double> xs;
          std::uniform_int_distribution<std::size_t> pick(0, all.size() - 1);
          for (int i = 0; i < 300; ++i) xs.push_back(all[pick(rng)]);
          const test::grid_oracle oracle(f);
          const sweep_count c = sweep(f, xs, &oracle);
          core_bad += c.core_mismatches;
          oracle_bad += c.oracle_mismatches;
        }
  std::printf("%d formats sampled: %zu core mismatches, %zu oracle mismatches\n", formats_seen,
              core_bad, oracle_bad);
  CHECK(formats_seen == 630);
  CHECK(oracle_bad == 0);
  CHECK(core_bad == 0);
}
