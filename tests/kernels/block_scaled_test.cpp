// Tests of the block-scaled dot and GEMM (block_scaled.hpp): hand-computed MXFP4 / NVFP4 cases
// from codes, NaN scales, reference vs fast path bit for bit on ragged shapes (1 and 2 threads),
// exact accumulation against the exact accumulator and GNU MPFR, and errors within the a priori
// bound of the model.
#include "lowp/kernels/block_scaled.hpp"

#include <doctest/doctest.h>
#include <mpfr.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lowp/block.hpp"
#include "lowp/kernels/error.hpp"
#include "lowp/reference.hpp"

using namespace lowp;
using namespace lowp::kernels;

namespace {

// Returns the operand of packed codes: element codes row-major, one scale code per block.
block_matrix from_codes(std::size_t rows, std::size_t cols, block_spec spec, bool along_rows,
                        const std::vector<std::uint32_t>& ecodes,
                        const std::vector<std::uint32_t>& scodes, float tensor_scale = 1) {
  if (!along_rows) {
    spec.tile_rows = spec.tile_cols;
    spec.tile_cols = 1;
  }
  packed_blocks p;
  p.rows = rows;
  p.cols = cols;
  p.spec = spec;
  p.elements = pack_codes(ecodes.data(), ecodes.size(), spec.element.code_bits());
  p.scales = pack_codes(scodes.data(), scodes.size(), spec.scale.width());
  p.tensor_scale_code = std::bit_cast<std::uint32_t>(tensor_scale);
  return from_packed(p);
}

bool same(double x, double y) {
  return (std::isnan(x) && std::isnan(y)) ||
         std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
}

std::vector<accumulation_model> some_models() {
  std::vector<accumulation_model> ms;
  ms.push_back(models::sequential(formats::binary32, rounding::nearest_even, formats::binary32));
  ms.push_back(models::sequential(formats::binary32, rounding::nearest_even, formats::bfloat16));
  ms.push_back(models::sequential(formats::bfloat16));
  accumulation_model sr = models::sequential(formats::binary32, rounding::stochastic);
  sr.seed = 11;
  sr.rbits = 13;
  ms.push_back(sr);
  ms.push_back(models::pairwise(formats::binary16));
  ms.push_back(models::promoted(formats::bfloat16, 3, formats::binary32));
  ms.push_back(models::split_k(formats::binary32, 3, combine_kind::pairwise));
  ms.push_back(models::unfused(models::sequential(formats::binary32), formats::bfloat16));
  ms.push_back(models::sequential(formats::binary32, rounding::toward_zero, formats::binary32));
  return ms;
}

// Returns rows x cols values: N(0,1), some outliers, rows/columns scaled far apart (E8M0 scales
// whose products leave binary32's range), a NaN now and then when `nan`.
std::vector<double> random_matrix(std::size_t rows, std::size_t cols, std::mt19937_64& g,
                                  bool nan) {
  std::normal_distribution<double> nd;
  std::vector<double> v(rows * cols);
  const int wide = static_cast<int>(g() % 4);
  for (std::size_t r = 0; r < rows; ++r) {
    const int er = wide == 0 ? static_cast<int>(g() % 161) - 80 : 0;
    for (std::size_t c = 0; c < cols; ++c) {
      double x = nd(g);
      if (g() % 50 == 0) x *= 100;
      if (wide == 1 && c % 7 == 3) x = std::ldexp(x, static_cast<int>(g() % 161) - 80);
      v[r * cols + c] = std::ldexp(x, er);
    }
  }
  if (nan && g() % 3 == 0) v[g() % v.size()] = std::nan("");
  return v;
}

const char* const preset_names[] = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3",
                                    "mxfp4_e2m1", "mxint8",     "nvfp4"};

}  // namespace

TEST_CASE("two MXFP4 blocks from known codes") {
  const block_spec s = block_formats::mxfp4_e2m1;
  // x: block 0 all 1.0 (code 0x2), scale 2^0 (0x7f); block 1 all 6.0 (0x7), scale 2^-3 (0x7c).
  // y: block 0 all 0.5 (0x1), scale 2^2 (0x81); block 1 all -1.5 (0xb), scale 2^1 (0x80).
  std::vector<std::uint32_t> xc(64), yc(64);
  for (int k = 0; k < 64; ++k) {
    xc[k] = k < 32 ? 0x2 : 0x7;
    yc[k] = k < 32 ? 0x1 : 0xb;
  }
  const block_matrix x = from_codes(1, 64, s, true, xc, {0x7f, 0x7c});
  const block_matrix y = from_codes(64, 1, s, false, yc, {0x81, 0x80});
  const accumulation_model m = models::sequential(formats::binary32);
  // T_0 = 32 * 1 * 0.5 * 2^(0+2) = 64, T_1 = 32 * 6 * (-1.5) * 2^(-3+1) = -72.
  CHECK(reference_block_dot(m, x, y) == -8.0);
  CHECK(block_dot(m, x, y) == -8.0);
  CHECK(exact_block_entry(x, y, 0, 0).round(formats::binary64).value == -8.0);

  // T_0 = 256, T_1 = 1: binary32 keeps 257, a bfloat16 accumulator ties to even 256, rounding
  // toward +inf gives 258.
  for (int k = 0; k < 64; ++k) {
    xc[k] = k < 32 ? 0x4 : (k == 32 ? 0x1 : 0x0);  // 2.0; 0.5 then zeros
    yc[k] = k < 32 ? 0x6 : (k == 32 ? 0x4 : 0x0);  // 4.0; 2.0 then zeros
  }
  const block_matrix x2 = from_codes(1, 64, s, true, xc, {0x7f, 0x7f});
  const block_matrix y2 = from_codes(64, 1, s, false, yc, {0x7f, 0x7f});
  CHECK(reference_block_dot(m, x2, y2) == 257.0);
  CHECK(block_dot(m, x2, y2) == 257.0);
  CHECK(reference_block_dot(models::sequential(formats::bfloat16), x2, y2) == 256.0);
  CHECK(reference_block_dot(models::sequential(formats::bfloat16, rounding::up), x2, y2) == 258.0);
}

TEST_CASE("the block dot is exact before its one rounding") {
  // One block of 32: 31 products 6 * 6 and one 0.5 * 0.5: S = 1116.25 exactly. A bfloat16
  // accumulator rounds it once: 1116.25 lies above the midpoint 1116 of 1112 and 1120.
  const block_spec s = block_formats::mxfp4_e2m1;
  std::vector<std::uint32_t> c(32, 0x7);
  c[31] = 0x1;
  const block_matrix x = from_codes(1, 32, s, true, c, {0x7f});
  const block_matrix y = from_codes(32, 1, s, false, c, {0x7f});
  CHECK(reference_block_dot(models::sequential(formats::binary32), x, y) == 1116.25);
  CHECK(block_dot(models::sequential(formats::binary32), x, y) == 1116.25);
  CHECK(reference_block_dot(models::sequential(formats::bfloat16), x, y) == 1120.0);
  // Rounding the term to bfloat16 first (unfused) and accumulating in binary32: also 1120.
  CHECK(reference_block_dot(
            models::unfused(models::sequential(formats::binary32), formats::bfloat16), x, y) ==
        1120.0);
}

TEST_CASE("one rounding into binary32 where binary64 would round twice (MXFP8)") {
  // Block 0: 1 * 1 = 1. Block 1: 64 * 64 + 2^-9 * 2^-9 = 2^12 + 2^-18 (E4M3 0x68, 0x01), scales
  // 2^-18 each (E8M0 0x6d): T_1 = 2^-24 + 2^-54. acc + T_1 = 1 + 2^-24 + 2^-54 rounds to binary64
  // as the binary32 midpoint 1 + 2^-24 (then to even: 1); once, it is 1 + 2^-23.
  const block_spec s = block_formats::mxfp8_e4m3;
  std::vector<std::uint32_t> c(64, 0);
  c[0] = 0x38;
  c[32] = 0x68;
  c[33] = 0x01;
  const block_matrix x = from_codes(1, 64, s, true, c, {0x7f, 0x6d});
  const block_matrix y = from_codes(64, 1, s, false, c, {0x7f, 0x6d});
  const accumulation_model m = models::sequential(formats::binary32);
  CHECK(reference_block_dot(m, x, y) == 1 + 0x1p-23);
  CHECK(block_dot(m, x, y) == 1 + 0x1p-23);
  // Below 1: T_1 = -(2^-25 + 2^-55) (y's block 1 negated, scale 2^-19): 1 - 2^-24, not 1.
  std::vector<std::uint32_t> d = c;
  d[32] = 0xe8;
  d[33] = 0x81;
  const block_matrix y2 = from_codes(64, 1, s, false, d, {0x7f, 0x6c});
  CHECK(reference_block_dot(m, x, y2) == 1 - 0x1p-24);
  CHECK(block_dot(m, x, y2) == 1 - 0x1p-24);
  // The same through GEMM tiles (4 x 8, rows and columns repeated).
  std::vector<std::uint32_t> xa, yb;
  for (int r = 0; r < 5; ++r) xa.insert(xa.end(), c.begin(), c.end());
  for (int k = 0; k < 64; ++k)
    for (int j = 0; j < 9; ++j) yb.push_back(j % 2 ? d[k] : c[k]);
  std::vector<std::uint32_t> ys;
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < 9; ++j) ys.push_back(b == 0 ? 0x7f : (j % 2 ? 0x6c : 0x6d));
  const block_matrix A =
      from_codes(5, 64, s, true, xa, {0x7f, 0x6d, 0x7f, 0x6d, 0x7f, 0x6d, 0x7f, 0x6d, 0x7f, 0x6d});
  const block_matrix B = from_codes(64, 9, s, false, yb, ys);
  std::vector<double> out(45);
  block_gemm(m, A, B, out.data(), 9);
  for (int t = 0; t < 45; ++t) CHECK(out[t] == (t % 9 % 2 ? 1 - 0x1p-24 : 1 + 0x1p-23));
}

TEST_CASE("NVFP4: E4M3 block scales in the MMA, tensor scales through alpha") {
  const block_spec s = block_formats::nvfp4;
  // x: 16 x 6.0 (0x7), block scale 1.5 (E4M3 0x3c); y: 16 x 1.0 (0x2), block scale 0.75 (0x34).
  const std::vector<std::uint32_t> xc(16, 0x7), yc(16, 0x2);
  const float tx = 1.0f / 3.0f, ty = 0.1f;
  const block_matrix x = from_codes(1, 16, s, true, xc, {0x3c}, tx);
  const block_matrix y = from_codes(16, 1, s, false, yc, {0x34}, ty);
  CHECK(x.scales[0] == 1.5);
  CHECK(y.scales[0] == 0.75);
  // T = 96 * 1.5 * 0.75 = 108; alpha = RN_binary32(tx ty); output RN_binary32(108 alpha), one
  // rounding of a product that binary64 holds exactly (5 + 24 bits).
  const accumulation_model m =
      models::sequential(formats::binary32, rounding::nearest_even, formats::binary32);
  const double alpha = static_cast<float>(static_cast<double>(tx) * ty);
  const double want = static_cast<float>(108.0 * alpha);
  CHECK(reference_block_dot(m, x, y) == want);
  CHECK(block_dot(m, x, y) == want);
  // The exact rule: RN_binary32(108 tx ty) (5 + 24 + 24 bits: exact in binary64).
  const double want_exact = static_cast<float>(108.0 * (static_cast<double>(tx) * ty));
  CHECK(reference_block_dot(m, x, y, tensor_scale_rule::exact) == want_exact);
  CHECK(block_dot(m, x, y, tensor_scale_rule::exact) == want_exact);
  CHECK(exact_block_entry(x, y, 0, 0).round(formats::binary32).value == want_exact);
}

TEST_CASE("NaN scales give NaN") {
  std::mt19937_64 g(3);
  for (const char* name : {"mxfp8_e4m3", "mxfp4_e2m1", "nvfp4", "mxfp8_e5m2"}) {
    const block_spec s = *find_block_preset(name);
    const std::size_t M = 5, N = 6, K = 70;
    std::vector<double> a = random_matrix(M, K, g, false), b = random_matrix(K, N, g, false);
    a[2 * K + 40] = std::nan("");  // row 2, block 1 (k = 32 or 16): a NaN block of A
    b[5 * N + 4] = INFINITY;       // column 4, block 0: a NaN block of B (OCP: inf -> NaN scale)
    const block_matrix A = quantize_operand(a.data(), M, K, s, true);
    const block_matrix B = quantize_operand(b.data(), K, N, s, false);
    CHECK(std::isnan(A.scale(2, 40 / A.block())));
    CHECK(std::isnan(B.scale(4, 0)));
    for (const accumulation_model& m :
         {models::sequential(formats::binary32, rounding::nearest_even, formats::binary32),
          models::pairwise(formats::bfloat16)}) {
      std::vector<double> r(M * N), f(M * N);
      reference_block_gemm(m, A, B, r.data(), N);
      block_gemm(m, A, B, f.data(), N);
      for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
          const bool nan = i == 2 || j == 4;
          CHECK_MESSAGE(std::isnan(r[i * N + j]) == nan, name, " ", i, " ", j);
          CHECK(same(r[i * N + j], f[i * N + j]));
        }
    }
  }
  // A NaN scale code by hand (E8M0 0xff) with zero elements: still NaN.
  const block_matrix x =
      from_codes(1, 32, block_formats::mxfp8_e4m3, true, std::vector<std::uint32_t>(32, 0), {0xff});
  const block_matrix y = from_codes(32, 1, block_formats::mxfp8_e4m3, false,
                                    std::vector<std::uint32_t>(32, 0x38), {0x7f});
  CHECK(std::isnan(reference_block_dot(models::sequential(formats::binary32), x, y)));
  CHECK(std::isnan(block_dot(models::sequential(formats::binary32), x, y)));
}

TEST_CASE("fast path = reference, bit for bit, ragged shapes, 1 and 2 threads") {
  std::mt19937_64 g(2026);
  const std::vector<accumulation_model> ms = some_models();
  // LOWP_BLOCK_TEST_TRIALS=n: n shapes per preset, up to 40 x 48 (the exhaustive rerun).
  const char* env = std::getenv("LOWP_BLOCK_TEST_TRIALS");
  const int trials = env ? std::atoi(env) : 6;
  const std::size_t rows = env ? 40 : 13, cols = env ? 48 : 21;
  for (const char* name : preset_names) {
    const block_spec s = *find_block_preset(name);
    for (int trial = 0; trial < trials; ++trial) {
      const std::size_t M = 1 + g() % rows, N = 1 + g() % cols;
      std::size_t K = 1 + g() % 150;
      if (trial == 0) K = 300;
      if (trial == 1) K = 32;
      const std::vector<double> a = random_matrix(M, K, g, true), b = random_matrix(K, N, g, true);
      block_options opt;
      opt.threads = 1;
      const block_matrix A = quantize_operand(a.data(), M, K, s, true, opt);
      const block_matrix B = quantize_operand(b.data(), K, N, s, false, opt);
      for (std::size_t mi = 0; mi < ms.size(); ++mi) {
        const accumulation_model& m = ms[mi];
        if (mi > 1 && trial > 2) continue;  // the generic models share the reference's code
        for (tensor_scale_rule rule :
             {tensor_scale_rule::binary32_alpha, tensor_scale_rule::exact}) {
          std::vector<double> r(M * N), f1(M * N), f2(M * N);
          reference_block_gemm(m, A, B, r.data(), N, rule);
          block_gemm(m, A, B, f1.data(), N, rule, {1});
          block_gemm(m, A, B, f2.data(), N, rule, {2});
          int bad = 0;
          for (std::size_t t = 0; t < M * N; ++t)
            if (!same(r[t], f1[t]) || !same(r[t], f2[t])) {
              if (++bad <= 3)
                FAIL_CHECK(name, " ", describe(m), " ", M, "x", N, "x", K, " out ", t, " ref ",
                           reference::to_hex(r[t]), " fast ", reference::to_hex(f1[t]), " / ",
                           reference::to_hex(f2[t]));
            }
          CHECK(bad == 0);
        }
      }
    }
  }
}

TEST_CASE("MXFP8 E5M2: binary64 block dots where they are exact, the exact term elsewhere") {
  // Block dots of E5M2 elements may need 69 bits: 57344 * 57344 + 2^-16 * 2^-16. Rows and
  // columns with such extremes in some blocks, the rest N(0,1): the checked path must send those
  // tile blocks through the exact term and the others through binary64, with the same bits.
  std::mt19937_64 g(8);
  const block_spec s = block_formats::mxfp8_e5m2;
  const std::size_t M = 11, N = 19, K = 150;
  std::normal_distribution<double> nd;
  std::vector<double> a(M * K), b(K * N);
  for (double& x : a) x = nd(g);
  for (double& x : b) x = nd(g);
  // Every third row of A and fourth column of B: zero but for (1000, 2^-20, +-1000) in block 1,
  // scale 2^-6, elements (57344 saturated, 2^-14, +-57344). Their block dot is 57344^2 + 2^-28
  // - 57344^2 = 2^-28 exactly (binary64 in this order: 0), so output (0, 0) is 2^-28 * 2^-12.
  for (std::size_t i = 0; i < M; i += 3) {
    for (std::size_t t = 0; t < K; ++t) a[i * K + t] = 0;
    a[i * K + 40] = 1000.0;
    a[i * K + 41] = 0x1p-20;
    a[i * K + 42] = 1000.0;
  }
  for (std::size_t j = 0; j < N; j += 4) {
    for (std::size_t t = 0; t < K; ++t) b[t * N + j] = 0;
    b[40 * N + j] = 1000.0;
    b[41 * N + j] = 0x1p-20;
    b[42 * N + j] = -1000.0;
  }
  const block_matrix A = quantize_operand(a.data(), M, K, s, true);
  const block_matrix B = quantize_operand(b.data(), K, N, s, false);
  const accumulation_model m =
      models::sequential(formats::binary32, rounding::nearest_even, formats::binary32);
  REQUIRE(block_fast_path_name(m, A, B) == "block-f64-checked");
  REQUIRE(A.element(0, 41) == 0x1p-14);
  REQUIRE(B.element(0, 41) == 0x1p-14);
  std::vector<double> r(M * N), f1(M * N), f2(M * N);
  reference_block_gemm(m, A, B, r.data(), N);
  block_gemm(m, A, B, f1.data(), N, tensor_scale_rule::binary32_alpha, {1});
  block_gemm(m, A, B, f2.data(), N, tensor_scale_rule::binary32_alpha, {2});
  CHECK(r[0] == 0x1p-40);
  for (std::size_t t = 0; t < M * N; ++t) {
    CHECK_MESSAGE(same(r[t], f1[t]), t, " ref ", reference::to_hex(r[t]), " fast ",
                  reference::to_hex(f1[t]));
    CHECK(same(r[t], f2[t]));
  }
}

TEST_CASE("fast path choice") {
  std::mt19937_64 g(5);
  const accumulation_model m = models::sequential(formats::binary32);
  const std::vector<double> a = random_matrix(2, 40, g, false);
  auto path = [&](const char* name) {
    const block_spec s = *find_block_preset(name);
    const block_matrix A = quantize_operand(a.data(), 2, 40, s, true);
    const block_matrix B = quantize_operand(a.data(), 40, 2, s, false);
    return block_fast_path_name(m, A, B);
  };
  CHECK(path("mxfp8_e4m3") == "block-f64");
  CHECK(path("mxfp8_e5m2") == "block-f64-checked");
  CHECK(path("mxfp6_e3m2") == "block-f32");
  CHECK(path("mxfp6_e2m3") == "block-f32");
  CHECK(path("mxfp4_e2m1") == "block-f32");
  CHECK(path("mxint8") == "block-f32");
  CHECK(path("nvfp4") == "block-f32");
}

namespace {

// Blocks whose largest magnitude is 1.5 and whose other elements lie in [0.5, 1): every block of
// a preset gets the same scale, so a binary64 accumulator adds the block terms exactly.
std::vector<double> narrow_matrix(std::size_t rows, std::size_t cols, bool along_rows,
                                  std::size_t k, std::mt19937_64& g) {
  std::uniform_real_distribution<double> u(0.5, 1.0);
  std::vector<double> v(rows * cols);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t t = along_rows ? c : r;
      const double x = t % k == 0 ? 1.5 : u(g);
      v[r * cols + c] = g() % 2 ? -x : x;
    }
  return v;
}

}  // namespace

TEST_CASE(
    "exact accumulation = the exact dot of the dequantized inputs rounded once (exact.hpp, MPFR)") {
  std::mt19937_64 g(77);
  std::vector<accumulation_model> ms;
  ms.push_back(models::sequential(formats::binary64));
  ms.push_back(models::pairwise(formats::binary64));
  ms.push_back(models::blocked(formats::binary64, 3, combine_kind::pairwise));
  ms.push_back(models::split_k(formats::binary64, 2, combine_kind::sequential));
  mpfr_t acc, prod;
  mpfr_init2(acc, 4600);
  mpfr_init2(prod, 120);
  for (const char* name : preset_names) {
    const block_spec s = *find_block_preset(name);
    const std::size_t k = s.tile_cols;
    const std::size_t M = 3, N = 4, K = 5 * k + 7;  // a partial last block
    const std::vector<double> a = narrow_matrix(M, K, true, k, g);
    const std::vector<double> b = narrow_matrix(K, N, false, k, g);
    const block_matrix A = quantize_operand(a.data(), M, K, s, true);
    const block_matrix B = quantize_operand(b.data(), K, N, s, false);
    const std::vector<double> da = dequantized(A), db = dequantized(B);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        const exact_accumulator x = exact_block_entry(A, B, i, j);
        mpfr_set_zero(acc, 1);
        for (std::size_t t = 0; t < K; ++t) {
          mpfr_set_d(prod, da[i * K + t], MPFR_RNDN);
          REQUIRE(mpfr_mul_d(prod, prod, db[t * N + j], MPFR_RNDN) == 0);
          REQUIRE(mpfr_add(acc, acc, prod, MPFR_RNDN) == 0);
        }
        REQUIRE(!mpfr_zero_p(acc));
        for (const format& out : {formats::binary32, formats::bfloat16, formats::binary16}) {
          for (rounding mode : deterministic_roundings) {
            const double want = reference::round_exact(acc, out, mode).value;
            CHECK(same(x.round(out, mode).value, want));
            for (accumulation_model m : ms) {
              m.output = out;
              m.output_mode = mode;
              const double got = block_model_dot(
                  m, A.blocks_along_k(),
                  [&](std::uint64_t b) { return kernels::detail::exact_block_term(A, B, i, j, b); },
                  tensor_alpha(A, B, tensor_scale_rule::exact), i * N + j);
              CHECK_MESSAGE(same(got, want), name, " ", describe(m), " got ",
                            reference::to_hex(got), " want ", reference::to_hex(want));
            }
          }
        }
      }
  }
  mpfr_clear(acc);
  mpfr_clear(prod);
}

TEST_CASE("the exact reference against MPFR on wide-range data") {
  std::mt19937_64 g(91);
  mpfr_t acc, prod;
  mpfr_init2(acc, 4600);
  mpfr_init2(prod, 120);
  for (const char* name : preset_names) {
    const block_spec s = *find_block_preset(name);
    const std::size_t M = 4, N = 3, K = 75;
    const std::vector<double> a = random_matrix(M, K, g, false), b = random_matrix(K, N, g, false);
    const block_matrix A = quantize_operand(a.data(), M, K, s, true);
    const block_matrix B = quantize_operand(b.data(), K, N, s, false);
    const std::vector<double> da = dequantized(A), db = dequantized(B);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        mpfr_set_zero(acc, 1);
        for (std::size_t t = 0; t < K; ++t) {
          mpfr_set_d(prod, da[i * K + t], MPFR_RNDN);
          REQUIRE(mpfr_mul_d(prod, prod, db[t * N + j], MPFR_RNDN) == 0);
          REQUIRE(mpfr_add(acc, acc, prod, MPFR_RNDN) == 0);
        }
        if (mpfr_zero_p(acc)) continue;
        const exact_accumulator x = exact_block_entry(A, B, i, j);
        for (rounding mode : deterministic_roundings)
          CHECK(same(x.round(formats::binary32, mode).value,
                     reference::round_exact(acc, formats::binary32, mode).value));
      }
  }
  mpfr_clear(acc);
  mpfr_clear(prod);
}

TEST_CASE("errors within the a priori bound of the model") {
  std::mt19937_64 g(13);
  std::vector<accumulation_model> ms;
  ms.push_back(models::sequential(formats::binary32, rounding::nearest_even, formats::binary32));
  ms.push_back(models::sequential(formats::bfloat16, rounding::nearest_even, formats::binary32));
  ms.push_back(models::pairwise(formats::binary16, rounding::nearest_even, formats::binary32));
  ms.push_back(models::promoted(formats::bfloat16, 4, formats::binary32, rounding::nearest_even,
                                formats::binary32));
  accumulation_model sr =
      models::sequential(formats::bfloat16, rounding::stochastic, formats::binary32);
  sr.seed = 5;
  ms.push_back(sr);
  for (const char* name : preset_names) {
    const block_spec s = *find_block_preset(name);
    const std::size_t M = 4, N = 5, K = 1000;
    std::normal_distribution<double> nd;
    std::vector<double> a(M * K), b(K * N);
    for (double& x : a) x = nd(g);
    for (double& x : b) x = nd(g);
    const block_matrix A = quantize_operand(a.data(), M, K, s, true);
    const block_matrix B = quantize_operand(b.data(), K, N, s, false);
    const std::vector<double> da = dequantized(A), db = dequantized(B);
    for (const accumulation_model& m : ms)
      for (tensor_scale_rule rule : {tensor_scale_rule::binary32_alpha, tensor_scale_rule::exact}) {
        std::vector<double> c(M * N);
        block_gemm(m, A, B, c.data(), N, rule);
        if (std::string(name) == "nvfp4" && m.accumulator == formats::binary16) {
          // NVFP4's block terms carry the E4M3 scales (here about 448 each: the tensor scales
          // are small) and not the tensor scales, so they exceed binary16's range: the bound's
          // no-overflow premise fails, and the accumulator overflows.
          CHECK(!std::isfinite(c[0]));
          continue;
        }
        // The model's bound over nb terms, times (1 + u) for alpha's rounding to binary32.
        double bound = model_error_bound(m, A.blocks_along_k());
        if (rule == tensor_scale_rule::binary32_alpha) bound = (1 + bound) * (1 + 0x1p-24) - 1;
        for (std::size_t i = 0; i < M; ++i)
          for (std::size_t j = 0; j < N; ++j) {
            const exact_entry e = exact_gemm_value(K, da.data(), K, db.data(), N, i, j);
            const double err = componentwise_error(c[i * N + j], e.value, e.scale);
            CHECK_MESSAGE(err <= bound * (1 + 1e-9), std::string(name), " ", describe(m), " err ",
                          err, " bound ", bound);
          }
      }
  }
}

TEST_CASE("K = 0 gives +0") {
  const block_matrix A = quantize_operand(nullptr, 3, 0, block_formats::nvfp4, true);
  const block_matrix B = quantize_operand(nullptr, 0, 2, block_formats::nvfp4, false);
  std::vector<double> r(6, 1.0), f(6, 1.0);
  const accumulation_model m = models::sequential(formats::binary32);
  reference_block_gemm(m, A, B, r.data(), 2);
  block_gemm(m, A, B, f.data(), 2);
  for (int t = 0; t < 6; ++t) {
    CHECK(same(r[t], 0.0));
    CHECK(same(f[t], 0.0));
  }
}

TEST_CASE("bad operands and models are refused") {
  std::mt19937_64 g(1);
  const std::vector<double> a = random_matrix(2, 40, g, false);
  const block_matrix A = quantize_operand(a.data(), 2, 40, block_formats::mxfp8_e4m3, true);
  const block_matrix B = quantize_operand(a.data(), 40, 2, block_formats::mxfp8_e4m3, false);
  const block_matrix B16 = quantize_operand(a.data(), 40, 2, block_formats::nvfp4, false);
  CHECK(validate_operands(A, B).empty());
  CHECK(!validate_operands(A, B16).empty());  // block 32 vs 16
  CHECK(!validate_operands(B, A).empty());
  block_matrix bad = A;
  bad.elements[0] = 0.3;  // not an E4M3 value
  CHECK(!validate_operands(bad, B).empty());
  bad = A;
  bad.scales[0] = 3.0;  // not an E8M0 value
  CHECK(!validate_operands(bad, B).empty());
  accumulation_model m = models::sequential(formats::binary32);
  m.group = 32;
  m.group_bits = 14;
  CHECK(!validate_block_model(m).empty());
  std::vector<double> c(4);
  CHECK_THROWS_AS(block_gemm(m, A, B, c.data(), 2), std::invalid_argument);
  CHECK_THROWS_AS(reference_block_gemm(m, A, B, c.data(), 2), std::invalid_argument);
}
