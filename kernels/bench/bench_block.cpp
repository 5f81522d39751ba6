// Benchmarks block quantize-dequantize (lowp::quantize_blocks, float storage) against memcpy of
// the same float array in the same run: 10^7 and 10^8 N(0,1) floats, MXFP8 (E4M3), MXFP4 and
// NVFP4, nearest-even and stochastic, 1 and 2 threads. Reports ns/element and x_memcpy = memcpy
// time / quantize time (>= 1 means as fast as copying); with 1 thread also the same ratio of
// thread CPU times (cpu_x_memcpy), steadier than wall time on a shared machine.
//
// Sizes can be limited with LOWP_BENCH_MAX_N (e.g. 10000000) for quick runs.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lowp/block.hpp"

namespace {

// Returns a cached array of n N(0,1) floats, generated once per size.
const std::vector<float>& input(std::size_t n) {
  static std::map<std::size_t, std::vector<float>> cache;
  auto& v = cache[n];
  if (v.empty()) {
    v.resize(n);
    const std::size_t chunk = 1 << 20;
#pragma omp parallel for schedule(static)
    for (std::size_t c = 0; c < (n + chunk - 1) / chunk; ++c) {
      std::mt19937_64 g(777 + c * 7919);
      std::normal_distribution<float> nd;
      for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) v[i] = nd(g);
    }
  }
  return v;
}

std::vector<float>& output(std::size_t n) {
  static std::vector<float> out;
  if (out.size() < n) out.assign(n, 1.0f);  // pre-touched
  return out;
}

std::map<std::pair<std::size_t, int>, double>& memcpy_ns() {
  static std::map<std::pair<std::size_t, int>, double> m;
  return m;
}
std::map<std::size_t, double>& memcpy_cpu_ns() {  // 1 thread
  static std::map<std::size_t, double> m;
  return m;
}

// Returns the calling thread's CPU time in ns.
double thread_cpu_ns() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

void bm_memcpy(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& in = input(n);
  auto& out = output(n);
  double total = 0, cpu = 0;
  for (auto _ : state) {
    const double c0 = thread_cpu_ns();
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const std::size_t b = n * t / nt, e = n * (t + 1) / nt;
      std::memcpy(out.data() + b, in.data() + b, (e - b) * sizeof(float));
    }
    const auto t1 = std::chrono::steady_clock::now();
    cpu += thread_cpu_ns() - c0;
    total += std::chrono::duration<double, std::nano>(t1 - t0).count();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double per = static_cast<double>(state.iterations()) * static_cast<double>(n);
  const double ns = total / per;
  memcpy_ns()[{n, threads}] = ns;
  state.counters["ns_per_el"] = ns;
  state.counters["x_memcpy"] = 1.0;
  if (threads == 1) {
    memcpy_cpu_ns()[n] = cpu / per;
    state.counters["cpu_ns_per_el"] = cpu / per;
  }
}

void bm_block(benchmark::State& state, lowp::block_spec spec, lowp::rounding mode) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& in = input(n);
  auto& out = output(n);
  lowp::block_options opt;
  opt.mode = mode;
  opt.seed = 42;
  opt.threads = threads;
  lowp::block_outputs<float> o;
  o.dequantized = out.data();
  double total = 0, cpu = 0;
  for (auto _ : state) {
    const double c0 = thread_cpu_ns();
    const auto t0 = std::chrono::steady_clock::now();
    const auto c = lowp::quantize_blocks(in.data(), 1, n, spec, opt, o);
    const auto t1 = std::chrono::steady_clock::now();
    cpu += thread_cpu_ns() - c0;
    total += std::chrono::duration<double, std::nano>(t1 - t0).count();
    benchmark::DoNotOptimize(c);
    benchmark::ClobberMemory();
  }
  const double per = static_cast<double>(state.iterations()) * static_cast<double>(n);
  const double ns = total / per;
  state.counters["ns_per_el"] = ns;
  const auto it = memcpy_ns().find({n, threads});
  if (it != memcpy_ns().end()) state.counters["x_memcpy"] = it->second / ns;
  if (threads == 1) {
    state.counters["cpu_ns_per_el"] = cpu / per;
    const auto ic = memcpy_cpu_ns().find(n);
    if (ic != memcpy_cpu_ns().end()) state.counters["cpu_x_memcpy"] = ic->second / (cpu / per);
  }
}

void register_all() {
  std::size_t max_n = 100000000;
  if (const char* s = std::getenv("LOWP_BENCH_MAX_N")) max_n = std::strtoull(s, nullptr, 10);
  const struct {
    const char* name;
    lowp::block_spec spec;
  } specs[] = {{"mxfp8_e4m3", lowp::block_formats::mxfp8_e4m3},
               {"mxfp4_e2m1", lowp::block_formats::mxfp4_e2m1},
               {"nvfp4", lowp::block_formats::nvfp4}};
  const struct {
    const char* name;
    lowp::rounding r;
  } modes[] = {{"rne", lowp::rounding::nearest_even}, {"sr", lowp::rounding::stochastic}};
  for (std::size_t n : {std::size_t{10000000}, std::size_t{100000000}}) {
    if (n > max_n) continue;
    for (int threads : {1, 2}) {
      benchmark::RegisterBenchmark("memcpy", bm_memcpy)
          ->Args({static_cast<long>(n), threads})
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.5);
      for (const auto& s : specs)
        for (const auto& m : modes)
          benchmark::RegisterBenchmark(
              (std::string("block/") + s.name + "/" + m.name).c_str(),
              [spec = s.spec, r = m.r](benchmark::State& st) { bm_block(st, spec, r); })
              ->Args({static_cast<long>(n), threads})
              ->UseRealTime()
              ->Unit(benchmark::kMillisecond)
              ->MinTime(0.5);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
