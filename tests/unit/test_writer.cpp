// Writer: edits get recomputed lengths; unedited parts stay as they were; outputs are atomic.
#include <doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "support.hpp"

using namespace dicomscrub;
using test::Enc;

namespace {
DicomFile must_read(const std::vector<std::uint8_t>& bytes, const std::string& ts = {}) {
  ReadOptions o;
  o.transfer_syntax = ts;
  // The file owns a copy: callers pass temporaries.
  auto f = read_source(owning_memory_source(bytes), o, "test");
  REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message()));
  return std::move(f).value();
}
}  // namespace

TEST_CASE("writer: editing inside a defined-length item recomputes item and sequence lengths") {
  Enc e;
  Enc item_body;
  item_body.element(0x0008, 0x1150, "UI", "1.2.3").element(0x0008, 0x1155, "UI", "1.2.3.4");
  e.header(0x0008, 0x1140, "SQ", std::uint32_t(item_body.out.size() + 8)).item(std::uint32_t(item_body.out.size())).raw(item_body.out);
  e.element(0x0010, 0x0010, "PN", "Doe^Jane");
  auto f = must_read(e.out, "1.2.840.10008.1.2.1");
  Dataset& item = f.dataset.elements()[0].items[0].dataset;
  item.set_string(Tag(0x0008, 0x1155), vrs::UI, "2.25.123456789012345678901234567890");
  auto out = write_to_buffer(f);
  REQUIRE(out.ok());
  auto g = must_read(*out, "1.2.840.10008.1.2.1");
  const Element& sq = g.dataset.elements()[0];
  CHECK(sq.length == 8 + 14 + 8 + 36);  // item header + UI(5->6) + header + new UID (35 -> 36)
  CHECK(sq.items[0].length == 14 + 8 + 36);
  CHECK(sq.items[0].dataset.get_string(Tag(0x0008, 0x1155)) == "2.25.123456789012345678901234567890");
  CHECK(g.dataset.get_string(Tag(0x0010, 0x0010)) == "Doe^Jane");
}

TEST_CASE("writer: group lengths are recomputed only in modified data sets") {
  Enc e;
  e.header(0x0010, 0x0000, "UL", 4).u32(999);  // wrong on purpose: kept while unedited
  e.element(0x0010, 0x0010, "PN", "Doe^Jane").element(0x0010, 0x0020, "LO", "MRN1");
  auto f = must_read(e.out, "1.2.840.10008.1.2.1");
  CHECK(*write_to_buffer(f) == e.out);
  f.dataset.remove(Tag(0x0010, 0x0020));
  auto g = must_read(*write_to_buffer(f), "1.2.840.10008.1.2.1");
  auto b = g.dataset.find(Tag(0x0010, 0x0000))->value.bytes();
  REQUIRE(b);
  CHECK((*b)[0] == 16);  // only PatientName (8 + 8) is left in group 0010
}

TEST_CASE("writer: rebuilt file meta tells the truth and names us") {
  auto f = must_read(test::read_bytes(test::data_path("raw_implicit.dcm")));
  CHECK(f.meta.elements().empty());
  rebuild_file_meta(f);
  auto out = write_to_buffer(f);
  REQUIRE(out.ok());
  auto g = must_read(*out);
  CHECK(g.has_preamble);
  CHECK(g.transfer_syntax_uid == "1.2.840.10008.1.2");
  CHECK(g.meta.get_string(Tag(0x0002, 0x0012)) == kImplementationClassUid);
  CHECK(g.meta.get_string(Tag(0x0002, 0x0003)) == g.dataset.get_string(Tag(0x0008, 0x0018)));
  // The group length covers exactly the rest of the meta group.
  auto gl = g.meta.find(Tag(0x0002, 0x0000))->value.bytes();
  std::uint32_t len = (*gl)[0] | ((*gl)[1] << 8) | ((*gl)[2] << 16) | ((*gl)[3] << 24);
  CHECK(132 + 12 + len == g.dataset_offset);
}

TEST_CASE("writer: an edited deflated data set is deflated again and reads back") {
  auto in = test::read_bytes(test::data_path("sr_deflated.dcm"));
  auto f = must_read(in);
  CHECK(f.encoding.deflated);
  CHECK(*write_to_buffer(f) == in);  // unedited: the compressed bytes as they were
  f.dataset.set_string(Tag(0x0010, 0x0010), vrs::PN, "Anon^Ymous");
  auto g = must_read(*write_to_buffer(f));
  CHECK(g.dataset.get_string(Tag(0x0010, 0x0010)) == "Anon^Ymous");
  CHECK(g.dataset.elements().size() == f.dataset.elements().size());
}

TEST_CASE("writer: atomic output: no partial file, no overwrite, no temporary left behind") {
  namespace fs = std::filesystem;
  auto f = must_read(test::read_bytes(test::data_path("ct_explicit_le.dcm")));
  fs::path dir = fs::temp_directory_path() / "dicomscrub_unit_atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string out = (dir / "out.dcm").string();
  REQUIRE(write_file_atomically(f, out).ok());
  auto again = write_file_atomically(f, out);
  CHECK_FALSE(again.ok());  // refuses to replace
  CHECK(write_file_atomically(f, out, {true, true}).ok());  // replace, with fsync
  // A folder we cannot write to: an error, and nothing created.
  fs::path ro = dir / "readonly";
  fs::create_directories(ro);
  ::chmod(ro.c_str(), 0555);
  bool root = ::geteuid() == 0;  // root ignores permissions; use a missing folder instead
  std::string bad = root ? (dir / "missing" / "x.dcm").string() : (ro / "x.dcm").string();
  auto st = write_file_atomically(f, bad);
  CHECK_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::io);
  std::size_t count = 0;
  for (auto& p : fs::recursive_directory_iterator(dir)) count += p.is_regular_file();
  CHECK(count == 1);  // only out.dcm
  ::chmod(ro.c_str(), 0755);
  fs::remove_all(dir);
}

namespace {

// Writes `px` as Pixel Data after the meta elements of `meta`, reads it, gives it a SOP Instance UID
// of another length (the header changes size), aligns and writes it again: the output's bytes and
// where Pixel Data's value starts in the input and in the output.
struct AlignedRoundTrip {
  std::vector<std::uint8_t> bytes;
  std::uint64_t in_offset = 0, out_offset = 0;
  bool same_pixels = false;
};

AlignedRoundTrip round_trip_aligned(const std::string& name, const std::vector<std::uint8_t>& px, Enc& meta, const char* new_uid) {
  const std::string in = "/tmp/dicomscrub_unit_" + name + ".dcm", out = "/tmp/dicomscrub_unit_" + name + "_out.dcm";
  AlignedRoundTrip r;
  r.in_offset = test::write_part10_with_pixels(in, px, meta).size() - px.size();
  std::remove(out.c_str());
  auto f = read_file(in, ReadOptions{{}, 64, 4000000, 256u << 20, 1 << 16, 1 << 16});
  REQUIRE(f.ok());
  f->dataset.set_string(Tag(0x0008, 0x0018), vrs::UI, new_uid);
  rebuild_file_meta(*f);
  CHECK(f->meta.find(Tag(0x0002, 0x0102)) == nullptr);
  align_bulk_data(*f);
  REQUIRE(write_file_atomically(*f, out).ok());
  r.bytes = test::read_bytes(out);
  auto g = read_source(owning_memory_source(r.bytes), {}, "out");
  REQUIRE(g.ok());
  const Element* pd = g->dataset.find(tags::pixel_data);
  REQUIRE(pd);
  r.out_offset = pd->value.source_offset();
  r.same_pixels = std::vector<std::uint8_t>(pd->value.bytes()->begin(), pd->value.bytes()->end()) == px;
  std::remove(in.c_str());
  std::remove(out.c_str());
  return r;
}

}  // namespace

TEST_CASE("writer: bulk data keeps its page offset; input Private Information never passes") {
  Enc private_info;  // a sender's private information in the meta group
  private_info.element(0x0002, 0x0100, "UI", "1.2.3.4").header(0x0002, 0x0102, "OB", 6).raw("Smith!");
  std::vector<std::uint8_t> px(3u << 20);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(i * 7);
  auto r = round_trip_aligned("align", px, private_info, "2.25.1234567");
  CHECK(r.out_offset % 4096 == r.in_offset % 4096);
  CHECK(r.same_pixels);
  CHECK(std::string(r.bytes.begin(), r.bytes.end()).find("Smith!") == std::string::npos);
}

TEST_CASE("writer: a large bulk value keeps its offset modulo 64 KiB (the page cache's large folios)") {
  // At another page index than in the input, even with the same offset within the page, ext4
  // copies the value in the kernel with 1.5x the CPU (bench/bulk_alignment.py).
  std::vector<std::uint8_t> px(16u << 20);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(i * 13);
  Enc none;
  auto r = round_trip_aligned("align64", px, none, "2.25.123456789012345678901234567890");  // longer header
  CHECK(r.out_offset % 65536 == r.in_offset % 65536);
  CHECK(r.out_offset < r.in_offset + 65536 + 128);  // no more padding than the unit
  CHECK(r.same_pixels);
}

TEST_CASE("writer: a tag a file holds twice is edited and removed as one attribute (fuzz_reader_writer finding)") {
  // Out-of-order duplicates are read as they are (fidelity); an edit or a removal reached only the
  // first copy, and the second was written out with the old value.
  Enc e;
  e.element(0x0010, 0x0010, "PN", "Doe^Jane").element(0x0010, 0x0020, "LO", "MRN1");
  e.element(0x0020, 0x0011, "IS", "3").element(0x0010, 0x0010, "PN", "Doe^Janet").element(0x0010, 0x0020, "SH", "MRN2");
  auto f = must_read(e.out, "1.2.840.10008.1.2.1");
  CHECK(*write_to_buffer(f) == e.out);
  f.dataset.set_string(Tag(0x0010, 0x0010), vrs::PN, "EDITED");
  CHECK(f.dataset.remove(Tag(0x0010, 0x0020)));
  auto g = must_read(*write_to_buffer(f), "1.2.840.10008.1.2.1");
  int names = 0;
  for (const auto& el : g.dataset.elements()) {
    names += el.tag == Tag(0x0010, 0x0010);
    CHECK(el.tag != Tag(0x0010, 0x0020));
  }
  CHECK(names == 1);
  CHECK(g.dataset.get_string(Tag(0x0010, 0x0010)) == "EDITED");
  CHECK_FALSE(g.dataset.remove(Tag(0x0010, 0x0020)));
}
