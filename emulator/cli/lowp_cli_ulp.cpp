// `lowp ulp -f FORMAT`: reads lines "value reference", prints the histogram of the errors
// |value - reference| in ULPs of FORMAT at the reference, their maximum and mean.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/format.hpp"
#include "cli_common.hpp"
#include "lowp_cli.hpp"

namespace lowp::cli {

namespace {

// Returns the quantum of f's grid at |x|: 2^(max(floor(log2|x|), emin) - m) (2^(emin - m) at 0),
// with the exponent range unbounded above.
double ulp_at(double x, const format& f) {
  int e = f.emin();
  if (x != 0) e = std::max(std::ilogb(x), e);
  return std::ldexp(1.0, e - f.mantissa_bits);
}

}  // namespace

int run_ulp(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string fmt_text;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if ((a == "-f" || a == "--format") && i + 1 < argc) {
      fmt_text = argv[++i];
    } else {
      err << "lowp: lowp ulp takes only -f FORMAT (unexpected '" << a << "')\n";
      return exit_usage;
    }
  }
  if (fmt_text.empty()) {
    err << "lowp: lowp ulp needs -f FORMAT (see lowp --help)\n";
    return exit_usage;
  }
  format f;
  try {
    f = parse_format(fmt_text);
  } catch (const std::exception& e) {
    err << "lowp: " << e.what() << '\n';
    return exit_usage;
  }
  if (!f.fits_binary64()) {
    err << "lowp: format " << fmt_text << " does not fit binary64\n";
    return exit_usage;
  }
  // Bins: exact (0), (0, 1/2], (1/2, 1], (1, 2], (2, 4], ..., (2^19, 2^20], above 2^20.
  constexpr int top = 20;
  std::uint64_t exact = 0, bins[top + 2] = {}, above = 0, not_finite = 0, count = 0;
  double max_err = 0, sum = 0, sum_signed = 0;
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::vector<std::string> tok = split_fields(line);
    if (tok.empty()) continue;  // blank line
    const std::optional<double> v = tok.size() == 2 ? parse_field(tok[0]) : std::nullopt;
    const std::optional<double> r = tok.size() == 2 ? parse_field(tok[1]) : std::nullopt;
    if (!v || !r) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      err << "lowp: line " << line_no << ": expected 'value reference', got " << quoted(line) << '\n';
      return exit_bad_input;
    }
    ++count;
    if (!std::isfinite(*v) || !std::isfinite(*r)) {
      ++not_finite;
      continue;
    }
    // value - reference exactly as s + t (TwoSum), then scaled by the ulp (a power of two).
    const double s = *v - *r, bb = s - *v, t = (*v - (s - bb)) + (-*r - bb);
    const double u = ulp_at(*r, f);
    const double e = s / u + t / u;
    const double a = std::fabs(e);
    sum += a;
    sum_signed += e;
    max_err = std::max(max_err, a);
    if (a == 0) {
      ++exact;
    } else if (a > std::ldexp(1.0, top)) {
      ++above;
    } else {
      int b = 0;  // (0, 1/2] -> 0, (1/2, 1] -> 1, (2^(k-1), 2^k] -> k + 1
      while (b <= top && a > std::ldexp(1.0, b - 1)) ++b;
      ++bins[b];
    }
  }
  out << "# errors in ulps of " << to_string(f) << " at the reference\n";
  out << "ulps           count\n";
  out << "0              " << exact << '\n';
  for (int b = 0; b <= top + 1; ++b) {
    std::string label = b == 0 ? "(0,0.5]" : b == 1 ? "(0.5,1]"
                                        : "(" + std::to_string(1LL << (b - 2)) + "," +
                                              std::to_string(1LL << (b - 1)) + "]";
    label.resize(std::max<std::size_t>(15, label.size() + 1), ' ');
    out << label << bins[b] << '\n';
  }
  out << ">" << (1LL << top) << "       " << above << '\n';
  out << "not-finite     " << not_finite << '\n';
  const std::uint64_t finite = count - not_finite;
  out << "count: " << count << '\n';
  out << "max: " << max_err << '\n';
  out << "mean: " << (finite ? sum / static_cast<double>(finite) : 0.0) << '\n';
  out << "mean_signed: " << (finite ? sum_signed / static_cast<double>(finite) : 0.0) << '\n';
  out.flush();
  return exit_ok;
}

}  // namespace lowp::cli
