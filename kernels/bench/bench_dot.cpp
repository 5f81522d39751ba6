// Benchmarks lowp's dot product (lowp::kernels::dot) for n = 2^10..2^20 next to a plain binary64
// loop in the same run: one output, so the model's own order runs on one core (the generic loop:
// lowp::fma per product). Reports Mproducts/s and x_native = lowp rate / native loop rate.
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <random>
#include <vector>

#include "lowp/kernels/fast.hpp"

namespace {

using namespace lowp;
using namespace lowp::kernels;

std::map<long, double>& native_rate() {
  static std::map<long, double> m;
  return m;
}

std::vector<double> data(long n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd;
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = static_cast<float>(nd(g));
  return v;
}

void native_dot(benchmark::State& st) {
  const long n = st.range(0);
  const std::vector<double> a = data(n, 1), b = data(n, 2);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    double s = 0;
    for (long k = 0; k < n; ++k) s += a[static_cast<std::size_t>(k)] * b[static_cast<std::size_t>(k)];
    benchmark::DoNotOptimize(s);
  }
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  native_rate()[n] = static_cast<double>(n) * static_cast<double>(st.iterations()) / sec;
  st.counters["Mproducts/s"] = benchmark::Counter(static_cast<double>(n) * 1e-6 * static_cast<double>(st.iterations()),
                                                  benchmark::Counter::kIsRate);
}

void lowp_dot(benchmark::State& st, accumulation_model m) {
  const long n = st.range(0);
  const std::vector<double> a = data(n, 1), b = data(n, 2);
  for (auto _ : st) benchmark::DoNotOptimize(dot(m, static_cast<std::size_t>(n), a.data(), b.data()));
  const double items = static_cast<double>(n) * static_cast<double>(st.iterations());
  st.counters["Mproducts/s"] = benchmark::Counter(items * 1e-6, benchmark::Counter::kIsRate);
  if (auto it = native_rate().find(n); it != native_rate().end())
    st.counters["x_native"] = benchmark::Counter(items / it->second, benchmark::Counter::kIsRate);
}

void sizes(benchmark::internal::Benchmark* b) {
  for (long n = 1 << 10; n <= (1 << 20); n *= 32) b->Arg(n);
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

const bool registered = [] {
  sizes(benchmark::RegisterBenchmark("native_double_dot", native_dot));
  sizes(benchmark::RegisterBenchmark("lowp_fp32_acc", lowp_dot, models::sequential(formats::binary32)));
  sizes(benchmark::RegisterBenchmark("lowp_bf16_acc", lowp_dot, models::sequential(formats::bfloat16)));
  accumulation_model sr = models::sequential(formats::bfloat16, rounding::stochastic);
  sr.seed = 1;
  sizes(benchmark::RegisterBenchmark("lowp_bf16_acc_sr", lowp_dot, sr));
  sizes(benchmark::RegisterBenchmark("lowp_pairwise_fp16", lowp_dot, models::pairwise(formats::binary16)));
  sizes(benchmark::RegisterBenchmark("lowp_hopper_fp8", lowp_dot, presets::hopper_fp8_mma()));
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
