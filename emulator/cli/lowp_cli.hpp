// Declares the `lowp` command-line tool as a library call, so that tests run it in-process.
#pragma once

#include <cstddef>
#include <iosfwd>

namespace lowp::cli {

// Exit statuses of run_cli.
inline constexpr int exit_ok = 0;
inline constexpr int exit_bad_input = 1;  // a line of stdin was rejected, or I/O failed
inline constexpr int exit_usage = 2;      // bad command line, format or mode: nothing was read

// Runs `lowp argv[1] ...` reading `in` and writing `out` and `err`; returns the exit status.
// Output is buffered in large blocks and flushed before every wait for more input, so that the
// tool streams both through pipes and interactively.
int run_cli(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

// Runs `lowp ulp -f FORMAT` (lowp_cli_ulp.cpp): lines "value reference" in, the histogram of
// errors in ULPs of FORMAT, max and mean out.
int run_ulp(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

// Writes v as glibc's printf("%a") does (0x1.8p+1, -0x0p+0, 0x0.8p-1022, inf, -nan) into
// `buf`, which must hold at least 32 chars; returns the length (no terminating NUL).
std::size_t format_hex(double v, char* buf) noexcept;

}  // namespace lowp::cli
