// Implements array rounding on top of the scalar kernel, in parallel chunks whose results depend
// only on each element's value and global index.
#include "lowp/array.hpp"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>


#include "array_fast.hpp"
#include "parallel_chunks.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

namespace lowp {

array_counters& array_counters::operator+=(const array_counters& o) noexcept {
  inexact += o.inexact;
  underflow += o.underflow;
  overflow += o.overflow;
  invalid += o.invalid;
  saturated += o.saturated;
  nan_created += o.nan_created;
  flushed += o.flushed;
  return *this;
}

namespace {

void check(const format& f, const round_options& opt, bool binary32) {
  if (const std::string why = f.validate(); !why.empty()) throw format_error(why);
  if (binary32 ? !f.fits_binary32() : !f.fits_binary64())
    throw format_error("format " + to_string(f) + " is wider than binary" +
                       (binary32 ? "32" : "64") + " storage");
  if (opt.rbits < 1 || opt.rbits > 64) throw format_error("rbits must be 1..64");
}

// True when the vectorised blocks serve f: gradual underflow or not, but a format whose values
// and subnormal quanta are binary64 normals and whose significands leave room for the 2^52 trick.
bool fast_eligible(const format& f) {
  return f.fits_binary64() && f.mantissa_bits <= 50 && f.emin() - f.mantissa_bits >= -1022 &&
         f.emax() <= 1023 - f.mantissa_bits;
}

detail::fast_params fast_params_for(const format& f, const round_options& opt) {
  detail::fast_params p{};
  p.m = f.mantissa_bits;
  p.emin = f.emin();
  p.largest_bits = std::bit_cast<std::uint64_t>(f.largest());
  p.negative_zero = f.has_negative_zero();
  p.is_signed = f.is_signed;
  p.subnormals_fast = f.subnormals == subnormal_mode::on && f.has_zero && !f.daz;
  p.mode = static_cast<int>(opt.mode);
  p.rbits = opt.rbits;
  p.key = random_stream(opt.seed, opt.stream).key;
  p.overflow_pos_bits = std::bit_cast<std::uint64_t>(detail::overflow_result(f, opt.mode, false).value);
  p.overflow_neg_bits = std::bit_cast<std::uint64_t>(detail::overflow_result(f, opt.mode, true).value);
  return p;
}

enum class blocks { avx2, generic, scalar };

// Chooses the block implementation once: AVX2 where the CPU has it, else the portable build.
// LOWP_ARRAY_BLOCKS=generic|scalar forces one (the tests run every choice).
blocks chosen_blocks() {
  static const blocks b = [] {
    if (const char* e = std::getenv("LOWP_ARRAY_BLOCKS")) {
      if (std::strcmp(e, "generic") == 0) return blocks::generic;
      if (std::strcmp(e, "scalar") == 0) return blocks::scalar;
    }
#if defined(LOWP_HAVE_AVX2_BLOCKS)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2")) return blocks::avx2;
#endif
    return blocks::generic;
  }();
  return b;
}

void count_flags(unsigned flags, std::uint64_t* c, std::uint64_t times = 1) {
  for (int b = 0; b < flag::count; ++b) c[b] += ((flags >> b) & 1) * times;
}

// Rounds elements [begin, end): the vectorised block first, then the scalar kernel for the
// elements the block marked slow. Element i always uses random word first_index + i.
template <class T>
array_counters round_chunk(const T* in, T* out, std::size_t begin, std::size_t end,
                           const format& f, const round_options& opt, bool fast) {
  const random_stream rs(opt.seed, opt.stream);
  const bool sr = is_stochastic(opt.mode);
  std::uint64_t c[flag::count] = {};
  if (fast) {
    constexpr std::size_t block = 2048;
    std::uint64_t slow[block / 64];
    const detail::fast_params p = fast_params_for(f, opt);
    // Without inexact: the block already counted overflowed elements as inexact.
    const unsigned pos_overflow_flags =
        detail::overflow_result(f, opt.mode, false).flags & ~flag::inexact;
    const unsigned neg_overflow_flags =
        detail::overflow_result(f, opt.mode, true).flags & ~flag::inexact;
    const bool avx2 = chosen_blocks() == blocks::avx2;
    for (std::size_t b = begin; b < end; b += block) {
      const std::size_t n = end - b < block ? end - b : block;
      T* dst = out + b;
      std::uint64_t fc[6] = {};
#if defined(LOWP_HAVE_AVX2_BLOCKS)
      if (avx2)
        detail::avx2::fast_block(in + b, dst, n, p, opt.first_index + b, slow, fc);
      else
#endif
        detail::generic::fast_block(in + b, dst, n, p, opt.first_index + b, slow, fc);
      (void)avx2;
      c[0] += fc[0];
      c[1] += fc[1];
      c[6] += fc[2];
      // Overflows finished by the block raise what the scalar kernel's overflow result raises.
      count_flags(pos_overflow_flags, c, fc[4]);
      count_flags(neg_overflow_flags, c, fc[5]);
      for (std::size_t w = 0; fc[3] != 0 && w < (n + 63) / 64; ++w) {
        for (std::uint64_t bits = slow[w]; bits != 0; bits &= bits - 1) {
          const std::size_t k = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
          // dst[k] holds the original input (in and out may alias).
          const round_result r = round(dst[k], f, opt.mode,
                                       sr ? rs(opt.first_index + b + k) : 0, opt.rbits);
          dst[k] = static_cast<T>(r.value);
          count_flags(r.flags, c);
        }
      }
    }
  } else {
    for (std::size_t i = begin; i < end; ++i) {
      const std::uint64_t rnd = sr ? rs(opt.first_index + i) : 0;
      const round_result r = round(in[i], f, opt.mode, rnd, opt.rbits);
      out[i] = static_cast<T>(r.value);
      count_flags(r.flags, c);
    }
  }
  array_counters a;
  a.inexact = c[0];
  a.underflow = c[1];
  a.overflow = c[2];
  a.invalid = c[3];
  a.saturated = c[4];
  a.nan_created = c[5];
  a.flushed = c[6];
  return a;
}

template <class T>
array_counters round_any(const T* in, T* out, std::size_t n, const format& f,
                         const round_options& opt) {
  check(f, opt, sizeof(T) == 4);
  const bool fast = fast_eligible(f) && chosen_blocks() != blocks::scalar;
  return detail::parallel_chunks<array_counters>(
      n, std::size_t{1} << 16, opt.threads, [&](std::size_t b, std::size_t e) {
        return round_chunk(in, out, b, e, f, opt, fast);
      });
}

}  // namespace

array_counters round_array(const double* in, double* out, std::size_t n, const format& f,
                           const round_options& opt) {
  return round_any(in, out, n, f, opt);
}
array_counters round_array(const float* in, float* out, std::size_t n, const format& f,
                           const round_options& opt) {
  return round_any(in, out, n, f, opt);
}

}  // namespace lowp
