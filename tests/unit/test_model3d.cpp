// Cleaning Encapsulated STL documents (lib/deid/model3d): the geometry stays byte for byte, the
// free text goes, anything that is not STL is refused.
#include <doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "deid/model3d.hpp"

using dicomscrub::deid::clean_stl;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> binary_stl(std::string_view header, std::uint32_t triangles, std::uint16_t attribute) {
  std::vector<std::uint8_t> b(84 + 50 * std::size_t(triangles), 0);
  std::memcpy(b.data(), header.data(), std::min<std::size_t>(header.size(), 80));
  std::memcpy(b.data() + 80, &triangles, 4);
  for (std::uint32_t t = 0; t < triangles; ++t) {
    for (int k = 0; k < 48; ++k) b[84 + 50 * t + k] = std::uint8_t(7 * t + k);  // the floats
    std::memcpy(b.data() + 84 + 50 * t + 48, &attribute, 2);
  }
  return b;
}

}  // namespace

TEST_CASE("model3d: a binary STL keeps its triangles and loses its header and attribute bytes") {
  auto in = binary_stl("solid QUAGMIREWELL^ZEBULON exported 2021-03-14", 3, 0x4151);
  auto m = clean_stl(in);
  REQUIRE(m.refused.empty());
  REQUIRE(m.bytes.size() == in.size());
  std::string header(m.bytes.begin(), m.bytes.begin() + 80);
  CHECK(header.find("QUAGMIREWELL") == std::string::npos);
  CHECK(header.rfind("solid", 0) != 0);  // else readers take it for ASCII
  CHECK(std::memcmp(m.bytes.data() + 80, in.data() + 80, 4) == 0);
  for (int t = 0; t < 3; ++t) {
    CHECK(std::memcmp(m.bytes.data() + 84 + 50 * t, in.data() + 84 + 50 * t, 48) == 0);
    CHECK(m.bytes[84 + 50 * t + 48] == 0);
    CHECK(m.bytes[84 + 50 * t + 49] == 0);
  }
  CHECK(m.summary.find("3 triangle(s)") != std::string::npos);
  CHECK(clean_stl(m.bytes).bytes == m.bytes);  // cleaning it again changes nothing
  auto padded = in;
  padded.push_back(0);
  CHECK(clean_stl(padded).bytes == m.bytes);
}

TEST_CASE("model3d: an ASCII STL keeps every facet line and loses the solid's names") {
  std::string in =
      "solid Quagmirewell Zebulon 88123456\r\n"
      "  facet normal 0 0 -1\r\n    outer loop\r\n      vertex 1.5 -2e-3 +0.25E+02\r\n      vertex 0 0 0\r\n"
      "      vertex .5 1. 2\r\n    endloop\r\n  endfacet\r\n"
      "endsolid Quagmirewell\r\n";
  auto m = clean_stl(bytes(in));
  REQUIRE(m.refused.empty());
  std::string out(m.bytes.begin(), m.bytes.end());
  CHECK(out.find("Quagmirewell") == std::string::npos);
  CHECK(out.find("88123456") == std::string::npos);
  CHECK(out.rfind("solid\r\n  facet normal 0 0 -1\r\n", 0) == 0);
  CHECK(out.find("vertex 1.5 -2e-3 +0.25E+02\r\n") != std::string::npos);
  CHECK(out.size() >= 9);
  CHECK(out.substr(out.size() - 10) == "endsolid\r\n");
  CHECK(clean_stl(m.bytes).bytes == m.bytes);
}

TEST_CASE("model3d: what is not STL is refused, never passed") {
  for (std::string bad : {std::string("solid a\n  facet normal 0 0 1 QUAGMIREWELL\nendsolid\n"),  // a word among numbers
                          std::string("solid a\n  comment QUAGMIREWELL\nendsolid\n"),            // an unknown line
                          std::string("solid a\n  facet normal 0 0 1\n"),                        // no endsolid
                          std::string("QUAGMIREWELL\n"), std::string(""),
                          std::string("solid a\nvertex 0 0 0\nendsolid a\0QUAGMIREWELL", 44)}) {
    auto m = clean_stl(bytes(bad));
    CHECK_MESSAGE(!m.refused.empty(), bad);
    CHECK(m.bytes.empty());
    CHECK(m.refused.find("QUAGMIREWELL") == std::string::npos);
  }
  auto wrong_count = binary_stl("model", 2, 0);
  wrong_count.resize(wrong_count.size() - 50);  // says 2 triangles, has 1: not binary, not text
  CHECK(!clean_stl(wrong_count).refused.empty());
}
