// Tests lowp/round.hpp exhaustively on 630 custom formats: E2..E8 x M1..M10, specials ieee / fn /
// finite, subnormals on / off / ftz, every grid value, midpoint and their binary64 neighbours
// (boundary_inputs), all seven deterministic modes, value bits, ternary and flags. The expected
// results come from grid_oracle with the MPFR reference's policy layer: MPFR itself would take
// hours here, and round_mpfr_test proves grid_oracle equal to MPFR.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "grid_oracle.hpp"
#include "lowp/reference.hpp"
#include "lowp/round.hpp"
#include "sweep.hpp"

using namespace lowp;

TEST_CASE("lowp::round matches the exact reference on 630 formats in every deterministic mode") {
  const auto start = std::chrono::steady_clock::now();
  constexpr int max_printed = 25;          // mismatch details
  constexpr int max_formats_printed = 60;  // per-format summaries
  std::atomic<int> printed{0};
  int formats_seen = 0, formats_failed = 0;
  std::size_t roundings = 0, mismatches = 0;
  for (int e = 2; e <= 8; ++e)
    for (int m = 1; m <= 10; ++m)
      for (const char* specials : {"ieee", "fn", "finite"})
        for (const char* subnormals : {"on", "off", "ftz"}) {
          const std::string name = "E" + std::to_string(e) + "M" + std::to_string(m) +
                                   ",specials=" + specials + ",subnormals=" + subnormals;
          format f;
          try {
            f = parse_format(name);  // skips what the parser rejects (none in this range today)
          } catch (const format_error&) {
            continue;
          }
          ++formats_seen;
          const test::grid_oracle oracle(f);
          const reference::format_facts k = reference::facts_of(f);
          const std::vector<double> xs = test::boundary_inputs(f);
          std::size_t bad = 0;
#pragma omp parallel for schedule(dynamic, 1024) reduction(+ : bad) if (xs.size() > 20000)
          for (std::size_t i = 0; i < xs.size(); ++i) {
            const double x = xs[i];
            for (rounding mode : deterministic_roundings) {
              const round_result expected = reference::round_with(x, f, k, mode, oracle);
              const round_result got = lowp::round(x, f, mode);
              if (!test::same_result(expected, got, x)) {
                ++bad;
                if (printed.fetch_add(1) < max_printed) {
#pragma omp critical
                  test::print_mismatch("lowp::round vs exact reference", f, mode, x, expected, got);
                }
              }
            }
          }
          roundings += xs.size() * std::size(deterministic_roundings);
          mismatches += bad;
          if (bad != 0 && formats_failed++ < max_formats_printed)
            std::printf("FAILED %-40s %zu of %zu roundings differ\n", name.c_str(), bad,
                        xs.size() * std::size(deterministic_roundings));
        }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d formats, %zu roundings, %zu mismatches in %d formats, %.1f s\n", formats_seen,
              roundings, mismatches, formats_failed, seconds);
  CHECK(formats_seen == 630);
  CHECK(mismatches == 0);
}
