// Checks that a project built against lowp (installed or as a subdirectory) gets working headers
// and libraries: 465 rounds to NaN and 464 (a tie) to 448 in OCP E4M3 (e4m3fn), with the core and,
// when lowp was built with it, the MPFR reference.
#include <cmath>
#include <cstdio>

#include "lowp/config.hpp"
#include "lowp/format.hpp"
#include "lowp/round.hpp"
#ifdef LOWP_CONSUMER_HAS_REFERENCE
#include "lowp/reference.hpp"
#endif

int main() {
  using namespace lowp;
  int failures = 0;
  const format f = parse_format("e4m3fn");  // from the compiled library, not just the headers
  if (!(f == formats::e4m3fn)) {
    std::puts("FAIL: parse_format(\"e4m3fn\") != formats::e4m3fn");
    ++failures;
  }
  const round_result above = round(465.0, f, rounding::nearest_even);
  if (!std::isnan(above.value)) {
    std::printf("FAIL: round(465, e4m3fn, rne) = %g, expected NaN\n", above.value);
    ++failures;
  }
  const round_result tie = round(464.0, f, rounding::nearest_even);
  if (tie.value != 448.0 || tie.ternary != -1) {
    std::printf("FAIL: round(464, e4m3fn, rne) = %g (ternary %d), expected 448 (-1)\n", tie.value,
                tie.ternary);
    ++failures;
  }
#ifdef LOWP_CONSUMER_HAS_REFERENCE
  // The MPFR reference must link (MPFR, GMP, Boost) and agree.
  const round_result ref_above = reference::round(465.0, f, rounding::nearest_even);
  const round_result ref_tie = reference::round(464.0, f, rounding::nearest_even);
  if (!std::isnan(ref_above.value) || ref_tie.value != 448.0) {
    std::printf("FAIL: lowp::reference gives %g and %g, expected NaN and 448\n", ref_above.value,
                ref_tie.value);
    ++failures;
  }
  const char* reference = "with lowp::reference";
#else
  const char* reference = "without lowp::reference";
#endif
  std::printf("lowp %s consumer (%s): %s\n", LOWP_VERSION_STRING, reference,
              failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
