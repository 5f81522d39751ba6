// A development driver for the shallow-water experiment (not installed): runs every sw_ task on
// one thread, printing the time of each, the summary table and the claims.
//   sw_dev [quick|full] [spin-up days] [threads]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <atomic>
#include <thread>

#include "sw_experiment.hpp"

int main(int argc, char** argv) {
  using namespace lowp::study;
  using clock = std::chrono::steady_clock;
  climate::sw_options o;
  const std::string mode = argc > 1 ? argv[1] : "quick";
  if (mode == "quick") {
    o.days = 5;
    o.sr_seeds = 3;
    o.members = 4;
    o.output_hours = 6;
  } else if (mode != "full") {
    std::fprintf(stderr, "sw_dev: error: mode must be quick or full\n");
    return 2;
  }
  if (argc > 2) o.spinup_days = std::atof(argv[2]);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const auto start = clock::now();
  const std::vector<std::string> names = climate::sw_task_names(o);
  std::vector<record> runs(names.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < names.size(); i = next++) {
      const auto t0 = clock::now();
      runs[i] = climate::run_sw_task(o, names[i], 1);
      std::printf("%-24s %7.3f s wall\n", names[i].c_str(),
                  std::chrono::duration<double>(clock::now() - t0).count());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  std::printf("total %.3f s wall, %.3f s cpu (%d threads)\n",
              std::chrono::duration<double>(clock::now() - start).count(),
              static_cast<double>(std::clock()) / CLOCKS_PER_SEC, threads);
  climate::print_sw_summary(o, runs, std::cout);
  return print_claims(climate::check_sw_claims(o, runs), std::cout) == 0 ? 0 : 3;
}
