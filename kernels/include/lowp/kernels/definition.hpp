// Provides the definition of an accumulation model: the loop that computes one output value from
// its n products, written to be read as the specification. Every implementation (reference
// kernels, the fast CPU path, CUDA) is proved bit-identical to it. Host and device.
#pragma once

#include <cstdint>

#include "lowp/config.hpp"
#include "lowp/kernels/accumulation.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "lowp/rounding.hpp"

namespace lowp::kernels {

// The random words of one output o: word(role, e) = random_stream(seed, 8 o + role)(e).
struct output_keys {
  std::uint64_t seed;
  std::uint64_t o;
  LOWP_HOST_DEVICE constexpr std::uint64_t word(std::uint64_t r, std::uint64_t e) const noexcept {
    return random_stream(seed, 8 * o + r)(e);
  }
  // Returns word(r, e) for a stochastic mode, else 0 (deterministic modes read no random bits,
  // so skipping the generator changes nothing but the time).
  LOWP_HOST_DEVICE constexpr std::uint64_t word(rounding mode, std::uint64_t r,
                                                std::uint64_t e) const noexcept {
    return (mode == rounding::stochastic || mode == rounding::stochastic_equal) ? word(r, e) : 0;
  }
};

// Returns input x of operand `which` (role::input_a or input_b) at flat position `index` as the
// model uses it: rounded to the input format, or as it is.
LOWP_HOST_DEVICE constexpr double model_input(const accumulation_model& m, double x,
                                              std::uint64_t which, std::uint64_t index) noexcept {
  if (!m.round_inputs) return x;
  return round(x, m.input, m.input_mode, random_stream(m.seed, which)(index), m.rbits).value;
}

namespace detail {

// One product entering the accumulator: acc + a*b rounded once (exact products, fused), or
// acc + round(a*b) (rounded products, unfused).
LOWP_HOST_DEVICE constexpr double step(const accumulation_model& m, const output_keys& key,
                                       double acc, double a, double b, std::uint64_t k) noexcept {
  const std::uint64_t r = key.word(m.accumulator_mode, role::accumulate, k);
  if (!m.round_products) return fma(a, b, acc, m.accumulator, m.accumulator_mode, r, m.rbits).value;
  const double p =
      mul(a, b, m.product, m.product_mode, key.word(m.product_mode, role::product, k), m.rbits)
          .value;
  return add(acc, p, m.accumulator, m.accumulator_mode, r, m.rbits).value;
}

// A signed 128-bit integer (__extension__ keeps -Wpedantic quiet, as round.hpp's uint128).
__extension__ typedef __int128 int128;

// The term a*b (or its rounded product) as an exact integer significand.
struct group_term {
  lowp::detail::uint128 sig;
  int lsb;
  bool negative;
  bool zero;
};

LOWP_HOST_DEVICE constexpr group_term exact_term(double x) noexcept {
  const lowp::detail::operand u = lowp::detail::unpack(x);
  return {u.sig, u.lsb, u.negative, u.zero};
}

// The group's products k0..k1-1 entering the accumulator together (the tensor-core group sum of
// accumulation_model::group). Non-finite terms give the IEEE result of the exact sum.
template <class AAt, class BAt>
LOWP_HOST_DEVICE constexpr double group_step(const accumulation_model& m, const output_keys& key,
                                             double acc, AAt a_at, BAt b_at, std::uint64_t k0,
                                             std::uint64_t k1) noexcept {
  using lowp::detail::uint128;
  const std::uint64_t r = key.word(m.accumulator_mode, role::accumulate, k0);
  const format& f = m.accumulator;
  const rounding mode = m.accumulator_mode;
  constexpr double inf = __builtin_bit_cast(double, lowp::detail::inf_bits);
  group_term t[64] = {};
  bool any_nan = acc != acc, pos_inf = acc == inf, neg_inf = acc == -inf;
  bool all_negative_zero = true;
  int count = 0;
  for (std::uint64_t k = k0; k < k1; ++k, ++count) {
    const double a = a_at(k), b = b_at(k);
    double p = 0;
    if (m.round_products) {
      p = mul(a, b, m.product, m.product_mode, key.word(m.product_mode, role::product, k),
              m.rbits)
              .value;
      t[count] = exact_term(p);
    } else {
      const lowp::detail::operand x = lowp::detail::unpack(a), y = lowp::detail::unpack(b);
      if (x.nan || y.nan || ((x.inf || y.inf) && (x.zero || y.zero))) {
        any_nan = true;
        continue;
      }
      p = a * b;  // only its class and sign are used below when an operand is infinite
      t[count] = {uint128{x.sig} * y.sig, x.lsb + y.lsb, x.negative != y.negative,
                  x.zero || y.zero};
      if (x.inf || y.inf) p = (x.negative != y.negative) ? -inf : inf;
    }
    if (p != p) any_nan = true;
    if (p == inf) pos_inf = true;
    if (p == -inf) neg_inf = true;
    if (!(t[count].zero && t[count].negative)) all_negative_zero = false;
  }
  if (any_nan || (pos_inf && neg_inf))
    return lowp::detail::op_invalid().value;  // the canonical NaN, as ops.hpp's invalid results
  if (pos_inf || neg_inf) return round(pos_inf ? inf : -inf, f, mode).value;

  const bool align_acc = m.group_aligns_accumulator && acc != 0;
  int e_max = -100000;
  for (int i = 0; i < count; ++i)
    if (!t[i].zero) {
      const int e = lowp::detail::bit_width128(t[i].sig) - 1 + t[i].lsb;
      if (e > e_max) e_max = e;
    }
  const group_term at = exact_term(acc);
  if (align_acc) {
    const int e = lowp::detail::bit_width128(at.sig) - 1 + at.lsb;
    if (e > e_max) e_max = e;
  }
  if (e_max == -100000)  // every term is zero
    return add(acc, all_negative_zero ? -0.0 : 0.0, f, mode, r, m.rbits).value;

  // Truncate each term toward zero to a multiple of 2^q and add exactly (|S| < 65 * 2^w).
  const int q = e_max - m.group_bits + 1;
  int128 s = 0;
  auto add_truncated = [&](const group_term& x) {
    if (x.zero) return;
    const int shift = q - x.lsb;
    uint128 v = 0;
    if (shift <= 0) v = x.sig << -shift;
    else if (shift < 128) v = x.sig >> shift;
    const auto sv = static_cast<int128>(v);
    // Two's complement truncation (floor) of a negative term with dropped bits: one unit more.
    const bool dropped = shift > 0 && (shift >= 128 || (x.sig << (128 - shift)) != 0);
    s += x.negative ? -(sv + (m.group_floor && dropped ? 1 : 0)) : sv;
  };
  for (int i = 0; i < count; ++i) add_truncated(t[i]);
  if (align_acc) add_truncated(at);

  const bool negative = s < 0;
  const uint128 mag = negative ? static_cast<uint128>(-s) : static_cast<uint128>(s);
  if (align_acc || acc == 0) {
    if (mag == 0) {
      if (align_acc) return lowp::detail::op_zero(mode == rounding::down, f, mode).value;
      return add(acc, 0.0, f, mode, r, m.rbits).value;
    }
    return lowp::detail::op_finite(mag, q, false, negative, f, mode, r, m.rbits).value;
  }
  if (mag == 0) return add(acc, 0.0, f, mode, r, m.rbits).value;
  return lowp::detail::add_terms({mag, q, negative}, {at.sig, at.lsb, at.negative}, f, mode, r,
                                 m.rbits)
      .value;
}

// Adds two values in the combine arithmetic (accumulator, or the wide format when promoting).
LOWP_HOST_DEVICE constexpr double combine_add(const accumulation_model& m, const output_keys& key,
                                              double x, double y, std::uint64_t e) noexcept {
  const format& f = m.wide_combine ? m.combine_format : m.accumulator;
  const rounding mode = m.wide_combine ? m.combine_mode : m.accumulator_mode;
  return add(x, y, f, mode, key.word(mode, role::combine, e), m.rbits).value;
}

// Returns the largest power of two strictly below len (len >= 2): the pairwise split rule.
LOWP_HOST_DEVICE constexpr std::uint64_t pairwise_left(std::uint64_t len) noexcept {
  std::uint64_t p = 1;
  while (2 * p < len) p *= 2;
  return p;
}

// Returns the pairwise tree sum over [lo, hi) whose leaves are leaf(i) and whose node splitting
// at mid is join(left, right, mid). Written with an explicit stack (no recursion on devices):
// a bottom-up binary counter, which builds exactly the tree of the split rule above.
template <class Leaf, class Join>
LOWP_HOST_DEVICE constexpr double pairwise_tree(std::uint64_t lo, std::uint64_t hi, Leaf leaf,
                                                Join join) noexcept {
  double value[65] = {};
  std::uint64_t size[65] = {}, start[65] = {};
  int top = 0;
  for (std::uint64_t i = lo; i < hi; ++i) {
    value[top] = leaf(i);
    size[top] = 1;
    start[top] = i;
    ++top;
    while (top >= 2 && size[top - 1] == size[top - 2]) {  // merge two equal complete trees
      value[top - 2] = join(value[top - 2], value[top - 1], start[top - 1]);
      size[top - 2] *= 2;
      --top;
    }
  }
  while (top >= 2) {  // the leftover trees, smallest first: right-to-left
    value[top - 2] = join(value[top - 2], value[top - 1], start[top - 1]);
    size[top - 2] += size[top - 1];
    --top;
  }
  return value[0];
}

// The sequential run over products [k0, k1) from +0: steps, or group sums of m.group products.
template <class AAt, class BAt>
LOWP_HOST_DEVICE constexpr double sequential_run(const accumulation_model& m,
                                                 const output_keys& key, AAt a_at, BAt b_at,
                                                 std::uint64_t k0, std::uint64_t k1) noexcept {
  double acc = 0.0;
  if (m.group > 0) {
    for (std::uint64_t k = k0; k < k1; k += static_cast<std::uint64_t>(m.group)) {
      const std::uint64_t end = k + m.group < k1 ? k + m.group : k1;
      acc = group_step(m, key, acc, a_at, b_at, k, end);
    }
    return acc;
  }
  for (std::uint64_t k = k0; k < k1; ++k) acc = step(m, key, acc, a_at(k), b_at(k), k);
  return acc;
}

// The number of block sums or split-K partials of a dot of length n: ceil(n / b) blocks (one
// +0 block when n = 0), or S partials.
LOWP_HOST_DEVICE constexpr std::uint64_t part_count(const accumulation_model& m,
                                                    std::uint64_t n) noexcept {
  const auto bl = static_cast<std::uint64_t>(m.block);
  if (m.order == order_kind::blocked) return n == 0 ? 1 : (n + bl - 1) / bl;
  return bl;
}

struct part_range {
  std::uint64_t k0, k1;
};

// Returns the products [k0, k1) of block / partial j: blocks of length b; split-K chunks of
// length c = ceil(n / S), the last ones shorter or empty.
LOWP_HOST_DEVICE constexpr part_range part_of(const accumulation_model& m, std::uint64_t n,
                                              std::uint64_t j) noexcept {
  const auto bl = static_cast<std::uint64_t>(m.block);
  const std::uint64_t len = m.order == order_kind::blocked ? bl : (n + bl - 1) / bl;
  const std::uint64_t k0 = j * len < n ? j * len : n;
  const std::uint64_t k1 = k0 + len < n ? k0 + len : n;
  return {k0, k1};
}

// Combines the values part(0..parts-1) (each rounded to the partial format first when the model
// says so) sequentially or pairwise in the combine arithmetic.
template <class Part>
LOWP_HOST_DEVICE constexpr double combine_parts(const accumulation_model& m,
                                                const output_keys& key, std::uint64_t parts,
                                                Part part) noexcept {
  auto value = [&](std::uint64_t j) {
    double v = part(j);
    if (m.round_partials)
      v = round(v, m.partial, m.partial_mode, key.word(m.partial_mode, role::partial, j), m.rbits)
              .value;
    return v;
  };
  auto join = [&](double x, double y, std::uint64_t e) { return combine_add(m, key, x, y, e); };
  if (m.combine == combine_kind::pairwise) return pairwise_tree(0, parts, value, join);
  double r = value(0);
  for (std::uint64_t j = 1; j < parts; ++j) r = join(r, value(j), j);
  return r;
}

}  // namespace detail

// Returns output o of the model: sum over k < n of a_at(k) * b_at(k), where a_at / b_at return
// the inputs as the model uses them (already passed through model_input). THE DEFINITION:
//
//   sequential  acc = +0; for k: acc = step(acc, k)      (or group steps, see accumulation.hpp)
//   pairwise    tree over leaves step(+0, k), nodes add(left, right) in the accumulator
//   blocked     v_j = sequential run over block j from +0, j = 0..ceil(n/b)-1 (one +0 block
//               when n = 0); v_j rounded to the partial format if round_partials; combined
//   split_k     v_s = sequential run over [s c, min((s+1) c, n)), c = ceil(n/S), s = 0..S-1;
//               rounded to the partial format if round_partials; combined
//   output      round(result, output format, output mode)
template <class AAt, class BAt>
LOWP_HOST_DEVICE constexpr double model_dot(const accumulation_model& m, std::uint64_t n,
                                            AAt a_at, BAt b_at, std::uint64_t o) noexcept {
  using namespace detail;
  const output_keys key{m.seed, o};
  double result = 0.0;
  if (m.order == order_kind::sequential) {
    result = sequential_run(m, key, a_at, b_at, 0, n);
  } else if (m.order == order_kind::pairwise) {
    if (n > 0) {
      result = pairwise_tree(
          0, n, [&](std::uint64_t k) { return step(m, key, 0.0, a_at(k), b_at(k), k); },
          [&](double x, double y, std::uint64_t mid) {
            return add(x, y, m.accumulator, m.accumulator_mode,
                       key.word(m.accumulator_mode, role::combine, mid), m.rbits)
                .value;
          });
    }
  } else {
    result = combine_parts(m, key, part_count(m, n), [&](std::uint64_t j) {
      const part_range r = part_of(m, n, j);
      return sequential_run(m, key, a_at, b_at, r.k0, r.k1);
    });
  }
  return round(result, m.output, m.output_mode, key.word(m.output_mode, role::output, 0), m.rbits)
      .value;
}

}  // namespace lowp::kernels
