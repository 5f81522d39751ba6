// Benchmarks lowp::math (correctly rounded functions) against plain libm on the same inputs in
// the same run: ns/call, the ratio to libm (x_libm = lowp time / libm time), and the fallback
// rate (MPFR calls per call) for binary16, bfloat16 and binary32 targets, nearest-even and
// stochastic. Inputs: 4096 random values of the target format in each function's usual range.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/math.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"

namespace {

using lowp::math::function;

constexpr int n_inputs = 4096;

// The range each function's arguments are drawn from (uniform; log-uniform magnitudes for log).
struct domain {
  double lo, hi;
  bool log_uniform;
};
domain domain_of(function fn, int arg) {
  switch (fn) {
    case function::exp: case function::expm1: return {-10, 10, false};
    case function::log: case function::log2: return {-10, 10, true};
    case function::log1p: return {-0.9, 10, false};
    case function::sin: case function::cos: case function::tan: case function::atan:
      return {-10, 10, false};
    case function::tanh: return {-5, 5, false};
    case function::erf: return {-3, 3, false};
    case function::pow: return arg == 0 ? domain{-4, 4, true} : domain{-5, 5, false};
    default: return {-1, 1, false};
  }
}

// Random values of format f in fn's domain (x and y for two-argument functions), cached.
const std::vector<std::pair<double, double>>& inputs(function fn, const lowp::format& f) {
  static std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> cache;
  auto& v = cache[{static_cast<int>(fn), f.mantissa_bits * 64 + f.exponent_bits}];
  if (v.empty()) {
    std::mt19937_64 g(static_cast<unsigned>(fn) * 31 + 7);
    auto draw = [&](int arg) {
      const domain d = domain_of(fn, arg);
      const double u = std::uniform_real_distribution<double>(d.lo, d.hi)(g);
      const double x = d.log_uniform ? std::exp2(u) : u;
      return lowp::round(x, f, lowp::rounding::nearest_even).value;
    };
    for (int i = 0; i < n_inputs; ++i) {
      const double x = draw(0);
      v.emplace_back(x, lowp::math::arity(fn) == 2 ? draw(1) : 0.0);
    }
  }
  return v;
}

double libm_call(function fn, double x, double y) {
  switch (fn) {
    case function::exp: return std::exp(x);
    case function::expm1: return std::expm1(x);
    case function::log: return std::log(x);
    case function::log1p: return std::log1p(x);
    case function::log2: return std::log2(x);
    case function::sin: return std::sin(x);
    case function::cos: return std::cos(x);
    case function::tan: return std::tan(x);
    case function::tanh: return std::tanh(x);
    case function::atan: return std::atan(x);
    case function::erf: return std::erf(x);
    case function::pow: return std::pow(x, y);
    default: return x;
  }
}

void bm_libm(benchmark::State& state, function fn) {
  const auto& in = inputs(fn, lowp::formats::binary32);
  double sink = 0;
  for (auto _ : state) {
    for (const auto& [x, y] : in) sink += libm_call(fn, x, y);
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations() * n_inputs);
}

void bm_lowp(benchmark::State& state, function fn, lowp::format f, lowp::rounding mode) {
  const auto& in = inputs(fn, f);
  const lowp::random_stream rs(1, 0);
  double sink = 0;
  std::uint64_t calls = 0;
  lowp::math::reset_fallbacks();
  for (auto _ : state) {
    std::uint64_t i = 0;
    for (const auto& [x, y] : in)
      sink += lowp::math::evaluate(fn, x, y, f, mode, lowp::is_stochastic(mode) ? rs(i++) : 0).value;
    benchmark::DoNotOptimize(sink);
    calls += n_inputs;
  }
  const lowp::math::fallback_counts c = lowp::math::fallbacks(fn);
  state.SetItemsProcessed(state.iterations() * n_inputs);
  state.counters["fallback_rate"] =
      calls ? static_cast<double>(c.boundary + c.special) / static_cast<double>(calls) : 0;
}

// Times libm and lowp on the same inputs, interleaved, and reports lowp / libm.
void bm_ratio(benchmark::State& state, function fn, lowp::format f) {
  const auto& in = inputs(fn, f);
  double sink = 0;
  double t_libm = 0, t_lowp = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& [x, y] : in) sink += libm_call(fn, x, y);
    auto t1 = std::chrono::steady_clock::now();
    for (const auto& [x, y] : in)
      sink += lowp::math::evaluate(fn, x, y, f, lowp::rounding::nearest_even).value;
    auto t2 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(sink);
    t_libm += std::chrono::duration<double>(t1 - t0).count();
    t_lowp += std::chrono::duration<double>(t2 - t1).count();
  }
  const double calls = static_cast<double>(state.iterations()) * n_inputs;
  state.counters["libm_ns"] = t_libm / calls * 1e9;
  state.counters["lowp_ns"] = t_lowp / calls * 1e9;
  state.counters["x_libm"] = t_lowp / t_libm;
}

const function bench_functions[] = {function::exp,  function::expm1, function::log,
                                    function::log1p, function::log2, function::sin,
                                    function::cos,  function::tan,   function::tanh,
                                    function::atan, function::pow,   function::erf};

const std::pair<const char*, lowp::format> bench_formats[] = {
    {"binary16", lowp::formats::binary16},
    {"bfloat16", lowp::formats::bfloat16},
    {"binary32", lowp::formats::binary32}};

int register_all() {
  for (function fn : bench_functions) {
    const std::string name(lowp::math::name(fn));
    benchmark::RegisterBenchmark(("libm/" + name).c_str(), bm_libm, fn);
    for (const auto& [fname, f] : bench_formats) {
      benchmark::RegisterBenchmark(("ratio_rne/" + name + "/" + fname).c_str(), bm_ratio, fn, f);
      for (lowp::rounding mode : {lowp::rounding::nearest_even, lowp::rounding::stochastic})
        benchmark::RegisterBenchmark(
            ("lowp/" + name + "/" + fname + "/" + std::string(lowp::short_name(mode))).c_str(),
            bm_lowp, fn, f, mode);
    }
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
