// Provides what the `lowp` subcommands share: the error they report, option-value splitting,
// integer and number parsing with the tool's rules, field splitting and error-message quoting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lowp::cli {

// A command-line or input problem, reported as one line on stderr with exit status `status`.
struct cli_error {
  std::string message;
  int status;
};

// Returns true when argv[i] is the option (-s or --long, value in argv[i + 1], i advanced past
// it; or --long=value) and sets `value`; throws cli_error (usage) when the value is missing.
bool option_value(int argc, char** argv, int& i, std::string_view shortopt, std::string_view longopt,
                  std::string_view& value);

// Parses a decimal unsigned integer (all of v); throws cli_error (usage) "WHAT, got 'v'".
std::uint64_t parse_unsigned(std::string_view v, const std::string& what);

// Parses one blank-free field as strtod does (decimal, C99 hex float, inf, infinity, nan,
// signed), refusing NaN payloads and trailing text; nullopt when malformed.
std::optional<double> parse_field(const std::string& field);

// Splits a line into its space/tab-separated fields (a trailing CR dropped).
std::vector<std::string> split_fields(std::string_view line);

// Quotes text for an error message: control characters shown as '?', long text cut at 60.
std::string quoted(std::string_view s);

// Returns the short names of every rounding mode, comma-separated.
std::string mode_list();

}  // namespace lowp::cli
