// Benchmarks the scalar types' arithmetic: add, mul, fma, div, sqrt on bfloat16, float16,
// float8_e4m3fn, E8M30 (fp<F>, nearest-even), bfloat16 and rpe-style E11M10 in stochastic rounding,
// E11M10 nearest-even, lowp::number (bfloat16 from the context), a
// bfloat16 kept as its 16-bit code (decode, op, encode), and native float and double in the same
// run, two ways:
//   stream  out[i] = op(a[i], b[i]) over 10^7 fresh independent elements (inputs are values of
//           the type, made once; never a short array repeated)
//   chain   x = op(x, ...) as listed at bm_chain, a dependent chain restarted every 256 steps,
//           so the latency of one op is timed
// Reports ns/op and x_double = (this type's time) / (double's time) for the same op and way.
//
// LOWP_BENCH_N overrides the stream length (default 10^7).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/fp.hpp"
#include "lowp/number.hpp"
#include "lowp/ops.hpp"

namespace {

using e8m30 = lowp::fp<lowp::ieee_format(8, 30)>;
// rpe-style: 10 significand bits with binary64's exponent range (off the nearest fast path).
using e11m10 = lowp::fp<lowp::ieee_format(11, 10)>;
using e11m10_sr = lowp::fp<lowp::ieee_format(11, 10), lowp::rounding::stochastic>;
using bfloat16_sr = lowp::fp<lowp::formats::bfloat16, lowp::rounding::stochastic>;

enum class op { add, mul, fma, div, sqrt };
const char* op_name(op o) {
  switch (o) {
    case op::add: return "add";
    case op::mul: return "mul";
    case op::fma: return "fma";
    case op::div: return "div";
    default: return "sqrt";
  }
}

std::size_t stream_n() {
  const char* s = std::getenv("LOWP_BENCH_N");
  return s ? std::strtoull(s, nullptr, 10) : 10000000;
}

// Random operands as binary64: a in [-2, 2] (sqrt: [0, 4]), b in [1/2, 2] with random sign
// (div never by a tiny number), c in [-1, 1].
struct raw_inputs {
  std::vector<double> a, b, c;
};
const raw_inputs& raw(std::size_t n) {
  static std::map<std::size_t, raw_inputs> cache;
  raw_inputs& r = cache[n];
  if (r.a.empty()) {
    std::mt19937_64 g(2026);
    std::uniform_real_distribution<double> ua(-2.0, 2.0), ub(0.5, 2.0), uc(-1.0, 1.0);
    r.a.resize(n);
    r.b.resize(n);
    r.c.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      r.a[i] = ua(g);
      r.b[i] = ((g() & 1) ? -1.0 : 1.0) * ub(g);
      r.c[i] = uc(g);
    }
  }
  return r;
}

// Time of double for (op, way), filled by the double benchmarks, which run first.
std::map<std::string, double>& double_ns() {
  static std::map<std::string, double> m;
  return m;
}

// A bfloat16 stored as its code: every op decodes, computes with fp's rounding, encodes.
struct bf16_code {
  std::uint16_t c;
};

// Type traits of the benchmark: how to make a T from a double, and the five ops.
template <class T>
struct ops_of {
  static T make(double x) { return T(x); }
  static T add(T a, T b) { return a + b; }
  static T mul(T a, T b) { return a * b; }
  static T fma(T a, T b, T c) {
    using std::fma;
    return fma(a, b, c);
  }
  static T div(T a, T b) { return a / b; }
  static T sqrt(T a) {
    using std::sqrt;
    return sqrt(a);
  }
  static T abs(T a) {
    using std::abs;
    return abs(a);
  }
};
lowp::bfloat16 bf_fma(lowp::bfloat16 a, lowp::bfloat16 b, lowp::bfloat16 c) { return fma(a, b, c); }
lowp::bfloat16 bf_sqrt(lowp::bfloat16 a) { return sqrt(a); }
lowp::bfloat16 bf_abs(lowp::bfloat16 a) { return abs(a); }
template <>
struct ops_of<bf16_code> {
  using B = lowp::bfloat16;
  static B dec(bf16_code x) { return *B::from_code(x.c); }
  static bf16_code enc(B x) { return {static_cast<std::uint16_t>(x.code())}; }
  static bf16_code make(double x) { return enc(B(x)); }
  static bf16_code add(bf16_code a, bf16_code b) { return enc(dec(a) + dec(b)); }
  static bf16_code mul(bf16_code a, bf16_code b) { return enc(dec(a) * dec(b)); }
  static bf16_code fma(bf16_code a, bf16_code b, bf16_code c) {
    return enc(bf_fma(dec(a), dec(b), dec(c)));
  }
  static bf16_code div(bf16_code a, bf16_code b) { return enc(dec(a) / dec(b)); }
  static bf16_code sqrt(bf16_code a) { return enc(bf_sqrt(dec(a))); }
  static bf16_code abs(bf16_code a) { return enc(bf_abs(dec(a))); }
};

template <class T>
struct typed_inputs {
  std::vector<T> a, b, c;
  std::vector<T> out;
};
template <class T>
typed_inputs<T>& inputs(std::size_t n) {
  static typed_inputs<T> in;
  if (in.a.size() != n) {
    const raw_inputs& r = raw(n);
    in.a.resize(n, ops_of<T>::make(0.0));
    in.b.resize(n, ops_of<T>::make(0.0));
    in.c.resize(n, ops_of<T>::make(0.0));
    in.out.assign(n, ops_of<T>::make(0.0));
    for (std::size_t i = 0; i < n; ++i) {
      in.a[i] = ops_of<T>::make(r.a[i]);
      in.b[i] = ops_of<T>::make(r.b[i]);
      in.c[i] = ops_of<T>::make(r.c[i]);
    }
  }
  return in;
}

void report(benchmark::State& state, const std::string& key, bool is_double, double ns_per_op) {
  state.counters["ns_per_op"] = ns_per_op;
  if (is_double) double_ns()[key] = ns_per_op;
  const auto it = double_ns().find(key);
  if (it != double_ns().end()) state.counters["x_double"] = ns_per_op / it->second;
}

template <class T>
void bm_stream(benchmark::State& state, op o, bool is_double) {
  const std::size_t n = stream_n();
  typed_inputs<T>& in = inputs<T>(n);
  using O = ops_of<T>;
  T* out = in.out.data();
  const T* a = in.a.data();
  const T* b = in.b.data();
  const T* c = in.c.data();
  std::vector<T> sa(in.a.size());
  for (std::size_t i = 0; i < n; ++i) sa[i] = O::abs(a[i]);
  const T* s = sa.data();
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    switch (o) {
      case op::add:
        for (std::size_t i = 0; i < n; ++i) out[i] = O::add(a[i], b[i]);
        break;
      case op::mul:
        for (std::size_t i = 0; i < n; ++i) out[i] = O::mul(a[i], b[i]);
        break;
      case op::fma:
        for (std::size_t i = 0; i < n; ++i) out[i] = O::fma(a[i], b[i], c[i]);
        break;
      case op::div:
        for (std::size_t i = 0; i < n; ++i) out[i] = O::div(a[i], b[i]);
        break;
      case op::sqrt:
        for (std::size_t i = 0; i < n; ++i) out[i] = O::sqrt(s[i]);
        break;
    }
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  const double ops = static_cast<double>(state.iterations()) * static_cast<double>(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(ops));
  report(state, std::string("stream/") + op_name(o), is_double, seconds * 1e9 / ops);
}

// The chain: x = step(x, i), restarted from a[i] every 256 steps so values stay in range:
//   add  x = x + b[i] (a random walk: |x| ~ 20)        mul  x = x * b[i] * b'[i], b' ~ 1/b
//   fma  x = fma(x, c[i]/2, b[i])                      div  x = b[i] / x
//   sqrt x = sqrt(x) (from |a[i]|, reaching 1 within the block)
template <class T>
void bm_chain(benchmark::State& state, op o, bool is_double) {
  const std::size_t n = 1 << 16;
  typed_inputs<T>& in = inputs<T>(stream_n());
  using O = ops_of<T>;
  std::vector<T> half_c(n), inv_b(n), sa(n);
  for (std::size_t i = 0; i < n; ++i) {
    half_c[i] = O::make(raw(stream_n()).c[i] / 2);
    inv_b[i] = O::make(1.0 / raw(stream_n()).b[i]);
    sa[i] = O::abs(in.a[i]);
  }
  const T* a = in.a.data();
  const T* b = in.b.data();
  std::int64_t ops = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t blk = 0; blk < n; blk += 256) {
      T x = o == op::sqrt ? sa[blk] : a[blk];
      switch (o) {
        case op::add:
          for (std::size_t i = blk; i < blk + 256; ++i) x = O::add(x, b[i]);
          break;
        case op::mul:
          for (std::size_t i = blk; i < blk + 256; ++i) x = O::mul(O::mul(x, b[i]), inv_b[i]);
          break;
        case op::fma:
          for (std::size_t i = blk; i < blk + 256; ++i) x = O::fma(x, half_c[i], b[i]);
          break;
        case op::div:
          for (std::size_t i = blk; i < blk + 256; ++i) x = O::div(b[i], x);
          break;
        case op::sqrt:
          for (std::size_t i = blk; i < blk + 256; ++i) x = O::sqrt(x);
          break;
      }
      benchmark::DoNotOptimize(x);
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ops += o == op::mul ? 2 * n : n;
  }
  state.SetItemsProcessed(ops);
  report(state, std::string("chain/") + op_name(o), is_double,
         seconds * 1e9 / static_cast<double>(ops));
}

template <class T>
void register_type(const std::string& name) {
  for (op o : {op::add, op::mul, op::fma, op::div, op::sqrt}) {
    benchmark::RegisterBenchmark(("stream/" + std::string(op_name(o)) + "/" + name).c_str(),
                                 [o, name](benchmark::State& st) {
                                   bm_stream<T>(st, o, name == "double");
                                 })
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5);
    benchmark::RegisterBenchmark(("chain/" + std::string(op_name(o)) + "/" + name).c_str(),
                                 [o, name](benchmark::State& st) {
                                   bm_chain<T>(st, o, name == "double");
                                 })
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(0.2);
  }
}

}  // namespace

// A number's operations need a context: bfloat16, nearest-even, for the whole run.
int main(int argc, char** argv) {
  // The generator serves the stochastic fp types (one random word per rounding).
  lowp::sr_generator gen(1);
  lowp::scoped_context ctx(lowp::formats::bfloat16, lowp::rounding::nearest_even, gen);
  register_type<double>("double");
  register_type<float>("float");
  register_type<lowp::bfloat16>("bfloat16");
  register_type<lowp::float16>("float16");
  register_type<lowp::float8_e4m3fn>("e4m3fn");
  register_type<e8m30>("E8M30");
  register_type<bfloat16_sr>("bfloat16_sr");
  register_type<e11m10>("E11M10");
  register_type<e11m10_sr>("E11M10_sr");
  register_type<lowp::number>("number_bfloat16");
  register_type<bf16_code>("bfloat16_code");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
