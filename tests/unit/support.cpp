#include "support.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

namespace test {

std::string source_root() {
  const char* r = std::getenv("DICOMSCRUB_SOURCE_ROOT");
  return r ? r : ".";
}

std::string data_path(const std::string& name) { return source_root() + "/tests/data/" + name; }

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

std::vector<std::string> list_files(const std::string& dir, bool recursive) {
  std::vector<std::string> out;
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) return out;
  auto add = [&](const fs::directory_entry& e) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  };
  if (recursive) for (auto& e : fs::recursive_directory_iterator(dir)) add(e);
  else for (auto& e : fs::directory_iterator(dir)) add(e);
  std::sort(out.begin(), out.end());
  return out;
}

Enc& Enc::u16(std::uint16_t v) {
  if (big_endian) { out.push_back(std::uint8_t(v >> 8)); out.push_back(std::uint8_t(v)); }
  else { out.push_back(std::uint8_t(v)); out.push_back(std::uint8_t(v >> 8)); }
  return *this;
}

Enc& Enc::u32(std::uint32_t v) {
  if (big_endian) { u16(std::uint16_t(v >> 16)); u16(std::uint16_t(v)); }
  else { u16(std::uint16_t(v)); u16(std::uint16_t(v >> 16)); }
  return *this;
}

Enc& Enc::raw(const std::string& s) { out.insert(out.end(), s.begin(), s.end()); return *this; }
Enc& Enc::raw(const std::vector<std::uint8_t>& b) { out.insert(out.end(), b.begin(), b.end()); return *this; }

Enc& Enc::header(std::uint16_t g, std::uint16_t e, const char* vr, std::uint32_t length) {
  tag(g, e);
  if (!explicit_vr) return u32(length);
  raw(std::string(vr, 2));
  static const std::string_view longs = "OB OD OF OL OV OW SQ SV UC UN UR UT UV";
  if (longs.find(std::string_view(vr, 2)) != std::string_view::npos) return u16(0).u32(length);
  return u16(std::uint16_t(length));
}

Enc& Enc::element(std::uint16_t g, std::uint16_t e, const char* vr, const std::string& value) {
  std::string v = value;
  if (v.size() % 2) v += (std::string_view(vr, 2) == "UI") ? '\0' : ' ';
  header(g, e, vr, std::uint32_t(v.size()));
  return raw(v);
}

std::vector<std::uint8_t> write_part10_with_pixels(const std::string& path, const std::vector<std::uint8_t>& pixels,
                                                   const Enc& extra_meta) {
  Enc e;
  e.raw(std::string(128, '\0')).raw("DICM");
  Enc meta;
  meta.element(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1").raw(extra_meta.out);
  e.header(0x0002, 0x0000, "UL", 4).u32(std::uint32_t(meta.out.size())).raw(meta.out);
  e.element(0x0008, 0x0018, "UI", "1.2.3.4.5");
  e.header(0x7FE0, 0x0010, "OW", std::uint32_t(pixels.size())).raw(pixels);
  std::ofstream o(path, std::ios::binary);
  o.write(reinterpret_cast<const char*>(e.out.data()), std::streamsize(e.out.size()));
  return e.out;
}

}  // namespace test
