// Provides the shallow-water channel of Klöwer, Düben and Palmer (2020, JAMES, "Number formats,
// error mitigation and scope for 16-bit arithmetics in weather and climate modelling analysed
// with a shallow water model"; the model is ShallowWaters.jl), written once over a compute type T
// and a prognostic type TProg, as ShallowWaters.jl is.
//
// Physics (vector-invariant nonlinear shallow-water equations on a beta plane):
//   du/dt =  q h v - d/dx (|u|^2/2 + g eta) + tau(y)/(rho H0) - cD |u| u / h - nu del^4 u
//   dv/dt = -q h u - d/dy (|u|^2/2 + g eta)                   - cD |u| v / h - nu del^4 v
//   deta/dt = -d/dx (u h) - d/dy (v h),   h = eta + H(x),   q = (f + zeta) / h
// Domain: a channel 2000 x 1000 km, periodic in x, no-slip walls in y (ghost tangential velocity
// = -u, i.e. ShallowWaters.jl's alpha = 2; v = 0 on the walls), f = f0 + beta (y - Ly/2) at 45N.
// H(x) = H0 - ridge_height exp(-((x - Lx/2) / ridge_width)^2) (a meridional ridge across the
// channel); wind stress tau0 cos^2(pi (y/Ly - 1/2)) (zero at the walls, largest mid-channel).
//
// Discretisation: Arakawa C-grid (eta at cell centres, u on west faces, v on south faces, q and
// the relative vorticity zeta on corners); Sadourny's (1975) enstrophy-conserving form of q h v;
// the continuity equation in flux form, so sum(eta) changes only by rounding. Time stepping as
// ShallowWaters.jl: RK4 for everything but dissipation; then the bottom drag and the biharmonic
// viscosity are evaluated once at the RK4 result and added with an Euler step (ShallowWaters.jl's
// "semi-implicit" dissipation). The drag's |u| is sqrt of the mean squared velocity at the cell
// centres (one square root per cell), interpolated to the u- and v-points.
//
// Rescaling (what keeps binary16 in range; ShallowWaters.jl does the same two things):
//   1. Non-dimensional grid spacing: every derivative is a plain difference (Delta = 1), so the
//      tendencies carry a factor Delta and the time step enters as dt / Delta. Terms are then
//      O(1e-3 .. 1e2) instead of O(1e-10 .. 1e-5) (a gradient of 0.1 m over 40 km).
//   2. The velocities are stored multiplied by a power of two `scale` (s = 16 by default): the
//      prognostic u, v are s * u, s * v. Every constant absorbs its power of Delta and s once, in
//      binary64, before being converted to T: g s, 1/(4 s), s Delta f, s Delta tau/(rho H0),
//      Delta cD / s, nu / Delta^3. With s = 16, |s u| h stays below 2e4 (binary16 max 65504) for
//      |u| < 2.5 m/s while the small tendencies (drag, viscosity) stay above binary16's normal
//      range more often.
//
// Rules of the model code: parameters are binary64 and converted once to T (or TProg); the
// arithmetic has no double literals and no std::-qualified math (sqrt is found by ADL for lowp
// types); conversions between T and TProg are static_cast, i.e. one rounding each. Works with
// double, lowp::fp<F, M>, lowp::number (under a scoped_context) and boost multiprecision types.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace lowp::models {

// The channel's parameters (SI units). Defaults: Klöwer et al. 2020 at 40 km resolution.
struct sw_parameters {
  int nx = 50;                     // cells in x (periodic)
  int ny = 25;                     // cells in y (walls)
  double lx = 2000e3;              // channel length [m]; Delta = lx / nx, ly = ny * Delta
  double gravity = 10.0;           // [m/s^2] (ShallowWaters.jl's default)
  double depth = 500.0;            // H0 [m]
  double density = 1e3;            // rho [kg/m^3]
  double latitude = 45.0;          // [degrees] of the channel's centre
  double omega = 2 * std::numbers::pi / 86400.0;  // [1/s]
  double radius = 6.371e6;         // [m]
  double wind_stress = 0.12;       // tau0 [Pa]
  double ridge_height = 50.0;      // [m]
  double ridge_width = 300e3;      // [m] (e-folding half width of the Gaussian ridge)
  double drag = 1e-5;              // quadratic bottom drag cD [1]
  double viscosity = 1.33e11;      // biharmonic nu [m^4/s]
  double dt = 480.0;               // [s]: CFL sqrt(g H0) dt / Delta = 0.85
  double scale = 16.0;             // s, a power of two: velocities are stored as s * u

  [[nodiscard]] double delta() const { return lx / nx; }
  [[nodiscard]] double ly() const { return ny * delta(); }
  // Returns how many steps make `days` days (rounded to nearest).
  [[nodiscard]] long steps_for_days(double days) const {
    return static_cast<long>(std::lround(days * 86400.0 / dt));
  }
};

// A physical state in binary64: u (nx * ny, west faces), v (nx * (ny + 1), south faces with both
// walls, zero there), eta (nx * ny, centres), in m/s and m, row j at offset j * nx.
struct sw_fields {
  std::vector<double> u, v, eta;
};

// The model: prognostic variables in TProg, tendencies in T.
template <class T, class TProg = T>
class shallow_water {
 public:
  explicit shallow_water(const sw_parameters& p) : p_(p), nx_(p.nx), ny_(p.ny) {
    if (p.nx < 3 || p.ny < 2) throw std::invalid_argument("shallow_water: grid too small");
    const std::size_t nu = cells(), nv = static_cast<std::size_t>(nx_) * (ny_ + 1);
    u_.assign(nu, to_prog(0.0));
    v_.assign(nv, to_prog(0.0));
    eta_.assign(nu, to_prog(0.0));
    for (auto* a : {&u1_, &du_, &hu_, &U_, &bern_, &h_, &lu_, &deta_, &eta1_, &speed_})
      a->assign(nu, to_t(0.0));
    for (auto* a : {&v1_, &dv_, &hv_, &V_, &q_, &lv_}) a->assign(nv, to_t(0.0));
    u0_ = u_;
    v0_ = v_;
    eta0_ = eta_;
    ip_.resize(nx_);
    im_.resize(nx_);
    for (int i = 0; i < nx_; ++i) {
      ip_[i] = (i + 1) % nx_;
      im_[i] = (i + nx_ - 1) % nx_;
    }
    make_constants();
  }

  // Sets the state from physical fields (each value rounded once to TProg).
  void set_fields(const sw_fields& f) {
    const std::size_t nu = cells(), nv = static_cast<std::size_t>(nx_) * (ny_ + 1);
    if (f.u.size() != nu || f.v.size() != nv || f.eta.size() != nu)
      throw std::invalid_argument("shallow_water::set_fields: wrong field sizes");
    for (std::size_t k = 0; k < nu; ++k) {
      u_[k] = to_prog(f.u[k] * p_.scale);
      eta_[k] = to_prog(f.eta[k]);
    }
    for (std::size_t k = 0; k < nv; ++k) v_[k] = to_prog(f.v[k] * p_.scale);
    for (int i = 0; i < nx_; ++i) {  // walls
      v_[vi(i, 0)] = to_prog(0.0);
      v_[vi(i, ny_)] = to_prog(0.0);
    }
  }

  // Returns the physical fields (binary64, velocities divided by the scale).
  [[nodiscard]] sw_fields fields() const {
    sw_fields f;
    f.u.resize(u_.size());
    f.v.resize(v_.size());
    f.eta.resize(eta_.size());
    for (std::size_t k = 0; k < u_.size(); ++k) {
      f.u[k] = static_cast<double>(u_[k]) / p_.scale;
      f.eta[k] = static_cast<double>(eta_[k]);
    }
    for (std::size_t k = 0; k < v_.size(); ++k) f.v[k] = static_cast<double>(v_[k]) / p_.scale;
    return f;
  }

  // Returns eta in metres (binary64).
  [[nodiscard]] std::vector<double> eta() const {
    std::vector<double> e(eta_.size());
    for (std::size_t k = 0; k < e.size(); ++k) e[k] = static_cast<double>(eta_[k]);
    return e;
  }

  // Returns max |u|, |v| over the grid [m/s] (NaN if any velocity is NaN).
  [[nodiscard]] double max_speed() const {
    double m = 0;
    for (const auto* a : {&u_, &v_})
      for (const TProg& x : *a) {
        const double d = static_cast<double>(x) / p_.scale;
        if (d != d) return d;
        m = std::fmax(m, std::fabs(d));
      }
    return m;
  }

  // The prognostic arrays as stored (scaled velocities), for bit-level comparisons.
  [[nodiscard]] const std::vector<TProg>& u_raw() const { return u_; }
  [[nodiscard]] const std::vector<TProg>& v_raw() const { return v_; }
  [[nodiscard]] const std::vector<TProg>& eta_raw() const { return eta_; }
  [[nodiscard]] const sw_parameters& parameters() const { return p_; }

  // Advances one time step: RK4 on the non-dissipative terms, then the dissipation (Euler at
  // the RK4 result).
  void step() {
    const std::size_t nu = cells(), nv = v_.size();
    u0_ = u_;
    v0_ = v_;
    eta0_ = eta_;
    for (std::size_t k = 0; k < nu; ++k) {
      u1_[k] = to_t_prog(u_[k]);
      eta1_[k] = to_t_prog(eta_[k]);
    }
    for (std::size_t k = 0; k < nv; ++k) v1_[k] = to_t_prog(v_[k]);
    for (int stage = 0; stage < 4; ++stage) {
      rhs();
      const TProg a = rk_a_[stage];
      for (std::size_t k = 0; k < nu; ++k) {
        const TProg dup = to_prog_t(du_[k]), detap = to_prog_t(deta_[k]);
        if (stage < 3) {
          u1_[k] = to_t_prog(u_[k] + rk_b_[stage] * dup);
          eta1_[k] = to_t_prog(eta_[k] + rk_b_[stage] * detap);
        }
        u0_[k] += a * dup;
        eta0_[k] += a * detap;
      }
      for (std::size_t k = static_cast<std::size_t>(nx_); k + nx_ < nv; ++k) {  // interior rows
        const TProg dvp = to_prog_t(dv_[k]);
        if (stage < 3) v1_[k] = to_t_prog(v_[k] + rk_b_[stage] * dvp);
        v0_[k] += a * dvp;
      }
    }
    dissipation();
    u_.swap(u0_);
    v_.swap(v0_);
    eta_.swap(eta0_);
  }

  // Advances n steps.
  void run(long n) {
    for (long s = 0; s < n; ++s) step();
  }

 private:
  [[nodiscard]] std::size_t cells() const { return static_cast<std::size_t>(nx_) * ny_; }
  [[nodiscard]] std::size_t ci(int i, int j) const { return static_cast<std::size_t>(j) * nx_ + i; }
  [[nodiscard]] std::size_t vi(int i, int j) const { return static_cast<std::size_t>(j) * nx_ + i; }

  static T to_t(double x) { return static_cast<T>(x); }
  static TProg to_prog(double x) { return static_cast<TProg>(x); }
  static TProg to_prog_t(const T& x) { return static_cast<TProg>(x); }
  static T to_t_prog(const TProg& x) { return static_cast<T>(x); }

  // Converts every parameter once (binary64 arithmetic, one rounding per constant).
  void make_constants() {
    const double d = p_.delta(), s = p_.scale, ly = p_.ly();
    const double phi = p_.latitude * std::numbers::pi / 180.0;
    const double f0 = 2 * p_.omega * std::sin(phi);
    const double beta = 2 * p_.omega * std::cos(phi) / p_.radius;
    half_ = to_t(0.5);
    quarter_ = to_t(0.25);
    four_ = to_t(4.0);
    inv_s_ = to_t(1.0 / s);
    g_ = to_t(p_.gravity * s);
    ke_ = to_t(0.25 / s);
    nu_ = to_t(p_.viscosity / (d * d * d));
    cd_ = to_t(p_.drag * d / s);
    f_.resize(ny_ + 1);
    for (int j = 0; j <= ny_; ++j) f_[j] = to_t(s * d * (f0 + beta * (j * d - ly / 2)));
    fx_.resize(ny_);
    for (int j = 0; j <= ny_ - 1; ++j) {
      const double c = std::cos(std::numbers::pi * ((j + 0.5) * d / ly - 0.5));
      fx_[j] = to_t(s * d * p_.wind_stress / (p_.density * p_.depth) * c * c);
    }
    depth_.resize(cells());
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const double x = ((i + 0.5) * d - p_.lx / 2) / p_.ridge_width;
        depth_[ci(i, j)] = to_t(p_.depth - p_.ridge_height * std::exp(-x * x));
      }
    const double dtd = p_.dt / d;
    rk_a_ = {to_prog(dtd / 6), to_prog(dtd / 3), to_prog(dtd / 3), to_prog(dtd / 6)};
    rk_b_ = {to_prog(dtd / 2), to_prog(dtd / 2), to_prog(dtd)};
    dt_ = to_prog(dtd);
  }

  // Computes du_, dv_, deta_ (T, scaled, times Delta) from the stage state u1_, v1_, eta1_.
  void rhs() {
    const std::vector<T>& u = u1_;
    const std::vector<T>& v = v1_;
    const std::vector<T>& eta = eta1_;
    // Layer thickness at centres, u-points and v-points; mass fluxes U = u h, V = v h.
    for (std::size_t k = 0; k < cells(); ++k) h_[k] = eta[k] + depth_[k];
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = ci(i, j);
        hu_[k] = half_ * (h_[ci(im_[i], j)] + h_[k]);
        U_[k] = u[k] * hu_[k];
      }
    for (int j = 1; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = vi(i, j);
        hv_[k] = half_ * (h_[ci(i, j - 1)] + h_[ci(i, j)]);
        V_[k] = v[k] * hv_[k];
      }
    // Continuity (flux form) and the Bernoulli potential s (|u|^2 / 2 + g eta) at centres.
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = ci(i, j), ke = ci(ip_[i], j);
        const T dudx = U_[ke] - U_[k];
        const T dvdy = V_[vi(i, j + 1)] - V_[vi(i, j)];
        deta_[k] = -((dudx + dvdy) * inv_s_);
        const T ue = u[ke], uw = u[k], vn = v[vi(i, j + 1)], vs = v[vi(i, j)];
        bern_[k] = ke_ * ((uw * uw + ue * ue) + (vs * vs + vn * vn)) + g_ * eta[k];
      }
    // Potential vorticity q = (f + zeta) / h on corners (i, j) = south-west corner of cell
    // (i, j); on the walls the ghost u is -u (no slip) and v = 0.
    for (int j = 0; j <= ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        T zeta, hq;
        if (j == 0) {
          const T us = u[ci(i, 0)];
          zeta = -(us + us);
          hq = half_ * (h_[ci(im_[i], 0)] + h_[ci(i, 0)]);
        } else if (j == ny_) {
          const T un = u[ci(i, ny_ - 1)];
          zeta = un + un;
          hq = half_ * (h_[ci(im_[i], ny_ - 1)] + h_[ci(i, ny_ - 1)]);
        } else {
          zeta = (v[vi(i, j)] - v[vi(im_[i], j)]) - (u[ci(i, j)] - u[ci(i, j - 1)]);
          hq = quarter_ * ((h_[ci(im_[i], j - 1)] + h_[ci(i, j - 1)]) +
                           (h_[ci(im_[i], j)] + h_[ci(i, j)]));
        }
        q_[vi(i, j)] = (f_[j] + zeta) / hq;
      }
    // Momentum: Sadourny's q h v and -q h u, minus the Bernoulli gradient, plus the wind.
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = ci(i, j);
        const int w = im_[i];
        const T qu = half_ * (q_[vi(i, j)] + q_[vi(i, j + 1)]);
        const T vu = quarter_ * ((V_[vi(w, j)] + V_[vi(i, j)]) + (V_[vi(w, j + 1)] + V_[vi(i, j + 1)]));
        du_[k] = ((qu * vu) * inv_s_ - (bern_[k] - bern_[ci(w, j)])) + fx_[j];
      }
    for (int j = 1; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = vi(i, j);
        const int e = ip_[i];
        const T qv = half_ * (q_[k] + q_[vi(e, j)]);
        const T uv = quarter_ * ((U_[ci(i, j - 1)] + U_[ci(e, j - 1)]) + (U_[ci(i, j)] + U_[ci(e, j)]));
        dv_[k] = -((qv * uv) * inv_s_) - (bern_[ci(i, j)] - bern_[ci(i, j - 1)]);
      }
  }

  // Returns the 5-point Laplacian of a u-point field a at (i, j), ghost values -a beyond the
  // walls (no slip).
  T lap_u(const std::vector<T>& a, int i, int j) const {
    const T c = a[ci(i, j)];
    const T s = j > 0 ? a[ci(i, j - 1)] : -c;
    const T n = j < ny_ - 1 ? a[ci(i, j + 1)] : -c;
    return ((a[ci(im_[i], j)] + a[ci(ip_[i], j)]) + (s + n)) - four_ * c;
  }
  // Returns the 5-point Laplacian of a v-point field a at interior row j (walls hold zero).
  T lap_v(const std::vector<T>& a, int i, int j) const {
    return ((a[vi(im_[i], j)] + a[vi(ip_[i], j)]) + (a[vi(i, j - 1)] + a[vi(i, j + 1)])) -
           four_ * a[vi(i, j)];
  }

  // Adds dt/Delta (bottom drag + biharmonic viscosity), evaluated at the RK4 result u0_, v0_,
  // eta0_, to u0_ and v0_.
  void dissipation() {
    using std::sqrt;
    const std::size_t nu = cells(), nv = v_.size();
    for (std::size_t k = 0; k < nu; ++k) {
      u1_[k] = to_t_prog(u0_[k]);
      h_[k] = to_t_prog(eta0_[k]) + depth_[k];
    }
    for (std::size_t k = 0; k < nv; ++k) v1_[k] = to_t_prog(v0_[k]);
    const std::vector<T>& u = u1_;
    const std::vector<T>& v = v1_;
    // Speed at the centres, sqrt of the mean of the squared velocities around each (one square
    // root per cell, as ShallowWaters.jl does), interpolated to u- and v-points for the drag.
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const T uw = u[ci(i, j)], ue = u[ci(ip_[i], j)], vs = v[vi(i, j)], vn = v[vi(i, j + 1)];
        speed_[ci(i, j)] = sqrt(half_ * ((uw * uw + ue * ue) + (vs * vs + vn * vn)));
      }
    // Biharmonic: nu del^2 (del^2 u), both Laplacians with the same boundary rule.
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) lu_[ci(i, j)] = lap_u(u, i, j);
    for (int j = 1; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) lv_[vi(i, j)] = lap_v(v, i, j);
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = ci(i, j), w = ci(im_[i], j);
        const T drag = (cd_ * (half_ * (speed_[w] + speed_[k])) * u[k]) / (half_ * (h_[w] + h_[k]));
        du_[k] = -(drag + nu_ * lap_u(lu_, i, j));
      }
    for (int j = 1; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) {
        const std::size_t k = vi(i, j), s = ci(i, j - 1), n = ci(i, j);
        const T drag = (cd_ * (half_ * (speed_[s] + speed_[n])) * v[k]) / (half_ * (h_[s] + h_[n]));
        dv_[k] = -(drag + nu_ * lap_v(lv_, i, j));
      }
    for (std::size_t k = 0; k < nu; ++k) u0_[k] += dt_ * to_prog_t(du_[k]);
    for (std::size_t k = static_cast<std::size_t>(nx_); k + nx_ < nv; ++k)
      v0_[k] += dt_ * to_prog_t(dv_[k]);
  }

  sw_parameters p_;
  int nx_, ny_;
  std::vector<int> ip_, im_;  // periodic neighbours in x
  // Prognostic state and the RK4 accumulator (TProg).
  std::vector<TProg> u_, v_, eta_, u0_, v0_, eta0_;
  // Stage state, tendencies and work arrays (T).
  std::vector<T> u1_, v1_, eta1_, du_, dv_, deta_, h_, hu_, hv_, U_, V_, bern_, q_, lu_, lv_, speed_;
  // Constants (converted once).
  T half_{}, quarter_{}, four_{}, inv_s_{}, g_{}, ke_{}, nu_{}, cd_{};
  std::vector<T> f_, fx_, depth_;
  std::array<TProg, 4> rk_a_{};
  std::array<TProg, 3> rk_b_{};
  TProg dt_{};
};

}  // namespace lowp::models
