// tests/unit/support.hpp — helpers shared by the unit tests: paths, file bytes, and a tiny
// independent encoder for hand-built data sets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace test {

std::string source_root();
std::string data_path(const std::string& name);  // tests/data/NAME
std::vector<std::uint8_t> read_bytes(const std::string& path);
std::vector<std::string> list_files(const std::string& dir, bool recursive = false);

// Builds encoded bytes; each call appends.
struct Enc {
  bool explicit_vr = true;
  bool big_endian = false;
  std::vector<std::uint8_t> out;

  Enc& u16(std::uint16_t v);
  Enc& u32(std::uint32_t v);
  Enc& raw(const std::string& s);
  Enc& raw(const std::vector<std::uint8_t>& b);
  Enc& tag(std::uint16_t g, std::uint16_t e) { return u16(g).u16(e); }
  // A complete element with an even-padded string value.
  Enc& element(std::uint16_t g, std::uint16_t e, const char* vr, const std::string& value);
  Enc& header(std::uint16_t g, std::uint16_t e, const char* vr, std::uint32_t length);
  Enc& item(std::uint32_t length) { return tag(0xFFFE, 0xE000).u32(length); }
  Enc& item_end() { return tag(0xFFFE, 0xE00D).u32(0); }
  Enc& seq_end() { return tag(0xFFFE, 0xE0DD).u32(0); }
};

// A Part 10 file (Explicit VR LE): meta group (plus `extra_meta`), SOP Instance UID, and OW pixel
// data `pixels`; written to `path`. Returns the bytes written.
std::vector<std::uint8_t> write_part10_with_pixels(const std::string& path, const std::vector<std::uint8_t>& pixels,
                                                   const Enc& extra_meta = {});

}  // namespace test
