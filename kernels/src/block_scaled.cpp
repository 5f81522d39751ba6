// Block-scaled dot and GEMM (block_scaled.hpp): operands from lowp::quantize_blocks, the exact
// block terms of the definition, the reference loop, the exact reference, and the fast CPU path
// (tiles of outputs per OpenMP task, exact block dots in binary32 or binary64 lanes).
#include "lowp/kernels/block_scaled.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "block_scaled_tiles.hpp"
#include "lowp/bits.hpp"
#include "lowp/round.hpp"

namespace lowp::kernels {

// ---------------------------------------------------------------------------------------------
// Operands.

std::size_t block_matrix::block() const noexcept {
  const std::size_t t = along_rows ? spec.tile_cols : spec.tile_rows;
  return t == 0 ? k_extent() : t;
}

std::size_t block_matrix::blocks_along_k() const noexcept {
  const std::size_t k = block();
  return k == 0 ? 0 : (k_extent() + k - 1) / k;
}

namespace {

// Returns the value of a scale code (NaN for NaN codes).
double scale_value(std::uint32_t code, const format& f) {
  const std::optional<double> s = decode(code, f);
  return s ? *s : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

block_matrix quantize_operand(const double* in, std::size_t rows, std::size_t cols,
                              const block_spec& spec, bool along_rows, const block_options& opt) {
  if (std::string why = spec.validate(); !why.empty())
    throw std::invalid_argument("lowp::kernels: block spec: " + why);
  if (spec.tile_rows != 1)
    throw std::invalid_argument(
        "lowp::kernels: give the block as 1 x k (tile_rows = 1); the right operand takes k x 1");
  block_matrix x;
  x.rows = rows;
  x.cols = cols;
  x.along_rows = along_rows;
  x.spec = spec;
  if (!along_rows) {
    x.spec.tile_rows = spec.tile_cols;
    x.spec.tile_cols = 1;
  }
  const std::size_t n = rows * cols;
  const std::size_t nblocks = block_count(rows, cols, x.spec);
  std::vector<std::uint32_t> ecodes(n), scodes(nblocks);
  std::uint32_t tcode = 0;
  block_outputs<double> out;
  out.element_codes = ecodes.data();
  if (spec.has_scale) out.scale_codes = scodes.data();
  out.tensor_scale_code = &tcode;
  if (n > 0) quantize_blocks(in, rows, cols, x.spec, opt, out);
  x.elements.resize(n);
  for (std::size_t i = 0; i < n; ++i) x.elements[i] = element_value(ecodes[i], spec.element);
  x.scales.assign(nblocks, 1.0);
  if (spec.has_scale)
    for (std::size_t b = 0; b < nblocks; ++b) x.scales[b] = scale_value(scodes[b], spec.scale);
  x.tensor_scale =
      spec.tensor_scale && n > 0 ? static_cast<double>(std::bit_cast<float>(tcode)) : 1.0;
  return x;
}

block_matrix from_packed(const packed_blocks& p) {
  const block_spec& sp = p.spec;
  if (std::string why = sp.validate(); !why.empty())
    throw std::invalid_argument("lowp::kernels: block spec: " + why);
  block_matrix x;
  x.rows = p.rows;
  x.cols = p.cols;
  x.spec = sp;
  if (sp.tile_rows == 1)
    x.along_rows = true;
  else if (sp.tile_cols == 1)
    x.along_rows = false;
  else
    throw std::invalid_argument("lowp::kernels: blocks must be 1 x k or k x 1");
  const std::size_t n = p.rows * p.cols;
  const std::size_t nblocks = block_count(p.rows, p.cols, sp);
  const std::vector<std::uint32_t> ecodes =
      unpack_codes(p.elements.data(), n, sp.element.code_bits());
  x.elements.resize(n);
  for (std::size_t i = 0; i < n; ++i) x.elements[i] = element_value(ecodes[i], sp.element);
  x.scales.assign(nblocks, 1.0);
  if (sp.has_scale) {
    const std::vector<std::uint32_t> scodes =
        unpack_codes(p.scales.data(), nblocks, sp.scale.width());
    for (std::size_t b = 0; b < nblocks; ++b) x.scales[b] = scale_value(scodes[b], sp.scale);
  }
  x.tensor_scale =
      sp.tensor_scale ? static_cast<double>(std::bit_cast<float>(p.tensor_scale_code)) : 1.0;
  return x;
}

std::vector<double> dequantized(const block_matrix& x) {
  std::vector<double> d(x.rows * x.cols);
  const std::size_t k = x.block();
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c) {
      const std::size_t l = x.along_rows ? r : c, t = x.along_rows ? c : r;
      d[r * x.cols + c] = x.elements[r * x.cols + c] * x.scale(l, t / k) * x.tensor_scale;
    }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Validation.

namespace detail {

int element_quantum(const element_format& e) noexcept {
  if (e.is_integer) return -e.fraction_bits;
  return e.fp.emin() - e.fp.mantissa_bits;
}

int element_span_bits(const element_format& e) noexcept {
  if (e.is_integer) return e.int_bits;  // |k| <= 2^(b-1)
  const double c = std::ldexp(e.fp.largest(), -element_quantum(e));
  return c >= 0x1p62 ? 64 : std::bit_width(static_cast<std::uint64_t>(c));
}

}  // namespace detail

namespace {

using detail::element_quantum;
using detail::element_span_bits;

int ceil_log2(std::size_t n) {
  int b = 0;
  while ((std::size_t{1} << b) < n) ++b;
  return b;
}

// Returns the significant bits of a scale value of x (1 without scales).
int scale_bits(const block_matrix& x) { return x.spec.has_scale ? x.spec.scale.precision() : 1; }

// Returns the bits of the product of two scales' significands (a power of two adds none).
int scale_product_bits(const block_matrix& A, const block_matrix& B) {
  const int a = scale_bits(A), b = scale_bits(B);
  return a == 1 ? b : b == 1 ? a : a + b;
}

// Returns the bits of |block dot| / 2^(qA + qB): W = span_A + span_B + ceil(log2 k).
int block_dot_bits(const block_matrix& A, const block_matrix& B) {
  return element_span_bits(A.spec.element) + element_span_bits(B.spec.element) +
         ceil_log2(std::max<std::size_t>(A.block(), 1));
}

// Returns whether v (finite) is a value of f, on its bits, for the formats where that is
// simple: signed with zero and subnormals (FP8/6/4 elements, E4M3 scales) and E8M0-like powers of
// two; nullopt for others (the caller rounds instead).
std::optional<bool> on_grid(double v, const format& f) {
  const bool plain = f.is_signed && f.has_zero && f.subnormals == subnormal_mode::on && !f.daz;
  const bool powers = !f.is_signed && !f.has_zero && f.mantissa_bits == 0 && !f.daz;
  if (!(plain || powers) || !f.fits_binary64()) return std::nullopt;
  if (v == 0) return plain;
  if (powers && v < 0) return false;
  if (std::fabs(v) > f.largest()) return false;
  const std::uint64_t u = std::bit_cast<std::uint64_t>(v) & 0x7fffffffffffffffULL;
  const int field = static_cast<int>(u >> 52);
  const std::uint64_t sig = field ? (u & 0xfffffffffffffULL) | (1ULL << 52) : u;
  const int lsb = (field ? field - 1075 : -1074) + std::countr_zero(sig);
  const int top = (field ? field - 1023 : -1074 + 63 - std::countl_zero(sig));
  return lsb >= std::max(top, f.emin()) - f.mantissa_bits;
}

// Returns "" when x's sizes, elements, scales and tensor scale fit its spec, else what is wrong.
std::string check_elements(const block_matrix& x, const char* name) {
  const element_format& e = x.spec.element;
  if (!e.is_integer && !e.fp.fits_binary64())
    return std::string(name) + ": element format does not fit binary64";
  if (element_span_bits(e) > 52) return std::string(name) + ": element format too wide";
  if (x.elements.size() != x.rows * x.cols) return std::string(name) + ": rows * cols elements";
  const std::size_t nblocks = block_count(x.rows, x.cols, x.spec);
  if (x.scales.size() != nblocks) return std::string(name) + ": one scale per block";
  const int q = element_quantum(e);
  const double cmax = std::ldexp(1.0, element_span_bits(e));
  double cmin = -cmax, cmax_int = cmax;
  if (e.is_integer) {
    cmax_int = std::ldexp(1.0, e.int_bits - 1) - 1;
    cmin = e.symmetric ? -cmax_int : -cmax_int - 1;
  }
  // A value of a signed floating format with zero and subnormals (every MX and NVFP4 element
  // format), or of an integer format, is checked on its bits (this runs on every call).
  const bool plain = e.is_integer || (e.fp.is_signed && e.fp.has_zero &&
                                      e.fp.subnormals == subnormal_mode::on && !e.fp.daz);
  const int m = e.is_integer ? 1000 : e.fp.mantissa_bits;
  const double hi = e.is_integer ? std::ldexp(cmax_int, q) : e.fp.largest();
  const double lo = e.is_integer ? std::ldexp(cmin, q) : -hi;
  // Without branches per element (zeros are frequent and unpredictable in FP4 data); the
  // message names the first bad element when some check fails.
  auto ok_plain = [&](double v) {
    const std::uint64_t u = std::bit_cast<std::uint64_t>(v) & 0x7fffffffffffffffULL;
    const int field = static_cast<int>(u >> 52);
    const std::uint64_t sig = field ? (u & 0xfffffffffffffULL) | (1ULL << 52) : u;
    const int lsb = (field ? field - 1075 : -1074) + std::countr_zero(sig);
    const int top = (field ? field - 1023 : -1074 + 63 - std::countl_zero(sig));
    return (u == 0) | (field == 0x7ff) |  // zeros; NaN / inf elements follow IEEE rules
           ((v <= hi) & (v >= lo) & (lsb >= std::max(top - m, q)));
  };
  auto ok_other = [&](double v) {
    if (!std::isfinite(v)) return true;
    const double c = std::ldexp(v, -q);
    return c == std::trunc(c) && c <= cmax_int && c >= cmin &&
           lowp::round(v, e.fp, rounding::nearest_even).value == v;
  };
  bool all = true;
  if (plain)
    for (double v : x.elements) all &= ok_plain(v);
  else
    for (double v : x.elements) all &= ok_other(v);
  if (!all)
    for (double v : x.elements)
      if (!(plain ? ok_plain(v) : ok_other(v)))
        return std::string(name) + ": element " + std::to_string(v) +
               " is not a value of its format";
  for (double s : x.scales) {
    if (s != s) continue;  // NaN scale: NaN terms
    if (!x.spec.has_scale) {
      if (s != 1.0) return std::string(name) + ": scales must be 1 without a scale format";
    } else if (!on_grid(s, x.spec.scale)
                    .value_or(lowp::round(s, x.spec.scale, rounding::nearest_even).value == s)) {
      return std::string(name) + ": scale " + std::to_string(s) + " is not a value of its format";
    }
  }
  if (x.spec.tensor_scale
          ? static_cast<double>(static_cast<float>(x.tensor_scale)) != x.tensor_scale
          : x.tensor_scale != 1.0)
    return std::string(name) + ": tensor scale must be binary32 (NVFP4) or 1";
  return {};
}

}  // namespace

std::string validate_operands(const block_matrix& A, const block_matrix& B) {
  if (!A.along_rows) return "A must hold its blocks along rows (1 x k)";
  if (B.along_rows) return "B must hold its blocks down columns (k x 1)";
  if (A.spec.tile_rows != 1 || B.spec.tile_cols != 1) return "blocks must be 1 x k (A), k x 1 (B)";
  if (A.cols != B.rows) return "A is M x K and B is K x N: K differs";
  if (A.block() != B.block()) return "A and B need the same block length";
  if (std::string e = check_elements(A, "A"); !e.empty()) return e;
  if (std::string e = check_elements(B, "B"); !e.empty()) return e;
  if (scale_bits(A) + scale_bits(B) > 53) return "scale formats too wide";
  if (block_dot_bits(A, B) + scale_product_bits(A, B) > 106)
    return "element and scale formats too wide for an exact 106-bit block term";
  return {};
}

std::string validate_block_model(const accumulation_model& m) {
  if (std::string e = m.validate(); !e.empty()) return e;
  if (m.round_inputs)
    return "block-scaled operands are already quantized: round_inputs must be off";
  if (m.group != 0) return "group sums are not defined over block terms: group must be 0";
  return {};
}

namespace {

void check(const accumulation_model& m, const block_matrix& A, const block_matrix& B) {
  if (std::string e = validate_block_model(m); !e.empty())
    throw std::invalid_argument("lowp::kernels: " + e);
  if (std::string e = validate_operands(A, B); !e.empty())
    throw std::invalid_argument("lowp::kernels: " + e);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The definition's pieces.

namespace detail {

block_term exact_block_term(const block_matrix& A, const block_matrix& B, std::size_t i,
                            std::size_t j, std::size_t b) noexcept {
  const std::size_t k = A.block(), K = A.k_extent();
  const std::size_t k0 = b * k, k1 = std::min(k0 + k, K);
  const int qa = element_quantum(A.spec.element), qb = element_quantum(B.spec.element);
  int128 s = 0;
  bool special = false, all_negative_zero = true;
  double ieee = 0;  // the IEEE sum, consulted only for its class when an element is not finite
  for (std::size_t t = k0; t < k1; ++t) {
    const double x = A.element(i, t), y = B.element(j, t);
    const double p = x * y;
    ieee += p;
    if (!(p == 0 && std::signbit(p))) all_negative_zero = false;
    if (!std::isfinite(x) || !std::isfinite(y)) {
      special = true;
      continue;
    }
    const auto cx = static_cast<std::int64_t>(std::ldexp(x, -qa));
    const auto cy = static_cast<std::int64_t>(std::ldexp(y, -qb));
    s += static_cast<int128>(cx) * cy;
  }
  const double sc = A.scale(i, b) * B.scale(j, b);  // exact: validate_operands
  block_term r;
  if (special) {
    r.finite = false;
    r.special = ieee * sc;
    return r;
  }
  if (!std::isfinite(sc)) {  // NaN scale: NaN; inf scale: +-inf, or NaN for a zero dot
    r.finite = false;
    r.special = (s > 0 ? 1.0 : s < 0 ? -1.0 : 0.0) * sc;
    return r;
  }
  if (s == 0 || sc == 0) {
    r.negative = ((s < 0) || (s == 0 && all_negative_zero)) != std::signbit(sc);
    return r;
  }
  const lowp::detail::operand u = lowp::detail::unpack(sc);
  const int tz = std::countr_zero(u.sig);
  const uint128 mag = s < 0 ? static_cast<uint128>(-s) : static_cast<uint128>(s);
  r.sig = mag * (u.sig >> tz);
  r.lsb = qa + qb + u.lsb + tz;
  r.negative = (s < 0) != u.negative;
  r.zero = false;
  return r;
}

double round_term(const block_term& t, const format& f, rounding mode, std::uint64_t random,
                  int rbits) noexcept {
  if (!t.finite) return lowp::round(t.special, f, mode).value;
  if (t.zero) return lowp::round(t.negative ? -0.0 : 0.0, f, mode).value;
  return lowp::detail::op_finite(t.sig, t.lsb, false, t.negative, f, mode, random, rbits).value;
}

double term_step(const accumulation_model& m, const output_keys& key, double acc,
                 const block_term& t, std::uint64_t b) noexcept {
  const format& f = m.accumulator;
  const rounding mode = m.accumulator_mode;
  const std::uint64_t r = key.word(mode, role::accumulate, b);
  if (m.round_products) {
    const double p = round_term(t, m.product, m.product_mode,
                                key.word(m.product_mode, role::product, b), m.rbits);
    return add(acc, p, f, mode, r, m.rbits).value;
  }
  if (!t.finite) return add(acc, t.special, f, mode, r, m.rbits).value;
  if (t.zero) return add(acc, t.negative ? -0.0 : 0.0, f, mode, r, m.rbits).value;
  const lowp::detail::operand z = lowp::detail::unpack(acc);
  if (z.nan || z.inf) return add(acc, 0.0, f, mode, r, m.rbits).value;  // NaN or inf stays
  if (z.zero)
    return lowp::detail::op_finite(t.sig, t.lsb, false, t.negative, f, mode, r, m.rbits).value;
  return lowp::detail::add_terms({t.sig, t.lsb, t.negative}, {z.sig, z.lsb, z.negative}, f, mode, r,
                                 m.rbits)
      .value;
}

}  // namespace detail

double tensor_alpha(const block_matrix& A, const block_matrix& B, tensor_scale_rule rule) noexcept {
  const double t = A.tensor_scale * B.tensor_scale;  // exact: two binary32 values
  if (rule == tensor_scale_rule::exact) return t;
  return lowp::round(t, formats::binary32, rounding::nearest_even).value;
}

// ---------------------------------------------------------------------------------------------
// Reference loop and exact reference.

void reference_block_gemm(const accumulation_model& m, const block_matrix& A, const block_matrix& B,
                          double* C, std::size_t ldc, tensor_scale_rule rule) {
  check(m, A, B);
  const double alpha = tensor_alpha(A, B, rule);
  const std::size_t M = A.rows, N = B.cols, nb = A.blocks_along_k();
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j)
      C[i * ldc + j] = block_model_dot(
          m, nb, [&](std::uint64_t b) { return detail::exact_block_term(A, B, i, j, b); }, alpha,
          i * N + j);
}

double reference_block_dot(const accumulation_model& m, const block_matrix& x,
                           const block_matrix& y, tensor_scale_rule rule) {
  if (x.rows != 1 || y.cols != 1)
    throw std::invalid_argument("lowp::kernels: dot of 1 x K and K x 1");
  double r = 0;
  reference_block_gemm(m, x, y, &r, 1, rule);
  return r;
}

exact_accumulator exact_block_entry(const block_matrix& A, const block_matrix& B, std::size_t i,
                                    std::size_t j) {
  exact_accumulator acc;
  const std::size_t k = A.block(), K = A.k_extent();
  for (std::size_t t = 0; t < K; ++t)
    acc.add_product(A.element(i, t) * A.scale(i, t / k) * A.tensor_scale,
                    B.element(j, t) * B.scale(j, t / k) * B.tensor_scale);
  return acc;
}

// ---------------------------------------------------------------------------------------------
// The fast path.

namespace detail {

float add_to_binary32(float acc, double t) noexcept {
  const double a = acc;
  const double s = a + t;
  if (!std::isfinite(s)) return static_cast<float>(s);
  const double bb = s - a;
  const double e = (a - (s - bb)) + (t - bb);
  std::uint64_t u = std::bit_cast<std::uint64_t>(s);
  if (e != 0 && (u & 1) == 0) u += (std::signbit(e) == std::signbit(s)) ? 1 : std::uint64_t(-1);
  return static_cast<float>(std::bit_cast<double>(u));
}

namespace {

// The portable tile loops (the AVX2 ones in block_scaled_avx2.cpp give the same bits: every
// block dot is exact, so the order of its additions is free).
template <class T, int C>
void tile_portable(const bs_tile<T>& t) {
  float acc[bs_rows][C];
  for (int r = 0; r < bs_rows; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = t.acc[r * C + c];
  for (std::size_t blk = t.blk0; blk < t.blk1; ++blk) {
    const std::size_t k0 = blk * t.k, k1 = std::min(k0 + t.k, t.K);
    T s[bs_rows][C] = {};
    for (std::size_t kk = k0; kk < k1; ++kk)
      for (int r = 0; r < bs_rows; ++r) {
        const T a = t.a[r * t.lda + kk];
        for (int c = 0; c < C; ++c) s[r][c] += a * t.b[kk * C + c];
      }
    const bool fast = t.fast && t.fast[blk];
    for (int r = 0; r < bs_rows; ++r)
      for (int c = 0; c < C; ++c) {
        if (fast) {
          const float p = t.sa32[r * t.nb + blk] * t.sb32[blk * C + c];
          acc[r][c] = acc[r][c] + static_cast<float>(s[r][c]) * p;
        } else {
          const double p = t.sa[r * t.nb + blk] * t.sb[blk * C + c];
          acc[r][c] = add_to_binary32(acc[r][c], static_cast<double>(s[r][c]) * p);
        }
      }
  }
  for (int r = 0; r < bs_rows; ++r)
    for (int c = 0; c < C; ++c) t.acc[r * C + c] = acc[r][c];
}

}  // namespace

bs_loops bs_loops_baseline() {
  return {&tile_portable<float, bs_cols32>, &tile_portable<double, bs_cols64>};
}

#if !defined(LOWP_KERNELS_HAVE_AVX2)
bs_loops bs_loops_avx2() { return bs_loops_baseline(); }
#endif

}  // namespace detail

namespace {

using detail::bs_cols32;
using detail::bs_cols64;
using detail::bs_rows;

const detail::bs_loops& bs_loops() {
  static const detail::bs_loops l = [] {
    // LOWP_KERNELS_LOOPS=baseline forces the portable loops (as fast.cpp).
    const char* env = std::getenv("LOWP_KERNELS_LOOPS");
    const bool force_baseline = env && std::string(env) == "baseline";
#if defined(LOWP_KERNELS_HAVE_AVX2)
    if (!force_baseline && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return detail::bs_loops_avx2();
#endif
    (void)force_baseline;
    return detail::bs_loops_baseline();
  }();
  return l;
}

enum class bs_path { f32, f64, f64_checked, generic };

bs_path choose(const accumulation_model& m, const block_matrix& A, const block_matrix& B) {
  if (!(m.accumulator == formats::binary32) || m.accumulator_mode != rounding::nearest_even ||
      m.order != order_kind::sequential || m.round_products || m.group != 0)
    return bs_path::generic;
  const int w = block_dot_bits(A, B);
  const int q = element_quantum(A.spec.element) + element_quantum(B.spec.element);
  // The binary64 route: exact block dots and exact terms T = S * s_A * s_B in binary64.
  if (q < -1000) return bs_path::generic;
  // Formats whose block dots may need more (MXFP8 E5M2: 69 bits): binary64 where the elements
  // of a tile's block span few enough bits, the exact term elsewhere.
  if (w + scale_product_bits(A, B) > 53) return bs_path::f64_checked;
  if (w <= 24 && q >= -149) return bs_path::f32;
  return bs_path::f64;
}

// Lowest and highest bit exponents of a scale or element value (zero: neutral; NaN / inf:
// never fast).
struct scale_exps {
  int lo, hi;
};
scale_exps exps_of(double s) {
  if (s == 0) return {100000, -100000};
  if (!std::isfinite(s)) return {-100000, 100000};
  const lowp::detail::operand u = lowp::detail::unpack(s);
  const int top = std::bit_width(u.sig) - 1 + u.lsb;
  return {u.lsb + std::countr_zero(u.sig), top};
}

// Writes output (i, j) from its binary32 accumulator: the epilogue of the definition,
// mul(acc, alpha) rounded once to the output format. Shortcuts that give the same bits:
//   identity  alpha = 1 and an output format holding every binary32 value exactly
//   product   alpha a binary32 value: acc * alpha is exact in binary64 (48 bits), so binary64
//             output is that product and binary32 nearest-even output its one conversion
struct epilogue {
  const accumulation_model& m;
  double alpha;
  bool identity, product;
  std::size_t N;
  double operator()(float acc, std::size_t i, std::size_t j) const noexcept {
    if (identity) return acc;
    if (product) {
      const double p = static_cast<double>(acc) * alpha;
      return m.output == formats::binary64 ? p : static_cast<double>(static_cast<float>(p));
    }
    const output_keys key{m.seed, i * N + j};
    return mul(static_cast<double>(acc), alpha, m.output, m.output_mode,
               key.word(m.output_mode, role::output, 0), m.rbits)
        .value;
  }
};

template <class T, int Cw>
void run_tiled(const accumulation_model& m, const block_matrix& A, const block_matrix& B,
               double* Cout, std::size_t ldc, double alpha, bool float_route, bool checked,
               int threads) {
  const std::size_t M = A.rows, N = B.cols, K = A.cols, k = A.block(), nb = A.blocks_along_k();
  const std::size_t mt = (M + bs_rows - 1) / bs_rows, np = (N + Cw - 1) / Cw;
  const std::size_t Mp = mt * bs_rows;
  // Packed operands: A rows (padded with zero rows of scale 1), B panels Cw wide.
  std::vector<T> a(Mp * K, T(0)), b(np * K * Cw, T(0));
  std::vector<double> sa(Mp * nb, 1.0), sb(np * nb * Cw, 1.0);
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t t = 0; t < K; ++t) a[i * K + t] = static_cast<T>(A.elements[i * K + t]);
    for (std::size_t blk = 0; blk < nb; ++blk) sa[i * nb + blk] = A.scale(i, blk);
  }
  for (std::size_t t = 0; t < K; ++t)  // B's rows in order (row-major storage)
    for (std::size_t j = 0; j < N; ++j)
      b[((j / Cw) * K + t) * Cw + j % Cw] = static_cast<T>(B.elements[t * N + j]);
  for (std::size_t blk = 0; blk < nb; ++blk)
    for (std::size_t j = 0; j < N; ++j) sb[((j / Cw) * nb + blk) * Cw + j % Cw] = B.scale(j, blk);
  // The binary32 route per (tile, block): T = S * s_A * s_B must be a binary32 value (its lowest
  // bit >= 2^-149, below 2^128) and so must s_A * s_B.
  std::vector<float> sa32, sb32;
  std::vector<int> alo, ahi, blo, bhi;
  int lo_min = 0, hi_max = 0;
  if (float_route) {
    sa32.assign(sa.begin(), sa.end());
    sb32.assign(sb.begin(), sb.end());
    const int q = element_quantum(A.spec.element) + element_quantum(B.spec.element);
    const int w = block_dot_bits(A, B);
    lo_min = std::max(-149 - q, -149);
    hi_max = std::min(126 - (q + w), 126);
    alo.assign(mt * nb, 100000);
    ahi.assign(mt * nb, -100000);
    blo.assign(np * nb, 100000);
    bhi.assign(np * nb, -100000);
    for (std::size_t i = 0; i < Mp; ++i)
      for (std::size_t blk = 0; blk < nb; ++blk) {
        const scale_exps e = exps_of(sa[i * nb + blk]);
        int& lo = alo[(i / bs_rows) * nb + blk];
        int& hi = ahi[(i / bs_rows) * nb + blk];
        lo = std::min(lo, e.lo);
        hi = std::max(hi, e.hi);
      }
    for (std::size_t p = 0; p < np; ++p)
      for (std::size_t blk = 0; blk < nb; ++blk)
        for (int c = 0; c < Cw; ++c) {
          const scale_exps e = exps_of(sb[(p * nb + blk) * Cw + c]);
          blo[p * nb + blk] = std::min(blo[p * nb + blk], e.lo);
          bhi[p * nb + blk] = std::max(bhi[p * nb + blk], e.hi);
        }
  }
  // The checked binary64 route per (tile, block): every partial block sum exact in binary64,
  // from the elements' bit exponents: top_A + top_B + 2 + ceil(log2 k) - (lsb_A + lsb_B) bits,
  // plus the scale product's, at most 53.
  std::vector<int> elo_a, ehi_a, elo_b, ehi_b;
  int span_max = 0;
  if (checked) {
    span_max = 53 - 2 - ceil_log2(k) - scale_product_bits(A, B);
    elo_a.assign(mt * nb, 100000);
    ehi_a.assign(mt * nb, -100000);
    elo_b.assign(np * nb, 100000);
    ehi_b.assign(np * nb, -100000);
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t t = 0; t < K; ++t) {
        const scale_exps e = exps_of(A.elements[i * K + t]);
        const std::size_t at = (i / bs_rows) * nb + t / k;
        elo_a[at] = std::min(elo_a[at], e.lo);
        ehi_a[at] = std::max(ehi_a[at], e.hi);
      }
    for (std::size_t t = 0; t < K; ++t)
      for (std::size_t j = 0; j < N; ++j) {
        const scale_exps e = exps_of(B.elements[t * N + j]);
        const std::size_t at = (j / Cw) * nb + t / k;
        elo_b[at] = std::min(elo_b[at], e.lo);
        ehi_b[at] = std::max(ehi_b[at], e.hi);
      }
  }
  const bool identity =
      alpha == 1.0 && (m.output == formats::binary32 || m.output == formats::binary64);
  const bool alpha32 = static_cast<double>(static_cast<float>(alpha)) == alpha;
  const bool product =
      alpha32 && (m.output == formats::binary64 ||
                  (m.output == formats::binary32 && m.output_mode == rounding::nearest_even));
  const epilogue out{m, alpha, identity, product, N};
  const auto& loops = bs_loops();
  const std::size_t tiles = mt * np;
  // K is cut into chunks of about 256 elements so that a panel's chunk stays in L1 while the
  // row tiles pass; each tile's accumulators carry over from chunk to chunk (in order: a barrier
  // ends every chunk), and each output belongs to one task per chunk.
  const std::size_t chunk = std::max<std::size_t>(1, 256 / std::max<std::size_t>(k, 1));
  std::vector<float> accs(tiles * bs_rows * Cw, 0.0f);
#pragma omp parallel num_threads(threads)
  {
    std::vector<unsigned char> fast(nb, 0);
    for (std::size_t c0 = 0; c0 < nb; c0 += chunk) {
      const std::size_t c1 = std::min(nb, c0 + chunk);
#pragma omp for schedule(dynamic, 1)
      for (std::size_t tile = 0; tile < tiles; ++tile) {
        const std::size_t p = tile / mt, it = tile % mt;  // row tiles inner: the panel stays hot
        float* acc = accs.data() + tile * bs_rows * Cw;
        if (float_route)
          for (std::size_t blk = c0; blk < c1; ++blk) {
            const int lo = alo[it * nb + blk] + blo[p * nb + blk];
            const int hi = ahi[it * nb + blk] + bhi[p * nb + blk];
            fast[blk] = lo >= lo_min && hi <= hi_max;
          }
        detail::bs_tile<T> t{a.data() + it * bs_rows * K,
                             K,
                             b.data() + p * K * Cw,
                             K,
                             k,
                             nb,
                             c0,
                             c1,
                             sa.data() + it * bs_rows * nb,
                             sb.data() + p * nb * Cw,
                             float_route ? sa32.data() + it * bs_rows * nb : nullptr,
                             float_route ? sb32.data() + p * nb * Cw : nullptr,
                             float_route ? fast.data() : nullptr,
                             acc};
        auto tile_loop = [&] {
          if constexpr (sizeof(T) == 4)
            loops.f32(t);
          else
            loops.f64(t);
        };
        if (!checked) {
          tile_loop();
          continue;
        }
        for (std::size_t blk = c0; blk < c1;) {
          auto exact_enough = [&](std::size_t x) {
            const int top = ehi_a[it * nb + x] + ehi_b[p * nb + x];
            const int low = elo_a[it * nb + x] + elo_b[p * nb + x];
            return top - low <= span_max;
          };
          if (exact_enough(blk)) {  // a run of such blocks through the tile loop
            std::size_t end = blk + 1;
            while (end < c1 && exact_enough(end)) ++end;
            t.blk0 = blk;
            t.blk1 = end;
            tile_loop();
            blk = end;
            continue;
          }
          for (int r = 0; r < bs_rows; ++r) {  // the definition's step on the exact term
            const std::size_t i = it * bs_rows + r;
            if (i >= M) break;
            for (int c = 0; c < Cw; ++c) {
              const std::size_t j = p * Cw + c;
              if (j >= N) break;
              float& x = acc[r * Cw + c];
              x = static_cast<float>(detail::term_step(m, output_keys{m.seed, i * N + j}, x,
                                                       detail::exact_block_term(A, B, i, j, blk),
                                                       blk));
            }
          }
          ++blk;
        }
      }
    }
#pragma omp for schedule(static)
    for (std::size_t tile = 0; tile < tiles; ++tile) {
      const std::size_t p = tile / mt, it = tile % mt;
      const float* acc = accs.data() + tile * bs_rows * Cw;
      for (int r = 0; r < bs_rows; ++r) {
        const std::size_t i = it * bs_rows + r;
        if (i >= M) break;
        for (int c = 0; c < Cw; ++c) {
          const std::size_t j = p * Cw + c;
          if (j >= N) break;
          Cout[i * ldc + j] = out(acc[r * Cw + c], i, j);
        }
      }
    }
  }
}

void run_generic(const accumulation_model& m, const block_matrix& A, const block_matrix& B,
                 double* C, std::size_t ldc, double alpha, int threads) {
  const std::size_t M = A.rows, N = B.cols, nb = A.blocks_along_k();
  const auto rows = static_cast<std::int64_t>(M);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::int64_t ii = 0; ii < rows; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    for (std::size_t j = 0; j < N; ++j)
      C[i * ldc + j] = block_model_dot(
          m, nb, [&](std::uint64_t b) { return detail::exact_block_term(A, B, i, j, b); }, alpha,
          i * N + j);
  }
}

}  // namespace

std::string block_fast_path_name(const accumulation_model& m, const block_matrix& A,
                                 const block_matrix& B) {
  switch (choose(m, A, B)) {
    case bs_path::f32: return "block-f32";
    case bs_path::f64: return "block-f64";
    case bs_path::f64_checked: return "block-f64-checked";
    case bs_path::generic: return "generic";
  }
  return "generic";
}

void block_gemm(const accumulation_model& m, const block_matrix& A, const block_matrix& B,
                double* C, std::size_t ldc, tensor_scale_rule rule, const fast_options& opt) {
  check(m, A, B);
  const double alpha = tensor_alpha(A, B, rule);
  const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  if (A.rows == 0 || B.cols == 0) return;
  switch (choose(m, A, B)) {
    case bs_path::f32: {
      const bool float_route =
          block_dot_bits(A, B) + scale_product_bits(A, B) <= 24;  // T exact in binary32 at all
      run_tiled<float, bs_cols32>(m, A, B, C, ldc, alpha, float_route, false, threads);
      break;
    }
    case bs_path::f64:
      run_tiled<double, bs_cols64>(m, A, B, C, ldc, alpha, false, false, threads);
      break;
    case bs_path::f64_checked:
      run_tiled<double, bs_cols64>(m, A, B, C, ldc, alpha, false, true, threads);
      break;
    case bs_path::generic: run_generic(m, A, B, C, ldc, alpha, threads); break;
  }
}

double block_dot(const accumulation_model& m, const block_matrix& x, const block_matrix& y,
                 tensor_scale_rule rule, const fast_options& opt) {
  if (x.rows != 1 || y.cols != 1)
    throw std::invalid_argument("lowp::kernels: dot of 1 x K and K x 1");
  double r = 0;
  block_gemm(m, x, y, &r, 1, rule, opt);
  return r;
}

}  // namespace lowp::kernels
