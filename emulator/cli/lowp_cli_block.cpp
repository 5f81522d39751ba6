// Implements `lowp block`: each input line is one row (a 1 x n tensor) quantized with a block
// preset, printed as dequantized values in %a form or as scale and element codes in hex.
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/block.hpp"
#include "lowp/format.hpp"
#include "lowp/rounding.hpp"
#include "lowp_cli.hpp"

namespace lowp::cli {
namespace {

struct block_error {
  std::string message;
  int status;
};

std::string preset_list() {
  std::string s;
  for (const auto& p : block_presets) {
    if (!s.empty()) s += ", ";
    s += p.name;
  }
  return s;
}

std::string mode_names() {
  std::string s;
  for (rounding r : all_roundings) {
    if (!s.empty()) s += ", ";
    s += short_name(r);
  }
  return s;
}

// Parses one blank-separated number as `lowp round` does: strtod syntax (decimal, C99 hex
// float, inf, infinity, nan, signed), no NaN payloads, nothing after it.
std::optional<double> parse_field(const std::string& t) {
  if (t.empty() || t.find('(') != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return x;
}

std::string quoted(std::string_view s) {
  std::string q = "'";
  for (std::size_t i = 0; i < s.size() && i < 60; ++i)
    q += (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f) ? '?' : s[i];
  if (s.size() > 60) q += "...";
  return q + "'";
}

void put_hex_code(std::string& line, std::uint32_t code, int bits) {
  const int nibbles = (bits + 3) / 4;
  line += "0x";
  for (int i = nibbles - 1; i >= 0; --i) line += "0123456789abcdef"[(code >> (4 * i)) & 0xf];
}

}  // namespace

int run_block_command(int argc, char** argv, std::istream& in, std::ostream& out,
                      std::ostream& err) {
  try {
    std::optional<block_spec> spec;
    std::optional<std::size_t> block;
    std::optional<scale_rule> rule;
    block_options opt;
    bool codes = false;
    for (int i = 2; i < argc; ++i) {
      const std::string_view arg = argv[i];
      auto value_of = [&](std::string_view shortopt, std::string_view longopt,
                          std::string_view& value) {
        if ((!shortopt.empty() && arg == shortopt) || arg == longopt) {
          if (i + 1 >= argc)
            throw block_error{"option " + std::string(arg) + " needs a value", exit_usage};
          value = argv[++i];
          return true;
        }
        if (arg.size() > longopt.size() && arg.substr(0, longopt.size()) == longopt &&
            arg[longopt.size()] == '=') {
          value = arg.substr(longopt.size() + 1);
          return true;
        }
        return false;
      };
      auto integer = [&](std::string_view v, std::uint64_t& x, const char* what) {
        const char* end = v.data() + v.size();
        auto [p, ec] = std::from_chars(v.data(), end, x, 10);
        if (v.empty() || ec != std::errc{} || p != end)
          throw block_error{std::string(what) + ", got '" + std::string(v) + "'", exit_usage};
      };
      std::string_view v;
      if (value_of("-f", "--format", v)) {
        spec = find_block_preset(v);
        if (!spec)
          throw block_error{"unknown block format '" + std::string(v) + "' (want one of " +
                                preset_list() + ")",
                            exit_usage};
      } else if (value_of("", "--block", v)) {
        std::uint64_t k = 0;
        if (v == "row")
          block = 0;
        else {
          integer(v, k, "--block wants a positive integer or 'row'");
          if (k == 0) throw block_error{"--block wants a positive integer or 'row', got '0'", exit_usage};
          block = static_cast<std::size_t>(k);
        }
      } else if (value_of("", "--scale-rule", v)) {
        rule = parse_scale_rule(v);
        if (!rule)
          throw block_error{"unknown scale rule '" + std::string(v) +
                                "' (want floor, ceil, fit or amax)",
                            exit_usage};
      } else if (value_of("-r", "--rounding", v)) {
        const std::optional<rounding> m = parse_rounding(v);
        if (!m)
          throw block_error{"unknown rounding mode '" + std::string(v) + "' (want one of " +
                                mode_names() + ")",
                            exit_usage};
        opt.mode = *m;
      } else if (value_of("", "--seed", v)) {
        integer(v, opt.seed, "--seed wants an integer 0..18446744073709551615");
      } else if (value_of("", "--rbits", v)) {
        std::uint64_t r = 0;
        integer(v, r, "--rbits wants an integer 1..64");
        if (r < 1 || r > 64)
          throw block_error{"--rbits wants an integer 1..64, got '" + std::string(v) + "'", exit_usage};
        opt.rbits = static_cast<int>(r);
      } else if (arg == "--codes") {
        codes = true;
      } else {
        throw block_error{"unknown option or argument '" + std::string(arg) + "' (see lowp --help)",
                          exit_usage};
      }
    }
    if (!spec)
      throw block_error{"lowp block needs -f PRESET (one of " + preset_list() + ")", exit_usage};
    if (block) spec->tile_cols = *block;
    spec->tile_rows = 1;
    if (rule) spec->rule = *rule;
    if (const std::string why = spec->validate(); !why.empty())
      throw block_error{"bad block format: " + why, exit_usage};
    opt.threads = 1;
    std::string line, text;
    std::vector<double> row, deq;
    std::vector<std::uint32_t> ecodes, scodes;
    std::uint64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      row.clear();
      std::size_t p = 0;
      while (p < line.size()) {
        while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
        if (p == line.size()) break;
        std::size_t q = p;
        while (q < line.size() && line[q] != ' ' && line[q] != '\t') ++q;
        const std::string field = line.substr(p, q - p);
        const std::optional<double> x = parse_field(field);
        if (!x) {
          out.flush();
          err << "lowp: line " << number << ": malformed number " << quoted(field) << '\n';
          return exit_bad_input;
        }
        row.push_back(*x);
        p = q;
      }
      if (row.empty()) {
        out.flush();
        err << "lowp: line " << number << ": empty line\n";
        return exit_bad_input;
      }
      const std::size_t n = row.size();
      deq.assign(n, 0);
      ecodes.assign(n, 0);
      scodes.assign(block_count(1, n, *spec), 0);
      std::uint32_t tcode = 0;
      opt.stream = number - 1;  // line L (from 0) is stream L: element i uses its word i
      block_outputs<double> o{deq.data(), ecodes.data(), spec->has_scale ? scodes.data() : nullptr,
                              &tcode};
      quantize_blocks(row.data(), 1, n, *spec, opt, o);
      text.clear();
      if (codes) {
        if (spec->tensor_scale) {
          put_hex_code(text, tcode, 32);
          text += ' ';
        }
        if (spec->has_scale)
          for (std::uint32_t c : scodes) {
            put_hex_code(text, c, spec->scale.width());
            text += ' ';
          }
        for (std::size_t i = 0; i < n; ++i) {
          put_hex_code(text, ecodes[i], spec->element.code_bits());
          if (i + 1 < n) text += ' ';
        }
      } else {
        char buf[40];
        for (std::size_t i = 0; i < n; ++i) {
          text.append(buf, format_hex(deq[i], buf));
          if (i + 1 < n) text += ' ';
        }
      }
      text += '\n';
      out << text;
    }
    out.flush();
    if (!out) {
      err << "lowp: error writing output\n";
      return exit_bad_input;
    }
    return exit_ok;
  } catch (const block_error& e) {
    out.flush();
    err << "lowp: " << e.message << '\n';
    return e.status;
  } catch (const std::exception& e) {
    out.flush();
    err << "lowp: " << e.what() << '\n';
    return exit_bad_input;
  }
}

}  // namespace lowp::cli
