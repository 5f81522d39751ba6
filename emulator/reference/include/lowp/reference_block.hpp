// Provides the exact reference of block quantization (lowp/block.hpp): scales chosen by each rule
// from exact comparisons in GNU MPFR, element quotients carried exactly (or with a sticky bit far
// below any rounding boundary), rounded by lowp::reference, stochastic rounding from the exact
// fractional distance; written apart from emulator/src/block.cpp so that the two prove each other.
#pragma once

#include <mpfr.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lowp/block.hpp"

namespace lowp::reference {

struct block_result {
  std::vector<double> dequantized;
  std::vector<std::uint32_t> element_codes;
  std::vector<std::uint32_t> scale_codes;  // empty without a scale
  std::uint32_t tensor_scale_code = 0;
  block_counters counters;
};

// Quantizes like lowp::quantize_blocks, from the written semantics of block.hpp. Stochastic modes
// need an element format with gradual underflow (or an integer one); stochastic scale rounding
// needs a scale format with gradual underflow. Throws format_error otherwise.
block_result quantize_blocks(const double* in, std::size_t rows, std::size_t cols,
                             const block_spec& spec, const block_options& opt);

// One element rounding of the exact value x (finite, or a NaN / inf from an unscaled block).
struct element_rounding {
  double value;
  bool overflow;   // beyond max_elem after rounding with an unbounded exponent range
  bool saturated;  // clamped to the largest magnitude by saturation
};
element_rounding round_element(mpfr_srcptr x, const element_format& e, rounding mode,
                               std::uint64_t word, int rbits);

// Returns the code of the value v of format f (NaN: the canonical NaN code).
std::uint32_t code_of(double v, const format& f);

}  // namespace lowp::reference
