// The AVX2 build of the block RNE twin (block_fast.inc), chosen at run time.
#define LOWP_FAST_NS avx2
#include "block_fast.inc"
