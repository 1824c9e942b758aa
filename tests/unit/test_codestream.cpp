// lib/image's codestream filters on hand-built streams (every marker kind and failure the filters meet), and the
// value rules of lib/deid (declared VR against the dictionary, repertoire of coded VRs). End-to-end
// cases with GDCM-written streams are in tests/python/test_regions.py.
#include <doctest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "image/codestream.hpp"
#include "image/pixel_data.hpp"
#include "deid/value_rules.hpp"

using namespace dicomscrub;

namespace {

using Buf = std::vector<std::uint8_t>;

Buf operator+(Buf a, const Buf& b) { a.insert(a.end(), b.begin(), b.end()); return a; }
Buf text(const std::string& s) { return Buf(s.begin(), s.end()); }
Buf seg(std::uint8_t m, const Buf& payload) {
  Buf b = {0xFF, m, std::uint8_t((payload.size() + 2) >> 8), std::uint8_t(payload.size() + 2)};
  return b + payload;
}
bool contains(const Buf& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// A minimal baseline JPEG's structure: SOI, DQT, SOF0, DHT, SOS, entropy data with a stuffed FF00
// and an RST, EOI. (Not decodable; the filter never decodes.)
Buf jpeg_core() {
  Buf b = {0xFF, 0xD8};
  b = b + seg(0xDB, Buf(65, 1)) + seg(0xC0, {8, 0, 8, 0, 8, 1, 1, 0x11, 0}) + seg(0xC4, Buf(20, 0));
  b = b + seg(0xDA, {1, 1, 0, 0, 63, 0}) + Buf{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56};
  return b + Buf{0xFF, 0xD9};
}

Buf j2k_core(bool com_in_tile) {
  Buf b = {0xFF, 0x4F};
  b = b + seg(0x51, Buf(38, 0)) + seg(0x52, Buf(10, 0)) + seg(0x5C, Buf(3, 0)) + seg(0x64, Buf{0, 1} + text("Wobblesworth"));
  Buf tile_header = com_in_tile ? seg(0x64, Buf{0, 1} + text("Henrietta")) : Buf{};
  Buf data = {0xFF, 0x93, 0x01, 0x02, 0x03};
  std::uint32_t psot = std::uint32_t(12 + tile_header.size() + data.size());
  Buf sot = {0xFF, 0x90, 0, 10, 0, 0, std::uint8_t(psot >> 24), std::uint8_t(psot >> 16), std::uint8_t(psot >> 8), std::uint8_t(psot), 0, 1};
  return b + sot + tile_header + data + Buf{0xFF, 0xD9};
}

}  // namespace

TEST_CASE("codestream: JPEG keeps coding segments, drops COM/APPn, stops at EOI") {
  Buf core = jpeg_core();
  auto clean = codestream::filter_jpeg(core);
  REQUIRE(clean.ok());
  CHECK(clean->bytes == core);  // nothing to drop: the same bytes
  CHECK(clean->consumed == core.size());
  Buf exif = seg(0xE1, text("Exif") + Buf{0, 0} + text("II*Wobblesworth"));
  Buf jfif = seg(0xE0, text("JFIF") + Buf{0, 1, 2, 0, 0, 1, 0, 1, 1, 1, 'X', 'Y', 'Z'});
  Buf adobe = seg(0xEE, text("Adobe") + Buf{0, 100, 0, 0, 0, 0, 1} + text("Henrietta"));
  Buf dirty = Buf{0xFF, 0xD8} + jfif + exif + adobe + seg(0xFE, text("Wobblesworth")) + Buf(core.begin() + 2, core.end()) + text("after");
  auto f = codestream::filter_jpeg(dirty);
  REQUIRE(f.ok());
  CHECK(f->consumed == dirty.size() - 5);
  CHECK_FALSE(contains(f->bytes, "Wobblesworth"));
  CHECK_FALSE(contains(f->bytes, "Henrietta"));
  CHECK_FALSE(contains(f->bytes, "XYZ"));  // the JFIF thumbnail
  CHECK(contains(f->bytes, "JFIF"));      // the colour model stays
  CHECK(contains(f->bytes, "Adobe"));
  CHECK(Buf(f->bytes.end() - std::ptrdiff_t(core.size() - 2), f->bytes.end()) == Buf(core.begin() + 2, core.end()));
  // Filtering is idempotent.
  auto again = codestream::filter_jpeg(f->bytes);
  REQUIRE(again.ok());
  CHECK(again->bytes == f->bytes);
}

TEST_CASE("codestream: JPEG-LS scans stuff a bit, not a byte") {
  Buf b = Buf{0xFF, 0xD8} + seg(0xF7, {8, 0, 8, 0, 8, 1, 1, 0x11, 0}) + seg(0xDA, {1, 1, 0, 0, 0, 0});
  b = b + Buf{0x10, 0xFF, 0x7F, 0x20, 0xFF, 0xD9};  // FF 7F is data in JPEG-LS
  auto f = codestream::filter_jpeg(b);
  REQUIRE(f.ok());
  CHECK(f->bytes == b);
}

TEST_CASE("codestream: streams that cannot be followed are refused") {
  CHECK_FALSE(codestream::filter_jpeg(text("Wobblesworth")).ok());
  Buf core = jpeg_core();
  CHECK_FALSE(codestream::filter_jpeg(Buf(core.begin(), core.end() - 2)).ok());  // no EOI
  CHECK_FALSE(codestream::filter_jpeg(Buf{0xFF, 0xD8} + seg(0x02, {1, 2}) + Buf(core.begin() + 2, core.end())).ok());  // reserved marker
  CHECK_FALSE(codestream::filter_jpeg(Buf{0xFF, 0xD8, 0xFF, 0xD9}).ok());  // no frame
  CHECK_FALSE(codestream::filter_j2k(text("Wobblesworth")).ok());
  Buf j = j2k_core(false);
  CHECK_FALSE(codestream::filter_j2k(Buf(j.begin(), j.end() - 2)).ok());  // no EOC
}

TEST_CASE("codestream: J2K COM goes from the main and tile-part headers, Psot follows") {
  Buf j = j2k_core(true);
  auto f = codestream::filter_j2k(j + text("trailing"));
  REQUIRE(f.ok());
  CHECK(f->consumed == j.size());
  CHECK_FALSE(contains(f->bytes, "Wobblesworth"));
  CHECK_FALSE(contains(f->bytes, "Henrietta"));
  CHECK(f->dropped.size() == 2);
  auto again = codestream::filter_j2k(f->bytes);  // the rewritten Psot is right: parses, same bytes
  REQUIRE(again.ok());
  CHECK(again->bytes == f->bytes);
  CHECK(again->dropped.empty());
}

TEST_CASE("codestream: JP2 keeps the image boxes only") {
  Buf cs = j2k_core(false);
  auto box = [](const char* t, const Buf& c) {
    std::uint32_t n = std::uint32_t(8 + c.size());
    return Buf{std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n)} + text(std::string(t, 4)) + c;
  };
  Buf jp2 = box("jP  ", {0x0D, 0x0A, 0x87, 0x0A}) + box("ftyp", text("jp2 ") + Buf(4, 0) + text("jp2 ")) +
            box("jp2h", box("ihdr", Buf(14, 1)) + box("res ", text("Wobblesworth"))) + box("xml ", text("<Henrietta/>")) +
            box("uuid", Buf(16, 7) + text("Henrietta")) + box("jp2c", cs) + box("xml ", text("Wobblesworth"));
  auto f = codestream::filter_j2k(jp2);
  REQUIRE(f.ok());
  CHECK_FALSE(contains(f->bytes, "Wobblesworth"));
  CHECK_FALSE(contains(f->bytes, "Henrietta"));
  CHECK(contains(f->bytes, "ihdr"));
  CHECK(contains(f->bytes, "jp2c"));
}

TEST_CASE("codestream: RLE keeps the planes, zeroes unused offsets, drops segment tails") {
  // One segment of 6 bytes: literal 3 (1,2,3) + replicate 3 x 9; then text after the plane.
  Buf frame(64, 0);
  frame[0] = 1; frame[4] = 64;
  std::memcpy(frame.data() + 12, "Wobb", 4);  // text in an unused offset slot
  frame = frame + Buf{2, 1, 2, 3, 0xFE, 9} + text("Wobblesworth");
  auto f = codestream::filter_rle(frame, 1, 6);
  REQUIRE(f.ok());
  CHECK(f->bytes.size() == 64 + 6);
  CHECK(f->bytes[12] == 0);
  CHECK(Buf(f->bytes.begin() + 64, f->bytes.end()) == Buf{2, 1, 2, 3, 0xFE, 9});
  CHECK_FALSE(codestream::filter_rle(frame, 2, 6).ok());    // segment count disagrees with the image
  CHECK_FALSE(codestream::filter_rle(frame, 1, 600).ok());  // plane longer than the segment
}

TEST_CASE("codestream: native unused bits cleared, sign extension and clean data left alone") {
  auto element = [](const std::vector<std::uint16_t>& w) {
    Element e;
    e.tag = Tag(0x7FE0, 0x0010);
    e.vr = vrs::OW;
    Buf b(w.size() * 2);
    std::memcpy(b.data(), w.data(), b.size());
    e.value = Value::owned(b);
    e.length = std::uint32_t(b.size());
    return e;
  };
  codestream::PixelShape s;
  s.rows = 2; s.cols = 2; s.bits_allocated = 16; s.bits_stored = 12; s.high_bit = 11;
  Element clean = element({0x0123, 0x0FFF, 0, 7});
  auto r = codestream::clean_native(clean, s, 1 << 20);
  REQUIRE(r.ok());
  CHECK(r->empty());
  Element overlay = element({0x8123, 0x0FFF, 0xF000, 7});
  r = codestream::clean_native(overlay, s, 1 << 20);
  REQUIRE(r.ok());
  CHECK_FALSE(r->empty());
  auto b = overlay.value.bytes();
  std::vector<std::uint16_t> got(4);
  std::memcpy(got.data(), b->data(), 8);
  CHECK(got == std::vector<std::uint16_t>{0x0123, 0x0FFF, 0, 7});
  s.is_signed = true;  // -1 sign-extended is sound; garbage above a positive sample is not
  Element signed_px = element({0xFFFF, 0x07FF, 0x8001, 0xF800});
  r = codestream::clean_native(signed_px, s, 1 << 20);
  REQUIRE(r.ok());
  b = signed_px.value.bytes();
  std::memcpy(got.data(), b->data(), 8);
  CHECK(got == std::vector<std::uint16_t>{0xFFFF, 0x07FF, 0x0001, 0xF800});
  Element longer = element({1, 2, 3, 4, 0x6F57, 0x6262});  // "Wobb" after the last frame
  s.is_signed = false;
  r = codestream::clean_native(longer, s, 1 << 20);
  REQUIRE(r.ok());
  CHECK(longer.value.size() == 8);
}

TEST_CASE("deid value rules: the dictionary decides the VR, coded values their repertoire") {
  Element e;
  e.tag = Tag(0x0018, 0x0015);  // Body Part Examined, CS
  e.vr = vrs::OB;
  e.value = Value::owned(text("Wobblesworth"));
  CHECK(deid::judge_vr(e, false).kind == deid::VrJudgement::Kind::remove);
  e.vr = vrs::UN;
  auto j = deid::judge_vr(e, false);
  CHECK(j.kind == deid::VrJudgement::Kind::reinterpret);
  CHECK(j.vr == vrs::CS);
  e.vr = vrs::UT;
  CHECK(deid::judge_vr(e, false).kind == deid::VrJudgement::Kind::reinterpret);
  e.tag = Tag(0x7FE0, 0x0010);
  e.vr = vrs::OW;  // OB or OW: both are Pixel Data
  CHECK(deid::judge_vr(e, false).kind == deid::VrJudgement::Kind::agree);
  e.tag = Tag(0x0009, 0x1001);  // private: no dictionary to judge by
  e.vr = vrs::OB;
  CHECK(deid::judge_vr(e, false).kind == deid::VrJudgement::Kind::agree);
  CHECK(deid::conforms(vrs::CS, "ORIGINAL\\PRIMARY\\AXIAL "));
  CHECK_FALSE(deid::conforms(vrs::CS, "Wobblesworth"));
  CHECK(deid::conforms(vrs::IS, " -12\\3"));
  CHECK_FALSE(deid::conforms(vrs::IS, "1A"));
  CHECK(deid::conforms(vrs::DS, "1.5e-3\\ 2 "));
  CHECK_FALSE(deid::conforms(vrs::DS, "Henrietta"));
  CHECK(deid::conforms(vrs::UI, std::string("1.2.840.10008.1.2\0", 18)));
  CHECK_FALSE(deid::conforms(vrs::UI, "1.2.Wobble"));
  CHECK(deid::conforms(vrs::AS, "045Y"));
  CHECK_FALSE(deid::conforms(vrs::AS, "WB77"));
  CHECK(deid::conforms(vrs::DA, "20240102"));
  CHECK_FALSE(deid::conforms(vrs::TM, "noon"));
  CHECK(deid::conforms(vrs::LO, "anything at all"));  // text VRs have no repertoire rule here
}
