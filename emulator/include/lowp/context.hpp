// Provides the explicit rounding context of lowp's scalar types: the stochastic-rounding generator
// `sr_generator` (seed, stream, counter) and the RAII `scoped_context` that makes a format, a mode
// and a generator current for the calling thread.
//
// Why a context at all: a scalar `a + b` has no place to pass a random word or a run-time format.
// The context is the caller's explicit choice, never a hidden default:
//   - `lowp::number` (number.hpp) takes its format and mode from the innermost scoped_context of
//     the thread; with none in scope its operations throw context_error.
//   - `lowp::fp<F, rounding::stochastic>` (fp.hpp) takes its random words from the generator of
//     the innermost scoped_context; with none in scope (or one without a generator) it throws
//     context_error. Deterministic modes never look at the context.
// The contexts form a per-thread stack (a thread_local pointer to the innermost one; each
// scoped_context links to the one it hides and restores it on destruction), so another thread
// sees none of them. A scoped_context that names no format (or no generator) inherits it from the
// one it hides.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "lowp/format.hpp"
#include "lowp/random.hpp"
#include "lowp/rounding.hpp"

namespace lowp {

// Thrown when an operation needs a context (a format, a mode or a generator) and none is in scope.
struct context_error : std::logic_error {
  using std::logic_error::logic_error;
};

// A counter-based stream of random words for stochastic rounding: word i of random_stream(seed,
// stream) for the i-th rounding that draws from it (counter starts at 0 and advances by one per
// rounding). The same seed, stream and sequence of operations give the same bits.
class sr_generator {
 public:
  constexpr sr_generator() noexcept = default;
  // rbits (1..64): how many top bits of each word stochastic rounding uses (lowp::round).
  constexpr sr_generator(std::uint64_t seed, std::uint64_t stream = 0, int rbits = 64) noexcept
      : stream_(seed, stream), rbits_(rbits) {}

  // Returns the next random word and advances the counter.
  constexpr std::uint64_t next() noexcept { return stream_(counter_++); }

  constexpr std::uint64_t counter() const noexcept { return counter_; }
  // Sets the counter (e.g. to replay a computation from a known point).
  constexpr void set_counter(std::uint64_t c) noexcept { counter_ = c; }
  constexpr int rbits() const noexcept { return rbits_; }
  constexpr const random_stream& stream() const noexcept { return stream_; }

 private:
  random_stream stream_{0, 0};
  std::uint64_t counter_ = 0;
  int rbits_ = 64;
};

// What a scoped_context makes current. `fmt`/`mode` are meaningful when has_format is true.
struct context {
  format fmt{};
  rounding mode = rounding::nearest_even;
  bool has_format = false;
  sr_generator* generator = nullptr;
  const context* enclosing = nullptr;
  // fmt's smallest normal and largest value as binary64 patterns (precomputed for number's
  // integer rounding in the normal range).
  std::uint64_t normal_lo = 0, normal_hi = 0;
};

namespace detail {
// The innermost context of this thread (nullptr: none). Only scoped_context writes it.
inline thread_local const context* current_context = nullptr;
}  // namespace detail

// Returns the innermost context of the calling thread, or nullptr.
inline const context* current_context() noexcept { return detail::current_context; }

// Returns the generator of the innermost context; throws context_error when there is none.
inline sr_generator& current_generator() {
  const context* c = detail::current_context;
  if (c == nullptr || c->generator == nullptr)
    throw context_error("lowp: stochastic rounding needs an sr_generator in scope "
                        "(lowp::scoped_context ctx{generator})");
  return *c->generator;
}

// Makes a format, a mode and optionally a generator current for this thread until it is
// destroyed. The generator is held by reference (its counter advances as roundings draw) and must
// outlive the scope. Not copyable or movable: it is a stack entry.
class scoped_context {
 public:
  scoped_context(const format& f, rounding mode, sr_generator* generator = nullptr) {
    if (!f.fits_binary64())
      throw format_error("lowp::scoped_context: the format's values are not binary64 values");
    ctx_.fmt = f;
    ctx_.mode = mode;
    ctx_.has_format = true;
    ctx_.normal_lo = __builtin_bit_cast(std::uint64_t, f.smallest_normal());
    ctx_.normal_hi = __builtin_bit_cast(std::uint64_t, f.largest());
    ctx_.generator = generator;
    push();
  }
  scoped_context(const format& f, rounding mode, sr_generator& generator)
      : scoped_context(f, mode, &generator) {}
  // Makes only a generator current; format and mode are inherited from the enclosing context.
  explicit scoped_context(sr_generator& generator) {
    if (const context* c = detail::current_context) {
      ctx_.fmt = c->fmt;
      ctx_.mode = c->mode;
      ctx_.has_format = c->has_format;
      ctx_.normal_lo = c->normal_lo;
      ctx_.normal_hi = c->normal_hi;
    }
    ctx_.generator = &generator;
    push();
  }
  scoped_context(const scoped_context&) = delete;
  scoped_context& operator=(const scoped_context&) = delete;
  ~scoped_context() { detail::current_context = ctx_.enclosing; }

  const context& get() const noexcept { return ctx_; }

 private:
  void push() noexcept {
    ctx_.enclosing = detail::current_context;
    if (ctx_.generator == nullptr && ctx_.enclosing != nullptr)
      ctx_.generator = ctx_.enclosing->generator;
    detail::current_context = &ctx_;
  }
  context ctx_;
};

}  // namespace lowp
