// The AVX2 build of the block RNE twin (block_fast.inc), chosen at run time.
#define LOWP_FAST_NS avx2
#include "block_fast.inc"

// The fused binary32 kernels (block_fast.hpp), AVX2 intrinsics; no lowp header (see
// block_fast.inc). Everything they compute is exact: element rounding works on the integer
// significand of v (never on a rounded quotient), NVFP4 places |v| among exact products
// grid * s_b * s_t by comparisons, and what cannot be decided exactly goes back to block.cpp.
#include <immintrin.h>

namespace lowp::detail::avx2 {

namespace {

constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;  // random_stream's index multiplier

// Returns a * C mod 2^64 lane by lane (AVX2 has no 64-bit multiply): lo*lo + (hi*lo + lo*hi)
// << 32.
inline __m256i mul64(__m256i a, __m256i c_lo, __m256i c_hi) {
  const __m256i lo = _mm256_mul_epu32(a, c_lo);
  const __m256i t1 = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), c_lo);
  const __m256i t2 = _mm256_mul_epu32(a, c_hi);
  return _mm256_add_epi64(lo, _mm256_slli_epi64(_mm256_add_epi64(t1, t2), 32));
}

// Returns lowp::mix64 of four lanes.
inline __m256i mix64v(__m256i z) {
  const __m256i c1_lo = _mm256_set1_epi64x(0x1ce4e5b9LL), c1_hi = _mm256_set1_epi64x(0xbf58476dLL);
  const __m256i c2_lo = _mm256_set1_epi64x(0x133111ebLL), c2_hi = _mm256_set1_epi64x(0x94d049bbLL);
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 30));
  z = mul64(z, c1_lo, c1_hi);
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 27));
  z = mul64(z, c2_lo, c2_hi);
  return _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
}

// Returns the top 32 bits of the random words of 8 consecutive elements (lanes of a: elements
// 0..3, of b: 4..7) in element order.
inline __m256i top32(__m256i a, __m256i b) {
  const __m256 s = _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), 0xDD);
  return _mm256_permute4x64_epi64(_mm256_castps_si256(s), 0xD8);
}

// The random-word counters z = key + (i + 1) * golden of elements index0 .. index0 + 7.
struct random_lanes {
  __m256i a, b;
  __m256i step;
  random_lanes(std::uint64_t key, std::uint64_t index0) {
    const std::uint64_t z0 = key + (index0 + 1) * golden;
    a = _mm256_set_epi64x(static_cast<long long>(z0 + 3 * golden),
                          static_cast<long long>(z0 + 2 * golden),
                          static_cast<long long>(z0 + golden), static_cast<long long>(z0));
    b = _mm256_add_epi64(a, _mm256_set1_epi64x(static_cast<long long>(4 * golden)));
    step = _mm256_set1_epi64x(static_cast<long long>(8 * golden));
  }
  // Returns the top 32 bits of the next 8 words and advances by 8 elements.
  __m256i next() {
    const __m256i r = top32(mix64v(a), mix64v(b));
    a = _mm256_add_epi64(a, step);
    b = _mm256_add_epi64(b, step);
    return r;
  }
};

inline std::uint32_t hmax_epu32(__m256i v) {
  v = _mm256_max_epu32(v, _mm256_permute2x128_si256(v, v, 1));
  v = _mm256_max_epu32(v, _mm256_shuffle_epi32(v, 0x4E));
  v = _mm256_max_epu32(v, _mm256_shuffle_epi32(v, 0xB1));
  return static_cast<std::uint32_t>(_mm256_cvtsi256_si32(v));
}

inline std::uint64_t hsum_epi32(__m256i v) {
  alignas(32) std::int32_t t[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), v);
  std::int64_t s = 0;
  for (int j = 0; j < 8; ++j) s += t[j];
  return static_cast<std::uint64_t>(-s);  // the lanes hold minus the counts
}

inline float f32(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline std::uint32_t bits32(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline double f64(std::uint64_t u) {
  double f;
  std::memcpy(&f, &u, 8);
  return f;
}
inline std::uint64_t bits64(double f) {
  std::uint64_t u;
  std::memcpy(&u, &f, 8);
  return u;
}

// Returns max |v| over one block as binary32 bits of |v| (NaN and inf on top).
inline std::uint32_t block_umax(const float* src, std::size_t len) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  __m256i m = _mm256_setzero_si256();
  for (std::size_t j = 0; j < len; j += 8)
    m = _mm256_max_epu32(
        m, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j)), abs_mask));
  return hmax_epu32(m);
}

// Per-call counters, as minus counts in 8 lanes (masks are -1).
struct lane_counts {
  __m256i clipped = _mm256_setzero_si256(), over = _mm256_setzero_si256(),
          flushed = _mm256_setzero_si256();
  void add_to(fused_counts& c, const fused_params& p) const {
    const std::uint64_t o = hsum_epi32(over);
    c.clipped += hsum_epi32(clipped);
    c.flushed += hsum_epi32(flushed);
    if (p.over_saturated) c.saturated += o;
    if (p.over_nan) c.nan += o;
  }
};

// Writes the sign-carrying result of 8 elements: `mag` the rounded magnitudes (binary32 bits),
// r0 where the element rounded to zero, over where it overflowed; returns the value bits.
inline __m256 signed_result(__m256i mag, __m256i sign, __m256i r0, __m256i over,
                            const fused_params& p) {
  const __m256i keep = _mm256_or_si256(_mm256_xor_si256(r0, _mm256_set1_epi32(-1)),
                                       _mm256_set1_epi32(static_cast<int>(p.keep_zero_sign)));
  const __m256 val = _mm256_castsi256_ps(_mm256_or_si256(mag, _mm256_and_si256(sign, keep)));
  const __m256 ob = _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(p.over_pos))),
                                     _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(p.over_neg))),
                                     _mm256_castsi256_ps(sign));
  return _mm256_blendv_ps(val, ob, _mm256_castsi256_ps(over));
}

// Stores 8 results: non-temporal (no read for ownership, as memcpy does for large copies) when
// p.stream_out and the address is 16-byte aligned; the kernels end with an sfence.
inline void store8(float* dst, __m256 v, const fused_params& p) {
  const std::uintptr_t mis = reinterpret_cast<std::uintptr_t>(dst) & 31;
  if (p.stream_out && mis == 0) {
    _mm256_stream_ps(dst, v);
  } else if (p.stream_out && mis == 16) {
    _mm_stream_ps(dst, _mm256_castps256_ps128(v));
    _mm_stream_ps(dst + 4, _mm256_extractf128_ps(v, 1));
  } else {
    _mm256_storeu_ps(dst, v);
  }
}

// Records the lanes of `fb` (a lane mask) as element offsets base + lane.
inline void record(__m256i fb, std::size_t base, std::uint32_t* fb_elems, std::size_t& n_fb) {
  unsigned m = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(fb)));
  while (m) {
    const int lane = __builtin_ctz(m);
    fb_elems[n_fb++] = static_cast<std::uint32_t>(base + static_cast<std::size_t>(lane));
    m &= m - 1;
  }
}

// MX nearest-even elements of one block with scale 2^e, in binary32: y = |v| * 2^-e is exact
// (2^-e is a binary32 normal and y stays below 2^(emax+2)) unless y falls below 2^-126, where
// it rounds to zero whatever its low bits (the element quantum is at least 2^-100). With qe the
// quantum exponent of y (clamp(Ey, emin, emax + 1) - m), r = (y + s) - s, s = 1.5 * 2^(qe + 23),
// is y rounded to a multiple of 2^qe by the hardware's nearest-even (y + s stays in s's binade,
// where one ulp is 2^qe, and s is an even multiple of 2^qe); s comes from the exponent bits of
// y clamped to [2^emin, 2^(emax+1)]. r > max_elem overflows. Zero-ness and signs come from v.
inline void mx_block_rne(const float* src, float* dst, std::size_t len, int e,
                         const fused_params& p, lane_counts& k) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), sign_mask = _mm256_set1_epi32(INT32_MIN);
  const __m256i exp_mask = _mm256_set1_epi32(0x7f800000);
  const __m256i shift = _mm256_set1_epi32((23 - p.m) << 23), half = _mm256_set1_epi32(1 << 22);
  const __m256 min_normal = _mm256_set1_ps(f32(static_cast<std::uint32_t>(p.emin + 127) << 23));
  const __m256 top = _mm256_set1_ps(f32(static_cast<std::uint32_t>(p.emax + 1 + 127) << 23));
  const __m256 v_largest = _mm256_set1_ps(p.largest);
  const __m256 inv = _mm256_set1_ps(f32(static_cast<std::uint32_t>(127 - e) << 23));
  const __m256 v_sc = _mm256_set1_ps(f32(static_cast<std::uint32_t>(127 + e) << 23));
  const __m256 zero = _mm256_setzero_ps();
  for (std::size_t j = 0; j < len; j += 8) {
    const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j));
    const __m256i sign = _mm256_and_si256(u, sign_mask);
    const __m256 a = _mm256_castsi256_ps(_mm256_and_si256(u, abs_mask));
    const __m256 y = _mm256_mul_ps(a, inv);
    const __m256 ac = _mm256_min_ps(_mm256_max_ps(y, min_normal), top);
    const __m256 s = _mm256_castsi256_ps(_mm256_or_si256(
        _mm256_add_epi32(_mm256_and_si256(_mm256_castps_si256(ac), exp_mask), shift), half));
    const __m256 r = _mm256_sub_ps(_mm256_add_ps(y, s), s);
    const __m256i over = _mm256_castps_si256(_mm256_cmp_ps(r, v_largest, _CMP_GT_OQ));
    const __m256i r0 = _mm256_castps_si256(_mm256_cmp_ps(r, zero, _CMP_EQ_OQ));
    const __m256 val = signed_result(_mm256_castps_si256(r), sign, r0, over, p);
    store8(dst + j, _mm256_mul_ps(val, v_sc), p);
    k.clipped = _mm256_add_epi32(k.clipped, _mm256_castps_si256(_mm256_cmp_ps(y, v_largest, _CMP_GT_OQ)));
    k.over = _mm256_add_epi32(k.over, over);
    k.flushed = _mm256_add_epi32(k.flushed, _mm256_and_si256(r0, _mm256_castps_si256(_mm256_cmp_ps(a, zero, _CMP_GT_OQ))));
  }
}

// MX elements of one block with scale 2^e. For |v| = sig * 2^(E - 23) (binary32 normal) and
// y = |v| / 2^e with exponent Ey = E - e, the element quantum is 2^qe, qe = clamp(Ey, emin,
// emax + 1) - m, so sig splits at `shift` = qe - Ey + 23 bits: kept = sig >> shift, and the
// fraction's first 32 bits fh = sig << (32 - shift) (all of it while shift <= 32: sig has 24
// bits). Nearest-even steps up when fh > 1/2, or = 1/2 with kept odd (shift > 32: the fraction
// is below 2^-8, kept = fh = 0, right). Stochastic steps up when (R >> drop) < (frac64 >> drop);
// with frac64 = fh * 2^32 that is (Rh >> s2) < (fh >> s2), Rh the top 32 bits of R and s2 =
// max(drop - 32, 0); lanes with shift > 32 (fraction bits beyond fh), binary32 subnormal inputs
// and shift < 1 go back to block.cpp. The element is (kept + up) * 2^qe, exact in binary32, and
// the dequantized value its product with 2^e rounded once to binary32 (as binary64 then binary32
// would: the binary64 product is exact).
template <bool SR>
inline void mx_block(const float* src, float* dst, std::size_t len, int e, std::size_t base,
                     const fused_params& p, lane_counts& k, random_lanes& rnd,
                     std::uint32_t* fb_elems, std::size_t& n_fb) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), sign_mask = _mm256_set1_epi32(INT32_MIN);
  const __m256i mant = _mm256_set1_epi32(0x7fffff), impl = _mm256_set1_epi32(0x800000);
  const __m256i v_emin = _mm256_set1_epi32(p.emin), v_emax1 = _mm256_set1_epi32(p.emax + 1);
  const __m256i v_m = _mm256_set1_epi32(p.m), v_bias_e = _mm256_set1_epi32(127 + e);
  const __m256i c23 = _mm256_set1_epi32(23), c32 = _mm256_set1_epi32(32), c127 = _mm256_set1_epi32(127);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256 v_largest = _mm256_set1_ps(p.largest);
  const float sc = f32(static_cast<std::uint32_t>(127 + e) << 23);
  const __m256 v_sc = _mm256_set1_ps(sc);
  const __m256i v_clip = _mm256_set1_epi32(static_cast<int>(bits32(p.largest * sc)));
  const __m128i s2 = _mm_cvtsi32_si128(p.drop > 32 ? p.drop - 32 : 0);
  for (std::size_t j = 0; j < len; j += 8) {
    const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j));
    const __m256i ua = _mm256_and_si256(u, abs_mask);
    const __m256i sign = _mm256_and_si256(u, sign_mask);
    const __m256i field = _mm256_srli_epi32(ua, 23);
    const __m256i ey = _mm256_sub_epi32(field, v_bias_e);
    const __m256i qe = _mm256_sub_epi32(_mm256_min_epi32(_mm256_max_epi32(ey, v_emin), v_emax1), v_m);
    const __m256i shift = _mm256_add_epi32(_mm256_sub_epi32(qe, ey), c23);
    const __m256i fz = _mm256_cmpeq_epi32(field, zero);
    const __m256i is0 = _mm256_cmpeq_epi32(ua, zero);
    const __m256i sig = _mm256_andnot_si256(fz, _mm256_or_si256(_mm256_and_si256(ua, mant), impl));
    const __m256i kept = _mm256_srlv_epi32(sig, shift);
    const __m256i fh = _mm256_sllv_epi32(sig, _mm256_sub_epi32(c32, shift));
    __m256i fb = _mm256_or_si256(fz, _mm256_cmpgt_epi32(one, shift));
    __m256i up;
    if constexpr (SR) {
      fb = _mm256_or_si256(fb, _mm256_cmpgt_epi32(shift, c32));
      const __m256i rh = rnd.next();
      const __m256i x = _mm256_xor_si256(_mm256_srl_epi32(rh, s2), sign_mask);
      const __m256i y = _mm256_xor_si256(_mm256_srl_epi32(fh, s2), sign_mask);
      up = _mm256_cmpgt_epi32(y, x);
    } else {
      const __m256i above = _mm256_cmpgt_epi32(_mm256_xor_si256(fh, sign_mask), zero);
      const __m256i odd = _mm256_srai_epi32(_mm256_slli_epi32(kept, 31), 31);
      up = _mm256_or_si256(above, _mm256_and_si256(_mm256_cmpeq_epi32(fh, sign_mask), odd));
    }
    fb = _mm256_andnot_si256(is0, fb);
    const __m256i r = _mm256_sub_epi32(kept, up);
    const __m256 elem = _mm256_mul_ps(_mm256_cvtepi32_ps(r),
                                      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(qe, c127), 23)));
    const __m256i over = _mm256_castps_si256(_mm256_cmp_ps(elem, v_largest, _CMP_GT_OQ));
    const __m256i r0 = _mm256_cmpeq_epi32(r, zero);
    const __m256 val = signed_result(_mm256_castps_si256(elem), sign, r0, over, p);
    store8(dst + j, _mm256_mul_ps(val, v_sc), p);
    const __m256i ok = _mm256_xor_si256(fb, _mm256_set1_epi32(-1));
    k.clipped = _mm256_add_epi32(k.clipped, _mm256_and_si256(ok, _mm256_cmpgt_epi32(ua, v_clip)));
    k.over = _mm256_add_epi32(k.over, _mm256_and_si256(ok, over));
    k.flushed = _mm256_add_epi32(k.flushed, _mm256_and_si256(ok, _mm256_andnot_si256(is0, r0)));
    if (!_mm256_testz_si256(fb, fb)) record(fb, base + j, fb_elems, n_fb);
  }
}

// Returns the block maxima (binary32 bits of |v|) of 8 blocks of `len` values from in (len a
// multiple of 8): per block the lane-wise max of its vectors, then one transposing reduction.
inline __m256i umax_x8(const float* in, std::size_t len) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  __m256i m[8];
  for (int i = 0; i < 8; ++i) {
    const float* src = in + static_cast<std::size_t>(i) * len;
    __m256i v = _mm256_setzero_si256();
    for (std::size_t j = 0; j < len; j += 8)
      v = _mm256_max_epu32(v, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j)), abs_mask));
    m[i] = v;
  }
  __m256i t2[4];
  for (int i = 0; i < 4; ++i)
    t2[i] = _mm256_max_epu32(_mm256_unpacklo_epi32(m[2 * i], m[2 * i + 1]),
                             _mm256_unpackhi_epi32(m[2 * i], m[2 * i + 1]));
  const __m256i u0 = _mm256_max_epu32(_mm256_unpacklo_epi64(t2[0], t2[1]), _mm256_unpackhi_epi64(t2[0], t2[1]));
  const __m256i u1 = _mm256_max_epu32(_mm256_unpacklo_epi64(t2[2], t2[3]), _mm256_unpackhi_epi64(t2[2], t2[3]));
  return _mm256_max_epu32(_mm256_permute2x128_si256(u0, u1, 0x20), _mm256_permute2x128_si256(u0, u1, 0x31));
}

// Returns the MX scale exponents of blocks with maxima umax (8 lanes), or fused_fallback_block
// for NaN / inf, all-zero and binary32-subnormal maxima and exponents outside [-126, 126] (2^e
// and 2^-e binary32 normals). With amax = ma * 2^ea, ma in [0.5, 1) (frexp): floor: e = ea - 1 -
// emax; ceil: ea - largest_exp, plus 1 when ma > the fraction of max_elem; clamped to the range.
inline __m256i mx_exps(__m256i umax, const fused_params& p) {
  const __m256i field = _mm256_srli_epi32(umax, 23);
  const __m256i ea = _mm256_sub_epi32(field, _mm256_set1_epi32(126));
  __m256i e;
  if (p.ceil_rule) {
    const __m256i above = _mm256_cmpgt_epi32(_mm256_and_si256(umax, _mm256_set1_epi32(0x7fffff)),
                                             _mm256_set1_epi32(static_cast<int>(p.largest_mant)));
    e = _mm256_sub_epi32(_mm256_sub_epi32(ea, _mm256_set1_epi32(p.largest_exp)), above);
  } else {
    e = _mm256_sub_epi32(ea, _mm256_set1_epi32(1 + p.emax));
  }
  e = _mm256_min_epi32(_mm256_max_epi32(e, _mm256_set1_epi32(p.range_lo)), _mm256_set1_epi32(p.range_hi));
  const __m256i ok = _mm256_and_si256(
      _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(0x7f800000), umax),
                       _mm256_cmpgt_epi32(field, _mm256_setzero_si256())),
      _mm256_and_si256(_mm256_cmpgt_epi32(e, _mm256_set1_epi32(-127)),
                       _mm256_cmpgt_epi32(_mm256_set1_epi32(127), e)));
  return _mm256_blendv_epi8(_mm256_set1_epi32(fused_fallback_block), e, ok);
}

template <bool SR>
void mx_run(const float* in, float* out, std::size_t nblocks, std::size_t len,
            std::uint64_t index0, const fused_params& p, fused_counts& c, int* exps,
            std::uint32_t* fb_elems, std::size_t& n_fb) {
  lane_counts k;
  random_lanes rnd(p.key, index0);
  // 8 blocks at a time: their scales, then their elements (the loads of the next 8 blocks
  // overlap the rounding of these).
  for (std::size_t b = 0; b < nblocks; ++b) {
    if (b % 8 == 0) {
      if (b + 8 <= nblocks)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(exps + b), mx_exps(umax_x8(in + b * len, len), p));
      else
        for (std::size_t j = b; j < nblocks; ++j)
          exps[j] = _mm256_cvtsi256_si32(mx_exps(_mm256_set1_epi32(static_cast<int>(block_umax(in + j * len, len))), p));
    }
    const float* src = in + b * len;
    const int e = exps[b];
    if (e == fused_fallback_block) {
      if constexpr (SR) {  // keep the random lanes in step
        for (std::size_t j = 0; j < len; j += 8) {
          rnd.a = _mm256_add_epi64(rnd.a, rnd.step);
          rnd.b = _mm256_add_epi64(rnd.b, rnd.step);
        }
      }
      continue;
    }
    if constexpr (SR)
      mx_block<true>(src, out + b * len, len, e, b * len, p, k, rnd, fb_elems, n_fb);
    else
      mx_block_rne(src, out + b * len, len, e, p, k);
    c.blocks += 1;
    c.elements += len;
  }
  k.add_to(c, p);
  if (p.stream_out) _mm_sfence();
}

// Returns x rounded down (RD) / up (RU) to binary32, for x >= 0 (RD: +inf only from +inf).
inline float rd32(double x) {
  float f = static_cast<float>(x);  // nearest-even
  if (static_cast<double>(f) > x) f = f32(bits32(f) - 1);  // f > x >= 0: f > 0
  return f;
}
inline float ru32(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = f32(bits32(f) + 1);  // f < x: f finite
  return f;
}

// NVFP4's block scale s_b = E4M3_RNE_sat(amax / t) as its E4M3 code (1..126), or 0 when the
// scalar quantizer must decide. From q = RN(amax / t): a binary64 rounding cannot move q across
// an E4M3 grid point or midpoint, so q rounds as the exact quotient does unless q is itself a
// midpoint (then 0). Rounding is (q + s) - s with s = 1.5 * 2^(qe + 52), qe = max(E, -6) - 3 the
// E4M3 quantum of q. Also 0 when s_b is 0 (the scalar quantizer's zero scale).
inline int nv_scale_code(double amax, double t) {
  const double q = amax / t;
  const int E = static_cast<int>(bits64(q) >> 52) - 1023;  // q is a positive binary64 normal
  if (E >= 9) return 126;                                   // q >= 512: saturates to 448
  const int qe = (E < -6 ? -6 : E) - 3;
  const double s = f64((static_cast<std::uint64_t>(qe + 52 + 1023) << 52) | (std::uint64_t{1} << 51));
  const double r = (q + s) - s;
  const double half = f64(static_cast<std::uint64_t>(qe - 1 + 1023) << 52);
  if (r - q == half || q - r == half) return 0;
  if (r >= 448) return 126;
  if (r < 0x1p-6) return static_cast<int>(r * 512);  // subnormal codes k: k * 2^-9 (0: zero)
  return static_cast<int>(bits64(r) >> 49) - ((1023 - 7) << 3);
}

// Returns the E4M3 scale codes of 8 blocks of 16 binary32 values from in (as nv_scale_code,
// 0 for NaN / inf / all-zero blocks): the block maxima by a transposing reduction, and the
// rounding of q = RN(amax / t) four at a time, as nv_scale_code does one at a time.
inline __m256i nv_codes16x8(const float* in, double t) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  __m256i m[8];
  for (int i = 0; i < 8; ++i)
    m[i] = _mm256_max_epu32(
        _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 16 * i)), abs_mask),
        _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 16 * i + 8)), abs_mask));
  __m256i t2[4];
  for (int i = 0; i < 4; ++i)
    t2[i] = _mm256_max_epu32(_mm256_unpacklo_epi32(m[2 * i], m[2 * i + 1]),
                             _mm256_unpackhi_epi32(m[2 * i], m[2 * i + 1]));
  const __m256i u0 = _mm256_max_epu32(_mm256_unpacklo_epi64(t2[0], t2[1]), _mm256_unpackhi_epi64(t2[0], t2[1]));
  const __m256i u1 = _mm256_max_epu32(_mm256_unpacklo_epi64(t2[2], t2[3]), _mm256_unpackhi_epi64(t2[2], t2[3]));
  const __m256i umax = _mm256_max_epu32(_mm256_permute2x128_si256(u0, u1, 0x20),
                                        _mm256_permute2x128_si256(u0, u1, 0x31));
  const __m256i valid = _mm256_andnot_si256(_mm256_cmpeq_epi32(umax, _mm256_setzero_si256()),
                                            _mm256_cmpgt_epi32(_mm256_set1_epi32(0x7f800000), umax));
  // Invalid lanes compute on 1.0 (code discarded).
  const __m256 amax = _mm256_blendv_ps(_mm256_set1_ps(1.0f), _mm256_castsi256_ps(umax), _mm256_castsi256_ps(valid));
  const __m256d tv = _mm256_set1_pd(t);
  const __m256i narrow = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  __m128i codes[2];
  for (int h = 0; h < 2; ++h) {
    const __m256d q = _mm256_div_pd(_mm256_cvtps_pd(h ? _mm256_extractf128_ps(amax, 1) : _mm256_castps256_ps128(amax)), tv);
    const __m256i e = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_castpd_si256(q), 52), _mm256_set1_epi64x(1023));
    const __m256i sat = _mm256_cmpgt_epi64(e, _mm256_set1_epi64x(8));
    const __m256i emin = _mm256_set1_epi64x(-6);
    const __m256i qe = _mm256_sub_epi64(_mm256_blendv_epi8(e, emin, _mm256_cmpgt_epi64(emin, e)), _mm256_set1_epi64x(3));
    // Saturated lanes (e >= 9) may build garbage below; their code is 126 whatever.
    const __m256d s = _mm256_castsi256_pd(_mm256_or_si256(
        _mm256_slli_epi64(_mm256_add_epi64(qe, _mm256_set1_epi64x(1075)), 52), _mm256_set1_epi64x(1LL << 51)));
    const __m256d r = _mm256_sub_pd(_mm256_add_pd(q, s), s);
    const __m256d half = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(qe, _mm256_set1_epi64x(1022)), 52));
    const __m256d mid = _mm256_or_pd(_mm256_cmp_pd(_mm256_sub_pd(r, q), half, _CMP_EQ_OQ),
                                     _mm256_cmp_pd(_mm256_sub_pd(q, r), half, _CMP_EQ_OQ));
    const __m256i norm = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_castpd_si256(r), 49), _mm256_set1_epi64x((1023 - 7) << 3));
    // r * 512 + 2^52 holds the subnormal code k = r * 2^9 (0..7) in its low bits.
    const __m256i subc = _mm256_and_si256(
        _mm256_castpd_si256(_mm256_add_pd(_mm256_mul_pd(r, _mm256_set1_pd(512)), _mm256_set1_pd(0x1p52))),
        _mm256_set1_epi64x(15));
    __m256i code = _mm256_blendv_epi8(norm, subc, _mm256_castpd_si256(_mm256_cmp_pd(r, _mm256_set1_pd(0x1p-6), _CMP_LT_OQ)));
    code = _mm256_blendv_epi8(code, _mm256_set1_epi64x(126),
                              _mm256_castpd_si256(_mm256_cmp_pd(r, _mm256_set1_pd(448), _CMP_GE_OQ)));
    code = _mm256_andnot_si256(_mm256_castpd_si256(mid), code);  // midpoints (and r = 0: k = 0)
    code = _mm256_blendv_epi8(code, _mm256_set1_epi64x(126), sat);
    codes[h] = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(code, narrow));
  }
  return _mm256_and_si256(_mm256_set_m128i(codes[1], codes[0]), valid);
}

// Returns the value of E4M3 code c (1..126).
inline double e4m3_value(int c) {
  if (c < 8) return c * 0x1p-9;
  return (1 + (c & 7) / 8.0) * f64(static_cast<std::uint64_t>((c >> 3) - 7 + 1023) << 52);
}

// Per s_b code (the tensor scale fixed), what the element loops compare with, d = s_b * s_t
// (exact in binary64). For binary32 a and real x >= 0: a > x iff a > RD32(x); a >= x iff
// a >= RU32(x) iff a > pred(RU32(x)).
//   nearest-even: idx = #{j : a passes mu_j d} over the E2M1 midpoints mu = 0.25 .. 5 and 7
//   (between 6 and the 8 of an unbounded exponent); a tie a = mu_j d goes to the even side, so
//   a passes when a > mu_j d (j even) or a >= mu_j d (j odd): th[j] = RD32(mu_j d) or
//   pred(RU32(mu_j d)), compared with >. idx 8 overflows (saturates to 6).
//   stochastic: k = #{j >= 1 : a >= g_j d} (g = 0, .5, 1, 1.5, 2, 3, 4, 6), th[j] = RU32(g_j d)
//   and th[0] = RU32(8 d) (a >= 8 d overflows); gtab[k] = RN32(g_k d), itab[k] = RN32(1 / (h_k d))
//   with h_k = g_{k+1} - g_k; usable when d is in [2^-90, 2^90] (every value a binary32 normal).
//   gsb[k] = g_k * s_b (exact) and clip = RD32(6 d) for both.
struct nv_tables {
  alignas(32) float th[127][8];
  alignas(32) float gsb[127][8];
  alignas(32) float gtab[127][8];
  alignas(32) float itab[127][8];
  float clip[127];
  bool usable[127];  // usable[0] = false: the scalar quantizer's blocks
  float s_t = -1;
  bool sr = false;

  void build(float st, bool stochastic) {
    s_t = st;
    sr = stochastic;
    usable[0] = false;
    const double grid[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
    const double mu[8] = {0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, 7};
    for (int c = 1; c < 127; ++c) {
      const double sb = e4m3_value(c), d = sb * static_cast<double>(st);
      for (int j = 0; j < 8; ++j) {
        gsb[c][j] = static_cast<float>(grid[j] * sb);
        if (!stochastic) {
          th[c][j] = (j & 1) ? f32(bits32(ru32(mu[j] * d)) - 1) : rd32(mu[j] * d);
        } else {
          th[c][j] = ru32((j ? grid[j] : 8.0) * d);
          gtab[c][j] = static_cast<float>(grid[j] * d);
          itab[c][j] = static_cast<float>((1 / d) / ((j < 7 ? grid[j + 1] : 8.0) - grid[j]));
        }
      }
      clip[c] = rd32(6 * d);
      usable[c] = !stochastic || (d >= 0x1p-90 && d <= 0x1p90);
    }
  }
};

// NVFP4 elements of one block (s_b code c) with the tables above. Stochastic: the exact fraction
// f = (a - g_k d) / (h_k d) steps up when T = ((R >> drop) + 1) 2^(drop-64) <= f; f~ = (a -
// gtab[k]) * itab[k] in binary32 is within 6.1 * 2^-24 of f (g_k <= 3 h_k, f < 1), T~ from R's
// top 24 bits within 2^-23 of T, so T~ + 2^-19 <= f~ proves up, T~ >= f~ + 2^-19 proves down,
// and anything between goes back to block.cpp. (E2M1 has -0 and saturates: the sign is kept
// throughout and an overflow gives 6.)
template <bool SR>
inline void nv_block(const float* src, float* dst, std::size_t len, int c, std::size_t base,
                     const nv_tables& tb, const fused_params& p, lane_counts& k,
                     random_lanes& rnd, std::uint32_t* fb_elems, std::size_t& n_fb) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), sign_mask = _mm256_set1_epi32(INT32_MIN);
  const __m256i seven = _mm256_set1_epi32(7), eight = _mm256_set1_epi32(8);
  const __m256 gsb = _mm256_load_ps(tb.gsb[c]);
  const __m256 stv = _mm256_set1_ps(p.s_t), clip = _mm256_set1_ps(tb.clip[c]);
  __m256 th[8];
  for (int t = 0; t < 8; ++t) th[t] = _mm256_broadcast_ss(&tb.th[c][t]);
  const __m256 thv = _mm256_load_ps(tb.th[c]);
  const __m256 th1 = _mm256_permutevar8x32_ps(thv, _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0));
  for (std::size_t j = 0; j < len; j += 8) {
    const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j));
    const __m256i ua = _mm256_and_si256(u, abs_mask);
    const __m256i sign = _mm256_and_si256(u, sign_mask);
    const __m256 a = _mm256_castsi256_ps(ua);
    __m256i idx = zero, over;
    if constexpr (!SR) {
      // idx = min(#{j : a > th[j]}, 7) by binary search over the increasing th, then the overflow
      // a > th[7] on its own.
      const __m256i four = _mm256_set1_epi32(4), two = _mm256_set1_epi32(2), one = _mm256_set1_epi32(1);
      idx = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(a, th[3], _CMP_GT_OQ)), four);
      idx = _mm256_add_epi32(idx, _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(
                                    a, _mm256_permutevar8x32_ps(thv, _mm256_add_epi32(idx, one)), _CMP_GT_OQ)), two));
      idx = _mm256_sub_epi32(idx, _mm256_castps_si256(_mm256_cmp_ps(a, _mm256_permutevar8x32_ps(thv, idx), _CMP_GT_OQ)));
      over = _mm256_castps_si256(_mm256_cmp_ps(a, th[7], _CMP_GT_OQ));
    } else {
      // k = #{j in 1..7 : a >= th[j]} by binary search over th1 = (th[1], ..., th[7], -).
      const __m256i four = _mm256_set1_epi32(4), two = _mm256_set1_epi32(2), one = _mm256_set1_epi32(1);
      idx = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(a, th[4], _CMP_GE_OQ)), four);
      idx = _mm256_add_epi32(idx, _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(
                                    a, _mm256_permutevar8x32_ps(th1, _mm256_add_epi32(idx, one)), _CMP_GE_OQ)), two));
      idx = _mm256_sub_epi32(idx, _mm256_castps_si256(_mm256_cmp_ps(a, _mm256_permutevar8x32_ps(th1, idx), _CMP_GE_OQ)));
      const __m256i over8 = _mm256_castps_si256(_mm256_cmp_ps(a, th[0], _CMP_GE_OQ));
      const __m256 f = _mm256_mul_ps(_mm256_sub_ps(a, _mm256_permutevar8x32_ps(_mm256_load_ps(tb.gtab[c]), idx)),
                                     _mm256_permutevar8x32_ps(_mm256_load_ps(tb.itab[c]), idx));
      const __m256i rmask = _mm256_set1_epi32(p.drop > 40 ? static_cast<int>(~((1u << (p.drop - 40)) - 1)) : -1);
      const __m256 inc = _mm256_set1_ps(f32(static_cast<std::uint32_t>(p.drop - 64 + 127) << 23));
      const __m256i r24 = _mm256_and_si256(_mm256_srli_epi32(rnd.next(), 8), rmask);
      const __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(r24), _mm256_set1_ps(0x1p-24f)), inc);
      const __m256 margin = _mm256_set1_ps(0x1p-19f);
      const __m256i upm = _mm256_castps_si256(_mm256_cmp_ps(_mm256_add_ps(t, margin), f, _CMP_LE_OQ));
      const __m256i downm = _mm256_castps_si256(_mm256_cmp_ps(t, _mm256_add_ps(f, margin), _CMP_GE_OQ));
      // a = 0: f = 0 < T, never up; a >= 8d: overflows either way.
      const __m256i settled = _mm256_or_si256(_mm256_or_si256(upm, downm),
                                              _mm256_or_si256(_mm256_cmpeq_epi32(ua, zero), over8));
      idx = _mm256_sub_epi32(idx, upm);
      over = _mm256_or_si256(over8, _mm256_cmpeq_epi32(idx, eight));
      if (_mm256_movemask_ps(_mm256_castsi256_ps(settled)) != 0xff) {
        const __m256i fb = _mm256_xor_si256(settled, _mm256_set1_epi32(-1));
        record(fb, base + j, fb_elems, n_fb);
        k.clipped = _mm256_sub_epi32(k.clipped, _mm256_and_si256(fb, _mm256_castps_si256(_mm256_cmp_ps(a, clip, _CMP_GT_OQ))));
        k.over = _mm256_sub_epi32(k.over, _mm256_and_si256(fb, over));
        k.flushed = _mm256_sub_epi32(k.flushed, _mm256_and_si256(fb, _mm256_and_si256(_mm256_cmpeq_epi32(idx, zero), _mm256_castps_si256(_mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_GT_OQ)))));
      }
    }
    // An overflow saturates to 6 = gsb[7] / s_b: the permute reads idx mod 8, so idx 8 needs min.
    const __m256i vidx = SR ? _mm256_min_epi32(idx, seven) : idx;
    const __m256 val = _mm256_or_ps(_mm256_permutevar8x32_ps(gsb, vidx),
                                    _mm256_castsi256_ps(sign));
    store8(dst + j, _mm256_mul_ps(val, stv), p);
    k.clipped = _mm256_add_epi32(k.clipped, _mm256_castps_si256(_mm256_cmp_ps(a, clip, _CMP_GT_OQ)));
    k.over = _mm256_add_epi32(k.over, over);
    k.flushed = _mm256_add_epi32(k.flushed, _mm256_and_si256(_mm256_cmpeq_epi32(idx, zero),
                                                             _mm256_castps_si256(_mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_GT_OQ))));
  }
}

template <bool SR>
void nv_run(const float* in, float* out, std::size_t nblocks, std::size_t len,
            std::uint64_t index0, const fused_params& p, fused_counts& c, float* sbs,
            std::uint32_t* fb_elems, std::size_t& n_fb) {
  thread_local nv_tables tb;
  if (tb.s_t != p.s_t || tb.sr != SR) tb.build(p.s_t, SR);
  lane_counts k;
  random_lanes rnd(p.key, index0);
  constexpr std::size_t batch = 8;  // the loads of the next 8 blocks overlap these blocks' rounding
  int codes[batch];
  for (std::size_t b0 = 0; b0 < nblocks; b0 += batch) {
    const std::size_t nb = nblocks - b0 < batch ? nblocks - b0 : batch;
    // The scales first: independent divisions overlap.
    std::size_t j0 = 0;
    if (len == 16)
      for (; j0 + 8 <= nb; j0 += 8)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + j0), nv_codes16x8(in + (b0 + j0) * 16, p.t));
    for (std::size_t j = j0; j < nb; ++j) {
      const std::uint32_t umax = block_umax(in + (b0 + j) * len, len);
      int code = 0;
      if (umax < 0x7f800000u && umax != 0) code = nv_scale_code(static_cast<double>(f32(umax)), p.t);
      codes[j] = code;
    }
    for (std::size_t j = 0; j < nb; ++j)
      if (!tb.usable[codes[j]]) codes[j] = 0;
    for (std::size_t j = 0; j < nb; ++j) {
      const std::size_t b = b0 + j;
      const int code = codes[j];
      if (code == 0) {
        sbs[b] = 0;
        if constexpr (SR) {  // keep the random lanes in step
          for (std::size_t e = 0; e < len; e += 8) {
            rnd.a = _mm256_add_epi64(rnd.a, rnd.step);
            rnd.b = _mm256_add_epi64(rnd.b, rnd.step);
          }
        }
        continue;
      }
      nv_block<SR>(in + b * len, out + b * len, len, code, b * len, tb, p, k, rnd, fb_elems, n_fb);
      sbs[b] = static_cast<float>(e4m3_value(code));
      c.blocks += 1;
      c.elements += len;
    }
  }
  k.add_to(c, p);
  if (p.stream_out) _mm_sfence();
}

}  // namespace

void mx_fused(const float* in, float* out, std::size_t nblocks, std::size_t len,
              std::uint64_t index0, const fused_params& p, fused_counts& c, int* exps,
              std::uint32_t* fb_elems, std::size_t& n_fb) {
  if (p.stochastic)
    mx_run<true>(in, out, nblocks, len, index0, p, c, exps, fb_elems, n_fb);
  else
    mx_run<false>(in, out, nblocks, len, index0, p, c, exps, fb_elems, n_fb);
}

void nvfp4_fused(const float* in, float* out, std::size_t nblocks, std::size_t len,
                 std::uint64_t index0, const fused_params& p, fused_counts& c, float* sbs,
                 std::uint32_t* fb_elems, std::size_t& n_fb) {
  if (p.stochastic)
    nv_run<true>(in, out, nblocks, len, index0, p, c, sbs, fb_elems, n_fb);
  else
    nv_run<false>(in, out, nblocks, len, index0, p, c, sbs, fb_elems, n_fb);
}

float finite_amax(const float* x, std::size_t n) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  __m256i m0 = _mm256_setzero_si256(), m1 = m0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), abs_mask);
    const __m256i b = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8)), abs_mask);
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(a, _mm256_cmpgt_epi32(inf, a)));
    m1 = _mm256_max_epu32(m1, _mm256_and_si256(b, _mm256_cmpgt_epi32(inf, b)));
  }
  std::uint32_t m = hmax_epu32(_mm256_max_epu32(m0, m1));
  for (; i < n; ++i) {
    const std::uint32_t a = bits32(x[i]) & 0x7fffffffu;
    if (a < 0x7f800000u && a > m) m = a;
  }
  return f32(m);
}

}  // namespace lowp::detail::avx2
