// Tests lowp/number.hpp: the run-time-format number gives bit for bit the results of the
// compile-time fp<F, Mode> (same program, same generator) over many formats and all nine modes,
// the context rules (none in scope is an error; nesting; per thread), and a run-time sweep.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/fp.hpp"
#include "lowp/number.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"

using namespace lowp;

namespace {

std::uint64_t bits_of(double d) { return std::bit_cast<std::uint64_t>(d); }

// One program, written once over its number type: every operation of the types, in order.
template <class T>
std::vector<std::uint64_t> program(const std::vector<double>& in) {
  std::vector<std::uint64_t> out;
  auto put = [&](T x) { out.push_back(bits_of(x.value())); };
  for (std::size_t i = 0; i + 2 < in.size(); i += 3) {
    const T a(in[i]), b(in[i + 1]), c(in[i + 2]);
    put(a);
    put(b);
    put(c);
    put(a + b);
    put(a - b);
    put(a * b);
    put(a / b);
    put(sqrt(a));
    put(fma(a, b, c));
    put(-a);
    put(abs(b));
    put(copysign(c, a));
    put(ldexp(a, static_cast<int>(i % 41) - 20));
    put(nextafter(a, b));
    put(min(a, c));
    T acc = a;
    acc += b;
    acc *= c;
    acc -= a;
    acc /= b;
    put(acc);
    out.push_back((a < b) + 2 * (a == b) + 4 * (a > b));
  }
  return out;
}

// Inputs: values of f (random codes, so specials and subnormals come up), arbitrary binary64
// values over a wide exponent range, and a few specials.
std::vector<double> inputs(const format& f, std::size_t n, std::uint64_t seed) {
  std::vector<double> v = {0.0, -0.0, 1.0, std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(), -2.5};
  const random_stream s(seed);
  for (std::uint64_t i = 0; v.size() < n; ++i) {
    const std::uint64_t r = s(i);
    if (i % 2 == 0 && f.width() < 64) {
      v.push_back(*decode(r >> (64 - f.width()), f));
    } else {
      // sign, exponent in [-60, 60], 52 random mantissa bits
      const std::uint64_t e = 1023 - 60 + (r >> 53) % 121;
      v.push_back(std::bit_cast<double>((r & 0x800fffffffffffffULL) | (e << 52)));
    }
  }
  return v;
}

template <format F, rounding M>
long compare_one(const std::vector<double>& in) {
  std::vector<std::uint64_t> a, b;
  std::uint64_t ca = 0, cb = 0;
  {
    sr_generator g(77, 5);
    scoped_context ctx(g);
    a = program<fp<F, M>>(in);
    ca = g.counter();
  }
  {
    sr_generator g(77, 5);
    scoped_context ctx(F, M, g);
    b = program<number>(in);
    cb = g.counter();
  }
  CHECK(ca == cb);
  CHECK(a.size() == b.size());
  if (is_stochastic(M)) {
    CHECK(ca > 0);
  } else {
    CHECK(ca == 0);
  }
  long bad = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i] && bad == 0)
      MESSAGE("first mismatch: " << to_string(F) << " " << short_name(M) << " output " << i
                                 << " (op " << i % 17 << " of triple " << i / 17 << "): fp "
                                 << std::hex << a[i] << " number " << b[i] << std::dec);
    bad += a[i] != b[i];
  }
  return bad;
}

template <format F, std::size_t... I>
long compare_all_modes(std::index_sequence<I...>) {
  const std::vector<double> in = inputs(F, 3000, 1234);
  return (compare_one<F, all_roundings[I]>(in) + ...);
}

constexpr auto all_modes = std::make_index_sequence<std::size(all_roundings)>{};

constexpr format e8m30 = ieee_format(8, 30);
constexpr format binary16_off = {5, 10, 15, true, true, subnormal_mode::off};
constexpr format binary16_ftz = {5, 10, 15, true, true, subnormal_mode::ftz};
constexpr format e5m2_unsigned = {5, 2, 15, false};

}  // namespace

TEST_CASE("number and fp<F, Mode> agree bit for bit (all modes, many formats)") {
  CHECK(compare_all_modes<formats::bfloat16>(all_modes) == 0);
  CHECK(compare_all_modes<formats::binary16>(all_modes) == 0);
  CHECK(compare_all_modes<formats::tf32>(all_modes) == 0);
  CHECK(compare_all_modes<formats::binary32>(all_modes) == 0);
  CHECK(compare_all_modes<formats::binary64>(all_modes) == 0);
  CHECK(compare_all_modes<formats::e4m3fn>(all_modes) == 0);
  CHECK(compare_all_modes<formats::e5m2>(all_modes) == 0);
  CHECK(compare_all_modes<formats::e4m3fnuz>(all_modes) == 0);
  CHECK(compare_all_modes<formats::e3m2fn>(all_modes) == 0);
  CHECK(compare_all_modes<formats::e2m1fn>(all_modes) == 0);
  CHECK(compare_all_modes<formats::e8m0fnu>(all_modes) == 0);
  CHECK(compare_all_modes<e8m30>(all_modes) == 0);
  CHECK(compare_all_modes<binary16_off>(all_modes) == 0);
  CHECK(compare_all_modes<binary16_ftz>(all_modes) == 0);
  CHECK(compare_all_modes<e5m2_unsigned>(all_modes) == 0);
}

TEST_CASE("the context: required, nested, per thread") {
  CHECK_THROWS_AS(number(1.0), context_error);
  const number z;  // +0 needs no context
  CHECK(z.value() == 0.0);
  CHECK_THROWS_AS(z + z, context_error);
  {
    scoped_context outer(formats::binary16, rounding::nearest_even);
    const number third = number(1.0) / number(3.0);
    CHECK(third.value() == 0x1.554p-2);
    {
      scoped_context inner(formats::bfloat16, rounding::toward_zero);
      CHECK((number(1.0) / number(3.0)).value() == 0x1.54p-2);
      // Operands need not be values of the current format: one rounding of the exact result.
      CHECK((third + number::from_value(0.0)).value() == 0x1.54p-2);
    }
    CHECK((number(1.0) / number(3.0)).value() == 0x1.554p-2);
    // Stochastic without a generator: an error.
    scoped_context sr(formats::binary16, rounding::stochastic);
    CHECK_THROWS_AS(number(0.1), context_error);
    // Another thread sees none of this thread's contexts.
    bool threw = false;
    std::thread t([&] {
      try {
        (void)number(1.0);
      } catch (const context_error&) {
        threw = true;
      }
    });
    t.join();
    CHECK(threw);
  }
  CHECK(current_context() == nullptr);
  // A generator-only context inherits the format and mode.
  sr_generator g(3);
  scoped_context f(formats::bfloat16, rounding::stochastic);
  scoped_context gen_only(g);
  (void)number(0.1);
  CHECK(g.counter() == 1);
  CHECK(gen_only.get().fmt == formats::bfloat16);
  CHECK_THROWS_AS(scoped_context(format{11, 60, 1023}, rounding::nearest_even), format_error);
}

TEST_CASE("a run-time sweep over formats, against ops.hpp called by hand") {
  // The sum of 0.1 taken 200 times in E8Mm, m = 1..23, each in nearest-even and round-down.
  for (int m = 1; m <= 23; ++m) {
    const format f = ieee_format(8, m);
    for (rounding r : {rounding::nearest_even, rounding::down}) {
      scoped_context ctx(f, r);
      number acc;
      const number step(0.1);
      double want = 0.0;
      const double step_value = lowp::round(0.1, f, r).value;
      for (int i = 0; i < 200; ++i) {
        acc += step;
        want = lowp::add(want, step_value, f, r).value;
      }
      CHECK(bits_of(acc.value()) == bits_of(want));
      std::ostringstream os;
      os << acc;
      CHECK(lowp::round(std::strtod(os.str().c_str(), nullptr), f, rounding::nearest_even).value ==
            acc.value());
    }
  }
}
