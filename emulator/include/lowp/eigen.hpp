// Provides Eigen::NumTraits for lowp::fp<F, Mode> (Eigen's custom-scalar recipe), so that
// Eigen::Matrix<lowp::bfloat16, ...> products, LU decompositions and triangular solves compile and
// run with every scalar operation rounded once to F. The math Eigen calls (abs, sqrt, min, max,
// isnan, isinf, isfinite, ...) is found by argument-dependent lookup in fp.hpp.
//
// Eigen does not vectorise custom scalars: every operation is one call of fp's operators, in the
// order of Eigen's scalar code paths (see tests/emulator/eigen_test.cpp, which pins that order
// for PartialPivLU and triangular solves of size <= 8 bit for bit).
#pragma once

#include <Eigen/Core>
#include <limits>

#include "lowp/fp.hpp"
#include "lowp/numeric_limits.hpp"

namespace Eigen {

template <lowp::format F, lowp::rounding Mode>
struct NumTraits<lowp::fp<F, Mode>> : GenericNumTraits<lowp::fp<F, Mode>> {
  using T = lowp::fp<F, Mode>;
  using Real = T;
  using NonInteger = T;
  using Nested = T;
  using Literal = T;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = F.is_signed ? 1 : 0,
    RequireInitialization = 1,  // the default constructor sets +0
    ReadCost = 1,
    AddCost = 3,
    MulCost = 3
  };
  static T epsilon() { return std::numeric_limits<T>::epsilon(); }
  // Eigen's tolerance for approximate comparisons (isApprox, rank decisions): 2^3 epsilon.
  static T dummy_precision() { return T::from_value(lowp::exp2i(3 - F.mantissa_bits)); }
  static T highest() { return std::numeric_limits<T>::max(); }
  static T lowest() { return std::numeric_limits<T>::lowest(); }
  static T infinity() { return std::numeric_limits<T>::infinity(); }
  static T quiet_NaN() { return std::numeric_limits<T>::quiet_NaN(); }
  static int digits10() { return std::numeric_limits<T>::digits10; }
  static int digits() { return std::numeric_limits<T>::digits; }
};

}  // namespace Eigen
