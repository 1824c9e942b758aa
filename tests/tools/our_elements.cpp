// tests/tools/our_elements.cpp — our reader's view of a file in gdcm_elements' format, plus the
// data set's encoding on the first line ("#explicit"/"#implicit"), for the differential test.
#include <cstdio>
#include <string>

#include "dicomscrub/reader.hpp"

namespace {

using namespace dicomscrub;

void walk(const Dataset& ds, const std::string& prefix, bool explicit_vr) {
  for (const auto& e : ds.elements()) {
    std::string path = prefix + e.tag.str();
    std::string vr = explicit_vr ? to_string(e.vr) : "--";
    std::string len = e.undefined_length() ? "undef" : std::to_string(e.length);
    std::printf("%s\t%s\t%s\n", path.c_str(), vr.c_str(), len.c_str());
    for (std::size_t i = 0; i < e.fragments.size(); ++i)
      std::printf("%s{%zu}\tfrag\t%u\n", path.c_str(), i, e.fragments[i].value.size());
    for (std::size_t i = 0; i < e.items.size(); ++i) {
      const Item& item = e.items[i];
      std::string ip = path + "[" + std::to_string(i) + "]";
      std::printf("%s\titem\t%s\n", ip.c_str(), item.undefined_length() ? "undef" : std::to_string(item.length).c_str());
      walk(item.dataset, ip + "/", explicit_vr && !e.implicit_items);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) { std::fprintf(stderr, "usage: our_elements FILE\n"); return 2; }
  auto file = read_file(argv[1]);
  if (!file) { std::fprintf(stderr, "%s\n", file.error().message().c_str()); return 1; }
  std::printf("#%s\n", file->encoding.explicit_vr ? "explicit" : "implicit");
  walk(file->meta, "", true);
  walk(file->dataset, "", file->encoding.explicit_vr);
  return 0;
}
