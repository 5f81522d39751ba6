// Provides the Lorenz '63 system integrated with the classical fourth-order Runge-Kutta method,
// written once over a compute type T and a prognostic type TProg.
//
// Model code follows ShallowWaters.jl's discipline: the parameters are doubles converted once to T
// in the constructor, the step has no double literals and no qualified std:: math, so every
// operation is one of T's (or TProg's) and is rounded by it. With lowp::number both types take
// their format and rounding mode from the innermost lowp::scoped_context, which must be in scope
// when the model is built and stepped.
#pragma once

#include <array>

#include "lowp/models/convert.hpp"

namespace lowp::models {

struct lorenz63_params {
  double sigma = 10.0;
  double rho = 28.0;
  double beta = 8.0 / 3.0;
  double dt = 0.01;
};

template <class T, class TProg = T>
class lorenz63 {
 public:
  using state = std::array<TProg, 3>;

  // Converts the parameters once to T (dt / 2 and dt / 6 are formed in double first).
  explicit lorenz63(const lorenz63_params& p = {})
      : sigma_(convert<T>(p.sigma)),
        rho_(convert<T>(p.rho)),
        beta_(convert<T>(p.beta)),
        dt_(convert<T>(p.dt)),
        half_dt_(convert<T>(p.dt / 2.0)),
        sixth_dt_(convert<T>(p.dt / 6.0)),
        two_(convert<T>(2.0)) {}

  // Returns the state (x, y, z) given in double, converted to TProg.
  static state make_state(double x, double y, double z) {
    return {convert<TProg>(x), convert<TProg>(y), convert<TProg>(z)};
  }

  // Advances s by one RK4 step of length dt.
  void step(state& s) const {
    const std::array<T, 3> x{convert<T>(s[0]), convert<T>(s[1]), convert<T>(s[2])};
    const std::array<T, 3> k1 = tendency(x);
    const std::array<T, 3> k2 = tendency(advance(x, half_dt_, k1));
    const std::array<T, 3> k3 = tendency(advance(x, half_dt_, k2));
    const std::array<T, 3> k4 = tendency(advance(x, dt_, k3));
    for (std::size_t i = 0; i < 3; ++i) {
      const T increment = sixth_dt_ * ((k1[i] + two_ * k2[i]) + (two_ * k3[i] + k4[i]));
      s[i] = s[i] + convert<TProg>(increment);
    }
  }

  // Returns (dx/dt, dy/dt, dz/dt) at x.
  std::array<T, 3> tendency(const std::array<T, 3>& x) const {
    return {sigma_ * (x[1] - x[0]), x[0] * (rho_ - x[2]) - x[1], x[0] * x[1] - beta_ * x[2]};
  }

 private:
  static std::array<T, 3> advance(const std::array<T, 3>& x, const T& h, const std::array<T, 3>& k) {
    return {x[0] + h * k[0], x[1] + h * k[1], x[2] + h * k[2]};
  }

  T sigma_, rho_, beta_, dt_, half_dt_, sixth_dt_, two_;
};

}  // namespace lowp::models
