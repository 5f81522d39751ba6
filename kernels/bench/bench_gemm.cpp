// Benchmarks lowp's GEMM (lowp::kernels::gemm, one thread) for square sizes 64..2048 next to
// Eigen's native float and double GEMM in the same run. Reports GFLOP/s (2 M N K flops per call)
// and x_sgemm = lowp GFLOP/s / Eigen float GFLOP/s at the same size.
//
// Models: bf16 inputs with binary32 accumulation (native-binary32 loop), bfloat16 and binary16
// accumulation in nearest-even (lanes), bfloat16 stochastic accumulation (lanes, 20 random
// bits), and the generic loop (Hopper FP8 group-sum preset, pairwise binary32) up to 256.
// LOWP_BENCH_MAX_N limits the largest size (e.g. 512 for quick runs).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <type_traits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lowp/kernels/fast.hpp"

namespace {

using namespace lowp;
using namespace lowp::kernels;

std::map<long, double>& sgemm_gflops() {
  static std::map<long, double> m;
  return m;
}

long max_n() {
  const char* e = std::getenv("LOWP_BENCH_MAX_N");
  return e ? std::atol(e) : 2048;
}

std::vector<double> data(long n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd;
  std::vector<double> v(static_cast<std::size_t>(n * n));
  for (auto& x : v) x = static_cast<float>(nd(g));
  return v;
}

void set_counters(benchmark::State& st, long n, [[maybe_unused]] bool is_sgemm) {
  const double flops = 2.0 * static_cast<double>(n) * n * n;
  st.counters["GFLOP/s"] = benchmark::Counter(flops * static_cast<double>(st.iterations()) * 1e-9,
                                              benchmark::Counter::kIsRate);
}

template <class T>
void eigen_gemm(benchmark::State& st) {
  const long n = st.range(0);
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::setNbThreads(1);
  Mat a = Mat::Random(n, n), b = Mat::Random(n, n), c(n, n);
  for (auto _ : st) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  set_counters(st, n, true);
  if constexpr (std::is_same_v<T, float>) {
    const auto t0 = std::chrono::steady_clock::now();
    int reps = 0;
    do {
      c.noalias() = a * b;
      benchmark::DoNotOptimize(c.data());
      ++reps;
    } while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(200));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sgemm_gflops()[n] = 2.0 * static_cast<double>(n) * n * n * reps / s * 1e-9;
  }
}

void lowp_gemm(benchmark::State& st, accumulation_model m) {
  const long n = st.range(0);
  const auto un = static_cast<std::size_t>(n);
  const std::vector<double> a = data(n, 1), b = data(n, 2);
  std::vector<double> c(un * un);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    gemm(m, un, un, un, a.data(), un, b.data(), un, c.data(), un, {1});
    benchmark::DoNotOptimize(c.data());
  }
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  set_counters(st, n, false);
  // x_sgemm: this GFLOP/s over Eigen's float GFLOP/s at the same size, measured in this run.
  const double gflops = 2.0 * static_cast<double>(n) * n * n * static_cast<double>(st.iterations()) / sec * 1e-9;
  if (auto it = sgemm_gflops().find(n); it != sgemm_gflops().end())
    st.counters["x_sgemm"] = gflops / it->second;
  st.SetLabel(fast_path_name(m));
}

void sizes(benchmark::internal::Benchmark* b, long top) {
  for (long n = 64; n <= std::min(top, max_n()); n *= 2) b->Arg(n);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

accumulation_model sr_bf16() {
  accumulation_model m = models::with_inputs(models::sequential(formats::bfloat16, rounding::stochastic), formats::bfloat16);
  m.rbits = 20;
  m.seed = 1;
  return m;
}

const bool registered = [] {
  sizes(benchmark::RegisterBenchmark("eigen_sgemm", eigen_gemm<float>), 2048);
  sizes(benchmark::RegisterBenchmark("eigen_dgemm", eigen_gemm<double>), 2048);
  sizes(benchmark::RegisterBenchmark("lowp_bf16_in_fp32_acc", lowp_gemm,
                                     presets::bf16_gemm_fp32_accumulate()), 2048);
  sizes(benchmark::RegisterBenchmark("lowp_bf16_acc_rne", lowp_gemm,
                                     models::with_inputs(models::sequential(formats::bfloat16), formats::bfloat16)), 1024);
  sizes(benchmark::RegisterBenchmark("lowp_fp16_acc_rne", lowp_gemm,
                                     models::with_inputs(models::sequential(formats::binary16), formats::binary16)), 1024);
  sizes(benchmark::RegisterBenchmark("lowp_bf16_acc_sr", lowp_gemm, sr_bf16()), 1024);
  sizes(benchmark::RegisterBenchmark("lowp_hopper_fp8_generic", lowp_gemm, presets::hopper_fp8_mma()), 256);
  sizes(benchmark::RegisterBenchmark("lowp_pairwise_fp32_generic", lowp_gemm,
                                     models::with_inputs(models::pairwise(formats::binary32), formats::bfloat16)), 256);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
