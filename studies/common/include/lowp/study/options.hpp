// Provides a study's command line: typed options with defaults and help text, the options every
// study shares (--out, --seed, --quick, --resume, --threads), and a canonical string of the
// options that change results (what --resume compares).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lowp/format.hpp"
#include "lowp/rounding.hpp"

namespace lowp::study {

// A bad command line: main prints "PROGRAM: error: what()" and exits with status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What every study takes.
struct common_options {
  std::string out;         // --out FILE (required)
  std::uint64_t seed = 1;  // --seed N: the root of every random stream of the study
  bool quick = false;      // --quick: the reduced sweep
  bool resume = false;     // --resume: keep the runs already in FILE (or FILE.partial)
  int threads = 0;         // --threads N: 0 = every core
  double checkpoint_seconds = 2.0;  // --checkpoint-seconds S: how often FILE.partial is refreshed
};

class option_parser {
 public:
  option_parser(std::string program, std::string description);

  // Registers --name with a value; the variable's value at registration is the default.
  // `affects_results` options enter config_string(), which --resume compares.
  void add(const std::string& name, std::int64_t& v, const std::string& help, bool affects_results = true);
  void add(const std::string& name, std::uint64_t& v, const std::string& help, bool affects_results = true);
  void add(const std::string& name, int& v, const std::string& help, bool affects_results = true);
  void add(const std::string& name, double& v, const std::string& help, bool affects_results = true);
  void add(const std::string& name, std::string& v, const std::string& help, bool affects_results = true);
  // A comma-separated list (e.g. --formats binary16,bfloat16).
  void add(const std::string& name, std::vector<std::string>& v, const std::string& help,
           bool affects_results = true);
  void add_flag(const std::string& name, bool& v, const std::string& help, bool affects_results = true);
  // Registers the common options into `c`.
  void add_common(common_options& c);

  // Parses argv. Returns false when --help was given (the help text is then on `out`); throws
  // usage_error on an unknown option, a missing or malformed value, or a missing --out.
  bool parse(int argc, const char* const* argv, std::ostream& out);

  // Writes the help text: every option with its default.
  void print_help(std::ostream& out) const;
  // Returns "name=value;..." over the options that affect results, in registration order.
  [[nodiscard]] std::string config_string() const;
  // Returns the command line as given, arguments separated by spaces.
  [[nodiscard]] const std::string& command_line() const { return command_line_; }
  [[nodiscard]] const std::string& program() const { return program_; }
  // Returns whether --name was given on the command line.
  [[nodiscard]] bool given(const std::string& name) const;

 private:
  struct entry {
    std::string name, help, default_text;
    bool takes_value, affects_results;
    std::function<void(const std::string&)> set;
    std::function<std::string()> get;
  };
  void add_entry(entry e);
  std::string program_, description_, command_line_;
  std::vector<entry> entries_;
  std::vector<std::string> given_;
  const common_options* common_ = nullptr;
};

// Parses a whole string as a number; throws usage_error naming the option otherwise.
std::int64_t parse_int(const std::string& text, const std::string& option);
double parse_double(const std::string& text, const std::string& option);

// Parses a list of lowp format strings (each must fit binary64); returns (format, text) pairs;
// throws usage_error "--OPTION: ..." otherwise.
std::vector<std::pair<format, std::string>> parse_formats(const std::vector<std::string>& texts,
                                                          const std::string& option);
// Parses a list of rounding mode names; throws usage_error "--OPTION: unknown rounding mode 'x'".
std::vector<rounding> parse_modes(const std::vector<std::string>& texts, const std::string& option);

}  // namespace lowp::study
