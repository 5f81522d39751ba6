// The fast kernels' inner loops built for AVX2 + FMA (chosen at run time by fast.cpp): the
// portable loops of fast_tiles.inc, and hand-vectorised versions of the two hot loops that the
// tests prove bit-identical to them (and to the definition).
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "fast_tiles.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"

namespace lowp::kernels::detail {
namespace avx2 {
#include "fast_tiles.inc"

static_assert(tile_rows == 4 && tile_cols == 16, "the vector loops below assume a 4 x 16 tile");

// binary32 accumulation of a 4 x 16 tile: 8 vector accumulators, two panel loads and four
// broadcasts per k. Unfused: the product is rounded to binary32 first (a separate multiply).
template <bool Unfused>
void native_4x16(const native_tile& t) {
  __m256 c[4][2];
  for (auto& row : c) row[0] = row[1] = _mm256_setzero_ps();
  for (std::size_t k = t.k0; k < t.k1; ++k) {
    const __m256 b0 = _mm256_loadu_ps(t.b + k * 16), b1 = _mm256_loadu_ps(t.b + k * 16 + 8);
    for (int r = 0; r < 4; ++r) {
      const __m256 a = _mm256_broadcast_ss(t.a + r * t.lda + k);
      if constexpr (Unfused) {
        c[r][0] = _mm256_add_ps(c[r][0], _mm256_mul_ps(a, b0));
        c[r][1] = _mm256_add_ps(c[r][1], _mm256_mul_ps(a, b1));
      } else {
        c[r][0] = _mm256_fmadd_ps(a, b0, c[r][0]);
        c[r][1] = _mm256_fmadd_ps(a, b1, c[r][1]);
      }
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int h = 0; h < 2; ++h) {
      _mm256_storeu_pd(t.out + r * 16 + h * 8, _mm256_cvtps_pd(_mm256_castps256_ps128(c[r][h])));
      _mm256_storeu_pd(t.out + r * 16 + h * 8 + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(c[r][h], 1)));
    }
}

void run_native_vec(const native_tile& t) {
  if (t.unfused) native_4x16<true>(t);
  else native_4x16<false>(t);
}

// x * c mod 2^64 for four lanes (AVX2 has no 64-bit multiply): lo*lo + ((hi*lo + lo*hi) << 32).
inline __m256i mul64(__m256i x, std::uint64_t c) {
  const __m256i cl = _mm256_set1_epi64x(static_cast<long long>(c & 0xffffffffULL));
  const __m256i ch = _mm256_set1_epi64x(static_cast<long long>(c >> 32));
  const __m256i lo = _mm256_mul_epu32(x, cl);
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(x, 32), cl),
                                         _mm256_mul_epu32(x, ch));
  return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}

// lowp::mix64 on four lanes.
inline __m256i mix64v(__m256i z) {
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 30));
  z = mul64(z, 0xbf58476d1ce4e5b9ULL);
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 27));
  z = mul64(z, 0x94d049bb133111ebULL);
  return _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
}

// The lanes loop of fast_tiles.inc, four lanes per vector, four vectors per row of 16.
template <lane_mode Mode>
void lanes_16(const lane_tile& t) {
  const int shift = 52 - t.f->mantissa_bits;
  const __m128i vshift = _mm_cvtsi32_si128(shift);
  const __m128i vfrac = _mm_cvtsi32_si128(64 - shift);
  const __m128i vdrop = _mm_cvtsi32_si128(64 - t.rbits);
  const auto lm = static_cast<long long>((std::uint64_t{1} << shift) - 1);
  const __m256i low_mask = _mm256_set1_epi64x(lm);
  const __m256i quantum = _mm256_set1_epi64x(lm + 1);
  const __m256i half_m1 = _mm256_set1_epi64x(static_cast<long long>((std::uint64_t{1} << (shift - 1)) - 1));
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i sign_bit = _mm256_set1_epi64x(static_cast<long long>(0x8000000000000000ULL));
  const __m256i min_normal =
      _mm256_set1_epi64x(static_cast<long long>(std::bit_cast<std::uint64_t>(t.f->smallest_normal())));
  const __m256i largest =
      _mm256_set1_epi64x(static_cast<long long>(std::bit_cast<std::uint64_t>(t.f->largest())));
  // Four rows of four vectors: 16 independent chains hide the latency of one step.
  __m256d acc[16];
  for (auto& v : acc) v = _mm256_setzero_pd();
  for (std::size_t k = t.k0; k < t.k1; ++k) {
    const double* bk = t.b + k * 16;
    const std::uint64_t stepc = (k + 1) * 0x9e3779b97f4a7c15ULL;
    const __m256i stepv = _mm256_set1_epi64x(static_cast<long long>(stepc));
    for (int row = 0; row < 4; ++row) {  // one row (4 vectors) at a time: few live registers
    const __m256d a = _mm256_broadcast_sd(t.a + row * t.lda + k);
    __m256d next[4];
    __m256i bad[4];
    __m256i bad_any = zero;
    for (int col = 0; col < 4; ++col) {
      const int v = row * 4 + col;
      const __m256d b = _mm256_loadu_pd(bk + 4 * col);
      const __m256d p = _mm256_mul_pd(a, b);
      const __m256d s = _mm256_add_pd(p, acc[v]);
      const __m256d bb = _mm256_sub_pd(s, p);
      const __m256d e = _mm256_add_pd(_mm256_sub_pd(p, _mm256_sub_pd(s, bb)), _mm256_sub_pd(acc[v], bb));
      // Round s to odd by e: |x| > |s|: s | 1; |x| < |s|: (s - 1 ulp) | 1 (bits of the magnitude).
      __m256i sb = _mm256_castpd_si256(s);
      const __m256i eb = _mm256_castpd_si256(e);
      const __m256i nz1 = _mm256_and_si256(
          _mm256_castpd_si256(_mm256_cmp_pd(e, _mm256_setzero_pd(), _CMP_NEQ_OQ)), one);
      const __m256i opposite = _mm256_cmpgt_epi64(zero, _mm256_xor_si256(sb, eb));
      sb = _mm256_or_si256(_mm256_sub_epi64(sb, _mm256_and_si256(opposite, nz1)), nz1);
      const __m256i sign = _mm256_and_si256(sb, sign_bit);
      const __m256i mag = _mm256_xor_si256(sb, sign);
      __m256i r;
      if constexpr (Mode == lane_mode::rne) {
        const __m256i odd = _mm256_and_si256(_mm256_srl_epi64(mag, vshift), one);
        r = _mm256_andnot_si256(low_mask, _mm256_add_epi64(_mm256_add_epi64(mag, half_m1), odd));
      } else if constexpr (Mode == lane_mode::rz) {
        r = _mm256_andnot_si256(low_mask, mag);
      } else {
        const __m256i key = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.keys + 4 * v));
        const __m256i rnd = mix64v(_mm256_add_epi64(key, stepv));
        const __m256i frac = _mm256_sll_epi64(mag, vfrac);
        const __m256i up = _mm256_cmpgt_epi64(_mm256_srl_epi64(frac, vdrop), _mm256_srl_epi64(rnd, vdrop));
        r = _mm256_add_epi64(_mm256_andnot_si256(low_mask, mag), _mm256_and_si256(up, quantum));
      }
      // Below the smallest normal, or above the largest value after rounding (which also
      // catches inf and NaN): redo exactly. |s_odd| >= 2^(emax+1) rounds to r > largest.
      bad[col] = _mm256_or_si256(_mm256_cmpgt_epi64(min_normal, mag), _mm256_cmpgt_epi64(r, largest));
      bad_any = _mm256_or_si256(bad_any, bad[col]);
      next[col] = _mm256_castsi256_pd(_mm256_or_si256(r, sign));
    }
    if (_mm256_testz_si256(bad_any, bad_any)) {
      for (int col = 0; col < 4; ++col) acc[row * 4 + col] = next[col];
      continue;
    }
    for (int col = 0; col < 4; ++col) {
      const int v = row * 4 + col;
      alignas(32) double old[4], nw[4];
      alignas(32) std::int64_t flag[4];
      _mm256_store_pd(old, acc[v]);
      _mm256_store_pd(nw, next[col]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(flag), bad[col]);
      for (int l = 0; l < 4; ++l) {
        if (!flag[l]) continue;
        const int c = 4 * col + l;
        const std::uint64_t w = Mode == lane_mode::sr ? lowp::mix64(t.keys[row * 16 + c] + stepc) : 0;
        nw[l] = lowp::fma(t.a[row * t.lda + k], bk[c], old[l], *t.f, t.rounding_mode, w, t.rbits).value;
      }
      acc[v] = _mm256_load_pd(nw);
    }
    }
  }
  for (int v = 0; v < 16; ++v) _mm256_storeu_pd(t.out + 4 * v, acc[v]);
}

// The binary32 lanes loop of fast_tiles.inc, eight lanes per vector, 4 rows x 2 vectors.
template <lane_mode Mode>
void lanes32_4x16(const lane32_tile& t) {
  const int shift = 23 - t.f->mantissa_bits;
  const __m128i vshift = _mm_cvtsi32_si128(shift);
  const auto lm = static_cast<int>((1u << shift) - 1);
  const __m256i low_mask = _mm256_set1_epi32(lm);
  const __m256i half_m1 = _mm256_set1_epi32(static_cast<int>((1u << (shift - 1)) - 1));
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i sign_bit = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i min_normal = _mm256_set1_epi32(
      static_cast<int>(std::bit_cast<std::uint32_t>(static_cast<float>(t.f->smallest_normal()))));
  const __m256i largest = _mm256_set1_epi32(
      static_cast<int>(std::bit_cast<std::uint32_t>(static_cast<float>(t.f->largest()))));
  __m256 acc[8];
  for (auto& v : acc) v = _mm256_setzero_ps();
  for (std::size_t k = t.k0; k < t.k1; ++k) {
    const float* bk = t.b + k * 16;
    const __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
    for (int row = 0; row < 4; ++row) {
      const __m256 a = _mm256_broadcast_ss(t.a + row * t.lda + k);
      __m256 next[2];
      __m256i bad[2];
      for (int h = 0; h < 2; ++h) {
        const int v = row * 2 + h;
        const __m256 p = _mm256_mul_ps(a, h ? b1 : b0);
        const __m256 s = _mm256_add_ps(p, acc[v]);
        const __m256 bb = _mm256_sub_ps(s, p);
        const __m256 e = _mm256_add_ps(_mm256_sub_ps(p, _mm256_sub_ps(s, bb)), _mm256_sub_ps(acc[v], bb));
        __m256i sb = _mm256_castps_si256(s);
        const __m256i eb = _mm256_castps_si256(e);
        const __m256i nz1 = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_NEQ_OQ)), one);
        const __m256i opposite = _mm256_cmpgt_epi32(zero, _mm256_xor_si256(sb, eb));
        sb = _mm256_or_si256(_mm256_sub_epi32(sb, _mm256_and_si256(opposite, nz1)), nz1);
        const __m256i sign = _mm256_and_si256(sb, sign_bit);
        const __m256i mag = _mm256_xor_si256(sb, sign);
        __m256i r;
        if constexpr (Mode == lane_mode::rne) {
          const __m256i odd = _mm256_and_si256(_mm256_srl_epi32(mag, vshift), one);
          r = _mm256_andnot_si256(low_mask, _mm256_add_epi32(_mm256_add_epi32(mag, half_m1), odd));
        } else {
          r = _mm256_andnot_si256(low_mask, mag);
        }
        // mag and r are below 2^31 (NaN magnitudes included): signed compares are unsigned ones.
        bad[h] = _mm256_or_si256(_mm256_cmpgt_epi32(min_normal, mag), _mm256_cmpgt_epi32(r, largest));
        next[h] = _mm256_castsi256_ps(_mm256_or_si256(r, sign));
      }
      const __m256i bad_any = _mm256_or_si256(bad[0], bad[1]);
      if (_mm256_testz_si256(bad_any, bad_any)) {
        acc[row * 2] = next[0];
        acc[row * 2 + 1] = next[1];
        continue;
      }
      for (int h = 0; h < 2; ++h) {
        alignas(32) float old[8], nw[8];
        alignas(32) std::int32_t flag[8];
        _mm256_store_ps(old, acc[row * 2 + h]);
        _mm256_store_ps(nw, next[h]);
        _mm256_store_si256(reinterpret_cast<__m256i*>(flag), bad[h]);
        for (int l = 0; l < 8; ++l) {
          if (!flag[l]) continue;
          nw[l] = static_cast<float>(lowp::fma(static_cast<double>(t.a[row * t.lda + k]),
                                               static_cast<double>(bk[h * 8 + l]),
                                               static_cast<double>(old[l]), *t.f, t.rounding_mode)
                                         .value);
        }
        acc[row * 2 + h] = _mm256_load_ps(nw);
      }
    }
  }
  for (int row = 0; row < 4; ++row)
    for (int h = 0; h < 2; ++h) {
      _mm256_storeu_pd(t.out + row * 16 + h * 8, _mm256_cvtps_pd(_mm256_castps256_ps128(acc[row * 2 + h])));
      _mm256_storeu_pd(t.out + row * 16 + h * 8 + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(acc[row * 2 + h], 1)));
    }
}

void run_lanes32_vec(const lane32_tile& t) {
  if (t.mode == lane_mode::rne) lanes32_4x16<lane_mode::rne>(t);
  else lanes32_4x16<lane_mode::rz>(t);
}

void run_lanes_vec(const lane_tile& t) {
  switch (t.mode) {
    case lane_mode::rne: lanes_16<lane_mode::rne>(t); break;
    case lane_mode::rz: lanes_16<lane_mode::rz>(t); break;
    case lane_mode::sr: lanes_16<lane_mode::sr>(t); break;
  }
}

}  // namespace avx2

tile_loops tile_loops_avx2() {
  return {&avx2::run_native_vec, &avx2::run_lanes_vec, &avx2::run_lanes32_vec};
}

}  // namespace lowp::kernels::detail
