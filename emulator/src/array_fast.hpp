// Declares the vectorised array-rounding blocks (one build per instruction set) and their
// parameters, precomputed from a format so that the blocks include no lowp header.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lowp::detail {

struct fast_params {
  int m;                             // mantissa bits
  int emin;                          // exponent of the smallest normal
  std::uint64_t largest_bits;        // binary64 bit pattern of the largest finite value
  bool negative_zero;                // the format has -0
  bool is_signed;
  bool subnormals_fast;  // gradual underflow without DAZ: tiny inputs stay on the fast path
  int mode;              // static_cast<int>(rounding)
  int rbits;
  std::uint64_t key;  // random_stream key
  std::uint64_t unit = 1;  // always 1 (see array_fast.inc)
  std::uint64_t overflow_pos_bits;  // the result of a positive overflow in this mode
  std::uint64_t overflow_neg_bits;  // the result of a negative overflow in this mode
};

// Rounds in[0..n) into out[0..n); elements the block cannot finish get bit i % 64 of
// slow[i / 64] set (slow holds ceil(n / 64) words, zeroed by the block) and out[i] =
// in[i] (the caller redoes them with the scalar kernel). counts[0..2] += inexact, underflow,
// flushed of the finished elements; counts[3] += the number of slow elements; counts[4] and
// counts[5] += positive and negative overflows finished by the block (the portable blocks leave
// overflow to the scalar kernel). Overflowed elements are counted as inexact too.
#define LOWP_DECLARE_FAST(NS)                                                                  \
  namespace NS {                                                                               \
  void fast_block(const double* in, double* out, std::size_t n, const fast_params& p,          \
                  std::uint64_t index0, std::uint64_t* slow, std::uint64_t* counts);           \
  void fast_block(const float* in, float* out, std::size_t n, const fast_params& p,            \
                  std::uint64_t index0, std::uint64_t* slow, std::uint64_t* counts);           \
  }
LOWP_DECLARE_FAST(generic)
LOWP_DECLARE_FAST(avx2)
#undef LOWP_DECLARE_FAST

}  // namespace lowp::detail
