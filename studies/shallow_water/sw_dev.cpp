// A development driver for the shallow-water model (not installed): spins up from rest in
// binary64, then runs each format for a few days and prints the error against binary64 and the
// time taken.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lowp/context.hpp"
#include "lowp/fp.hpp"
#include "lowp/models/shallow_water.hpp"

using namespace lowp;
using namespace lowp::models;

namespace {

double rmse(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(s / static_cast<double>(a.size()));
}

template <class T, class TP = T>
void trial(const char* name, const sw_parameters& p, const sw_fields& init,
           const std::vector<std::vector<double>>& ref, long per_day) {
  sr_generator gen(7, 1);
  scoped_context ctx(formats::binary64, rounding::nearest_even, gen);
  shallow_water<T, TP> m(p);
  m.set_fields(init);
  const auto t0 = std::chrono::steady_clock::now();
  std::printf("%-10s", name);
  for (std::size_t d = 0; d < ref.size(); ++d) {
    m.run(per_day);
    std::printf(" %.3g", rmse(m.eta(), ref[d]));
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  max|u| %.3f  %.3f s/day\n", m.max_speed(), s / static_cast<double>(ref.size()));
}

}  // namespace

int main(int argc, char** argv) {
  const double spin = argc > 1 ? std::atof(argv[1]) : 100;
  const int days = argc > 2 ? std::atoi(argv[2]) : 5;
  sw_parameters p;
  if (const char* e = std::getenv("SW_NU")) p.viscosity = std::atof(e);
  if (const char* e = std::getenv("SW_DT")) p.dt = std::atof(e);
  const long per_day = p.steps_for_days(1);
  shallow_water<double> m(p);
  m.run(static_cast<long>(spin) * per_day);
  const sw_fields init = m.fields();
  std::vector<std::vector<double>> ref;
  for (int d = 0; d < days; ++d) {
    m.run(per_day);
    ref.push_back(m.eta());
  }
  std::printf("ref drift");
  for (int d = 0; d < days; ++d) std::printf(" %.3g", rmse(ref[d], init.eta));
  std::printf("  max|u| %.3f\n", m.max_speed());
  // A perturbed binary64 member for scale.
  {
    sw_fields pert = init;
    for (std::size_t k = 0; k < pert.eta.size(); ++k) pert.eta[k] += 1e-3 * std::sin(2 * 3.14159265 * (k % p.nx) / p.nx + 0.3 * (k / p.nx));
    std::printf("member eta 1e-3");
    shallow_water<double> e(p);
    e.set_fields(pert);
    for (int d = 0; d < days; ++d) {
      e.run(per_day);
      std::printf(" %.3g", rmse(e.eta(), ref[d]));
    }
    std::printf("\n");
  }
  if (argc > 3) return 0;
  using f16 = fp<formats::binary16>;
  using f32 = fp<formats::binary32>;
  using b16 = fp<formats::bfloat16>;
  using b16sr = fp<formats::bfloat16, rounding::stochastic>;
  trial<f32>("binary32", p, init, ref, per_day);
  trial<f16>("binary16", p, init, ref, per_day);
  trial<f16, f32>("mixed", p, init, ref, per_day);
  trial<b16>("bfloat16", p, init, ref, per_day);
  trial<b16sr>("bf16 SR", p, init, ref, per_day);
}
