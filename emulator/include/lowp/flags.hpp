// Provides the IEEE-style exception flags (plus lowp's saturation / NaN-created / flushed events)
// that every rounding reports, and their names.
#pragma once

#include <cstdint>
#include <string>

#include "lowp/config.hpp"

namespace lowp {

// Flags are a bit set; a rounding ORs in what it raised.
//   inexact      the result differs from the exact value
//   underflow    inexact and tiny after rounding (IEEE 754 "after rounding": the result rounded
//                to precision p with an unbounded exponent range is below the smallest normal)
//   overflow     the result rounded with an unbounded exponent range exceeds the largest finite
//   invalid      no value of the format can stand for the result (NaN input to a NaN-less format,
//                negative or zero input to an unsigned/zero-less format)
//   saturated    the result was clamped to +-largest by overflow=saturate or a finite format
//   nan_created  a non-NaN input gave NaN (overflow or inf input in a format without inf)
//   flushed      a nonzero input gave zero (ftz, DAZ, or underflow to zero)
//   divide_by_zero  an operation (ops.hpp) divided a finite nonzero value by zero (IEEE 754);
//                a rounding alone never raises it
namespace flag {
inline constexpr unsigned none = 0;
inline constexpr unsigned inexact = 1u << 0;
inline constexpr unsigned underflow = 1u << 1;
inline constexpr unsigned overflow = 1u << 2;
inline constexpr unsigned invalid = 1u << 3;
inline constexpr unsigned saturated = 1u << 4;
inline constexpr unsigned nan_created = 1u << 5;
inline constexpr unsigned flushed = 1u << 6;
inline constexpr unsigned divide_by_zero = 1u << 7;
inline constexpr int count = 8;
}  // namespace flag

// Returns the name of a single flag bit ("inexact", "underflow", ...), or "" for anything else.
constexpr const char* flag_name(unsigned bit) noexcept {
  switch (bit) {
    case flag::inexact: return "inexact";
    case flag::underflow: return "underflow";
    case flag::overflow: return "overflow";
    case flag::invalid: return "invalid";
    case flag::saturated: return "saturated";
    case flag::nan_created: return "nan_created";
    case flag::flushed: return "flushed";
    case flag::divide_by_zero: return "divide_by_zero";
    default: return "";
  }
}

// Formats a flag set as names separated by `sep` ("" when no flag is raised).
inline std::string flags_to_string(unsigned flags, const char* sep = " ") {
  std::string out;
  for (int i = 0; i < flag::count; ++i) {
    const unsigned bit = 1u << i;
    if (flags & bit) {
      if (!out.empty()) out += sep;
      out += flag_name(bit);
    }
  }
  return out;
}

}  // namespace lowp
