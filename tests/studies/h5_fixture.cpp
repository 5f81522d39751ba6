// Writes a result file with known contents for h5py_check.py (the h5py half of the round trip).
#include <cmath>
#include <cstdio>
#include <limits>

#include "lowp/study/results.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: h5_fixture FILE\n");
    return 2;
  }
  using namespace lowp::study;
  result_writer w(argv[1], false, "fixture", "k=v", 1e9);
  w.set_root("seed", std::int64_t{42});
  w.set_root("note", std::string("\u03bb = 3"));
  record r;
  r.name = "run_1";
  r.set("format", std::string("E4M3,bias=9")).set("count", std::int64_t{-7}).set("u", 0x1p-11);
  std::vector<double> big(5000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i) * 0.5;
  r.add("big", big, "s", {50, 100});
  r.add("special", std::vector<double>{-0.0, std::numeric_limits<double>::infinity(), 0x1p-1074, std::nan("")}, "1");
  r.add("ints", std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int64_t>::max()}, "count");
  w.write_run(r);
  record c;
  c.name = "claim_a";
  c.set("pass", std::int64_t{1}).set("measured", 0.25).set("statement", std::string("holds"));
  w.write_claim(c);
  w.commit();
  return 0;
}
