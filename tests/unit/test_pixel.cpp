// tests/unit/test_pixel.cpp — the pixel path's own pieces, without codecs: layouts and their
// limits, fills per photometric interpretation, the text detector, region rules, the frame limit.
#include <doctest.h>

#include "dicomscrub/reader.hpp"
#include "pixel/cleaner.hpp"
#include "pixel/image.hpp"
#include "pixel/region_rules.hpp"
#include "pixel/text_detector.hpp"
#include "support.hpp"

using namespace dicomscrub;
using test::Enc;

namespace {

std::string us(std::uint16_t v) { return std::string{char(v & 0xFF), char(v >> 8)}; }

// A data set with the Image Pixel module and `pixels` as native OW/OB data.
DicomFile image(std::uint16_t rows, std::uint16_t cols, std::uint16_t samples, std::uint16_t bits, const char* pi,
                const std::vector<std::uint8_t>& pixels, const char* modality = "OT") {
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7").element(0x0008, 0x0018, "UI", "1.2.3");
  e.element(0x0008, 0x0060, "CS", modality).element(0x0008, 0x0070, "LO", "ACME Imaging");
  e.header(0x0028, 0x0002, "US", 2).raw(us(samples));
  e.element(0x0028, 0x0004, "CS", pi);
  e.header(0x0028, 0x0010, "US", 2).raw(us(rows)).header(0x0028, 0x0011, "US", 2).raw(us(cols));
  e.header(0x0028, 0x0100, "US", 2).raw(us(bits)).header(0x0028, 0x0101, "US", 2).raw(us(bits));
  e.header(0x0028, 0x0102, "US", 2).raw(us(std::uint16_t(bits - 1))).header(0x0028, 0x0103, "US", 2).raw(us(0));
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
