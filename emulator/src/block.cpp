// Implements the block quantizer of block.hpp: per-block scales by rule, element rounding through
// lowp::round (power-of-two scales: the exact v * 2^-e) or lowp::div (other scales: the exact
// quotient rounded once), parallel over blocks, packing and error metrics.
#include "lowp/block.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include <unistd.h>

#include "lowp/array.hpp"
#include "lowp/bits.hpp"
#include "lowp/flags.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "block_fast.hpp"
#include "parallel_chunks.hpp"

namespace lowp {

block_counters& block_counters::operator+=(const block_counters& o) noexcept {
  elements += o.elements;
  blocks += o.blocks;
  clipped += o.clipped;
  saturated += o.saturated;
  flushed += o.flushed;
  nan += o.nan;
  nan_blocks += o.nan_blocks;
  zero_blocks += o.zero_blocks;
  return *this;
}

std::string block_spec::validate() const {
  if (element.is_integer) {
    if (element.int_bits < 2 || element.int_bits > 32) return "integer elements need 2..32 bits";
    if (element.fraction_bits < -64 || element.fraction_bits > 64)
      return "integer fraction bits must be -64..64";
  } else {
    if (std::string why = element.fp.validate(); !why.empty()) return "element format: " + why;
    if (!element.fp.fits_binary64() || element.fp.width() > 32)
      return "element format must fit binary64 and 32 bits";
    if (!element.fp.has_zero) return "element format needs a zero";
  }
  if (has_scale) {
    if (std::string why = scale.validate(); !why.empty()) return "scale format: " + why;
    if (!scale.fits_binary64() || scale.width() > 32)
      return "scale format must fit binary64 and 32 bits";
    if (!scale.has_nan()) return "scale format needs a NaN code (NaN/inf blocks)";
  }
  if (tensor_scale && (!has_scale || rule != scale_rule::amax))
    return "a tensor scale needs a block scale and the amax rule";
  return {};
}

std::optional<block_spec> find_block_preset(std::string_view name) {
  for (const auto& p : block_presets)
    if (p.name == name) return p.value;
  return std::nullopt;
}

std::size_t block_count(std::size_t rows, std::size_t cols, const block_spec& spec) {
  const std::size_t tr = spec.tile_rows ? spec.tile_rows : rows;
  const std::size_t tc = spec.tile_cols ? spec.tile_cols : cols;
  if (rows == 0 || cols == 0) return 0;
  return ((rows + tr - 1) / tr) * ((cols + tc - 1) / tc);
}

namespace {

constexpr std::uint64_t scale_stream_bit = 0x8000000000000000ULL;

// Element rounding of one exact quotient, with what the counters need.
struct element_result {
  double value;
  std::uint32_t code;
  unsigned flags;
};

// The plan of an integer element: a finite format whose grid is k * 2^-f for 0 <= k <= 2^b - 1
// (one normal binade of 2^(b-1) quanta above the subnormals), so lowp::round gives every mode;
// the result is then clamped to the integer range.
format integer_grid(const element_format& e) {
  const int m = e.int_bits - 1;
  format g{1, m, 2 - e.int_bits + e.fraction_bits, true, true, subnormal_mode::on,
           specials_mode::finite, overflow_mode::saturate};
  return g;
}

struct element_plan {
  element_format e;
  format grid;      // the lowp format rounded to (integers: integer_grid)
  double largest;   // max_elem
  double hi, lo;    // integer range (as values)
  int emax;
};

element_plan make_plan(const element_format& e) {
  element_plan p{e, e.is_integer ? integer_grid(e) : e.fp, e.largest(), 0, 0, e.emax()};
  if (e.is_integer) {
    p.hi = p.largest;
    p.lo = e.symmetric ? -p.largest : -std::ldexp(1.0, e.int_bits - 1 - e.fraction_bits);
  }
  return p;
}

// Finishes a rounding r of an element: integers clamp to their range (+0 for zero).
element_result finish_element(const round_result& r, const element_plan& p,
                              bool want_code = true) {
  element_result out{r.value, 0, r.flags};
  if (p.e.is_integer) {
    double v = r.value;
    if (std::isnan(v)) return out;  // no integer code stands for NaN: code 0
    if (v > p.hi) {
      v = p.hi;
      out.flags |= flag::saturated | flag::overflow;
    } else if (v < p.lo) {
      v = p.lo;
      out.flags |= flag::saturated | flag::overflow;
    }
    if (v == 0) v = 0.0;
    out.value = v;
    const auto k = static_cast<std::int64_t>(std::ldexp(v, p.e.fraction_bits));
    const std::uint64_t mask = (std::uint64_t{1} << p.e.int_bits) - 1;
    out.code = static_cast<std::uint32_t>(static_cast<std::uint64_t>(k) & mask);
    return out;
  }
  if (!want_code) return out;
  if (std::isnan(r.value)) {
    const std::optional<std::uint64_t> c = nan_code(p.grid);
    out.code = c ? static_cast<std::uint32_t>(*c) : 0;
  } else {
    const std::optional<std::uint64_t> c = encode(r.value, p.grid);
    out.code = c ? static_cast<std::uint32_t>(*c) : 0;
  }
  return out;
}

// The powers of two a scale format holds: exponents lo..hi.
struct pow2_range {
  int lo, hi;
};
pow2_range pow2_range_of(const format& s) {
  const bool sub = s.has_zero && s.subnormals == subnormal_mode::on;
  return {sub ? s.emin() - s.mantissa_bits : s.emin(), s.emax()};
}

// The scale of one block: dequantized = element * value (* s_t).
struct block_scale {
  enum kind_t { zero, pow2, general, nan } kind = pow2;
  int e = 0;            // pow2: scale 2^e
  double value = 1.0;   // the scale's value (zero kind: the value of code 0)
  double divisor = 1.0; // the exact divisor of the elements: 2^e, or s_b (* s_t)
  std::uint32_t code = 0;
};

struct context {
  const block_spec* spec = nullptr;
  const block_options* opt = nullptr;
  element_plan plan{};
  random_stream elem_random;
  random_stream scale_random;
  format scale_sat;  // the scale format, saturating (amax rule)
  pow2_range range{0, 0};
  double s_t = 1.0;  // tensor scale
  double largest_frac = 0.5;  // max_elem = largest_frac * 2^largest_exp (frexp)
  int largest_exp = 0;
  bool tensor_zero = false;
  bool stochastic = false;
  std::size_t rows = 0, cols = 0, tr = 1, tc = 1, nbc = 1;
  // Nearest-even by comparison (non-power-of-two divisors, element formats of <= 8 bits): the
  // positive grid g_0 = 0 < ... < g_K = largest, and the midpoints mu_k = (g_k + g_k+1) / 2,
  // mu_K reaching the first value beyond largest on the grid unbounded above.
  bool table = false;
  std::vector<double> grid, mid;
  int mid_bits = 0;  // significand bits a midpoint may need
  std::uint64_t over_pos_bits = 0, over_neg_bits = 0;
  unsigned over_flags = 0;
};

// Fills cx's comparison table when the element format and mode allow it.
void make_table(context& cx) {
  const format& f = cx.plan.grid;
  if (cx.plan.e.is_integer || cx.opt->mode != rounding::nearest_even || f.width() > 8 ||
      f.subnormals != subnormal_mode::on || !f.has_zero || f.daz || !f.is_signed)
    return;
  const std::uint64_t half_codes = std::uint64_t{1} << (f.width() - 1);
  for (std::uint64_t c = 0; c < half_codes; ++c) {
    const std::optional<double> v = decode(c, f);
    if (!v || !std::isfinite(*v) || *v < 0) continue;
    if (!cx.grid.empty() && *v <= cx.grid.back()) return;  // not increasing: do not use
    cx.grid.push_back(*v);
  }
  if (cx.grid.size() < 2 || cx.grid.back() != f.largest()) return;
  const double beyond = f.largest() + exp2i(f.emax() - f.mantissa_bits);
  for (std::size_t k = 0; k < cx.grid.size(); ++k)
    cx.mid.push_back(((k + 1 < cx.grid.size() ? cx.grid[k + 1] : beyond) + cx.grid[k]) / 2);
  cx.mid_bits = f.mantissa_bits + 3;
  const round_result op = detail::overflow_result(f, rounding::nearest_even, false);
  cx.over_pos_bits = std::bit_cast<std::uint64_t>(op.value);
  cx.over_neg_bits =
      std::bit_cast<std::uint64_t>(detail::overflow_result(f, rounding::nearest_even, true).value);
  cx.over_flags = op.flags;
  cx.table = true;
}

// True when every mu_k * d and g_K * d is exact in binary64 (d: a block divisor).
bool table_exact(const context& cx, double d) {
  const std::uint64_t u = std::bit_cast<std::uint64_t>(d);
  if ((u >> 52) == 0 || d > 0x1p900) return false;
  const std::uint64_t sig = (u & 0x000fffffffffffffULL) | (std::uint64_t{1} << 52);
  const int bits = 53 - std::countr_zero(sig);
  return bits + cx.mid_bits <= 53 && cx.mid.front() * d >= 0x1p-1000;
}

std::uint32_t code_of(double v, const format& s) {
  const std::optional<std::uint64_t> c = encode(v, s);
  return c ? static_cast<std::uint32_t>(*c) : 0;
}

// True when amax / 2^e rounded in the element mode (word: the block max's random word) lies
// beyond max_elem, with the element format's exponent range unbounded above.
bool overflows(double amax, int e, const context& cx, std::uint64_t word) {
  const round_result r =
      lowp::div(amax, exp2i(e), cx.plan.grid, cx.opt->mode, word, cx.opt->rbits);
  if (cx.plan.e.is_integer) return r.value > cx.plan.hi;
  return (r.flags & flag::overflow) != 0;
}

// Returns frexp(x, e) for a finite positive x: from the bits when x is normal.
inline double frexp_fast(double x, int& e) {
  const std::uint64_t u = std::bit_cast<std::uint64_t>(x);
  const int field = static_cast<int>(u >> 52);
  if (field == 0) return std::frexp(x, &e);
  e = field - 1022;
  return std::bit_cast<double>((u & 0x800fffffffffffffULL) | (std::uint64_t{1022} << 52));
}

// Returns amax / t rounded once to the (saturating) scale format in the scale mode. The binary64
// quotient q = RN(amax / t) rounded again gives the same result in a nearest mode unless q is a
// midpoint of the scale grid (the exact quotient is not, or q would be exact): a 53-bit rounding
// cannot move a value across a grid point or a midpoint of a grid of at most 51 bits. Otherwise,
// and in other modes unless q is exact, lowp::div rounds the exact quotient once.
round_result scale_quotient(double amax, double t, const context& cx, std::uint64_t word) {
  const format& f = cx.scale_sat;
  const rounding mode = cx.spec->scale_rounding;
  const double q = amax / t;
  if (q >= 0x1p-1000 && q <= 0x1p1000 && f.mantissa_bits <= 51) {
    const bool exact = std::fma(q, t, -amax) == 0;
    if (exact && !is_stochastic(mode)) return lowp::round(q, f, mode);
    if (is_nearest(mode)) {
      const double lo = lowp::round(q, f, rounding::toward_zero).value;
      const double hi = lowp::round(q, f, rounding::up).value;
      if (lo == hi || q + q != lo + hi) return lowp::round(q, f, mode);
    }
  }
  return lowp::div(amax, t, f, mode, word, cx.opt->rbits);
}

// Chooses the scale of a block with finite nonzero amax.
block_scale choose_scale(double amax, std::uint64_t amax_word, std::size_t block,
                         const context& cx) {
  const block_spec& sp = *cx.spec;
  block_scale s;
  if (sp.rule == scale_rule::amax) {
    const double t = cx.plan.largest * cx.s_t;  // exact: both significands are short
    const std::uint64_t word =
        is_stochastic(sp.scale_rounding) ? cx.scale_random(block) : 0;
    const round_result r = scale_quotient(amax, t, cx, word);
    if (r.value == 0) {
      s.kind = block_scale::zero;
      s.code = 0;
      s.value = *decode(0, sp.scale);
      s.divisor = 0;
      return s;
    }
    s.kind = block_scale::general;
    s.value = r.value;
    s.divisor = r.value * cx.s_t;
    s.code = 0;  // run_block encodes it
    return s;
  }
  int e = 0;
  int ea = 0;
  const double ma = frexp_fast(amax, ea);
  const int em = cx.largest_exp;
  const double mm = cx.largest_frac;
  // ceil: the smallest e with amax <= max_elem * 2^e, compared as (exponent, fraction) pairs.
  const int e_ceil = ea - em + (ma > mm ? 1 : 0);
  switch (sp.rule) {
    case scale_rule::floor: e = (ea - 1) - cx.plan.emax; break;
    case scale_rule::ceil: e = e_ceil; break;
    case scale_rule::fit:
      e = e_ceil;
      if (e - 1 >= cx.range.lo && e - 1 <= cx.range.hi && !overflows(amax, e - 1, cx, amax_word))
        e = e - 1;
      break;
    case scale_rule::amax: break;
  }
  e = std::clamp(e, cx.range.lo, cx.range.hi);
  s.kind = block_scale::pow2;
  s.e = e;
  s.value = exp2i(e);
  s.divisor = s.value;
  s.code = 0;  // run_block encodes it (the fast path only when asked)
  return s;
}

// Rounds one element v of a block with scale s; adds to the counters.
element_result quantize_element(double v, std::uint64_t index, const block_scale& s,
                                const context& cx, block_counters& k) {
  const std::uint64_t word = cx.stochastic ? cx.elem_random(index) : 0;
  const rounding mode = cx.opt->mode;
  const int rbits = cx.opt->rbits;
  const element_plan& p = cx.plan;
  round_result r{};
  bool clipped = false;
  if (s.kind == block_scale::zero) {
    r = lowp::round(std::signbit(v) ? -0.0 : 0.0, p.grid, mode);
    if (v != 0) r.flags |= flag::flushed;
  } else {
    bool done = false;
    if (s.kind == block_scale::pow2) {
      // v * 2^-e is exact unless it leaves binary64's normal range.
      const double y = s.e == 0 ? v : v * exp2i(std::clamp(-s.e, -1074, 1023));
      const double ay = std::fabs(y);
      if (s.e == 0 || (s.e >= -1023 && ((ay >= 0x1p-1022 && ay <= 0x1.fffffffffffffp+1023) ||
                                        (y == 0 && v == 0)))) {
        r = lowp::round(y, p.grid, mode, word, rbits);
        clipped = p.e.is_integer ? (y > p.hi || y < p.lo) : ay > p.largest;
        done = true;
      }
    }
    if (!done) {
      r = lowp::div(v, s.divisor, p.grid, mode, word, rbits);
      // Clipping compares the exact quotient with max_elem: |v| > max_elem * d when that product
      // is exact in binary64, else through the quotient's truncation to binary64 and its ternary.
      const double md = p.largest * s.divisor;
      if (!p.e.is_integer && md >= 0x1p-1000 && md <= 0x1p1000 &&
          std::fma(p.largest, s.divisor, -md) == 0) {
        clipped = std::fabs(v) > md;
        done = true;
      }
    }
    if (!done) {
      const round_result q = lowp::div(v, s.divisor, formats::binary64, rounding::toward_zero);
      const bool inexact = q.ternary != 0;
      if (p.e.is_integer)
        clipped = q.value > p.hi || (q.value == p.hi && inexact && v > 0) || q.value < p.lo ||
                  (q.value == p.lo && inexact && v < 0);
      else
        clipped = std::fabs(q.value) > p.largest || (std::fabs(q.value) == p.largest && inexact);
    }
  }
  element_result out = finish_element(r, p);
  if (clipped) ++k.clipped;
  if (out.flags & flag::saturated) ++k.saturated;
  if (out.flags & flag::flushed) ++k.flushed;
  if (std::isnan(out.value)) ++k.nan;
  return out;
}

template <class T>
block_counters run_block(const T* in, std::size_t b, const context& cx,
                         const block_outputs<T>& out) {
  const block_spec& sp = *cx.spec;
  const std::size_t br = b / cx.nbc, bc = b % cx.nbc;
  const std::size_t r0 = br * cx.tr, r1 = std::min(cx.rows, r0 + cx.tr);
  const std::size_t c0 = bc * cx.tc, c1 = std::min(cx.cols, c0 + cx.tc);
  block_counters k;
  k.blocks = 1;
  k.elements = (r1 - r0) * (c1 - c0);
  double amax = 0;
  std::size_t amax_index = r0 * cx.cols + c0;
  bool nonfinite = false;
  for (std::size_t r = r0; r < r1; ++r)
    for (std::size_t c = c0; c < c1; ++c) {
      const double a = std::fabs(static_cast<double>(in[r * cx.cols + c]));
      if (!(a <= std::numeric_limits<double>::max())) {
        nonfinite = true;
      } else if (a > amax) {
        amax = a;
        amax_index = r * cx.cols + c;
      }
    }
  block_scale s;
  if (sp.has_scale) {
    if (nonfinite) {
      const std::uint32_t nan_scale = static_cast<std::uint32_t>(*nan_code(sp.scale));
      if (out.scale_codes) out.scale_codes[b] = nan_scale;
      for (std::size_t r = r0; r < r1; ++r)
        for (std::size_t c = c0; c < c1; ++c) {
          if (out.dequantized)
            out.dequantized[r * cx.cols + c] = std::numeric_limits<T>::quiet_NaN();
          if (out.element_codes) out.element_codes[r * cx.cols + c] = 0;
        }
      k.nan = k.elements;
      k.nan_blocks = 1;
      return k;
    }
    if (amax == 0 || cx.tensor_zero) {
      if (amax == 0) k.zero_blocks = 1;
      s.kind = block_scale::zero;
      s.code = 0;
      s.value = *decode(0, sp.scale);
      s.divisor = 0;
    } else {
      const std::uint64_t amax_word = cx.stochastic ? cx.elem_random(amax_index) : 0;
      s = choose_scale(amax, amax_word, b, cx);
      if (out.scale_codes && s.kind != block_scale::zero) s.code = code_of(s.value, sp.scale);
    }
    if (out.scale_codes) out.scale_codes[b] = s.code;
  }
  const double s_t = sp.tensor_scale ? cx.s_t : 1.0;
  if (cx.table && s.kind == block_scale::general && table_exact(cx, s.divisor)) {
    // |x| = |v| / d rounds to g_k where k counts the thresholds mu_j * d below |v|; at a tie
    // |v| = mu_k * d the even index of k, k+1 wins. Exact: the products are exact.
    const std::size_t K = cx.mid.size();
    double thr[257];
    for (std::size_t j = 0; j < K; ++j) thr[j] = cx.mid[j] * s.divisor;
    thr[K] = std::numeric_limits<double>::infinity();  // so that thr[idx] is always readable
    const double clip = cx.grid.back() * s.divisor;
    const bool neg_zero = cx.plan.grid.has_negative_zero();
    for (std::size_t r = r0; r < r1; ++r)
      for (std::size_t c = c0; c < c1; ++c) {
        const std::size_t i = r * cx.cols + c;
        const double v = static_cast<double>(in[i]);
        const double a = std::fabs(v);
        std::size_t idx = 0;
        if (K <= 32) {  // a branch-free count beats a mispredicted binary search
          for (std::size_t j = 0; j < K; ++j) idx += thr[j] < a ? 1 : 0;
        } else {
          idx = static_cast<std::size_t>(std::lower_bound(thr, thr + K, a) - thr);
        }
        idx += (thr[idx] == a ? 1 : 0) & (idx & 1);  // tie: to the even index
        // Sign and counters as data, not branches: signs and zeros are unpredictable.
        const std::uint64_t sign = std::bit_cast<std::uint64_t>(v) & 0x8000000000000000ULL;
        double val;
        if (idx >= K) {
          val = std::bit_cast<double>(sign ? cx.over_neg_bits : cx.over_pos_bits);
          k.saturated += (cx.over_flags & flag::saturated) ? 1 : 0;
          k.nan += std::isnan(val) ? 1 : 0;
        } else {
          const std::uint64_t keep = (idx != 0 || neg_zero) ? sign : 0;
          val = std::bit_cast<double>(std::bit_cast<std::uint64_t>(cx.grid[idx]) | keep);
          k.flushed += (idx == 0) & (a != 0) ? 1 : 0;
        }
        k.clipped += a > clip ? 1 : 0;
        if (out.dequantized) {
          double d = val * s.value;
          if (sp.tensor_scale) d = d * s_t;
          out.dequantized[i] = static_cast<T>(d);
        }
        if (out.element_codes) out.element_codes[i] = finish_element({val, 0, 0}, cx.plan).code;
      }
    return k;
  }
  for (std::size_t r = r0; r < r1; ++r)
    for (std::size_t c = c0; c < c1; ++c) {
      const std::size_t i = r * cx.cols + c;
      const element_result e = quantize_element(static_cast<double>(in[i]), i, s, cx, k);
      if (out.dequantized) {
        double d = e.value;
        if (sp.has_scale) {
          d = d * s.value;
          if (sp.tensor_scale) d = d * s_t;
        }
        out.dequantized[i] = static_cast<T>(d);
      }
      if (out.element_codes) out.element_codes[i] = e.code;
    }
  return k;
}

// The round-to-nearest-even twin of lowp::round for block quotients (block_fast.inc), for
// formats with gradual underflow; proven bit-identical to lowp::round by the block tests against
// the MPFR reference, and the block tests run again with LOWP_ARRAY_BLOCKS=scalar, which turns
// it off (round_array, whose blocks array_test proves, then rounds).
struct rne_twin {
  detail::rne_twin_params p{};

  static bool serves(const format& f, rounding mode) {
    static const int choice = [] {
      const char* e = std::getenv("LOWP_ARRAY_BLOCKS");
      if (e && std::strcmp(e, "scalar") == 0) return 0;
      if (e && std::strcmp(e, "generic") == 0) return 1;
#if defined(LOWP_HAVE_AVX2_BLOCKS)
      if (__builtin_cpu_supports("avx2")) return 2;
#endif
      return 1;
    }();
    return choice != 0 && mode == rounding::nearest_even &&
           f.subnormals == subnormal_mode::on && f.has_zero && !f.daz && f.is_signed &&
           f.fits_binary64() && f.emax() <= 900 && f.emin() - f.mantissa_bits >= -1000 &&
           f.mantissa_bits <= 51;
  }
  static bool avx2() {
#if defined(LOWP_HAVE_AVX2_BLOCKS)
    static const bool b = __builtin_cpu_supports("avx2") &&
                          !(std::getenv("LOWP_ARRAY_BLOCKS") &&
                            std::strcmp(std::getenv("LOWP_ARRAY_BLOCKS"), "generic") == 0);
    return b;
#else
    return false;
#endif
  }
  explicit rne_twin(const format& f) {
    p.min_normal = exp2i(f.emin());
    p.top = exp2i(f.emax() + 1);
    p.largest = f.largest();
    p.shift = static_cast<std::uint64_t>(52 - f.mantissa_bits) << 52;
    p.over_pos_bits = std::bit_cast<std::uint64_t>(
        detail::overflow_result(f, rounding::nearest_even, false).value);
    p.over_neg_bits = std::bit_cast<std::uint64_t>(
        detail::overflow_result(f, rounding::nearest_even, true).value);
    p.keep_zero_sign = f.has_negative_zero() ? ~std::uint64_t{0} : 0;
  }
  void run(double* y, std::size_t n, std::uint64_t& overflows, std::uint64_t& flushed) const {
    std::uint64_t c[2] = {0, 0};
#if defined(LOWP_HAVE_AVX2_BLOCKS)
    if (avx2())
      detail::avx2::rne_twin_block(y, n, p, c);
    else
#endif
      detail::generic::rne_twin_block(y, n, p, c);
    overflows += c[0];
    flushed += c[1];
  }
};

// The fast path for power-of-two scales and blocks along rows (consecutive blocks cover
// consecutive elements): the exact quotients v * 2^-e of a run of blocks go through
// lowp::round_array (the vectorised twin of lowp::round) in one call, then back times 2^e.
// Blocks that need care (NaN / inf, all zero, quotients outside binary64's normal range) take
// run_block. Results are those of run_block, element for element.
template <class T>
block_counters run_chunk_fast(const T* in, std::size_t b0, std::size_t b1, const context& cx,
                              const block_outputs<T>& out) {
  const block_spec& sp = *cx.spec;
  const element_plan& p = cx.plan;
  auto first = [&](std::size_t b) { return (b / cx.nbc) * cx.cols + (b % cx.nbc) * cx.tc; };
  auto last = [&](std::size_t b) {
    return (b / cx.nbc) * cx.cols + std::min(cx.cols, (b % cx.nbc) * cx.tc + cx.tc);
  };
  const std::size_t i0 = first(b0), i1 = last(b1 - 1);
  thread_local std::vector<double> y;
  thread_local std::vector<int> exps;  // per block: e, or INT_MIN when run_block did it
  y.resize(i1 - i0);
  exps.resize(b1 - b0);
  block_counters k;
  constexpr int done = std::numeric_limits<int>::min();
  for (std::size_t b = b0; b < b1; ++b) {
    const std::size_t f = first(b), l = last(b);
    // |v| as an integer: the order of non-negative binary32/64 values, NaN and inf on top.
    // amax and the smallest nonzero magnitude in one branch-free (vectorisable) pass.
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr U abs_mask = static_cast<U>(~U{0}) >> 1;
    constexpr U inf_bits = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
    U umax = 0, umin_m1 = static_cast<U>(~U{0});
    for (std::size_t i = f; i < l; ++i) {
      const U u = std::bit_cast<U>(in[i]) & abs_mask;
      umax = std::max(umax, u);
      umin_m1 = std::min(umin_m1, static_cast<U>(u - 1));  // 0 wraps to the top
    }
    int e = done;
    if (umax < inf_bits && umax != 0) {
      const double amax = static_cast<double>(std::bit_cast<T>(umax));
      const double amin = static_cast<double>(std::bit_cast<T>(static_cast<U>(umin_m1 + 1)));
      std::uint64_t amax_word = 0;
      if (cx.stochastic && sp.rule == scale_rule::fit) {
        std::size_t amax_index = f;
        while (std::fabs(static_cast<double>(in[amax_index])) != amax) ++amax_index;
        amax_word = cx.elem_random(amax_index);
      }
      const int ec = choose_scale(amax, amax_word, b, cx).e;
      // v * 2^-e must stay in binary64's normal range for the product to be exact.
      if (ec >= -1000 && ec <= 1000 && amax * exp2i(-ec) <= 0x1p1000 &&
          amin * exp2i(-ec) >= 0x1p-1000)
        e = ec;
    }
    exps[b - b0] = e;
    if (e == done) {
      k += run_block(in, b, cx, out);
      for (std::size_t i = f; i < l; ++i) y[i - i0] = 0;
      continue;
    }
    const double inv = exp2i(-e);
    const T* src = in + f;
    double* dst = y.data() + (f - i0);
    const std::size_t len = l - f;
    for (std::size_t j = 0; j < len; ++j) dst[j] = static_cast<double>(src[j]) * inv;
    // Only a block whose max exceeds max_elem * 2^e has clipped elements.
    if (static_cast<double>(std::bit_cast<T>(umax)) * inv > p.largest)
      for (std::size_t j = 0; j < len; ++j) k.clipped += std::fabs(dst[j]) > p.largest;
    k.blocks += 1;
    k.elements += l - f;
    if (out.scale_codes) out.scale_codes[b] = code_of(exp2i(e), sp.scale);
  }
  if (rne_twin::serves(p.grid, cx.opt->mode)) {
    const rne_twin twin(p.grid);
    std::uint64_t over = 0, flushed = 0;
    twin.run(y.data(), i1 - i0, over, flushed);
    k.flushed += flushed;
    const unsigned of = detail::overflow_result(p.grid, rounding::nearest_even, false).flags;
    if (of & flag::saturated) k.saturated += over;
    if (of & flag::nan_created) k.nan += over;
  } else {
    round_options ro;
    ro.mode = cx.opt->mode;
    ro.seed = cx.opt->seed;
    ro.stream = cx.opt->stream;
    ro.rbits = cx.opt->rbits;
    ro.first_index = i0;
    ro.threads = 1;
    const array_counters a = round_array(y.data(), y.data(), i1 - i0, p.grid, ro);
    k.saturated += a.saturated;
    k.flushed += a.flushed;
    k.nan += a.nan_created;
  }
  for (std::size_t b = b0; b < b1; ++b) {
    const int e = exps[b - b0];
    if (e == done) continue;
    const double s = exp2i(e);
    const std::size_t f = first(b), l = last(b);
    if (out.dequantized) {
      const double* src = y.data() + (f - i0);
      T* dst = out.dequantized + f;
      for (std::size_t j = 0; j < l - f; ++j) dst[j] = static_cast<T>(src[j] * s);
    }
    if (out.element_codes)
      for (std::size_t i = f; i < l; ++i)
        out.element_codes[i] = finish_element(round_result{y[i - i0], 0, 0}, p).code;
  }
  return k;
}

// Whether the fused AVX2 kernels may run: AVX2 present and LOWP_ARRAY_BLOCKS neither "generic"
// nor "scalar" (those runs prove the other paths).
bool fused_enabled() {
#if defined(LOWP_HAVE_AVX2_BLOCKS)
  static const bool on = [] {
    const char* e = std::getenv("LOWP_ARRAY_BLOCKS");
    if (e && (std::strcmp(e, "scalar") == 0 || std::strcmp(e, "generic") == 0)) return false;
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return on;
#else
  return false;
#endif
}

enum class fused_kind { none, mx, nvfp4 };

// Which fused kernel serves a call (binary32 storage, dequantized values only, blocks along rows
// of a multiple of 8 elements, nearest-even or stochastic elements), and its parameters.
fused_kind fused_plan(const context& cx, bool dequantized_only, detail::fused_params& fp) {
  const block_spec& sp = *cx.spec;
  const format& f = cx.plan.grid;
  const rounding mode = cx.opt->mode;
  if (!fused_enabled() || !dequantized_only || !sp.has_scale || sp.element.is_integer ||
      !(cx.tr == 1 || cx.rows == 1) || cx.tc % 8 != 0 || cx.tc > 4096 ||
      (mode != rounding::nearest_even && mode != rounding::stochastic))
    return fused_kind::none;
  if (f.subnormals != subnormal_mode::on || !f.has_zero || f.daz || !f.is_signed ||
      f.mantissa_bits > 22 || f.emax() > 100 || f.emax() < 0 || f.emin() - f.mantissa_bits < -100)
    return fused_kind::none;
  fused_kind kind = fused_kind::none;
  if (sp.rule == scale_rule::floor || sp.rule == scale_rule::ceil) {
    if (sp.tensor_scale) return fused_kind::none;
    kind = fused_kind::mx;
  } else if (sp.rule == scale_rule::amax && sp.tensor_scale && f == formats::e2m1fn &&
             sp.scale == block_formats::e4m3_scale &&
             sp.scale_rounding == rounding::nearest_even && !cx.tensor_zero) {
    kind = fused_kind::nvfp4;
  } else {
    return fused_kind::none;
  }
  fp.emin = f.emin();
  fp.emax = f.emax();
  fp.m = f.mantissa_bits;
  fp.largest = static_cast<float>(cx.plan.largest);
  const round_result op = detail::overflow_result(f, mode, false);
  fp.over_pos = std::bit_cast<std::uint32_t>(static_cast<float>(op.value));
  fp.over_neg = std::bit_cast<std::uint32_t>(
      static_cast<float>(detail::overflow_result(f, mode, true).value));
  fp.over_saturated = (op.flags & flag::saturated) ? 1 : 0;
  fp.over_nan = std::isnan(op.value) ? 1 : 0;
  fp.keep_zero_sign = f.has_negative_zero() ? 0x80000000u : 0;
  fp.stochastic = mode == rounding::stochastic ? 1 : 0;
  fp.drop = 64 - cx.opt->rbits;
  fp.key = cx.elem_random.key;
  fp.ceil_rule = sp.rule == scale_rule::ceil ? 1 : 0;
  fp.range_lo = cx.range.lo;
  fp.range_hi = cx.range.hi;
  fp.largest_exp = cx.largest_exp;
  fp.largest_mant = std::bit_cast<std::uint32_t>(fp.largest) & 0x7fffffu;
  fp.t = cx.plan.largest * cx.s_t;
  fp.s_t = static_cast<float>(cx.s_t);
  // Outputs beyond 3/4 of the last-level cache (as the system reports it) cannot stay there:
  // stream them past the cache, as glibc's memcpy does from the same threshold (measured on the
  // 2-vCPU EPYC at 10^8 floats: MXFP8 1.21 -> 1.00 ns/element, NVFP4 2.06 -> 1.79).
  static const std::size_t llc = [] {
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return std::max<std::size_t>(l3 > 0 ? static_cast<std::size_t>(l3) : 0, std::size_t{32} << 20);
  }();
  fp.stream_out = cx.rows * cx.cols * sizeof(float) > llc / 4 * 3 ? 1 : 0;
  if (const char* e = std::getenv("LOWP_BLOCK_STREAM")) fp.stream_out = std::atoi(e);  // tests
  return kind;
}

// Runs the fused kernel over blocks b0..b1 (binary32 storage): runs of whole blocks go to the
// kernel, partial blocks and what the kernel hands back to run_block / quantize_element.
block_counters run_chunk_fused(const float* in, std::size_t b0, std::size_t b1,
                               const context& cx, const block_outputs<float>& out,
                               fused_kind kind, const detail::fused_params& fp) {
#if defined(LOWP_HAVE_AVX2_BLOCKS)
  const block_spec& sp = *cx.spec;
  auto first = [&](std::size_t b) { return (b / cx.nbc) * cx.cols + (b % cx.nbc) * cx.tc; };
  thread_local std::vector<int> exps;
  thread_local std::vector<float> sbs;
  thread_local std::vector<std::uint32_t> fb;
  block_counters k;
  // Whole blocks are contiguous across rows when tc divides cols; else each row ends in a
  // partial block (no per-block division: they cost more than a block's rounding).
  const bool whole_rows = cx.cols % cx.tc == 0;
  std::size_t b = b0;
  while (b < b1) {
    const std::size_t bc = b % cx.nbc;
    if (!whole_rows && bc == cx.nbc - 1) {
      k += run_block(in, b, cx, out);
      ++b;
      continue;
    }
    const std::size_t f = first(b);
    const std::size_t be = whole_rows ? b1 : std::min(b1, b - bc + cx.nbc - 1);
    const std::size_t nb = be - b, len = cx.tc;
    exps.resize(nb);
    sbs.resize(nb);
    fb.resize(nb * len);
    std::size_t n_fb = 0;
    detail::fused_counts c;
    if (kind == fused_kind::mx)
      detail::avx2::mx_fused(in + f, out.dequantized + f, nb, len, f, fp, c, exps.data(),
                             fb.data(), n_fb);
    else
      detail::avx2::nvfp4_fused(in + f, out.dequantized + f, nb, len, f, fp, c, sbs.data(),
                                fb.data(), n_fb);
    k.blocks += c.blocks;
    k.elements += c.elements;
    k.clipped += c.clipped;
    k.saturated += c.saturated;
    k.flushed += c.flushed;
    k.nan += c.nan;
    // Scales of the blocks the kernel did; the others run_block does whole.
    auto scale_of = [&](std::size_t j) {
      block_scale s;
      if (kind == fused_kind::mx) {
        s.kind = block_scale::pow2;
        s.e = exps[j];
        s.value = exp2i(s.e);
        s.divisor = s.value;
      } else {
        s.kind = block_scale::general;
        s.value = static_cast<double>(sbs[j]);
        s.divisor = s.value * cx.s_t;
      }
      return s;
    };
    for (std::size_t j = 0; j < nb; ++j) {
      const bool whole = kind == fused_kind::mx ? exps[j] == detail::fused_fallback_block
                                                : sbs[j] == 0;
      if (whole) {
        k += run_block(in, b + j, cx, out);
      } else if (out.scale_codes) {
        out.scale_codes[b + j] = code_of(scale_of(j).value, sp.scale);
      }
    }
    // Single elements the kernel could not decide exactly.
    for (std::size_t t = 0; t < n_fb; ++t) {
      const std::size_t o = fb[t], i = f + o;
      const block_scale s = scale_of(o / len);
      const element_result e = quantize_element(static_cast<double>(in[i]), i, s, cx, k);
      double d = e.value * s.value;
      if (sp.tensor_scale) d = d * cx.s_t;
      out.dequantized[i] = static_cast<float>(d);
    }
    b = be;
  }
  return k;
#else
  (void)in, (void)b0, (void)b1, (void)cx, (void)out, (void)kind, (void)fp;
  return {};
#endif
}

struct amax_acc {
  double v = 0;
  amax_acc& operator+=(const amax_acc& o) noexcept {
    v = std::max(v, o.v);
    return *this;
  }
};

template <class T>
block_counters quantize_impl(const T* in, std::size_t rows, std::size_t cols,
                             const block_spec& spec, const block_options& opt,
                             const block_outputs<T>& out) {
  if (std::string why = spec.validate(); !why.empty()) throw format_error(why);
  if (opt.rbits < 1 || opt.rbits > 64) throw format_error("rbits must be 1..64");
  context cx;
  cx.spec = &spec;
  cx.opt = &opt;
  cx.plan = make_plan(spec.element);
  cx.elem_random = random_stream(opt.seed, opt.stream);
  cx.scale_random = random_stream(opt.seed, opt.stream ^ scale_stream_bit);
  cx.scale_sat = spec.scale;
  cx.scale_sat.overflow = overflow_mode::saturate;
  cx.range = pow2_range_of(spec.scale);
  cx.largest_frac = std::frexp(cx.plan.largest, &cx.largest_exp);
  make_table(cx);
  cx.stochastic = is_stochastic(opt.mode);
  cx.rows = rows;
  cx.cols = cols;
  cx.tr = spec.tile_rows ? spec.tile_rows : rows;
  cx.tc = spec.tile_cols ? spec.tile_cols : cols;
  const std::size_t n = rows * cols;
  if (n == 0) return {};
  cx.nbc = (cols + cx.tc - 1) / cx.tc;
  if (spec.tensor_scale) {
    // s_t = amax_tensor / (scale_max * max_elem), binary32 RNE saturating, over finite elements.
    const amax_acc a = detail::parallel_chunks<amax_acc>(
        n, std::size_t{1} << 16, opt.threads, [&](std::size_t b, std::size_t e) {
          amax_acc m;
#if defined(LOWP_HAVE_AVX2_BLOCKS)
          if constexpr (std::is_same_v<T, float>)
            if (fused_enabled()) {
              m.v = static_cast<double>(detail::avx2::finite_amax(in + b, e - b));
              return m;
            }
#endif
          for (std::size_t i = b; i < e; ++i) {
            const double x = std::fabs(static_cast<double>(in[i]));
            if (x <= std::numeric_limits<double>::max() && x > m.v) m.v = x;
          }
          return m;
        });
    format b32 = formats::binary32;
    b32.overflow = overflow_mode::saturate;
    cx.s_t = lowp::div(a.v, spec.scale.largest() * cx.plan.largest, b32, rounding::nearest_even)
                 .value;
    cx.tensor_zero = cx.s_t == 0;
    if (out.tensor_scale_code)
      *out.tensor_scale_code = std::bit_cast<std::uint32_t>(static_cast<float>(cx.s_t));
  }
  const std::size_t nblocks = block_count(rows, cols, spec);
  const std::size_t per_block = std::min(cx.tr, rows) * std::min(cx.tc, cols);
  // The fast path needs blocks along rows, a power-of-two rule and a floating element format.
  const bool fast = spec.has_scale && spec.rule != scale_rule::amax && !spec.element.is_integer &&
                    (cx.tr == 1 || rows == 1);
  detail::fused_params fp;
  fused_kind fused = fused_kind::none;
  if constexpr (std::is_same_v<T, float>)
    fused = fused_plan(cx, out.dequantized && !out.element_codes, fp);
  const std::size_t per_chunk =
      fused != fused_kind::none ? std::size_t{1} << 15 : fast ? std::size_t{4096} : std::size_t{1} << 14;
  const std::size_t chunk = std::max<std::size_t>(1, per_chunk / per_block);
  return detail::parallel_chunks<block_counters>(
      nblocks, chunk, opt.threads, [&](std::size_t b0, std::size_t b1) {
        if constexpr (std::is_same_v<T, float>)
          if (fused != fused_kind::none) return run_chunk_fused(in, b0, b1, cx, out, fused, fp);
        if (fast) return run_chunk_fast(in, b0, b1, cx, out);
        block_counters k;
        for (std::size_t b = b0; b < b1; ++b) k += run_block(in, b, cx, out);
        return k;
      });
}

}  // namespace

block_counters quantize_blocks(const double* in, std::size_t rows, std::size_t cols,
                               const block_spec& spec, const block_options& opt,
                               const block_outputs<double>& out) {
  return quantize_impl(in, rows, cols, spec, opt, out);
}
block_counters quantize_blocks(const float* in, std::size_t rows, std::size_t cols,
                               const block_spec& spec, const block_options& opt,
                               const block_outputs<float>& out) {
  return quantize_impl(in, rows, cols, spec, opt, out);
}

std::vector<std::uint8_t> pack_codes(const std::uint32_t* codes, std::size_t n, int bits) {
  if (bits < 1 || bits > 32) throw format_error("code width must be 1..32 bits");
  std::vector<std::uint8_t> bytes((n * static_cast<std::size_t>(bits) + 7) / 8, 0);
  std::size_t pos = 0;
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t c = codes[i] & mask;
    for (int done = 0; done < bits;) {
      const int off = static_cast<int>(pos % 8);
      const int take = std::min(8 - off, bits - done);
      bytes[pos / 8] = static_cast<std::uint8_t>(
          bytes[pos / 8] | ((c & ((1u << take) - 1)) << off));
      c >>= take;
      done += take;
      pos += static_cast<std::size_t>(take);
    }
  }
  return bytes;
}

std::vector<std::uint32_t> unpack_codes(const std::uint8_t* bytes, std::size_t n, int bits) {
  if (bits < 1 || bits > 32) throw format_error("code width must be 1..32 bits");
  std::vector<std::uint32_t> codes(n, 0);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t c = 0;
    for (int done = 0; done < bits;) {
      const int off = static_cast<int>(pos % 8);
      const int take = std::min(8 - off, bits - done);
      c |= static_cast<std::uint64_t>((bytes[pos / 8] >> off) & ((1u << take) - 1)) << done;
      done += take;
      pos += static_cast<std::size_t>(take);
    }
    codes[i] = static_cast<std::uint32_t>(c);
  }
  return codes;
}

packed_blocks quantize_packed(const double* in, std::size_t rows, std::size_t cols,
                              const block_spec& spec, const block_options& opt,
                              block_counters* counters) {
  packed_blocks p;
  p.rows = rows;
  p.cols = cols;
  p.spec = spec;
  std::vector<std::uint32_t> ecodes(rows * cols);
  std::vector<std::uint32_t> scodes(spec.has_scale ? block_count(rows, cols, spec) : 0);
  block_outputs<double> out;
  out.element_codes = ecodes.data();
  out.scale_codes = spec.has_scale ? scodes.data() : nullptr;
  out.tensor_scale_code = &p.tensor_scale_code;
  const block_counters k = quantize_blocks(in, rows, cols, spec, opt, out);
  if (counters) *counters = k;
  p.elements = pack_codes(ecodes.data(), ecodes.size(), spec.element.code_bits());
  if (spec.has_scale) p.scales = pack_codes(scodes.data(), scodes.size(), spec.scale.width());
  return p;
}

double element_value(std::uint32_t code, const element_format& e) {
  if (e.is_integer) {
    // Sign-extend the b-bit two's-complement code.
    const int b = e.int_bits;
    std::int64_t k = static_cast<std::int64_t>(code & ((std::uint64_t{1} << b) - 1));
    if (k >> (b - 1)) k -= std::int64_t{1} << b;
    return k == 0 ? 0.0 : std::ldexp(static_cast<double>(k), -e.fraction_bits);
  }
  const std::optional<double> v = decode(code, e.fp);
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

void dequantize(const packed_blocks& p, double* out) {
  const block_spec& sp = p.spec;
  const std::size_t n = p.rows * p.cols;
  if (n == 0) return;
  if (std::string why = sp.validate(); !why.empty()) throw format_error(why);
  const std::vector<std::uint32_t> ecodes =
      unpack_codes(p.elements.data(), n, sp.element.code_bits());
  const std::size_t nblocks = block_count(p.rows, p.cols, sp);
  const std::vector<std::uint32_t> scodes =
      sp.has_scale ? unpack_codes(p.scales.data(), nblocks, sp.scale.width())
                   : std::vector<std::uint32_t>{};
  const double s_t = sp.tensor_scale ? static_cast<double>(std::bit_cast<float>(p.tensor_scale_code)) : 1.0;
  const std::size_t tr = sp.tile_rows ? sp.tile_rows : p.rows;
  const std::size_t tc = sp.tile_cols ? sp.tile_cols : p.cols;
  const std::size_t nbc = (p.cols + tc - 1) / tc;
  for (std::size_t r = 0; r < p.rows; ++r)
    for (std::size_t c = 0; c < p.cols; ++c) {
      const std::size_t i = r * p.cols + c;
      double d = element_value(ecodes[i], sp.element);
      if (sp.has_scale) {
        const std::size_t b = (r / tr) * nbc + c / tc;
        const std::optional<double> s = decode(scodes[b], sp.scale);
        d = d * (s ? *s : std::numeric_limits<double>::quiet_NaN());
        if (sp.tensor_scale) d = d * s_t;
      }
      out[i] = d;
    }
}

double qsnr_db(const double* x, const double* xq, std::size_t n) {
  long double num = 0, den = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(xq[i])) continue;
    const long double d = static_cast<long double>(x[i]) - static_cast<long double>(xq[i]);
    num += d * d;
    den += static_cast<long double>(x[i]) * static_cast<long double>(x[i]);
  }
  if (num == 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(-10.0L * std::log10(num / den));
}

double crest_factor(const double* x, std::size_t n) {
  long double sum = 0;
  double amax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += static_cast<long double>(x[i]) * static_cast<long double>(x[i]);
    amax = std::max(amax, std::fabs(x[i]));
  }
  if (amax == 0) return 0;
  return static_cast<double>(amax / std::sqrt(sum / static_cast<long double>(n)));
}

std::vector<double> block_crest_factors(const double* x, std::size_t rows, std::size_t cols,
                                        const block_spec& spec) {
  const std::size_t tr = spec.tile_rows ? spec.tile_rows : rows;
  const std::size_t tc = spec.tile_cols ? spec.tile_cols : cols;
  const std::size_t nb = block_count(rows, cols, spec);
  std::vector<double> out(nb);
  if (nb == 0) return out;
  const std::size_t nbc = (cols + tc - 1) / tc;
  std::vector<double> buf;
  for (std::size_t b = 0; b < nb; ++b) {
    const std::size_t r0 = (b / nbc) * tr, c0 = (b % nbc) * tc;
    buf.clear();
    for (std::size_t r = r0; r < std::min(rows, r0 + tr); ++r)
      for (std::size_t c = c0; c < std::min(cols, c0 + tc); ++c) buf.push_back(x[r * cols + c]);
    out[b] = crest_factor(buf.data(), buf.size());
  }
  return out;
}

}  // namespace lowp
