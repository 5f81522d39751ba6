// The climate study executable: climate models in low precision (see climate.hpp).
#include <iostream>

#include "climate.hpp"

int main(int argc, char** argv) {
  return lowp::study::study_main("climate", argc, argv, [&] {
    return lowp::study::climate::run(argc, argv, std::cout, std::cerr);
  });
}
