// Implements array rounding on top of the scalar kernel, in parallel chunks whose results depend
// only on each element's value and global index.
#include "lowp/array.hpp"

#include <string>

#if defined(_OPENMP)
#include <omp.h>
#endif

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

template <class T>
array_counters round_chunk(const T* in, T* out, std::size_t begin, std::size_t end,
                           const format& f, const round_options& opt) {
  const random_stream rs(opt.seed, opt.stream);
  const bool sr = is_stochastic(opt.mode);
  std::uint64_t c[flag::count] = {};
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint64_t rnd = sr ? rs(opt.first_index + i) : 0;
    const round_result r = round(in[i], f, opt.mode, rnd, opt.rbits);
    out[i] = static_cast<T>(r.value);
    for (int b = 0; b < flag::count; ++b) c[b] += (r.flags >> b) & 1;
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
  constexpr std::size_t chunk = 1 << 14;
  const std::size_t nchunks = (n + chunk - 1) / chunk;
  array_counters total;
#if defined(_OPENMP)
  const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
#endif
#pragma omp parallel num_threads(threads)
  {
    array_counters mine;
#pragma omp for schedule(static)
    for (std::size_t k = 0; k < nchunks; ++k) {
      const std::size_t b = k * chunk;
      const std::size_t e = b + chunk < n ? b + chunk : n;
      mine += round_chunk(in, out, b, e, f, opt);
    }
#pragma omp critical
    total += mine;
  }
  return total;
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
