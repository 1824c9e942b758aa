// tests/unit/test_pixel.cpp — the pixel path's own pieces, without codecs: layouts and their
// limits, fills per photometric interpretation, the text detector, region rules, the frame limit,
// the scan table and which instances it sends through the text pass.
#include <doctest.h>

#include <fstream>
#include <sstream>

#include "dicomscrub/reader.hpp"
#include "pixel/cleaner.hpp"
#include "image/image.hpp"
#include "image/region_rules.hpp"
#include "image/text_detector.hpp"
#include "pixel/text_scan.hpp"
#include "support.hpp"

using namespace dicomscrub;
using test::Enc;

namespace {

std::string us(std::uint16_t v) { return std::string{char(v & 0xFF), char(v >> 8)}; }

// A data set with the Image Pixel module and `pixels` as native OW/OB data.
DicomFile image(std::uint16_t rows, std::uint16_t cols, std::uint16_t samples, std::uint16_t bits, const char* pi,
                const std::vector<std::uint8_t>& pixels, const char* modality = "OT",
                const char* sop_class = "1.2.840.10008.5.1.4.1.1.7", const char* burned_in = nullptr, const char* image_type = nullptr,
                const char* conversion_type = nullptr) {
  Enc e;
  e.element(0x0008, 0x0008, "CS", image_type ? image_type : "ORIGINAL\\PRIMARY");
  e.element(0x0008, 0x0016, "UI", sop_class).element(0x0008, 0x0018, "UI", "1.2.3");
  e.element(0x0008, 0x0060, "CS", modality);
  if (conversion_type) e.element(0x0008, 0x0064, "CS", conversion_type);
  e.element(0x0008, 0x0070, "LO", "ACME Imaging");
  e.header(0x0028, 0x0002, "US", 2).raw(us(samples));
  e.element(0x0028, 0x0004, "CS", pi);
  e.header(0x0028, 0x0010, "US", 2).raw(us(rows)).header(0x0028, 0x0011, "US", 2).raw(us(cols));
  e.header(0x0028, 0x0100, "US", 2).raw(us(bits)).header(0x0028, 0x0101, "US", 2).raw(us(bits));
  e.header(0x0028, 0x0102, "US", 2).raw(us(std::uint16_t(bits - 1))).header(0x0028, 0x0103, "US", 2).raw(us(0));
  if (burned_in) e.element(0x0028, 0x0301, "CS", burned_in);
  e.header(0x7FE0, 0x0010, bits == 16 ? "OW" : "OB", std::uint32_t(pixels.size())).raw(pixels);
  auto f = read_source(owning_memory_source(e.out), ReadOptions{"1.2.840.10008.1.2.1"}, "img");
  REQUIRE(f.ok());
  return std::move(f).value();
}

}  // namespace

TEST_CASE("pixel: layouts are read and refused before anything is sized by them") {
  auto f = image(4, 6, 1, 16, "MONOCHROME2", std::vector<std::uint8_t>(48, 0));
  auto l = pixel::layout_of(f.dataset, false, 1 << 20);
  REQUIRE(l.ok());
  CHECK(l->rows == 4);
  CHECK(l->cols == 6);
  CHECK(l->frame_bytes() == 48);
  CHECK_FALSE(pixel::layout_of(f.dataset, false, 47).ok());  // over the size limit
  auto one_bit = image(8, 8, 1, 1, "MONOCHROME2", std::vector<std::uint8_t>(8, 0));
  auto r = pixel::layout_of(one_bit.dataset, false, 1 << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().reason.find("Bits Allocated 1") != std::string::npos);
  auto four = image(2, 2, 4, 8, "ARGB", std::vector<std::uint8_t>(16, 0));
  CHECK_FALSE(pixel::layout_of(four.dataset, false, 1 << 20).ok());
}

TEST_CASE("pixel: fills use the darkest value of each photometric interpretation") {
  pixel::Decoded m1;
  m1.layout.rows = 2; m1.layout.cols = 2; m1.layout.photometric = "MONOCHROME1";
  m1.data.assign(4, 7);
  pixel::fill(m1, 0, {0, 0, 1, 2});
  CHECK(m1.data == std::vector<std::uint8_t>{255, 7, 255, 7});

  pixel::Decoded ybr;  // 4:2:2: a pixel pair shares its chroma, so painting one pixel paints the pair
  ybr.layout.rows = 1; ybr.layout.cols = 4; ybr.layout.samples = 3; ybr.layout.photometric = "YBR_FULL_422";
  ybr.data = {10, 11, 12, 13, 20, 21, 22, 23};
  pixel::fill(ybr, 0, {1, 0, 1, 1});
  CHECK(ybr.data == std::vector<std::uint8_t>{0, 0, 128, 128, 20, 21, 22, 23});

  pixel::Decoded planar;  // RGB, planar configuration 1: R plane, G plane, B plane
  planar.layout.rows = 1; planar.layout.cols = 2; planar.layout.samples = 3; planar.layout.planar = 1;
  planar.layout.photometric = "RGB";
  planar.data = {1, 2, 3, 4, 5, 6};
  pixel::fill(planar, 0, {1, 0, 5, 5});  // clipped to the frame
  CHECK(planar.data == std::vector<std::uint8_t>{1, 0, 3, 0, 5, 0});

  pixel::Decoded keep;
  keep.layout.rows = 3; keep.layout.cols = 3; keep.layout.bits_allocated = 16; keep.layout.bits_stored = 12;
  keep.layout.photometric = "MONOCHROME2";
  keep.data.assign(18, 0x11);
  pixel::fill_outside(keep, 0, {{1, 1, 1, 1}});
  for (int i = 0; i < 9; ++i) CHECK(keep.data[std::size_t(i) * 2] == (i == 4 ? 0x11 : 0));
}

TEST_CASE("pixel: the detector boxes strokes into lines and leaves flat or smooth frames alone") {
  const int cols = 120, rows = 40;
  std::vector<std::uint16_t> plane(std::size_t(cols) * rows, 30);
  for (int c = 0; c < 6; ++c)  // six 'letters' of 3x9 strokes, 4 px apart, on one line
    for (int y = 10; y < 19; ++y)
      for (int x = 10 + c * 7; x < 13 + c * 7; ++x) plane[std::size_t(y) * cols + x] = 220;
  auto boxes = pixel::detect_text({plane}, cols, rows, 8, false);
  REQUIRE(boxes.size() == 1);
  CHECK(boxes[0].x <= 10);
  CHECK(boxes[0].y <= 10);
  CHECK(boxes[0].x + boxes[0].w >= 10 + 5 * 7 + 3);
  CHECK(boxes[0].y + boxes[0].h >= 19);
  std::vector<std::uint16_t> flat(std::size_t(cols) * rows, 90), ramp(std::size_t(cols) * rows);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) ramp[std::size_t(y) * cols + x] = std::uint16_t(x * 2);
  CHECK(pixel::detect_text({flat}, cols, rows, 8, false).empty());
  CHECK(pixel::detect_text({ramp}, cols, rows, 8, false).empty());
}

TEST_CASE("pixel: region rules match header values and refuse malformed files") {
  auto rules = pixel::RegionRules::from_json(R"json({"rules": [
    {"name": "not acme", "when": {"not": {"element": "Manufacturer", "contains": "ACME"}}, "regions": [[0, 0, 1, 1]]},
    {"name": "acme 2 rows", "when": {"all": [{"element": "(0008,0070)", "contains_ignore_case": "acme imaging"},
                                            {"any": [{"element": "Rows", "equals": "2"}, {"element": "Modality", "equals": "US"}]}]},
     "regions": [[0, 0, 5, 1]]}]})json", "test");
  REQUIRE(rules.ok());
  auto f = image(2, 2, 1, 8, "MONOCHROME2", std::vector<std::uint8_t>(4, 0));
  const pixel::RegionRule* r = rules->match(f);
  REQUIRE(r != nullptr);
  CHECK(r->name == "acme 2 rows");
  auto g = image(3, 2, 1, 8, "MONOCHROME2", std::vector<std::uint8_t>(6, 0));
  CHECK(rules->match(g) == nullptr);
  auto bad = pixel::RegionRules::from_json(R"({"rules": [{"when": {"element": "Nope", "equals": "x"}, "regions": []}]})", "bad.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().reason.find("Nope") != std::string::npos);
  CHECK_FALSE(pixel::RegionRules::from_json(R"({"rules": [{"when": {"element": "Rows", "equals": "2"}, "regions": [[0, 0, -1, 4]]}]})", "neg").ok());
  auto builtin = pixel::RegionRules::builtin();
  REQUIRE(builtin.ok());
  CHECK(builtin->size() == 52);
}

TEST_CASE("pixel: the compiled-in region rules are data/pixel_rules.json as from_json reads it") {
  // The built-in set comes from generated C++ tables (no JSON parsed at start); a site's file still
  // goes through from_json. Both must give the same rules: names, sources, conditions (tags
  // resolved from keywords the same way), regions, in the same order.
  std::ifstream in(test::source_root() + "/data/pixel_rules.json", std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = pixel::RegionRules::from_json(text.str(), "data/pixel_rules.json");
  REQUIRE(parsed.ok());
  auto builtin = pixel::RegionRules::builtin();
  REQUIRE(builtin.ok());
  const std::string a = builtin->describe(), b = parsed->describe();
  CHECK(a.size() > 52 * 40);  // every rule described, with its condition
  CHECK(a.find("contains_ignore_case (0008,0070) 'GE MEDICAL'") != std::string::npos);
  CHECK(a == b);
}

TEST_CASE("pixel: cover pages are planned for text detection; frames over the limit are refused") {
  auto f = image(4, 4, 1, 8, "MONOCHROME2", std::vector<std::uint8_t>(16, 0));
  pixel::PixelPolicy policy;
  auto plan = pixel::plan_pixels(f, policy);
  CHECK(plan.kind == pixel::PixelPlan::Kind::clean);
  CHECK(plan.detect_text);
  policy.clean_cover_pages = false;
  CHECK(pixel::plan_pixels(f, policy).kind == pixel::PixelPlan::Kind::withhold);
  policy.clean_cover_pages = true;
  policy.max_frame_pixels = 15;
  auto r = pixel::clean_pixels(f, plan, policy, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().reason.find("4x4") != std::string::npos);
}

TEST_CASE("pixel: planes of signed samples are offset binary over the stored bits") {
  pixel::Decoded d;
  d.layout.rows = 1; d.layout.cols = 3; d.layout.bits_allocated = 16; d.layout.bits_stored = 12; d.layout.is_signed = true;
  d.layout.photometric = "MONOCHROME2";
  d.data = {0xFF, 0xFF, 0x00, 0x00, 0x00, 0xF8};  // -1, 0, -2048 (sign-extended in 16 bits)
  auto p = pixel::planes(d, 0);
  CHECK(p[0] == std::vector<std::uint16_t>{2047, 2048, 0});
}

TEST_CASE("pixel: the scan table is data and profiles override its rows") {
  auto table = pixel::TextScanTable::builtin();
  REQUIRE(table.ok());
  CHECK(table->size() >= 30);
  CHECK(table->lookup("1.2.840.10008.5.1.4.1.1.6.1", "US") == pixel::TextScan::always);
  CHECK(table->lookup("1.2.840.10008.5.1.4.1.1.12.1", "XA") == pixel::TextScan::always);
  CHECK(table->lookup("1.2.840.10008.5.1.4.1.1.2", "CT") == pixel::TextScan::never);
  CHECK(table->lookup("1.2.840.10008.5.1.4.1.1.1", "CR") == pixel::TextScan::screens);
  CHECK(table->lookup("1.2.840.10008.5.1.4.1.1.77.1.4", "XC") == pixel::TextScan::photo);  // the class row wins
  CHECK(table->lookup("1.2.3.4", "ZZ") == pixel::TextScan::never);
  auto bad = pixel::TextScanTable::from_tsv("key\tscan\twhy\nUS\tsometimes\tx\n", "bad.tsv");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().reason.find("line 2") != std::string::npos);
}

TEST_CASE("pixel: which instances are searched for text") {
  pixel::PixelPolicy policy;
  policy.scan = pixel::TextScanTable::builtin().value();
  const std::vector<std::uint8_t> px(16, 7);
  auto plan = [&](const char* modality, const char* sop, const char* burned, const char* type = nullptr, const char* conversion = nullptr) {
    return pixel::plan_pixels(image(4, 4, 1, 8, "MONOCHROME2", px, modality, sop, burned, type, conversion), policy);
  };
  // Ultrasound and angiography: every frame searched whatever Burned In Annotation says.
  for (const char* burned : {"YES", "NO", static_cast<const char*>(nullptr)}) {
    auto us = plan("US", "1.2.840.10008.5.1.4.1.1.6.1", burned);
    CHECK(us.kind == pixel::PixelPlan::Kind::clean);
    CHECK((us.detect_text && us.acquisition && !us.identifiers_only));
    CHECK(plan("XA", "1.2.840.10008.5.1.4.1.1.12.1", burned).detect_text);
  }
  CHECK(plan("ES", "1.2.840.10008.5.1.4.1.1.77.1.1", nullptr).detect_text);  // endoscopy is cleaned, not withheld
  // Trusted acquisitions: NO and absent leave the pixels alone; YES without a rule withholds.
  CHECK(plan("CT", "1.2.840.10008.5.1.4.1.1.2", nullptr).kind == pixel::PixelPlan::Kind::untouched);
  CHECK(plan("CT", "1.2.840.10008.5.1.4.1.1.2", "YES").kind == pixel::PixelPlan::Kind::withhold);
  // CR/DX/MG: primary images trusted, screen captures and YES searched.
  CHECK(plan("MG", "1.2.840.10008.5.1.4.1.1.1.2", "NO").kind == pixel::PixelPlan::Kind::untouched);
  CHECK(plan("CR", "1.2.840.10008.5.1.4.1.1.1", nullptr, "DERIVED\\SECONDARY").detect_text);
  CHECK(plan("DX", "1.2.840.10008.5.1.4.1.1.1.1", "YES").detect_text);
  // Video stays withheld; photographs without NO too (faces).
  CHECK(plan("ES", "1.2.840.10008.5.1.4.1.1.77.1.1.1", "NO").kind == pixel::PixelPlan::Kind::withhold);
  CHECK(plan("XC", "1.2.840.10008.5.1.4.1.1.77.1.4", nullptr).kind == pixel::PixelPlan::Kind::withhold);
  CHECK(plan("XC", "1.2.840.10008.5.1.4.1.1.77.1.4", "NO").kind == pixel::PixelPlan::Kind::untouched);
  // A profile row overrides the table.
  policy.scan.set("US", pixel::TextScan::never);
  CHECK(plan("US", "1.2.840.10008.5.1.4.1.1.6.1", "NO").kind == pixel::PixelPlan::Kind::untouched);
}

TEST_CASE("pixel: RT Images and other acquisitions are never cover pages, whatever their Conversion Type") {
  const auto table = pixel::TextScanTable::builtin().value();
  const std::vector<std::uint8_t> px(16, 7);
  // RT Image carries Conversion Type as Type 2; its edge pixels are dose data.
  auto rt = image(4, 4, 1, 8, "MONOCHROME2", px, "RTIMAGE", "1.2.840.10008.5.1.4.1.1.481.1", nullptr, nullptr, "DI");
  CHECK_FALSE(pixel::is_cover_page(rt, table));
  pixel::PixelPolicy policy;
  policy.scan = table;
  CHECK(pixel::plan_pixels(rt, policy).kind == pixel::PixelPlan::Kind::untouched);
  auto mg = image(4, 4, 1, 8, "MONOCHROME2", px, "MG", "1.2.840.10008.5.1.4.1.1.1.2", "NO", nullptr, "DV");
  CHECK_FALSE(pixel::is_cover_page(mg, table));
  auto ot = image(4, 4, 1, 8, "MONOCHROME2", px, "OT", "1.2.840.10008.5.1.4.1.1.6.1", nullptr, nullptr, "WSD");
  CHECK(pixel::is_cover_page(ot, table));  // a converted image of a capture modality still is one
}

TEST_CASE("pixel: fills report whether they changed a sample; decoded YBR becomes RGB") {
  pixel::Decoded d;
  d.layout.rows = 1; d.layout.cols = 2; d.layout.photometric = "MONOCHROME2";
  d.data = {0, 9};
  CHECK_FALSE(pixel::fill(d, 0, pixel::Rect{0, 0, 1, 1}));  // already black
  CHECK(pixel::fill(d, 0, pixel::Rect{0, 0, 2, 1}));
  CHECK(d.data == std::vector<std::uint8_t>{0, 0});
  pixel::Decoded y;
  y.layout.rows = 1; y.layout.cols = 2; y.layout.samples = 3; y.layout.photometric = "YBR_FULL";
  y.data = {128, 128, 128, 76, 85, 255};  // mid grey; pure red (Y 76, Cb 85, Cr 255)
  pixel::to_rgb(y);
  CHECK(y.layout.photometric == "RGB");
  CHECK(y.data[0] == 128); CHECK(y.data[1] == 128); CHECK(y.data[2] == 128);
  CHECK(y.data[3] >= 253); CHECK(y.data[4] <= 2); CHECK(y.data[5] <= 2);
  pixel::Decoded y422;
  y422.layout.rows = 1; y422.layout.cols = 2; y422.layout.samples = 3; y422.layout.photometric = "YBR_FULL_422";
  y422.data = {200, 50, 128, 128};  // two greys sharing neutral chroma
  pixel::to_rgb(y422);
  CHECK(y422.data == std::vector<std::uint8_t>{200, 200, 200, 50, 50, 50});
}

TEST_CASE("pixel: the acquisition preset finds a line of glyphs and leaves a picture's texture alone") {
  const int cols = 120, rows = 40;
  std::vector<std::uint16_t> plane(std::size_t(cols) * rows, 0);
  std::uint32_t seed = 12345;
  auto noise = [&] { seed = seed * 1103515245u + 12345u; return std::uint16_t((seed >> 16) % 120); };
  for (auto& v : plane) v = noise();  // speckle below the ink
  // Five 5x8 "glyphs" in white, one baseline, 3 pixels apart, strokes of 1-2 pixels.
  for (int g = 0; g < 5; ++g)
    for (int y = 4; y < 12; ++y)
      for (int x = 10 + g * 8; x < 15 + g * 8; ++x)
        if (y == 4 || y == 11 || x == 10 + g * 8 || (g % 2 && x == 14 + g * 8)) plane[std::size_t(y) * cols + x] = 255;
  auto boxes = pixel::detect_text({plane}, cols, rows, 8, false, pixel::DetectorSettings::for_acquisitions());
  REQUIRE(boxes.size() == 1);
  CHECK(boxes[0].x <= 10); CHECK(boxes[0].x + boxes[0].w >= 50);
  CHECK(boxes[0].y <= 4); CHECK(boxes[0].y + boxes[0].h >= 12);
  for (std::size_t i = 0; i < plane.size(); ++i) plane[i] = noise();
  CHECK(pixel::detect_text({plane}, cols, rows, 8, false, pixel::DetectorSettings::for_acquisitions()).empty());
}
