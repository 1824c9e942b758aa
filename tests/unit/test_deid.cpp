// The engine on hand-built data sets: each action, each option, composite codes, masks, private
// blocks, pseudonym formats and key handling.
#include <doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include <filesystem>
#include <map>
#include <type_traits>

#include "dicomscrub/batch.hpp"
#include "dicomscrub/deid.hpp"
#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "core/files.hpp"
#include "dicomscrub/keys.hpp"
#include "profile/profile.hpp"
#include "pseudo/pseudonymizer.hpp"
#include "support.hpp"

using namespace dicomscrub;
using test::Enc;

namespace {

std::vector<std::uint8_t> kKey(32, 7);
std::shared_ptr<const Key> shared_key(const std::vector<std::uint8_t>& bytes) {
  auto k = Key::from_bytes(bytes);
  REQUIRE(k.ok());
  return std::make_shared<const Key>(std::move(k).value());
}

DicomFile sample() {
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2").element(0x0008, 0x0018, "UI", "1.2.3.4.5.6");
  e.element(0x0008, 0x0020, "DA", "20240117").element(0x0008, 0x0021, "DA", "20240110");
  e.element(0x0008, 0x0023, "DA", "20240117").element(0x0008, 0x0050, "SH", "ACC123");
  e.element(0x0008, 0x0080, "LO", "General Hospital").element(0x0008, 0x1030, "LO", "Smith knee, MRN77");
  e.element(0x0009, 0x0010, "LO", "ACME 1.0").element(0x0009, 0x1001, "LO", "Smith").element(0x0009, 0x1002, "LO", "kept?");
  e.element(0x0010, 0x0010, "PN", "Smith^John").element(0x0010, 0x0020, "LO", "MRN77").element(0x0010, 0x0040, "CS", "M");
  e.element(0x0018, 0x1000, "LO", "SN-1").element(0x0020, 0x000D, "UI", "1.2.3.4").element(0x0020, 0x000E, "UI", "1.2.3.4.1");
  e.element(0x0028, 0x0010, "US", "\x10").element(0x6000, 0x3000, "OW", "overlay!").element(0x6000, 0x0010, "US", "\x01");
  auto f = read_source(owning_memory_source(e.out), ReadOptions{"1.2.840.10008.1.2.1"}, "sample");
  REQUIRE(f.ok());
  return std::move(f).value();
}

Deidentifier engine(std::vector<std::string> options = {}, std::string profile = "basic") {
  DeidConfig c;
  c.options = std::move(options);
  c.profile = std::move(profile);
  c.key = shared_key(kKey);
  auto e = Deidentifier::create(c);
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().message()));
  return std::move(e).value();
}

std::optional<std::string> str(const DicomFile& f, Tag t) { return f.dataset.get_string(t); }

}  // namespace

TEST_CASE("deid: basic profile actions, composites and markers") {
  auto f = sample();
  auto r = engine().apply(f);
  REQUIRE(r.ok());
  CHECK_FALSE(r->withheld);
  CHECK(str(f, Tag(0x0010, 0x0010)) == "");                   // Z
  CHECK(f.dataset.find(Tag(0x0008, 0x1030)) == nullptr);       // X
  CHECK(str(f, Tag(0x0008, 0x0023)) == "19000101");            // Content Date Z/D -> dummy
  CHECK(str(f, Tag(0x0008, 0x0080)) == "ANONYMIZED");          // X/Z/D -> dummy
  CHECK(str(f, Tag(0x0010, 0x0020))->size() == 20);            // Z/D on an ID -> keyed token
  CHECK(str(f, Tag(0x0008, 0x0050))->size() == 16);            // Z on an SH ID -> 16-char token
  CHECK(str(f, Tag(0x0008, 0x0018))->rfind("2.25.", 0) == 0);  // U
  CHECK(str(f, Tag(0x0008, 0x0016)) == "1.2.840.10008.5.1.4.1.1.2");  // registry UID kept
  CHECK(f.dataset.find(Tag(0x6000, 0x3000)) == nullptr);       // (60xx,3000) mask
  CHECK(f.dataset.find(Tag(0x0009, 0x1001)) == nullptr);       // private: X
  CHECK(f.dataset.find(Tag(0x0009, 0x0010)) == nullptr);       // its creator goes with its block
  CHECK(str(f, Tag(0x0012, 0x0062)) == "YES");
  CHECK(str(f, Tag(0x0028, 0x0303)) == "REMOVED");
  const Element* codes = f.dataset.find(Tag(0x0012, 0x0064));
  REQUIRE(codes);
  REQUIRE(codes->items.size() == 1);
  CHECK(codes->items[0].dataset.get_string(Tag(0x0008, 0x0100)) == "113100");
  CHECK(f.meta.get_string(Tag(0x0002, 0x0003)) == str(f, Tag(0x0008, 0x0018)));
  CHECK(r->output_path == *str(f, Tag(0x0020, 0x000D)) + "/" + *str(f, Tag(0x0020, 0x000E)) + "/" + *str(f, Tag(0x0008, 0x0018)) + ".dcm");
  CHECK(r->action_counts.at("remove") >= 4);
  CHECK(r->tag_actions.at("(0010,0010)") == "empty");
  auto out = write_to_buffer(f);
  REQUIRE(out.ok());
  auto back = read_source(owning_memory_source(*out), {}, "back");
  REQUIRE(back.ok());
  CHECK(back->dataset.get_string(Tag(0x0012, 0x0062)) == "YES");
}

TEST_CASE("deid: options change the actions they name") {
  auto f = sample();
  REQUIRE(engine({"retain_uids", "retain_device_identity", "retain_institution_identity", "retain_patient_characteristics",
                  "retain_long_full_dates", "clean_descriptors"}).apply(f).ok());
  CHECK(str(f, Tag(0x0008, 0x0018)) == "1.2.3.4.5.6");
  CHECK(str(f, Tag(0x0018, 0x1000)) == "SN-1");
  CHECK(str(f, Tag(0x0008, 0x0080)) == "General Hospital");
  CHECK(str(f, Tag(0x0010, 0x0040)) == "M");
  CHECK(str(f, Tag(0x0008, 0x0020)) == "20240117");
  CHECK(str(f, Tag(0x0028, 0x0303)) == "UNMODIFIED");
  // Clean Descriptors: the own name and ID are removed as words, the meaning stays (TCIA practice)
  CHECK(str(f, Tag(0x0008, 0x1030)) == "knee");
  CHECK(f.dataset.find(Tag(0x0012, 0x0064))->items.size() == 7);
}

TEST_CASE("deid: modified dates shift every date of a patient by the same keyed offset") {
  auto f = sample();
  REQUIRE(engine({"retain_long_modified_dates"}).apply(f).ok());
  std::string study = *str(f, Tag(0x0008, 0x0020)), series = *str(f, Tag(0x0008, 0x0021));
  CHECK(study != "20240117");
  std::string a = "20240117", b = "20240110";
  int days = pseudo::Pseudonymizer(shared_key(kKey)).date_shift_days("MRN77");
  REQUIRE(pseudo::shift_da(a, days));
  REQUIRE(pseudo::shift_da(b, days));
  CHECK(study == a);
  CHECK(series == b);
  CHECK(str(f, Tag(0x0028, 0x0303)) == "MODIFIED");
}

TEST_CASE("deid: composite resolution table") {
  using profile::Action;
  auto p = profile::Profile::basic();
  CHECK(p.decide(Tag(0x0008, 0x0023), vrs::DA, "").action == Action::dummy);   // Z/D
  CHECK(p.decide(Tag(0x0008, 0x0080), vrs::LO, "").action == Action::dummy);   // X/Z/D
  CHECK(p.decide(Tag(0x0010, 0x0010), vrs::PN, "").action == Action::empty);   // Z
  CHECK(p.decide(Tag(0x0020, 0x000D), vrs::UI, "").action == Action::uid);     // U
  CHECK(p.decide(Tag(0x5002, 0x3000), vrs::OW, "").action == Action::remove);  // (50xx,xxxx)
  CHECK(p.decide(Tag(0x0028, 0x0010), vrs::US, "").action == Action::keep);    // not in table, numeric
  CHECK(p.decide(Tag(0x0008, 0x0104), vrs::LO, "").action == Action::keep);    // Code Meaning: safe list
  CHECK(p.decide(Tag(0x0018, 0x9999), vrs::LO, "").action == Action::keep_unless_identifying);  // text: the detector decides
  CHECK(p.decide(Tag(0x0018, 0x9999), vrs::PN, "").action == Action::remove);  // a name: fail closed
  CHECK(p.decide(Tag(0x0018, 0x9999), vrs::DA, "").action == Action::remove);  // a date: fail closed
  CHECK(p.decide(Tag(0x0008, 0x1190), vrs::UR, "").action == Action::remove);  // Retrieve URL: the site's server
  CHECK(p.decide(Tag(0x0008, 0x0120), vrs::UR, "").action == Action::keep);    // URN Code Value: a code
  CHECK(p.decide(Tag(0x6000, 0x0010), vrs::US, "").action == Action::remove);  // overlay group goes whole
  CHECK(p.decide(Tag(0x6001, 0x1010), vrs::US, "").action == Action::remove);  // odd: private, removed anyway
  CHECK(p.decide(Tag(0x0008, 0x1110), vrs::SQ, "").removable);                  // X/Z
  CHECK_FALSE(p.decide(Tag(0x0010, 0x0010), vrs::PN, "").removable);            // Z
  const profile::Place top{"1.2.840.10008.5.1.4.1.1.2"}, any_item{"1.2.840.10008.5.1.4.1.1.2", true};
  auto in = [](const char* sop, Tag parent) { return profile::Place{sop, true, parent}; };
  constexpr const char* kCt = "1.2.840.10008.5.1.4.1.1.2";
  constexpr const char* kSr = "1.2.840.10008.5.1.4.1.1.88.33";
  CHECK(profile::required_type(Tag(0x0020, 0x1040), top) == 2);                 // Position Reference Indicator
  CHECK(profile::required_type(Tag(0x0020, 0x1040), any_item) == 0);
  CHECK(profile::required_type(Tag(0x0008, 0x1110), in(kSr, Tag(0x0040, 0xA370))) == 2);  // Referenced Study Sequence in a Referenced Request item
  CHECK(profile::required_type(Tag(0x0008, 0x1110), top) == 0);                 // ... Type 3 in General Study
  CHECK(profile::required_type(Tag(0x0070, 0x0082), top) == 1);                 // Presentation Creation Date
  CHECK(profile::required_type(Tag(0x0040, 0xA160), any_item) == 1);            // Text Value of an SR content item
  CHECK(profile::required_type(Tag(0x0040, 0xA160), top) == 0);
  CHECK(profile::required_type(Tag(0x0028, 0x1054), top) == 1);                 // Rescale Type: one row per place,
  CHECK(profile::required_type(Tag(0x0028, 0x1054), any_item) == 1);            // top (DX) and items (enhanced MR)
  // The same attribute, another place: Requested Procedure ID is Type 1C in a Request Attributes
  // item (a dummy token), Type 2 in an SR's Referenced Request item, nothing elsewhere.
  CHECK(profile::required_type(Tag(0x0040, 0x1001), in(kCt, Tag(0x0040, 0x0275))) == 1);
  CHECK(profile::required_type(Tag(0x0040, 0x1001), in(kSr, Tag(0x0040, 0xA370))) == 2);
  CHECK(profile::required_type(Tag(0x0040, 0x1001), in(kCt, Tag(0x0008, 0x1110))) == 0);
  // The same attribute, another IOD: Content Date is Type 1 in an SR document (and a Key Object
  // Selection, under the same family), not a required one in a CT image.
  CHECK(profile::required_type(Tag(0x0008, 0x0023), profile::Place{kSr}) == 1);
  CHECK(profile::required_type(Tag(0x0008, 0x0023), profile::Place{"1.2.840.10008.5.1.4.1.1.88.59"}) == 1);
  CHECK(profile::required_type(Tag(0x0008, 0x0023), profile::Place{kCt}) == 0);
  CHECK(profile::required_type(Tag(0x0008, 0x0023), profile::Place{"1.2.840.10008.5.1.4.1.1.88"}) == 0);  // a family prefix, not a class
  CHECK(profile::required_type(Tag(0x0008, 0x0023), in(kSr, Tag(0x0040, 0xA730))) == 0);  // top level only
  // The Patient Module's animal rows: Responsible Person is Type 2C for an animal only (E.1-1 X).
  CHECK(profile::required_type(Tag(0x0010, 0x2297), top) == 0);
  profile::Place vet{kCt};
  vet.animal = true;
  CHECK(profile::required_type(Tag(0x0010, 0x2297), vet) == 2);
  // Cleaned to nothing, an attribute E.1-1 gives a dummy (D) gets the dummy again.
  CHECK(p.decide(Tag(0x0070, 0x0006), vrs::ST, "").needs_value);                // Unformatted Text Value: D
  CHECK_FALSE(p.decide(Tag(0x0008, 0x1030), vrs::LO, "").needs_value);          // Study Description: X
  CHECK(p.decide(Tag(0x00E1, 0x1021), vrs::DS, "ELSCINT1").action == Action::remove);
  REQUIRE(p.set_option(profile::Option::retain_safe_private, true).ok());
  CHECK(p.decide(Tag(0x00E1, 0x1021), vrs::DS, "ELSCINT1").action == Action::keep);   // E.3.10-1
  CHECK(p.decide(Tag(0x00E1, 0x1021), vrs::DS, "OTHER").action == Action::remove);    // creator matters
  REQUIRE(p.set_option(profile::Option::retain_long_full_dates, true).ok());
  CHECK_FALSE(p.set_option(profile::Option::retain_long_modified_dates, true).ok());  // exclusive
}

TEST_CASE("deid: withheld instances") {
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7").element(0x0008, 0x0018, "UI", "1.2.3");
  e.header(0x7FE0, 0x0010, "OB", 2).raw(std::string(2, '\0'));
  auto f = read_source(owning_memory_source(e.out), ReadOptions{"1.2.840.10008.1.2.1"}, "sc");
  REQUIRE(f.ok());
  auto r = engine().apply(*f);
  REQUIRE(r.ok());
  CHECK(r->withheld);
  // A cover page whose pixels cannot be decoded (no Rows/Columns) cannot be cleaned: withheld.
  CHECK(r->withhold_reason.find("cover page could not be cleaned") != std::string::npos);
  Enc pdf;
  pdf.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.104.1").element(0x0008, 0x0018, "UI", "1.2.3");
  auto g = read_source(owning_memory_source(pdf.out), ReadOptions{"1.2.840.10008.1.2.1"}, "pdf");
  CHECK(engine().apply(*g)->withheld);
  Enc odd;
  odd.element(0x0008, 0x0005, "CS", "ISO_IR 999").element(0x0008, 0x0018, "UI", "1.2.3");
  auto h = read_source(owning_memory_source(odd.out), ReadOptions{"1.2.840.10008.1.2.1"}, "cs");
  CHECK(engine().apply(*h)->withheld);
}

TEST_CASE("pseudo: the precomputed HMAC equals OpenSSL's HMAC-SHA256 for short, block-sized and long keys") {
  for (std::size_t key_len : {16u, 32u, 64u, 65u, 100u}) {
    std::vector<std::uint8_t> key(key_len);
    for (std::size_t i = 0; i < key_len; ++i) key[i] = std::uint8_t(i * 37 + key_len);
    pseudo::Pseudonymizer p(shared_key(key));
    for (std::string value : {std::string(), std::string("1.2.840.113619.2.55.3"), std::string(200, 'x')}) {
      auto mac = pseudo::reference_hmac(key, std::string("uid") + '\0' + value);
      // 96 bits of the MAC, then 32 bits of the MAC of those (the mark is_own_uid checks).
      auto mark = pseudo::reference_hmac(key, std::string("uid-mark") + '\0' + std::string(reinterpret_cast<const char*>(mac.data()), 12));
      unsigned __int128 v = 0;
      for (int i = 0; i < 12; ++i) v = (v << 8) | mac[std::size_t(i)];
      for (int i = 0; i < 4; ++i) v = (v << 8) | mark[std::size_t(i)];
      std::string digits;
      while (v > 0) { digits.push_back(char('0' + int(v % 10))); v /= 10; }
      CHECK(p.uid(value) == "2.25." + std::string(digits.rbegin(), digits.rend()));
    }
  }
}

TEST_CASE("pseudo: UIDs are valid, keyed and stable; tokens and shifts") {
  pseudo::Pseudonymizer a(shared_key(kKey));
  pseudo::Pseudonymizer b(shared_key(std::vector<std::uint8_t>(32, 8)));
  std::string u = a.uid("1.2.3.4");
  CHECK(u == a.uid("1.2.3.4"));
  CHECK(u != b.uid("1.2.3.4"));
  CHECK(u.size() <= 64);
  CHECK(u.rfind("2.25.", 0) == 0);
  CHECK(u[5] != '0');
  CHECK(a.token("id", "MRN1", 16).size() == 16);
  CHECK(a.token("id", "MRN1") != a.token("uid", "MRN1"));  // domain separation
  int d = a.date_shift_days("patient");
  CHECK((d >= 1 && d <= 3652));
  std::string date = "20240301";
  REQUIRE(pseudo::shift_da(date, 1));
  CHECK(date == "20240229");  // leap day
  std::string range = "20240101-20240110";
  REQUIRE(pseudo::shift_da(range, 10));
  CHECK(range == "20231222-20231231");
  std::string dt = "20240101120000.5+0100";
  REQUIRE(pseudo::shift_dt(dt, 1));
  CHECK(dt == "20231231120000.5+0100");
  std::string bad = "2024";
  CHECK_FALSE(pseudo::shift_da(bad, 1));
}

TEST_CASE("pseudo: our own UIDs and tokens are recognised under the same key only (the mark is keyed)") {
  pseudo::Pseudonymizer a(shared_key(kKey));
  pseudo::Pseudonymizer b(shared_key(std::vector<std::uint8_t>(32, 8)));
  int own_b = 0, forged = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string orig = "1.2.840.113619.2.55." + std::to_string(i);
    const std::string u = a.uid(orig);
    CHECK(a.is_own_uid(u));
    CHECK(a.is_own_uid(u + std::string(1, '\0')));  // as padded in a file
    own_b += b.is_own_uid(u);
    forged += a.is_own_uid(orig) + a.is_own_uid(b.uid(orig));
    // One digit changed: not ours (the mark covers every bit).
    std::string t = u;
    t.back() = t.back() == '9' ? '8' : char(t.back() + 1);
    forged += a.is_own_uid(t);
    for (std::size_t len : {8u, 16u, 20u, 26u}) {
      const std::string tok = a.token("id", orig, len);
      CHECK(tok.size() == len);
      CHECK(a.is_own_token("id", tok));
      CHECK(a.is_own_token("id", tok + " "));
      forged += a.is_own_token("uid", tok) + b.is_own_token("id", tok);
    }
  }
  CHECK(own_b <= 1);   // 2^-32 each by chance
  CHECK(forged <= 2);  // 2^-20 each for tokens
  for (std::string bad : {"", "2.25.", "2.25.0123", "2.25.1", "1.2.3", "2.25.999999999999999999999999999999999999999999"})
    CHECK_FALSE(a.is_own_uid(bad));
  for (std::string bad : {"", "ABC", "MRN-0042-7731", "abcdefghijklmnop", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    CHECK_FALSE(a.is_own_token("id", bad));
  CHECK(a.token("id", "MRN1", 16).substr(0, 12) == a.token("id", "MRN1", 20).substr(0, 12));  // one body, any length
}

TEST_CASE("pseudo: key files: hex only, private, never overwritten") {
  std::string path = "/tmp/dicomscrub_unit.key";
  std::remove(path.c_str());
  REQUIRE(Key::generate_file(path).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(Key::generate_file(path).ok());
  auto k = Key::from_file(path);
  REQUIRE(k.ok());
  CHECK(k->bytes().size() == 32);
  CHECK(k->fingerprint().size() == 16);
  // The fingerprint (computed without OpenSSL's EVP layer, to keep its set-up out of every run)
  // is still HMAC-SHA256(key, label), as audits written before say.
  auto hex8 = [](const std::array<std::uint8_t, 32>& mac) {
    std::string h;
    for (int i = 0; i < 8; ++i) { h += "0123456789abcdef"[mac[std::size_t(i)] >> 4]; h += "0123456789abcdef"[mac[std::size_t(i)] & 15]; }
    return h;
  };
  CHECK(k->fingerprint() == hex8(pseudo::reference_hmac({k->bytes().begin(), k->bytes().end()}, "dicomscrub key fingerprint")));
  for (std::size_t len : {16u, 64u, 65u, 100u}) {  // short, block-sized and hashed-first keys
    std::vector<std::uint8_t> bytes(len, std::uint8_t(len));
    CHECK(Key::from_bytes(bytes)->fingerprint() == hex8(pseudo::reference_hmac(bytes, "dicomscrub key fingerprint")));
  }
  ::chmod(path.c_str(), 0644);
  auto refused = Key::from_file(path);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().reason.find("chmod 600") != std::string::npos);
  std::remove(path.c_str());
}

// The one key type: never copied, nothing left in a moved-from key, and every way in refuses what
// is not a key with an error naming the file but never its content.
static_assert(!std::is_copy_constructible_v<Key> && !std::is_copy_assignable_v<Key>);
static_assert(std::is_nothrow_move_constructible_v<Key> && std::is_nothrow_move_assignable_v<Key>);

TEST_CASE("keys: move-only, moved-from keys hold nothing, fingerprints do not change") {
  auto a = Key::from_bytes(std::vector<std::uint8_t>(32, 7));
  REQUIRE(a.ok());
  // The fingerprint of a known key, as audits written before the Key type recorded it.
  std::string fp = a->fingerprint();
  CHECK(fp.size() == 16);
  Key b = std::move(a).value();
  CHECK(b.fingerprint() == fp);
  Key c = Key::generate();
  CHECK(c.bytes().size() == Key::kGeneratedBytes);
  CHECK(c.fingerprint() != fp);
  c = std::move(b);
  CHECK(b.bytes().empty());  // NOLINT(bugprone-use-after-move): what a move leaves is the point
  CHECK(c.fingerprint() == fp);
  CHECK_FALSE(Key::from_bytes(std::vector<std::uint8_t>(Key::kMinBytes - 1, 1)).ok());
  // The same bytes give the same pseudonyms whichever way the key came in.
  pseudo::Pseudonymizer from_bytes(shared_key(std::vector<std::uint8_t>(32, 7)));
  pseudo::Pseudonymizer from_moved(std::make_shared<const Key>(std::move(c)));
  CHECK(from_bytes.uid("1.2.3") == from_moved.uid("1.2.3"));
}

TEST_CASE("keys: files that are not keys are refused without reading them whole") {
  std::string path = "/tmp/dicomscrub_unit_bad.key";
  auto write = [&](const std::string& text) {
    std::remove(path.c_str());
    { std::ofstream(path) << text; }
    ::chmod(path.c_str(), 0600);
  };
  write("00112233445566778899aabbccddeeff\n");
  auto ok = Key::from_file(path);
  REQUIRE(ok.ok());
  CHECK(ok->bytes().size() == 16);
  write("0011223344556677 8899aabbccddeeff 00\n");  // whitespace anywhere is allowed
  CHECK(Key::from_file(path).ok());
  write("secret-words-are-not-hex-digits!!\n");
  auto bad = Key::from_file(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().file == path);
  CHECK(bad.error().reason.find("secret") == std::string::npos);
  write("0011223344556677889\n");
  CHECK(Key::from_file(path).error().reason.find("odd number") != std::string::npos);
  write("00112233\n");
  CHECK(Key::from_file(path).error().reason.find("at least 16 bytes") != std::string::npos);
  write(std::string(8192, 'a'));
  CHECK(Key::from_file(path).error().reason.find("too large") != std::string::npos);
  std::remove(path.c_str());
  CHECK(Key::from_file(path).error().code == ErrorCode::io);
}

TEST_CASE("settings files: one reader with a size limit checked before reading") {
  std::string path = "/tmp/dicomscrub_unit_settings.json";
  { std::ofstream(path) << std::string(100, ' '); }
  auto small = detail::read_settings_file(path, "the profile file", 100);
  REQUIRE(small.ok());
  CHECK(small->size() == 100);
  auto big = detail::read_settings_file(path, "the profile file", 99);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == ErrorCode::limit_exceeded);
  std::remove(path.c_str());
  auto missing = profile::Profile::from_file(path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().reason == "cannot open the profile file");
  CHECK(missing.error().file == path);
}

TEST_CASE("profile JSON: rules by tag, keyword, mask and private creator; errors with line and column") {
  auto p = profile::Profile::from_json(R"JSON({
  "extends": "basic",
  "options": ["retain-uids"],
  "rules": [
    {"tag": "(0010,0010)", "action": "replace", "value": "RESEARCH"},
    {"keyword": "StudyDescription", "action": "keep"},
    {"mask": "(0019,xxxx)", "action": "keep"},
    {"private_creator": "ACME 1.0", "group": "0009", "element": "02", "action": "keep"}
  ]
})JSON", "t.json");
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message()));
  CHECK(p->option(profile::Option::retain_uids));
  auto d = p->decide(Tag(0x0010, 0x0010), vrs::PN, "");
  CHECK(d.action == profile::Action::replace);
  CHECK(*d.param == "RESEARCH");
  CHECK(d.why == "t.json:5");
  CHECK(p->decide(Tag(0x0008, 0x1030), vrs::LO, "").action == profile::Action::keep);
  CHECK(p->decide(Tag(0x0019, 0x1234), vrs::LO, "").action == profile::Action::keep);
  CHECK(p->decide(Tag(0x0009, 0x1002), vrs::LO, "ACME 1.0").action == profile::Action::keep);
  CHECK(p->decide(Tag(0x0009, 0x1002), vrs::LO, "OTHER").action == profile::Action::remove);

  auto bad = profile::Profile::from_json("{\n  \"rules\": [\n    {\"tag\": \"(0010,0010)\", \"action\": \"zap\"}\n  ]\n}", "b.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().reason.find("line 3, column 5") == 0);
  CHECK(bad.error().reason.find("hint") != std::string::npos);
  auto syntax = profile::Profile::from_json("{\n  \"options\": [\"retain_uids\" \"x\"]\n}", "s.json");
  REQUIRE_FALSE(syntax.ok());
  CHECK(syntax.error().reason.find("line 2") == 0);
  auto opt = profile::Profile::from_json("{\"options\": [\"retain_everything\"]}", "o.json");
  REQUIRE_FALSE(opt.ok());
  CHECK(opt.error().reason.find("retain_safe_private") != std::string::npos);  // the hint lists options
}

TEST_CASE("batch: two jobs give the same outcomes and bytes as one (run under TSan in CI)") {
  namespace fs = std::filesystem;
  auto inputs = collect_inputs({test::source_root() + "/tests/data/phi", test::source_root() + "/tests/data"});
  REQUIRE(inputs.size() > 20);
  auto e = engine({"clean_descriptors", "retain_long_modified_dates"});
  std::map<std::string, std::vector<std::uint8_t>> outputs[2];
  for (unsigned jobs : {1u, 2u}) {
    fs::path dir = fs::temp_directory_path() / ("dicomscrub_unit_batch_" + std::to_string(jobs));
    fs::remove_all(dir);
    BatchOptions o;
    o.output_dir = dir.string();
    o.jobs = jobs;
    auto outcomes = run_batch(e, inputs, o);
    REQUIRE(outcomes.size() == inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) CHECK(outcomes[i].input == inputs[i]);
    for (auto& p : fs::recursive_directory_iterator(dir))
      if (p.is_regular_file()) outputs[jobs - 1][fs::relative(p.path(), dir).string()] = test::read_bytes(p.path().string());
    fs::remove_all(dir);
  }
  CHECK(outputs[0].size() >= 10);
  CHECK(outputs[0] == outputs[1]);
}

TEST_CASE("deid regressions from fuzzing: every output reads back") {
  // First byte: the option set (as in fuzz/fuzz_deid.cpp); the rest: the input.
  static const std::vector<std::vector<std::string>> sets = {
      {}, {"clean_descriptors", "clean_structured_content", "retain_long_modified_dates"},
      {"retain_uids", "retain_safe_private", "retain_device_identity", "retain_institution_identity"},
      {"retain_patient_characteristics", "retain_long_full_dates", "clean_graphics", "clean_descriptors"}};
  int n = 0;
  for (const auto& path : test::list_files(test::source_root() + "/fuzz/regressions")) {
    if (path.find("/deid-") == std::string::npos) continue;
    auto bytes = test::read_bytes(path);
    REQUIRE(bytes.size() > 1);
    auto f = read_source(owning_memory_source(std::vector<std::uint8_t>(bytes.begin() + 1, bytes.end())), {}, path);
    REQUIRE(f.ok());
    auto r = engine(sets[bytes[0] % sets.size()]).apply(*f);
    REQUIRE(r.ok());
    if (r->withheld) continue;
    auto out = write_to_buffer(*f);
    REQUIRE(out.ok());
    auto again = read_source(owning_memory_source(*out), {}, "again");
    CHECK_MESSAGE(again.ok(), path << ": " << (again.ok() ? "" : again.error().message()));
    ++n;
  }
  CHECK(n >= 1);
}

TEST_CASE("deid: a retain option never keeps the patient's own name or ID written into what it retains (fuzz_deid finding)") {
  // Retain Device/Institution Identity and Patient Characteristics keep those attributes, and the
  // residual check trusts a kept place; fuzz_deid planted the patient's name in a station name, a
  // serial number, an institution and an ethnic group, and all four were written.
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2").element(0x0008, 0x0018, "UI", "1.2.3.4.5.6");
  e.element(0x0008, 0x0070, "LO", "ACME Medical").element(0x0008, 0x0080, "LO", "Wobblesworth Clinic");
  e.element(0x0008, 0x1010, "SH", "WOBBLESWORTH CT1");
  e.element(0x0010, 0x0010, "PN", "Wobblesworth^Henrietta").element(0x0010, 0x0020, "LO", "WB7463840");
  e.element(0x0010, 0x2160, "SH", "Henrietta").element(0x0018, 0x1000, "LO", "WB7463840").element(0x0018, 0x1020, "LO", "VA10B");
  e.element(0x0020, 0x000D, "UI", "1.2.3.4").element(0x0020, 0x000E, "UI", "1.2.3.4.1");
  auto f = read_source(owning_memory_source(e.out), ReadOptions{"1.2.840.10008.1.2.1"}, "kept");
  REQUIRE(f.ok());
  auto r = engine({"retain_device_identity", "retain_institution_identity", "retain_patient_characteristics"}).apply(*f);
  REQUIRE(r.ok());
  CHECK_FALSE(r->withheld);
  CHECK(str(*f, Tag(0x0008, 0x1010)) == "CT1");                                     // the name cut out, the rest kept
  CHECK(str(*f, Tag(0x0008, 0x0080))->find("Wobblesworth") == std::string::npos);
  CHECK(str(*f, Tag(0x0010, 0x2160)).value_or("").find("Henrietta") == std::string::npos);
  CHECK(str(*f, Tag(0x0018, 0x1000)).value_or("").find("7463840") == std::string::npos);
  CHECK(str(*f, Tag(0x0008, 0x0070)) == "ACME Medical");  // what names no one stays as retained
  CHECK(str(*f, Tag(0x0018, 0x1020)) == "VA10B");
}

TEST_CASE("profile: a mask rule keeping identifying attributes is reported by profile check (fuzz_profile finding)") {
  // identifying_keeps() named rules by tag and private element only: {"mask": "(0010,xxxx)",
  // "action": "keep"} kept the patient's name and ID without a word from `profile check`.
  auto p = profile::Profile::from_json(R"j({"rules": [{"mask": "(0010,xxxx)", "action": "keep"}, {"mask": "(0019,xxxx)", "action": "keep"},
                                                       {"mask": "(0028,xxxx)", "action": "remove"}]})j", "site.json");
  REQUIRE(p.ok());
  auto keeps = p->identifying_keeps();
  INFO(keeps.front());
  REQUIRE(keeps.size() == 1);  // (0019,xxxx) holds nothing E.1-1 lists; (0028,xxxx) is removed, not kept
  CHECK(keeps[0].find("site.json") != std::string::npos);
  CHECK(keeps[0].find("Patient") != std::string::npos);
  CHECK(p->decide(Tag(0x0010, 0x0010), vrs::PN, "").action == profile::Action::keep);
}

TEST_CASE("deid: a name written as UTF-16 inside a text value withholds (fuzz_deid finding)") {
  // Patient Comments (cleaned as text under Clean Descriptors) held "Q\0U\0I\0X..." between
  // ordinary words: decoded as text it is no word, so neither the cleaner nor the check saw it.
  std::string hidden = "Seen by Dr X; call 555-86";
  for (char c : std::string("KOWALCZYK")) { hidden += c; hidden += '\0'; }
  hidden += "4/12";
  Enc e;
  e.element(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2").element(0x0008, 0x0018, "UI", "1.2.3.4.5.6");
  e.element(0x0010, 0x0010, "PN", "Kowalczyk^Zofia").element(0x0010, 0x0020, "LO", "MRN77");
  e.element(0x0010, 0x4000, "LT", hidden);
  e.element(0x0020, 0x000D, "UI", "1.2.3.4").element(0x0020, 0x000E, "UI", "1.2.3.4.1");
  auto f = read_source(owning_memory_source(e.out), ReadOptions{"1.2.840.10008.1.2.1"}, "utf16");
  REQUIRE(f.ok());
  auto r = engine({"clean_descriptors"}).apply(*f);
  REQUIRE(r.ok());
  CHECK(r->withheld);
  CHECK(r->withhold_reason.find("(0010,4000)") != std::string::npos);
}
