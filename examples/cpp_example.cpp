// examples/cpp_example.cpp — a PACS vendor's view: one file in, one file out, with the C++ API.
//   cpp_example INPUT OUTPUT   (a one-time key: pseudonyms will not match other runs)
// scrub_one is the library's one path from input to output bytes (read, de-identify, align, write),
// the same the CLI and the C ABI take, so this program writes what they would.
#include <cstdio>

#include "dicomscrub/batch.hpp"
#include "dicomscrub/deid.hpp"

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]); return 2; }
  dicomscrub::DeidConfig config;
  config.options = {"retain_long_modified_dates"};
  auto engine = dicomscrub::Deidentifier::create(config);
  if (!engine) { std::fprintf(stderr, "%s\n", engine.error().message().c_str()); return 1; }
  dicomscrub::ScrubOutput to;
  to.to = dicomscrub::ScrubOutput::To::file;
  to.file = argv[2];
  dicomscrub::FileOutcome o = dicomscrub::scrub_one(*engine, argv[1], {}, to);
  switch (o.status) {
    case dicomscrub::FileStatus::written:
      std::printf("written: %s (%d elements removed)\n", argv[2], o.report.action_counts["remove"]);
      return 0;
    case dicomscrub::FileStatus::withheld:
      std::printf("withheld: %s\n", o.reason.c_str());
      return 3;
    default:
      std::fprintf(stderr, "%s\n", o.reason.c_str());
      return 1;
  }
}
