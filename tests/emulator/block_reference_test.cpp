// Tests lowp/block.hpp against the exact MPFR reference (lowp/reference_block.hpp): random blocks
// of N(0,1), Student-t and injected outliers in every preset, scale rule, scale format and
// rounding mode; NaN / inf / zero blocks; partial blocks and 2-D tiles; every E2M1 code (with
// midpoints and neighbours) in a block at many scales. Zero mismatches allowed.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/block.hpp"
#include "lowp/random.hpp"
#include "lowp/reference_block.hpp"

using namespace lowp;

namespace {

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

std::string describe(const block_spec& s, const block_options& o) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "elem %s int=%d/%d/%d scale %s has=%d rule %s srnd %s tile %zux%zu tensor %d mode %s rbits %d",
                s.element.is_integer ? "int" : to_string(s.element.fp).c_str(), s.element.int_bits,
                s.element.fraction_bits, s.element.symmetric, to_string(s.scale).c_str(), s.has_scale,
                std::string(name(s.rule)).c_str(), std::string(short_name(s.scale_rounding)).c_str(),
                s.tile_rows, s.tile_cols, s.tensor_scale, std::string(short_name(o.mode)).c_str(), o.rbits);
  return buf;
}

// True when every value is a binary32 value (or NaN / inf).
bool all_binary32(const std::vector<double>& in) {
  for (double x : in)
    if (!std::isnan(x) && static_cast<double>(static_cast<float>(x)) != x) return false;
  return true;
}

// Runs the quantizer on the binary32 copy of `in` (binary32 storage) three times: dequantized
// values only (what the fused AVX2 kernels serve), with scale codes, and with every code (the
// other paths); compares each with the reference's values rounded to binary32, its codes and
// counters. Returns the number of mismatches.
std::size_t compare_binary32(const std::vector<double>& in, std::size_t rows, std::size_t cols,
                             const block_spec& spec, const block_options& opt,
                             const reference::block_result& ref) {
  const std::size_t n = rows * cols;
  block_options one = opt;
  one.threads = 1;
  std::vector<float> fin(n);
  for (std::size_t i = 0; i < n; ++i) fin[i] = static_cast<float>(in[i]);
  std::size_t bad = 0;
  for (int variant = 0; variant < 3; ++variant) {
    std::vector<float> deq(n, -1.0f);
    std::vector<std::uint32_t> ec(n, 0xdeadbeef), sc(block_count(rows, cols, spec), 0xdeadbeef);
    std::uint32_t tc = 0;
    block_outputs<float> out{deq.data(), variant == 2 ? ec.data() : nullptr,
                             variant >= 1 && spec.has_scale ? sc.data() : nullptr, &tc};
    const block_counters k = quantize_blocks(fin.data(), rows, cols, spec, one, out);
    auto report = [&](const std::string& what) {
      if (++bad <= 3)
        FAIL_CHECK("binary32 variant " << variant << ": " << what << " | " << describe(spec, opt));
    };
    for (std::size_t i = 0; i < n; ++i) {
      const float want = static_cast<float>(ref.dequantized[i]);
      if (!((std::isnan(deq[i]) && std::isnan(want)) ||
            std::bit_cast<std::uint32_t>(deq[i]) == std::bit_cast<std::uint32_t>(want))) {
        char b[160];
        std::snprintf(b, sizeof b, "element %zu: in %a got %a want %a", i, in[i],
                      static_cast<double>(deq[i]), static_cast<double>(want));
        report(b);
      }
      if (variant == 2 && ec[i] != ref.element_codes[i]) report("element code " + std::to_string(i));
    }
    if (variant >= 1 && spec.has_scale)
      for (std::size_t b = 0; b < sc.size(); ++b)
        if (sc[b] != ref.scale_codes[b]) report("scale code of block " + std::to_string(b));
    if (spec.tensor_scale && tc != ref.tensor_scale_code) report("tensor scale code");
    if (!(k == ref.counters)) {
      const block_counters& r = ref.counters;
      char b[320];
      std::snprintf(b, sizeof b,
                    "counters got clip %llu sat %llu flush %llu nan %llu nanb %llu zb %llu el %llu "
                    "bl %llu, want %llu %llu %llu %llu %llu %llu %llu %llu",
                    (unsigned long long)k.clipped, (unsigned long long)k.saturated,
                    (unsigned long long)k.flushed, (unsigned long long)k.nan,
                    (unsigned long long)k.nan_blocks, (unsigned long long)k.zero_blocks,
                    (unsigned long long)k.elements, (unsigned long long)k.blocks,
                    (unsigned long long)r.clipped, (unsigned long long)r.saturated,
                    (unsigned long long)r.flushed, (unsigned long long)r.nan,
                    (unsigned long long)r.nan_blocks, (unsigned long long)r.zero_blocks,
                    (unsigned long long)r.elements, (unsigned long long)r.blocks);
      report(b);
    }
  }
  return bad;
}

// Runs the quantizer and the reference on the same input; returns the number of mismatches
// (and reports the first few).
std::size_t compare(const std::vector<double>& in, std::size_t rows, std::size_t cols,
                    const block_spec& spec, const block_options& opt) {
  const std::size_t n = rows * cols;
  // One thread: these tensors are tiny, and idle OpenMP workers spinning between thousands of
  // small calls would slow the MPFR reference down (thread invariance: block_test).
  block_options one = opt;
  one.threads = 1;
  std::vector<double> deq(n);
  std::vector<std::uint32_t> ec(n), sc(block_count(rows, cols, spec));
  std::uint32_t tc = 0;
  block_outputs<double> out{deq.data(), ec.data(), spec.has_scale ? sc.data() : nullptr, &tc};
  const block_counters k = quantize_blocks(in.data(), rows, cols, spec, one, out);
  const reference::block_result ref = reference::quantize_blocks(in.data(), rows, cols, spec, opt);
  std::size_t bad = 0;
  auto report = [&](const std::string& what) {
    if (++bad <= 3) FAIL_CHECK(what << " | " << describe(spec, opt));
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!same(deq[i], ref.dequantized[i])) {
      char b[160];
      std::snprintf(b, sizeof b, "element %zu: in %a got %a want %a", i, in[i], deq[i],
                    ref.dequantized[i]);
      report(b);
    }
    if (ec[i] != ref.element_codes[i])
      report("element code " + std::to_string(i) + ": got " + std::to_string(ec[i]) + " want " +
             std::to_string(ref.element_codes[i]));
  }
  if (spec.has_scale)
    for (std::size_t b = 0; b < sc.size(); ++b)
      if (sc[b] != ref.scale_codes[b])
        report("scale code of block " + std::to_string(b) + ": got " + std::to_string(sc[b]) +
               " want " + std::to_string(ref.scale_codes[b]));
  if (spec.tensor_scale && tc != ref.tensor_scale_code) report("tensor scale code");
  if (!(k == ref.counters)) {
    const block_counters& r = ref.counters;
    char b[256];
    std::snprintf(b, sizeof b,
                  "counters got clip %llu sat %llu flush %llu nan %llu nanb %llu zb %llu, want "
                  "%llu %llu %llu %llu %llu %llu",
                  (unsigned long long)k.clipped, (unsigned long long)k.saturated,
                  (unsigned long long)k.flushed, (unsigned long long)k.nan,
                  (unsigned long long)k.nan_blocks, (unsigned long long)k.zero_blocks,
                  (unsigned long long)r.clipped, (unsigned long long)r.saturated,
                  (unsigned long long)r.flushed, (unsigned long long)r.nan,
                  (unsigned long long)r.nan_blocks, (unsigned long long)r.zero_blocks);
    report(b);
  }
  if (all_binary32(in)) bad += compare_binary32(in, rows, cols, spec, opt, ref);
  return bad;
}

enum class dist { normal, student, outliers, wide };

std::vector<double> make(std::size_t n, dist d, std::mt19937_64& g) {
  std::normal_distribution<double> nd;
  std::student_t_distribution<double> td(2.5);
  std::uniform_real_distribution<double> ud(-30, 30);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::vector<double> v(n);
  for (double& x : v) {
    switch (d) {
      case dist::normal: x = nd(g); break;
      case dist::student: x = td(g); break;
      case dist::outliers: x = nd(g); break;
      case dist::wide: x = std::ldexp(nd(g), static_cast<int>(ud(g))); break;
    }
  }
  if (d == dist::outliers)
    for (int j = 0; j < 6; ++j) v[pick(g)] *= 957.0;
  return v;
}

// The specs under test: presets with every applicable rule, plus other scale / element formats.
std::vector<block_spec> specs() {
  std::vector<block_spec> out;
  for (const auto& p : block_presets) {
    if (p.value.tensor_scale) {
      out.push_back(p.value);
      continue;
    }
    for (scale_rule r : {scale_rule::floor, scale_rule::ceil, scale_rule::fit, scale_rule::amax}) {
      block_spec s = p.value;
      s.rule = r;
      out.push_back(s);
      if (r == scale_rule::amax) {
        s.scale_rounding = rounding::up;
        out.push_back(s);
      }
    }
  }
  block_spec s = block_formats::mxfp4_e2m1;  // power-of-two rules on E4M3 and binary32 scales
  s.scale = block_formats::e4m3_scale;
  s.rule = scale_rule::ceil;
  out.push_back(s);
  s.scale = formats::binary32;
  s.rule = scale_rule::fit;
  out.push_back(s);
  s.rule = scale_rule::amax;  // binary32 amax scale, stochastic scale rounding
  s.scale_rounding = rounding::stochastic;
  out.push_back(s);
  block_spec e4 = block_formats::mxfp6_e2m3;  // E4M3 amax scale without the tensor level
  e4.scale = block_formats::e4m3_scale;
  e4.rule = scale_rule::amax;
  e4.scale_rounding = rounding::nearest_away;
  out.push_back(e4);
  block_spec h = block_formats::mx(element_format::floating(formats::binary16));
  out.push_back(h);
  block_spec fn = block_formats::mx(element_format::floating(formats::e4m3fn));  // NaN on overflow
  fn.rule = scale_rule::floor;
  out.push_back(fn);
  block_spec i4 = block_formats::mx(element_format::integer(4, 1, false));
  i4.rule = scale_rule::fit;
  out.push_back(i4);
  block_spec none = block_formats::mxfp8_e5m2;
  none.has_scale = false;
  out.push_back(none);
  block_spec t2 = block_formats::mxfp8_e4m3;  // 2-D tiles
  t2.tile_rows = 3;
  t2.tile_cols = 5;
  out.push_back(t2);
  block_spec col = block_formats::nvfp4;  // NVFP4 with blocks along columns
  col.tile_rows = 4;
  col.tile_cols = 1;
  out.push_back(col);
  return out;
}

}  // namespace

TEST_CASE("random blocks against the exact reference in every rule and mode") {
  // LOWP_BLOCK_RANDOM_REPEAT=N repeats the sweep with N seeds (the exhaustive ctest entry).
  int repeat = 1;
  if (const char* e = std::getenv("LOWP_BLOCK_RANDOM_REPEAT")) repeat = std::max(1, std::atoi(e));
  std::size_t cases = 0, bad = 0;
  const std::size_t rows = 4, cols = 70;  // 70 = 2 x 32 + 6 and 4 x 16 + 6: partial blocks
  for (int rep = 0; rep < repeat; ++rep) {
  std::mt19937_64 g(2026 + static_cast<std::uint64_t>(rep));
  for (const block_spec& s : specs())
    for (dist d : {dist::normal, dist::student, dist::outliers, dist::wide})
      for (rounding m : all_roundings) {
        std::vector<double> in = make(rows * cols, d, g);
        if (d == dist::outliers) {
          in[5] = std::numeric_limits<double>::quiet_NaN();   // block 0 NaN
          in[cols + 40] = -std::numeric_limits<double>::infinity();
          for (std::size_t c = 32; c < 64; ++c) in[2 * cols + c] = (c & 1) ? 0.0 : -0.0;
        }
        block_options o;
        o.mode = m;
        o.seed = g();
        o.stream = g() & 3;
        o.rbits = (g() & 1) ? 64 : 1 + static_cast<int>(g() % 12);
        bad += compare(in, rows, cols, s, o);
        ++cases;
      }
  }
  MESSAGE(cases << " random block tensors compared");
  CHECK(bad == 0);
}

TEST_CASE("every E2M1 code, midpoint and neighbour in a block, at many scales") {
  // Magnitudes: the 8 E2M1 values, the midpoints between them, and values a hair on each side.
  std::vector<double> base;
  const double grid[] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (int i = 0; i < 8; ++i) {
    base.push_back(grid[i]);
    if (i + 1 < 8) {
      const double mid = (grid[i] + grid[i + 1]) / 2;
      base.push_back(mid);
      base.push_back(std::nextafter(mid, 0.0));
      base.push_back(std::nextafter(mid, 10.0));
    }
  }
  base.push_back(6.5);
  base.push_back(7.0);
  std::vector<double> row;
  for (double b : base) {
    row.push_back(b);
    row.push_back(-b);
  }
  const std::size_t cols = row.size();
  std::size_t bad = 0;
  std::mt19937_64 g(9);
  for (int k : {-130, -127, -3, 0, 5, 127, 128}) {
    for (double f : {1.0, 0.75, 1.0 + 0x1p-20, 957.0 / 896}) {
      std::vector<double> in(cols);
      for (std::size_t i = 0; i < cols; ++i) in[i] = std::ldexp(row[i] * f, k);
      for (const block_spec& s0 : {block_formats::mxfp4_e2m1, block_formats::nvfp4}) {
        for (scale_rule r : {scale_rule::floor, scale_rule::ceil, scale_rule::fit, scale_rule::amax}) {
          if (s0.tensor_scale && r != scale_rule::amax) continue;
          block_spec s = s0;
          s.rule = r;
          s.tile_cols = 0;  // the whole row is one block
          for (rounding m : all_roundings) {
            block_options o;
            o.mode = m;
            o.seed = g();
            bad += compare(in, 1, cols, s, o);
          }
        }
      }
    }
  }
  CHECK(bad == 0);
}

// Binary32 storage: the fused AVX2 kernels (MX with floor / ceil, NVFP4; nearest-even and
// stochastic; dequantized values only) and every other path, on binary32 inputs.
TEST_CASE("random binary32 blocks against the exact reference") {
  // LOWP_BLOCK_RANDOM_REPEAT=N: N / 4 seeds (the exhaustive entry stays near 2 minutes).
  int repeat = 1;
  if (const char* e = std::getenv("LOWP_BLOCK_RANDOM_REPEAT")) repeat = std::max(1, std::atoi(e) / 4);
  std::size_t cases = 0, bad = 0;
  // 136 = 4 x 32 + 8 = 8 x 16 + 8: whole blocks for the kernels and a partial one per row.
  const std::size_t rows = 3, cols = 136;
  std::vector<block_spec> list = specs();
  for (std::size_t tc : {8, 64}) {  // other block lengths, and the ceil rule on E4M3 / E5M2
    block_spec s = block_formats::mxfp8_e4m3;
    s.tile_cols = tc;
    list.push_back(s);
    s = block_formats::mxfp8_e5m2;
    s.rule = scale_rule::ceil;
    s.tile_cols = tc;
    list.push_back(s);
  }
  for (int rep = 0; rep < repeat; ++rep) {
    std::mt19937_64 g(4052 + static_cast<std::uint64_t>(rep));
    for (const block_spec& s : list)
      for (dist d : {dist::normal, dist::student, dist::outliers, dist::wide})
        for (rounding m : all_roundings) {
          std::vector<double> in = make(rows * cols, d, g);
          for (double& x : in) x = static_cast<double>(static_cast<float>(x));
          if (d == dist::outliers) {
            in[5] = std::numeric_limits<double>::quiet_NaN();  // block 0 NaN
            in[cols + 40] = -std::numeric_limits<double>::infinity();
            for (std::size_t c = 64; c < 96; ++c) in[2 * cols + c] = (c & 1) ? 0.0 : -0.0;
          }
          if (d == dist::wide) {  // binary32 subnormals, and elements far below the block max
            in[3] = 0x1p-140;
            in[cols + 7] = -0x1.8p-149;
            in[cols + 9] = 0x1p-30 * in[cols + 10];
            for (std::size_t c = 32; c < 48; ++c) in[2 * cols + c] = std::ldexp(in[2 * cols + c], -135);
          }
          block_options o;
          o.mode = m;
          o.seed = g();
          o.stream = g() & 3;
          o.rbits = (g() & 1) ? 64 : 1 + static_cast<int>(g() % 63);
          bad += compare(in, rows, cols, s, o);
          ++cases;
        }
  }
  MESSAGE(cases << " random binary32 block tensors compared");
  CHECK(bad == 0);
}

TEST_CASE("binary32: every E2M1 code, midpoint and neighbour, subnormals, saturation") {
  // As the double test above, in whole blocks of 16 / 32 / 64: ties at every midpoint (both
  // parities), values a binary32 ulp either side, beyond max_elem (saturation), and binary32
  // subnormal inputs at the bottom scales.
  std::vector<float> base;
  const float grid[] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (int i = 0; i < 8; ++i) {
    base.push_back(grid[i]);
    if (i + 1 < 8) {
      const float mid = (grid[i] + grid[i + 1]) / 2;
      base.push_back(mid);
      base.push_back(std::nextafter(mid, 0.0f));
      base.push_back(std::nextafter(mid, 10.0f));
    }
  }
  base.push_back(6.5f);
  base.push_back(7.0f);
  base.push_back(std::nextafter(7.0f, 10.0f));
  std::vector<double> row;
  for (float b : base) {
    row.push_back(b);
    row.push_back(-b);
  }
  const std::size_t cols = row.size();  // 64
  REQUIRE(cols == 64);
  std::size_t bad = 0, cases = 0;
  std::mt19937_64 g(19);
  for (int k : {-140, -126, -120, -3, 0, 5, 100, 120}) {
    for (double f : {1.0, 0.75, 1.0 + 0x1p-20, 1.0 - 0x1p-24}) {
      std::vector<double> in(cols);
      for (std::size_t i = 0; i < cols; ++i) in[i] = static_cast<float>(std::ldexp(row[i] * f, k));
      // Put the largest value in a different block each time, so block maxima vary.
      std::rotate(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(g() % cols), in.end());
      for (block_spec s : {block_formats::mxfp4_e2m1, block_formats::nvfp4,
                           block_formats::mxfp8_e4m3, block_formats::mxfp6_e2m3}) {
        for (std::size_t tc : {16, 32, 64}) {
          for (scale_rule r : {scale_rule::floor, scale_rule::ceil, scale_rule::amax}) {
            if (s.tensor_scale != (r == scale_rule::amax)) continue;
            s.rule = r;
            s.tile_cols = tc;
            for (rounding m : {rounding::nearest_even, rounding::stochastic}) {
              block_options o;
              o.mode = m;
              o.seed = g();
              o.rbits = (g() & 1) ? 64 : 1 + static_cast<int>(g() % 63);
              bad += compare(in, 1, cols, s, o);
              ++cases;
            }
          }
        }
      }
    }
  }
  MESSAGE(cases << " tensors");
  CHECK(bad == 0);
}

TEST_CASE("binary32: every FP8 / FP6 midpoint and neighbour in MX blocks") {
  // Every positive value g of the element format, the midpoints between neighbours (ties, both
  // parities), a binary32 ulp either side, and values beyond max_elem, with both signs, in blocks
  // of 32 whose first element is max_elem * 2^k (so the floor and ceil rules give 2^k): the
  // nearest-even kernel's ties and saturation, and the stochastic kernel at exact grid points.
  std::size_t bad = 0, cases = 0;
  std::mt19937_64 g(23);
  for (const block_spec& s0 : {block_formats::mxfp8_e4m3, block_formats::mxfp8_e5m2,
                               block_formats::mxfp6_e3m2, block_formats::mx(element_format::floating(formats::e4m3fn))}) {
    const format& f = s0.element.fp;
    std::vector<double> grid;
    for (std::uint64_t c = 0; c < (std::uint64_t{1} << (f.width() - 1)); ++c) {
      const std::optional<double> v = decode(c, f);
      if (v && std::isfinite(*v) && *v >= 0) grid.push_back(*v);
    }
    std::sort(grid.begin(), grid.end());
    std::vector<double> mags;
    for (std::size_t i = 0; i < grid.size(); ++i) {
      mags.push_back(grid[i]);
      const double next = i + 1 < grid.size() ? grid[i + 1] : grid[i] + (grid[i] - grid[i - 1]);
      const float mid = static_cast<float>((grid[i] + next) / 2);
      mags.push_back(mid);
      mags.push_back(std::nextafter(mid, 0.0f));
      mags.push_back(std::nextafter(mid, 1e30f));
    }
    for (int k : {-20, 0, 7}) {
      std::vector<double> in;
      for (std::size_t i = 0; i < mags.size(); ++i) {
        if (in.size() % 32 == 0) in.push_back(std::ldexp(f.largest(), k));
        in.push_back(std::ldexp((i & 1) ? -mags[i] : mags[i], k));
      }
      while (in.size() % 32) in.push_back(0);
      for (scale_rule r : {scale_rule::floor, scale_rule::ceil}) {
        block_spec s = s0;
        s.rule = r;
        for (rounding m : {rounding::nearest_even, rounding::stochastic}) {
          block_options o;
          o.mode = m;
          o.seed = g();
          bad += compare(in, 1, in.size(), s, o);
          ++cases;
        }
      }
    }
  }
  MESSAGE(cases << " tensors");
  CHECK(bad == 0);
}

TEST_CASE("binary32 NVFP4 stochastic: fractions within the kernel's margin of the random word") {
  // s_t = 2688 / 2688 = 1 and block max 6 give s_b = 1, d = 1: element v in [0.5, 1) has
  // fraction f = 2v - 1. v is chosen next to T = ((R >> drop) + 1) 2^(drop-64) / 2 + 1/2 (R the
  // element's random word), so that f and T are closer than the kernel's margin and the exact
  // scalar path must decide; the reference checks it.
  std::size_t bad = 0;
  for (int rbits : {64, 30, 24, 8}) {
    block_options o;
    o.mode = rounding::stochastic;
    o.seed = 77;
    o.rbits = rbits;
    const random_stream rs(o.seed, o.stream);
    const std::size_t cols = 64;
    std::vector<double> in(cols, 0.25);
    in[0] = 2688;  // block 0: s_b = 448, the tensor scale's source
    for (std::size_t blk = 1; blk < 4; ++blk) in[blk * 16] = 6;
    for (std::size_t i = 16; i < cols; ++i) {
      if (i % 16 == 0) continue;
      const int drop = 64 - rbits;
      const long double t = (static_cast<long double>(rs(i) >> drop) + 1) * std::ldexp(1.0L, drop - 64);
      const float v = static_cast<float>(0.5L + t / 2);
      in[i] = (i % 3 == 0) ? std::nextafter(v, 0.0f) : (i % 3 == 1) ? v : std::nextafter(v, 1.0f);
      if (!(in[i] < 1)) in[i] = std::nextafter(1.0f, 0.0f);
      if (i & 8) in[i] = -in[i];
    }
    bad += compare(in, 1, cols, block_formats::nvfp4, o);
  }
  CHECK(bad == 0);
}
