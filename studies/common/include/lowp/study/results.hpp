// Provides a study's result file: runs (attributes and datasets) written to HDF5 beside the
// target and renamed into place when complete, with a resumable checkpoint, and a reader.
//
// Layout (data/README.md is the schema): root attributes = provenance; /runs/<name> = one group
// per run with its attributes and datasets (each dataset carries a "units" attribute); /claims/<id>
// = one group per checked claim (attributes only).
//
// Files: TARGET.tmp is written while the study runs; TARGET.partial is a complete, valid HDF5 copy
// refreshed every checkpoint (renamed into place, so it is never half-written); TARGET appears
// only at commit(), by rename. A killed study thus leaves TARGET as it was (absent or the previous
// complete file); --resume continues from TARGET.partial (or TARGET) with the same options.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace lowp::study {

// A file that cannot be created, read or written: a one-line message, exit status 1.
struct file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using attr_value = std::variant<std::int64_t, double, std::string>;

struct attribute {
  std::string name;
  attr_value value;
  bool operator==(const attribute&) const = default;
};

// A dense row-major array of doubles or 64-bit integers with its units.
struct dataset {
  std::string name;
  std::vector<std::size_t> shape;
  std::variant<std::vector<double>, std::vector<std::int64_t>> data;
  std::string units;
  bool operator==(const dataset&) const = default;

  [[nodiscard]] const std::vector<double>& doubles() const;
  [[nodiscard]] const std::vector<std::int64_t>& integers() const;
};

// One run (or one claim): a named set of attributes and datasets.
struct record {
  std::string name;
  std::vector<attribute> attrs;
  std::vector<dataset> datasets;
  bool operator==(const record&) const = default;

  record& set(const std::string& key, attr_value v);
  record& add(const std::string& key, std::vector<double> v, const std::string& units,
              std::vector<std::size_t> shape = {});
  record& add(const std::string& key, std::vector<std::int64_t> v, const std::string& units,
              std::vector<std::size_t> shape = {});
  [[nodiscard]] const attr_value* find_attr(const std::string& key) const;
  [[nodiscard]] const dataset* find_dataset(const std::string& key) const;
  // Return the attribute / dataset or throw std::out_of_range naming it.
  [[nodiscard]] std::int64_t get_int(const std::string& key) const;
  [[nodiscard]] double get_double(const std::string& key) const;
  [[nodiscard]] const std::string& get_string(const std::string& key) const;
  [[nodiscard]] const dataset& get(const std::string& key) const;
};

// Everything a file holds, as read back.
struct file_contents {
  std::vector<attribute> root;
  std::map<std::string, record> runs;
  std::map<std::string, record> claims;
};

// Reads a result file; throws file_error if it is not a readable lowp result file.
file_contents read_results(const std::string& path);

class result_writer {
 public:
  // Prepares TARGET: creates TARGET.tmp now (so an unwritable target fails before any work) and,
  // with `resume`, copies the runs of TARGET.partial (preferred) or TARGET into it. `config` is the
  // study's option string; a resumed file made with a different one is refused.
  result_writer(std::string target, bool resume, std::string study, std::string config,
                double checkpoint_seconds);
  ~result_writer();
  result_writer(const result_writer&) = delete;
  result_writer& operator=(const result_writer&) = delete;

  // The runs already present (resumed), by name.
  [[nodiscard]] const std::map<std::string, record>& resumed() const { return resumed_; }
  [[nodiscard]] bool has_run(const std::string& name) const { return resumed_.count(name) != 0; }

  // Writes a run under /runs and refreshes TARGET.partial when a checkpoint is due.
  void write_run(const record& r);
  // Writes a claim under /claims (claims are recomputed on every run, never resumed).
  void write_claim(const record& r);
  // Sets (or replaces) a root attribute.
  void set_root(const std::string& key, const attr_value& v);
  // Closes the file, renames TARGET.tmp to TARGET and removes TARGET.partial.
  void commit();

  [[nodiscard]] const std::string& target() const { return target_; }

 private:
  void open_tmp(bool truncate);
  void close_tmp();
  void checkpoint();
  std::string target_, tmp_, partial_;
  std::int64_t file_ = -1;  // hid_t
  double checkpoint_seconds_;
  std::chrono::steady_clock::time_point last_checkpoint_;
  std::map<std::string, record> resumed_;
  bool committed_ = false;
};

// Returns the current UTC time as ISO 8601 (2026-11-25T04:43:42Z).
std::string utc_now();

}  // namespace lowp::study
