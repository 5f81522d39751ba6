// Provides the portability macros of lowp: host/device annotation and the library version.
#pragma once

#if defined(__CUDACC__)
#define LOWP_HOST_DEVICE __host__ __device__
#else
#define LOWP_HOST_DEVICE
#endif

#define LOWP_VERSION_MAJOR 0
#define LOWP_VERSION_MINOR 1
#define LOWP_VERSION_PATCH 0
#define LOWP_VERSION_STRING "0.1.0"
