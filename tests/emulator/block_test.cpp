// Tests lowp/block.hpp on hand-computed cases: the 957 case of the OCP floor rule, every E8M0
// scale code, NaN / inf / zero blocks, partial blocks and tiles, MXINT8 and NVFP4 by hand,
// stochastic frequencies within binomial bounds, packing round trips, thread-count invariance,
// QSNR and crest factor. (block_reference_test.cpp proves random blocks against MPFR.)
#include "lowp/block.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "lowp/bits.hpp"

using namespace lowp;

namespace {

struct run_result {
  std::vector<double> deq;
  std::vector<std::uint32_t> ecodes, scodes;
  std::uint32_t tcode = 0;
  block_counters k;
};

run_result run(const std::vector<double>& in, std::size_t rows, std::size_t cols,
               const block_spec& spec, const block_options& opt = {}) {
  run_result r;
  r.deq.assign(rows * cols, -1.0);
  r.ecodes.assign(rows * cols, 0xdeadbeef);
  r.scodes.assign(block_count(rows, cols, spec), 0xdeadbeef);
  block_outputs<double> out{r.deq.data(), r.ecodes.data(), r.scodes.data(), &r.tcode};
  r.k = quantize_blocks(in.data(), rows, cols, spec, opt, out);
  return r;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

block_spec with_rule(block_spec s, scale_rule r) {
  s.rule = r;
  return s;
}

}  // namespace

TEST_CASE("the 957 case: floor clips to 896, ceil keeps 960") {
  std::vector<double> in(32, 1.0);
  in[0] = 957;
  const run_result f = run(in, 1, 32, block_formats::mxfp8_e4m3);
  CHECK(f.deq[0] == 896);  // e = floor(log2 957) - 8 = 1; 478.5 clamps to 448
  CHECK(f.scodes[0] == 127 + 1);
  CHECK(f.k.clipped == 1);
  CHECK(f.k.saturated == 1);
  const run_result c = run(in, 1, 32, with_rule(block_formats::mxfp8_e4m3, scale_rule::ceil));
  CHECK(c.deq[0] == 960);  // e = ceil(log2(957/448)) = 2; 239.25 -> 240
  CHECK(c.scodes[0] == 127 + 2);
  CHECK(c.k.clipped == 0);
  // fit: 957 / 2 = 478.5 overflows e4m3 (above 464, the midpoint to 480) so fit = ceil here.
  const run_result t = run(in, 1, 32, with_rule(block_formats::mxfp8_e4m3, scale_rule::fit));
  CHECK(t.deq[0] == 960);
  // 900 / 2 = 450 rounds (RNE) to 448: fit keeps e = 1, ceil takes e = 2.
  in[0] = 900;
  CHECK(run(in, 1, 32, with_rule(block_formats::mxfp8_e4m3, scale_rule::fit)).scodes[0] == 128);
  CHECK(run(in, 1, 32, with_rule(block_formats::mxfp8_e4m3, scale_rule::ceil)).scodes[0] == 129);
  // amax rule with an E8M0 scale rounded up = ceil; nearest-even picks 2^1 for 900/448 = 2.009.
  block_spec a = with_rule(block_formats::mxfp8_e4m3, scale_rule::amax);
  a.scale_rounding = rounding::up;
  CHECK(run(in, 1, 32, a).scodes[0] == 129);
  a.scale_rounding = rounding::nearest_even;
  CHECK(run(in, 1, 32, a).scodes[0] == 128);
}

TEST_CASE("every E8M0 scale code") {
  // A block whose amax is 2^(c - 127 + 2) (E2M1 emax 2) has floor exponent c - 127.
  for (int c = 0; c < 255; ++c) {
    std::vector<double> in(32, 0.0);
    in[3] = std::ldexp(1.0, c - 127 + 2);
    in[5] = -std::ldexp(1.5, c - 127);
    const run_result r = run(in, 1, 32, block_formats::mxfp4_e2m1);
    REQUIRE(r.scodes[0] == static_cast<std::uint32_t>(c));
    CHECK(r.deq[3] == in[3]);
    CHECK(r.deq[5] == in[5]);
    CHECK(r.ecodes[3] == 0x6);  // E2M1 4.0
    CHECK(r.ecodes[5] == 0xb);  // E2M1 -1.5
  }
  // Exponents beyond the range clamp: amax 2^200 uses 2^127 and saturates; 2^-200 uses 2^-127.
  std::vector<double> in(32, 0.0);
  in[0] = std::ldexp(1.0, 200);
  run_result r = run(in, 1, 32, block_formats::mxfp4_e2m1);
  CHECK(r.scodes[0] == 254);
  CHECK(r.deq[0] == std::ldexp(6.0, 127));
  in[0] = std::ldexp(1.0, -200);
  r = run(in, 1, 32, block_formats::mxfp4_e2m1);
  CHECK(r.scodes[0] == 0);
  CHECK(r.deq[0] == 0);
  CHECK(r.k.flushed == 1);
  // Every code decodes through the packed path: 0xff is NaN, the rest 2^(c-127).
  for (int c = 0; c < 256; ++c) {
    packed_blocks p;
    p.rows = 1;
    p.cols = 32;
    p.spec = block_formats::mxfp8_e4m3;
    std::vector<std::uint32_t> e(32, 0x38);  // E4M3 1.0
    p.elements = pack_codes(e.data(), 32, 8);
    p.scales = {static_cast<std::uint8_t>(c)};
    std::vector<double> out(32);
    dequantize(p, out.data());
    if (c == 255)
      CHECK(std::isnan(out[0]));
    else
      CHECK(out[7] == std::ldexp(1.0, c - 127));
  }
}

TEST_CASE("NaN, inf and zero blocks") {
  std::vector<double> in(64, 0.5);
  in[3] = std::numeric_limits<double>::quiet_NaN();
  in[40] = -std::numeric_limits<double>::infinity();
  for (const auto& p : block_presets) {
    CAPTURE(p.name);
    block_spec s = p.value;
    s.tile_cols = 32;
    const run_result r = run(in, 1, 64, s);
    CHECK(r.k.nan_blocks == 2);
    CHECK(r.k.nan == 64);
    CHECK(r.scodes[0] == *nan_code(s.scale));
    for (double d : r.deq) CHECK(std::isnan(d));
  }
  std::vector<double> z(32, 0.0);
  z[1] = -0.0;
  for (const auto& p : block_presets) {
    CAPTURE(p.name);
    const run_result r = run(z, 1, 32, p.value);
    CHECK(r.k.zero_blocks == r.k.blocks);
    CHECK(r.scodes[0] == 0);
    CHECK(r.deq[0] == 0);
    CHECK(!std::signbit(r.deq[0]));
    // Integers have no -0: +0.
    CHECK(std::signbit(r.deq[1]) == !p.value.element.is_integer);
  }
}

TEST_CASE("MXINT8, BFP and NVFP4 by hand") {
  std::vector<double> in(32, 0.0);
  in[0] = 1.0;
  in[1] = 1.99;     // 127.36 / 64 -> 127 / 64
  in[2] = -1.0;
  in[3] = 1.0 / 128;  // 0.5 / 64: RNE to 0
  run_result r = run(in, 1, 32, block_formats::mxint8);
  CHECK(r.scodes[0] == 127);
  CHECK(r.ecodes[0] == 0x40);
  CHECK(r.deq[1] == 127.0 / 64);
  CHECK(r.ecodes[2] == 0xc0);
  CHECK(r.deq[3] == 0);
  CHECK(r.k.flushed == 1);
  in[0] = -2.0;  // amax 2: e = 1, -1.0 -> -64 / 64
  in[1] = 3.99;  // 1.995 -> 127.68 -> 128 clamps to 127 (symmetric)
  r = run(in, 1, 32, block_formats::mxint8);
  CHECK(r.scodes[0] == 128);
  CHECK(r.deq[1] == 2 * 127.0 / 64);
  CHECK(r.k.saturated == 1);
  in[1] = -3.999;  // BFP two's complement keeps -128 / 64
  r = run(in, 1, 32, block_formats::bfp);
  CHECK(r.deq[1] == -4.0);
  CHECK(r.ecodes[1] == 0x80);
  // NVFP4: tensor amax 2688 gives s_t = 1; a block of amax 1 gets s_b = E4M3(1/6) = 0.171875
  // (1/6 is above the midpoint 0.1640625 of 0.15625 and 0.171875); 1 / 0.171875 = 5.82 -> 6.
  std::vector<double> nv(32, 0.0);
  nv[0] = 2688;
  nv[16] = 1.0;
  nv[17] = 0.5;  // 2.909 -> 3
  r = run(nv, 1, 32, block_formats::nvfp4);
  CHECK(r.tcode == std::bit_cast<std::uint32_t>(1.0f));
  CHECK(r.scodes[0] == 0x7e);  // 448
  CHECK(r.deq[0] == 2688);
  CHECK(r.scodes[1] == 0x23);  // 0.171875 = 1.375 * 2^-3: field 4, mantissa 3
  CHECK(r.deq[16] == 6 * 0.171875);
  CHECK(r.deq[17] == 3 * 0.171875);
}

TEST_CASE("partial blocks, tiles and column blocks") {
  std::mt19937_64 g(7);
  std::normal_distribution<double> nd;
  const std::size_t rows = 37, cols = 45;
  std::vector<double> a(rows * cols), at(rows * cols);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      a[r * cols + c] = nd(g) * std::exp2(static_cast<double>(r % 9));
      at[c * rows + r] = a[r * cols + c];
    }
  for (const auto& p : block_presets) {
    CAPTURE(p.name);
    // k along columns on A equals k along rows on A^T.
    block_spec col = p.value, row = p.value;
    col.tile_rows = 16;
    col.tile_cols = 1;
    row.tile_rows = 1;
    row.tile_cols = 16;
    const run_result rc = run(a, rows, cols, col), rr = run(at, cols, rows, row);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) REQUIRE(same(rc.deq[r * cols + c], rr.deq[c * rows + r]));
    CHECK(rc.k.blocks == 3 * 45);
    // A partial last block has its own scale: the first 32 columns do not see column 40.
    block_spec s = p.value;
    s.tile_cols = 32;
    std::vector<double> one(40, 1.0);
    one[39] = 1000;
    const run_result r1 = run(one, 1, 40, s);
    if (!s.tensor_scale) CHECK(r1.deq[0] == 1.0);  // NVFP4's tensor scale couples blocks
    CHECK(r1.k.blocks == 2);
    // 16 x 16 tiles over 37 x 45: 3 x 3 tiles, every element scaled by its tile's amax.
    s.tile_rows = s.tile_cols = 16;
    const run_result t = run(a, rows, cols, s);
    CHECK(t.k.blocks == 9);
    CHECK(t.k.elements == rows * cols);
  }
}

TEST_CASE("stochastic element rounding: frequencies within binomial bounds") {
  // One block per row: [6, x] with MXFP4 (scale 1, E2M1 grid 2, 3 and 1, 1.5 around x).
  const std::size_t rows = 20000;
  for (const double x : {2.5, 1.125, -2.75}) {
    std::vector<double> in(rows * 2);
    for (std::size_t r = 0; r < rows; ++r) {
      in[2 * r] = 6;
      in[2 * r + 1] = x;
    }
    for (rounding m : {rounding::stochastic, rounding::stochastic_equal}) {
      block_options o;
      o.mode = m;
      o.seed = 42;
      const run_result res = run(in, rows, 2, block_formats::mxfp4_e2m1, o);
      const double lo = x > 0 ? std::floor(x * 2) / 2 : std::ceil(x * 2) / 2;
      const double lo_g = std::fabs(x) >= 2 ? (x > 0 ? std::floor(x) : std::ceil(x)) : lo;
      double p = m == rounding::stochastic_equal ? 0.5 : std::fabs(x - lo_g) / (std::fabs(x) >= 2 ? 1.0 : 0.5);
      std::size_t away = 0;
      for (std::size_t r = 0; r < rows; ++r) away += std::fabs(res.deq[2 * r + 1]) > std::fabs(x);
      const double mean = p * rows, sd = std::sqrt(rows * p * (1 - p));
      CAPTURE(x);
      CHECK(std::fabs(static_cast<double>(away) - mean) < 5 * sd);
    }
  }
}

TEST_CASE("thread-count invariance and pack/unpack round trips") {
  std::mt19937_64 g(11);
  std::student_t_distribution<double> td(3.0);
  const std::size_t rows = 32, cols = 300;
  std::vector<double> a(rows * cols);
  for (double& v : a) v = td(g);
  a[277] = 1e4;
  for (const auto& p : block_presets)
    for (rounding m : {rounding::nearest_even, rounding::stochastic, rounding::odd}) {
      CAPTURE(p.name);
      block_options o;
      o.mode = m;
      o.seed = 5;
      o.threads = 1;
      const run_result r1 = run(a, rows, cols, p.value, o);
      o.threads = 3;
      const run_result r3 = run(a, rows, cols, p.value, o);
      REQUIRE(r1.k == r3.k);
      REQUIRE(r1.ecodes == r3.ecodes);
      REQUIRE(r1.scodes == r3.scodes);
      for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(same(r1.deq[i], r3.deq[i]));
      // Packed storage holds the same codes and dequantizes to the same values.
      block_counters k;
      const packed_blocks pk = quantize_packed(a.data(), rows, cols, p.value, o, &k);
      CHECK(k == r1.k);
      CHECK(pk.elements.size() == (a.size() * static_cast<std::size_t>(p.value.element.code_bits()) + 7) / 8);
      CHECK(unpack_codes(pk.elements.data(), a.size(), p.value.element.code_bits()) == r1.ecodes);
      std::vector<double> back(a.size());
      dequantize(pk, back.data());
      for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(same(back[i], r1.deq[i]));
      // float storage gives the same values (MX results are floats here).
      std::vector<float> af(a.begin(), a.end()), outf(a.size());
      std::vector<double> ad(af.begin(), af.end());
      const run_result rd = run(ad, rows, cols, p.value, o);
      block_outputs<float> fo;
      fo.dequantized = outf.data();
      quantize_blocks(af.data(), rows, cols, p.value, o, fo);
      for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(same(outf[i], static_cast<float>(rd.deq[i])));
    }
  // Bit streams: LSB first, any width.
  for (int bits = 1; bits <= 32; ++bits) {
    std::vector<std::uint32_t> c(101);
    for (auto& v : c) v = static_cast<std::uint32_t>(g()) & static_cast<std::uint32_t>((std::uint64_t{1} << bits) - 1);
    const auto packed = pack_codes(c.data(), c.size(), bits);
    CHECK(packed.size() == (c.size() * static_cast<std::size_t>(bits) + 7) / 8);
    CHECK(unpack_codes(packed.data(), c.size(), bits) == c);
  }
  const std::uint32_t two[] = {0x3, 0xa};
  CHECK(pack_codes(two, 2, 4) == std::vector<std::uint8_t>{0xa3});
}

TEST_CASE("binary32 storage: thread-count invariance of the fused kernels, one long row") {
  // One row of 2^17 + 40 binary32 values (chunks split inside it; a partial last block), with
  // tiny values and a NaN block: the result with 1 and 3 threads, and that of binary64 storage
  // (which the reference tests prove), agree element for element.
  std::mt19937_64 g(12);
  std::normal_distribution<float> nd;
  const std::size_t n = (std::size_t{1} << 17) + 40;
  std::vector<float> a(n);
  for (float& v : a) v = nd(g);
  for (std::size_t i = 0; i < n; i += 997) a[i] *= 1e-6f;
  a[4099] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<double> ad(a.begin(), a.end());
  for (const block_spec& s : {block_formats::mxfp8_e4m3, block_formats::mxfp4_e2m1, block_formats::nvfp4})
    for (rounding m : {rounding::nearest_even, rounding::stochastic}) {
      block_options o;
      o.mode = m;
      o.seed = 3;
      std::vector<float> out1(n), out3(n);
      block_outputs<float> f1, f3;
      f1.dequantized = out1.data();
      f3.dequantized = out3.data();
      o.threads = 1;
      const block_counters k1 = quantize_blocks(a.data(), 1, n, s, o, f1);
      o.threads = 3;
      const block_counters k3 = quantize_blocks(a.data(), 1, n, s, o, f3);
      const run_result rd = run(ad, 1, n, s, o);
      CHECK(k1 == k3);
      CHECK(k1 == rd.k);
      std::size_t bad = 0;
      for (std::size_t i = 0; i < n; ++i)
        bad += !same(out1[i], out3[i]) || !same(out1[i], static_cast<float>(rd.deq[i]));
      CHECK(bad == 0);
      // Non-temporal stores (used for outputs beyond the last-level cache), at both 16-byte
      // alignments of the output.
      setenv("LOWP_BLOCK_STREAM", "1", 1);
      for (std::size_t off : {0, 4}) {
        std::vector<float> outs(n + 4, -1.0f);
        block_outputs<float> fs;
        fs.dequantized = outs.data() + off;
        const block_counters ks = quantize_blocks(a.data(), 1, n, s, o, fs);
        CHECK(ks == k1);
        std::size_t bad_s = 0;
        for (std::size_t i = 0; i < n; ++i) bad_s += !same(outs[off + i], out1[i]);
        CHECK(bad_s == 0);
      }
      unsetenv("LOWP_BLOCK_STREAM");
    }
}

TEST_CASE("QSNR and crest factor") {
  const double x[] = {1, 1}, xq[] = {1.1, 0.9};
  CHECK(qsnr_db(x, xq, 2) == doctest::Approx(20.0));
  CHECK(std::isinf(qsnr_db(x, x, 2)));
  const double c[] = {2, 0, 0, 0};
  CHECK(crest_factor(c, 4) == doctest::Approx(2.0));
  const double ones[] = {1, -1, 1, -1};
  CHECK(crest_factor(ones, 4) == 1.0);
  block_spec s = block_formats::mxfp4_e2m1;
  s.tile_cols = 2;
  const std::vector<double> cf = block_crest_factors(c, 1, 4, s);
  REQUIRE(cf.size() == 2);
  CHECK(cf[0] == doctest::Approx(std::sqrt(2.0)));
  CHECK(cf[1] == 0);
}

TEST_CASE("spec validation and presets") {
  CHECK(find_block_preset("nvfp4") == block_formats::nvfp4);
  CHECK(!find_block_preset("mxfp9"));
  block_spec s = block_formats::mxfp8_e4m3;
  s.tensor_scale = true;
  CHECK(!s.validate().empty());
  std::vector<double> in(4, 1.0);
  CHECK_THROWS_AS(run(in, 1, 4, s), format_error);
  CHECK(block_formats::mxint8.element.largest() == 127.0 / 64);
  CHECK(block_formats::mxint8.element.emax() == 0);
  CHECK(block_formats::mxfp6_e2m3.element.largest() == 7.5);
  CHECK(block_formats::mxfp6_e3m2.element.largest() == 28);
}
