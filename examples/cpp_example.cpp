// examples/cpp_example.cpp — a PACS vendor's view: read, de-identify, write, with the C++ API.
//   cpp_example INPUT OUTPUT   (a one-time key: pseudonyms will not match other runs)
#include <cstdio>

#include "dicomscrub/deid.hpp"
#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]); return 2; }
  dicomscrub::DeidConfig config;
  config.options = {"retain_long_modified_dates"};
  auto engine = dicomscrub::Deidentifier::create(config);
  if (!engine) { std::fprintf(stderr, "%s\n", engine.error().message().c_str()); return 1; }
  auto file = dicomscrub::read_file(argv[1]);
  if (!file) { std::fprintf(stderr, "%s\n", file.error().message().c_str()); return 1; }
  auto report = engine->apply(*file);
  if (!report) { std::fprintf(stderr, "%s\n", report.error().message().c_str()); return 1; }
  if (report->withheld) { std::printf("withheld: %s\n", report->withhold_reason.c_str()); return 3; }
  if (auto st = dicomscrub::write_file_atomically(*file, argv[2]); !st) {
    std::fprintf(stderr, "%s\n", st.error().message().c_str());
    return 1;
  }
  std::printf("written: %s (%d elements removed)\n", argv[2], report->action_counts["remove"]);
  return 0;
}
