// The fast CPU kernels of fast.hpp: inputs rounded once by lowp::round_array, operands packed
// into panels, a tile of outputs per task (OpenMP), the inner loop chosen by the model
// (fast_tiles.inc), block sums combined and outputs rounded by the definition's own functions.
#include "lowp/kernels/fast.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "fast_tiles.hpp"
#include "lowp/array.hpp"
#include "lowp/kernels/definition.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"

namespace lowp::kernels {

namespace detail {
namespace baseline {
#include "fast_tiles.inc"
}  // namespace baseline

tile_loops tile_loops_baseline() {
  return {&baseline::run_native, &baseline::run_lanes, &baseline::run_lanes32};
}

#if !defined(LOWP_KERNELS_HAVE_AVX2)
tile_loops tile_loops_avx2() { return tile_loops_baseline(); }
#endif
}  // namespace detail

namespace {

using detail::tile_cols;
using detail::tile_rows;

enum class path { native32, lanes32, lanes, generic };

// What the inner loops need to know of the (rounded) operands.
struct data_facts {
  bool binary32 = true;           // every value is a binary32 value
  bool products_binary32 = true;  // every product of an A value and a B value is exact in binary32
};

// Significant bits, lowest and highest bit exponents of the finite nonzero values of v.
struct value_range {
  int bits = 0, lsb = 100000, top = -100000;
  bool binary32 = true;
  void add(double x) {
    if (!(static_cast<double>(static_cast<float>(x)) == x) && x == x) binary32 = false;
    if (x == 0 || !std::isfinite(x)) return;
    const std::uint64_t u = std::bit_cast<std::uint64_t>(x) & 0x7fffffffffffffffULL;
    const int field = static_cast<int>(u >> 52);
    const std::uint64_t sig = field ? (u & 0xfffffffffffffULL) | (1ULL << 52) : u;
    const int l = (field ? field - 1075 : -1074) + std::countr_zero(sig);
    const int t = (field ? field - 1023 : -1074 + 63 - std::countl_zero(sig));
    bits = std::max(bits, t - l + 1);
    lsb = std::min(lsb, l);
    top = std::max(top, t);
  }
};

data_facts facts_of(const value_range& a, const value_range& b) {
  data_facts d;
  d.binary32 = a.binary32 && b.binary32;
  // The product of x (bits bx, lowest bit 2^lx, below 2^(tx+1)) and y is exact in binary32 when
  // it has at most 24 bits, no bit below 2^-149 and magnitude below 2^127 (no overflow).
  d.products_binary32 = d.binary32 && a.bits + b.bits <= 24 && a.lsb + b.lsb >= -149 &&
                        a.top + b.top <= 125;
  return d;
}

const detail::tile_loops& loops() {
  static const detail::tile_loops l = [] {
    // LOWP_KERNELS_LOOPS=baseline forces the portable loops (so tests cover both).
    const char* env = std::getenv("LOWP_KERNELS_LOOPS");
    const bool force_baseline = env && std::string(env) == "baseline";
#if defined(LOWP_KERNELS_HAVE_AVX2)
    if (!force_baseline && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return detail::tile_loops_avx2();
#endif
    (void)force_baseline;
    return detail::tile_loops_baseline();
  }();
  return l;
}

path choose(const accumulation_model& m, data_facts d) {
  if (!d.binary32 || m.group > 0 || m.order == order_kind::pairwise) return path::generic;
  const format& f = m.accumulator;
  if (f == formats::binary32 && m.accumulator_mode == rounding::nearest_even &&
      (!m.round_products ||
       (m.product == formats::binary32 && m.product_mode == rounding::nearest_even)))
    return path::native32;
  if (m.round_products || f.mantissa_bits > 50 || !f.is_signed || !f.has_zero) return path::generic;
  const rounding r = m.accumulator_mode;
  const bool rne_rz = r == rounding::nearest_even || r == rounding::toward_zero;
  if (rne_rz && d.products_binary32 && f.mantissa_bits <= 21 && f.fits_binary32() &&
      f.emin() >= -126)
    return path::lanes32;
  if (rne_rz) return path::lanes;
  if (r == rounding::stochastic && m.rbits <= 51 - f.mantissa_bits) return path::lanes;
  return path::generic;
}

void check(const accumulation_model& m) {
  if (std::string why = m.validate(); !why.empty())
    throw std::invalid_argument("lowp::kernels: " + why);
}

// Returns x rounded to the model's input format (role `which`, positions first + i*... as the
// caller lays them out), or x itself.
void round_inputs_into(const accumulation_model& m, std::uint64_t which, const double* x,
                       std::size_t n, std::uint64_t first, double* out) {
  round_options o;
  o.mode = m.input_mode;
  o.seed = m.seed;
  o.stream = which;
  o.rbits = m.rbits;
  o.first_index = first;
  o.threads = 1;
  round_array(x, out, n, m.input, o);
}

value_range range_of(const std::vector<double>& v) {
  value_range r;
  for (double x : v) r.add(x);
  return r;
}

// A GEMM C(i,j) = sum_k A(i,k) B(k,j) on inputs already rounded: A row-major M x K
// (contiguous), B(k,j) = b[k*bk + j*bj]; output index o = o_base + i*o_row + j; C(i,j) at
// c[i*ldc + j*c_col].
struct problem {
  accumulation_model m;  // round_inputs already applied (false)
  std::size_t M, N, K;
  const double* a;
  const double* b;
  std::size_t bk, bj;
  double* c;
  std::size_t ldc, c_col;
  std::uint64_t o_base, o_row;
};

// Returns output o before its output rounding: the single run's value, or the block sums /
// partials combined as the definition combines them.
double combine_output(const accumulation_model& m, std::uint64_t o, std::uint64_t n,
                      const double* part_values, std::size_t part_stride) {
  if (m.order != order_kind::blocked && m.order != order_kind::split_k) return part_values[0];
  const output_keys key{m.seed, o};
  return detail::combine_parts(m, key, detail::part_count(m, n),
                               [&](std::uint64_t j) { return part_values[j * part_stride]; });
}

// Rounds every C(i,j) (holding its value before output rounding) to the output format: by rows
// with lowp::round_array in the deterministic modes (bit-identical to lowp::round), one by one
// with each output's own random word in the stochastic ones.
void round_outputs(const problem& p, int threads) {
  const accumulation_model& m = p.m;
  if (!is_stochastic(m.output_mode)) {
    if (m.output == formats::binary64 && m.output_mode == rounding::nearest_even) return;
    round_options o;
    o.mode = m.output_mode;
    o.threads = 1;
    const auto rows = static_cast<std::int64_t>(p.M);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t i = 0; i < rows; ++i) {
      double* row = p.c + static_cast<std::size_t>(i) * p.ldc;
      if (p.c_col == 1) {
        round_array(row, row, p.N, m.output, o);
      } else {
        for (std::size_t j = 0; j < p.N; ++j)
          row[j * p.c_col] = round(row[j * p.c_col], m.output, m.output_mode).value;
      }
    }
    return;
  }
  for (std::size_t i = 0; i < p.M; ++i)
    for (std::size_t j = 0; j < p.N; ++j) {
      double& c = p.c[i * p.ldc + j * p.c_col];
      const output_keys key{m.seed, p.o_base + i * p.o_row + j};
      c = round(c, m.output, m.output_mode, key.word(role::output, 0), m.rbits).value;
    }
}

void run_generic(const problem& p, int threads) {
  // B columns packed contiguously so each output reads two contiguous rows.
  std::vector<double> bt(p.N * p.K);
  for (std::size_t k = 0; k < p.K; ++k)
    for (std::size_t j = 0; j < p.N; ++j) bt[j * p.K + k] = p.b[k * p.bk + j * p.bj];
  const auto total = static_cast<std::int64_t>(p.M * p.N);
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (std::int64_t t = 0; t < total; ++t) {
    const std::size_t i = static_cast<std::size_t>(t) / p.N, j = static_cast<std::size_t>(t) % p.N;
    const double* a = p.a + i * p.K;
    const double* b = bt.data() + j * p.K;
    p.c[i * p.ldc + j * p.c_col] =
        model_dot(p.m, p.K, [&](std::uint64_t k) { return a[k]; },
                  [&](std::uint64_t k) { return b[k]; }, p.o_base + i * p.o_row + j);
  }
}

void run_tiled(const problem& p, path which, int threads) {
  const accumulation_model& m = p.m;
  const std::size_t n_jt = (p.N + tile_cols - 1) / tile_cols;
  const std::size_t rows = tile_rows;
  const std::size_t n_it = (p.M + rows - 1) / rows;
  const std::uint64_t parts =
      m.order == order_kind::sequential ? 1 : detail::part_count(m, p.K);
  // Panels of B, tile_cols wide, zero padded: panel jt holds B(k, jt*cols + c) at [k*cols + c].
  // A padded to whole tiles of rows (zero rows give outputs nobody reads).
  std::vector<double> bpd, ad;
  std::vector<float> bpf, af;
  const bool f32_panels = which == path::native32 || which == path::lanes32;
  if (f32_panels) {
    bpf.assign(n_jt * p.K * tile_cols, 0.0f);
    af.assign(n_it * rows * p.K, 0.0f);
    for (std::size_t i = 0; i < p.M; ++i)
      for (std::size_t k = 0; k < p.K; ++k) af[i * p.K + k] = static_cast<float>(p.a[i * p.K + k]);
  } else {
    bpd.assign(n_jt * p.K * tile_cols, 0.0);
    ad.assign(n_it * rows * p.K, 0.0);
    std::copy(p.a, p.a + p.M * p.K, ad.begin());
  }
  for (std::size_t jt = 0; jt < n_jt; ++jt) {
    const std::size_t cols = std::min<std::size_t>(tile_cols, p.N - jt * tile_cols);
    for (std::size_t k = 0; k < p.K; ++k) {
      const double* src = p.b + k * p.bk + jt * tile_cols * p.bj;
      const std::size_t at = (jt * p.K + k) * tile_cols;
      if (f32_panels) {
        for (std::size_t c = 0; c < cols; ++c) bpf[at + c] = static_cast<float>(src[c * p.bj]);
      } else {
        for (std::size_t c = 0; c < cols; ++c) bpd[at + c] = src[c * p.bj];
      }
    }
  }
  detail::lane_mode lm = detail::lane_mode::rne;
  if (m.accumulator_mode == rounding::toward_zero) lm = detail::lane_mode::rz;
  if (m.accumulator_mode == rounding::stochastic) lm = detail::lane_mode::sr;
  const detail::tile_loops& l = loops();
  const auto tasks = static_cast<std::int64_t>(n_jt * n_it);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> vals(parts * tile_rows * tile_cols);
    std::vector<double> tile(tile_rows * tile_cols);
    std::uint64_t keys[tile_rows * tile_cols];
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t t = 0; t < tasks; ++t) {
      const std::size_t jt = static_cast<std::size_t>(t) / n_it;  // panels outer: reuse in cache
      const std::size_t it = static_cast<std::size_t>(t) % n_it;
      const std::size_t i0 = it * rows;
      for (std::uint64_t part = 0; part < parts; ++part) {
        detail::part_range r{0, p.K};
        if (m.order != order_kind::sequential) r = detail::part_of(m, p.K, part);
        if (which == path::native32) {
          l.native({af.data() + i0 * p.K, p.K, bpf.data() + jt * p.K * tile_cols, r.k0, r.k1,
                    m.round_products, tile.data()});
        } else if (which == path::lanes32) {
          l.lanes32({af.data() + i0 * p.K, p.K, bpf.data() + jt * p.K * tile_cols, r.k0, r.k1,
                     &m.accumulator, m.accumulator_mode, lm, tile.data()});
        } else {
          if (part == 0 && lm == detail::lane_mode::sr)
            for (std::size_t rr = 0; rr < rows; ++rr)
              for (std::size_t c = 0; c < tile_cols; ++c)
                keys[rr * tile_cols + c] =
                    random_stream(m.seed, 8 * (p.o_base + (i0 + rr) * p.o_row + jt * tile_cols + c) +
                                              role::accumulate)
                        .key;
          l.lanes({ad.data() + i0 * p.K, p.K, bpd.data() + jt * p.K * tile_cols, r.k0, r.k1,
                   &m.accumulator, m.accumulator_mode, lm, m.rbits, keys, tile.data()});
        }
        for (std::size_t e = 0; e < rows * tile_cols; ++e)
          vals[part * rows * tile_cols + e] = tile[e];
      }
      for (std::size_t r = 0; r < rows && i0 + r < p.M; ++r)
        for (std::size_t c = 0; c < tile_cols && jt * tile_cols + c < p.N; ++c) {
          const std::size_t i = i0 + r, j = jt * tile_cols + c;
          p.c[i * p.ldc + j * p.c_col] =
              combine_output(m, p.o_base + i * p.o_row + j, p.K, vals.data() + r * tile_cols + c,
                             rows * tile_cols);
        }
    }
  }
}

void run(const problem& p, data_facts d, int threads) {
  if (threads <= 0) threads = omp_get_max_threads();
  const path which = choose(p.m, d);
  if (which == path::generic || p.M * p.N == 0) {
    run_generic(p, threads);  // the definition rounds its outputs itself
    return;
  }
  run_tiled(p, which, threads);
  round_outputs(p, threads);
}

}  // namespace

std::string fast_path_name(const accumulation_model& m, bool inputs_are_binary32,
                           bool products_are_binary32) {
  switch (choose(m, {inputs_are_binary32, inputs_are_binary32 && products_are_binary32})) {
    case path::native32: return "native-binary32";
    case path::lanes32: return "lanes-binary32";
    case path::lanes: return "lanes";
    case path::generic: return "generic";
  }
  return "generic";
}

void batched_gemm(const accumulation_model& m, std::size_t batch, std::size_t M, std::size_t N,
                  std::size_t K, const double* A, std::size_t lda, std::size_t stride_a,
                  const double* B, std::size_t ldb, std::size_t stride_b, double* C,
                  std::size_t ldc, std::size_t stride_c, const fast_options& opt) {
  check(m);
  accumulation_model mm = m;
  mm.round_inputs = false;
  std::vector<double> a(M * K), b(K * N);
  for (std::size_t bi = 0; bi < batch; ++bi) {
    for (std::size_t i = 0; i < M; ++i) {
      const double* row = A + bi * stride_a + i * lda;
      if (m.round_inputs) round_inputs_into(m, role::input_a, row, K, bi * M * K + i * K, &a[i * K]);
      else std::copy(row, row + K, &a[i * K]);
    }
    for (std::size_t k = 0; k < K; ++k) {
      const double* row = B + bi * stride_b + k * ldb;
      if (m.round_inputs) round_inputs_into(m, role::input_b, row, N, bi * K * N + k * N, &b[k * N]);
      else std::copy(row, row + N, &b[k * N]);
    }
    const problem p{mm, M, N, K, a.data(), b.data(), N, 1, C + bi * stride_c, ldc, 1,
                    bi * M * N, N};
    run(p, facts_of(range_of(a), range_of(b)), opt.threads);
  }
}

void gemm(const accumulation_model& m, std::size_t M, std::size_t N, std::size_t K,
          const double* A, std::size_t lda, const double* B, std::size_t ldb, double* C,
          std::size_t ldc, const fast_options& opt) {
  batched_gemm(m, 1, M, N, K, A, lda, 0, B, ldb, 0, C, ldc, 0, opt);
}

void gemv(const accumulation_model& m, std::size_t M, std::size_t K, const double* A,
          std::size_t lda, const double* x, double* y, const fast_options& opt) {
  check(m);
  accumulation_model mm = m;
  mm.round_inputs = false;
  std::vector<double> a(M * K), xv(K);
  for (std::size_t i = 0; i < M; ++i) {
    const double* row = A + i * lda;
    if (m.round_inputs) round_inputs_into(m, role::input_a, row, K, i * K, &a[i * K]);
    else std::copy(row, row + K, &a[i * K]);
  }
  if (m.round_inputs) round_inputs_into(m, role::input_b, x, K, 0, xv.data());
  else std::copy(x, x + K, xv.data());

  // y^T = x^T A^T: one row (x), N = M columns with B(k, j) = A(j, k); o = j as GEMV's i. The
  // product is x_k * A(j,k) instead of A(j,k) * x_k: the same exact value, and every rounding
  // of the model sees only the exact product, so the bits are the same.
  const problem p{mm, 1, M, K, xv.data(), a.data(), 1, K, y, 0, 1, 0, 0};
  run(p, facts_of(range_of(xv), range_of(a)), opt.threads);
}

namespace {

// Returns one output of a model whose runs take the native-binary32 loop (binary32 FMA or
// multiply-add in hardware), on inputs a, b already rounded; otherwise the definition.
double one_output(const accumulation_model& m, std::size_t n, const std::vector<double>& a,
                  const std::vector<double>& b) {
  const value_range ra = range_of(a), rb = range_of(b);
  if (choose(m, facts_of(ra, rb)) != path::native32)
    return model_dot(m, n, [&](std::uint64_t k) { return a[k]; },
                     [&](std::uint64_t k) { return b[k]; }, 0);
  auto run = [&](std::uint64_t k0, std::uint64_t k1) {
    float acc = 0.0f;
    for (std::uint64_t k = k0; k < k1; ++k) {
      const auto x = static_cast<float>(a[k]), y = static_cast<float>(b[k]);
      acc = m.round_products ? acc + x * y : std::fma(x, y, acc);
    }
    return static_cast<double>(acc);
  };
  const output_keys key{m.seed, 0};
  double v = 0;
  if (m.order == order_kind::sequential) {
    v = run(0, n);
  } else {
    v = detail::combine_parts(m, key, detail::part_count(m, n), [&](std::uint64_t j) {
      const detail::part_range r = detail::part_of(m, n, j);
      return run(r.k0, r.k1);
    });
  }
  return round(v, m.output, m.output_mode, key.word(m.output_mode, role::output, 0), m.rbits).value;
}

}  // namespace

double dot(const accumulation_model& m, std::size_t n, const double* x, const double* y,
           std::ptrdiff_t incx, std::ptrdiff_t incy, const fast_options& opt) {
  check(m);
  (void)opt;  // one output: one thread, in the model's order
  accumulation_model mm = m;
  mm.round_inputs = false;
  std::vector<double> a(n), b(n);
  for (std::size_t k = 0; k < n; ++k) {
    a[k] = x[static_cast<std::ptrdiff_t>(k) * incx];
    b[k] = y[static_cast<std::ptrdiff_t>(k) * incy];
  }
  if (m.round_inputs) {
    round_inputs_into(m, role::input_a, a.data(), n, 0, a.data());
    round_inputs_into(m, role::input_b, b.data(), n, 0, b.data());
  }
  return one_output(mm, n, a, b);
}

double sum(const accumulation_model& m, std::size_t n, const double* x, std::ptrdiff_t incx,
           const fast_options& opt) {
  check(m);
  (void)opt;
  accumulation_model mm = m;
  mm.round_inputs = false;
  std::vector<double> a(n);
  for (std::size_t k = 0; k < n; ++k) a[k] = x[static_cast<std::ptrdiff_t>(k) * incx];
  if (m.round_inputs) round_inputs_into(m, role::input_a, a.data(), n, 0, a.data());
  return one_output(mm, n, a, std::vector<double>(n, 1.0));
}

}  // namespace lowp::kernels
