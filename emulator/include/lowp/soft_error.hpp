// Provides soft errors as in chop and CPFloat: after rounding, flip one random bit of a value's
// significand or of its whole code with probability p, reproducibly from lowp's counter-based
// generator.
//
// What is flipped. A value v of format f is encoded (bits.hpp), one bit of the code is flipped,
// and the code is decoded again:
//
//   code:  [ sign | exponent field | mantissa field ]
//            w-1                    M-1           0      (w = f.width(), M = f.mantissa_bits)
//
//   significand  one of the M mantissa-field bits, uniformly (chop's options.flip, CPFloat's
//                CPFLOAT_SOFTERR_FRAC); formats with M = 0 have nothing to flip (the array
//                functions refuse them)
//   code         one of all w bits, uniformly (CPFloat's CPFLOAT_SOFTERR_FP)
//
// The flipped code is whatever decode() makes of it: a flip that lands on an inf or NaN code
// gives inf or NaN (e.g. 448 = 0x7e in e4m3fn, bit 0 -> 0x7f = NaN; +0 in e4m3fnuz, sign bit ->
// 0x80 = NaN), and a flip into the field-0 codes gives the subnormal value decode() assigns to them
// even when f has subnormals off or ftz. A NaN input stands for f's canonical NaN code
// (nan_code(f)), so its binary64 payload is not kept. An input that is not a value of f (encode()
// gives nullopt) is left unchanged and reported, never flipped.
//
// Randomness. Each element draws two 64-bit words from streams derived from the same
// (seed, stream) pair round_options uses, but with keys that stochastic rounding never uses:
//
//   k         = random_stream(seed, stream).key          (the key stochastic rounding uses)
//   decide    = random_stream with key mix64(k ^ 0x5fe7ad1c0de5eed1)
//   position  = random_stream with key mix64(k ^ 0xb17f11b5ca77e12d)
//
// Element i (global index first_index + i) flips iff decide(i) < floor(p * 2^64), or always when
// p = 1: the probability is p truncated to 64 fractional bits, exact for p = 0 and p = 1. The
// flipped bit is mulhi64(position(i), nbits) (the high word of the 128-bit product; uniform up to
// a bias below nbits / 2^64), nbits = M or w by mode. The flips are thus a pure function of
// (seed, stream, global index, p, value) and independent of the stochastic-rounding bits, the
// thread count and how a caller splits an array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "lowp/bits.hpp"
#include "lowp/config.hpp"
#include "lowp/format.hpp"
#include "lowp/random.hpp"

namespace lowp {

// Which bits a soft error may flip.
enum class soft_error_mode : std::uint8_t {
  significand,  // one of the mantissa-field bits (chop, CPFLOAT_SOFTERR_FRAC)
  code,         // one of all bits of the code: sign, exponent, mantissa (CPFLOAT_SOFTERR_FP)
};

// The flip decision for a probability p in [0, 1]: flip iff p >= 1 or word < threshold, where
// threshold = floor(p * 2^64). p * 2^64 is exact in binary64 and below 2^64 for p < 1, so the
// conversion truncates it exactly. p <= 0 or NaN never flips.
struct flip_probability {
  std::uint64_t threshold = 0;
  bool always = false;

  LOWP_HOST_DEVICE constexpr flip_probability() noexcept = default;
  LOWP_HOST_DEVICE constexpr explicit flip_probability(double p) noexcept {
    if (p >= 1.0) {
      always = true;
    } else if (p > 0.0) {
      threshold = static_cast<std::uint64_t>(p * 0x1p64);
    }
  }
  // Returns whether an element whose decision word is `word` flips.
  LOWP_HOST_DEVICE constexpr bool flips(std::uint64_t word) const noexcept {
    return always || word < threshold;
  }
};

// The two generators of soft errors for a (seed, stream) pair, derived as the header comment says.
struct soft_error_stream {
  random_stream decide;
  random_stream position;

  LOWP_HOST_DEVICE constexpr soft_error_stream(std::uint64_t seed,
                                               std::uint64_t stream = 0) noexcept {
    const std::uint64_t k = random_stream(seed, stream).key;
    decide.key = mix64(k ^ 0x5fe7ad1c0de5eed1ULL);
    position.key = mix64(k ^ 0xb17f11b5ca77e12dULL);
  }
};

namespace detail {
// Returns the high 64 bits of a * b (no __int128, so that it also compiles for devices).
LOWP_HOST_DEVICE constexpr std::uint64_t mulhi64(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
}  // namespace detail

struct soft_error_result {
  double value;    // the value after the (possible) flip
  int bit;         // the code bit flipped (0 = least significant), -1 when nothing was flipped
  bool in_format;  // false when the input is not a value of f (then it is returned unchanged)
};

// Returns the number of bits a soft error chooses from: M (significand) or the code width.
LOWP_HOST_DEVICE constexpr int soft_error_bits(const format& f, soft_error_mode mode) noexcept {
  return mode == soft_error_mode::significand ? f.mantissa_bits : f.width();
}

// Flips one bit of v's code unconditionally: bit mulhi64(position_word, nbits) of the bits that
// `mode` allows. v must be a value of f or NaN; otherwise, or when there are no bits to choose
// from (M = 0 in significand mode), v is returned unchanged with bit = -1.
LOWP_HOST_DEVICE constexpr soft_error_result flip_bit(double v, const format& f,
                                                      soft_error_mode mode,
                                                      std::uint64_t position_word) noexcept {
  const std::optional<std::uint64_t> code = encode(v, f);
  if (!code) return {v, -1, false};
  const int nbits = soft_error_bits(f, mode);
  if (nbits <= 0) return {v, -1, true};
  const int bit =
      static_cast<int>(detail::mulhi64(position_word, static_cast<std::uint64_t>(nbits)));
  // The flipped code is within f's width, so decode always succeeds.
  const double flipped = *decode(*code ^ (std::uint64_t{1} << bit), f);
  return {flipped, bit, true};
}

// Applies a soft error to v, a value of f (as round() returns), given the element's two random
// words: flips iff prob.flips(decide_word), the bit chosen by position_word (see flip_bit).
LOWP_HOST_DEVICE constexpr soft_error_result soft_error(double v, const format& f,
                                                        soft_error_mode mode, flip_probability prob,
                                                        std::uint64_t decide_word,
                                                        std::uint64_t position_word) noexcept {
  if (!prob.flips(decide_word)) return {v, -1, encode(v, f).has_value()};
  return flip_bit(v, f, mode, position_word);
}

// Applies a soft error to v, the element with global index `index`, drawing its words from
// soft_error_stream(seed, stream). Requires f.fits_binary64() (encode() refuses other formats,
// which then count as not in format).
LOWP_HOST_DEVICE constexpr soft_error_result soft_error(double v, const format& f,
                                                        soft_error_mode mode, double p,
                                                        std::uint64_t seed, std::uint64_t stream,
                                                        std::uint64_t index) noexcept {
  const soft_error_stream s(seed, stream);
  return soft_error(v, f, mode, flip_probability(p), s.decide(index), s.position(index));
}

struct soft_error_options {
  double probability = 0.0;  // p in [0, 1]: the chance that an element gets one bit flipped
  soft_error_mode mode = soft_error_mode::significand;
  std::uint64_t seed = 0;         // generator seed (the same seed as rounding is fine: see above)
  std::uint64_t stream = 0;       // stream number (e.g. a tensor id)
  std::uint64_t first_index = 0;  // global index of element 0 (for callers that split arrays)
  int threads = 0;                // OpenMP threads; 0 = OpenMP's default
};

// How many elements were flipped, and how many were left alone because they are not values of f.
struct soft_error_counters {
  std::uint64_t flipped = 0;
  std::uint64_t not_in_format = 0;

  soft_error_counters& operator+=(const soft_error_counters& o) noexcept {
    flipped += o.flipped;
    not_in_format += o.not_in_format;
    return *this;
  }
  friend bool operator==(const soft_error_counters&, const soft_error_counters&) = default;
};

// Applies soft errors to in[0..n), values of f (e.g. the output of round_array), into out[0..n)
// (out may equal in). Element i is soft_error(in[i], f, mode, p, seed, stream, first_index + i).
// Throws format_error when f is invalid, not exactly representable in the storage type, or has
// no mantissa bits in significand mode, and std::invalid_argument when p is not in [0, 1].
soft_error_counters soft_error_array(const double* in, double* out, std::size_t n, const format& f,
                                     const soft_error_options& opt);
soft_error_counters soft_error_array(const float* in, float* out, std::size_t n, const format& f,
                                     const soft_error_options& opt);

}  // namespace lowp
