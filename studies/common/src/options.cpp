// Implements the study command line (see options.hpp).
#include "lowp/study/options.hpp"

#include <charconv>
#include <cmath>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>

namespace lowp::study {

namespace {

std::string show(double v) {
  std::ostringstream s;
  s << std::setprecision(17) << v;
  // Shortest form that reads back: try fewer digits first.
  for (int digits = 1; digits <= 17; ++digits) {
    std::ostringstream t;
    t << std::setprecision(digits) << v;
    if (std::stod(t.str()) == v) return t.str();
  }
  return s.str();
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

}  // namespace

std::int64_t parse_int(const std::string& text, const std::string& option) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || text.empty())
    throw usage_error("option --" + option + " needs an integer, got '" + text + "'");
  return v;
}

std::vector<std::pair<format, std::string>> parse_formats(const std::vector<std::string>& texts,
                                                          const std::string& option) {
  std::vector<std::pair<format, std::string>> out;
  for (const std::string& s : texts) {
    format f;
    try {
      f = parse_format(s);
    } catch (const std::exception& e) {
      throw usage_error("--" + option + ": " + e.what());
    }
    if (!f.fits_binary64()) throw usage_error("--" + option + ": " + s + " is wider than binary64");
    out.emplace_back(f, s);
  }
  return out;
}

std::vector<rounding> parse_modes(const std::vector<std::string>& texts, const std::string& option) {
  std::vector<rounding> out;
  for (const std::string& s : texts) {
    const std::optional<rounding> m = parse_rounding(s);
    if (!m) throw usage_error("--" + option + ": unknown rounding mode '" + s + "'");
    out.push_back(*m);
  }
  return out;
}

double parse_double(const std::string& text, const std::string& option) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(v))
    throw usage_error("option --" + option + " needs a finite number, got '" + text + "'");
  return v;
}

option_parser::option_parser(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

void option_parser::add_entry(entry e) {
  e.default_text = e.get();
  entries_.push_back(std::move(e));
}

void option_parser::add(const std::string& name, std::int64_t& v, const std::string& help,
                        bool affects) {
  add_entry({name, help, "", true, affects, [&v, name](const std::string& t) { v = parse_int(t, name); },
             [&v] { return std::to_string(v); }});
}

void option_parser::add(const std::string& name, std::uint64_t& v, const std::string& help,
                        bool affects) {
  add_entry({name, help, "", true, affects,
             [&v, name](const std::string& t) {
               const std::int64_t x = parse_int(t, name);
               if (x < 0) throw usage_error("option --" + name + " needs a non-negative integer");
               v = static_cast<std::uint64_t>(x);
             },
             [&v] { return std::to_string(v); }});
}

void option_parser::add(const std::string& name, int& v, const std::string& help, bool affects) {
  add_entry({name, help, "", true, affects,
             [&v, name](const std::string& t) {
               const std::int64_t x = parse_int(t, name);
               if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
                 throw usage_error("option --" + name + " is out of range");
               v = static_cast<int>(x);
             },
             [&v] { return std::to_string(v); }});
}

void option_parser::add(const std::string& name, double& v, const std::string& help, bool affects) {
  add_entry({name, help, "", true, affects,
             [&v, name](const std::string& t) { v = parse_double(t, name); },
             [&v] { return show(v); }});
}

void option_parser::add(const std::string& name, std::string& v, const std::string& help,
                        bool affects) {
  add_entry({name, help, "", true, affects, [&v](const std::string& t) { v = t; },
             [&v] { return v; }});
}

void option_parser::add(const std::string& name, std::vector<std::string>& v,
                        const std::string& help, bool affects) {
  add_entry({name, help, "", true, affects,
             [&v, name](const std::string& t) {
               std::vector<std::string> items;
               std::string item;
               std::istringstream s(t);
               while (std::getline(s, item, ','))
                 if (item.empty()) throw usage_error("option --" + name + ": empty list item in '" + t + "'");
                 else items.push_back(item);
               if (items.empty()) throw usage_error("option --" + name + " needs a non-empty list");
               v = std::move(items);
             },
             [&v] { return join(v); }});
}

void option_parser::add_flag(const std::string& name, bool& v, const std::string& help,
                             bool affects) {
  add_entry({name, help, "", false, affects, [&v](const std::string&) { v = true; },
             [&v] { return std::string(v ? "on" : "off"); }});
}

void option_parser::add_common(common_options& c) {
  common_ = &c;
  add("out", c.out, "result file (HDF5); written beside as FILE.tmp and renamed into place", false);
  add("seed", c.seed, "root seed of every random stream");
  add_flag("quick", c.quick, "run the reduced sweep");
  add_flag("resume", c.resume, "keep the runs already in FILE (or FILE.partial) and compute the rest",
           false);
  add("threads", c.threads, "worker threads (0 = all cores); results do not depend on it", false);
  add("checkpoint-seconds", c.checkpoint_seconds,
      "how often FILE.partial (the resumable checkpoint) is refreshed; 0 = after every run", false);
}

void option_parser::print_help(std::ostream& out) const {
  out << "usage: " << program_ << " --out FILE [OPTIONS]\n" << description_ << "\n\noptions:\n";
  for (const entry& e : entries_) {
    std::string lhs = "  --" + e.name + (e.takes_value ? " V" : "");
    out << std::left << std::setw(26) << lhs << ' ' << e.help;
    if (e.takes_value) out << " (default: " << (e.default_text.empty() ? "none" : e.default_text) << ')';
    out << '\n';
  }
  out << std::left << std::setw(26) << "  --help" << " print this help and exit\n";
}

bool option_parser::parse(int argc, const char* const* argv, std::ostream& out) {
  command_line_.clear();
  given_.clear();
  for (int i = 0; i < argc; ++i) command_line_ += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_help(out);
      return false;
    }
    if (arg.rfind("--", 0) != 0) throw usage_error("unexpected argument '" + arg + "' (see --help)");
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    entry* found = nullptr;
    for (entry& e : entries_)
      if (e.name == name) found = &e;
    if (!found) throw usage_error("unknown option '--" + name + "' (see --help)");
    if (found->takes_value && !inline_value) {
      if (i + 1 >= argc) throw usage_error("option --" + name + " needs a value");
      value = argv[++i];
    } else if (!found->takes_value && inline_value) {
      throw usage_error("option --" + name + " takes no value");
    }
    found->set(value);
    given_.push_back(name);
  }
  if (common_ && common_->out.empty()) throw usage_error("--out FILE is required (see --help)");
  if (common_ && common_->threads < 0) throw usage_error("--threads must be >= 0");
  if (common_ && common_->checkpoint_seconds < 0) throw usage_error("--checkpoint-seconds must be >= 0");
  return true;
}

bool option_parser::given(const std::string& name) const {
  for (const std::string& g : given_)
    if (g == name) return true;
  return false;
}

std::string option_parser::config_string() const {
  std::string s;
  for (const entry& e : entries_)
    if (e.affects_results) s += (s.empty() ? "" : ";") + e.name + "=" + e.get();
  return s;
}

}  // namespace lowp::study
