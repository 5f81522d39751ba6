// Tests lowp/random.hpp: golden vectors that freeze the counter-based generator, SplitMix64
// reference outputs, independence of seeds and streams, and bit balance.
#include "lowp/random.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <set>

using namespace lowp;

namespace {

struct golden {
  std::uint64_t seed, stream, index, word;
};

// Produced independently of the C++ code by /usr/bin/python3 (3.11) from the formula in the
// header comment of random.hpp, with Python's arbitrary-precision integers masked to 64 bits:
//   M = 2**64 - 1
//   def mix64(z):
//       z ^= z >> 30; z = z * 0xbf58476d1ce4e5b9 & M
//       z ^= z >> 27; z = z * 0x94d049bb133111eb & M
//       z ^= z >> 31; return z
//   def key(seed, s):
//       return mix64(mix64(seed) ^ ((s * 0xd1b54a32d192ed03 + 0x8bb84b93962eacc9) & M))
//   def bits(seed, s, i): return mix64(key(seed, s) + (i + 1) * 0x9e3779b97f4a7c15 & M)
constexpr golden goldens[] = {
    {0x0, 0x0, 0x0, 0xcbee8e17cd2b6236ULL},
    {0x0, 0x0, 0x1, 0xae552248d853d917ULL},
    {0x0, 0x0, 0x2, 0xe93323d1b55f884fULL},
    {0x0, 0x0, 0x3e8, 0x30416f1f6949015eULL},
    {0x0, 0x0, 0x100000005, 0x30c3b9ce5ef415d5ULL},
    {0x0, 0x0, 0x8000000000000000, 0x91195143dbe16a5fULL},
    {0x0, 0x0, 0xffffffffffffffff, 0xdc35d6a8e2016e34ULL},
    {0x1, 0x0, 0x0, 0x6f6f24cb4e07d9baULL},
    {0x1, 0x0, 0x1, 0xa208547ff5382da9ULL},
    {0x1, 0x0, 0x3e8, 0xbba46024f362190dULL},
    {0x1, 0x0, 0xffffffffffffffff, 0xd05cf0025b5383a6ULL},
    {0x0, 0x1, 0x0, 0x617be73b2b7b5064ULL},
    {0x0, 0x1, 0x1, 0x5366b661c4019c68ULL},
    {0x0, 0x1, 0x100000005, 0xa3e3aba79f4e2848ULL},
    {0x2a, 0x7, 0x0, 0x05797ff56559b420ULL},
    {0x2a, 0x7, 0x2, 0xd6cd548add9b9ebbULL},
    {0x2a, 0x7, 0x3e8, 0x9a60042220637ee5ULL},
    {0x2a, 0x7, 0x8000000000000000, 0x3112793daf2363f1ULL},
    {0xdeadbeefcafebabe, 0xffffffffffffffff, 0x0, 0xa6b4cf1d63e02c26ULL},
    {0xdeadbeefcafebabe, 0xffffffffffffffff, 0x3e8, 0x99f9b3b43bb8aeb0ULL},
    {0xdeadbeefcafebabe, 0xffffffffffffffff, 0x100000005, 0x9c4dedd7cb3b84adULL},
    {0xdeadbeefcafebabe, 0xffffffffffffffff, 0xffffffffffffffff, 0x6ffd5238733b6ab5ULL},
    {0x3039, 0x3, 0x0, 0xdf1165fe3696492cULL},
    {0x3039, 0x3, 0x8000000000000000, 0xe1885236402aaa7cULL},
};

// Keys, from the same script.
constexpr golden golden_keys[] = {
    {0x0, 0x0, 0, 0xe021596e42c8b35cULL},
    {0x1, 0x0, 0, 0x8651bab11023d24eULL},
    {0x0, 0x1, 0, 0x0f7450cc07cb2bd7ULL},
    {0x2a, 0x7, 0, 0x8e2973f7a85cbecaULL},
    {0xdeadbeefcafebabe, 0xffffffffffffffff, 0, 0x7aeadace5abc55abULL},
    {0x3039, 0x3, 0, 0x4a97141a9e9a86f8ULL},
};

// The generator is constexpr: the golden vectors hold at compile time as well.
static_assert(random_stream(0, 0)(0) == 0xcbee8e17cd2b6236ULL);
static_assert(random_bits(0x2a, 7, 0x3e8) == 0x9a60042220637ee5ULL);

}  // namespace

TEST_CASE("golden vectors pin random_stream and random_bits") {
  for (const golden& g : goldens) {
    CAPTURE(g.seed);
    CAPTURE(g.stream);
    CAPTURE(g.index);
    CHECK(random_stream(g.seed, g.stream)(g.index) == g.word);
    CHECK(random_bits(g.seed, g.stream, g.index) == g.word);
  }
  for (const golden& g : golden_keys) {
    CAPTURE(g.seed);
    CAPTURE(g.stream);
    CHECK(random_stream(g.seed, g.stream).key == g.word);
  }
  // The stream argument defaults to 0; a default-constructed stream has key 0.
  CHECK(random_stream(0x2a)(5) == random_stream(0x2a, 0)(5));
  CHECK(random_stream().key == 0);
}

TEST_CASE("mix64 is SplitMix64's output function") {
  // SplitMix64 seeded with 0 (Vigna's splitmix64.c: x += 0x9e3779b97f4a7c15, then mix):
  // its published first outputs.
  constexpr std::uint64_t gamma = 0x9e3779b97f4a7c15ULL;
  CHECK(mix64(1 * gamma) == 0xe220a8397b1dcdafULL);
  CHECK(mix64(2 * gamma) == 0x6e789e6aa1b965f4ULL);
  CHECK(mix64(3 * gamma) == 0x06c45d188009454fULL);
  // A stream with key k is the SplitMix64 sequence from state k.
  random_stream zero;
  CHECK(zero(0) == 0xe220a8397b1dcdafULL);
  CHECK(zero(1) == 0x6e789e6aa1b965f4ULL);
  CHECK(zero(2) == 0x06c45d188009454fULL);
  // Other inputs, from the Python script above.
  CHECK(mix64(0) == 0);
  CHECK(mix64(1) == 0x5692161d100b05e5ULL);
  CHECK(mix64(0xffffffffffffffffULL) == 0xb4d055fcf2cbbd7bULL);
  CHECK(mix64(0x0123456789abcdefULL) == 0xb2c058e4ebb5112cULL);
}

TEST_CASE("different seeds and streams give different words") {
  constexpr int n = 2000;
  const random_stream streams[] = {random_stream(0, 0),
                                   random_stream(1, 0),
                                   random_stream(0, 1),
                                   random_stream(1, 1),
                                   random_stream(2, 0),
                                   random_stream(0, 2),
                                   random_stream(0xffffffffffffffffULL, 0)};
  std::set<std::uint64_t> keys;
  std::set<std::uint64_t> words;
  for (const random_stream& s : streams) {
    keys.insert(s.key);
    for (int i = 0; i < n; ++i) words.insert(s(static_cast<std::uint64_t>(i)));
  }
  constexpr std::size_t count = sizeof(streams) / sizeof(streams[0]);
  CHECK(keys.size() == count);
  // Distinct 64-bit words: a repeat among 14,000 random words has probability ~1e-11.
  CHECK(words.size() == count * n);
  // Element-wise: the same index under different seeds or streams differs.
  int same = 0;
  for (int i = 0; i < n; ++i)
    same += random_stream(7, 0)(static_cast<std::uint64_t>(i)) ==
            random_stream(7, 1)(static_cast<std::uint64_t>(i));
  CHECK(same == 0);
}

TEST_CASE("every bit is balanced over 10^6 words (5 sigma)") {
  constexpr std::uint64_t n = 1000000;
  const double sigma = std::sqrt(n * 0.25);
  for (const random_stream s : {random_stream(0, 0), random_stream(12345, 3)}) {
    std::uint64_t ones[64] = {};
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t w = s(i);
      for (int b = 0; b < 64; ++b) ones[b] += (w >> b) & 1;
    }
    for (int b = 0; b < 64; ++b) {
      CAPTURE(b);
      CHECK(std::fabs(static_cast<double>(ones[b]) - 0.5 * n) < 5 * sigma);
    }
  }
  // Large indices behave like small ones (no degeneracy near 2^63 or 2^64).
  std::uint64_t ones = 0;
  constexpr std::uint64_t m = 100000;
  for (std::uint64_t i = 0; i < m; ++i)
    ones += static_cast<std::uint64_t>(__builtin_popcountll(random_stream(1)(~i)));
  CHECK(std::fabs(static_cast<double>(ones) - 32.0 * m) < 5 * std::sqrt(16.0 * m));
}
