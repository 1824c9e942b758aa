// lib/pseudo's tables without files of DICOM: the CSV both tables use, lookup table rules, and the mapping
// store's merge between two writers of one folder (two stores stand for two processes: each has
// its own view of the files and only the flock and the files themselves connect them).
#include <doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pseudo/csv.hpp"
#include "pseudo/lookup_table.hpp"
#include "pseudo/mapping_store.hpp"

using namespace dicomscrub;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path fresh_dir(const char* name) {
  std::string leaf = "dicomscrub_reid_";
  leaf += name;
  leaf += '_';
  leaf += std::to_string(::getpid());
  auto d = std::filesystem::temp_directory_path() / leaf;
  std::filesystem::remove_all(d);
  return d;
}

}  // namespace

TEST_CASE("csv: quoting round-trips commas, quotes, edge spaces and line breaks") {
  std::vector<std::string> values = {"plain", "a,b", "say \"hi\"", " edge ", "two\nlines", ""};
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) line += ',';
    line += reid::csv_field(values[i]);
  }
  auto rows = reid::parse_csv(line + "\r\n\nnext,row\n", "t.csv");
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].fields == values);
  CHECK((*rows)[1].line == 4);  // the quoted line break counts, the blank line is skipped
  auto bad = reid::parse_csv("a,\"open\n", "t.csv");
  REQUIRE(!bad);
  CHECK(bad.error().message().find("t.csv") != std::string::npos);
  CHECK(bad.error().reason == "line 1: a quoted field is not closed");
}

TEST_CASE("lookup table: keywords and tags, trimmed originals, multi-valued misses") {
  auto t = reid::LookupTable::from_csv("keyword,original,replacement\nPatientID, MRN1 ,S1\n\"(0008,0050)\",A9,T9\n", "l.csv");
  REQUIRE(t);
  CHECK(t->size() == 2);
  CHECK(t->covers(Tag(0x0010, 0x0020)));
  CHECK(!t->covers(Tag(0x0010, 0x0010)));
  REQUIRE(t->find(Tag(0x0010, 0x0020), "MRN1 ") != nullptr);
  CHECK(*t->find(Tag(0x0010, 0x0020), "MRN1") == "S1");
  CHECK(*t->find(Tag(0x0008, 0x0050), "A9") == "T9");
  CHECK(t->find(Tag(0x0010, 0x0020), "MRN2") == nullptr);
  auto sq = reid::LookupTable::from_csv("ReferencedImageSequence,a,b\n", "l.csv");
  REQUIRE(!sq);
  CHECK(sq.error().reason == "line 1: ReferencedImageSequence is not a text attribute; lookup tables replace text values");
  auto same = reid::LookupTable::from_csv("PatientID,A,S\nPatientID,A,S\n", "l.csv");  // a repeated row is harmless
  REQUIRE(same);
  CHECK(same->size() == 1);
}

TEST_CASE("mapping store: two writers of one folder merge without duplicates or losses") {
  auto dir = fresh_dir("merge");
  auto a = reid::MappingStore::open(dir.string());
  auto b = reid::MappingStore::open(dir.string());
  REQUIRE(a);
  REQUIRE(b);
  struct stat st {};
  REQUIRE(::stat((dir / "uid_mapping.csv").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE((*a)->add({{"1.2.3", "2.25.1"}, {"1.2.4", "2.25.2"}}, {{"MRN,1", "TOK1"}}));
  REQUIRE((*b)->add({{"1.2.4", "2.25.2"}, {"1.2.5", "2.25.3"}}, {{"MRN,1", "TOK1"}}));  // b has not read a's rows yet
  REQUIRE((*a)->add({{"1.2.5", "2.25.3"}, {"1.2.3", "2.25.1"}}, {}));
  CHECK(slurp(dir / "uid_mapping.csv") == "id_old,id_new\n1.2.3,2.25.1\n1.2.4,2.25.2\n1.2.5,2.25.3\n");
  CHECK(slurp(dir / "patid_mapping.csv") == "id_old,id_new\n\"MRN,1\",TOK1\n");
  // A third writer after a crash mid-row: the partial row is cut off, the rest kept.
  { std::ofstream(dir / "uid_mapping.csv", std::ios::app) << "1.2.9,2.2"; }
  auto c = reid::MappingStore::open(dir.string());
  REQUIRE(c);
  REQUIRE((*c)->add({{"1.2.9", "2.25.9"}}, {}));
  CHECK(slurp(dir / "uid_mapping.csv") == "id_old,id_new\n1.2.3,2.25.1\n1.2.4,2.25.2\n1.2.5,2.25.3\n1.2.9,2.25.9\n");
  std::filesystem::remove_all(dir);
}
