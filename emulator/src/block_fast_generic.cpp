// The portable build of the block RNE twin (block_fast.inc).
#define LOWP_FAST_NS generic
#include "block_fast.inc"
