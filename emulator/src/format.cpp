// Implements the format-string parser and printer and format validation.
#include "lowp/format.hpp"

#include <charconv>
#include <string>

namespace lowp {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc{} && p == e;
}

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw format_error("bad format '" + std::string(text) + "': " + why);
}

const char* name(subnormal_mode m) {
  switch (m) {
    case subnormal_mode::on: return "on";
    case subnormal_mode::off: return "off";
    case subnormal_mode::ftz: return "ftz";
  }
  return "?";
}
const char* name(specials_mode m) {
  switch (m) {
    case specials_mode::ieee: return "ieee";
    case specials_mode::fn: return "fn";
    case specials_mode::fnuz: return "fnuz";
    case specials_mode::finite: return "finite";
  }
  return "?";
}

}  // namespace

std::string format::validate() const {
  if (exponent_bits < 1 || exponent_bits > 30) return "exponent bits must be 1..30";
  if (mantissa_bits < 0 || mantissa_bits > 240) return "mantissa bits must be 0..240";
  if (specials == specials_mode::fnuz && !is_signed)
    return "specials=fnuz needs a sign bit (its NaN is the -0 pattern)";
  if (specials == specials_mode::ieee && exponent_bits < 2)
    return "specials=ieee needs at least 2 exponent bits (the top binade is inf/NaN)";
  if (!has_zero && subnormals == subnormal_mode::on && mantissa_bits > 0)
    return "a format without zero cannot have subnormals";
  if (emax() < emin()) return "no normal binade left (emax < emin)";
  return {};
}

format parse_format(std::string_view text) {
  if (text.empty()) throw format_error("bad format '': empty format string");
  const std::size_t comma = text.find(',');
  const std::string head = lower(text.substr(0, comma));
  format f{};
  bool custom = false;
  bool found = false;
  static constexpr struct {
    std::string_view alias;
    std::string_view name;
  } aliases[] = {{"fp16", "binary16"}, {"bf16", "bfloat16"}, {"fp32", "binary32"},
                 {"fp64", "binary64"}};
  std::string_view preset = head;
  for (const auto& a : aliases)
    if (head == a.alias) preset = a.name;
  // E<e>M<m> spellings (e5m2 included) are custom formats, so that options such as
  // specials=fnuz also move the default bias; other preset names keep their fields.
  const bool looks_custom = head.size() >= 4 && head[0] == 'e' && head.find('m') != std::string::npos &&
                            head.find_first_not_of("0123456789", 1) == head.find('m') &&
                            head.find_first_not_of("0123456789", head.find('m') + 1) == std::string::npos;
  for (const auto& p : presets)
    if (!looks_custom && preset == p.name) {
      f = p.value;
      found = true;
    }
  if (!found) {
    // E<e>M<m>
    const std::size_t mpos = head.find('m');
    int e = 0, m = 0;
    if (head.size() < 4 || head[0] != 'e' || mpos == std::string::npos ||
        !parse_int(std::string_view(head).substr(1, mpos - 1), e) ||
        !parse_int(std::string_view(head).substr(mpos + 1), m) || head[1] == '+' ||
        head[mpos + 1] == '+')
      fail(text, "unknown format name '" + std::string(text.substr(0, comma)) +
                     "' (want a preset such as binary16, e4m3fn, or E<e>M<m>)");
    if (e < 1 || e > 30) fail(text, "exponent bits must be 1..30, got " + std::to_string(e));
    if (m < 0 || m > 240) fail(text, "mantissa bits must be 0..240, got " + std::to_string(m));
    f = format{e, m, 0};
    custom = true;
  }
  bool bias_set = false;
  std::size_t pos = comma;
  while (pos != std::string_view::npos) {
    const std::size_t next = text.find(',', pos + 1);
    const std::string_view opt =
        text.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos
                                                            : next - pos - 1);
    const std::size_t eq = opt.find('=');
    if (opt.empty()) fail(text, "empty option");
    if (eq == std::string_view::npos)
      fail(text, "option '" + std::string(opt) + "' has no '=value'");
    const std::string key = lower(opt.substr(0, eq));
    const std::string val = lower(opt.substr(eq + 1));
    auto bad_value = [&](const char* allowed) {
      fail(text, "option " + key + " cannot be '" + std::string(opt.substr(eq + 1)) +
                     "' (allowed: " + allowed + ")");
    };
    if (key == "subnormals") {
      if (val == "on") f.subnormals = subnormal_mode::on;
      else if (val == "off") f.subnormals = subnormal_mode::off;
      else if (val == "ftz") f.subnormals = subnormal_mode::ftz;
      else bad_value("on, off, ftz");
    } else if (key == "specials") {
      if (val == "ieee") f.specials = specials_mode::ieee;
      else if (val == "fn") f.specials = specials_mode::fn;
      else if (val == "fnuz") f.specials = specials_mode::fnuz;
      else if (val == "finite") f.specials = specials_mode::finite;
      else bad_value("ieee, fn, fnuz, finite");
    } else if (key == "overflow") {
      if (val == "ieee") f.overflow = overflow_mode::ieee;
      else if (val == "saturate") f.overflow = overflow_mode::saturate;
      else bad_value("ieee, saturate");
    } else if (key == "bias") {
      int b = 0;
      if (!parse_int(val, b)) bad_value("an integer");
      f.bias = b;
      bias_set = true;
    } else if (key == "signed") {
      if (val == "yes") f.is_signed = true;
      else if (val == "no") f.is_signed = false;
      else bad_value("yes, no");
    } else if (key == "daz") {
      if (val == "on") f.daz = true;
      else if (val == "off") f.daz = false;
      else bad_value("on, off");
    } else if (key == "zero") {
      if (val == "yes") f.has_zero = true;
      else if (val == "no") f.has_zero = false;
      else bad_value("yes, no");
    } else {
      fail(text, "unknown option '" + key +
                     "' (known: subnormals, specials, overflow, bias, signed, daz, zero)");
    }
    pos = next;
  }
  if (custom && !bias_set) {
    const int e = f.exponent_bits;
    f.bias = (1 << (e - 1)) - (f.specials == specials_mode::fnuz ? 0 : 1);
  }
  if (const std::string why = f.validate(); !why.empty()) fail(text, why);
  return f;
}

std::string to_string(const format& f) {
  for (const auto& p : presets)
    if (p.value == f) return std::string(p.name);
  std::string s = "E" + std::to_string(f.exponent_bits) + "M" + std::to_string(f.mantissa_bits);
  const format d = ieee_format(f.exponent_bits, f.mantissa_bits);
  if (f.subnormals != d.subnormals) s += std::string(",subnormals=") + name(f.subnormals);
  if (f.specials != d.specials) s += std::string(",specials=") + name(f.specials);
  if (f.overflow != d.overflow) s += ",overflow=saturate";
  const int default_bias =
      (1 << (f.exponent_bits - 1)) - (f.specials == specials_mode::fnuz ? 0 : 1);
  if (f.bias != default_bias) s += ",bias=" + std::to_string(f.bias);
  if (!f.is_signed) s += ",signed=no";
  if (f.daz) s += ",daz=on";
  if (!f.has_zero) s += ",zero=no";
  return s;
}

}  // namespace lowp
