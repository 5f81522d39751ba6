// Provides the MPFR helpers that lowp::reference and lowp::math's wide formats share (a private
// header of both libraries): RAII holders, rounding a truncated result to odd one bit further,
// and the operation selector.
#pragma once

#include <gmp.h>
#include <mpfr.h>

namespace lowp::mpfr_support {

// RAII holders for GMP/MPFR temporaries.
struct mpz_value {
  mpz_t v;
  mpz_value() { mpz_init(v); }
  ~mpz_value() { mpz_clear(v); }
  mpz_value(const mpz_value&) = delete;
  mpz_value& operator=(const mpz_value&) = delete;
};
struct mpfr_value {
  mpfr_t v;
  explicit mpfr_value(mpfr_prec_t p) { mpfr_init2(v, p); }
  ~mpfr_value() { mpfr_clear(v); }
  mpfr_value(const mpfr_value&) = delete;
  mpfr_value& operator=(const mpfr_value&) = delete;
};

// Rounds the finite nonzero t (precision P - 1, rounded toward zero with ternary `inexact`) to
// odd at precision P: the dropped part is kept as a set last bit, so one more rounding to any
// precision <= P - 2 is the correct rounding of the exact value.
inline void make_odd(mpfr_ptr t, mpfr_prec_t P, bool inexact) {
  mpfr_prec_round(t, P, MPFR_RNDN);  // exact: one more bit
  if (inexact) {
    if (mpfr_sgn(t) > 0)
      mpfr_nextabove(t);
    else
      mpfr_nextbelow(t);
  }
}

// The operations rounded once by ops.hpp / wide.hpp.
enum class op_kind { add, sub, mul, div, sqrt, fma };

}  // namespace lowp::mpfr_support
