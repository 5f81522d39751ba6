// Builds the array blocks for AVX2 (x86-64-v3), hand-written with intrinsics; chosen at run time
// by a CPU check. Same contract and same bits as array_fast.inc (the portable version), which
// documents the method; the tests run both. Self-contained: includes no lowp header, so no inline
// lowp function is compiled here for AVX2 (the linker could pick it for a generic caller).
//
// The intrinsics use what C++ shifts cannot: vpsrlvq / vpsllvq give 0 for counts >= 64, so a
// value far below the quantum needs no clamp (kept = 0, half = 0, low mask = all ones).

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "array_fast.hpp"

namespace lowp::detail::avx2 {
namespace {

inline __m256i set1(std::uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }

// 64-bit lane-wise multiply, low half (AVX2 has only 32x32->64).
inline __m256i mullo64(__m256i a, __m256i b) {
  const __m256i lo = _mm256_mul_epu32(a, b);
  const __m256i a_hi = _mm256_srli_epi64(a, 32);
  const __m256i b_hi = _mm256_srli_epi64(b, 32);
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a_hi, b), _mm256_mul_epu32(a, b_hi));
  return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}

// SplitMix64's output function on four lanes.
inline __m256i mix(__m256i z) {
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 30));
  z = mullo64(z, set1(0xbf58476d1ce4e5b9ULL));
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 27));
  z = mullo64(z, set1(0x94d049bb133111ebULL));
  return _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
}

// Unsigned a < b on 64-bit lanes.
inline __m256i less_u64(__m256i a, __m256i b) {
  const __m256i bias = set1(0x8000000000000000ULL);
  return _mm256_cmpgt_epi64(_mm256_xor_si256(b, bias), _mm256_xor_si256(a, bias));
}

template <class T>
inline __m256d load4(const T* p) {
  if constexpr (sizeof(T) == 8) return _mm256_loadu_pd(reinterpret_cast<const double*>(p));
  else return _mm256_cvtps_pd(_mm_loadu_ps(reinterpret_cast<const float*>(p)));
}
template <class T>
inline void store4(T* p, __m256d v) {
  if constexpr (sizeof(T) == 8) _mm256_storeu_pd(reinterpret_cast<double*>(p), v);
  else _mm_storeu_ps(reinterpret_cast<float*>(p), _mm256_cvtpd_ps(v));
}

template <class T, int Mode>
void block(const T* in, T* out, std::size_t n, const fast_params& p, std::uint64_t index0,
           std::uint64_t* slow, std::uint64_t* counts) {
  const __m256i abs_mask = set1(0x7fffffffffffffffULL);
  const __m256i frac_mask = set1(0x000fffffffffffffULL);
  const __m256i implicit = set1(0x0010000000000000ULL);
  const __m256i one = set1(1);
  const __m256i all = set1(~0ULL);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i min_normal = set1(static_cast<std::uint64_t>(p.emin + 1023) << 52);
  const __m256i below_min = set1(static_cast<std::uint64_t>(p.emin - 1 + 1023) << 52);
  const __m256i emin_field = set1(static_cast<std::uint64_t>(p.emin + 1023));
  const __m256i sh_normal = set1(static_cast<std::uint64_t>(52 - p.m));
  const __m256i q_offset = set1(static_cast<std::uint64_t>(p.m) << 52);
  const __m256i largest = set1(p.largest_bits);
  const __m256i max_finite64 = set1(0x7fefffffffffffffULL);
  const __m256i min_normal64 = set1(0x0010000000000000ULL);
  const __m256i magic = set1(0x4330000000000000ULL);
  const __m256d magic_d = _mm256_set1_pd(0x1p52);
  const __m256i zero_sign = p.negative_zero ? all : zero;
  const __m256d overflow_pos = _mm256_castsi256_pd(set1(p.overflow_pos_bits));
  const __m256d overflow_neg = _mm256_castsi256_pd(set1(p.overflow_neg_bits));
  const __m256i neg_slow = p.is_signed ? zero : all;
  const __m256i tiny_slow = p.subnormals_fast ? zero : all;
  const __m256i drop = set1(static_cast<std::uint64_t>(64 - p.rbits));
  // The generator's counter key + (index + 1) * golden, advanced by 4 * golden per step.
  const std::uint64_t c0 = p.key + (index0 + 1) * 0x9e3779b97f4a7c15ULL;
  const std::uint64_t g1 = 0x9e3779b97f4a7c15ULL;
  __m256i counter = _mm256_setr_epi64x(static_cast<long long>(c0), static_cast<long long>(c0 + g1),
                                       static_cast<long long>(c0 + 2 * g1),
                                       static_cast<long long>(c0 + 3 * g1));
  const __m256i step = set1(4 * g1);
  __m256i acc_exact_or_slow = zero, acc_underflow = zero, acc_flushed = zero, acc_slow = zero;
  __m256i acc_ovf_pos = zero, acc_ovf_neg = zero;

  std::uint64_t slow_word = 0;  // bit i % 64 of slow[i / 64]
  for (std::size_t w = 0; w < (n + 63) / 64; ++w) slow[w] = 0;
  std::size_t i = 0;
  // The common case gets a short path: when all four inputs lie in [2^emin, largest] (so no
  // tininess, no overflow, no special value) rounding is add-and-mask on the binary64 pattern,
  // with carries into the exponent field doing the binade change.
  const bool short_path = p.is_signed;
  const __m256i low_c = set1((std::uint64_t{1} << (52 - p.m)) - 1);
  const __m256i unit_c = set1(std::uint64_t{1} << (52 - p.m));
  const __m256i half_c = set1(std::uint64_t{1} << (51 - p.m));
  const __m256i half_m1_c = set1((std::uint64_t{1} << (51 - p.m)) - 1);
  const __m256i frac_shift_c = set1(static_cast<std::uint64_t>(12 + p.m));  // 64 - (52 - m)
  for (; i + 4 <= n; i += 4) {
    const __m256i b = _mm256_castpd_si256(load4(in + i));
    const __m256i mag = _mm256_and_si256(b, abs_mask);
    const __m256i sign = _mm256_andnot_si256(abs_mask, b);
    if (short_path) {
      const __m256i outside = _mm256_or_si256(_mm256_cmpgt_epi64(min_normal, mag),
                                              _mm256_cmpgt_epi64(mag, largest));
      if (_mm256_testz_si256(outside, outside)) {
        const __m256i below = _mm256_and_si256(mag, low_c);
        const __m256i exact_c = _mm256_cmpeq_epi64(below, zero);
        const __m256i trunc = _mm256_andnot_si256(low_c, mag);
        __m256i res;
        if constexpr (Mode == 0) {
          const __m256i lsb = _mm256_and_si256(_mm256_srlv_epi64(mag, sh_normal), one);
          res = _mm256_andnot_si256(
              low_c, _mm256_add_epi64(mag, _mm256_add_epi64(half_m1_c, lsb)));
        } else if constexpr (Mode == 1) {
          res = _mm256_andnot_si256(low_c, _mm256_add_epi64(mag, half_c));
        } else if constexpr (Mode == 2) {
          res = _mm256_andnot_si256(low_c, _mm256_add_epi64(mag, half_m1_c));
        } else if constexpr (Mode == 3 || Mode == 4) {
          const __m256i neg = _mm256_cmpgt_epi64(zero, b);
          const __m256i away = Mode == 3 ? _mm256_xor_si256(neg, all) : neg;
          res = _mm256_add_epi64(trunc, _mm256_and_si256(_mm256_andnot_si256(exact_c, away), unit_c));
        } else if constexpr (Mode == 5) {
          res = trunc;
        } else if constexpr (Mode == 6) {
          res = _mm256_or_si256(trunc, _mm256_andnot_si256(exact_c, unit_c));
        } else {
          const __m256i rnd = mix(counter);
          counter = _mm256_add_epi64(counter, step);
          __m256i up;
          if constexpr (Mode == 7) {
            const __m256i frac = _mm256_sllv_epi64(below, frac_shift_c);
            up = less_u64(_mm256_srlv_epi64(rnd, drop), _mm256_srlv_epi64(frac, drop));
          } else {
            up = _mm256_andnot_si256(exact_c, _mm256_cmpgt_epi64(zero, rnd));
          }
          res = _mm256_add_epi64(trunc, _mm256_and_si256(up, unit_c));
        }
        store4(out + i, _mm256_castsi256_pd(_mm256_or_si256(res, sign)));
        acc_exact_or_slow = _mm256_sub_epi64(acc_exact_or_slow, exact_c);
        if ((i & 63) == 60) {
          slow[i >> 6] = slow_word;
          slow_word = 0;
        }
        continue;
      }
    }
    const __m256i field = _mm256_srli_epi64(mag, 52);
    const __m256i tiny = _mm256_cmpgt_epi64(min_normal, mag);
    // Extra shift below the normal range: emin_field - field where tiny, else 0.
    const __m256i extra = _mm256_and_si256(_mm256_sub_epi64(emin_field, field), tiny);
    const __m256i sh = _mm256_add_epi64(extra, sh_normal);
    const __m256i is_zero = _mm256_cmpeq_epi64(mag, zero);
    // A zero input has sig = 0: exact, r = 0 in every mode.
    const __m256i sig =
        _mm256_or_si256(_mm256_and_si256(mag, frac_mask), _mm256_andnot_si256(is_zero, implicit));
    const __m256i unit = _mm256_sllv_epi64(one, sh);            // quantum in sig units (0 if >= 64)
    const __m256i low = _mm256_add_epi64(unit, all);            // bits below the quantum
    const __m256i exact = _mm256_cmpeq_epi64(_mm256_and_si256(sig, low), zero);
    const __m256i kept = _mm256_srlv_epi64(sig, sh);
    __m256i r;
    if constexpr (Mode <= 6) {
      const __m256i half = _mm256_srli_epi64(unit, 1);
      const __m256i neg = _mm256_srli_epi64(sign, 63);
      if constexpr (Mode == 0) {  // sig + half - 1 + lsb(kept)
        const __m256i add = _mm256_add_epi64(_mm256_add_epi64(half, all),
                                             _mm256_and_si256(kept, one));
        r = _mm256_srlv_epi64(_mm256_add_epi64(sig, add), sh);
      } else if constexpr (Mode == 1) {
        r = _mm256_srlv_epi64(_mm256_add_epi64(sig, half), sh);
      } else if constexpr (Mode == 2) {
        r = _mm256_srlv_epi64(_mm256_add_epi64(sig, _mm256_add_epi64(half, all)), sh);
      } else if constexpr (Mode == 3 || Mode == 4) {
        // Away from zero when inexact and (up: positive, down: negative).
        const __m256i away = Mode == 3 ? _mm256_cmpeq_epi64(neg, zero) : _mm256_cmpeq_epi64(neg, one);
        r = _mm256_sub_epi64(kept, _mm256_andnot_si256(exact, away));
      } else if constexpr (Mode == 5) {
        r = kept;
      } else {
        r = _mm256_or_si256(kept, _mm256_andnot_si256(exact, one));
      }
    } else {
      // First 64 bits of the fraction: sig << (64 - sh) for sh <= 64, sig >> (sh - 64) beyond.
      const __m256i s64 = set1(64);
      const __m256i frac = _mm256_or_si256(_mm256_sllv_epi64(sig, _mm256_sub_epi64(s64, sh)),
                                           _mm256_srlv_epi64(sig, _mm256_sub_epi64(sh, s64)));
      const __m256i rnd = mix(counter);
      __m256i up;
      if constexpr (Mode == 7) {
        up = less_u64(_mm256_srlv_epi64(rnd, drop), _mm256_srlv_epi64(frac, drop));
      } else {
        up = _mm256_andnot_si256(exact, _mm256_cmpgt_epi64(zero, rnd));  // top bit set
      }
      r = _mm256_sub_epi64(kept, up);
      counter = _mm256_add_epi64(counter, step);
    }
    // value = r * 2^q, exact; 2^q = (max(field, emin_field) - m) << 52.
    const __m256d rd = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(r, magic)), magic_d);
    const __m256i qexp = _mm256_sub_epi64(
        _mm256_blendv_epi8(_mm256_slli_epi64(field, 52), min_normal, tiny), q_offset);
    const __m256i vmag = _mm256_castpd_si256(_mm256_mul_pd(rd, _mm256_castsi256_pd(qexp)));
    const __m256i r_zero = _mm256_cmpeq_epi64(r, zero);
    const __m256i vb = _mm256_or_si256(vmag, _mm256_and_si256(sign, _mm256_or_si256(zero_sign,
                                                                          _mm256_xor_si256(r_zero, all))));
    // Overflow: the result depends only on the sign (precomputed for the mode and format).
    const __m256i ovf = _mm256_cmpgt_epi64(vmag, largest);
    // Slow: NaN/inf, binary64 subnormal inputs, tininess that depends on rounding, format-level
    // cases. Zeros stay: r = 0 and the sign rule above give the right signed zero.
    __m256i s = _mm256_or_si256(
        _mm256_cmpgt_epi64(mag, max_finite64),
        _mm256_andnot_si256(is_zero, _mm256_cmpgt_epi64(min_normal64, mag)));
    const __m256i near_min = _mm256_andnot_si256(_mm256_cmpgt_epi64(below_min, mag), tiny);
    s = _mm256_or_si256(s, _mm256_andnot_si256(_mm256_or_si256(exact, ovf), near_min));
    s = _mm256_or_si256(s, _mm256_and_si256(tiny, tiny_slow));
    s = _mm256_or_si256(s, _mm256_and_si256(_mm256_cmpgt_epi64(zero, b), neg_slow));
    const __m256d ovf_value = _mm256_blendv_pd(overflow_pos, overflow_neg, _mm256_castsi256_pd(b));
    const __m256d fin = _mm256_blendv_pd(_mm256_castsi256_pd(vb), ovf_value,
                                         _mm256_castsi256_pd(ovf));
    const __m256d res = _mm256_blendv_pd(fin, _mm256_castsi256_pd(b), _mm256_castsi256_pd(s));
    store4(out + i, res);
    slow_word |= static_cast<std::uint64_t>(_mm256_movemask_pd(_mm256_castsi256_pd(s)))
                 << (i & 63);
    if ((i & 63) == 60) {
      slow[i >> 6] = slow_word;
      slow_word = 0;
    }
    // Exact: on the grid and not overflowing, or a zero input.
    const __m256i exact_or_slow = _mm256_or_si256(_mm256_andnot_si256(ovf, exact), s);
    acc_exact_or_slow = _mm256_sub_epi64(acc_exact_or_slow, exact_or_slow);
    acc_underflow = _mm256_sub_epi64(acc_underflow, _mm256_andnot_si256(exact_or_slow, tiny));
    acc_flushed = _mm256_sub_epi64(
        acc_flushed, _mm256_andnot_si256(_mm256_or_si256(s, is_zero), r_zero));
    const __m256i ovf_fine = _mm256_andnot_si256(s, ovf);
    acc_ovf_neg = _mm256_sub_epi64(acc_ovf_neg, _mm256_and_si256(ovf_fine, _mm256_cmpgt_epi64(zero, b)));
    acc_ovf_pos = _mm256_sub_epi64(acc_ovf_pos, ovf_fine);
    acc_slow = _mm256_sub_epi64(acc_slow, s);
  }
  std::uint64_t lanes[4];
  std::uint64_t exact_or_slow = 0, underflow = 0, flushed = 0, nslow = 0, ovf_all = 0, ovf_neg = 0;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc_exact_or_slow);
  for (std::uint64_t v : lanes) exact_or_slow += v;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc_underflow);
  for (std::uint64_t v : lanes) underflow += v;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc_flushed);
  for (std::uint64_t v : lanes) flushed += v;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc_slow);
  for (std::uint64_t v : lanes) nslow += v;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc_ovf_pos);
  for (std::uint64_t v : lanes) ovf_all += v;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc_ovf_neg);
  for (std::uint64_t v : lanes) ovf_neg += v;
  counts[4] += ovf_all - ovf_neg;
  counts[5] += ovf_neg;
  counts[0] += i - exact_or_slow;
  counts[1] += underflow;
  counts[2] += flushed;
  // The tail (< 4 elements) goes to the scalar kernel.
  counts[3] += nslow + (n - i);
  if (i & 63) slow[i >> 6] = slow_word;
  for (; i < n; ++i) {
    out[i] = in[i];
    slow[i >> 6] |= std::uint64_t{1} << (i & 63);
  }
}

template <class T>
void dispatch(const T* in, T* out, std::size_t n, const fast_params& p, std::uint64_t index0,
              std::uint64_t* slow, std::uint64_t* counts) {
  switch (p.mode) {
    case 0: block<T, 0>(in, out, n, p, index0, slow, counts); break;
    case 1: block<T, 1>(in, out, n, p, index0, slow, counts); break;
    case 2: block<T, 2>(in, out, n, p, index0, slow, counts); break;
    case 3: block<T, 3>(in, out, n, p, index0, slow, counts); break;
    case 4: block<T, 4>(in, out, n, p, index0, slow, counts); break;
    case 5: block<T, 5>(in, out, n, p, index0, slow, counts); break;
    case 6: block<T, 6>(in, out, n, p, index0, slow, counts); break;
    case 7: block<T, 7>(in, out, n, p, index0, slow, counts); break;
    default: block<T, 8>(in, out, n, p, index0, slow, counts); break;
  }
}

}  // namespace

void fast_block(const double* in, double* out, std::size_t n, const fast_params& p,
                std::uint64_t index0, std::uint64_t* slow, std::uint64_t* counts) {
  dispatch(in, out, n, p, index0, slow, counts);
}
void fast_block(const float* in, float* out, std::size_t n, const fast_params& p,
                std::uint64_t index0, std::uint64_t* slow, std::uint64_t* counts) {
  dispatch(in, out, n, p, index0, slow, counts);
}

}  // namespace lowp::detail::avx2
