// tests/unit/corpus_roundtrip.cpp — extended run over ../shared/corpus (or $DICOMSCRUB_CORPUS):
// every well-formed file round-trips byte-identical; each known-malformed file fails with a
// located error. Exit 77 (skip) when the corpus is absent, so a clean clone still passes.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "support.hpp"

using namespace dicomscrub;

int main() {
  const char* env = std::getenv("DICOMSCRUB_CORPUS");
  std::string corpus = env ? env : test::source_root() + "/../shared/corpus";
  if (!std::filesystem::is_directory(corpus)) {
    std::printf("SKIP: no corpus at %s\n", corpus.c_str());
    return 77;
  }
  // Checked by hand (hex dumps); GDCM rejects or crashes on the first four too.
  const std::map<std::string, std::string> malformed = {
      {"FreezePattern.dcm", "an empty item follows a zero-length sequence at data set level"},
      {"GH364.dcm", "an item appears at data set level where its sequence header is missing"},
      {"DICOMDIR-nooffset", "item 51's length runs past the end of its sequence"},
      {"MR_truncated.dcm", "pixel data value runs past the end of the file"},
      {"README.txt", "not DICOM"},
      {"no_meta.dcm", "starts one byte off: no element header at offset 0"},
      {"test1.json", "not DICOM"},
  };
  int ok = 0, bad = 0, expected_errors = 0;
  for (const auto& path : test::list_files(corpus, true)) {
    std::string name = std::filesystem::path(path).filename().string();
    if (name == "MANIFEST.tsv" || name == "README.md") continue;
    auto f = read_file(path);
    auto known = malformed.find(name);
    if (!f) {
      if (known != malformed.end() && f.error().message().find(" offset ") != std::string::npos) { ++expected_errors; continue; }
      std::printf("FAIL %s: %s\n", path.c_str(), f.error().message().c_str());
      ++bad;
      continue;
    }
    if (known != malformed.end()) { std::printf("FAIL %s: read although malformed (%s)\n", path.c_str(), known->second.c_str()); ++bad; continue; }
    auto out = write_to_buffer(*f);
    if (!out || *out != test::read_bytes(path)) { std::printf("FAIL %s: round trip not byte-identical\n", path.c_str()); ++bad; continue; }
    ++ok;
  }
  std::printf("corpus: %d byte-identical round trips, %d malformed files rejected with located errors, %d failures\n", ok, expected_errors, bad);
  return (bad == 0 && ok > 0) ? 0 : 1;
}
