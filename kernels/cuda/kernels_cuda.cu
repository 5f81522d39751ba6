// The CUDA kernels of cuda.hpp: one thread per output evaluating model_dot, the definition, with
// the operands' inputs rounded on the fly exactly as the reference loops do. Built with
// --fmad=false so that nothing is contracted behind the definition's back.
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "lowp/kernels/cuda.hpp"
#include "lowp/kernels/definition.hpp"

namespace lowp::kernels::cuda {

namespace {

// Input k of a strided operand as the model uses it (host/device, as the definition requires of
// its accessors; a lambda defined in a kernel would be device-only).
struct operand_at {
  const accumulation_model* m;
  const double* x;
  std::size_t stride;
  std::uint64_t which, first, step;
  bool ones;
  __host__ __device__ double operator()(std::uint64_t k) const {
    if (ones) return 1.0;
    return model_input(*m, x[k * stride], which, first + k * step);
  }
};

// C_b(i,j) for every (b, i, j): the reference's batched GEMM loop body.
__global__ void batched_gemm_kernel(accumulation_model m, std::size_t batch, std::size_t M,
                                    std::size_t N, std::size_t K, const double* A, std::size_t lda,
                                    std::size_t stride_a, const double* B, std::size_t ldb,
                                    std::size_t stride_b, double* C, std::size_t ldc,
                                    std::size_t stride_c) {
  const std::size_t t = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (t >= batch * M * N) return;
  const std::size_t b = t / (M * N), i = (t / N) % M, j = t % N;
  const double* a = A + b * stride_a + i * lda;
  const double* bb = B + b * stride_b + j;
  const std::uint64_t ia = b * M * K + i * K, ib = b * K * N + j;
  C[b * stride_c + i * ldc + j] =
      model_dot(m, K, operand_at{&m, a, 1, role::input_a, ia, 1, false},
                operand_at{&m, bb, ldb, role::input_b, ib, N, false}, t);
}

// y(i) for every i (the reference's GEMV; the sum is a dot with y_k = 1 and no rounding of it).
__global__ void gemv_kernel(accumulation_model m, std::size_t M, std::size_t K, const double* A,
                            std::size_t lda, const double* x, double* y, bool ones) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= M) return;
  const double* a = A + i * lda;
  y[i] = model_dot(m, K, operand_at{&m, a, 1, role::input_a, i * K, 1, false},
                   operand_at{&m, x, 1, role::input_b, 0, 1, ones}, i);
}

std::string check_device() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) return "no CUDA device";
  return {};
}

// A device copy of a host array (freed by the destructor).
struct device_array {
  double* p = nullptr;
  explicit device_array(std::size_t n, const double* host = nullptr) {
    cudaMalloc(&p, (n ? n : 1) * sizeof(double));
    if (host && n) cudaMemcpy(p, host, n * sizeof(double), cudaMemcpyHostToDevice);
  }
  ~device_array() { cudaFree(p); }
  device_array(const device_array&) = delete;
  device_array& operator=(const device_array&) = delete;
};

std::string finish() {
  const cudaError_t err = cudaDeviceSynchronize();
  if (err != cudaSuccess) return cudaGetErrorString(err);
  const cudaError_t last = cudaGetLastError();
  return last == cudaSuccess ? std::string() : cudaGetErrorString(last);
}

unsigned blocks_for(std::size_t n) { return static_cast<unsigned>((n + 127) / 128); }

}  // namespace

std::string batched_gemm(const accumulation_model& m, std::size_t batch, std::size_t M,
                         std::size_t N, std::size_t K, const double* A, std::size_t lda,
                         std::size_t stride_a, const double* B, std::size_t ldb,
                         std::size_t stride_b, double* C, std::size_t ldc, std::size_t stride_c) {
  if (std::string why = m.validate(); !why.empty()) return why;
  if (std::string why = check_device(); !why.empty()) return why;
  if (batch * M * N == 0) return {};
  // Extents of the strided operands (last element + 1).
  const std::size_t na = (batch - 1) * stride_a + (M - 1) * lda + K;
  const std::size_t nb = (batch - 1) * stride_b + (K ? (K - 1) * ldb : 0) + N;
  const std::size_t nc = (batch - 1) * stride_c + (M - 1) * ldc + N;
  device_array da(K ? na : 0, A), db(K ? nb : 0, B), dc(nc, C);
  batched_gemm_kernel<<<blocks_for(batch * M * N), 128>>>(m, batch, M, N, K, da.p, lda, stride_a,
                                                           db.p, ldb, stride_b, dc.p, ldc,
                                                           stride_c);
  if (std::string err = finish(); !err.empty()) return err;
  cudaMemcpy(C, dc.p, nc * sizeof(double), cudaMemcpyDeviceToHost);
  return finish();
}

std::string gemm(const accumulation_model& m, std::size_t M, std::size_t N, std::size_t K,
                 const double* A, std::size_t lda, const double* B, std::size_t ldb, double* C,
                 std::size_t ldc) {
  return batched_gemm(m, 1, M, N, K, A, lda, 0, B, ldb, 0, C, ldc, 0);
}

std::string gemv(const accumulation_model& m, std::size_t M, std::size_t K, const double* A,
                 std::size_t lda, const double* x, double* y) {
  if (std::string why = m.validate(); !why.empty()) return why;
  if (std::string why = check_device(); !why.empty()) return why;
  if (M == 0) return {};
  device_array da(K ? (M - 1) * lda + K : 0, A), dx(K, x), dy(M);
  gemv_kernel<<<blocks_for(M), 128>>>(m, M, K, da.p, lda, dx.p, dy.p, false);
  if (std::string err = finish(); !err.empty()) return err;
  cudaMemcpy(y, dy.p, M * sizeof(double), cudaMemcpyDeviceToHost);
  return finish();
}

std::string dot(const accumulation_model& m, std::size_t n, const double* x, const double* y,
                double* result) {
  // A 1 x n GEMV: y_0 = sum_k x_k y_k with x at A's positions (role input_a, index k) and y at
  // x's (role input_b, index k): the reference dot's keys.
  return gemv(m, 1, n, x, n, y, result);
}

std::string sum(const accumulation_model& m, std::size_t n, const double* x, double* result) {
  if (std::string why = m.validate(); !why.empty()) return why;
  if (std::string why = check_device(); !why.empty()) return why;
  device_array da(n, x), dy(1);
  gemv_kernel<<<1, 1>>>(m, 1, n, da.p, n, nullptr, dy.p, true);
  if (std::string err = finish(); !err.empty()) return err;
  cudaMemcpy(result, dy.p, sizeof(double), cudaMemcpyDeviceToHost);
  return finish();
}

}  // namespace lowp::kernels::cuda
