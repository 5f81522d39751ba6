// Implements soft errors on arrays on top of the scalar soft_error(), in parallel chunks whose
// results depend only on each element's value and global index.
#include "lowp/soft_error.hpp"

#include "parallel_chunks.hpp"

#include <stdexcept>
#include <string>


namespace lowp {
namespace {

void check(const format& f, const soft_error_options& opt, bool binary32) {
  if (const std::string why = f.validate(); !why.empty()) throw format_error(why);
  if (binary32 ? !f.fits_binary32() : !f.fits_binary64())
    throw format_error("format " + to_string(f) + " is wider than binary" +
                       (binary32 ? "32" : "64") + " storage");
  if (f.width() > 64) throw format_error("format " + to_string(f) + " is wider than 64 bits");
  if (opt.mode == soft_error_mode::significand && f.mantissa_bits == 0)
    throw format_error("format " + to_string(f) + " has no significand bits to flip");
  // Written so that NaN fails too.
  if (!(opt.probability >= 0.0 && opt.probability <= 1.0))
    throw std::invalid_argument("soft error probability must be in [0, 1]");
}

template <class T>
soft_error_counters chunk(const T* in, T* out, std::size_t begin, std::size_t end, const format& f,
                          const soft_error_options& opt) {
  const soft_error_stream s(opt.seed, opt.stream);
  const flip_probability prob(opt.probability);
  soft_error_counters c;
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint64_t index = opt.first_index + i;
    const soft_error_result r = soft_error(static_cast<double>(in[i]), f, opt.mode, prob,
                                           s.decide(index), s.position(index));
    out[i] = static_cast<T>(r.value);
    c.flipped += r.bit >= 0 ? 1 : 0;
    c.not_in_format += r.in_format ? 0 : 1;
  }
  return c;
}

template <class T>
soft_error_counters any(const T* in, T* out, std::size_t n, const format& f,
                        const soft_error_options& opt) {
  check(f, opt, sizeof(T) == 4);
  return detail::parallel_chunks<soft_error_counters>(
      n, std::size_t{1} << 14, opt.threads,
      [&](std::size_t b, std::size_t e) { return chunk(in, out, b, e, f, opt); });
}

}  // namespace

soft_error_counters soft_error_array(const double* in, double* out, std::size_t n, const format& f,
                                     const soft_error_options& opt) {
  return any(in, out, n, f, opt);
}
soft_error_counters soft_error_array(const float* in, float* out, std::size_t n, const format& f,
                                     const soft_error_options& opt) {
  return any(in, out, n, f, opt);
}

}  // namespace lowp
