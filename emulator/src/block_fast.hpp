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

}  // namespace lowp::detail
