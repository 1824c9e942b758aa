// Reader edge cases on hand-built data sets: one encoding feature per case.
#include <doctest.h>

#include <cstdio>
#include <fstream>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "support.hpp"

using namespace dicomscrub;
using test::Enc;

namespace {

Result<DicomFile> parse(const Enc& e, const std::string& ts = {}) {
  ReadOptions o;
  o.transfer_syntax = ts;
  return read_buffer(Bytes(e.out.data(), e.out.size()), o, "test");
}

void require_round_trip(const Enc& e, const std::string& ts = {}) {
  auto f = parse(e, ts);
  REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message()));
  auto out = write_to_buffer(*f);
  REQUIRE(out.ok());
  CHECK(*out == e.out);
}

}  // namespace

TEST_CASE("reader: explicit VR little endian, short and long length forms") {
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.3").element(0x0010, 0x0010, "PN", "Doe^Jane");
  e.header(0x0010, 0x4000, "UT", 4).raw("abcd");
  auto f = parse(e, "1.2.840.10008.1.2.1");
  REQUIRE(f.ok());
  const auto& els = f->dataset.elements();
  REQUIRE(els.size() == 3);
  CHECK(els[1].vr == vrs::PN);
  CHECK(els[1].length == 8);
  CHECK(els[2].vr == vrs::UT);
  CHECK(els[2].offset == 30);  // 8+6 (UI padded) + 8+8
  CHECK(f->dataset.get_string(Tag(0x0010, 0x0010)) == "Doe^Jane");
  require_round_trip(e, "1.2.840.10008.1.2.1");
}

TEST_CASE("reader: implicit VR takes VRs from the dictionary") {
  Enc e{false, false, {}};
  e.element(0x0008, 0x0016, "UI", "1.2.3").element(0x0010, 0x0010, "PN", "Doe^Jane").element(0x0009, 0x0010, "LO", "ACME");
  auto f = parse(e, "1.2.840.10008.1.2");
  REQUIRE(f.ok());
  CHECK_FALSE(f->encoding.explicit_vr);
  CHECK(f->dataset.elements()[1].vr == vrs::PN);
  CHECK(f->dataset.elements()[2].vr == vrs::LO);
  require_round_trip(e, "1.2.840.10008.1.2");
}

TEST_CASE("reader: big endian headers and values") {
  Enc e{true, true, {}};
  e.header(0x0028, 0x0010, "US", 2).u16(512).element(0x0010, 0x0010, "PN", "A^B");
  auto f = parse(e, "1.2.840.10008.1.2.2");
  REQUIRE(f.ok());
  CHECK(f->encoding.big_endian);
  CHECK(f->dataset.elements()[0].tag == Tag(0x0028, 0x0010));
  auto b = f->dataset.elements()[0].value.bytes();
  REQUIRE(b);
  CHECK((*b)[0] == 0x02);  // 512 big endian
  require_round_trip(e, "1.2.840.10008.1.2.2");
}

TEST_CASE("reader: undefined-length sequences and items, nested") {
  Enc e;
  e.header(0x0008, 0x1140, "SQ", kUndefinedLength).item(kUndefinedLength);
  e.header(0x0008, 0x2218, "SQ", kUndefinedLength).item(kUndefinedLength).element(0x0008, 0x0100, "SH", "X").item_end().seq_end();
  e.item_end().item(0).seq_end();
  e.element(0x0010, 0x0010, "PN", "A^B");
  auto f = parse(e, "1.2.840.10008.1.2.1");
  REQUIRE(f.ok());
  const Element& sq = f->dataset.elements()[0];
  CHECK(sq.form == ElementForm::sequence);
  CHECK(sq.undefined_length());
  REQUIRE(sq.items.size() == 2);
  CHECK(sq.items[1].length == 0);
  const Element& inner = sq.items[0].dataset.elements()[0];
  REQUIRE(inner.items.size() == 1);
  CHECK(inner.items[0].dataset.get_string(Tag(0x0008, 0x0100)) == "X");
  require_round_trip(e, "1.2.840.10008.1.2.1");
}

TEST_CASE("reader: UN of undefined length is an implicit VR sequence (CP-246)") {
  Enc e;
  e.header(0x0009, 0x1010, "UN", kUndefinedLength);
  Enc inner{false, false, {}};
  inner.element(0x0010, 0x0010, "PN", "Hidden^Name");
  e.item(std::uint32_t(inner.out.size())).raw(inner.out).seq_end();
  auto f = parse(e, "1.2.840.10008.1.2.1");
  REQUIRE(f.ok());
  const Element& un = f->dataset.elements()[0];
  CHECK(un.implicit_items);
  REQUIRE(un.items.size() == 1);
  CHECK(un.items[0].dataset.elements()[0].vr == vrs::PN);
  require_round_trip(e, "1.2.840.10008.1.2.1");
}

TEST_CASE("reader: encapsulated pixel data with offset table and fragments") {
  Enc e;
  e.header(0x7FE0, 0x0010, "OB", kUndefinedLength).item(4).u32(0).item(6).raw("JPEG!!").item(2).raw("ok").seq_end();
  auto f = parse(e, "1.2.840.10008.1.2.4.50");
  REQUIRE(f.ok());
  const Element& px = f->dataset.elements()[0];
  CHECK(px.form == ElementForm::encapsulated);
  REQUIRE(px.fragments.size() == 3);
  CHECK(px.fragments[0].value.size() == 4);
  CHECK(px.fragments[2].value.size() == 2);
  require_round_trip(e, "1.2.840.10008.1.2.4.50");
}

TEST_CASE("reader: private blocks keep creators and elements in file order") {
  Enc e;
  e.element(0x0009, 0x0010, "LO", "ACME 1").element(0x0009, 0x0011, "LO", "OTHER").element(0x0009, 0x1001, "LO", "a").element(0x0009, 0x1101, "SH", "b");
  auto f = parse(e, "1.2.840.10008.1.2.1");
  REQUIRE(f.ok());
  CHECK(f->dataset.elements().size() == 4);
  CHECK(f->dataset.elements()[0].tag.is_private_creator());
  CHECK_FALSE(f->dataset.elements()[2].tag.is_private_creator());
  require_round_trip(e, "1.2.840.10008.1.2.1");
}

TEST_CASE("reader: odd lengths and VR bytes that are no VR survive a round trip") {
  Enc e;
  e.header(0x0010, 0x0010, "PN", 3).raw("A^B");
  e.tag(0x0028, 0x0120).raw("  ").u16(2).u16(0);  // seen in the wild: two spaces for a VR
  auto f = parse(e, "1.2.840.10008.1.2.1");
  REQUIRE(f.ok());
  CHECK(f->dataset.elements()[0].length == 3);
  CHECK(to_string(f->dataset.elements()[1].vr) == "  ");
  require_round_trip(e, "1.2.840.10008.1.2.1");
}

TEST_CASE("reader: raw data sets are detected when no transfer syntax is known") {
  Enc il{false, false, {}};
  il.element(0x0008, 0x0016, "UI", "1.2.3").element(0x0010, 0x0010, "PN", "A^B");
  auto f = parse(il);
  REQUIRE(f.ok());
  CHECK(f->encoding_detected);
  CHECK_FALSE(f->encoding.explicit_vr);
  Enc eb{true, true, {}};
  eb.element(0x0008, 0x0016, "UI", "1.2.3");
  auto g = parse(eb);
  REQUIRE(g.ok());
  CHECK(g->encoding.big_endian);
  CHECK(g->encoding.explicit_vr);
}

TEST_CASE("reader: limits: nesting depth and element count") {
  Enc e;
  for (int i = 0; i < 10; ++i) e.header(0x0008, 0x1140, "SQ", kUndefinedLength).item(kUndefinedLength);
  for (int i = 0; i < 10; ++i) e.item_end().seq_end();
  ReadOptions o;
  o.transfer_syntax = "1.2.840.10008.1.2.1";
  o.max_depth = 5;
  auto f = read_buffer(Bytes(e.out.data(), e.out.size()), o, "deep");
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().code == ErrorCode::limit_exceeded);
  CHECK(f.error().tag_path.find("(0008,1140)[0]/(0008,1140)[0]") == 0);
  o.max_depth = 64;
  o.max_elements = 5;
  auto g = read_buffer(Bytes(e.out.data(), e.out.size()), o, "many");
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().code == ErrorCode::limit_exceeded);
}

TEST_CASE("reader: a hostile length never allocates: error names offset and tag") {
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.3");
  e.header(0x0010, 0x4000, "UT", 0xFFFFFFF0u).raw("xx");
  auto f = parse(e, "1.2.840.10008.1.2.1");
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().code == ErrorCode::truncated);
  CHECK(f.error().offset == 14);
  CHECK(f.error().tag_path == "(0010,4000)");
  CHECK(f.error().message() == "test: offset 14 at (0010,4000): truncated: value length 4294967280 runs past the end of its container (2 bytes left)");
}

TEST_CASE("reader: large values in a file source stay in the file and stream through") {
  // 3 MB of pixel data; with a 64 KiB defer threshold the reader must not copy it.
  std::vector<std::uint8_t> px(3u << 20);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(i * 31);
  std::string in = "/tmp/dicomscrub_unit_big_in.dcm", out = "/tmp/dicomscrub_unit_big_out.dcm";
  auto written = test::write_part10_with_pixels(in, px);
  std::remove(out.c_str());
  ReadOptions o;
  o.whole_file_limit = 1 << 16;
  o.defer_threshold = 1 << 16;
  auto f = read_file(in, o);
  REQUIRE(f.ok());
  const Element* pd = f->dataset.find(tags::pixel_data);
  REQUIRE(pd);
  CHECK_FALSE(pd->value.bytes().has_value());  // left in the file
  REQUIRE(write_file_atomically(*f, out).ok());
  CHECK(test::read_bytes(out) == written);
  std::remove(in.c_str());
  std::remove(out.c_str());
}
