// Provides block-scaled quantization (OCP MX v1.0, NVIDIA NVFP4, block floating point): a
// quantizer over row-major 2-D arrays with a shared scale per block or tile, every scale rule as a
// parameter, element rounding in every lowp mode, packed storage, and QSNR / crest-factor tools.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp {

// How a block's scale is chosen from amax = max |v| over the block's finite elements, with
// max_elem / emax_elem the element format's largest value and its exponent (floor(log2 max_elem)):
//   floor  2^e, e = floor(log2 amax) - emax_elem (OCP MX v1.0); elements above max_elem clip
//   ceil   2^e, e = ceil(log2(amax / max_elem)): the smallest power of two that clips nothing
//          (NVIDIA's round-up E8M0 conversion)
//   fit    2^e, the smallest e for which amax / 2^e rounds, in the element mode, to at most
//          max_elem (one below ceil when the block max rounds down onto max_elem; stochastic
//          modes use the random word of the block's first element of largest magnitude)
//   amax   amax / max_elem rounded once to the scale format in block_spec::scale_rounding,
//          saturating (non-power-of-two scales: E4M3, binary32; NVFP4)
// Power-of-two exponents are clamped to the powers of two the scale format holds (E8M0: -127..127).
enum class scale_rule : std::uint8_t { floor, ceil, fit, amax };

constexpr std::string_view name(scale_rule r) noexcept {
  constexpr std::string_view names[] = {"floor", "ceil", "fit", "amax"};
  return names[static_cast<int>(r)];
}
constexpr std::optional<scale_rule> parse_scale_rule(std::string_view s) noexcept {
  for (scale_rule r : {scale_rule::floor, scale_rule::ceil, scale_rule::fit, scale_rule::amax})
    if (s == name(r)) return r;
  return std::nullopt;
}

// The format of a block's elements: a lowp format, or a b-bit two's-complement integer k read as
// k * 2^-fraction_bits (MXINT8: b = 8, fraction_bits = 6). A symmetric integer uses
// -(2^(b-1)-1)..2^(b-1)-1 (OCP MXINT8 clamps so); an asymmetric one also -2^(b-1).
struct element_format {
  bool is_integer = false;
  format fp = formats::e4m3fn;  // when !is_integer
  int int_bits = 8;             // when is_integer: 2..32
  int fraction_bits = 0;
  bool symmetric = true;

  friend constexpr bool operator==(const element_format&, const element_format&) = default;

  static constexpr element_format floating(const format& f) noexcept { return {false, f}; }
  static constexpr element_format integer(int bits, int fraction, bool sym) noexcept {
    return {true, formats::e4m3fn, bits, fraction, sym};
  }
  // Bits of one element code.
  constexpr int code_bits() const noexcept { return is_integer ? int_bits : fp.width(); }
  // max_elem: the largest element value.
  constexpr double largest() const noexcept {
    return is_integer ? static_cast<double>((std::int64_t{1} << (int_bits - 1)) - 1) *
                            exp2i(-fraction_bits)
                      : fp.largest();
  }
  // emax_elem = floor(log2 max_elem).
  constexpr int emax() const noexcept {
    if (!is_integer) return fp.emax();
    int e = 0;
    while ((std::int64_t{2} << e) <= (std::int64_t{1} << (int_bits - 1)) - 1) ++e;
    return e - fraction_bits;
  }
};

// A block format: elements, scale, rule and block (tile) shape.
struct block_spec {
  element_format element = element_format::floating(formats::e4m3fn);
  bool has_scale = true;  // false: no scale, elements rounded alone
  format scale = formats::e8m0fnu;
  scale_rule rule = scale_rule::floor;
  rounding scale_rounding = rounding::nearest_even;  // amax rule (and the tensor scale: RNE)
  // Tile shape: tile_rows x tile_cols elements share a scale; 0 = the whole dimension. 1 x k is
  // a block of k along rows, k x 1 a block of k along columns; edge tiles may be partial.
  std::size_t tile_rows = 1;
  std::size_t tile_cols = 32;
  // NVFP4's second level: s_t = amax_tensor / (scale_max * max_elem) rounded to binary32 (RNE,
  // saturating); blocks then take amax_block / (max_elem * s_t). Needs the amax rule.
  bool tensor_scale = false;

  friend constexpr bool operator==(const block_spec&, const block_spec&) = default;

  // Returns "" when usable, else what is wrong.
  std::string validate() const;
};

namespace block_formats {
// OCP MX v1.0 saturates normals on conversion, so the FP8 element formats saturate here.
inline constexpr format e4m3_sat = {4, 3, 7, true, true, subnormal_mode::on, specials_mode::fn,
                                    overflow_mode::saturate};
inline constexpr format e5m2_sat = {5, 2, 15, true, true, subnormal_mode::on, specials_mode::ieee,
                                    overflow_mode::saturate};
inline constexpr format e4m3_scale = e4m3_sat;  // NVFP4 block scale: E4M3, RNE, saturating

inline constexpr block_spec mx(const element_format& e) noexcept {
  return {e, true, formats::e8m0fnu, scale_rule::floor, rounding::nearest_even, 1, 32, false};
}
inline constexpr block_spec mxfp8_e4m3 = mx(element_format::floating(e4m3_sat));
inline constexpr block_spec mxfp8_e5m2 = mx(element_format::floating(e5m2_sat));
inline constexpr block_spec mxfp6_e3m2 = mx(element_format::floating(formats::e3m2fn));
inline constexpr block_spec mxfp6_e2m3 = mx(element_format::floating(formats::e2m3fn));
inline constexpr block_spec mxfp4_e2m1 = mx(element_format::floating(formats::e2m1fn));
inline constexpr block_spec mxint8 = mx(element_format::integer(8, 6, true));
// NVIDIA NVFP4: E2M1 elements, 16 per block, E4M3 block scale (amax rule, RNE), binary32 tensor
// scale.
inline constexpr block_spec nvfp4 = {element_format::floating(formats::e2m1fn),
                                     true,
                                     e4m3_scale,
                                     scale_rule::amax,
                                     rounding::nearest_even,
                                     1,
                                     16,
                                     true};
// Block floating point as QPyTorch's block_quantize / pychop's BFP: a shared exponent
// floor(log2 amax) and 8-bit two's-complement mantissas k * 2^-6 (asymmetric clamp).
inline constexpr block_spec bfp = mx(element_format::integer(8, 6, false));
}  // namespace block_formats

struct named_block_spec {
  std::string_view name;
  block_spec value;
};
inline constexpr named_block_spec block_presets[] = {
    {"mxfp8_e4m3", block_formats::mxfp8_e4m3}, {"mxfp8_e5m2", block_formats::mxfp8_e5m2},
    {"mxfp6_e3m2", block_formats::mxfp6_e3m2}, {"mxfp6_e2m3", block_formats::mxfp6_e2m3},
    {"mxfp4_e2m1", block_formats::mxfp4_e2m1}, {"mxint8", block_formats::mxint8},
    {"nvfp4", block_formats::nvfp4},           {"bfp", block_formats::bfp},
};

// Returns the preset called `name`, or nullopt.
std::optional<block_spec> find_block_preset(std::string_view name);

struct block_options {
  rounding mode = rounding::nearest_even;  // element rounding
  std::uint64_t seed = 0;                  // stochastic modes
  std::uint64_t stream = 0;
  int rbits = 64;
  int threads = 0;  // OpenMP threads; 0 = OpenMP's default
};

// Events over a tensor (an element can count in several).
//   clipped    |v| / scale > max_elem exactly (or below the lowest integer): out of element range
//   saturated  the element rounding clamped to +-max_elem (lowp's flag::saturated; integers:
//              the rounded integer was outside the range)
//   flushed    a nonzero element gave zero
//   nan        an element's result is NaN (NaN blocks count all their elements)
struct block_counters {
  std::uint64_t elements = 0, blocks = 0;
  std::uint64_t clipped = 0, saturated = 0, flushed = 0, nan = 0;
  std::uint64_t nan_blocks = 0, zero_blocks = 0;

  block_counters& operator+=(const block_counters& o) noexcept;
  friend bool operator==(const block_counters&, const block_counters&) = default;
};

// Number of blocks (tiles) of a rows x cols array; blocks are numbered row-major over the tile
// grid.
std::size_t block_count(std::size_t rows, std::size_t cols, const block_spec& spec);

// Where quantize_blocks writes; any pointer may be null.
//   dequantized    rows*cols values: element * scale (NVFP4: element * s_b * s_t), binary64
//   element_codes  rows*cols element codes, row-major (integers: two's complement in b bits)
//   scale_codes    block_count() scale codes (none when !has_scale)
//   tensor_scale_code  the binary32 code of s_t (tensor_scale only)
template <class T>
struct block_outputs {
  T* dequantized = nullptr;
  std::uint32_t* element_codes = nullptr;
  std::uint32_t* scale_codes = nullptr;
  std::uint32_t* tensor_scale_code = nullptr;
};

// Quantizes the row-major rows x cols array `in` block by block. Element i = r * cols + c rounds
// with the random word random_stream(seed, stream)(i); stochastic scale rounding (amax rule) of
// block b uses random_stream(seed, stream ^ 2^63)(b). Results do not depend on the thread count.
// Conventions:
//   - a block holding NaN or inf (with a scale): scale = the scale format's NaN code, every
//     element NaN in `dequantized`, element codes 0;
//   - an all-zero block, and a block whose amax-rule scale rounds to zero: scale code 0 (E8M0:
//     2^-127; E4M3, binary32: +0), elements the signed zeros of the format (integers: +0);
//   - no scale: each element is rounded alone (NaN and inf as lowp::round treats them).
// Element values are the exact v / scale rounded once. Float storage: the binary64 dequantized
// value is converted to float (exact for MX formats unless below float's normal range).
// Throws format_error when spec.validate() fails or rbits is outside 1..64.
block_counters quantize_blocks(const double* in, std::size_t rows, std::size_t cols,
                               const block_spec& spec, const block_options& opt,
                               const block_outputs<double>& out);
block_counters quantize_blocks(const float* in, std::size_t rows, std::size_t cols,
                               const block_spec& spec, const block_options& opt,
                               const block_outputs<float>& out);

// Packed storage, bit-exact to OCP MX v1.0 / NVFP4 codes: element codes row-major in a bit
// stream, least significant bit first (two FP4 codes per byte, element 2j in the low nibble;
// four FP6 codes per 3 bytes); scale codes likewise (E8M0 / E4M3: one byte each; binary32: 4
// bytes little-endian); the NVFP4 tensor scale as its binary32 code.
struct packed_blocks {
  std::size_t rows = 0, cols = 0;
  block_spec spec;
  std::vector<std::uint8_t> elements;
  std::vector<std::uint8_t> scales;
  std::uint32_t tensor_scale_code = 0;
};

// Packs n codes of `bits` bits each (1..32) into an LSB-first bit stream.
std::vector<std::uint8_t> pack_codes(const std::uint32_t* codes, std::size_t n, int bits);
// Unpacks n codes of `bits` bits from an LSB-first bit stream.
std::vector<std::uint32_t> unpack_codes(const std::uint8_t* bytes, std::size_t n, int bits);

// Quantizes and packs; `counters` (optional) receives the counters.
packed_blocks quantize_packed(const double* in, std::size_t rows, std::size_t cols,
                              const block_spec& spec, const block_options& opt = {},
                              block_counters* counters = nullptr);
// Writes the rows*cols dequantized values of p into out (what quantize_blocks writes, NaN
// blocks as NaN).
void dequantize(const packed_blocks& p, double* out);
// Returns the value of one element code (NaN for a NaN code).
double element_value(std::uint32_t code, const element_format& e);

// Returns QSNR = -10 log10(||x - xq||^2 / ||x||^2) in dB (inf when xq == x), over finite pairs.
double qsnr_db(const double* x, const double* xq, std::size_t n);
// Returns the crest factor max|x| / RMS of x[0..n) (0 for an all-zero input).
double crest_factor(const double* x, std::size_t n);
// Returns the crest factor of every block of a rows x cols array (block order as quantize_blocks).
std::vector<double> block_crest_factors(const double* x, std::size_t rows, std::size_t cols,
                                        const block_spec& spec);

}  // namespace lowp
