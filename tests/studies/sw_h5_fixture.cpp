// Writes a small shallow-water result file (every sw_ task at short settings, and the claims)
// for sw_plots_check.py, which draws the figures from it with notebooks/climate_sw_plots.py.
#include <cstdio>
#include <exception>

#include "lowp/study/results.hpp"
#include "lowp/study/study.hpp"
#include "sw_experiment.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sw_h5_fixture FILE\n");
    return 2;
  }
  try {
    using namespace lowp::study;
    climate::sw_options o;
    o.spinup_days = 40;
    o.days = 1;
    o.output_hours = 6;
    o.sr_seeds = 2;
    o.members = 2;
    result_writer w(argv[1], false, "climate", "sw fixture", 1e9);
    w.set_root("seed", std::int64_t{3});
    std::vector<record> runs;
    for (const std::string& n : climate::sw_task_names(o)) {
      runs.push_back(climate::run_sw_task(o, n, 3));
      w.write_run(runs.back());
    }
    write_claims(w, climate::check_sw_claims(o, runs));
    w.commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sw_h5_fixture: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
