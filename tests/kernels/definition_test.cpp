// Tests of the accumulation models' definition (definition.hpp) and the reference kernels
// (reference.hpp): hand-computed cases, the pairwise split rule, and exact-accumulator models
// equal to the exact result rounded once.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "lowp/kernels/exact.hpp"
#include "lowp/kernels/reference.hpp"

using namespace lowp;
using namespace lowp::kernels;

TEST_CASE("non-associativity examples of Yuan et al. (bfloat16 accumulation)") {
  // With inputs and accumulator in bfloat16: (0.0016 + 0.0027) + 1.0 = 1.0078125 and
  // (1.0 + 0.0016) + 0.0027 = 1.0 (arXiv 2506.09501, sec. 3).
  const accumulation_model m = models::with_inputs(
      models::sequential(formats::bfloat16, rounding::nearest_even, formats::bfloat16),
      formats::bfloat16);
  const double x1[] = {0.0016, 0.0027, 1.0};
  const double x2[] = {1.0, 0.0016, 0.0027};
  CHECK(reference_sum(m, 3, x1) == 1.0078125);
  CHECK(reference_sum(m, 3, x2) == 1.0);
  // In binary32 the two orders agree.
  const accumulation_model m32 = models::sequential(formats::binary32, rounding::nearest_even,
                                                    formats::binary32);
  CHECK(reference_sum(m32, 3, x1) == reference_sum(m32, 3, x2));
  // 0.1 + (-0.1) + 0.2 vs 0.1 + 0.2 + (-0.1) differ in binary32 and in bfloat16.
  const double y1[] = {0.1, -0.1, 0.2};
  const double y2[] = {0.1, 0.2, -0.1};
  const accumulation_model b32 = models::with_inputs(m32, formats::binary32);
  CHECK(reference_sum(b32, 3, y1) != reference_sum(b32, 3, y2));
  CHECK(reference_sum(m, 3, y1) != reference_sum(m, 3, y2));
}

TEST_CASE("sequential steps by hand") {
  // binary16 accumulator, exact products: 2048 + 1 + 1 in sequence stays 2048 (ties to even each
  // time), but pairwise (2048 + 1) + 1 ... the tree for n = 3 is (x0 + x1) + x2.
  const accumulation_model seq = models::sequential(formats::binary16);
  const double x[] = {2048.0, 1.0, 1.0};
  CHECK(reference_sum(seq, 3, x) == 2048.0);
  const double y[] = {1.0, 1.0, 2048.0};
  CHECK(reference_sum(seq, 3, y) == 2050.0);
  // Unfused products rounded to binary16 first: 3 * (1 + 2^-10) = 3 + 3*2^-10 rounds to
  // 3 + 2^-8 (quantum 2^-9 at 3: 3*2^-10 = 1.5 quanta -> ties to even -> 2 quanta).
  const accumulation_model unf = models::unfused(models::sequential(formats::binary32),
                                                 formats::binary16);
  const double a[] = {3.0}, b[] = {1.0 + 0x1p-10};
  CHECK(reference_dot(unf, 1, a, b) == 3.0 + 0x1p-8);
  const accumulation_model fused = models::sequential(formats::binary32);
  CHECK(reference_dot(fused, 1, a, b) == 3.0 + 3 * 0x1p-10);
  // The empty sum is +0 rounded to the output.
  CHECK(std::signbit(reference_sum(seq, 0, x)) == false);
  // -0 products enter a +0 accumulator: +0.
  const double mz[] = {-0.0};
  CHECK(std::signbit(reference_sum(seq, 1, mz)) == false);
}

namespace {

// The pairwise split rule written top-down (the definition uses a bottom-up counter).
std::string tree_top_down(std::uint64_t lo, std::uint64_t hi) {
  if (hi - lo == 1) return std::to_string(lo);
  std::uint64_t p = 1;
  while (2 * p < hi - lo) p *= 2;
  return "(" + tree_top_down(lo, lo + p) + "+" + tree_top_down(lo + p, hi) + ")";
}

}  // namespace

TEST_CASE("pairwise tree: bottom-up counter == top-down split at the largest power of two") {
  for (std::uint64_t n = 1; n <= 70; ++n) {
    // Encode the tree shape in the join order: record joins as strings through an index table.
    std::vector<std::string> names;
    auto leaf = [&](std::uint64_t i) {
      names.push_back(std::to_string(i));
      return static_cast<double>(names.size() - 1);
    };
    auto join = [&](double x, double y, std::uint64_t mid) {
      const std::string& l = names[static_cast<std::size_t>(x)];
      const std::string& r = names[static_cast<std::size_t>(y)];
      // mid is the first index of the right part
      CHECK(r.find(std::to_string(mid)) != std::string::npos);
      names.push_back("(" + l + "+" + r + ")");
      return static_cast<double>(names.size() - 1);
    };
    const double root = kernels::detail::pairwise_tree(0, n, leaf, join);
    CHECK(names[static_cast<std::size_t>(root)] == tree_top_down(0, n));
  }
}

TEST_CASE("blocked and split-K part ranges") {
  accumulation_model m = models::split_k(formats::binary32, 3, combine_kind::sequential);
  // n = 10, S = 3: chunk length 4: [0,4) [4,8) [8,10)
  CHECK(kernels::detail::part_count(m, 10) == 3);
  CHECK(kernels::detail::part_of(m, 10, 2).k0 == 8);
  CHECK(kernels::detail::part_of(m, 10, 2).k1 == 10);
  // n = 2, S = 3: chunk 1: [0,1) [1,2) [2,2) (empty: +0)
  CHECK(kernels::detail::part_of(m, 2, 2).k0 == 2);
  CHECK(kernels::detail::part_of(m, 2, 2).k1 == 2);
  m = models::blocked(formats::binary32, 4, combine_kind::pairwise);
  CHECK(kernels::detail::part_count(m, 10) == 3);
  CHECK(kernels::detail::part_count(m, 0) == 1);
}

TEST_CASE("promotion: narrow runs added into a wide accumulator every c products") {
  // binary16 accumulator of 1 + 2^-11 terms stagnates; promotion every 4 into binary32 keeps
  // each block's sum: 4 * 1 = 4 exactly (each 2^-11 lost in binary16 at >= 1... ) compare the
  // definition with a hand loop.
  const accumulation_model m = models::promoted(formats::binary16, 4, formats::binary32);
  std::vector<double> x(10, 1.0 + 0x1p-10);
  double wide = 0;
  for (int blk = 0; blk < 3; ++blk) {
    double narrow = 0;
    for (int k = blk * 4; k < std::min(10, blk * 4 + 4); ++k)
      narrow = lowp::add(narrow, x[static_cast<std::size_t>(k)], formats::binary16,
                         rounding::nearest_even)
                   .value;
    wide = blk == 0 ? narrow : lowp::add(wide, narrow, formats::binary32, rounding::nearest_even).value;
  }
  CHECK(reference_sum(m, 10, x.data()) == wide);
}

TEST_CASE("group sum: alignment and truncation to w bits") {
  // Group of 2 with w = 4 bits, accumulator binary64 (no rounding in it): products 8 and
  // 1 + 1/2 + 1/4 + 1/8 (= 1.875): E = 3, quantum 2^(3-4+1) = 1, so 1.875 truncates to 1:
  // 8 + 1 = 9.
  accumulation_model m = models::sequential(formats::binary64);
  m.group = 2;
  m.group_bits = 4;
  const double a[] = {8.0, 1.875}, b[] = {1.0, 1.0};
  CHECK(reference_dot(m, 2, a, b) == 9.0);
  // Negative terms truncate toward zero: 8 - 1.875 -> 8 - 1 = 7.
  const double c[] = {8.0, -1.875};
  CHECK(reference_dot(m, 2, c, b) == 7.0);
  // Two's complement truncation (floor): -1.875 -> -2: 8 - 2 = 6.
  m.group_floor = true;
  CHECK(reference_dot(m, 2, c, b) == 6.0);
  CHECK(reference_dot(m, 2, a, b) == 9.0);  // positive terms: floor = toward zero
  m.group_floor = false;
  // The accumulator aligned too: after the first group acc = 9; the next group's products 0.5,
  // 0.25 are below the quantum 2^(3-3) = 1 of E = 3 and vanish: acc stays 9.
  const double d[] = {8.0, 1.875, 0.5, 0.25}, e[] = {1, 1, 1, 1};
  CHECK(reference_dot(m, 4, d, e) == 9.0);
  // Not aligning the accumulator: the group (0.5, 0.25) is exact in 4 bits, added exactly: 9.75.
  m.group_aligns_accumulator = false;
  CHECK(reference_dot(m, 4, d, e) == 9.75);
}

namespace {

std::vector<double> random_values(std::size_t n, const format& f, std::mt19937_64& g) {
  std::normal_distribution<double> nd;
  std::uniform_int_distribution<int> ex(-6, 6);
  std::vector<double> v(n);
  for (auto& x : v) x = lowp::round(nd(g) * std::ldexp(1.0, ex(g)), f, rounding::nearest_even).value;
  return v;
}

}  // namespace

TEST_CASE("exact-accumulator models equal the exact result rounded once") {
  // Products of binary16 values have at most 22 bits and lie within 2^-48..2^32: a binary64
  // accumulator holds every partial sum of up to 2^10 of them exactly (22 + 80 > 53? no: the
  // data below keeps exponents within 2^-20..2^20, so sums need at most 22 + 40 + 10 bits --
  // more than 53). Use e4m3 inputs instead: products of 8 bits within 2^-18..2^17 and n <= 500:
  // 8 + 35 + 9 = 52 bits, exact in binary64.
  std::mt19937_64 g(7);
  std::vector<accumulation_model> ms;
  ms.push_back(models::sequential(formats::binary64));
  ms.push_back(models::pairwise(formats::binary64));
  ms.push_back(models::blocked(formats::binary64, 7, combine_kind::sequential));
  ms.push_back(models::blocked(formats::binary64, 5, combine_kind::pairwise));
  ms.push_back(models::split_k(formats::binary64, 3, combine_kind::pairwise));
  ms.push_back(models::promoted(formats::binary64, 9, formats::binary64));
  accumulation_model grp = models::sequential(formats::binary64);
  grp.group = 8;
  grp.group_bits = 60;  // wide enough: nothing is truncated
  ms.push_back(grp);
  for (accumulation_model m : ms) {
    for (rounding out_mode : deterministic_roundings) {
      for (const format& out : {formats::bfloat16, formats::binary16, formats::e4m3fn}) {
        m.output = out;
        m.output_mode = out_mode;
        for (std::size_t n : {0u, 1u, 2u, 13u, 100u, 499u}) {
          const std::vector<double> a = random_values(n, formats::e4m3fn, g);
          const std::vector<double> b = random_values(n, formats::e4m3fn, g);
          const double want = exact_dot(n, a.data(), b.data()).round(out, out_mode).value;
          const double got = reference_dot(m, n, a.data(), b.data());
          if (want == 0) {  // the accumulator starts at +0: a sum of -0 products is +0 here
            CHECK(got == 0);
            continue;
          }
          CHECK_MESSAGE(std::bit_cast<std::uint64_t>(got) == std::bit_cast<std::uint64_t>(want),
                        describe(m), " n=", n, " got ", got, " want ", want);
        }
      }
    }
  }
}
