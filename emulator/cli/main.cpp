// The `lowp` executable: runs lowp::cli::run_cli on file descriptors 0, 1 and 2.
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <streambuf>
#include <system_error>
#include <vector>

#include "lowp_cli.hpp"

namespace {

// Reads a file descriptor in large blocks. One read() per refill, which returns what a pipe or
// terminal holds, so run_cli can answer each line before it blocks for the next.
class fd_inbuf : public std::streambuf {
 public:
  explicit fd_inbuf(int fd) : fd_(fd), buf_(std::size_t{1} << 20) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    ssize_t n;
    do n = ::read(fd_, buf_.data(), buf_.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) throw std::system_error(errno, std::generic_category(), "reading stdin");
    if (n == 0) return traits_type::eof();
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  int fd_;
  std::vector<char> buf_;
};

// Writes to a file descriptor without buffering of its own: run_cli already writes in blocks.
class fd_outbuf : public std::streambuf {
 public:
  explicit fd_outbuf(int fd) : fd_(fd) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      const ssize_t k = ::write(fd_, s + done, static_cast<std::size_t>(n - done));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      done += k;
    }
    return done;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  int fd_;
};

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  fd_inbuf in_buf(0);
  fd_outbuf out_buf(1);
  std::istream in(&in_buf);
  std::ostream out(&out_buf);
  return lowp::cli::run_cli(argc, argv, in, out, std::cerr);
}
