// The sr_vs_rn study executable: stochastic vs nearest rounding (see sr_vs_rn.hpp).
#include <iostream>

#include "sr_vs_rn.hpp"

int main(int argc, char** argv) {
  return lowp::study::study_main("sr_vs_rn", argc, argv, [&] {
    return lowp::study::sr_vs_rn::run(argc, argv, std::cout, std::cerr);
  });
}
