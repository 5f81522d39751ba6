// Tests of the fast CPU kernels (fast.hpp): bit-identical to the reference kernels for every kind
// of model on random ragged shapes, with 1 and 2 threads, on each inner loop.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lowp/kernels/fast.hpp"
#include "lowp/kernels/reference.hpp"

using namespace lowp;
using namespace lowp::kernels;

namespace {

// Returns the models under test: every order, fused and unfused, group sums, promotion,
// partials, stochastic modes, the presets.
std::vector<accumulation_model> all_models() {
  std::vector<accumulation_model> v;
  const format bf = formats::bfloat16, h = formats::binary16, s = formats::binary32;
  v.push_back(models::with_inputs(models::sequential(s, rounding::nearest_even, bf), bf));
  v.push_back(models::unfused(models::with_inputs(models::sequential(s), h), s));
  v.push_back(models::with_inputs(models::sequential(bf), bf));
  v.push_back(models::with_inputs(models::sequential(bf), s));  // products not exact in binary32
  v.push_back(models::with_inputs(models::sequential(h, rounding::toward_zero), formats::tf32));
  v.push_back(models::with_inputs(models::sequential(h, rounding::toward_zero), s));  // lanes
  v.push_back(models::with_inputs(models::blocked(formats::e4m3fn, 4, combine_kind::sequential),
                                  formats::e4m3fn));
  v.push_back(models::with_inputs(models::sequential(h, rounding::toward_zero), h));
  accumulation_model sr = models::with_inputs(models::sequential(bf, rounding::stochastic), bf);
  sr.seed = 99;
  sr.rbits = 20;
  v.push_back(sr);
  sr.rbits = 64;  // too many random bits for the lanes: the generic path
  v.push_back(sr);
  v.push_back(models::with_inputs(models::sequential(h, rounding::nearest_away), formats::e4m3fn));
  v.push_back(models::with_inputs(models::pairwise(h), h));
  v.push_back(models::with_inputs(models::blocked(h, 8, combine_kind::sequential), bf));
  v.push_back(models::with_inputs(models::blocked(s, 5, combine_kind::pairwise), bf));
  v.push_back(models::with_inputs(models::split_k(bf, 3, combine_kind::pairwise), bf));
  accumulation_model p = models::with_inputs(models::split_k(s, 4, combine_kind::sequential), bf);
  p.round_partials = true;
  p.partial = bf;
  v.push_back(p);
  v.push_back(models::with_inputs(models::promoted(h, 16, s), formats::e5m2));
  v.push_back(presets::hopper_fp8_mma());
  v.push_back(presets::hopper_fp8_promoted());
  v.push_back(presets::blackwell_fp8_mma());
  v.push_back(presets::bf16_gemm_fp32_accumulate());
  accumulation_model in_sr = models::with_inputs(models::sequential(s), bf, rounding::stochastic);
  in_sr.seed = 5;
  v.push_back(in_sr);
  v.push_back(models::sequential(formats::binary64));  // inputs as they are: generic
  return v;
}

std::vector<double> normal_data(std::size_t n, std::mt19937_64& g) {
  std::normal_distribution<double> nd;
  std::vector<double> v(n);
  for (auto& x : v) x = nd(g);
  return v;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  return true;
}

}  // namespace

// Returns the number of random shapes per model: 3, or LOWP_FAST_TEST_SHAPES (the exhaustive
// run registers more, with larger sizes).
namespace {
int shape_count() {
  const char* e = std::getenv("LOWP_FAST_TEST_SHAPES");
  return e ? std::atoi(e) : 3;
}
}  // namespace

TEST_CASE("fast GEMM, batched GEMM and GEMV equal the reference bit for bit, 1 and 2 threads") {
  std::mt19937_64 g(2024);
  const int shapes = shape_count();
  const std::size_t scale = shapes > 3 ? 4 : 1;
  for (const accumulation_model& m : all_models()) {
    for (int shape = 0; shape < shapes; ++shape) {
      const std::size_t M = 1 + g() % (9 * scale), N = 1 + g() % (37 * scale),
                        K = 1 + g() % (70 * scale);
      const std::size_t lda = K + g() % 3, ldb = N + g() % 3, ldc = N + 1;
      const std::vector<double> A = normal_data(M * lda, g), B = normal_data(K * ldb, g);
      std::vector<double> want(M * ldc, 0.0);
      reference_gemm(m, M, N, K, A.data(), lda, B.data(), ldb, want.data(), ldc);
      for (int threads : {1, 2}) {
        std::vector<double> got(M * ldc, 0.0);
        gemm(m, M, N, K, A.data(), lda, B.data(), ldb, got.data(), ldc, {threads});
        CHECK_MESSAGE(same_bits(got, want), describe(m), " M=", M, " N=", N, " K=", K,
                      " threads=", threads, " path=", fast_path_name(m));
      }
      // GEMV
      const std::vector<double> x = normal_data(K, g);
      std::vector<double> yw(M), yg(M);
      reference_gemv(m, M, K, A.data(), lda, x.data(), yw.data());
      gemv(m, M, K, A.data(), lda, x.data(), yg.data(), {2});
      CHECK_MESSAGE(same_bits(yg, yw), describe(m), " gemv M=", M, " K=", K);
      // dot and sum
      const std::vector<double> y = normal_data(K, g);
      const double dw = reference_dot(m, K, x.data(), y.data());
      CHECK(std::bit_cast<std::uint64_t>(dot(m, K, x.data(), y.data())) ==
            std::bit_cast<std::uint64_t>(dw));
      const double sw = reference_sum(m, K, x.data());
      CHECK(std::bit_cast<std::uint64_t>(sum(m, K, x.data())) == std::bit_cast<std::uint64_t>(sw));
    }
    // Batched with strides.
    const std::size_t batch = 3, M = 5, N = 19, K = 33;
    const std::vector<double> A = normal_data(batch * M * K + 7, g),
                              B = normal_data(batch * K * N + 5, g);
    std::vector<double> want(batch * M * N + 4), got(batch * M * N + 4);
    reference_batched_gemm(m, batch, M, N, K, A.data(), K, M * K + 2, B.data(), N, K * N + 1,
                           want.data(), N, M * N + 1);
    batched_gemm(m, batch, M, N, K, A.data(), K, M * K + 2, B.data(), N, K * N + 1, got.data(), N,
                 M * N + 1, {2});
    CHECK_MESSAGE(same_bits(got, want), describe(m), " batched");
  }
}

TEST_CASE("fast paths: the inner loop each model takes") {
  const format bf = formats::bfloat16;
  CHECK(fast_path_name(presets::bf16_gemm_fp32_accumulate()) == "native-binary32");
  CHECK(fast_path_name(models::sequential(bf)) == "lanes-binary32");
  CHECK(fast_path_name(models::sequential(bf), true, false) == "lanes");
  CHECK(fast_path_name(models::sequential(formats::tf32, rounding::toward_zero)) == "lanes-binary32");
  CHECK(fast_path_name(models::sequential(formats::e4m3fn)) == "lanes-binary32");
  accumulation_model sr = models::sequential(bf, rounding::stochastic);
  sr.rbits = 20;
  CHECK(fast_path_name(sr) == "lanes");
  sr.rbits = 64;
  CHECK(fast_path_name(sr) == "generic");
  CHECK(fast_path_name(presets::hopper_fp8_mma()) == "generic");
  CHECK(fast_path_name(models::sequential(formats::binary32), false) == "generic");
}

TEST_CASE("lanes fall back exactly at the edges: subnormal, overflowing and special lanes") {
  // binary16 accumulation of products near binary16's largest and smallest values, plus inf
  // and NaN inputs (compared as NaN-or-bits). 11-bit values: the binary32 lanes; 14-bit values
  // (products of 28 bits): the binary64 lanes.
  for (int bits : {11, 14}) {
  std::mt19937_64 g(3);
  const accumulation_model m = models::sequential(formats::binary16, rounding::nearest_even,
                                                  formats::binary16);
  const std::size_t M = 3, N = 20, K = 40;
  std::vector<double> A(M * K), B(K * N);
  std::uniform_int_distribution<int> ex(-16, 9);
  const double steps = std::ldexp(1.0, bits - 1);
  for (auto& x : A)
    x = std::ldexp(1.0 + static_cast<double>(g() % static_cast<std::uint64_t>(steps)) / steps, ex(g)) *
        ((g() & 1) ? 1 : -1);
  for (auto& x : B)
    x = std::ldexp(1.0 + static_cast<double>(g() % static_cast<std::uint64_t>(steps)) / steps, ex(g));
  B[5] = std::numeric_limits<double>::infinity();
  A[7] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> want(M * N), got(M * N);
  reference_gemm(m, M, N, K, A.data(), K, B.data(), N, want.data(), N);
  gemm(m, M, N, K, A.data(), K, B.data(), N, got.data(), N, {2});
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) CHECK(std::isnan(got[i]));
    else CHECK(std::bit_cast<std::uint64_t>(got[i]) == std::bit_cast<std::uint64_t>(want[i]));
  }
  }
}

TEST_CASE("lanes: ties of the accumulator decided by the bits below binary32/binary64 (round to odd)") {
  // Row r: acc = +-1 after k = 0, then a product that puts the binary32 (binary64) sum exactly on
  // a bfloat16 tie while the exact sum lies just above or below it: only the sticky information
  // kept by rounding to odd decides. Binary32 lanes: products 1 * (2^-8 -+ 2^-30);
  // binary64 lanes: (2^-8 -+ 2^-31) * (1 + 2^-23) = 2^-8 -+ ... (not exact in binary32).
  const accumulation_model m = models::sequential(formats::bfloat16, rounding::nearest_even,
                                                  formats::bfloat16);
  for (bool wide : {false, true}) {
    const double bval = wide ? 1.0 + 0x1p-23 : 1.0;
    const double tail = wide ? 0x1p-31 : 0x1p-30;
    const std::size_t M = 4, N = 16, K = 2;
    std::vector<double> A(M * K), B(K * N, bval);
    const double sgn[] = {1, 1, -1, -1}, dir[] = {-1, 1, -1, 1};
    for (std::size_t r = 0; r < M; ++r) {
      A[r * K] = sgn[r];
      A[r * K + 1] = sgn[r] * (0x1p-8 + dir[r] * tail);
    }
    CHECK(fast_path_name(m, true, !wide) == (wide ? "lanes" : "lanes-binary32"));
    std::vector<double> want(M * N), got(M * N);
    reference_gemm(m, M, N, K, A.data(), K, B.data(), N, want.data(), N);
    gemm(m, M, N, K, A.data(), K, B.data(), N, got.data(), N, {1});
    // Below the tie: 1; above it: 1 + 2^-7 (with the rows' signs).
    const double expect[] = {1.0, 1.0 + 0x1p-7, -1.0, -(1.0 + 0x1p-7)};
    for (std::size_t r = 0; r < M; ++r)
      for (std::size_t j = 0; j < N; ++j) {
        CHECK(want[r * N + j] == expect[r]);
        CHECK(got[r * N + j] == expect[r]);
      }
  }
}
