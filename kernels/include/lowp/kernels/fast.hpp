// Provides the fast CPU kernels: sum, dot, GEMV, GEMM and batched GEMM with the same results,
// bit for bit, as the reference kernels (reference.hpp) for every accumulation model, whatever
// the thread count. Vectorised across outputs, cache blocked and OpenMP-parallel.
#pragma once

#include <cstddef>
#include <string>

#include "lowp/kernels/accumulation.hpp"

namespace lowp::kernels {

struct fast_options {
  int threads = 0;  // OpenMP threads; 0 = OpenMP's default
};

// The layouts, output indices and input positions are those of reference.hpp. Throws
// std::invalid_argument when the model does not validate.
double sum(const accumulation_model& m, std::size_t n, const double* x, std::ptrdiff_t incx = 1,
           const fast_options& opt = {});
double dot(const accumulation_model& m, std::size_t n, const double* x, const double* y,
           std::ptrdiff_t incx = 1, std::ptrdiff_t incy = 1, const fast_options& opt = {});
void gemv(const accumulation_model& m, std::size_t M, std::size_t K, const double* A,
          std::size_t lda, const double* x, double* y, const fast_options& opt = {});
void gemm(const accumulation_model& m, std::size_t M, std::size_t N, std::size_t K,
          const double* A, std::size_t lda, const double* B, std::size_t ldb, double* C,
          std::size_t ldc, const fast_options& opt = {});
void batched_gemm(const accumulation_model& m, std::size_t batch, std::size_t M, std::size_t N,
                  std::size_t K, const double* A, std::size_t lda, std::size_t stride_a,
                  const double* B, std::size_t ldb, std::size_t stride_b, double* C,
                  std::size_t ldc, std::size_t stride_c, const fast_options& opt = {});

// The inner loop a GEMM with model m takes on data whose inputs (after input rounding) are all
// binary32 values, and whose products are exact in binary32 or not:
//   "native-binary32"  binary32 round-to-nearest accumulation with exact products (fused) or
//                      binary32 products: the hardware's binary32 FMA / multiply and add are
//                      that model exactly (IEEE 754), vectorised across 8 outputs
//   "lanes-binary32"   an accumulator of p <= 22 inside binary32's normal range in rne or rz, on
//                      data whose products are exact in binary32: the "lanes" method below in
//                      binary32 arithmetic, 8 outputs per vector
//   "lanes"            a lower-precision accumulator (p <= 51) in rne, rz or sr: exact products
//                      in binary64, TwoSum, round to odd, then a vectorised rounding to the
//                      accumulator on the bits; lanes leaving the normal range (and sr with
//                      rbits > 51 - m) fall back to lowp::fma
//   "generic"          the definition itself per output on packed operands (group sums,
//                      pairwise order, other modes)
// Sequential runs inside blocked / split-K models use the same inner loops.
std::string fast_path_name(const accumulation_model& m, bool inputs_are_binary32 = true,
                           bool products_are_binary32 = true);

}  // namespace lowp::kernels
