// Declares the MPFR evaluation of each lowp::math function, shared by lowp::math's fallback and
// lowp::wide::evaluate (internal to the lowp::math library).
#pragma once

#include <mpfr.h>

#include "lowp/math.hpp"

namespace lowp::math::impl {

// Computes fn(x) (or fn(x, y)) into r, correctly rounded by MPFR in direction `rnd` at r's
// precision; returns MPFR's ternary.
int mpfr_eval(function fn, mpfr_ptr r, mpfr_srcptr x, mpfr_srcptr y, mpfr_rnd_t rnd);

}  // namespace lowp::math::impl
