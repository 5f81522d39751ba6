// The helpers the `lowp` subcommands share (cli_common.hpp).
#include "cli_common.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "lowp/rounding.hpp"
#include "lowp_cli.hpp"

namespace lowp::cli {

bool option_value(int argc, char** argv, int& i, std::string_view shortopt, std::string_view longopt,
                  std::string_view& value) {
  const std::string_view arg = argv[i];
  if ((!shortopt.empty() && arg == shortopt) || arg == longopt) {
    if (i + 1 >= argc) throw cli_error{"option " + std::string(arg) + " needs a value", exit_usage};
    value = argv[++i];
    return true;
  }
  if (arg.size() > longopt.size() && arg.substr(0, longopt.size()) == longopt &&
      arg[longopt.size()] == '=') {
    value = arg.substr(longopt.size() + 1);
    return true;
  }
  return false;
}

std::uint64_t parse_unsigned(std::string_view v, const std::string& what) {
  std::uint64_t x = 0;
  const char* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, x, 10);
  if (v.empty() || ec != std::errc{} || p != end)
    throw cli_error{what + ", got '" + std::string(v) + "'", exit_usage};
  return x;
}

std::optional<double> parse_field(const std::string& field) {
  if (field.empty() || field.find('(') != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(field.c_str(), &end);
  if (end != field.c_str() + field.size()) return std::nullopt;
  return x;
}

std::vector<std::string> split_fields(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t max_shown = 60;
  std::string q = "'";
  for (std::size_t i = 0; i < s.size() && i < max_shown; ++i)
    q += (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f) ? '?' : s[i];
  if (s.size() > max_shown) q += "...";
  return q + "'";
}

std::string mode_list() {
  std::string s;
  for (rounding r : all_roundings) {
    if (!s.empty()) s += ", ";
    s += short_name(r);
  }
  return s;
}

}  // namespace lowp::cli
