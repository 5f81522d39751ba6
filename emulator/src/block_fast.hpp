// Declares the vectorised round-to-nearest-even twin used by block quantization (one build per
// instruction set, chosen at run time), with its parameters precomputed from a format so that the
// builds include no lowp header.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lowp::detail {

struct rne_twin_params {
  double min_normal;             // 2^emin
  double top;                    // 2^(emax+1)
  double largest;                // largest finite value
  std::uint64_t shift;           // (52 - m) << 52
  std::uint64_t over_pos_bits;   // the format's RNE overflow result, positive
  std::uint64_t over_neg_bits;   // and negative
  std::uint64_t keep_zero_sign;  // all ones when the format has -0, else 0
};

// Rounds y[0..n) in place (finite binary64 normals or zeros with |y| <= 2^1000) to nearest even
// on the grid of a format with gradual underflow; counts[0] += overflows, counts[1] += nonzero
// values flushed to zero.
#define LOWP_DECLARE_RNE_TWIN(NS)                                                              \
  namespace NS {                                                                               \
  void rne_twin_block(double* y, std::size_t n, const rne_twin_params& p,                      \
                      std::uint64_t* counts);                                                  \
  }
LOWP_DECLARE_RNE_TWIN(generic)
LOWP_DECLARE_RNE_TWIN(avx2)
#undef LOWP_DECLARE_RNE_TWIN

// The fused one-pass kernels for binary32 storage (AVX2 only): per block amax, scale, element
// rounding and dequantization, 8 elements per step. Blocks or elements they cannot decide exactly
// are handed back to the scalar quantizer (block.cpp), which overwrites their outputs.
struct fused_params {
  // Element format: a signed format with gradual underflow, emin, emax, m = mantissa bits.
  int emin = 0, emax = 0, m = 0;
  float largest = 0;                     // max_elem
  std::uint32_t over_pos = 0, over_neg = 0;  // binary32 bits of the overflow results
  std::uint32_t keep_zero_sign = 0;      // 0x80000000 when the format has -0, else 0
  int over_saturated = 0, over_nan = 0;  // an overflow counts as saturated / nan
  int stochastic = 0;                    // 0: nearest-even, 1: stochastic (sr)
  int drop = 0;                          // 64 - rbits
  std::uint64_t key = 0;                 // random_stream key of the elements
  // MX (power-of-two scales): the rule and the clamp of the scale exponent.
  int ceil_rule = 0;                     // 0: floor, 1: ceil
  int range_lo = 0, range_hi = 0;
  int largest_exp = 0;                   // frexp exponent of max_elem
  std::uint32_t largest_mant = 0;        // binary32 fraction field of max_elem
  // NVFP4 (E2M1 elements, E4M3 RNE saturating block scale, binary32 tensor scale s_t).
  double t = 1;                          // max_elem * s_t (exact)
  float s_t = 1;
  int stream_out = 0;                    // non-temporal stores (outputs beyond the caches)
};

struct fused_counts {
  std::uint64_t clipped = 0, saturated = 0, flushed = 0, nan = 0, blocks = 0, elements = 0;
};

// What a kernel hands back: per block the scale it used (MX: the exponent e; NVFP4: s_b), or
// fused_fallback_block when the scalar quantizer must do the whole block; and the offsets (from
// in[0]) of single elements the scalar quantizer must round (not counted in fused_counts).
inline constexpr int fused_fallback_block = -100000;

namespace avx2 {
// MX: nblocks consecutive blocks of len elements (len a multiple of 8) from in[0], whose element
// index is index0; writes dequantized values to out. exps[b]: e or fused_fallback_block.
void mx_fused(const float* in, float* out, std::size_t nblocks, std::size_t len,
              std::uint64_t index0, const fused_params& p, fused_counts& c, int* exps,
              std::uint32_t* fb_elems, std::size_t& n_fb);
// NVFP4: as mx_fused; sbs[b]: s_b, or 0 when the scalar quantizer does the block.
void nvfp4_fused(const float* in, float* out, std::size_t nblocks, std::size_t len,
                 std::uint64_t index0, const fused_params& p, fused_counts& c, float* sbs,
                 std::uint32_t* fb_elems, std::size_t& n_fb);
// Returns max |x| over the finite binary32 values x[0..n) (0 when none).
float finite_amax(const float* x, std::size_t n);
}  // namespace avx2

}  // namespace lowp::detail
