// Provides array rounding for binary64 and binary32 storage: OpenMP-parallel, vectorised where the
// format and mode allow, bit-identical to the scalar kernel in round.hpp and independent of the
// thread count and of how a caller splits the array.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp {

struct round_options {
  rounding mode = rounding::nearest_even;
  std::uint64_t seed = 0;         // stochastic modes: generator seed
  std::uint64_t stream = 0;       // stochastic modes: stream number (e.g. a tensor id)
  int rbits = 64;                 // stochastic modes: random bits per rounding, 1..64
  std::uint64_t first_index = 0;  // global index of element 0 (for callers that split arrays)
  int threads = 0;                // OpenMP threads; 0 = OpenMP's default
};

// How many elements raised each event (an element can count in several).
struct array_counters {
  std::uint64_t inexact = 0;
  std::uint64_t underflow = 0;
  std::uint64_t overflow = 0;
  std::uint64_t invalid = 0;
  std::uint64_t saturated = 0;
  std::uint64_t nan_created = 0;
  std::uint64_t flushed = 0;

  array_counters& operator+=(const array_counters& o) noexcept;
  friend bool operator==(const array_counters&, const array_counters&) = default;
};

// Rounds in[0..n) to f into out[0..n) (out may equal in). Element i uses the random word
// random_stream(seed, stream)(first_index + i). Throws format_error when f is not exactly
// representable in the storage type or rbits is outside 1..64.
array_counters round_array(const double* in, double* out, std::size_t n, const format& f,
                           const round_options& opt = {});
array_counters round_array(const float* in, float* out, std::size_t n, const format& f,
                           const round_options& opt = {});

}  // namespace lowp
