// Character sets: every sample's PN decodes to the UTF-8 recorded by the sample generator.
#include <doctest.h>

#include <rapidjson/document.h>

#include "charset/charset.hpp"
#include "dicomscrub/reader.hpp"
#include "support.hpp"

using namespace dicomscrub;

TEST_CASE("charset: terms are split and trimmed") {
  auto t = charset::parse_terms("\\ISO 2022 IR 87 ");
  REQUIRE(t.size() == 2);
  CHECK(t[0].empty());
  CHECK(t[1] == "ISO 2022 IR 87");
  CHECK(charset::supported(t));
  CHECK_FALSE(charset::supported({"ISO_IR 999"}));
}

TEST_CASE("charset: each sample file decodes to the expected UTF-8") {
  auto json = test::read_bytes(test::data_path("charset_expected.json"));
  rapidjson::Document doc;
  doc.Parse(reinterpret_cast<const char*>(json.data()), json.size());
  REQUIRE(doc.IsObject());
  int checked = 0;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    std::string expected = it->value["(0010,0010)"].GetString();
    auto f = read_file(test::data_path(name));
    REQUIRE_MESSAGE(f.ok(), name);
    auto terms = charset::parse_terms(*f->dataset.get_string(tags::specific_character_set));
    auto pn = f->dataset.find(Tag(0x0010, 0x0010));
    REQUIRE(pn);
    std::string got = charset::decode(*pn->value.bytes(), terms, vrs::PN);
    while (!got.empty() && got.back() == ' ') got.pop_back();
    CHECK_MESSAGE(got == expected, name);
    ++checked;
  }
  CHECK(checked == 8);
}

TEST_CASE("charset: invalid bytes become U+FFFD, never vanish") {
  const std::uint8_t bad_utf8[] = {'A', 0xFF, 'B'};
  CHECK(charset::decode(Bytes(bad_utf8, 3), {"ISO_IR 192"}, vrs::LO) == "A\xEF\xBF\xBD" "B");
  const std::uint8_t high_ascii[] = {'A', 0xE9};
  CHECK(charset::decode(Bytes(high_ascii, 2), {""}, vrs::LO) == "A\xEF\xBF\xBD");
  const std::uint8_t unknown_escape[] = {0x1B, 'X', 'Y'};
  CHECK(charset::decode(Bytes(unknown_escape, 3), {"", "ISO 2022 IR 87"}, vrs::LO) == "\xEF\xBF\xBDXY");
}

TEST_CASE("charset: code extensions reset at PN component delimiters") {
  // ESC $ B switches G0 to JIS X 0208; '^' only counts in a single-byte G0, and after it G0 is ASCII again.
  const std::uint8_t v[] = {0x1B, '$', 'B', 0x3B, 0x33, 0x45, 0x44, 0x1B, '(', 'B', '^', 'T', 'a'};
  CHECK(charset::decode(Bytes(v, sizeof v), {"", "ISO 2022 IR 87"}, vrs::PN) == "山田^Ta");
  // Latin-1 single byte set
  const std::uint8_t l1[] = {'M', 0xFC, 'l'};
  CHECK(charset::decode(Bytes(l1, 3), {"ISO_IR 100"}, vrs::PN) == "Mül");
}
