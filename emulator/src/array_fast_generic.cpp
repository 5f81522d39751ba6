// Builds the vectorised array blocks for baseline x86-64 (or any target).
#define LOWP_FAST_NS generic
#include "array_fast.inc"
