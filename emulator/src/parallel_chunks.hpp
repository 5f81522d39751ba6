// Provides the one parallel loop of lowp's array functions: fixed chunks of the index range,
// spread over OpenMP threads, with per-thread counters summed at the end. Each element's result
// depends only on its value and global index, so any thread count gives the same bits.
#pragma once

#include <cstddef>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace lowp::detail {

// Calls chunk(begin, end) for [0, n) cut into pieces of chunk_size, on `threads` OpenMP threads
// (0 = OpenMP's default), and returns the sum (operator+=) of the Counters they return.
template <class Counters, class Chunk>
Counters parallel_chunks(std::size_t n, std::size_t chunk_size, int threads, Chunk chunk) {
  const std::size_t nchunks = (n + chunk_size - 1) / chunk_size;
  Counters total{};
#if defined(_OPENMP)
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
#endif
#pragma omp parallel num_threads(nthreads)
  {
    Counters mine{};
#pragma omp for schedule(static)
    for (std::size_t k = 0; k < nchunks; ++k) {
      const std::size_t b = k * chunk_size;
      const std::size_t e = b + chunk_size < n ? b + chunk_size : n;
      mine += chunk(b, e);
    }
#pragma omp critical
    total += mine;
  }
  return total;
}

}  // namespace lowp::detail
