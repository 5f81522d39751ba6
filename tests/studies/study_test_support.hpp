// Provides what the study executables' tests share: a scratch directory, running a study in-process
// or as its real binary (to SIGKILL it), and a bitwise comparison of two result files' runs.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iosfwd>
#include <sstream>
#include <string>
#include <vector>

#include "lowp/study/results.hpp"

namespace lowp::study::testing {

// A fresh directory under the system's temporary directory, removed with everything in it.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() / ("lowp_" + tag + "_test_" + std::to_string(getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

// A study's run(argc, argv, out, err).
using study_run = int (*)(int, const char* const*, std::ostream&, std::ostream&);

// Runs `program ARGS` in-process; returns the exit status and the standard output in out_text.
inline int run_study(study_run run, const std::string& program, std::vector<std::string> args,
                     std::string* out_text = nullptr) {
  args.insert(args.begin(), program);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int status = run(static_cast<int>(argv.size()), argv.data(), out, err);
  if (out_text) *out_text = out.str();
  return status;
}

// Starts the binary with stdout and stderr into `log`; returns its pid.
inline pid_t spawn(const char* binary, const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv{const_cast<char*>(binary)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for pid; returns its exit status, or minus the signal that killed it.
inline int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Checks that two files hold the same runs: equal attributes, datasets equal bit for bit (NaN
// marks unused slots, so doubles are compared as bits).
inline void check_same_runs(const file_contents& a, const file_contents& b) {
  REQUIRE(a.runs.size() == b.runs.size());
  for (const auto& [name, r] : a.runs) {
    REQUIRE(b.runs.count(name) == 1);
    const record& s = b.runs.at(name);
    CHECK_MESSAGE(r.attrs == s.attrs, name);
    REQUIRE(r.datasets.size() == s.datasets.size());
    for (std::size_t i = 0; i < r.datasets.size(); ++i) {
      const dataset& x = r.datasets[i];
      const dataset& y = s.datasets[i];
      CHECK(x.shape == y.shape);
      if (x.data.index() == 0) {
        bool same = x.doubles().size() == y.doubles().size();
        for (std::size_t k = 0; same && k < x.doubles().size(); ++k)
          same = __builtin_bit_cast(std::uint64_t, x.doubles()[k]) == __builtin_bit_cast(std::uint64_t, y.doubles()[k]);
        CHECK_MESSAGE(same, name << "/" << x.name);
      } else {
        CHECK_MESSAGE(x.integers() == y.integers(), name << "/" << x.name);
      }
    }
  }
}

}  // namespace lowp::study::testing
