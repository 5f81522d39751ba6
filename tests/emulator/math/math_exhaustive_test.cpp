// Tests lowp/math.hpp on every binary16 and every bfloat16 input (rounded to the same format)
// for twelve functions in every deterministic mode against MPFR: zero mismatches (OpenMP).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "lowp/bits.hpp"
#include "math_oracle.hpp"

using namespace lowp;
using namespace lowp::test;

TEST_CASE("math: every binary16 and bfloat16 input, twelve functions, every deterministic mode") {
  const function fns[] = {function::exp,  function::expm1, function::log, function::log1p,
                          function::log2, function::sin,   function::cos, function::tan,
                          function::tanh, function::atan,  function::erf, function::cbrt};
  for (const format& f : {formats::binary16, formats::bfloat16})
    for (function fn : fns) {
      long mismatches = 0;
      math::reset_fallbacks();
#pragma omp parallel for schedule(dynamic, 256) reduction(+ : mismatches)
      for (int code = 0; code < 65536; ++code) {
        const double x = *decode(static_cast<std::uint64_t>(code), f);
        const exact_value e(fn, x, 0.0);
        for (rounding mode : deterministic_roundings) {
          const round_result want = e.rounded(f, mode);
          const round_result got = math::evaluate(fn, x, 0.0, f, mode);
          if (!same(got, want)) {
            ++mismatches;
#pragma omp critical
            {
              mismatch_log log;
              log.add(fn, x, 0.0, f, std::string(short_name(mode)).c_str(), got, want);
            }
          }
        }
      }
      const math::fallback_counts c = math::fallbacks(fn);
      MESSAGE(to_string(f) << " " << math::name(fn) << ": fallback rate "
                           << static_cast<double>(c.boundary + c.special) / (65536.0 * 7)
                           << " (boundary " << c.boundary << ", special " << c.special << ")");
      CHECK(mismatches == 0);
    }
}
