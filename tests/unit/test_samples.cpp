// Whole files: every shipped sample round-trips byte-identical; every malformed one fails with the
// expected code at the expected offset; every fuzz corpus input is handled without a crash.
#include <doctest.h>

#include <rapidjson/document.h>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "support.hpp"

using namespace dicomscrub;

TEST_CASE("samples: every file in tests/data round-trips byte-identical") {
  int n = 0;
  for (const auto& path : test::list_files(test::source_root() + "/tests/data")) {
    if (path.size() < 4 || path.substr(path.size() - 4) != ".dcm") continue;
    auto f = read_file(path);
    REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message()));
    auto out = write_to_buffer(*f);
    REQUIRE(out.ok());
    CHECK_MESSAGE(*out == test::read_bytes(path), path);
    ++n;
  }
  CHECK(n >= 16);
}

TEST_CASE("samples: every malformed file gives its expected error, with offset") {
  std::string dir = test::source_root() + "/tests/data/malformed/";
  auto json = test::read_bytes(dir + "expected.json");
  rapidjson::Document doc;
  doc.Parse(reinterpret_cast<const char*>(json.data()), json.size());
  REQUIRE(doc.IsObject());
  int n = 0;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    auto f = read_file(dir + name);
    REQUIRE_MESSAGE(!f.ok(), name);
    const std::string why = name + ": " + f.error().message();
    CHECK_MESSAGE(std::string(to_string(f.error().code)) == it->value["code"].GetString(), why);
    if (it->value["offset"].IsUint64()) CHECK_MESSAGE(f.error().offset == it->value["offset"].GetUint64(), why);
    CHECK(f.error().message().find(name) != std::string::npos);  // names the file
    ++n;
  }
  CHECK(n >= 13);
}

TEST_CASE("samples: fuzz corpus and regressions: no crash, and whatever parses round-trips") {
  std::vector<std::string> files = test::list_files(test::source_root() + "/fuzz/regressions");
  for (auto& f : test::list_files(test::source_root() + "/fuzz/corpus", true)) files.push_back(f);
  REQUIRE(files.size() > 10);
  for (const auto& path : files) {
    auto bytes = test::read_bytes(path);
    auto f = read_buffer(Bytes(bytes.data(), bytes.size()), {}, path);
    if (!f) continue;
    auto out = write_to_buffer(*f);
    REQUIRE(out.ok());
    CHECK_MESSAGE(*out == bytes, path);
  }
}
