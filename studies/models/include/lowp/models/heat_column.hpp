// Provides the soil heat-diffusion column of Paxton et al. (2022) after Dawson et al. (2018):
// dT/dt = D d2T/dz2 on nodes z = 0, dz, ..., depth, forward Euler in time and centred differences
// in flux form, T fixed at the top node, an insulated bottom (mirror node), written once over a
// compute type T (fluxes) and a prognostic type TProg (temperatures), with the discipline of
// lorenz63.hpp (double parameters converted once, no double literals in the step).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lowp/models/convert.hpp"

namespace lowp::models {

struct heat_column_params {
  double diffusivity = 7e-7;  // D, m^2/s
  double depth = 60.0;        // m
  double dz = 1.0;            // m
  double dt = 1800.0;         // s
  double t_top = 280.0;       // K, the fixed surface temperature
  double t_initial = 273.3;   // K, the initial temperature below the surface

  // Returns the number of nodes below the surface (depth / dz).
  [[nodiscard]] std::size_t intervals() const { return static_cast<std::size_t>(std::llround(depth / dz)); }
  // Returns the number of steps of length dt in `years` years of 365 days.
  [[nodiscard]] std::int64_t steps_in_years(double years) const {
    return std::llround(years * 365.0 * 86400.0 / dt);
  }
};

template <class T, class TProg = T>
class heat_column {
 public:
  using state = std::vector<TProg>;  // node 0 (surface) .. node intervals() (bottom)

  explicit heat_column(const heat_column_params& p = {})
      : n_(p.intervals()),
        k_(convert<T>(p.diffusivity * p.dt / (p.dz * p.dz))),
        flux_(n_) {}

  // Returns the initial column: t_top at the surface, t_initial below.
  static state make_state(const heat_column_params& p) {
    state s(p.intervals() + 1, convert<TProg>(p.t_initial));
    s[0] = convert<TProg>(p.t_top);
    return s;
  }

  // Advances s by one forward Euler step: flux_i = K (T_{i+1} - T_i) through the face below node
  // i, T_i += flux_i - flux_{i-1}; the bottom node's missing neighbour mirrors T_{n-1}.
  void step(state& s) {
    for (std::size_t i = 0; i < n_; ++i) flux_[i] = k_ * (convert<T>(s[i + 1]) - convert<T>(s[i]));
    for (std::size_t i = 1; i < n_; ++i) s[i] = s[i] + convert<TProg>(flux_[i] - flux_[i - 1]);
    s[n_] = s[n_] - convert<TProg>(flux_[n_ - 1] + flux_[n_ - 1]);
  }

  // Returns K = D dt / dz^2 as T holds it.
  [[nodiscard]] const T& courant() const { return k_; }

 private:
  std::size_t n_;
  T k_;
  std::vector<T> flux_;
};

}  // namespace lowp::models
