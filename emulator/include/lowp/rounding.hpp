// Provides the rounding modes of lowp and their short and long names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lowp {

// Rounding modes. The deterministic ones follow IEEE 754 / MPFR; the stochastic ones draw a
// 64-bit random word per rounding from the counter-based generator in random.hpp.
enum class rounding : std::uint8_t {
  nearest_even,      // rne: nearest, ties to even (IEEE roundTiesToEven, MPFR_RNDN)
  nearest_away,      // rna: nearest, ties away from zero (IEEE roundTiesToAway)
  nearest_zero,      // rnz: nearest, ties toward zero
  up,                // ru:  toward +inf (MPFR_RNDU)
  down,              // rd:  toward -inf (MPFR_RNDD)
  toward_zero,       // rz:  toward zero (MPFR_RNDZ)
  odd,               // ro:  toward zero, then the odd neighbour when inexact
  stochastic,        // sr:  away from zero with probability = exact fractional distance (r bits)
  stochastic_equal,  // sre: each neighbour with probability 1/2 when inexact
};

inline constexpr rounding all_roundings[] = {
    rounding::nearest_even, rounding::nearest_away, rounding::nearest_zero,
    rounding::up,           rounding::down,         rounding::toward_zero,
    rounding::odd,          rounding::stochastic,   rounding::stochastic_equal};

inline constexpr rounding deterministic_roundings[] = {
    rounding::nearest_even, rounding::nearest_away, rounding::nearest_zero, rounding::up,
    rounding::down,         rounding::toward_zero,  rounding::odd};

constexpr bool is_nearest(rounding r) noexcept {
  return r == rounding::nearest_even || r == rounding::nearest_away || r == rounding::nearest_zero;
}
constexpr bool is_stochastic(rounding r) noexcept {
  return r == rounding::stochastic || r == rounding::stochastic_equal;
}

// Returns the short name (rne, rna, rnz, ru, rd, rz, ro, sr, sre).
constexpr std::string_view short_name(rounding r) noexcept {
  constexpr std::string_view names[] = {"rne", "rna", "rnz", "ru", "rd", "rz", "ro", "sr", "sre"};
  return names[static_cast<int>(r)];
}

// Returns the long name (nearest-even, ..., stochastic-equal).
constexpr std::string_view long_name(rounding r) noexcept {
  constexpr std::string_view names[] = {"nearest-even", "nearest-away", "nearest-zero",
                                        "up",           "down",         "toward-zero",
                                        "odd",          "stochastic",   "stochastic-equal"};
  return names[static_cast<int>(r)];
}

// Parses a short or long mode name; nullopt when it is neither.
constexpr std::optional<rounding> parse_rounding(std::string_view s) noexcept {
  for (rounding r : all_roundings)
    if (s == short_name(r) || s == long_name(r)) return r;
  return std::nullopt;
}

}  // namespace lowp
