// Provides `accumulation_model`, the value that says how a kernel (sum, dot, GEMV, GEMM) forms each
// output from its products: input and product rounding, accumulator format and mode, order of the
// additions, promotion into a wider accumulator, tensor-core style group sums, output rounding,
// with presets for measured hardware behaviour. The definition is the loop in definition.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp::kernels {

// The order in which the n products of one output are added (definition.hpp gives the loops):
//   sequential  acc = +0; acc = step(acc, k) for k = 0..n-1
//   pairwise    a binary tree over the n products: a range of length L > 1 is split so that the
//               left part holds the largest power of two strictly below L (the tree that a
//               bottom-up reduction of a power-of-two padded array builds); each internal node
//               adds its two children once in the accumulator
//   blocked     blocks of `block` consecutive products, each summed sequentially from +0, the
//               block sums then combined (`combine`)
//   split_k     `block` = S partial sums over contiguous chunks of length ceil(n / S) (the last
//               ones shorter or empty), each sequential from +0, then combined (`combine`)
enum class order_kind : std::uint8_t { sequential, pairwise, blocked, split_k };

// How block sums or split-K partials v_0..v_{m-1} are combined (in the combine format):
//   sequential  r = v_0; r = r + v_j for j = 1..m-1 (a fixed order, e.g. a ring all-reduce)
//   pairwise    the tree of `pairwise` above over v_0..v_{m-1}
enum class combine_kind : std::uint8_t { sequential, pairwise };

// Every choice of how one output value is computed. Formats must fit binary64.
struct accumulation_model {
  // Inputs: rounded to `input` (element-wise, once, as lowp::round) or taken as they are.
  bool round_inputs = false;
  format input = formats::binary64;
  rounding input_mode = rounding::nearest_even;

  // Products: exact (a fused multiply-add: a*b + acc rounded once) or rounded to `product` first
  // (unfused: p = round(a*b), then acc + p rounded).
  bool round_products = false;
  format product = formats::binary32;
  rounding product_mode = rounding::nearest_even;

  // The accumulator: every addition into it is rounded once to this format and mode.
  format accumulator = formats::binary32;
  rounding accumulator_mode = rounding::nearest_even;

  // Tensor-core group sum (0 = off): within each sequential run the products enter in groups of
  // `group` consecutive products; the group's terms (its products, and the accumulator when
  // `group_aligns_accumulator`) are aligned to the largest exponent E among them, each truncated
  // toward zero to a multiple of 2^(E - group_bits + 1) (w = group_bits bits from E down), added
  // exactly, and the sum (plus the accumulator when it was not aligned) rounded once into the
  // accumulator. group <= 64, group_bits <= 100. With `group_floor` the truncation is of the
  // two's complement (toward -inf: "sign-fill right shifting") instead of toward zero.
  int group = 0;
  int group_bits = 0;
  bool group_aligns_accumulator = true;
  bool group_floor = false;

  // Order of the additions.
  order_kind order = order_kind::sequential;
  int block = 0;  // blocked: block length b >= 1; split_k: number of partials S >= 1
  combine_kind combine = combine_kind::sequential;

  // Block sums / partials may be rounded to a storage format before they are combined (the
  // tensor-parallel partials of an all-reduce rounded to the activation type).
  bool round_partials = false;
  format partial = formats::bfloat16;
  rounding partial_mode = rounding::nearest_even;

  // The combine additions are rounded to the accumulator's format and mode, or to a wider one
  // (promotion: the narrow accumulator's block sum added every `block` products into a wide one).
  bool wide_combine = false;
  format combine_format = formats::binary32;
  rounding combine_mode = rounding::nearest_even;

  // Output: the final value rounded once more to this format and mode.
  format output = formats::binary32;
  rounding output_mode = rounding::nearest_even;

  // Stochastic modes: seed of the counter-based generator and random bits per rounding (1..64).
  std::uint64_t seed = 0;
  int rbits = 64;

  friend constexpr bool operator==(const accumulation_model&, const accumulation_model&) = default;

  // Returns the empty string when the model is well formed, else what is wrong.
  std::string validate() const;
};

// The random word of a rounding: random_stream(seed, 8 * o + role)(e), where o is the output's
// index (dot/sum 0, GEMV i, GEMM i*N + j, batched b*M*N + i*N + j) and e the event number below.
// Inputs are keyed by their own position instead: random_stream(seed, 5 or 6)(flat index) for
// the first (A, x) and second (B, y) operand. So results depend on nothing but (seed, model,
// data): not on threads, tiling or device.
namespace role {
inline constexpr std::uint64_t accumulate = 0;  // e = k of the product (group: its first k)
inline constexpr std::uint64_t product = 1;     // e = k
inline constexpr std::uint64_t combine = 2;     // e = index of the first value of the right part
inline constexpr std::uint64_t partial = 3;     // e = index of the block / partial
inline constexpr std::uint64_t output = 4;      // e = 0
inline constexpr std::uint64_t input_a = 5;     // stream 5, index = flat position in A (or x)
inline constexpr std::uint64_t input_b = 6;     // stream 6, index = flat position in B (or y)
}  // namespace role

// Builders for the common models (each returns a complete model; adjust fields after).
namespace models {

// Returns sequential accumulation in `acc` with fused multiply-adds, output rounded to `out`.
accumulation_model sequential(const format& acc, rounding mode = rounding::nearest_even,
                              const format& out = formats::binary64);
// Returns the model with inputs rounded to `in` (nearest even) first.
accumulation_model with_inputs(accumulation_model m, const format& in,
                               rounding mode = rounding::nearest_even);
// Returns the model with unfused products rounded to `p`.
accumulation_model unfused(accumulation_model m, const format& p,
                           rounding mode = rounding::nearest_even);
// Returns pairwise order in `acc`.
accumulation_model pairwise(const format& acc, rounding mode = rounding::nearest_even,
                            const format& out = formats::binary64);
// Returns blocked order (block b) in `acc`, blocks combined by `c`.
accumulation_model blocked(const format& acc, int b, combine_kind c,
                           rounding mode = rounding::nearest_even,
                           const format& out = formats::binary64);
// Returns split-K with S partials in `acc`, combined by `c`.
accumulation_model split_k(const format& acc, int s, combine_kind c,
                           rounding mode = rounding::nearest_even,
                           const format& out = formats::binary64);
// Returns promotion every c products from accumulator `narrow` into `wide` (sequential).
accumulation_model promoted(const format& narrow, int c, const format& wide,
                            rounding mode = rounding::nearest_even,
                            const format& out = formats::binary64);

}  // namespace models

// Presets for measured hardware behaviour. Each cites its source; the group sizes are the MMA
// instruction's K, the bit widths what users measured (not vendor documentation).
namespace presets {

// NVIDIA Hopper FP8 tensor-core MMA (e4m3 inputs, FP32 output register). DeepSeek-V3 technical
// report sec. 3.5.2, quoted in deepseek-ai/DeepGEMM issue #37: "After aligning 32 mantissa
// products by right-shifting based on the maximum exponent, the Tensor Core only uses the highest
// 14 bits of each mantissa product for addition, and truncates bits exceeding this range. The
// accumulation of addition results into registers also employs 14-bit precision"; #37 adds
// "after sign-fill right shifting". Here: group 32, w = 14, accumulator aligned, two's
// complement truncation (group_floor), the sum rounded toward zero into binary32.
accumulation_model hopper_fp8_mma();
// DeepGEMM's FP8 recipe on Hopper: the tensor-core model above for 128 products (4 wgmma),
// then added into a binary32 accumulator on the CUDA cores (DeepSeek-V3 report, "Increasing
// Accumulation Precision": promotion every N_C = 128 elements).
accumulation_model hopper_fp8_promoted();
// NVIDIA B200 FP8 MMA (tcgen05 kind::f8f6f4): deepseek-ai/DeepGEMM issue #176 measured "25bits
// mantissa, higher compared to H100 (13bit mantissa)"; counting as the report counts Hopper's
// 14 bits, w = 26. Otherwise as hopper_fp8_mma.
accumulation_model blackwell_fp8_mma();
// A bfloat16 GEMM as cuBLAS/PyTorch run it by default: bfloat16 inputs, binary32 accumulation
// (modelled as sequential fused multiply-adds), output rounded to bfloat16.
accumulation_model bf16_gemm_fp32_accumulate();

}  // namespace presets

// Returns a one-line description of the model ("in=bfloat16 acc=binary32/rne seq out=...").
std::string describe(const accumulation_model& m);

}  // namespace lowp::kernels
