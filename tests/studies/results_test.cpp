// Tests the HDF5 result file: round trip of every attribute and dataset kind, atomic commit,
// checkpoint and resume, refusal to resume another configuration, errors before any work.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "lowp/study/results.hpp"

using namespace lowp::study;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temporary folder, removed at the end.
struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("lowp_results_test_" + std::to_string(getpid()) + "_" +
                                        std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

record sample_run(const std::string& name, double scale) {
  record r;
  r.name = name;
  r.set("format", std::string("E4M3,bias=9")).set("count", std::int64_t{-12345678901234}).set("x", scale);
  r.set("unicode", std::string("\u00b5s and \u03bb"));
  std::vector<double> big(100000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = std::sin(static_cast<double>(i)) * scale;
  big[3] = std::numeric_limits<double>::infinity();
  big[4] = -0.0;
  big[5] = 0x1p-1074;
  r.add("big", big, "1", {400, 250});  // compressed (>= 4096 elements)
  r.add("small", std::vector<double>{1.5, -2.25, std::nan("")}, "s");
  r.add("ints", std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int64_t>::max()}, "count");
  r.add("empty", std::vector<double>{}, "1");
  return r;
}

void check_same(const record& a, const record& b) {
  CHECK(a.name == b.name);
  CHECK(a.attrs == b.attrs);
  REQUIRE(a.datasets.size() == b.datasets.size());
  for (std::size_t i = 0; i < a.datasets.size(); ++i) {
    const dataset& x = a.datasets[i];
    const dataset& y = b.datasets[i];
    CHECK(x.name == y.name);
    CHECK(x.shape == y.shape);
    CHECK(x.units == y.units);
    REQUIRE(x.data.index() == y.data.index());
    if (x.data.index() == 0) {
      REQUIRE(x.doubles().size() == y.doubles().size());
      for (std::size_t k = 0; k < x.doubles().size(); ++k) {
        const double p = x.doubles()[k], q = y.doubles()[k];
        // Bitwise: NaN, -0 and subnormals survive.
        CHECK(__builtin_bit_cast(std::uint64_t, p) == __builtin_bit_cast(std::uint64_t, q));
      }
    } else {
      CHECK(x.integers() == y.integers());
    }
  }
}

}  // namespace

TEST_CASE("a committed file reads back every attribute and dataset exactly") {
  temp_dir dir;
  const std::string target = (dir.path / "r.h5").string();
  {
    result_writer w(target, false, "demo", "a=1", 1e9);
    w.set_root("seed", std::int64_t{7});
    w.set_root("host", std::string("here"));
    w.write_run(sample_run("run_b", 2.0));
    w.write_run(sample_run("run_a", 1.0));
    record c;
    c.name = "claim_1";
    c.set("pass", std::int64_t{1}).set("measured", 0.5).set("statement", std::string("it holds"));
    w.write_claim(c);
    CHECK_FALSE(fs::exists(target));  // nothing at the target until commit
    CHECK(fs::exists(target + ".tmp"));
    w.commit();
  }
  CHECK(fs::exists(target));
  CHECK_FALSE(fs::exists(target + ".tmp"));
  CHECK_FALSE(fs::exists(target + ".partial"));
  const file_contents c = read_results(target);
  REQUIRE(c.runs.size() == 2);
  check_same(c.runs.at("run_a"), sample_run("run_a", 1.0));
  check_same(c.runs.at("run_b"), sample_run("run_b", 2.0));
  REQUIRE(c.claims.size() == 1);
  CHECK(c.claims.at("claim_1").get_int("pass") == 1);
  CHECK(c.claims.at("claim_1").get_string("statement") == "it holds");
  auto root = [&](const std::string& key) -> const attr_value& {
    for (const attribute& a : c.root)
      if (a.name == key) return a.value;
    FAIL("no root attribute " << key);
    throw;
  };
  CHECK(std::get<std::string>(root("study")) == "demo");
  CHECK(std::get<std::string>(root("config")) == "a=1");
  CHECK(std::get<std::int64_t>(root("complete")) == 1);
  CHECK(std::get<std::int64_t>(root("seed")) == 7);
  CHECK(std::get<std::string>(root("host")) == "here");
}

TEST_CASE("an uncommitted writer leaves the target as it was and a resumable checkpoint") {
  temp_dir dir;
  const std::string target = (dir.path / "r.h5").string();
  {
    std::ofstream old(target);
    old << "previous complete file";
  }
  {
    result_writer w(target, false, "demo", "a=1", 0.0);  // checkpoint after every run
    w.write_run(sample_run("one", 1.0));
    w.write_run(sample_run("two", 2.0));
  }  // dropped without commit, as a killed study would be
  {
    std::ifstream in(target);
    std::string text;
    std::getline(in, text);
    CHECK(text == "previous complete file");
  }
  REQUIRE(fs::exists(target + ".partial"));
  const file_contents partial = read_results(target + ".partial");
  CHECK(partial.runs.size() == 2);

  // Resuming keeps the checkpointed runs.
  {
    result_writer w(target, true, "demo", "a=1", 0.0);
    CHECK(w.resumed().size() == 2);
    CHECK(w.has_run("one"));
    CHECK(w.has_run("two"));
    w.write_run(sample_run("three", 3.0));
    w.commit();
  }
  const file_contents done = read_results(target);
  CHECK(done.runs.size() == 3);
  check_same(done.runs.at("one"), sample_run("one", 1.0));
  check_same(done.runs.at("three"), sample_run("three", 3.0));
  CHECK_FALSE(fs::exists(target + ".partial"));

  // Resuming from a complete file keeps its runs too; other options or another study are refused.
  CHECK(result_writer(target, true, "demo", "a=1", 1.0).resumed().size() == 3);
  CHECK_THROWS_WITH_AS(result_writer(target, true, "demo", "a=2", 1.0),
                       ("cannot resume from " + target + ": it was made with other options (a=1)").c_str(),
                       file_error);
  CHECK_THROWS_WITH_AS(result_writer(target, true, "other", "a=1", 1.0),
                       ("cannot resume from " + target + ": it holds study 'demo', not 'other'").c_str(),
                       file_error);
}

TEST_CASE("unwritable targets and unreadable files fail at once with one line") {
  temp_dir dir;
  CHECK_THROWS_AS(result_writer((dir.path / "no" / "such" / "dir.h5").string(), false, "s", "", 1.0),
                  file_error);
  CHECK_THROWS_WITH_AS(result_writer(dir.path.string(), false, "s", "", 1.0),
                       ("cannot write " + dir.path.string() + ": it is a directory").c_str(), file_error);
  const std::string junk = (dir.path / "junk.h5").string();
  {
    std::ofstream out(junk);
    out << "not hdf5";
  }
  CHECK_THROWS_WITH_AS(read_results(junk), ("cannot read " + junk + ": not an HDF5 file").c_str(), file_error);
  CHECK_THROWS_WITH_AS(result_writer(junk, true, "s", "", 1.0),
                       ("cannot read " + junk + ": not an HDF5 file").c_str(), file_error);
  CHECK_THROWS_WITH_AS(read_results((dir.path / "absent.h5").string()),
                       ("cannot read " + (dir.path / "absent.h5").string() + ": no such file").c_str(),
                       file_error);
}
