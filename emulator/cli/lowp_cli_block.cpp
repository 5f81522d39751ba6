// Implements `lowp block`: each input line is one row (a 1 x n tensor) quantized with a block
// preset, printed as dequantized values in %a form or as scale and element codes in hex.
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/block.hpp"
#include "lowp/format.hpp"
#include "lowp/rounding.hpp"
#include "cli_common.hpp"
#include "lowp_cli.hpp"

namespace lowp::cli {
namespace {

std::string preset_list() {
  std::string s;
  for (const auto& p : block_presets) {
    if (!s.empty()) s += ", ";
    s += p.name;
  }
  return s;
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
      std::string_view v;
      if (option_value(argc, argv, i, "-f", "--format", v)) {
        spec = find_block_preset(v);
        if (!spec)
          throw cli_error{"unknown block format '" + std::string(v) + "' (want one of " +
                                preset_list() + ")",
                            exit_usage};
      } else if (option_value(argc, argv, i, "", "--block", v)) {
        std::uint64_t k = 0;
        if (v == "row")
          block = 0;
        else {
          k = parse_unsigned(v, "--block wants a positive integer or 'row'");
          if (k == 0) throw cli_error{"--block wants a positive integer or 'row', got '0'", exit_usage};
          block = static_cast<std::size_t>(k);
        }
      } else if (option_value(argc, argv, i, "", "--scale-rule", v)) {
        rule = parse_scale_rule(v);
        if (!rule)
          throw cli_error{"unknown scale rule '" + std::string(v) +
                                "' (want floor, ceil, fit or amax)",
                            exit_usage};
      } else if (option_value(argc, argv, i, "-r", "--rounding", v)) {
        const std::optional<rounding> m = parse_rounding(v);
        if (!m)
          throw cli_error{"unknown rounding mode '" + std::string(v) + "' (want one of " +
                                mode_list() + ")",
                            exit_usage};
        opt.mode = *m;
      } else if (option_value(argc, argv, i, "", "--seed", v)) {
        opt.seed = parse_unsigned(v, "--seed wants an integer 0..18446744073709551615");
      } else if (option_value(argc, argv, i, "", "--rbits", v)) {
        const std::uint64_t r = parse_unsigned(v, "--rbits wants an integer 1..64");
        if (r < 1 || r > 64)
          throw cli_error{"--rbits wants an integer 1..64, got '" + std::string(v) + "'", exit_usage};
        opt.rbits = static_cast<int>(r);
      } else if (arg == "--codes") {
        codes = true;
      } else {
        throw cli_error{"unknown option or argument '" + std::string(arg) + "' (see lowp --help)",
                          exit_usage};
      }
    }
    if (!spec)
      throw cli_error{"lowp block needs -f PRESET (one of " + preset_list() + ")", exit_usage};
    if (block) spec->tile_cols = *block;
    spec->tile_rows = 1;
    if (rule) spec->rule = *rule;
    if (const std::string why = spec->validate(); !why.empty())
      throw cli_error{"bad block format: " + why, exit_usage};
    opt.threads = 1;
    std::string line, text;
    std::vector<double> row, deq;
    std::vector<std::uint32_t> ecodes, scodes;
    std::uint64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      row.clear();
      for (const std::string& field : split_fields(line)) {
        const std::optional<double> x = parse_field(field);
        if (!x) {
          out.flush();
          err << "lowp: line " << number << ": malformed number " << quoted(field) << '\n';
          return exit_bad_input;
        }
        row.push_back(*x);
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
  } catch (const cli_error& e) {
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
