// Tests that the CUDA kernels (cuda.hpp) give the reference kernels' bits for every kind of
// model (ctest label `cuda`: needs a GPU; fails, not skips, without one).
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lowp/kernels/cuda.hpp"
#include "lowp/kernels/reference.hpp"

using namespace lowp;
using namespace lowp::kernels;

namespace {

std::vector<accumulation_model> models_under_test() {
  const format bf = formats::bfloat16, h = formats::binary16, s = formats::binary32;
  std::vector<accumulation_model> v;
  v.push_back(presets::bf16_gemm_fp32_accumulate());
  v.push_back(models::unfused(models::with_inputs(models::sequential(s), h), bf));
  accumulation_model sr = models::with_inputs(models::sequential(bf, rounding::stochastic), bf);
  sr.seed = 3;
  v.push_back(sr);
  v.push_back(models::with_inputs(models::pairwise(h), bf));
  v.push_back(models::with_inputs(models::blocked(h, 8, combine_kind::pairwise), bf));
  accumulation_model p = models::with_inputs(models::split_k(s, 3, combine_kind::sequential), bf,
                                             rounding::stochastic);
  p.round_partials = true;
  v.push_back(p);
  v.push_back(presets::hopper_fp8_promoted());
  v.push_back(presets::blackwell_fp8_mma());
  v.push_back(models::sequential(formats::binary64));
  return v;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("CUDA GEMM, GEMV, dot and sum equal the reference bit for bit") {
  std::mt19937_64 g(77);
  std::normal_distribution<double> nd;
  for (const accumulation_model& m : models_under_test()) {
    CAPTURE(describe(m));
    const std::size_t batch = 2, M = 7, N = 45, K = 131;
    std::vector<double> A(batch * M * K), B(batch * K * N);
    for (auto& x : A) x = nd(g);
    for (auto& x : B) x = nd(g);
    std::vector<double> want(batch * M * N), got(batch * M * N);
    reference_batched_gemm(m, batch, M, N, K, A.data(), K, M * K, B.data(), N, K * N, want.data(),
                           N, M * N);
    const std::string err = cuda::batched_gemm(m, batch, M, N, K, A.data(), K, M * K, B.data(), N,
                                               K * N, got.data(), N, M * N);
    REQUIRE_MESSAGE(err.empty(), err);
    CHECK(same_bits(got, want));
    std::vector<double> yw(M), yg(M);
    reference_gemv(m, M, K, A.data(), K, B.data(), yw.data());
    REQUIRE(cuda::gemv(m, M, K, A.data(), K, B.data(), yg.data()).empty());
    CHECK(same_bits(yg, yw));
    double d = 0, s = 0;
    REQUIRE(cuda::dot(m, K, A.data(), B.data(), &d).empty());
    CHECK(std::bit_cast<std::uint64_t>(d) ==
          std::bit_cast<std::uint64_t>(reference_dot(m, K, A.data(), B.data())));
    REQUIRE(cuda::sum(m, K, A.data(), &s).empty());
    CHECK(std::bit_cast<std::uint64_t>(s) ==
          std::bit_cast<std::uint64_t>(reference_sum(m, K, A.data())));
  }
}
