#include <doctest.h>

#include "dict/dictionary.hpp"

using namespace dicomscrub;

TEST_CASE("dictionary: exact entries carry keyword and VR") {
  const auto* e = dict::lookup(Tag(0x0010, 0x0010));
  REQUIRE(e != nullptr);
  CHECK(std::string(e->keyword) == "PatientName");
  CHECK(e->vr == vrs::PN);
  CHECK(dict::implicit_vr(Tag(0x0008, 0x1140)) == vrs::SQ);
  CHECK(dict::keyword(Tag(0x0020, 0x000D)) == "StudyInstanceUID");
  CHECK(dict::lookup_keyword("SOPInstanceUID")->value == 0x00080018u);
}

TEST_CASE("dictionary: implicit VR rules for private, creators, group lengths, pixel data") {
  CHECK(dict::implicit_vr(Tag(0x0009, 0x0010)) == vrs::LO);   // private creator
  CHECK(dict::implicit_vr(Tag(0x0009, 0x1001)) == vrs::UN);   // private element
  CHECK(dict::implicit_vr(Tag(0x0018, 0x0000)) == vrs::UL);   // group length
  CHECK(dict::implicit_vr(Tag(0x7FE0, 0x0010)) == vrs::OW);   // OB or OW: OW in implicit
  CHECK(dict::implicit_vr(Tag(0x0011, 0x0001)) == vrs::UN);
}

TEST_CASE("dictionary: repeating groups match only even 50xx/60xx up to 1E") {
  auto overlay = dict::lookup(Tag(0x6002, 0x3000));
  REQUIRE(overlay != nullptr);
  CHECK(std::string(overlay->keyword) == "OverlayData");
  CHECK(dict::lookup(Tag(0x6020, 0x3000)) == nullptr);  // xx = 20 is past 1E
  CHECK(dict::lookup(Tag(0x6001, 0x3000)) == nullptr);  // odd: a private group
}

TEST_CASE("dictionary: transfer syntaxes") {
  auto ts = dict::transfer_syntax("1.2.840.10008.1.2");
  REQUIRE(ts);
  CHECK_FALSE(ts->explicit_vr);
  CHECK(dict::transfer_syntax("1.2.840.10008.1.2.2")->big_endian);
  CHECK(dict::transfer_syntax("1.2.840.10008.1.2.1.99")->deflated);
  CHECK(dict::transfer_syntax("1.2.840.10008.1.2.4.50")->encapsulated);
  CHECK(dict::transfer_syntax("1.2.3.4") == nullptr);
}
