// Dump renderings: the text view shows nesting; the JSON view follows PS3.18 Annex F.
#include <doctest.h>

#include <rapidjson/document.h>

#include "dicomscrub/reader.hpp"
#include "dump/dump.hpp"
#include "support.hpp"

using namespace dicomscrub;

TEST_CASE("dump: DICOM JSON model of the CT sample") {
  auto f = read_file(test::data_path("ct_explicit_le.dcm"));
  REQUIRE(f.ok());
  std::string json = dump::to_json(*f, {true, false});
  rapidjson::Document d;
  d.Parse(json.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["00100010"]["vr"].GetString()) == "PN");
  CHECK(std::string(d["00100010"]["Value"][0]["Alphabetic"].GetString()) == "Doe^Jane^Q^^");
  CHECK(d["00280010"]["Value"][0].GetInt() == 16);
  CHECK(std::string(d["00080008"]["Value"][1].GetString()) == "PRIMARY");
  CHECK(d["00200011"]["Value"][0].GetInt() == 3);
  const auto& sq = d["00081140"]["Value"];
  REQUIRE(sq.IsArray());
  CHECK(sq.Size() == 2);
  CHECK(std::string(sq[0]["00081150"]["Value"][0].GetString()) == "1.2.840.10008.5.1.4.1.1.2");
  CHECK(sq[0]["00082218"]["Value"][0].HasMember("00080104"));
  CHECK(std::string(d["7FE00010"]["vr"].GetString()) == "OW");
  CHECK(d["7FE00010"].HasMember("InlineBinary"));
  CHECK(std::string(d["7FE00010"]["InlineBinary"].GetString()).size() == 4 * ((512 + 2) / 3));
  std::string without = dump::to_json(*f);
  rapidjson::Document d2;
  d2.Parse(without.c_str());
  CHECK_FALSE(d2["7FE00010"].HasMember("InlineBinary"));
}

TEST_CASE("dump: text view shows keywords, values and nesting") {
  auto f = read_file(test::data_path("mr_implicit_le.dcm"));
  REQUIRE(f.ok());
  std::string text = dump::to_text(*f);
  CHECK(text.find("PatientName") != std::string::npos);
  CHECK(text.find("[Doe^Jane^Q^^]") != std::string::npos);
  CHECK(text.find("(0008,1140) SQ    undef ReferencedImageSequence") != std::string::npos);
  CHECK(text.find("    (0008,2218) SQ") != std::string::npos);  // nested one level deeper
  CHECK(text.find("encoding: implicit VR little endian") != std::string::npos);
}
