// The long accumulator of exact.hpp.
#include "lowp/kernels/exact.hpp"

#include "lowp/ops.hpp"

namespace lowp::kernels {

using lowp::detail::uint128;

void exact_accumulator::add_product(double a, double b) noexcept {
  const lowp::detail::operand x = lowp::detail::unpack(a), y = lowp::detail::unpack(b);
  const bool negative = x.negative != y.negative;
  if (x.nan || y.nan || ((x.inf || y.inf) && (x.zero || y.zero))) {
    nan_ = true;
    return;
  }
  if (x.inf || y.inf) {
    (negative ? neg_inf_ : pos_inf_) = true;
    return;
  }
  any_term_ = true;
  if (!(negative && (x.zero || y.zero))) all_negative_zero_ = false;
  if (x.zero || y.zero) return;
  has_nonzero_ = true;
  const uint128 sig = uint128{x.sig} * y.sig;  // < 2^106
  const int pos = x.lsb + y.lsb + offset;      // >= 0
  const int at = pos / 64, sh = pos % 64;
  const auto lo = static_cast<std::uint64_t>(sig), hi = static_cast<std::uint64_t>(sig >> 64);
  const std::uint64_t w[3] = {lo << sh, (hi << sh) | (sh ? lo >> (64 - sh) : 0),
                              sh ? hi >> (64 - sh) : 0};
  if (!negative) {
    std::uint64_t carry = 0;
    int i = at;
    for (int t = 0; t < 3; ++t, ++i) {
      const uint128 s = uint128{limb_[i]} + w[t] + carry;
      limb_[i] = static_cast<std::uint64_t>(s);
      carry = static_cast<std::uint64_t>(s >> 64);
    }
    for (; carry && i < limbs; ++i) carry = ++limb_[i] == 0;
  } else {
    std::uint64_t borrow = 0;
    int i = at;
    for (int t = 0; t < 3; ++t, ++i) {
      const std::uint64_t v = limb_[i];
      const std::uint64_t d = v - w[t] - borrow;
      borrow = (v < w[t]) || (v - w[t] < borrow);
      limb_[i] = d;
    }
    for (; borrow && i < limbs; ++i) borrow = limb_[i]-- == 0;
  }
}

int exact_accumulator::sign() const noexcept {
  if (limb_[limbs - 1] >> 63) return -1;
  for (std::uint64_t v : limb_)
    if (v) return 1;
  return 0;
}

round_result exact_accumulator::round(const format& f, rounding mode, std::uint64_t random,
                                      int rbits) const noexcept {
  const double inf = __builtin_bit_cast(double, lowp::detail::inf_bits);
  if (nan_ || (pos_inf_ && neg_inf_)) return lowp::detail::op_invalid();
  if (pos_inf_ || neg_inf_) return lowp::round(pos_inf_ ? inf : -inf, f, mode);
  const int s = sign();
  if (s == 0) {
    // Only -0 terms give -0; cancelling nonzero terms give +0 (-0 rounding down), as IEEE.
    const bool neg = has_nonzero_ ? mode == rounding::down : (any_term_ && all_negative_zero_);
    return lowp::round(neg ? -0.0 : 0.0, f, mode);
  }
  std::array<std::uint64_t, limbs> m = limb_;
  if (s < 0) {  // magnitude = two's complement negation
    std::uint64_t carry = 1;
    for (auto& v : m) {
      v = ~v + carry;
      carry = carry && v == 0;
    }
  }
  int top = limbs - 1;
  while (m[top] == 0) --top;
  // The top 128 bits from the leading one down, the rest as sticky.
  const int width = 64 - __builtin_clzll(m[top]);       // bits used in limb `top`
  const int lead = top * 64 + width - 1;                 // bit index of the leading one
  const int low = lead - 127;                            // bit index of the lowest kept bit
  if (low <= 0)  // the whole magnitude lies in limbs 0 and 1
    return lowp::detail::op_finite((uint128{m[1]} << 64) | m[0], -offset, false, s < 0, f, mode,
                                   random, rbits);
  const int lo_limb = low / 64, lo_sh = low % 64;
  // Gather limbs lo_limb .. top (at most 3) into a 192-bit window, shift right by lo_sh.
  const std::uint64_t l0 = m[lo_limb], l1 = lo_limb + 1 <= top ? m[lo_limb + 1] : 0,
                      l2 = lo_limb + 2 <= top ? m[lo_limb + 2] : 0;
  const uint128 w_lo = (uint128{l1} << 64) | l0;
  const uint128 sig = (w_lo >> lo_sh) | (lo_sh ? uint128{l2} << (128 - lo_sh) : 0);
  bool sticky = lo_sh && (l0 << (64 - lo_sh)) != 0;
  for (int i = 0; i < lo_limb && !sticky; ++i) sticky = m[i] != 0;
  return lowp::detail::op_finite(sig, low - offset, sticky, s < 0, f, mode, random, rbits);
}

exact_accumulator::double_double exact_accumulator::to_double_double() const noexcept {
  const double hi = round(formats::binary64).value;
  if (hi != hi || hi - hi != 0) return {hi, 0.0};
  exact_accumulator rest = *this;
  rest.add(-hi);
  return {hi, rest.round(formats::binary64).value};
}

exact_accumulator exact_dot(std::size_t n, const double* x, const double* y, std::ptrdiff_t incx,
                            std::ptrdiff_t incy) {
  exact_accumulator a;
  for (std::size_t k = 0; k < n; ++k)
    a.add_product(x[static_cast<std::ptrdiff_t>(k) * incx], y[static_cast<std::ptrdiff_t>(k) * incy]);
  return a;
}

exact_accumulator exact_sum(std::size_t n, const double* x, std::ptrdiff_t incx) {
  exact_accumulator a;
  for (std::size_t k = 0; k < n; ++k) a.add(x[static_cast<std::ptrdiff_t>(k) * incx]);
  return a;
}

exact_accumulator exact_gemm_entry(std::size_t K, const double* A, std::size_t lda,
                                   const double* B, std::size_t ldb, std::size_t i, std::size_t j) {
  exact_accumulator a;
  for (std::size_t k = 0; k < K; ++k) a.add_product(A[i * lda + k], B[k * ldb + j]);
  return a;
}

}  // namespace lowp::kernels
