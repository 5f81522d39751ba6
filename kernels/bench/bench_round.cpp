// Benchmarks array rounding (lowp::round_array) against memcpy of the same array in the same run:
// 10^6, 10^7, 10^8 fresh random doubles (normal and log-uniform), binary16 / bfloat16 / e4m3fn,
// nearest-even and stochastic, 1 and 2 threads. Reports ns/element and x_memcpy = memcpy time /
// rounding time (>= 1 means as fast as copying).
//
// Sizes can be limited with LOWP_BENCH_MAX_N (e.g. 10000000) for quick runs.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "lowp/array.hpp"
#include "lowp/format.hpp"

namespace {

enum class dist { normal, log_uniform };

// Returns a cached array of n fresh random doubles (generated once per size and distribution,
// in parallel, from independent engines per chunk).
const std::vector<double>& input(std::size_t n, dist d) {
  static std::map<std::pair<std::size_t, dist>, std::vector<double>> cache;
  auto& v = cache[{n, d}];
  if (v.empty()) {
    v.resize(n);
    const std::size_t chunk = 1 << 20;
#pragma omp parallel for schedule(static)
    for (std::size_t c = 0; c < (n + chunk - 1) / chunk; ++c) {
      std::mt19937_64 g(12345 + c * 7919 + static_cast<int>(d));
      std::normal_distribution<double> nd;
      std::uniform_real_distribution<double> ud(-40.0, 40.0);
      for (std::size_t i = c * chunk; i < std::min(n, (c + 1) * chunk); ++i) {
        if (d == dist::normal) v[i] = nd(g);
        else v[i] = ((g() & 1) ? -1.0 : 1.0) * std::exp2(ud(g));
      }
    }
  }
  return v;
}

std::vector<double>& output(std::size_t n) {
  static std::vector<double> out;
  if (out.size() < n) {
    out.assign(n, 1.0);  // pre-touched
  }
  return out;
}

// memcpy ns/element per (n, dist, threads), filled by the memcpy benchmark that runs first.
std::map<std::tuple<std::size_t, int, int>, double>& memcpy_ns() {
  static std::map<std::tuple<std::size_t, int, int>, double> m;
  return m;
}

void copy_parallel(const double* in, double* out, std::size_t n, int threads) {
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const std::size_t b = n * t / nt, e = n * (t + 1) / nt;
    std::memcpy(out + b, in + b, (e - b) * sizeof(double));
  }
}

void bm_memcpy(benchmark::State& state) {
  const std::size_t n = state.range(0);
  const dist d = static_cast<dist>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const auto& in = input(n, d);
  auto& out = output(n);
  double total = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    copy_parallel(in.data(), out.data(), n, threads);
    const auto t1 = std::chrono::steady_clock::now();
    total += std::chrono::duration<double, std::nano>(t1 - t0).count();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double ns = total / static_cast<double>(state.iterations()) / static_cast<double>(n);
  memcpy_ns()[{n, static_cast<int>(d), threads}] = ns;
  state.counters["ns_per_el"] = ns;
  state.counters["x_memcpy"] = 1.0;
}

void bm_round(benchmark::State& state, lowp::format f, lowp::rounding mode) {
  const std::size_t n = state.range(0);
  const dist d = static_cast<dist>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const auto& in = input(n, d);
  auto& out = output(n);
  lowp::round_options opt;
  opt.mode = mode;
  opt.seed = 42;
  opt.threads = threads;
  double total = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto c = lowp::round_array(in.data(), out.data(), n, f, opt);
    const auto t1 = std::chrono::steady_clock::now();
    total += std::chrono::duration<double, std::nano>(t1 - t0).count();
    benchmark::DoNotOptimize(c);
    benchmark::ClobberMemory();
  }
  const double ns = total / static_cast<double>(state.iterations()) / static_cast<double>(n);
  state.counters["ns_per_el"] = ns;
  const auto it = memcpy_ns().find({n, static_cast<int>(d), threads});
  if (it != memcpy_ns().end()) state.counters["x_memcpy"] = it->second / ns;
}

void register_all() {
  std::size_t max_n = 100000000;
  if (const char* s = std::getenv("LOWP_BENCH_MAX_N")) max_n = std::strtoull(s, nullptr, 10);
  const struct {
    const char* name;
    lowp::format f;
  } fmts[] = {{"binary16", lowp::formats::binary16},
              {"bfloat16", lowp::formats::bfloat16},
              {"e4m3fn", lowp::formats::e4m3fn}};
  const struct {
    const char* name;
    lowp::rounding r;
  } modes[] = {{"rne", lowp::rounding::nearest_even}, {"sr", lowp::rounding::stochastic}};
  for (std::size_t n : {std::size_t{1000000}, std::size_t{10000000}, std::size_t{100000000}}) {
    if (n > max_n) continue;
    for (int d = 0; d < 2; ++d)
      for (int threads : {1, 2}) {
        const std::string tag = std::string(d == 0 ? "normal" : "loguniform");
        benchmark::RegisterBenchmark(("memcpy/" + tag).c_str(), bm_memcpy)
            ->Args({static_cast<long>(n), d, threads})
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond)
            ->MinTime(0.5);
        for (const auto& fm : fmts)
          for (const auto& md : modes)
            benchmark::RegisterBenchmark(
                (std::string("round/") + fm.name + "/" + md.name + "/" + tag).c_str(),
                [f = fm.f, r = md.r](benchmark::State& s) { bm_round(s, f, r); })
                ->Args({static_cast<long>(n), d, threads})
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
