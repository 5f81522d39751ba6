// The kernel_error study executable: kernel error under accumulation models (see kernel_error.hpp).
#include <iostream>

#include "kernel_error.hpp"

int main(int argc, char** argv) {
  return lowp::study::study_main("kernel_error", argc, argv, [&] {
    return lowp::study::kernel_error::run(argc, argv, std::cout, std::cerr);
  });
}
