// Tests of the error metrics and bounds (error.hpp): measured errors of every kind of model lie
// within the a priori bounds, and stochastic accumulation is unbiased within statistical bounds.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "lowp/kernels/error.hpp"
#include "lowp/kernels/fast.hpp"
#include "lowp/kernels/reference.hpp"

using namespace lowp;
using namespace lowp::kernels;

TEST_CASE("ulps, relative and normwise errors by hand") {
  const exact_value one{1.0, 0.0};
  CHECK(ulp_of(1.0, formats::bfloat16) == 0x1p-7);
  CHECK(ulp_of(0x1p-130, formats::bfloat16) == 0x1p-133);  // subnormal quantum
  CHECK(ulp_of(0.0, formats::binary16) == 0x1p-24);
  CHECK(error_in_ulps(1.0 + 0x1p-7, one, formats::bfloat16) == 1.0);
  CHECK(error_in_ulps(1.0 - 0x1p-8, one, formats::bfloat16) == -0.5);
  // binary64 ulps of a value off by 2^-60 from 1 + 2^-52 - 2^-60 (hi, lo split)
  const exact_value e{1.0 + 0x1p-52, -0x1p-60};
  CHECK(error_in_ulps(1.0 + 0x1p-52, e, formats::binary64) == doctest::Approx(0x1p-8));
  CHECK(relative_error(1.5, one) == 0.5);
  CHECK(relative_error(0.0, exact_value{0.0, 0.0}) == 0.0);
  CHECK(std::isinf(relative_error(1.0, exact_value{0.0, 0.0})));
  const double c[] = {1.0, 2.5};
  const exact_value x[] = {{1.0, 0.0}, {2.0, 0.0}};
  CHECK(normwise_error(2, c, x) == 0.25);
  CHECK(gamma(10, 0x1p-8) == doctest::Approx(10 * 0x1p-8 / (1 - 10 * 0x1p-8)));
  CHECK(std::isinf(gamma(256, 0x1p-8)));
  CHECK(probabilistic_gamma(100, 0x1p-24, 1) == doctest::Approx(10 * 0x1p-24).epsilon(1e-6));
  histogram h(-1, 1, 4);
  for (double v : {-2.0, -0.75, -0.1, 0.1, 0.2, 0.9, 1.0})
    h.add(v);
  CHECK(h.below == 1);
  CHECK(h.above == 1);
  CHECK(h.counts == std::vector<std::uint64_t>{1, 1, 2, 1});
  CHECK(h.edge(2) == 0.0);
}

TEST_CASE("errors of every kind of model lie within the a priori bound") {
  std::mt19937_64 g(11);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<accumulation_model> ms = {
      models::sequential(formats::bfloat16), models::sequential(formats::binary16, rounding::toward_zero),
      models::pairwise(formats::bfloat16), models::blocked(formats::binary16, 16, combine_kind::pairwise),
      models::split_k(formats::bfloat16, 4, combine_kind::sequential),
      models::promoted(formats::bfloat16, 32, formats::binary32),
      models::unfused(models::sequential(formats::binary32), formats::bfloat16),
      presets::hopper_fp8_mma(), presets::hopper_fp8_promoted(), presets::blackwell_fp8_mma()};
  accumulation_model sr = models::sequential(formats::bfloat16, rounding::stochastic);
  sr.rbits = 20;
  ms.push_back(sr);
  for (accumulation_model m : ms) {
    m.output = formats::binary64;
    for (std::size_t n : {1u, 10u, 100u, 1000u}) {
      for (int rep = 0; rep < 5; ++rep) {
        std::vector<double> a(n), b(n);
        for (auto& x : a) x = lowp::round(u(g), formats::e4m3fn, rounding::nearest_even).value;
        for (auto& x : b) x = lowp::round(u(g), formats::e4m3fn, rounding::nearest_even).value;
        double scale = 0;
        for (std::size_t k = 0; k < n; ++k) scale += std::fabs(a[k] * b[k]);
        const exact_value e = exact_dot(n, a.data(), b.data()).to_double_double();
        const double got = reference_dot(m, n, a.data(), b.data());
        const double bound = model_error_bound(m, n);
        CHECK_MESSAGE(componentwise_error(got, e, scale) <= bound, describe(m), " n=", n);
      }
    }
  }
}

TEST_CASE("stochastic accumulation: unbiased within statistical bounds, nearest stagnates") {
  // Sum n = 4000 copies of 2^-9 + 2^-12 in a bfloat16 accumulator, 400 seeds. The exact sum is
  // 4000 * 0x1.2p-9 = 8.7890625. Round to nearest stagnates once the quantum exceeds twice the
  // term; stochastic rounding is unbiased: the mean over seeds lies within 5 standard errors.
  const std::size_t n = 4000;
  std::vector<double> x(n, 0x1.2p-9);
  const double exact = static_cast<double>(n) * 0x1.2p-9;
  const accumulation_model rn = models::sequential(formats::bfloat16);
  const double stagnated = reference_sum(rn, n, x.data());
  CHECK(stagnated < 0.5 * exact);
  accumulation_model sr = models::sequential(formats::bfloat16, rounding::stochastic);
  error_stats s;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    sr.seed = seed;
    s.add(sum(sr, n, x.data()) - exact);
  }
  const double stderr_mean = std::sqrt(s.variance() / static_cast<double>(s.n));
  CHECK(std::fabs(s.mean) <= 5 * stderr_mean);
  CHECK(s.variance() > 0);
  // And the probabilistic bound: the error is far below the deterministic gamma_n bound.
  CHECK(s.max_abs / exact < model_error_bound(sr, n));
}

TEST_CASE("measure_errors on a GEMM: statistics against exact entries, within the bound") {
  std::mt19937_64 g(5);
  std::normal_distribution<double> nd;
  const std::size_t M = 6, N = 9, K = 300;
  std::vector<double> A(M * K), B(K * N);
  for (auto& x : A) x = lowp::round(nd(g), formats::bfloat16, rounding::nearest_even).value;
  for (auto& x : B) x = lowp::round(nd(g), formats::bfloat16, rounding::nearest_even).value;
  const accumulation_model m = models::sequential(formats::bfloat16, rounding::nearest_even,
                                                  formats::bfloat16);
  std::vector<double> C(M * N);
  gemm(m, M, N, K, A.data(), K, B.data(), N, C.data(), N);
  std::vector<exact_entry> ex;
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) ex.push_back(exact_gemm_value(K, A.data(), K, B.data(), N, i, j));
  const output_errors r = measure_errors(m, K, C.size(), C.data(), ex.data());
  CHECK(r.ulps_out.n == M * N);
  CHECK(r.abs_ulps_out.total == M * N);
  CHECK(r.not_finite == 0);
  CHECK(r.max_componentwise_bound_ratio <= 1.0);
  CHECK(r.max_componentwise_bound_ratio > 0.0);
  // bfloat16 accumulation of 300 products loses several output ulps somewhere.
  CHECK(r.ulps_out.max_abs > 1.0);
  // The output is the model's own rounding of a value: in binary64 ulps the error is huge.
  CHECK(r.ulps_binary64.max_abs > 1e10);
  // Entry (0, 0) by hand.
  double s = 0, sc = 0;
  for (std::size_t k = 0; k < K; ++k) {
    s += A[k] * B[k * N];  // binary64 is exact enough for a sanity check at this size
    sc += std::fabs(A[k] * B[k * N]);
  }
  CHECK(ex[0].value.hi == doctest::Approx(s).epsilon(1e-12));
  CHECK(ex[0].scale == doctest::Approx(sc).epsilon(1e-12));
}
