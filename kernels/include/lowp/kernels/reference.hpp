// Provides the reference kernels: sum, dot, GEMV, GEMM and batched GEMM as plain loops over
// outputs that call the model's definition (definition.hpp) once per output. Slow and obviously
// right; the fast CPU and CUDA paths are tested bit-identical to them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowp/kernels/accumulation.hpp"
#include "lowp/kernels/definition.hpp"

namespace lowp::kernels {

// Operand layout shared by every kernel (reference, fast, CUDA): row-major with leading
// dimensions; A is M x K (A(i,k) = A[i*lda + k]), B is K x N (B(k,j) = B[k*ldb + j]),
// C is M x N (C(i,j) = C[i*ldc + j]). Batched operands are `stride` elements apart.
// Output index o (random keys): dot/sum 0, GEMV i, GEMM i*N + j, batched b*M*N + i*N + j.
// Input positions (stochastic input rounding): x/y/A/B at their logical flat index (k; i*K + k;
// k*N + j; plus b*M*K or b*K*N in a batch), whatever the leading dimensions.

// Returns the sum of x[0], x[incx], ..., x[(n-1)*incx]: a dot with y_k = 1 (taken as it is).
inline double reference_sum(const accumulation_model& m, std::size_t n, const double* x,
                            std::ptrdiff_t incx = 1) {
  return model_dot(
      m, n,
      [&](std::uint64_t k) {
        return model_input(m, x[static_cast<std::ptrdiff_t>(k) * incx], role::input_a, k);
      },
      [](std::uint64_t) { return 1.0; }, 0);
}

// Returns the dot product of x and y.
inline double reference_dot(const accumulation_model& m, std::size_t n, const double* x,
                            const double* y, std::ptrdiff_t incx = 1, std::ptrdiff_t incy = 1) {
  return model_dot(
      m, n,
      [&](std::uint64_t k) {
        return model_input(m, x[static_cast<std::ptrdiff_t>(k) * incx], role::input_a, k);
      },
      [&](std::uint64_t k) {
        return model_input(m, y[static_cast<std::ptrdiff_t>(k) * incy], role::input_b, k);
      },
      0);
}

// Computes y = A x (A is M x K).
inline void reference_gemv(const accumulation_model& m, std::size_t M, std::size_t K,
                           const double* A, std::size_t lda, const double* x, double* y) {
  for (std::size_t i = 0; i < M; ++i)
    y[i] = model_dot(
        m, K, [&](std::uint64_t k) { return model_input(m, A[i * lda + k], role::input_a, i * K + k); },
        [&](std::uint64_t k) { return model_input(m, x[k], role::input_b, k); }, i);
}

// Computes batch C_b = A_b B_b, b < batch (batch = 1: one GEMM).
inline void reference_batched_gemm(const accumulation_model& m, std::size_t batch, std::size_t M,
                                   std::size_t N, std::size_t K, const double* A, std::size_t lda,
                                   std::size_t stride_a, const double* B, std::size_t ldb,
                                   std::size_t stride_b, double* C, std::size_t ldc,
                                   std::size_t stride_c) {
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        const double* a = A + b * stride_a + i * lda;
        const double* bb = B + b * stride_b + j;
        const std::uint64_t ia = b * M * K + i * K, ib = b * K * N + j;
        C[b * stride_c + i * ldc + j] = model_dot(
            m, K, [&](std::uint64_t k) { return model_input(m, a[k], role::input_a, ia + k); },
            [&](std::uint64_t k) { return model_input(m, bb[k * ldb], role::input_b, ib + k * N); },
            b * M * N + i * N + j);
      }
}

// Computes C = A B.
inline void reference_gemm(const accumulation_model& m, std::size_t M, std::size_t N, std::size_t K,
                           const double* A, std::size_t lda, const double* B, std::size_t ldb,
                           double* C, std::size_t ldc) {
  reference_batched_gemm(m, 1, M, N, K, A, lda, 0, B, ldb, 0, C, ldc, 0);
}

}  // namespace lowp::kernels
