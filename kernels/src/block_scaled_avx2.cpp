// The block-scaled fast path's tile loops built for AVX2 + FMA (chosen at run time by
// block_scaled.cpp): exact block dots by vector FMAs, then the scale product and the addition
// into the binary32 accumulators, eight (binary32 route) or four (TwoSum route) outputs at a
// time. The tests prove them bit-identical to the portable loops and to the definition.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>

#include "block_scaled_tiles.hpp"

namespace lowp::kernels::detail {
namespace {

// Returns RN_binary32(a + t) for binary32 values a and exact binary64 terms t, four lanes (the
// vector twin of add_to_binary32):
//   s = a + t, e = the exact error (TwoSum); when e != 0 and s's last significand bit is 0,
//   step s one unit toward e on the bit pattern (rounding to odd); then one conversion.
inline __m128 add_to_binary32_x4(__m256d a, __m256d t) {
  const __m256d s = _mm256_add_pd(a, t);
  const __m256d bb = _mm256_sub_pd(s, a);
  const __m256d e = _mm256_add_pd(_mm256_sub_pd(a, _mm256_sub_pd(s, bb)), _mm256_sub_pd(t, bb));
  __m256i si = _mm256_castpd_si256(s);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i inexact = _mm256_castpd_si256(_mm256_cmp_pd(e, _mm256_setzero_pd(), _CMP_NEQ_OQ));
  const __m256i even = _mm256_cmpeq_epi64(_mm256_and_si256(si, one), _mm256_setzero_si256());
  const __m256i differ = _mm256_srli_epi64(_mm256_xor_si256(_mm256_castpd_si256(e), si), 63);
  const __m256i delta = _mm256_sub_epi64(one, _mm256_slli_epi64(differ, 1));  // +1 or -1
  si = _mm256_add_epi64(si, _mm256_and_si256(delta, _mm256_and_si256(inexact, even)));
  return _mm256_cvtpd_ps(_mm256_castsi256_pd(si));
}

// Returns the offset of row r of a tile.
template <class T>
inline std::size_t kk_row(const bs_tile<T>& t, int r) {
  return static_cast<std::size_t>(r) * t.lda;
}

// 4 x 16 outputs, binary32 block dots.
void f32_tile(const bs_tile<float>& t) {
  static_assert(bs_rows == 4 && bs_cols32 == 16, "the loops below assume a 4 x 16 tile");
  __m256 acc[4][2];
  for (int r = 0; r < 4; ++r) {
    acc[r][0] = _mm256_loadu_ps(t.acc + r * 16);
    acc[r][1] = _mm256_loadu_ps(t.acc + r * 16 + 8);
  }
  for (std::size_t blk = t.blk0; blk < t.blk1; ++blk) {
    const std::size_t k0 = blk * t.k, k1 = std::min(k0 + t.k, t.K);
    // Named accumulators (an array indexed after the loop would be kept in memory).
    __m256 s00 = _mm256_setzero_ps(), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
           s30 = s00, s31 = s00;
    const float* a0 = t.a + kk_row(t, 0);
    const float* a1 = t.a + kk_row(t, 1);
    const float* a2 = t.a + kk_row(t, 2);
    const float* a3 = t.a + kk_row(t, 3);
    for (std::size_t kk = k0; kk < k1; ++kk) {
      const __m256 b0 = _mm256_loadu_ps(t.b + kk * 16), b1 = _mm256_loadu_ps(t.b + kk * 16 + 8);
      __m256 a = _mm256_broadcast_ss(a0 + kk);
      s00 = _mm256_fmadd_ps(a, b0, s00);
      s01 = _mm256_fmadd_ps(a, b1, s01);
      a = _mm256_broadcast_ss(a1 + kk);
      s10 = _mm256_fmadd_ps(a, b0, s10);
      s11 = _mm256_fmadd_ps(a, b1, s11);
      a = _mm256_broadcast_ss(a2 + kk);
      s20 = _mm256_fmadd_ps(a, b0, s20);
      s21 = _mm256_fmadd_ps(a, b1, s21);
      a = _mm256_broadcast_ss(a3 + kk);
      s30 = _mm256_fmadd_ps(a, b0, s30);
      s31 = _mm256_fmadd_ps(a, b1, s31);
    }
    const __m256 s[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};
    if (t.fast && t.fast[blk]) {  // T = S * (s_A s_B) and acc + T, all in binary32 (IEEE)
      const __m256 sb0 = _mm256_loadu_ps(t.sb32 + blk * 16);
      const __m256 sb1 = _mm256_loadu_ps(t.sb32 + blk * 16 + 8);
      for (int r = 0; r < 4; ++r) {
        const __m256 sa = _mm256_broadcast_ss(t.sa32 + r * t.nb + blk);
        acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_mul_ps(s[r][0], _mm256_mul_ps(sa, sb0)));
        acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_mul_ps(s[r][1], _mm256_mul_ps(sa, sb1)));
      }
      continue;
    }
    for (int r = 0; r < 4; ++r) {
      const __m256d sa = _mm256_broadcast_sd(t.sa + r * t.nb + blk);
      for (int h = 0; h < 2; ++h) {
        const __m128 lo4[2] = {_mm256_castps256_ps128(s[r][h]), _mm256_extractf128_ps(s[r][h], 1)};
        const __m128 acc4[2] = {_mm256_castps256_ps128(acc[r][h]),
                                _mm256_extractf128_ps(acc[r][h], 1)};
        __m128 res[2];
        for (int q = 0; q < 2; ++q) {
          const __m256d p = _mm256_mul_pd(sa, _mm256_loadu_pd(t.sb + blk * 16 + h * 8 + q * 4));
          const __m256d term = _mm256_mul_pd(_mm256_cvtps_pd(lo4[q]), p);
          res[q] = add_to_binary32_x4(_mm256_cvtps_pd(acc4[q]), term);
        }
        acc[r][h] = _mm256_insertf128_ps(_mm256_castps128_ps256(res[0]), res[1], 1);
      }
    }
  }
  for (int r = 0; r < 4; ++r) {
    _mm256_storeu_ps(t.acc + r * 16, acc[r][0]);
    _mm256_storeu_ps(t.acc + r * 16 + 8, acc[r][1]);
  }
}

// 4 x 8 outputs, binary64 block dots.
void f64_tile(const bs_tile<double>& t) {
  static_assert(bs_rows == 4 && bs_cols64 == 8, "the loops below assume a 4 x 8 tile");
  __m128 acc[4][2];
  for (int r = 0; r < 4; ++r) {
    acc[r][0] = _mm_loadu_ps(t.acc + r * 8);
    acc[r][1] = _mm_loadu_ps(t.acc + r * 8 + 4);
  }
  for (std::size_t blk = t.blk0; blk < t.blk1; ++blk) {
    const std::size_t k0 = blk * t.k, k1 = std::min(k0 + t.k, t.K);
    __m256d s00 = _mm256_setzero_pd(), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
            s30 = s00, s31 = s00;
    const double* a0 = t.a + kk_row(t, 0);
    const double* a1 = t.a + kk_row(t, 1);
    const double* a2 = t.a + kk_row(t, 2);
    const double* a3 = t.a + kk_row(t, 3);
    for (std::size_t kk = k0; kk < k1; ++kk) {
      const __m256d b0 = _mm256_loadu_pd(t.b + kk * 8), b1 = _mm256_loadu_pd(t.b + kk * 8 + 4);
      __m256d a = _mm256_broadcast_sd(a0 + kk);
      s00 = _mm256_fmadd_pd(a, b0, s00);
      s01 = _mm256_fmadd_pd(a, b1, s01);
      a = _mm256_broadcast_sd(a1 + kk);
      s10 = _mm256_fmadd_pd(a, b0, s10);
      s11 = _mm256_fmadd_pd(a, b1, s11);
      a = _mm256_broadcast_sd(a2 + kk);
      s20 = _mm256_fmadd_pd(a, b0, s20);
      s21 = _mm256_fmadd_pd(a, b1, s21);
      a = _mm256_broadcast_sd(a3 + kk);
      s30 = _mm256_fmadd_pd(a, b0, s30);
      s31 = _mm256_fmadd_pd(a, b1, s31);
    }
    const __m256d s[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};
    const __m256d sb0 = _mm256_loadu_pd(t.sb + blk * 8), sb1 = _mm256_loadu_pd(t.sb + blk * 8 + 4);
    for (int r = 0; r < 4; ++r) {
      const __m256d sa = _mm256_broadcast_sd(t.sa + r * t.nb + blk);
      acc[r][0] = add_to_binary32_x4(_mm256_cvtps_pd(acc[r][0]),
                                     _mm256_mul_pd(s[r][0], _mm256_mul_pd(sa, sb0)));
      acc[r][1] = add_to_binary32_x4(_mm256_cvtps_pd(acc[r][1]),
                                     _mm256_mul_pd(s[r][1], _mm256_mul_pd(sa, sb1)));
    }
  }
  for (int r = 0; r < 4; ++r) {
    _mm_storeu_ps(t.acc + r * 8, acc[r][0]);
    _mm_storeu_ps(t.acc + r * 8 + 4, acc[r][1]);
  }
}

}  // namespace

bs_loops bs_loops_avx2() { return {&f32_tile, &f64_tile}; }

}  // namespace lowp::kernels::detail
