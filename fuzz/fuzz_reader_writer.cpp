// fuzz/fuzz_reader_writer.cpp — libFuzzer target for the parser, writer and dump renderers.
//
// Property checked on top of "no crash, no leak, no UB": whatever parses must write back to the
// identical bytes (our fidelity promise), and the written bytes must parse again.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "dump/dump.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dicomscrub::ReadOptions opt;
  opt.max_elements = 100000;
  opt.max_inflated_size = 16u << 20;
  auto file = dicomscrub::read_buffer(dicomscrub::Bytes(data, size), opt);
  if (!file) {
    (void)file.error().message();
    return 0;
  }
  (void)dicomscrub::dump::to_text(*file);
  (void)dicomscrub::dump::to_json(*file, {true, false});
  auto out = dicomscrub::write_to_buffer(*file);
  if (!out) std::abort();  // parsed but cannot be written
  if (out->size() != size || std::memcmp(out->data(), data, size) != 0) std::abort();  // not byte-identical
  return 0;
}
