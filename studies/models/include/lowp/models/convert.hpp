// Provides convert<To>(x), the one conversion the models use between their number types (double
// parameters into the compute type, compute into prognostic type and back).
#pragma once

namespace lowp::models {

// Returns x as a To: rounds once where To is narrower (lowp::number and lowp::fp round under
// their format; boost multiprecision numbers and double convert explicitly), and is the identity
// where To is From.
template <class To, class From>
To convert(const From& x) {
  return static_cast<To>(x);
}

}  // namespace lowp::models
