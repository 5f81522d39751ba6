// Tests lowp/fp.hpp, numeric_limits.hpp and fp_fmt.hpp: what must not compile (mixed formats,
// implicit conversions), single rounding of constructions and conversions (cases where a detour
// through binary64 gives another answer), the binary64 fast path bit for bit against ops.hpp on
// every pair of codes of the small formats and on random pairs of the 16-/19-bit ones, IEEE
// comparisons, math, the stochastic generator context, numeric_limits against the hardware
// types, and the text output.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

#include "lowp/fp.hpp"
#include "lowp/fp_fmt.hpp"
#include "lowp/numeric_limits.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"

using namespace lowp;

namespace {

std::uint64_t bits_of(double d) { return std::bit_cast<std::uint64_t>(d); }

// --- What must (not) compile. Each concept would be satisfied if the type allowed the mix. ---
template <class A, class B>
concept addable = requires(A a, B b) { a + b; };
template <class A, class B>
concept multipliable = requires(A a, B b) { a * b; };
template <class A, class B>
concept comparable = requires(A a, B b) { a < b; };
template <class A, class B>
concept assignable_from = requires(A a, B b) { a = b; };
template <class A, class B>
concept compound_addable = requires(A a, B b) { a += b; };
template <class T>
concept has_fma = requires(T a) { fma(a, a, a); };

static_assert(addable<bfloat16, bfloat16>);
static_assert(multipliable<float16, float16>);
static_assert(comparable<float8_e4m3fn, float8_e4m3fn>);
static_assert(has_fma<tf32>);
static_assert(!addable<bfloat16, float16>);
static_assert(!addable<float16, bfloat16>);
static_assert(!multipliable<float8_e4m3fn, float8_e5m2>);
static_assert(!addable<bfloat16, double>);
static_assert(!addable<bfloat16, int>);
static_assert(!comparable<bfloat16, float16>);
static_assert(!comparable<bfloat16, double>);
static_assert(!assignable_from<bfloat16, float16>);
static_assert(!assignable_from<bfloat16, double>);
static_assert(!compound_addable<bfloat16, float16>);
// The same format in another mode is another type, too.
static_assert(!addable<bfloat16, fp<formats::bfloat16, rounding::toward_zero>>);
static_assert(!std::is_convertible_v<double, bfloat16>);
static_assert(!std::is_convertible_v<float16, bfloat16>);
static_assert(!std::is_convertible_v<bfloat16, double>);
static_assert(std::is_constructible_v<bfloat16, float16>);
static_assert(std::is_constructible_v<bfloat16, double>);
static_assert(std::is_constructible_v<double, bfloat16>);
static_assert(std::is_trivially_copyable_v<bfloat16>);
static_assert(sizeof(bfloat16) == sizeof(double));

// --- Constant evaluation: the type is constexpr in deterministic modes. ---
static_assert(bfloat16(1.0) + bfloat16(0x1p-8) == bfloat16(1.0));  // tie to even
static_assert((fp<formats::bfloat16, rounding::nearest_away>(1.0) +
               fp<formats::bfloat16, rounding::nearest_away>(0x1p-8))
                  .value() == 1.0 + 0x1p-7);
static_assert((fp<formats::bfloat16, rounding::up>(1.0) +
               fp<formats::bfloat16, rounding::up>(0x1p-100))
                  .value() == 1.0 + 0x1p-7);
static_assert(float8_e4m3fn(448.0).code() == 0x7e);
static_assert(isnan(float8_e4m3fn(465.0)));

// The formats of the aliases are the presets.
static_assert(bfloat16::format_value == formats::bfloat16);
static_assert(float16::format_value == formats::binary16);
static_assert(float8_e4m3fn::format_value == formats::e4m3fn);
static_assert(float8_e5m2::format_value == formats::e5m2);
static_assert(float6_e3m2fn::format_value == formats::e3m2fn);
static_assert(float6_e2m3fn::format_value == formats::e2m3fn);
static_assert(float4_e2m1fn::format_value == formats::e2m1fn);
static_assert(tf32::format_value == formats::tf32);

// Formats beyond the presets (parse_format is not constexpr; these are spelled out).
constexpr format e8m30 = ieee_format(8, 30);
constexpr format binary16_off = {5, 10, 15, true, true, subnormal_mode::off};
constexpr format binary16_ftz = {5, 10, 15, true, true, subnormal_mode::ftz};
constexpr format e4m3fn_sat = {4,    3, 7, true, true, subnormal_mode::on, specials_mode::fn,
                               overflow_mode::saturate};
constexpr format e5m2_unsigned = {5, 2, 15, false};

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();

// Calls ops.hpp's operation `op` (0 add, 1 sub, 2 mul, 3 div) with the random word.
round_result ref_op(int op, double a, double b, const format& f, rounding m, std::uint64_t r,
                    int rbits = 64) {
  switch (op) {
    case 0: return lowp::add(a, b, f, m, r, rbits);
    case 1: return lowp::sub(a, b, f, m, r, rbits);
    case 2: return lowp::mul(a, b, f, m, r, rbits);
    default: return lowp::div(a, b, f, m, r, rbits);
  }
}

template <class T>
T fp_op(int op, T a, T b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    default: return a / b;
  }
}

// Checks T's + - * / sqrt and fma against ops.hpp on the given operand values (values of T's format),
// all pairs. In stochastic modes both sides draw word i of the same stream for their i-th
// rounding, so they must agree on every bit as well. Returns the number of mismatches.
template <class T>
long check_against_ops(const std::vector<double>& a_values, const std::vector<double>& b_values,
                       bool all_pairs, int rbits = 64) {
  constexpr format F = T::format_value;
  constexpr rounding M = T::rounding_mode;
  sr_generator gen(2024, 7, rbits);
  random_stream ref(2024, 7);
  std::uint64_t counter = 0;
  scoped_context ctx(gen);
  long bad = 0;
  auto one = [&](double a, double b) {
    const T x = T::from_value(a), y = T::from_value(b);
    for (int op = 0; op < 4; ++op) {
      const T r = fp_op(op, x, y);
      const double want = ref_op(op, a, b, F, M, is_stochastic(M) ? ref(counter++) : 0, rbits).value;
      if (bits_of(r.value()) != bits_of(want)) ++bad;
    }
  };
  if (all_pairs) {
    for (double a : a_values)
      for (double b : b_values) one(a, b);
  } else {
    for (std::size_t i = 0; i < a_values.size(); ++i) one(a_values[i], b_values[i]);
  }
  for (double a : a_values) {
    const double want = lowp::sqrt(a, F, M, is_stochastic(M) ? ref(counter++) : 0, rbits).value;
    if (bits_of(sqrt(T::from_value(a)).value()) != bits_of(want)) ++bad;
  }
  // fma on random triples of the operands (a product next to a tiny addend comes up often:
  // random codes are small as often as large).
  const random_stream pick(5);
  const std::size_t triples = std::min<std::size_t>(100000, a_values.size() * b_values.size());
  for (std::size_t i = 0; i < triples; ++i) {
    const std::uint64_t r = pick(i);
    const double x = a_values[(r & 0xffffff) % a_values.size()];
    const double y = b_values[((r >> 24) & 0xffffff) % b_values.size()];
    const double z = a_values[(r >> 48) % a_values.size()];
    const double want = lowp::fma(x, y, z, F, M, is_stochastic(M) ? ref(counter++) : 0, rbits).value;
    if (bits_of(fma(T::from_value(x), T::from_value(y), T::from_value(z)).value()) != bits_of(want))
      ++bad;
  }
  CHECK(gen.counter() == (is_stochastic(M) ? counter : 0));
  return bad;
}

// Every value of F (every code decoded; NaN codes once).
std::vector<double> all_values(const format& f) {
  std::vector<double> v;
  bool nan_seen = false;
  for (std::uint64_t c = 0; c < f.codes(); ++c) {
    const double d = *decode(c, f);
    if (d != d) {
      if (nan_seen) continue;
      nan_seen = true;
    }
    v.push_back(d);
  }
  return v;
}

template <format F, std::size_t... I>
long exhaustive_all_modes(std::index_sequence<I...>) {
  const std::vector<double> v = all_values(F);
  return (check_against_ops<fp<F, all_roundings[I]>>(v, v, true) + ...);
}

// Random values of F: random codes (NaN-free), so subnormals, zeros and the top binade appear.
std::vector<double> random_values(const format& f, std::size_t n, std::uint64_t seed) {
  std::vector<double> v;
  random_stream s(seed);
  const int w = f.width();
  for (std::uint64_t i = 0; v.size() < n; ++i) {
    const double d = *decode(s(i) >> (64 - w), f);
    if (d == d) v.push_back(d);
  }
  return v;
}

// Checks construction from binary64 (the fast rounding for fast-path formats) against lowp::round
// on random binary64 values around F's range, in every deterministic mode.
template <class T>
long check_construction(std::size_t n) {
  constexpr format F = T::format_value;
  random_stream s(99);
  long bad = 0;
  const int lo = F.emin() - F.mantissa_bits - 3, hi = F.emax() + 3;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t r = s(i);
    const int e = lo + static_cast<int>((r >> 52) % static_cast<std::uint64_t>(hi - lo + 1));
    const double d = std::ldexp(static_cast<double>(r & 0xfffffffffffffULL) * 0x1p-52 + 1.0, e) *
                     ((r >> 63) ? -1.0 : 1.0);
    if (bits_of(T(d).value()) != bits_of(lowp::round(d, F, T::rounding_mode).value)) ++bad;
  }
  return bad;
}

template <format F, std::size_t... I>
long construction_all_modes(std::size_t n, std::index_sequence<I...>) {
  return (check_construction<fp<F, deterministic_roundings[I]>>(n) + ...);
}

template <format F, std::size_t... I>
long random_all_modes(std::size_t n, std::index_sequence<I...>) {
  const std::vector<double> a = random_values(F, n, 1), b = random_values(F, n, 2);
  return (check_against_ops<fp<F, all_roundings[I]>>(a, b, false) + ...);
}

constexpr auto all_modes = std::make_index_sequence<std::size(all_roundings)>{};

// Values of F with exponents in [-8, 8] and random signs and significands, so that most sums,
// products and fmas of two of them are exact in binary64: the operands that take the
// exactness-tested path (detail::sum_is_exact and friends) in stochastic modes and in formats off
// the nearest fast path.
std::vector<double> nearby_values(const format& f, std::size_t n, std::uint64_t seed) {
  std::vector<double> v;
  random_stream s(seed);
  for (std::uint64_t i = 0; v.size() < n; ++i) {
    const std::uint64_t r = s(i);
    const int e = static_cast<int>((r >> 40) % 17) - 8;
    const double sig = 1.0 + std::ldexp(static_cast<double>(r & ((std::uint64_t{1} << f.mantissa_bits) - 1)),
                                        -f.mantissa_bits);
    const double x = std::ldexp((r >> 63) != 0 ? -sig : sig, e);
    if (round(x, f, rounding::nearest_even).value == x) v.push_back(x);
  }
  return v;
}

template <format F, std::size_t... I>
long nearby_all_modes(std::size_t n, std::index_sequence<I...>) {
  const std::vector<double> a = nearby_values(F, n, 11), b = nearby_values(F, n, 12);
  // The path must be exercised: most of these sums are exact in binary64.
  std::size_t exact = 0;
  for (std::size_t i = 0; i < n; ++i) exact += detail::sum_is_exact(a[i], b[i], a[i] + b[i]) ? 1 : 0;
  CHECK(exact > n / 2);
  return (check_against_ops<fp<F, all_roundings[I]>>(a, b, false) + ...);
}

}  // namespace

TEST_CASE("the fast path is used where the header says, and only there") {
  CHECK(bfloat16::fast_path);
  CHECK(float16::fast_path);
  CHECK(tf32::fast_path);
  CHECK(float8_e4m3fn::fast_path);
  CHECK(fp<formats::binary32>::fast_path);  // 2p + 2 = 50 <= 53
  CHECK(fp<ieee_format(8, 24)>::fast_path);        // p = 25: 2p + 2 = 52
  CHECK_FALSE(fp<ieee_format(8, 25)>::fast_path);  // p = 26: 54 > 53
  CHECK_FALSE(fp<e8m30>::fast_path);
  CHECK_FALSE(fp<binary16_off>::fast_path);
  CHECK_FALSE(fp<formats::e8m0fnu>::fast_path);
  CHECK(bfloat16::fast_nearest);
  CHECK_FALSE((fp<formats::bfloat16, rounding::up>::fast_nearest));
}

TEST_CASE("fp agrees with ops.hpp bit for bit on every pair of codes of the small formats") {
  // All nine modes; the formats cover IEEE specials, fn, fnuz and finite formats, and q43's
  // IEEE-style E4M3.
  CHECK(exhaustive_all_modes<formats::e4m3fn>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::e5m2>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::e4m3fnuz>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::e5m2fnuz>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::q43>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::e3m2fn>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::e2m3fn>(all_modes) == 0);
  CHECK(exhaustive_all_modes<formats::e2m1fn>(all_modes) == 0);
  CHECK(exhaustive_all_modes<ieee_format(3, 4)>(all_modes) == 0);
  CHECK(exhaustive_all_modes<e4m3fn_sat>(all_modes) == 0);
  CHECK(exhaustive_all_modes<e5m2_unsigned>(all_modes) == 0);
}

TEST_CASE("fp agrees with ops.hpp bit for bit on random pairs of wider formats") {
  CHECK(random_all_modes<formats::bfloat16>(30000, all_modes) == 0);
  CHECK(random_all_modes<formats::binary16>(30000, all_modes) == 0);
  CHECK(random_all_modes<formats::tf32>(30000, all_modes) == 0);
  CHECK(random_all_modes<ieee_format(8, 23)>(10000, all_modes) == 0);
  CHECK(random_all_modes<ieee_format(8, 24)>(10000, all_modes) == 0);
  CHECK(random_all_modes<e8m30>(10000, all_modes) == 0);
  CHECK(random_all_modes<ieee_format(11, 12)>(10000, all_modes) == 0);
  CHECK(random_all_modes<binary16_ftz>(10000, all_modes) == 0);
}

TEST_CASE("the exactness-tested path agrees with ops.hpp on operands with nearby exponents") {
  // Stochastic modes of every format and every mode of the rpe-style E11Mp formats (off the
  // nearest fast path) round an exact binary64 result once; everything else goes to ops.hpp.
  CHECK(nearby_all_modes<formats::bfloat16>(20000, all_modes) == 0);
  CHECK(nearby_all_modes<formats::binary16>(20000, all_modes) == 0);
  CHECK(nearby_all_modes<ieee_format(11, 10)>(20000, all_modes) == 0);
  CHECK(nearby_all_modes<ieee_format(11, 23)>(20000, all_modes) == 0);
  CHECK(nearby_all_modes<ieee_format(11, 3)>(20000, all_modes) == 0);
  CHECK(nearby_all_modes<e8m30>(10000, all_modes) == 0);
  CHECK(nearby_all_modes<binary16_ftz>(10000, all_modes) == 0);
}

TEST_CASE("stochastic rounding with few random bits agrees with ops.hpp") {
  // With 64 random bits a comparison that is off by one (<= for <) would show once in 2^64
  // roundings; with 1..4 bits it shows at once.
  const std::vector<double> a = nearby_values(formats::bfloat16, 5000, 21);
  const std::vector<double> b = nearby_values(formats::bfloat16, 5000, 22);
  const std::vector<double> c = nearby_values(ieee_format(11, 10), 5000, 23);
  const std::vector<double> d = nearby_values(ieee_format(11, 10), 5000, 24);
  for (int rbits : {1, 2, 4, 13}) {
    CAPTURE(rbits);
    CHECK(check_against_ops<fp<formats::bfloat16, rounding::stochastic>>(a, b, false, rbits) == 0);
    CHECK(check_against_ops<fp<formats::bfloat16, rounding::stochastic_equal>>(a, b, false, rbits) == 0);
    CHECK(check_against_ops<fp<ieee_format(11, 10), rounding::stochastic>>(c, d, false, rbits) == 0);
    CHECK(check_against_ops<fp<formats::binary16, rounding::stochastic>>(a, b, false, rbits) == 0);
  }
}

TEST_CASE("construction rounds like lowp::round in every deterministic mode") {
  constexpr auto modes = std::make_index_sequence<std::size(deterministic_roundings)>{};
  CHECK(construction_all_modes<formats::bfloat16>(50000, modes) == 0);
  CHECK(construction_all_modes<formats::binary16>(50000, modes) == 0);
  CHECK(construction_all_modes<formats::e4m3fn>(50000, modes) == 0);
  CHECK(construction_all_modes<formats::e5m2fnuz>(50000, modes) == 0);
  CHECK(construction_all_modes<formats::binary32>(50000, modes) == 0);
  CHECK(construction_all_modes<ieee_format(8, 24)>(50000, modes) == 0);
  CHECK(construction_all_modes<e5m2_unsigned>(50000, modes) == 0);
}

TEST_CASE("binary64-then-round is wrong in directed modes; fp is not") {
  // The case of fp.hpp's header: why only the nearest modes take the fast path for +.
  using bf_up = fp<formats::bfloat16, rounding::up>;
  CHECK(1.0 + 0x1p-100 == 1.0);
  CHECK(lowp::round(1.0 + 0x1p-100, formats::bfloat16, rounding::up).value == 1.0);
  CHECK((bf_up(1.0) + bf_up(0x1p-100)).value() == 1.0 + 0x1p-7);
  using bf_odd = fp<formats::bfloat16, rounding::odd>;
  CHECK((bf_odd(1.0) - bf_odd(0x1p-100)).value() == 1.0 - 0x1p-8);
  // div in round-down: 1 / (1 + 2^-7) is just below a value of bfloat16? No: it is inexact,
  // and rounding down must give the value below it, whatever binary64 does.
  using bf_down = fp<formats::bfloat16, rounding::down>;
  const double q = (bf_down(1.0) / bf_down(1.0 + 0x1p-7)).value();
  CHECK(q < 1.0 / (1.0 + 0x1p-7));
  CHECK(next_up(q, formats::bfloat16) > 1.0 / (1.0 + 0x1p-7));
}

TEST_CASE("construction and conversion round once") {
  // Integers wider than binary64: 2^53 + 2^29 + 1 goes to binary64 as 2^53 + 2^29, a binary32
  // tie that goes to 2^53; the exact integer is above the tie.
  const std::int64_t big = (std::int64_t{1} << 53) + (std::int64_t{1} << 29) + 1;
  using f32 = fp<formats::binary32>;
  CHECK(f32(big).value() == 0x1p53 + 0x1p30);
  CHECK(static_cast<float>(static_cast<double>(big)) == 0x1p53f);  // the detour's answer
  CHECK(f32(-big).value() == -(0x1p53 + 0x1p30));
  CHECK(f32(std::numeric_limits<std::int64_t>::min()).value() == -0x1p63);
  CHECK(f32(std::numeric_limits<std::uint64_t>::max()).value() == 0x1p64);
  CHECK(float16(65519).value() == 65504.0);
  CHECK(isinf(float16(65520)));
  // Between formats: the exact value is rounded once. 1 + 2^-8 + 2^-20 in binary32 -> bfloat16
  // goes up; through binary16 (1 + 2^-8) it would be a tie and go down.
  const f32 x(1.0 + 0x1p-8 + 0x1p-20);
  CHECK(bfloat16(x).value() == 1.0 + 0x1p-7);
  CHECK(bfloat16(float16(x)).value() == 1.0);
  CHECK(fp_cast<bfloat16>(x) == bfloat16(x));
  // A value of the target converts exactly in every mode.
  CHECK(fp<formats::e4m3fn, rounding::up>(float8_e4m3fn(0.875)).value() == 0.875);
  // Float and double construction agree with lowp::round.
  random_stream s(3);
  for (std::uint64_t i = 0; i < 10000; ++i) {
    const double d = std::bit_cast<double>(s(i));
    CHECK(bits_of(bfloat16(d).value()) ==
          bits_of(lowp::round(d, formats::bfloat16, rounding::nearest_even).value));
    const float f = static_cast<float>(d);
    CHECK(bits_of(float8_e5m2(f).value()) ==
          bits_of(lowp::round(f, formats::e5m2, rounding::nearest_even).value));
  }
  CHECK(float8_e4m3fn::from_code(0x7e)->value() == 448.0);
  CHECK_FALSE(float8_e4m3fn::from_code(0x100).has_value());
  CHECK(bfloat16(0.1).code() == 0x3dcd);
}

TEST_CASE("IEEE comparisons") {
  const bfloat16 nan(qnan), one(1.0), pz(0.0), nz(-0.0);
  CHECK_FALSE(nan == nan);
  CHECK(nan != nan);
  CHECK_FALSE(nan < one);
  CHECK_FALSE(nan >= one);
  CHECK((nan <=> one) == std::partial_ordering::unordered);
  CHECK(pz == nz);
  CHECK_FALSE(pz < nz);
  CHECK(signbit(nz));
  CHECK_FALSE(signbit(pz));
  CHECK(bfloat16(-1.0) < pz);
  CHECK(bfloat16(inf) > bfloat16(3e38));
}

TEST_CASE("sign operations respect formats without -0 or without a sign") {
  CHECK(signbit(-bfloat16(0.0)));
  CHECK_FALSE(signbit(-float8_e4m3fnuz(0.0)));  // fnuz has no -0
  CHECK((-float8_e4m3fnuz(2.0)).value() == -2.0);
  CHECK(isnan(-fp<e5m2_unsigned>(2.0)));
  CHECK(abs(bfloat16(-3.0)).value() == 3.0);
  CHECK(fabs(bfloat16(-0.0)).value() == 0.0);
  CHECK_FALSE(signbit(abs(bfloat16(-0.0))));
  CHECK(copysign(bfloat16(2.0), bfloat16(-0.0)).value() == -2.0);
  CHECK(signbit(-bfloat16(qnan)));
}

TEST_CASE("math functions") {
  // sqrt and fma: one rounding (fma: 1 + 2^-8 + 2^-40 in bfloat16 goes up; a*b then + c would
  // round the product 1 + 2^-8 + 2^-16... see the check against ops.hpp).
  const bfloat16 a(1.0 + 0x1p-7), b(1.0 - 0x1p-8), c(0x1p-30);
  CHECK(bits_of(fma(a, b, c).value()) ==
        bits_of(lowp::fma(a.value(), b.value(), c.value(), formats::bfloat16,
                          rounding::nearest_even)
                    .value));
  CHECK(sqrt(bfloat16(2.0)).value() == 0x1.6ap+0);
  CHECK(isnan(sqrt(bfloat16(-1.0))));
  CHECK(signbit(sqrt(bfloat16(-0.0))));
  CHECK(isinf(bfloat16(inf)));
  CHECK_FALSE(isfinite(bfloat16(inf)));
  CHECK(isfinite(bfloat16(1.0)));
  CHECK(isnormal(bfloat16(0x1p-126)));
  CHECK_FALSE(isnormal(bfloat16(0x1p-127)));
  // nextafter walks F's grid.
  CHECK(nextafter(bfloat16(1.0), bfloat16(2.0)).value() == 1.0 + 0x1p-7);
  CHECK(nextafter(bfloat16(1.0), bfloat16(0.0)).value() == 1.0 - 0x1p-8);
  CHECK(nextafter(bfloat16(0.0), bfloat16(1.0)).value() == 0x1p-133);
  CHECK(nextafter(float8_e4m3fn(448.0), float8_e4m3fn(0.0)).value() == 416.0);
  CHECK(nextafter(bfloat16(1.0), bfloat16(1.0)).value() == 1.0);
  // frexp / ldexp.
  int e = 0;
  CHECK(frexp(bfloat16(12.0), &e).value() == 0.75);
  CHECK(e == 4);
  CHECK(ldexp(bfloat16(1.5), 10).value() == 1536.0);
  CHECK(ldexp(bfloat16(1.5), -134).value() == 0x1p-133);  // 1.5 * 2^-134 ties up to 2^-133
  CHECK(ldexp(bfloat16(1.0 + 0x1p-7), -133).value() == 0x1p-133);
  CHECK(ldexp(bfloat16(1.0), -136).value() == 0.0);
  CHECK(isinf(ldexp(bfloat16(1.0), 200)));
  CHECK(isinf(ldexp(bfloat16(1.0), 1 << 30)));
  CHECK(ldexp(fp<formats::bfloat16, rounding::toward_zero>(1.0), 200).value() ==
        formats::bfloat16.largest());
  // ldexp against ops.hpp's mul by an exact power of two.
  for (int n = -150; n <= 150; n += 7) {
    const double v = 1.0 + 0x1p-3 + 0x1p-7;
    CHECK(bits_of(ldexp(bfloat16(v), n).value()) ==
          bits_of(lowp::mul(v, std::ldexp(1.0, n), formats::bfloat16, rounding::nearest_even).value));
  }
  CHECK(floor(bfloat16(-2.5)).value() == -3.0);
  CHECK(ceil(bfloat16(2.25)).value() == 3.0);
  CHECK(trunc(bfloat16(-2.75)).value() == -2.0);
  CHECK(round(bfloat16(2.5)).value() == 3.0);
  CHECK(min(bfloat16(1.0), bfloat16(2.0)).value() == 1.0);
  CHECK(max(bfloat16(1.0), bfloat16(2.0)).value() == 2.0);
  CHECK(fmin(bfloat16(qnan), bfloat16(2.0)).value() == 2.0);
  CHECK(fmax(bfloat16(1.0), bfloat16(qnan)).value() == 1.0);
}

TEST_CASE("stochastic rounding draws from the scoped generator, and only from it") {
  using bf_sr = fp<formats::bfloat16, rounding::stochastic>;
  // No context: an error, not a hidden default.
  CHECK_THROWS_AS(bf_sr(0.1), context_error);
  {
    scoped_context only_format(formats::binary16, rounding::nearest_even);  // no generator
    CHECK_THROWS_AS(bf_sr(0.1), context_error);
  }
  const bf_sr x = [] {
    sr_generator g(1);
    scoped_context ctx(g);
    return bf_sr(1.0);
  }();
  CHECK_THROWS_AS(x + x, context_error);
  // Deterministic modes never need one.
  CHECK((bfloat16(1.0) + bfloat16(1.0)).value() == 2.0);

  // Same seed, same bits; the counter advances once per rounding.
  auto run = [](std::uint64_t seed, std::uint64_t stream) {
    sr_generator g(seed, stream);
    scoped_context ctx(g);
    std::vector<std::uint64_t> out;
    bf_sr acc(0.0);
    const bf_sr step(0.1);
    for (int i = 0; i < 1000; ++i) {
      acc += step * step;
      out.push_back(bits_of(acc.value()));
    }
    out.push_back(g.counter());
    return out;
  };
  const auto r1 = run(42, 0), r2 = run(42, 0), r3 = run(43, 0), r4 = run(42, 1);
  CHECK(r1 == r2);
  CHECK(r1 != r3);
  CHECK(r1 != r4);
  CHECK(r1.back() == 2 + 2 * 1000);  // two constructions, then * and + per step

  // The words are those of random_stream(seed, stream), in order: replay by hand.
  {
    sr_generator g(9, 3);
    scoped_context ctx(g);
    const bf_sr y(0.1);
    const random_stream s(9, 3);
    CHECK(bits_of(y.value()) ==
          bits_of(lowp::round(0.1, formats::bfloat16, rounding::stochastic, s(0)).value));
    const bf_sr z = y * y;
    CHECK(bits_of(z.value()) == bits_of(lowp::mul(y.value(), y.value(), formats::bfloat16,
                                                  rounding::stochastic, s(1))
                                            .value));
    // An inner generator hides the outer one; the outer resumes after the scope.
    sr_generator inner(5);
    {
      scoped_context ctx2(inner);
      (void)(y + y);
    }
    CHECK(inner.counter() == 1);
    CHECK(g.counter() == 2);
    (void)(y + z);
    CHECK(g.counter() == 3);
  }
}

TEST_CASE("numeric_limits agree with the hardware types for binary32 and binary64") {
  using L32 = std::numeric_limits<fp<formats::binary32>>;
  using F = std::numeric_limits<float>;
  CHECK(L32::is_specialized);
  CHECK(L32::digits == F::digits);
  CHECK(L32::digits10 == F::digits10);
  CHECK(L32::max_digits10 == F::max_digits10);
  CHECK(L32::min_exponent == F::min_exponent);
  CHECK(L32::max_exponent == F::max_exponent);
  CHECK(L32::min_exponent10 == F::min_exponent10);
  CHECK(L32::max_exponent10 == F::max_exponent10);
  CHECK(L32::min().value() == F::min());
  CHECK(L32::max().value() == F::max());
  CHECK(L32::lowest().value() == F::lowest());
  CHECK(L32::epsilon().value() == F::epsilon());
  CHECK(L32::denorm_min().value() == F::denorm_min());
  CHECK(L32::round_error().value() == F::round_error());
  CHECK(L32::is_iec559 == F::is_iec559);
  CHECK(L32::has_infinity);
  CHECK(L32::has_denorm == std::denorm_present);
  CHECK(L32::round_style == std::round_to_nearest);
  using L64 = std::numeric_limits<fp<formats::binary64>>;
  using D = std::numeric_limits<double>;
  CHECK(L64::digits == D::digits);
  CHECK(L64::digits10 == D::digits10);
  CHECK(L64::max_digits10 == D::max_digits10);
  CHECK(L64::min_exponent10 == D::min_exponent10);
  CHECK(L64::max_exponent10 == D::max_exponent10);
  CHECK(L64::max().value() == D::max());
  CHECK(L64::denorm_min().value() == D::denorm_min());
  // The small formats, from their specs.
  using E4 = std::numeric_limits<float8_e4m3fn>;
  CHECK(E4::max().value() == 448.0);
  CHECK(E4::min().value() == 0x1p-6);
  CHECK(E4::denorm_min().value() == 0x1p-9);
  CHECK(E4::epsilon().value() == 0.125);
  CHECK_FALSE(E4::has_infinity);
  CHECK(E4::has_quiet_NaN);
  CHECK_FALSE(E4::is_iec559);
  CHECK(isnan(E4::quiet_NaN()));
  using H = std::numeric_limits<float16>;
  CHECK(H::max().value() == 65504.0);
  CHECK(H::digits10 == 3);
  CHECK(H::max_digits10 == 5);
  CHECK(H::max_exponent10 == 4);
  CHECK(H::min_exponent10 == -4);
  CHECK(H::is_iec559);
  CHECK(std::numeric_limits<bfloat16>::max().value() == 0x1.fep127);
  CHECK(std::numeric_limits<bfloat16>::digits == 8);
  CHECK(std::numeric_limits<fp<formats::binary16, rounding::up>>::round_style ==
        std::round_toward_infinity);
  CHECK_FALSE(std::numeric_limits<float4_e2m1fn>::has_quiet_NaN);
  CHECK(std::numeric_limits<float4_e2m1fn>::max().value() == 6.0);
}

TEST_CASE("text output: shortest round-trip decimal, %a, fmt") {
  auto str = [](auto x) {
    std::ostringstream os;
    os << x;
    return os.str();
  };
  CHECK(str(bfloat16(0.1)) == "0.1");
  CHECK(bfloat16(0.1).value() == 0x1.9ap-4);
  CHECK(str(float16(1.0 / 3.0)) == "0.3333");
  CHECK(str(float8_e4m3fn(448.0)) == "4.5e+02");  // %g style: 2 digits suffice
  CHECK(str(float8_e4m3fn(416.0)) == "4.2e+02");
  CHECK(str(float8_e4m3fn(500.0)) == "nan");
  CHECK(str(float16(-inf)) == "-inf");
  CHECK(str(bfloat16(-0.0)) == "-0");
  std::ostringstream hex;
  hex << std::hexfloat << bfloat16(0.1);
  CHECK(hex.str() == "0x1.9ap-4");
  // Every value of binary16 reads back from what it prints.
  for (std::uint64_t c = 0; c < 65536; ++c) {
    const double v = *decode(c, formats::binary16);
    if (v != v) continue;
    const std::string s = str(float16::from_value(v));
    CHECK(float16(std::strtod(s.c_str(), nullptr)) == float16::from_value(v));
  }
  CHECK(fmt::format("{}", bfloat16(0.1)) == "0.1");
  CHECK(fmt::format("{:a}", bfloat16(0.1)) == "0x1.9ap-4");
  CHECK(fmt::format("{:.5f}", float16(1.0 / 3.0)) == "0.33325");
  CHECK(to_string(float16(1.0 / 3.0)) == "0.3333");
}
