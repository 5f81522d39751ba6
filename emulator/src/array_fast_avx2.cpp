// Builds the vectorised array blocks for AVX2 (x86-64-v3); chosen at run time by CPU check.
#define LOWP_FAST_NS avx2
#include "array_fast.inc"
