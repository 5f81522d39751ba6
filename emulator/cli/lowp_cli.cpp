// Implements the `lowp` command-line tool: option parsing, the streaming line reader and writer,
// and the round / encode / decode / op / info commands.
#include "cli_common.hpp"
#include "lowp_cli.hpp"
#include "lowp_cli_wide.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/bits.hpp"
#include "lowp/config.hpp"
#include "lowp/flags.hpp"
#include "lowp/format.hpp"
#include "lowp/ops.hpp"
#include "lowp/random.hpp"
#include "lowp/round.hpp"
#include "lowp/rounding.hpp"

namespace lowp::cli {

std::size_t format_hex(double v, char* buf) noexcept {
  // binary64: [ sign | field (11) | fraction (52) ]; glibc prints normals as 0x1.<fraction>,
  // subnormals as 0x0.<fraction>p-1022, with trailing zero nibbles dropped.
  const std::uint64_t bits = __builtin_bit_cast(std::uint64_t, v);
  char* s = buf;
  if (bits >> 63) *s++ = '-';
  const std::uint64_t mag = bits & 0x7fffffffffffffffULL;
  if (mag >= 0x7ff0000000000000ULL) {
    std::memcpy(s, mag == 0x7ff0000000000000ULL ? "inf" : "nan", 3);
    return static_cast<std::size_t>(s + 3 - buf);
  }
  const int field = static_cast<int>(mag >> 52);
  std::uint64_t frac = mag & 0x000fffffffffffffULL;
  *s++ = '0';
  *s++ = 'x';
  *s++ = field ? '1' : '0';
  int exp = field ? field - 1023 : (frac ? -1022 : 0);
  if (frac) {
    *s++ = '.';
    int nibbles = 13;
    while ((frac & 0xf) == 0) {
      frac >>= 4;
      --nibbles;
    }
    for (int i = nibbles - 1; i >= 0; --i) *s++ = "0123456789abcdef"[(frac >> (4 * i)) & 0xf];
  }
  *s++ = 'p';
  *s++ = exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  char digits[8];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + exp % 10);
    exp /= 10;
  } while (exp);
  while (n) *s++ = digits[--n];
  return static_cast<std::size_t>(s - buf);
}

// Runs `lowp block` (lowp_cli_block.cpp).
int run_block_command(int argc, char** argv, std::istream& in, std::ostream& out,
                      std::ostream& err);

namespace {

constexpr const char* usage_text =
    "usage: lowp COMMAND [OPTIONS] < input > output\n"
    "\n"
    "commands:\n"
    "  round   -f FORMAT -r MODE [--seed N] [--rbits R] [--flags]\n"
    "          round each number once to FORMAT; print the result as a binary64 in %a form\n"
    "  encode  -f FORMAT -r MODE [--seed N] [--rbits R] [--flags]\n"
    "          round each number, then print its code in hex (0x7e, 0x3c00)\n"
    "  op OP   -f FORMAT -r MODE [--seed N] [--rbits R] [--flags]\n"
    "          OP is add, sub, mul, div, sqrt or fma; each line holds its operands (1 for\n"
    "          sqrt, 3 for fma: a b c gives a*b+c, else 2) separated by spaces; the exact\n"
    "          result on the binary64 operands is rounded once to FORMAT, printed in %a form\n"
    "  formats beyond binary64 (E > 11 or p > 53, e.g. E15M112 = binary128): round reads\n"
    "          each number exactly and rounds it once; op reads its operands to nearest at\n"
    "          FORMAT's precision and rounds the exact result once; results are printed in\n"
    "          MPFR's %Ra hex form (GNU MPFR does the arithmetic)\n"
    "  decode  -f FORMAT\n"
    "          read codes in hex (0x optional) and print their values in %a form\n"
    "  info    -f FORMAT\n"
    "          print the facts of FORMAT as key: value lines\n"
    "  block   -f PRESET [--block K|row] [--scale-rule floor|ceil|fit|amax] [-r MODE]\n"
    "          [--seed N] [--rbits R] [--codes]\n"
    "          each line is one row (numbers separated by spaces), quantized in blocks of K\n"
    "          (PRESET: mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxfp4_e2m1 mxint8 nvfp4\n"
    "          bfp; -r rounds the elements, default rne; line L (from 0) is random stream L,\n"
    "          element i its word i); prints the dequantized row in %a form, or with\n"
    "          --codes the scale code(s) (nvfp4: tensor scale first) then the element codes\n"
    "  ulp     -f FORMAT\n"
    "          read lines 'value reference'; print the histogram of |value - reference| in\n"
    "          ulps of FORMAT at the reference (bins 0, (0,0.5], (0.5,1], (1,2], ...), the\n"
    "          count, max, mean and mean signed error\n"
    "  help    print this text (also --help, -h); --version prints the version\n"
    "\n"
    "options:\n"
    "  -f, --format FORMAT    a preset (binary16 bfloat16 tf32 binary32 binary64 e5m2 e4m3fn\n"
    "                         e4m3fnuz e5m2fnuz e3m2fn e2m3fn e2m1fn e8m0fnu q43 q52) or\n"
    "                         E<e>M<m>, each optionally followed by ,subnormals=on|off|ftz\n"
    "                         ,specials=ieee|fn|fnuz|finite ,overflow=ieee|saturate ,bias=INT\n"
    "                         ,signed=yes|no ,daz=on|off ,zero=yes|no\n"
    "  -r, --rounding MODE    rne rna rnz ru rd rz ro sr sre, or nearest-even nearest-away\n"
    "                         nearest-zero up down toward-zero odd stochastic stochastic-equal\n"
    "  --seed N               seed of sr/sre (default 0): number i (from 0) uses the random\n"
    "                         word lowp::random_stream(N, 0)(i), so output is reproducible\n"
    "  --rbits R              random bits sr uses, 1..64 (default 64)\n"
    "  --flags                append the ternary (-1, 0, 1) and the raised flags to each line\n"
    "\n"
    "input: one number per line (lowp op: one case per line): decimal (read as strtod does, then rounded once), C99 hex\n"
    "float (0x1.8p-3), inf, infinity or nan, optionally signed; spaces, tabs and a trailing CR\n"
    "are ignored. A bad line stops the run: the lines before it are printed, then an error.\n"
    "exit status: 0 ok, 1 bad input line, 2 bad command line.\n";

enum class command { round, encode, decode, info, op };

// The operations of `lowp op`, with their operand counts.
enum class op_kind { add, sub, mul, div, sqrt, fma };
struct op_info {
  std::string_view name;
  op_kind kind;
  int arity;
};
constexpr op_info op_table[] = {{"add", op_kind::add, 2}, {"sub", op_kind::sub, 2},
                                {"mul", op_kind::mul, 2}, {"div", op_kind::div, 2},
                                {"sqrt", op_kind::sqrt, 1}, {"fma", op_kind::fma, 3}};

struct options {
  command cmd = command::round;
  std::optional<format> fmt;
  std::string_view format_text;
  std::optional<rounding> mode;
  std::uint64_t seed = 0;
  int rbits = 64;
  bool flags = false;
  op_info op{"add", op_kind::add, 2};  // lowp op only
  bool wide = false;  // a format beyond binary64: round and op go to run_wide (MPFR)
};

// Parses the options after the command name; throws cli_error.
options parse_options(int argc, char** argv) {
  options o;
  const std::string_view name = argv[1];
  if (name == "round")
    o.cmd = command::round;
  else if (name == "encode")
    o.cmd = command::encode;
  else if (name == "decode")
    o.cmd = command::decode;
  else if (name == "info")
    o.cmd = command::info;
  else if (name == "op")
    o.cmd = command::op;
  else
    throw cli_error{"unknown command '" + std::string(name) +
                        "' (want round, encode, decode, op, info, block, ulp or help; see lowp --help)",
                    exit_usage};
  int first_option = 2;
  if (o.cmd == command::op) {
    const std::string_view want = "(want add, sub, mul, div, sqrt or fma)";
    if (argc < 3) throw cli_error{"lowp op needs an operation " + std::string(want), exit_usage};
    const std::string_view op_name = argv[2];
    bool found = false;
    for (const op_info& k : op_table)
      if (k.name == op_name) {
        o.op = k;
        found = true;
      }
    if (!found)
      throw cli_error{"unknown operation '" + std::string(op_name) + "' " + std::string(want),
                      exit_usage};
    first_option = 3;
  }
  const bool rounds =
      o.cmd == command::round || o.cmd == command::encode || o.cmd == command::op;
  std::string_view mode_text;
  bool mode_given = false;
  for (int i = first_option; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto only_for_rounding = [&] {
      if (!rounds)
        throw cli_error{
            "option " + std::string(arg) + " does not apply to lowp " + std::string(name),
            exit_usage};
    };
    std::string_view value;
    if (option_value(argc, argv, i, "-f", "--format", value)) {
      o.format_text = value;
      try {
        o.fmt = parse_format(value);
      } catch (const format_error& e) {
        throw cli_error{e.what(), exit_usage};
      }
    } else if (option_value(argc, argv, i, "-r", "--rounding", value)) {
      only_for_rounding();
      mode_text = value;
      mode_given = true;
    } else if (option_value(argc, argv, i, "", "--seed", value)) {
      only_for_rounding();
      o.seed = parse_unsigned(value, "--seed wants an integer 0..18446744073709551615");
    } else if (option_value(argc, argv, i, "", "--rbits", value)) {
      only_for_rounding();
      const std::string what = "--rbits wants an integer 1..64";
      const std::uint64_t r = parse_unsigned(value, what);
      if (r < 1 || r > 64) throw cli_error{what + ", got '" + std::string(value) + "'", exit_usage};
      o.rbits = static_cast<int>(r);
    } else if (arg == "--flags") {
      only_for_rounding();
      o.flags = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw cli_error{"unknown option '" + std::string(arg) + "' (see lowp --help)", exit_usage};
    } else {
      throw cli_error{"unexpected argument '" + std::string(arg) + "' (see lowp --help)",
                      exit_usage};
    }
  }
  if (!o.fmt)
    throw cli_error{"lowp " + std::string(name) + " needs -f FORMAT (see lowp --help)", exit_usage};
  if (!o.fmt->fits_binary64() && (o.cmd == command::round || o.cmd == command::op))
    o.wide = true;
  else if (!o.fmt->fits_binary64())
    throw cli_error{"format '" + std::string(o.format_text) + "' is beyond binary64 (precision " +
                        std::to_string(o.fmt->precision()) + ", emin " +
                        std::to_string(o.fmt->emin()) + ", emax " + std::to_string(o.fmt->emax()) +
                        "); lowp " + std::string(name) +
                        " supports only formats whose values are all binary64 values (round"
                        " and op take wider ones)",
                    exit_usage};
  if (o.fmt->width() > 64 && !o.wide)
    throw cli_error{"format '" + std::string(o.format_text) + "' is wider than 64 bits",
                    exit_usage};
  if (rounds) {
    if (!mode_given)
      throw cli_error{"lowp " + std::string(name) + " needs -r MODE (one of " + mode_list() + ")",
                      exit_usage};
    o.mode = parse_rounding(mode_text);
    if (!o.mode)
      throw cli_error{"unknown rounding mode '" + std::string(mode_text) + "' (want one of " +
                          mode_list() + ", or a long name such as nearest-even)",
                      exit_usage};
  }
  return o;
}

// Reads lines from a streambuf into one large buffer. Each line is handed out in place, its
// '\n' overwritten by a NUL so that strtod can parse it without a copy. A refill takes only
// what the streambuf holds already (plus one blocking read when it holds nothing), so a line
// typed at a terminal is answered at once instead of after a megabyte.
class line_reader {
 public:
  explicit line_reader(std::streambuf* sb) : sb_(sb), buf_(std::size_t{1} << 20) {}

  // Sets `line` to the next line (without '\n'); false at the end of input. `before_wait` runs
  // before every refill, to flush output that a waiting reader may need.
  template <class F>
  bool next(std::string_view& line, F&& before_wait) {
    for (;;) {
      char* b = buf_.data() + begin_;
      // Only bytes after `scanned_` can hold the '\n': a long line arriving in small pieces
      // is scanned once, not once per piece.
      if (void* nl = std::memchr(buf_.data() + scanned_, '\n', end_ - scanned_)) {
        char* p = static_cast<char*>(nl);
        *p = '\0';
        line = std::string_view(b, static_cast<std::size_t>(p - b));
        begin_ = scanned_ = static_cast<std::size_t>(p + 1 - buf_.data());
        return true;
      }
      scanned_ = end_;
      if (eof_) {
        if (begin_ == end_) return false;
        buf_[end_] = '\0';  // the last line has no '\n'; fill() keeps one byte free for this
        line = std::string_view(b, end_ - begin_);
        begin_ = end_;
        return true;
      }
      if (begin_ > 0) {  // keep the partial line, drop what was handed out
        std::memmove(buf_.data(), b, end_ - begin_);
        end_ -= begin_;
        scanned_ = end_;
        begin_ = 0;
      }
      if (end_ + 1 >= buf_.size()) buf_.resize(buf_.size() * 2);
      before_wait();
      fill();
    }
  }

 private:
  void fill() {
    if (sb_ == nullptr || std::streambuf::traits_type::eq_int_type(
                              sb_->sgetc(), std::streambuf::traits_type::eof())) {
      eof_ = true;
      return;
    }
    std::streamsize avail = sb_->in_avail();
    const auto space = static_cast<std::streamsize>(buf_.size() - 1 - end_);
    avail = std::clamp<std::streamsize>(avail, 1, space);
    end_ += static_cast<std::size_t>(sb_->sgetn(buf_.data() + end_, avail));
  }

  std::streambuf* sb_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;    // start of the unread text
  std::size_t scanned_ = 0;  // [begin_, scanned_) holds no '\n'
  std::size_t end_ = 0;
  bool eof_ = false;
};

// Collects output in a large block and hands it to the ostream in one write.
class line_writer {
 public:
  explicit line_writer(std::ostream& out) : out_(out), buf_(std::size_t{1} << 20) {}

  // Returns room for at least `n` chars; commit() what was written.
  char* reserve(std::size_t n) {
    if (used_ + n > buf_.size()) {
      write_out();
      if (n > buf_.size()) buf_.resize(n);
    }
    return buf_.data() + used_;
  }
  void commit(std::size_t n) { used_ += n; }
  void put(std::string_view s) {
    std::memcpy(reserve(s.size()), s.data(), s.size());
    commit(s.size());
  }
  // Writes everything collected and flushes the stream.
  void flush() {
    if (used_ == 0) return;
    write_out();
    out_.flush();
  }

 private:
  void write_out() {
    out_.write(buf_.data(), static_cast<std::streamsize>(used_));
    used_ = 0;
  }

  std::ostream& out_;
  std::vector<char> buf_;
  std::size_t used_ = 0;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Strips a trailing CR and surrounding spaces and tabs.
std::string_view trim(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Parses a number line (NUL-terminated just past `line`); nullopt with `why` set when it is
// empty or malformed. strtod does the conversion; what strtod would also accept but the tool
// must not (leading newlines or other whitespace, NaN payloads, trailing text) is refused here.
std::optional<double> parse_number(std::string_view line, std::string& why) {
  const std::string_view t = trim(line);
  if (t.empty()) {
    why = "empty line";
    return std::nullopt;
  }
  const char* p = t.data();
  if (!std::isspace(static_cast<unsigned char>(*p))) {
    char* end = nullptr;
    const double x = std::strtod(p, &end);
    const std::size_t used = static_cast<std::size_t>(end - p);
    if (used == t.size() && std::memchr(p, '(', used) == nullptr) return x;
  }
  why = "malformed number " + quoted(t);
  return std::nullopt;
}

// Splits a line into its blank-separated fields, each NUL-terminated in place (the reader's
// buffer is writable) so that parse_number can read it; returns how many there were, counting
// past `max` without storing.
int split_fields(std::string_view line, std::string_view* fields, int max) {
  const std::string_view t = trim(line);
  char* p = const_cast<char*>(t.data());
  char* const end = p + t.size();
  int n = 0;
  while (p < end) {
    while (p < end && is_blank(*p)) ++p;
    if (p == end) break;
    char* start = p;
    while (p < end && !is_blank(*p)) ++p;
    if (n < max) fields[n] = std::string_view(start, static_cast<std::size_t>(p - start));
    ++n;
    if (p < end) *p++ = '\0';
  }
  return n;
}

// Parses a code line: hex digits with an optional 0x/0X; nullopt with `why` set when malformed
// or not below 2^width.
std::optional<std::uint64_t> parse_code(std::string_view line, const format& f, std::string& why) {
  const std::string_view t = trim(line);
  if (t.empty()) {
    why = "empty line";
    return std::nullopt;
  }
  std::string_view digits = t;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    digits.remove_prefix(2);
  std::uint64_t code = 0;
  bool too_big = false;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      d = -1;
    if (d < 0) {
      why = "malformed code " + quoted(t) + " (want hex digits, 0x optional)";
      return std::nullopt;
    }
    if (code >> 60) too_big = true;
    code = (code << 4) | static_cast<std::uint64_t>(d);
  }
  if (digits.empty()) {
    why = "malformed code " + quoted(t) + " (want hex digits, 0x optional)";
    return std::nullopt;
  }
  const int w = f.width();
  if (too_big || (w < 64 && (code >> w) != 0)) {
    char top[24];
    std::snprintf(
        top, sizeof top, "0x%llx",
        static_cast<unsigned long long>(w >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << w) - 1));
    why = "code " + quoted(t) + " is out of range for " + to_string(f) + " (" + std::to_string(w) +
          " bits: 0x0.." + top + ")";
    return std::nullopt;
  }
  return code;
}

// Returns the shortest decimal that reads back as v (std::to_chars' shortest round trip, the
// digits Python's repr picks), fixed or scientific, whichever is shorter: 448, 240,
// 6.103515625e-05, 5.960464477539063e-08.
std::string shortest(double v) {
  char b[40];
  const auto [end, ec] = std::to_chars(b, b + sizeof b, v);
  (void)ec;
  return std::string(b, end);
}

// Returns 2^n in decimal.
std::string pow2_decimal(int n) {
  std::vector<int> digits{1};  // least significant first
  for (int i = 0; i < n; ++i) {
    int carry = 0;
    for (int& d : digits) {
      const int x = d * 2 + carry;
      d = x % 10;
      carry = x / 10;
    }
    if (carry) digits.push_back(carry);
  }
  std::string s;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) s += static_cast<char>('0' + *it);
  return s;
}

void put_int(line_writer& w, long long v) {
  char* p = w.reserve(24);
  const auto [end, ec] = std::to_chars(p, p + 24, v);
  (void)ec;
  w.commit(static_cast<std::size_t>(end - p));
}

void put_flags(line_writer& w, const round_result& r) {
  w.put(" ");
  put_int(w, r.ternary);
  for (int i = 0; i < flag::count; ++i) {
    const unsigned bit = 1u << i;
    if (r.flags & bit) {
      w.put(" ");
      w.put(flag_name(bit));
    }
  }
}

int run_info(const format& f, std::ostream& out) {
  auto yes_no = [](bool b) { return b ? "yes" : "no"; };
  out << "precision: " << f.precision() << '\n'
      << "emin: " << f.emin() << '\n'
      << "emax: " << f.emax() << '\n'
      << "bias: " << f.bias << '\n'
      << "largest: " << shortest(f.largest()) << '\n'
      << "smallest_normal: " << shortest(f.smallest_normal()) << '\n'
      << "smallest_subnormal: " << shortest(f.smallest_subnormal()) << '\n'
      << "unit_roundoff: " << shortest(f.unit_roundoff()) << '\n'
      << "has_inf: " << yes_no(f.has_inf()) << '\n'
      << "has_nan: " << yes_no(f.has_nan()) << '\n'
      << "signed: " << yes_no(f.is_signed) << '\n'
      << "codes: " << pow2_decimal(f.width()) << '\n';
  out.flush();
  return out ? exit_ok : exit_bad_input;
}

// Runs round, encode, decode or op over every line of `in`.
int run_stream(const options& o, std::istream& in, std::ostream& out, std::ostream& err) {
  const format f = *o.fmt;
  const rounding mode = o.mode.value_or(rounding::nearest_even);
  const bool stochastic = is_stochastic(mode);
  const random_stream random(o.seed, 0);
  const int nibbles = (f.width() + 3) / 4;
  line_reader reader(in.rdbuf());
  line_writer writer(out);
  std::string why;
  std::string_view line;
  std::uint64_t index = 0;  // lines are numbered from 1, random words from 0
  auto fail = [&](const std::string& message) {
    writer.flush();
    out.flush();
    err << "lowp: line " << index + 1 << ": " << message << '\n';
    return exit_bad_input;
  };
  while (reader.next(line, [&] { writer.flush(); })) {
    if (o.cmd == command::decode) {
      const std::optional<std::uint64_t> code = parse_code(line, f, why);
      if (!code) return fail(why);
      const std::optional<double> v = decode(*code, f);
      if (!v) return fail("code " + quoted(trim(line)) + " has no value in " + to_string(f));
      char* p = writer.reserve(40);
      const std::size_t n = format_hex(*v, p);
      p[n] = '\n';
      writer.commit(n + 1);
    } else if (o.cmd == command::op) {
      std::string_view fields[3];
      const int n = split_fields(line, fields, 3);
      if (n != o.op.arity)
        return fail(n == 0 ? std::string("empty line")
                           : std::string(o.op.name) + " wants " + std::to_string(o.op.arity) +
                                 (o.op.arity == 1 ? " number" : " numbers") + " per line, got " +
                                 std::to_string(n));
      double x[3] = {0, 0, 0};
      for (int k = 0; k < n; ++k) {
        const std::optional<double> v = parse_number(fields[k], why);
        if (!v) return fail(why);
        x[k] = *v;
      }
      const std::uint64_t word = stochastic ? random(index) : 0;
      round_result r{};
      switch (o.op.kind) {
        case op_kind::add: r = lowp::add(x[0], x[1], f, mode, word, o.rbits); break;
        case op_kind::sub: r = lowp::sub(x[0], x[1], f, mode, word, o.rbits); break;
        case op_kind::mul: r = lowp::mul(x[0], x[1], f, mode, word, o.rbits); break;
        case op_kind::div: r = lowp::div(x[0], x[1], f, mode, word, o.rbits); break;
        case op_kind::sqrt: r = lowp::sqrt(x[0], f, mode, word, o.rbits); break;
        case op_kind::fma: r = lowp::fma(x[0], x[1], x[2], f, mode, word, o.rbits); break;
      }
      char* p = writer.reserve(40);
      writer.commit(format_hex(r.value, p));
      if (o.flags) put_flags(writer, r);
      writer.put("\n");
    } else {
      const std::optional<double> x = parse_number(line, why);
      if (!x) return fail(why);
      const round_result r = lowp::round(*x, f, mode, stochastic ? random(index) : 0, o.rbits);
      if (o.cmd == command::round) {
        char* p = writer.reserve(40);
        writer.commit(format_hex(r.value, p));
      } else {
        const std::optional<std::uint64_t> code = encode(r.value, f);
        if (!code) {
          char v[40];
          const std::size_t n = format_hex(r.value, v);
          return fail(quoted(trim(line)) + " rounds to " + std::string(v, n) +
                      ", which has no code in " + to_string(f));
        }
        char* p = writer.reserve(20);
        p[0] = '0';
        p[1] = 'x';
        for (int i = 0; i < nibbles; ++i)
          p[2 + i] = "0123456789abcdef"[(*code >> (4 * (nibbles - 1 - i))) & 0xf];
        writer.commit(static_cast<std::size_t>(2 + nibbles));
      }
      if (o.flags) put_flags(writer, r);
      writer.put("\n");
    }
    ++index;
  }
  writer.flush();
  out.flush();
  if (!out) {
    err << "lowp: error writing output\n";
    return exit_bad_input;
  }
  return exit_ok;
}

}  // namespace

int run_cli(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    if (argc < 2) {
      err << usage_text;
      return exit_usage;
    }
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
      out << usage_text << std::flush;
      return exit_ok;
    }
    if (first == "--version") {
      out << "lowp " LOWP_VERSION_STRING "\n" << std::flush;
      return exit_ok;
    }
    for (int i = 2; i < argc; ++i) {
      const std::string_view a = argv[i];
      if (a == "--help" || a == "-h") {
        out << usage_text << std::flush;
        return exit_ok;
      }
    }
    if (first == "block") return run_block_command(argc, argv, in, out, err);
    if (first == "ulp") return run_ulp(argc, argv, in, out, err);
    const options o = parse_options(argc, argv);
    if (o.cmd == command::info) return run_info(*o.fmt, out);
    if (o.wide)
      return run_wide({o.cmd == command::op, o.op.name, o.op.arity, *o.fmt, *o.mode, o.seed,
                       o.rbits, o.flags},
                      in, out, err);
    return run_stream(o, in, out, err);
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
