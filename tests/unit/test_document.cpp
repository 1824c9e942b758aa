// tests/unit/test_document.cpp — the PDF cleaner on documents built here byte by byte: which spans
// the identifier check marks, how fonts are decoded (encodings, Differences, ToUnicode ranges),
// how many glyphs leave, and what falls back to rendering. Linked with the media module's code.
#include <doctest.h>

#include <string>
#include <vector>

#include "media/pdf_cleaner.hpp"

using namespace dicomscrub;

namespace {

phi::Detector patient() {
  phi::InstanceIdentifiers ids;
  for (const char* n : {"zebulon", "quixote", "müller"}) ids.names.push_back({n, phi::Kind::patient_name, false, false, 0});
  ids.ids = {{"88123456", "88123456", true}};
  ids.phones = {"5550123"};
  return phi::Detector(std::move(ids), {});
}

// A one-page PDF: `fonts` is the /Font dictionary's body, `extra` objects start at 5.
std::vector<std::uint8_t> pdf(const std::string& content, const std::string& fonts, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << " + fonts + " >> >> >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream"};
  objects.insert(objects.end(), extra.begin(), extra.end());
  std::string out = "%PDF-1.5\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t o : offsets) {
    std::string n = std::to_string(o);
    out += std::string(10 - n.size(), '0') + n + " 00000 n \n";
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return std::vector<std::uint8_t>(out.begin(), out.end());
}

document::CleanedPdf clean(const std::vector<std::uint8_t>& p) {
  return document::clean_pdf(Bytes(p.data(), p.size()), patient());
}

std::string stream_of(const std::string& body) {
  return "<< /Length " + std::to_string(body.size()) + " >>\nstream\n" + body + "\nendstream";
}

const std::string kHelvetica = "/F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

}  // namespace

TEST_CASE("identifying spans are byte ranges of the text, found through the identifier check") {
  using document::identifying_spans;
  auto spans = identifying_spans("Patient: Zebulon Quixote, MRN 88123456.", patient());
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].begin == 9);
  CHECK(spans[0].end == 16);
  CHECK(spans[1].begin == 17);
  CHECK(spans[1].end == 24);
  CHECK(spans[2].begin == 30);
  CHECK(spans[2].end == 38);
  // The text's own asterisks are not taken for the check's marks.
  spans = identifying_spans("** Zebulon **", patient());
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].begin == 3);
  CHECK(spans[0].end == 10);
  // Phone numbers by their digits, separators and all.
  spans = identifying_spans("call (555) 0123 now", patient());
  REQUIRE(spans.size() == 1);
  CHECK(std::string("call (555) 0123 now").substr(spans[0].begin, spans[0].end - spans[0].begin).find("555") != std::string::npos);
  CHECK(identifying_spans("CHEST PA, no acute findings", patient()).empty());
  // A name part with a few more letters is its inflection (lib/phi); a longer word is not.
  CHECK(identifying_spans("Zebulonianism is a word, not the name", patient()).empty());
  CHECK(identifying_spans("Zebulonia", patient()).size() == 1);
}

TEST_CASE("WinAnsi text: the name's glyphs are removed and the rest of the page is kept") {
  auto r = clean(pdf("BT /F1 12 Tf 72 700 Td (Patient: Zebulon Quixote) Tj 0 -14 Td (CHEST PA) Tj ET", kHelvetica));
  REQUIRE(r.withhold_reason.empty());
  CHECK_FALSE(r.rasterized);
  CHECK(r.glyphs_removed == 14);
  // Cleaning the result again finds nothing.
  auto again = clean(r.bytes);
  CHECK(again.withhold_reason.empty());
  CHECK(again.glyphs_removed == 0);
}

TEST_CASE("MacRoman and /Differences decode letters beyond ASCII and glyphs named in the font") {
  // 0x9F is u-dieresis in MacRoman: "Müller".
  auto r = clean(pdf("BT /F1 12 Tf 72 700 Td (M\\237ller) Tj ET",
                     "/F1 << /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /MacRomanEncoding >>"));
  CHECK(r.withhold_reason.empty());
  CHECK(r.glyphs_removed == 6);
  // Codes 1..7 named Z e b u l o n by /Differences.
  r = clean(pdf("BT /F1 12 Tf 72 700 Td (\\001\\002\\003\\004\\005\\006\\007) Tj ET",
                "/F1 << /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Foo /Encoding << /Differences [1 /Z /e /b /u /l /o /n] >> >>"));
  CHECK(r.withhold_reason.empty());
  CHECK(r.glyphs_removed == 7);
}

TEST_CASE("ToUnicode ranges (both forms) spell composite-font codes") {
  const std::string cmap =
      "/CIDInit /ProcSet findresource begin begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
      "2 beginbfrange <0041> <005A> <0041> <0061> <0063> [<0061> <0062> <0063>] endbfrange\n"
      "1 beginbfrange <0064> <007A> <0064> endbfrange endcmap end";
  // "Zebulon" as codes: Z from the first range, e/b from the second and third.
  auto r = clean(pdf("BT /F1 12 Tf 72 700 Td <005A006500620075006C006F006E> Tj ET",
                     "/F1 << /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>",
                     {"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) "
                      "/Supplement 0 >> /W [90 [600] 98 101 500] >>",
                      stream_of(cmap)}));
  CHECK(r.withhold_reason.empty());
  CHECK_FALSE(r.rasterized);
  CHECK(r.glyphs_removed == 7);
}

TEST_CASE("Text we cannot map is rendered, never guessed; with rendering refused it is withheld") {
  // A symbolic TrueType font with neither encoding nor ToUnicode: its codes spell what its program says.
  const std::string symbolic =
      "/F1 << /Type /Font /Subtype /TrueType /BaseFont /Sym /FontDescriptor << /Type /FontDescriptor /FontName /Sym /Flags 4 >> >>";
  const auto input = pdf("BT /F1 12 Tf 72 700 Td (Zebulon) Tj ET", symbolic);
  auto r = clean(input);
  CHECK(r.rasterized);
  CHECK(r.render_reason.find("cannot map") != std::string::npos);
  document::ScanPolicy withhold;
  withhold.clean = false;
  r = document::clean_pdf(Bytes(input.data(), input.size()), patient(), withhold);
  CHECK(r.bytes.empty());
  CHECK(r.withhold_reason.find("cannot map") != std::string::npos);
}

TEST_CASE("An untrusted ToUnicode range over the limit makes the font unmapped, not a huge table") {
  const std::string cmap = "begincmap 1 beginbfrange <00000000> <7FFFFFFF> <0041> endbfrange endcmap";
  auto r = clean(pdf("BT /F1 12 Tf 72 700 Td <0041> Tj ET",
                     "/F1 << /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>",
                     {"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X >>", stream_of(cmap)}));
  CHECK(r.rasterized);
}
