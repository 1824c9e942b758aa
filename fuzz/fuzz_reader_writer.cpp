// fuzz/fuzz_reader_writer.cpp — libFuzzer target for the parser, writer and dump renderers.
//
// Properties checked on top of "no crash, no leak, no UB":
//  - whatever parses writes back to the identical bytes (our fidelity promise);
//  - after an edit (a name set, an ID removed, as de-identification does) the file is still
//    written, the written bytes read back with the edit in place, and writing twice gives the
//    same bytes (determinism).
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "dump/dump.hpp"
#include "invariants.hpp"

using namespace dicomscrub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ReadOptions opt;
  opt.max_elements = 100000;
  opt.max_inflated_size = 16u << 20;
  auto file = read_buffer(Bytes(data, size), opt);
  if (!file) {
    (void)file.error().message();
    return 0;
  }
  (void)dump::to_text(*file);
  (void)dump::to_json(*file, {true, false});
  auto out = write_to_buffer(*file);
  fuzzcheck::require(out.ok(), "parsed but cannot be written");
  fuzzcheck::require(out->size() == size && std::memcmp(out->data(), data, size) == 0, "unedited file not written byte-identical");

  const Tag name(0x0010, 0x0010), id(0x0010, 0x0020);
  file->dataset.set_string(name, vrs::PN, "EDITED^NAME");
  file->dataset.remove(id);
  auto edited = write_to_buffer(*file);
  if (!edited) return 0;  // refusing to write is allowed (e.g. a value too long for its VR); crashing is not
  auto twice = write_to_buffer(*file);
  fuzzcheck::require(twice.ok() && *twice == *edited, "same edit written twice, different bytes");
  auto again = read_buffer(Bytes(edited->data(), edited->size()), opt);
  fuzzcheck::require(again.ok(), "edited file written that does not read back");
  fuzzcheck::require(again->dataset.get_string(name) == std::optional<std::string>("EDITED^NAME"), "edited name not read back");
  fuzzcheck::require(again->dataset.find(id) == nullptr, "removed element read back");
  return 0;
}
