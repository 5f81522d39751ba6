// Checks that a project built against lowp (installed or as a subdirectory) gets working headers
// and libraries: 465 rounds to NaN and 464 (a tie) to 448 in OCP E4M3 (e4m3fn), with the core and,
// when lowp was built with it, the MPFR reference; a bfloat16-accumulated dot from lowp::kernels
// stagnates where the exact accumulator does not.
#include <cmath>
#include <cstdio>

#include "lowp/config.hpp"
#include "lowp/format.hpp"
#include "lowp/round.hpp"
#include "lowp/kernels/exact.hpp"
#include "lowp/kernels/reference.hpp"
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
  // 1 + 2^-9 + 2^-9 in bfloat16 (8 bits), sequential nearest-even: each 2^-9 is a quarter ulp of
  // 1 and is lost, so the model gives 1; the exact sum, rounded once to binary32, is 1 + 2^-8.
  const double x[3] = {1.0, 0x1p-9, 0x1p-9}, ones[3] = {1.0, 1.0, 1.0};
  const double model = kernels::reference_dot(kernels::models::sequential(formats::bfloat16), 3, x, ones);
  const double exact = kernels::exact_dot(3, x, ones).round(formats::binary32).value;
  if (model != 1.0 || exact != 1.0 + 0x1p-8) {
    std::printf("FAIL: lowp::kernels gives %a and %a, expected 0x1p+0 and 0x1.01p+0\n", model, exact);
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
