// bench/codestream_cost.cpp — what lib/codestream costs per instance: for encapsulated pixel data,
// time per frame of parsing and filtering its codestream (a clean stream, so the element is left
// as it is, which is the common case); for native data, the unused-bits check (one OR pass over
// the value, mapped from the file). Prints one markdown row per file: median of --rounds runs.
//   codestream_cost [--rounds N] FILE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "image/pixel_data.hpp"
#include "dicomscrub/reader.hpp"

using namespace dicomscrub;

int main(int argc, char** argv) {
  int rounds = 21;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else files.push_back(argv[i]);
  }
  std::printf("| file | transfer syntax | frames | MB | per frame µs | MB/s | result |\n|---|---|---:|---:|---:|---:|---|\n");
  for (const auto& path : files) {
    auto file = read_file(path);
    if (!file) { std::fprintf(stderr, "%s\n", file.error().message().c_str()); return 1; }
    Element* px = file->dataset.find(Tag(0x7FE0, 0x0010));
    if (!px) continue;
    const codestream::PixelShape shape = codestream::shape_of(*file);
    std::uint64_t bytes = px->value.size();
    for (const auto& f : px->fragments) bytes += f.value.size();
    std::vector<double> times;
    std::string result;
    for (int r = 0; r < rounds; ++r) {
      Element copy = *px;  // a changed element would otherwise be clean from the second round on
      auto t0 = std::chrono::steady_clock::now();
      auto done = copy.form == ElementForm::encapsulated ? codestream::filter_encapsulated(copy, shape, std::uint64_t(1) << 30)
                                                         : codestream::clean_native(copy, shape, std::uint64_t(1) << 30);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      result = done ? (done->empty() ? "untouched" : "cleaned") : "refused: " + done.error().reason;
    }
    std::nth_element(times.begin(), times.begin() + std::ptrdiff_t(times.size() / 2), times.end());
    const double t = times[times.size() / 2];
    std::printf("| %s | %s | %u | %.1f | %.1f | %.0f | %s |\n", path.substr(path.find_last_of('/') + 1).c_str(),
                file->transfer_syntax_uid.c_str(), shape.frames, double(bytes) / 1e6, t / shape.frames * 1e6,
                double(bytes) / 1e6 / t, result.c_str());
  }
  return 0;
}
