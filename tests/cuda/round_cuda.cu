// Runs the rounding kernel (lowp/round.hpp, host/device) on the GPU, for round_cuda_test.cpp.
#include <cuda_runtime.h>

#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "round_cuda.hpp"

namespace {

__global__ void round_kernel(const double* x, double* y, int* ternary, unsigned* flags,
                             std::size_t n, lowp::format f, lowp::rounding mode,
                             std::uint64_t seed, int rbits) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const lowp::round_result r = lowp::round(x[i], f, mode, lowp::random_stream(seed, 0)(i), rbits);
  y[i] = r.value;
  ternary[i] = r.ternary;
  flags[i] = r.flags;
}

}  // namespace

std::string round_on_gpu(const double* x, double* y, int* ternary, unsigned* flags,
                         std::size_t n, const lowp::format& f, lowp::rounding mode,
                         std::uint64_t seed, int rbits) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) return "no CUDA device";
  double *dx = nullptr, *dy = nullptr;
  int* dt = nullptr;
  unsigned* df = nullptr;
  cudaMalloc(&dx, n * sizeof(double));
  cudaMalloc(&dy, n * sizeof(double));
  cudaMalloc(&dt, n * sizeof(int));
  cudaMalloc(&df, n * sizeof(unsigned));
  cudaMemcpy(dx, x, n * sizeof(double), cudaMemcpyHostToDevice);
  const unsigned threads = 256;
  const unsigned blocks = static_cast<unsigned>((n + threads - 1) / threads);
  round_kernel<<<blocks, threads>>>(dx, dy, dt, df, n, f, mode, seed, rbits);
  cudaMemcpy(y, dy, n * sizeof(double), cudaMemcpyDeviceToHost);
  cudaMemcpy(ternary, dt, n * sizeof(int), cudaMemcpyDeviceToHost);
  cudaMemcpy(flags, df, n * sizeof(unsigned), cudaMemcpyDeviceToHost);
  const cudaError_t err = cudaGetLastError();
  cudaFree(dx);
  cudaFree(dy);
  cudaFree(dt);
  cudaFree(df);
  return err == cudaSuccess ? std::string() : cudaGetErrorString(err);
}
