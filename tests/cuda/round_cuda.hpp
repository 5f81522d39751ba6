// Declares the GPU launcher of the rounding kernel used by round_cuda_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

// Rounds x[0..n) on the GPU with random words random_stream(seed, 0)(i); returns "" on success,
// else what went wrong (e.g. no CUDA device).
std::string round_on_gpu(const double* x, double* y, int* ternary, unsigned* flags,
                         std::size_t n, const lowp::format& f, lowp::rounding mode,
                         std::uint64_t seed, int rbits);
