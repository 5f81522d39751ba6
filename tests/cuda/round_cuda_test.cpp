// Tests that the rounding kernel gives the same bits, ternaries and flags on the GPU as on the
// CPU, for every mode and a spread of formats and inputs (ctest label `cuda`: needs a GPU).
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "round_cuda.hpp"

using namespace lowp;

TEST_CASE("GPU rounding is bit-identical to the CPU kernel") {
  std::mt19937_64 g(2024);
  const std::size_t n = 1 << 20;
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t u = g();
    if (i % 3 == 0) x[i] = std::bit_cast<double>(u);  // any bit pattern, NaNs included
    else x[i] = std::ldexp(static_cast<double>(u >> 11) * 0x1p-53 + 0.5,
                           static_cast<int>(u % 300) - 150) * ((u >> 10) & 1 ? -1 : 1);
  }
  std::vector<double> y(n);
  std::vector<int> t(n);
  std::vector<unsigned> fl(n);
  for (const format f : {formats::binary16, formats::bfloat16, formats::e4m3fn, formats::e5m2,
                         formats::e2m1fn, formats::e8m0fnu, formats::tf32}) {
    for (const rounding mode : all_roundings) {
      CAPTURE(to_string(f));
      CAPTURE(long_name(mode));
      const std::string err = round_on_gpu(x.data(), y.data(), t.data(), fl.data(), n, f, mode,
                                           7, 64);
      REQUIRE_MESSAGE(err.empty(), err);
      const random_stream rs(7, 0);
      std::size_t bad = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const round_result r = round(x[i], f, mode, rs(i), 64);
        if (std::bit_cast<std::uint64_t>(r.value) != std::bit_cast<std::uint64_t>(y[i]) ||
            r.ternary != t[i] || r.flags != fl[i])
          ++bad;
      }
      CHECK(bad == 0);
    }
  }
}
