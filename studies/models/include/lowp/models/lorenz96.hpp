// Provides the Lorenz '96 system dx_k/dt = (x_{k+1} - x_{k-2}) x_{k-1} - x_k + F (k cyclic)
// integrated with the classical fourth-order Runge-Kutta method, written once over a compute type
// T and a prognostic type TProg (the discipline of lorenz63.hpp: double parameters converted once,
// no double literals or qualified math in the step).
#pragma once

#include <cstddef>
#include <vector>

#include "lowp/models/convert.hpp"

namespace lowp::models {

struct lorenz96_params {
  std::size_t n = 40;  // variables (>= 4)
  double forcing = 8.0;
  double dt = 0.05;
};

template <class T, class TProg = T>
class lorenz96 {
 public:
  using state = std::vector<TProg>;

  explicit lorenz96(const lorenz96_params& p = {})
      : n_(p.n),
        forcing_(convert<T>(p.forcing)),
        dt_(convert<T>(p.dt)),
        half_dt_(convert<T>(p.dt / 2.0)),
        sixth_dt_(convert<T>(p.dt / 6.0)),
        two_(convert<T>(2.0)),
        x_(n_), k1_(n_), k2_(n_), k3_(n_), k4_(n_), stage_(n_) {}

  [[nodiscard]] std::size_t size() const { return n_; }

  // Returns the usual start: every x_k = F, and x_0 = F + bump (the values given in double).
  state make_state(double forcing, double bump) const {
    state s(n_, convert<TProg>(forcing));
    s[0] = convert<TProg>(forcing + bump);
    return s;
  }

  // Advances s (of size n) by one RK4 step of length dt.
  void step(state& s) {
    for (std::size_t i = 0; i < n_; ++i) x_[i] = convert<T>(s[i]);
    tendency(x_, k1_);
    advance(half_dt_, k1_);
    tendency(stage_, k2_);
    advance(half_dt_, k2_);
    tendency(stage_, k3_);
    advance(dt_, k3_);
    tendency(stage_, k4_);
    for (std::size_t i = 0; i < n_; ++i) {
      const T increment = sixth_dt_ * ((k1_[i] + two_ * k2_[i]) + (two_ * k3_[i] + k4_[i]));
      s[i] = s[i] + convert<TProg>(increment);
    }
  }

  // Writes dx/dt at x into k.
  void tendency(const std::vector<T>& x, std::vector<T>& k) const {
    for (std::size_t i = 0; i < n_; ++i) {
      const std::size_t ip1 = i + 1 == n_ ? 0 : i + 1;
      const std::size_t im1 = i == 0 ? n_ - 1 : i - 1;
      const std::size_t im2 = i >= 2 ? i - 2 : i + n_ - 2;
      k[i] = ((x[ip1] - x[im2]) * x[im1] - x[i]) + forcing_;
    }
  }

 private:
  // stage = x + h * k
  void advance(const T& h, const std::vector<T>& k) {
    for (std::size_t i = 0; i < n_; ++i) stage_[i] = x_[i] + h * k[i];
  }

  std::size_t n_;
  T forcing_, dt_, half_dt_, sixth_dt_, two_;
  std::vector<T> x_, k1_, k2_, k3_, k4_, stage_;
};

}  // namespace lowp::models
