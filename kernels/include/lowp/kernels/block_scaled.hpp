// Provides dot and GEMM on block-scaled operands (OCP MX v1.0 MXFP8/6/4 and MXINT8, NVIDIA NVFP4,
// any lowp::block_spec with blocks along K): the definition (exact block dot times the product of
// the two block scales, accumulated across blocks under an accumulation model, the tensor scales
// applied in the epilogue), the reference loop, a fast CPU path and the exact reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lowp/block.hpp"
#include "lowp/kernels/accumulation.hpp"
#include "lowp/kernels/definition.hpp"
#include "lowp/kernels/exact.hpp"
#include "lowp/kernels/fast.hpp"
#include "lowp/ops.hpp"

namespace lowp::kernels {

// A block-scaled matrix as the kernels read it: element values (the decoded element codes), one
// scale value per block (the decoded scale code: 2^e for E8M0, NaN for a NaN code), and NVFP4's
// binary32 tensor scale (1 otherwise). Blocks of `block` consecutive elements run along K: along
// each row of the left operand A (M x K, `along_rows`), down each column of the right operand B
// (K x N); the last block of a row or column holds K mod block elements when that is not zero.
//   A: scales[i * nb + b] is the scale of A(i, k) for b = k / block (nb = blocks_along_k())
//   B: scales[b * cols + j] is the scale of B(k, j)
// These are the layouts lowp::quantize_blocks gives for tiles 1 x block (A) and block x 1 (B).
struct block_matrix {
  std::size_t rows = 0, cols = 0;
  bool along_rows = true;
  block_spec spec;               // element format, scale format, tensor scale (tiles as above)
  std::vector<double> elements;  // rows * cols element values, row-major
  std::vector<double> scales;    // one per block (1.0 each when spec.has_scale is false)
  double tensor_scale = 1.0;     // NVFP4's s_t (spec.tensor_scale), else 1

  // Returns the block length along K.
  std::size_t block() const noexcept;
  // Returns the length of K (cols of A, rows of B).
  std::size_t k_extent() const noexcept { return along_rows ? cols : rows; }
  // Returns the number of blocks along K: ceil(K / block).
  std::size_t blocks_along_k() const noexcept;
  // Returns the element at position t along K of line l (A: row l, B: column l).
  double element(std::size_t l, std::size_t t) const noexcept {
    return along_rows ? elements[l * cols + t] : elements[t * cols + l];
  }
  // Returns the scale of block b of line l.
  double scale(std::size_t l, std::size_t b) const noexcept {
    return along_rows ? scales[l * blocks_along_k() + b] : scales[b * cols + l];
  }
};

// Quantizes a row-major rows x cols array with `spec` (a block of k = spec.tile_cols along a row,
// spec.tile_rows = 1, as the presets say; tile_cols = 0: the whole of K), as the left operand
// (blocks along rows) or the right one (blocks down columns: the tile k x 1), through
// lowp::quantize_blocks with `opt`, and decodes the codes. Throws std::invalid_argument (bad spec).
block_matrix quantize_operand(const double* in, std::size_t rows, std::size_t cols,
                              const block_spec& spec, bool along_rows,
                              const block_options& opt = {});
// Returns the matrix of packed storage p (tile 1 x k: left operand; k x 1: right operand).
block_matrix from_packed(const packed_blocks& p);
// Returns the dequantized values element * scale * tensor_scale, row-major (exact in binary64).
std::vector<double> dequantized(const block_matrix& x);

// How the tensor scales t_A, t_B (NVFP4; 1 for MX) enter the output:
//   binary32_alpha  alpha = RN_binary32(t_A t_B), as cuBLASLt's float alpha of a block-scaled
//                   GEMM (the global scales go through alpha; the MMA applies the block scales)
//   exact           alpha = t_A t_B exactly (binary64: both are binary32)
enum class tensor_scale_rule : std::uint8_t { binary32_alpha, exact };

// Returns "" when A (M x K, along rows) and B (K x N, down columns) can be multiplied, else what
// is wrong: same K and block length, elements that are values of their element format, and
// element and scale formats narrow enough that every block term below is an integer of at most
// 106 bits times a power of two (all MX and NVFP4 presets are).
std::string validate_operands(const block_matrix& A, const block_matrix& B);
// Returns "" when the model can be used here: it validates, takes its inputs as they are
// (round_inputs off) and has no group sum (group = 0).
std::string validate_block_model(const accumulation_model& m);

namespace detail {

using lowp::detail::uint128;

// An exact block term: (-1)^negative sig 2^lsb, or a zero, or (finite = false) NaN / inf in
// `special`.
struct block_term {
  uint128 sig = 0;
  int lsb = 0;
  bool negative = false;
  bool zero = true;
  bool finite = true;
  double special = 0;
};

// Returns the exponent q of an element format's quantum: every element value is an integer
// times 2^q.
int element_quantum(const element_format& e) noexcept;
// Returns the bits of the largest |value| / 2^q.
int element_span_bits(const element_format& e) noexcept;

// Returns the term of block b of output (i, j): T_b = (sum over the block's k of
// A(i,k) B(k,j)) * s_A(i,b) * s_B(b,j), the sum and the products exact (OCP MX v1.0 sec. 6.1:
// Dot = X_A X_B sum P_i Q_i, internal precision implementation-defined; here exact). IEEE rules
// for NaN and inf elements or scales (NaN scale: NaN term; inf * 0: NaN). A zero term is -0
// when every product is -0, XOR the sign of s_A s_B.
block_term exact_block_term(const block_matrix& A, const block_matrix& B, std::size_t i,
                            std::size_t j, std::size_t b) noexcept;

// Rounds an exact term once to f (the unfused product rounding of the model).
double round_term(const block_term& t, const format& f, rounding mode, std::uint64_t random,
                  int rbits) noexcept;

// Returns the accumulator after one block term entered it: acc + T rounded once (fused), or
// acc + round(T to the product format) (model.round_products).
double term_step(const accumulation_model& m, const output_keys& key, double acc,
                 const block_term& t, std::uint64_t b) noexcept;

}  // namespace detail

// Returns output o under model m from its nb block terms term_at(b): THE DEFINITION. The terms
// take the place of the products of definition.hpp's model_dot, with the block index b in place
// of k (random words: role accumulate / product with e = b; combine and partial as there):
//   sequential  acc = +0; acc = term_step(acc, T_b) for b = 0..nb-1
//   pairwise    tree over leaves term_step(+0, T_b), nodes added in the accumulator
//   blocked     runs of `block` terms (promotion every `block` scale blocks), combined
//   split_k     S runs of ceil(nb / S) terms, combined
//   output      mul(result, alpha) rounded once to the output format in the output mode
//               (alpha = 1: the model's own output rounding)
template <class TermAt>
double block_model_dot(const accumulation_model& m, std::uint64_t nb, TermAt term_at, double alpha,
                       std::uint64_t o) {
  using namespace detail;
  const output_keys key{m.seed, o};
  auto run = [&](std::uint64_t b0, std::uint64_t b1) {
    double acc = 0.0;
    for (std::uint64_t b = b0; b < b1; ++b) acc = term_step(m, key, acc, term_at(b), b);
    return acc;
  };
  double result = 0.0;
  if (m.order == order_kind::sequential) {
    result = run(0, nb);
  } else if (m.order == order_kind::pairwise) {
    if (nb > 0)
      result = pairwise_tree(
          0, nb, [&](std::uint64_t b) { return term_step(m, key, 0.0, term_at(b), b); },
          [&](double x, double y, std::uint64_t mid) {
            return add(x, y, m.accumulator, m.accumulator_mode,
                       key.word(m.accumulator_mode, role::combine, mid), m.rbits)
                .value;
          });
  } else {
    result = combine_parts(m, key, part_count(m, nb), [&](std::uint64_t j) {
      const part_range r = part_of(m, nb, j);
      return run(r.k0, r.k1);
    });
  }
  return mul(result, alpha, m.output, m.output_mode, key.word(m.output_mode, role::output, 0),
             m.rbits)
      .value;
}

// Returns alpha for operands A, B under `rule`.
double tensor_alpha(const block_matrix& A, const block_matrix& B, tensor_scale_rule rule) noexcept;

// Computes C = A B (C(i,j) = C[i*ldc + j], output index o = i*N + j) by the definition, one output
// at a time: the reference loop. Throws std::invalid_argument on a bad model or operands.
void reference_block_gemm(const accumulation_model& m, const block_matrix& A, const block_matrix& B,
                          double* C, std::size_t ldc,
                          tensor_scale_rule rule = tensor_scale_rule::binary32_alpha);
// Returns the dot of x (1 x K, along rows) and y (K x 1, down columns) by the definition.
double reference_block_dot(const accumulation_model& m, const block_matrix& x,
                           const block_matrix& y,
                           tensor_scale_rule rule = tensor_scale_rule::binary32_alpha);

// Computes C = A B (and the dot) on the fast CPU path: the reference's bits for every model and
// thread count. The paths:
//   "block-f32"  binary32 nearest-even sequential accumulation (fused) when every block dot is
//                exact in binary32 (MXFP6, MXFP4, MXINT8, NVFP4): the block dots of a 4 x 16
//                tile of outputs by binary32 FMAs (exact, so their order is free), the scale
//                product and the accumulator addition in binary32 (IEEE: the model exactly)
//                where T_b is a binary32 value, else TwoSum in binary64, rounding to odd, and
//                one rounding to binary32 (Boldo & Melquiond 2008)
//   "block-f64"  the same with binary64 block dots (MXFP8 E4M3), 4 x 8 tiles, always TwoSum
//   "block-f64-checked"  MXFP8 E5M2, whose block dots may need 69 bits: block-f64 for the tile
//                blocks whose elements' bit exponents keep every partial sum exact in binary64
//                (checked per tile and block), the definition's step on the exact term for the
//                others
//   "generic"    the definition per output (other models), OpenMP over rows
void block_gemm(const accumulation_model& m, const block_matrix& A, const block_matrix& B,
                double* C, std::size_t ldc,
                tensor_scale_rule rule = tensor_scale_rule::binary32_alpha,
                const fast_options& opt = {});
double block_dot(const accumulation_model& m, const block_matrix& x, const block_matrix& y,
                 tensor_scale_rule rule = tensor_scale_rule::binary32_alpha,
                 const fast_options& opt = {});
// Returns the name of the path block_gemm takes for m on operands A, B.
std::string block_fast_path_name(const accumulation_model& m, const block_matrix& A,
                                 const block_matrix& B);

// Returns the exact entry (i, j) of dequantized(A) dequantized(B) (tensor scales included): the
// reference for error measurement.
exact_accumulator exact_block_entry(const block_matrix& A, const block_matrix& B, std::size_t i,
                                    std::size_t j);

}  // namespace lowp::kernels
