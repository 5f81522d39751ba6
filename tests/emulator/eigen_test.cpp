// Tests lowp/eigen.hpp: one generic solver, Eigen's PartialPivLU solve, run in double, in
// lowp::bfloat16 and in an MPFR type (boost::multiprecision), each checked bit for bit against a
// hand-written LU and solve whose every operation is rounded once explicitly in the same format
// (native binary64 operators; lowp::sub/mul/div to bfloat16; mpfr_sub/mul/div), and against the
// classical backward error bound computed in MPFR at 400 bits. Plus Eigen's matrix product of
// bfloat16 matrices against its error bound.
//
// The hand-written reference follows the operation order of Eigen 3.4's code for these sizes
// (read in Eigen/src/LU/PartialPivLU.h and Core/products/TriangularSolverVector.h): for n <= 16
// PartialPivLU runs `unblocked_lu`: pivot = first row of largest |a_ik| (maxCoeff keeps the first
// maximum), swap whole rows, a_ik /= a_kk (a division, not a reciprocal), then the rank-1 update
// a_ij -= a_ik * a_kj; solve() permutes b, then the column-major triangular solves of one panel
// (n <= 8 = EIGEN_TUNE_TRIANGULAR_PANEL_WIDTH): for each i with b_i != 0, (b_i /= u_ii), then
// b_j -= b_i * l_ji for the rows below (above, for U). If Eigen changed that order the test fails.
#include <doctest/doctest.h>
#include <mpfr.h>

#include <Eigen/Core>
#include <Eigen/LU>
#include <boost/multiprecision/eigen.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "lowp/eigen.hpp"
#include "lowp/fp.hpp"
#include "lowp/ops.hpp"

using lowp::bfloat16;
using mpfr_type =
    boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<30>,
                                  boost::multiprecision::et_off>;

namespace {

template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// The generic solver under test: written once, over the scalar type.
template <class T>
std::pair<matrix<T>, vector<T>> lu_solve(const matrix<T>& a, const vector<T>& b) {
  const Eigen::PartialPivLU<matrix<T>> lu(a);
  return {lu.matrixLU(), lu.solve(b)};
}

// An MPFR value at a fixed precision, for the hand-written MPFR reference.
struct mp {
  static inline mpfr_prec_t prec = 53;
  mpfr_t v;
  mp() {
    mpfr_init2(v, prec);
    mpfr_set_zero(v, 1);
  }
  explicit mp(double d) : mp() { mpfr_set_d(v, d, MPFR_RNDN); }
  mp(const mp& o) : mp() { mpfr_set(v, o.v, MPFR_RNDN); }
  mp& operator=(const mp& o) {
    mpfr_set(v, o.v, MPFR_RNDN);
    return *this;
  }
  ~mp() { mpfr_clear(v); }
};

// Rounding policies of the hand-written reference: each function is one rounded operation.
struct binary64_ops {
  using value = double;
  static double make(double d) { return d; }
  static double sub(double a, double b) { return a - b; }
  static double mul(double a, double b) { return a * b; }
  static double div(double a, double b) { return a / b; }
  static bool abs_greater(double a, double b) { return std::fabs(a) > std::fabs(b); }
  static bool is_zero(double a) { return a == 0; }
};
struct bfloat16_ops {
  using value = double;
  static constexpr lowp::format f = lowp::formats::bfloat16;
  static constexpr lowp::rounding r = lowp::rounding::nearest_even;
  static double make(double d) { return lowp::round(d, f, r).value; }
  static double sub(double a, double b) { return lowp::sub(a, b, f, r).value; }
  static double mul(double a, double b) { return lowp::mul(a, b, f, r).value; }
  static double div(double a, double b) { return lowp::div(a, b, f, r).value; }
  static bool abs_greater(double a, double b) { return std::fabs(a) > std::fabs(b); }
  static bool is_zero(double a) { return a == 0; }
};
struct mpfr_ops {
  using value = mp;
  static mp make(double d) { return mp(d); }
  static mp sub(const mp& a, const mp& b) {
    mp out;
    mpfr_sub(out.v, a.v, b.v, MPFR_RNDN);
    return out;
  }
  static mp mul(const mp& a, const mp& b) {
    mp out;
    mpfr_mul(out.v, a.v, b.v, MPFR_RNDN);
    return out;
  }
  static mp div(const mp& a, const mp& b) {
    mp out;
    mpfr_div(out.v, a.v, b.v, MPFR_RNDN);
    return out;
  }
  static bool abs_greater(const mp& a, const mp& b) { return mpfr_cmpabs(a.v, b.v) > 0; }
  static bool is_zero(const mp& a) { return mpfr_zero_p(a.v) != 0; }
};

// The hand-written LU with partial pivoting and solve (column-major a[i + n*j]).
template <class P>
void reference_lu_solve(std::vector<typename P::value>& a, std::vector<typename P::value>& b,
                        int n) {
  auto at = [&](int i, int j) -> typename P::value& { return a[i + n * j]; };
  std::vector<int> pivot(n);
  for (int k = 0; k < n; ++k) {
    int p = k;
    for (int i = k + 1; i < n; ++i)
      if (P::abs_greater(at(i, k), at(p, k))) p = i;
    pivot[k] = p;
    if (!P::is_zero(at(p, k))) {
      if (p != k)
        for (int j = 0; j < n; ++j) std::swap(at(k, j), at(p, j));
      for (int i = k + 1; i < n; ++i) at(i, k) = P::div(at(i, k), at(k, k));
    }
    for (int j = k + 1; j < n; ++j)
      for (int i = k + 1; i < n; ++i) at(i, j) = P::sub(at(i, j), P::mul(at(i, k), at(k, j)));
  }
  for (int k = 0; k < n; ++k) std::swap(b[k], b[pivot[k]]);
  for (int i = 0; i < n; ++i)  // unit lower
    if (!P::is_zero(b[i]))
      for (int j = i + 1; j < n; ++j) b[j] = P::sub(b[j], P::mul(b[i], at(j, i)));
  for (int i = n - 1; i >= 0; --i)  // upper
    if (!P::is_zero(b[i])) {
      b[i] = P::div(b[i], at(i, i));
      for (int j = 0; j < i; ++j) b[j] = P::sub(b[j], P::mul(b[i], at(j, i)));
    }
}

// Exact conversion of each scalar type into an MPFR value of higher precision, and bit equality
// between a scalar of the Eigen run and a value of the reference.
void set_exact(mpfr_t out, double x) { mpfr_set_d(out, x, MPFR_RNDN); }
void set_exact(mpfr_t out, bfloat16 x) { mpfr_set_d(out, x.value(), MPFR_RNDN); }
void set_exact(mpfr_t out, const mpfr_type& x) { mpfr_set(out, x.backend().data(), MPFR_RNDN); }
bool same(double x, double r) {
  return __builtin_bit_cast(std::uint64_t, x) == __builtin_bit_cast(std::uint64_t, r);
}
bool same(bfloat16 x, double r) { return same(x.value(), r); }
bool same(const mpfr_type& x, const mp& r) {
  return mpfr_equal_p(x.backend().data(), r.v) && mpfr_signbit(x.backend().data()) == mpfr_signbit(r.v);
}
template <class T>
T from_double(double d) {
  return T(d);
}

// Infinity norm of a matrix held as MPFR values (n x n, column-major), at 400 bits.
struct big {
  mpfr_t v;
  big() {
    mpfr_init2(v, 400);
    mpfr_set_zero(v, 1);
  }
  big(const big&) = delete;
  ~big() { mpfr_clear(v); }
};

// Checks Eigen's LU solve in T against the reference in policy P on `trials` random systems,
// bit for bit, and the backward error against gamma_{3n} || |L||U| || ||x|| (Higham, Accuracy
// and Stability of Numerical Algorithms, 2nd ed., Thm 9.4: (A + dA) x = b, |dA| <= gamma_3n |L||U|,
// so ||b - A x||_inf <= gamma_3n || |L||U| ||_inf ||x||_inf). Returns the largest normwise backward
// error ||b - A x|| / (||A|| ||x||) seen, as a double.
template <class T, class P>
double check_solver(int n, int trials, double u) {
  std::mt19937_64 g(17);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  double worst = 0;
  long mismatches = 0;
  for (int t = 0; t < trials; ++t) {
    matrix<T> a(n, n);
    vector<T> b(n);
    std::vector<typename P::value> ra(n * n), rb(n);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const double d = dist(g);
        a(i, j) = from_double<T>(d);
        ra[i + n * j] = P::make(d);
      }
    for (int i = 0; i < n; ++i) {
      const double d = dist(g);
      b(i) = from_double<T>(d);
      rb[i] = P::make(d);
    }
    const auto [lu, x] = lu_solve<T>(a, b);
    reference_lu_solve<P>(ra, rb, n);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) mismatches += !same(lu(i, j), ra[i + n * j]);
    for (int i = 0; i < n; ++i) mismatches += !same(x(i), rb[i]);

    // Backward error at 400 bits: r = b - A x, |L||U| from the computed factors.
    big r_norm, a_norm, x_norm, lu_norm, tmp, acc, prod;
    for (int i = 0; i < n; ++i) {
      set_exact(acc.v, b(i));
      big ai_sum;
      for (int j = 0; j < n; ++j) {
        set_exact(tmp.v, a(i, j));
        set_exact(prod.v, x(j));
        mpfr_mul(prod.v, prod.v, tmp.v, MPFR_RNDN);  // exact at 400 bits
        mpfr_sub(acc.v, acc.v, prod.v, MPFR_RNDN);
        mpfr_abs(tmp.v, tmp.v, MPFR_RNDN);
        mpfr_add(ai_sum.v, ai_sum.v, tmp.v, MPFR_RNDN);
      }
      mpfr_abs(acc.v, acc.v, MPFR_RNDN);
      mpfr_max(r_norm.v, r_norm.v, acc.v, MPFR_RNDN);
      mpfr_max(a_norm.v, a_norm.v, ai_sum.v, MPFR_RNDN);
      set_exact(tmp.v, x(i));
      mpfr_abs(tmp.v, tmp.v, MPFR_RNDN);
      mpfr_max(x_norm.v, x_norm.v, tmp.v, MPFR_RNDN);
      // Row i of |L||U|, L unit lower and U upper from the packed factors.
      big row_sum;
      for (int j = 0; j < n; ++j) {
        big s;
        for (int k = 0; k <= std::min(i, j); ++k) {
          big l, uu;
          if (k == i) mpfr_set_ui(l.v, 1, MPFR_RNDN);
          else set_exact(l.v, lu(i, k));
          set_exact(uu.v, lu(k, j));
          mpfr_mul(l.v, l.v, uu.v, MPFR_RNDN);
          mpfr_abs(l.v, l.v, MPFR_RNDN);
          mpfr_add(s.v, s.v, l.v, MPFR_RNDN);
        }
        mpfr_add(row_sum.v, row_sum.v, s.v, MPFR_RNDN);
      }
      mpfr_max(lu_norm.v, lu_norm.v, row_sum.v, MPFR_RNDN);
    }
    const double gamma = 3 * n * u / (1 - 3 * n * u);
    // bound = gamma * ||LU|| * ||x||
    big bound;
    mpfr_mul(bound.v, lu_norm.v, x_norm.v, MPFR_RNDU);
    mpfr_mul_d(bound.v, bound.v, gamma, MPFR_RNDU);
    CHECK(mpfr_cmp(r_norm.v, bound.v) <= 0);
    // Normwise backward error eta = ||r|| / (||A|| ||x||), reported.
    mpfr_mul(tmp.v, a_norm.v, x_norm.v, MPFR_RNDN);
    mpfr_div(tmp.v, r_norm.v, tmp.v, MPFR_RNDN);
    worst = std::max(worst, mpfr_get_d(tmp.v, MPFR_RNDN));
  }
  CHECK(mismatches == 0);
  return worst;
}

}  // namespace

TEST_CASE("one generic LU solve in double, bfloat16 and MPFR, bit for bit against per-op rounding") {
  const int n = 8;
  const double eta64 = check_solver<double, binary64_ops>(n, 200, 0x1p-53);
  const double eta16 = check_solver<bfloat16, bfloat16_ops>(n, 200, 0x1p-8);
  const mpfr_type probe(1);
  mp::prec = mpfr_get_prec(probe.backend().data());
  CHECK(mp::prec > 53);
  const double etamp =
      check_solver<mpfr_type, mpfr_ops>(n, 50, std::ldexp(1.0, -static_cast<int>(mp::prec)));
  MESSAGE("worst normwise backward error: binary64 " << eta64 << ", bfloat16 " << eta16
                                                      << ", MPFR(" << mp::prec << " bits) " << etamp);
  // The backward errors scale with the unit roundoff of each type.
  CHECK(eta16 > 1e-4);
  CHECK(eta16 < 0.1);
  CHECK(eta64 < 1e-14);
  CHECK(etamp < 1e-28);
}

TEST_CASE("Eigen products, triangular solves and inverses of bfloat16 matrices run") {
  const int n = 12;
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  matrix<bfloat16> a(n, n), b(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      a(i, j) = bfloat16(dist(g));
      b(i, j) = bfloat16(dist(g));
    }
  const matrix<bfloat16> c = a * b;
  // Each entry within gamma_n |A||B| of the exact product (computed in binary64: the products of
  // bfloat16 values are exact there and 12 of them sum with an error far below the bound).
  const double u = 0x1p-8, gamma = n * u / (1 - n * u);
  long outside = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double exact = 0, abs_sum = 0;
      for (int k = 0; k < n; ++k) {
        exact += a(i, k).value() * b(k, j).value();
        abs_sum += std::fabs(a(i, k).value() * b(k, j).value());
      }
      outside += std::fabs(c(i, j).value() - exact) > gamma * abs_sum;
      CHECK(bfloat16(c(i, j)) == c(i, j));  // a value of bfloat16
    }
  CHECK(outside == 0);
  // Triangular solve: L y = b(:, 0) with L the lower triangle of a plus 4 on the diagonal.
  matrix<bfloat16> l = a.triangularView<Eigen::Lower>();
  for (int i = 0; i < n; ++i) l(i, i) = l(i, i) + bfloat16(4.0);
  const vector<bfloat16> rhs = b.col(0);
  const vector<bfloat16> y = l.triangularView<Eigen::Lower>().solve(rhs);
  double res = 0;
  for (int i = 0; i < n; ++i) {
    double s = rhs(i).value();
    for (int k = 0; k <= i; ++k) s -= l(i, k).value() * y(k).value();
    res = std::max(res, std::fabs(s));
  }
  CHECK(res < 0.1);
  // LU inverse and determinant run as well.
  const Eigen::PartialPivLU<matrix<bfloat16>> lu(l);
  const matrix<bfloat16> inv = lu.inverse();
  CHECK(isfinite(lu.determinant()));
  CHECK(abs((inv * l)(0, 0) - bfloat16(1.0)) < bfloat16(0.1));
}
