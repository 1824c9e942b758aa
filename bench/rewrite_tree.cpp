// bench/rewrite_tree.cpp — read and write back every file of a folder with our reader/writer,
// in one process (what a batch does), for the throughput benchmark.
#include <cstdio>
#include <filesystem>
#include <string>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: rewrite_tree SRC_DIR DST_DIR\n"); return 2; }
  namespace fs = std::filesystem;
  fs::create_directories(argv[2]);
  int failed = 0;
  for (const auto& e : fs::directory_iterator(argv[1])) {
    if (!e.is_regular_file()) continue;
    auto f = dicomscrub::read_file(e.path().string());
    if (!f) { std::fprintf(stderr, "%s\n", f.error().message().c_str()); ++failed; continue; }
    auto st = dicomscrub::write_file_atomically(*f, (fs::path(argv[2]) / e.path().filename()).string());
    if (!st) { std::fprintf(stderr, "%s\n", st.error().message().c_str()); ++failed; }
  }
  return failed ? 1 : 0;
}
