// Benchmarks the block-scaled GEMM (lowp::kernels::block_gemm, one thread) on MXFP8 (E4M3, E5M2),
// MXFP4 and NVFP4 operands with binary32 accumulation, for square sizes 256..1024, next to Eigen's
// float GEMM in the same run. Reports GFLOP/s (2 M N K flops per call, the packing of the operands
// included; quantization is done once, outside the timing) and x_sgemm = GFLOP/s / Eigen float
// GFLOP/s at the same size. LOWP_BENCH_MAX_N limits the largest size.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lowp/block.hpp"
#include "lowp/kernels/block_scaled.hpp"

namespace {

using namespace lowp;
using namespace lowp::kernels;

std::map<long, double>& sgemm_gflops() {
  static std::map<long, double> m;
  return m;
}

long max_n() {
  const char* e = std::getenv("LOWP_BENCH_MAX_N");
  return e ? std::atol(e) : 1024;
}

double flops(long n) {
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
}

std::vector<double> data(long n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd;
  std::vector<double> v(static_cast<std::size_t>(n * n));
  for (auto& x : v) x = nd(g);
  return v;
}

void eigen_sgemm(benchmark::State& st) {
  const long n = st.range(0);
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::setNbThreads(1);
  Mat a = Mat::Random(n, n), b = Mat::Random(n, n), c(n, n);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.counters["GFLOP/s"] = benchmark::Counter(
      flops(n) * static_cast<double>(st.iterations()) * 1e-9, benchmark::Counter::kIsRate);
  sgemm_gflops()[n] = flops(n) * static_cast<double>(st.iterations()) / s * 1e-9;
}

void block_gemm_bench(benchmark::State& st, const char* preset) {
  const long n = st.range(0);
  const auto un = static_cast<std::size_t>(n);
  const block_spec s = *find_block_preset(preset);
  const std::vector<double> a = data(n, 1), b = data(n, 2);
  const block_matrix A = quantize_operand(a.data(), un, un, s, true);
  const block_matrix B = quantize_operand(b.data(), un, un, s, false);
  const accumulation_model m =
      models::sequential(formats::binary32, rounding::nearest_even, formats::binary32);
  std::vector<double> c(un * un);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    block_gemm(m, A, B, c.data(), un, tensor_scale_rule::binary32_alpha, {1});
    benchmark::DoNotOptimize(c.data());
  }
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.counters["GFLOP/s"] = benchmark::Counter(
      flops(n) * static_cast<double>(st.iterations()) * 1e-9, benchmark::Counter::kIsRate);
  const double gflops = flops(n) * static_cast<double>(st.iterations()) / sec * 1e-9;
  if (auto it = sgemm_gflops().find(n); it != sgemm_gflops().end())
    st.counters["x_sgemm"] = gflops / it->second;
  st.SetLabel(block_fast_path_name(m, A, B));
}

void sizes(benchmark::internal::Benchmark* b, long top) {
  for (long n = 256; n <= std::min(top, max_n()); n *= 2) b->Arg(n);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

const bool registered = [] {
  sizes(benchmark::RegisterBenchmark("eigen_sgemm", eigen_sgemm), 1024);
  sizes(benchmark::RegisterBenchmark("mxfp8_e4m3_fp32_acc", block_gemm_bench, "mxfp8_e4m3"), 1024);
  sizes(benchmark::RegisterBenchmark("mxfp4_e2m1_fp32_acc", block_gemm_bench, "mxfp4_e2m1"), 1024);
  sizes(benchmark::RegisterBenchmark("nvfp4_fp32_acc", block_gemm_bench, "nvfp4"), 1024);
  sizes(benchmark::RegisterBenchmark("mxfp8_e5m2_fp32_acc", block_gemm_bench, "mxfp8_e5m2"), 1024);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
