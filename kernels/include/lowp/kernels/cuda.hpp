// Declares the CUDA kernels of lowp::kernels (target lowp::kernels_cuda, built when a CUDA
// compiler is found): sum, dot, GEMV and batched GEMM, one GPU thread per output running the
// model's definition (definition.hpp), so the results are the reference's bits. Host arrays in
// and out (the functions copy to and from the device).
#pragma once

#include <cstddef>
#include <string>

#include "lowp/kernels/accumulation.hpp"

namespace lowp::kernels::cuda {

// Each returns "" on success, else what went wrong (no device, a CUDA error, a bad model).
// Layouts, output indices and input positions as in reference.hpp.
std::string batched_gemm(const accumulation_model& m, std::size_t batch, std::size_t M,
                         std::size_t N, std::size_t K, const double* A, std::size_t lda,
                         std::size_t stride_a, const double* B, std::size_t ldb,
                         std::size_t stride_b, double* C, std::size_t ldc, std::size_t stride_c);
std::string gemm(const accumulation_model& m, std::size_t M, std::size_t N, std::size_t K,
                 const double* A, std::size_t lda, const double* B, std::size_t ldb, double* C,
                 std::size_t ldc);
std::string gemv(const accumulation_model& m, std::size_t M, std::size_t K, const double* A,
                 std::size_t lda, const double* x, double* y);
std::string dot(const accumulation_model& m, std::size_t n, const double* x, const double* y,
                double* result);
std::string sum(const accumulation_model& m, std::size_t n, const double* x, double* result);

}  // namespace lowp::kernels::cuda
