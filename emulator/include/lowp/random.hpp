// Provides lowp's counter-based random bits: a pure function of (seed, stream, index), so that
// stochastic results depend on nothing else (not the thread count, the split of an array, tiling
// or the device).
//
// The generator (frozen; golden vectors in tests/emulator/random_test.cpp pin it):
//   mix64(z)       = SplitMix64's output function (Steele, Lea & Flood 2014, "variant 13"):
//                    z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27;
//                    z *= 0x94d049bb133111eb; z ^= z >> 31
//   key(seed, s)   = mix64(mix64(seed) ^ (s * 0xd1b54a32d192ed03 + 0x8bb84b93962eacc9))
//   bits(k, i)     = mix64(k + (i + 1) * 0x9e3779b97f4a7c15)
// For a fixed key, bits(k, 0), bits(k, 1), ... is exactly the SplitMix64 sequence started at
// state k, a generator that passes BigCrush. Two keys give sequences that are shifts of one
// another; they overlap within n draws only with probability about n / 2^64.
#pragma once

#include <cstdint>

#include "lowp/config.hpp"

namespace lowp {

LOWP_HOST_DEVICE constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z;
}

// A stream of random words: a seed and a stream number folded into one key.
struct random_stream {
  std::uint64_t key = 0;

  constexpr random_stream() noexcept = default;
  LOWP_HOST_DEVICE constexpr random_stream(std::uint64_t seed, std::uint64_t stream = 0) noexcept
      : key(mix64(mix64(seed) ^ (stream * 0xd1b54a32d192ed03ULL + 0x8bb84b93962eacc9ULL))) {}

  // Returns the 64-bit random word for element `index`.
  LOWP_HOST_DEVICE constexpr std::uint64_t operator()(std::uint64_t index) const noexcept {
    return mix64(key + (index + 1) * 0x9e3779b97f4a7c15ULL);
  }
};

// Returns the random word for (seed, stream, index).
LOWP_HOST_DEVICE constexpr std::uint64_t random_bits(std::uint64_t seed, std::uint64_t stream,
                                                     std::uint64_t index) noexcept {
  return random_stream(seed, stream)(index);
}

}  // namespace lowp
