// bench/gdcm_rewrite_tree.cpp — the same job with GDCM's Reader and Writer, as the peer baseline.
#include <gdcmReader.h>
#include <gdcmWriter.h>

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: gdcm_rewrite_tree SRC_DIR DST_DIR\n"); return 2; }
  namespace fs = std::filesystem;
  fs::create_directories(argv[2]);
  int failed = 0;
  for (const auto& e : fs::directory_iterator(argv[1])) {
    if (!e.is_regular_file()) continue;
    gdcm::Reader r;
    r.SetFileName(e.path().c_str());
    if (!r.Read()) { ++failed; continue; }
    gdcm::Writer w;
    w.SetFile(r.GetFile());
    w.SetFileName((fs::path(argv[2]) / e.path().filename()).c_str());
    if (!w.Write()) ++failed;
  }
  return failed ? 1 : 0;
}
