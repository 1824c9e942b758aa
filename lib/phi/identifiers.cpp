// lib/phi/identifiers.cpp — collecting the instance's identifiers (see phi.hpp): every person name
// at any depth (PN values, by VR, so a name in a private or unexpected PN attribute counts too), the
// IDs of the patient, visit, order and device, birth dates, institution, addresses and phone numbers
// at any depth and in every copy of a tag, study dates at the top level. Values the engine writes itself (ANONYMIZED, 19000101, 2.25 UIDs)
// are never identifiers, so a de-identified file run again is not taken for PHI.
#include <algorithm>
#include <array>
#include <functional>
#include <set>
#include <type_traits>

#include "charset/charset.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"
#include "phi/fold.hpp"
#include "phi/lexicon.hpp"
#include "phi/phi.hpp"

namespace dicomscrub::phi {
namespace {

using detail::split_value;
using detail::trim_value;

// What the engine writes as dummies, and what "no value" looks like in the wild.
bool engine_written(std::string_view folded) {
  static constexpr std::string_view dummies[] = {"anonymized", "anonymous", "anon", "removed", "19000101", "000000",
                                                 "19000101000000", "000y", "0", "unknown", "none", "n/a", "na"};
  if (std::find(std::begin(dummies), std::end(dummies), folded) != std::end(dummies)) return true;
  return folded.substr(0, 5) == "2.25.";
}

bool has_unspaced(std::string_view folded) {
  for (std::size_t i = 0; i < folded.size();) {
    unsigned char c = static_cast<unsigned char>(folded[i]);
    char32_t cp = c;
    std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > 1 && i + n <= folded.size()) {
      cp = c & (0xFF >> (n + 1));
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(folded[i + k]) & 0x3F);
    }
    if (unspaced_script(cp)) return true;
    i += n;
  }
  return false;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string with_ascii_apostrophes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 3) == "\xE2\x80\x99") { out += '\''; i += 2; }       // U+2019
    else if (s.substr(i, 2) == "\xCA\xBC") { out += '\''; i += 1; }       // U+02BC
    else out += s[i] == '`' ? '\'' : s[i];
  }
  return out;
}

constexpr Tag kPatientNames[] = {Tag(0x0010, 0x0010), Tag(0x0010, 0x1001), Tag(0x0010, 0x1005), Tag(0x0010, 0x1060), Tag(0x0010, 0x2297)};
constexpr Tag kIdTags[] = {Tag(0x0010, 0x0020), Tag(0x0010, 0x1000), Tag(0x0010, 0x1090), Tag(0x0008, 0x0050), Tag(0x0020, 0x0010),
                           Tag(0x0038, 0x0010), Tag(0x0038, 0x0060), Tag(0x0040, 0x1001), Tag(0x0040, 0x0009), Tag(0x0040, 0x2016),
                           Tag(0x0040, 0x2017), Tag(0x0040, 0x0253), Tag(0x0040, 0x1400)};
constexpr Tag kDeviceIdTags[] = {Tag(0x0018, 0x1000), Tag(0x0008, 0x1010)};
// Patient's Address, Person's Address; Patient's / Referring Physician's / Person's Telephone Numbers
// and Patient's Telecom Information.
constexpr Tag kAddressTags[] = {Tag(0x0010, 0x1040), Tag(0x0040, 0x1102)};
constexpr Tag kPhoneTags[] = {Tag(0x0010, 0x2154), Tag(0x0010, 0x2155), Tag(0x0008, 0x0094), Tag(0x0040, 0x1103)};

template <std::size_t N>
bool in(const Tag (&list)[N], Tag t) { return std::find(std::begin(list), std::end(list), t) != std::end(list); }

struct Collector {
  InstanceIdentifiers& ids;
  const Policy& policy;
  std::uint32_t persons = 0;

  void add_person(const std::string& value, Kind kind) {
    std::vector<std::string> parts;
    std::vector<std::size_t> group_of;
    std::size_t group_no = 0;
    for (auto& group : split_value(value, '=')) {
      ++group_no;
      std::string g = fold(group);
      if (engine_written(trim_value(g))) continue;
      bool unspaced = has_unspaced(g);
      if (unspaced) {  // the whole group without separators ("山田太郎") as well as its components
        std::string whole;
        for (char c : g) if (c != '^' && c != ' ') whole += c;
        if (code_points(whole) >= 2) { parts.push_back(whole); group_of.push_back(0); }
      }
      // Typographic apostrophes as the ASCII one: "O’Connor" is "O'Connor".
      g = with_ascii_apostrophes(g);
      std::string cur, word;
      auto flush = [&] {
        if (!cur.empty() && !engine_written(cur)) { parts.push_back(cur); group_of.push_back(group_no); }
        cur.clear();
      };
      // A part with an elision ("O'Connor", "D'Angelo", "N'Diaye") is also whole without its
      // apostrophe: "o" alone is too short to find and "connor" is an ordinary word, while the
      // detector joins "O'CONNOR" in text across the apostrophe.
      auto flush_word = [&] {
        if (word.find('\'') != std::string::npos) {
          std::string whole;
          for (char c : word) if (c != '\'') whole += c;
          if (whole.size() >= 4 && !engine_written(whole)) { parts.push_back(whole); group_of.push_back(0); }
        }
        word.clear();
      };
      for (char c : g) {
        if (c == '^' || c == ' ' || c == ',' || c == '.' || c == '\\') { flush(); flush_word(); }
        else if (c == '-' || c == '\'') { flush(); word += c; }
        else { cur += c; word += c; }
      }
      flush();
      flush_word();
    }
    if (parts.empty()) return;
    std::uint32_t person = persons++;
    for (const auto& p : parts) {
      bool uns = has_unspaced(p);
      bool weak = uns ? code_points(p) < 2 : (p.size() <= 2 || lexicon::is_vocabulary(p) || lexicon::is_title(p));
      ids.names.push_back({p, kind, weak, uns, person});
    }
    // Glued pairs of one group's parts, from its first kMaxGluedParts distinct parts only: the pairs
    // grow as the square of the parts, and a hostile 530-byte PN value of 52 distinct parts made 2,700
    // that every token of the file was then compared with (fuzz_deid timeout). Real names have far
    // fewer parts; the parts past the limit still count alone.
    constexpr std::size_t kMaxGluedParts = 12;
    std::vector<std::size_t> gluable;
    for (std::size_t a = 0; a < parts.size(); ++a) {
      if (group_of[a] == 0 || parts[a].size() < 2) continue;
      std::size_t in_group = 0, same = 0;
      for (std::size_t g : gluable) {
        in_group += group_of[g] == group_of[a];
        same += group_of[g] == group_of[a] && parts[g] == parts[a];
      }
      if (same == 0 && in_group < kMaxGluedParts) gluable.push_back(a);
    }
    for (std::size_t a : gluable)
      for (std::size_t b : gluable)
        if (a != b && group_of[a] == group_of[b] && parts[a].size() + parts[b].size() >= 6)
          ids.joined.push_back(parts[a] + parts[b]);
  }

  void add_id(const std::string& value, bool device) {
    for (auto& v : split_value(value, '\\')) {
      std::string f = fold(trim_value(v));
      if (f.size() < 4 || engine_written(f) || lexicon::is_vocabulary(f)) continue;
      InstanceIdentifiers::Id id{f, letters_and_digits(f), true, device};
      for (char c : f)
        if (!(c >= '0' && c <= '9')) id.digits_only = false;
      // The number inside a lettered ID ("MRN00412345" written "ID#00412345"): its digits alone,
      // 6 or more, found as a number (not inside a longer one).
      std::string digits;
      for (char c : f)
        if (c >= '0' && c <= '9') digits += c;
      // Not a device's: a serial's digits name no patient, and could meet a UID's root by chance.
      const bool number_inside = !id.digits_only && !device && digits.size() >= 6;
      ids.ids.push_back(std::move(id));
      if (number_inside) ids.ids.push_back({digits, digits, true, false});
    }
  }

  // The town before a postal code ("little rock" of "little rock ar 72223", "amsterdam" of "1016 gc
  // amsterdam" is left to the words): the words before a 5-digit code and a 2-letter state, or
  // before the code alone; a town of ordinary words ("Little Rock") is still the patient's town.
  void add_town(const std::string& part) {
    std::vector<std::string> w;
    for (auto& x : split_value(part, ' '))
      if (!trim_value(x).empty()) w.push_back(trim_value(x));
    auto postal = [](const std::string& t) {
      std::size_t d = 0;
      for (char c : t) d += c >= '0' && c <= '9';
      return (t.size() == 5 && d == 5) || (t.size() == 10 && d == 9 && t[5] == '-');
    };
    auto letters = [](const std::string& t) {
      for (unsigned char c : t)
        if (!((c >= 'a' && c <= 'z') || c >= 0x80 || c == '-' || c == '\'' || c == '.')) return false;
      return true;
    };
    for (std::size_t z = 1; z < w.size(); ++z) {
      if (!postal(w[z])) continue;
      std::size_t end = z;
      if (end >= 2 && w[end - 1].size() == 2 && letters(w[end - 1])) --end;  // the state
      std::size_t begin = end;
      while (begin > 0 && letters(w[begin - 1]) && end - begin < 4) --begin;
      std::string town;
      for (std::size_t i = begin; i < end; ++i) town += (town.empty() ? "" : " ") + w[i];
      if (town.size() >= 6 && !engine_written(town)) ids.addresses.push_back(town);
    }
  }

  void add_address_words(const std::string& folded) {
    static constexpr std::string_view street_words[] = {"allee", "avenue", "boulevard", "calle", "chemin", "close", "court",
                                                        "crescent", "drive", "place", "route", "strasse", "street", "terrace"};
    std::string w;
    auto flush = [&] {
      bool letters = w.size() >= 5;
      for (char c : w) letters &= !(c >= '0' && c <= '9');
      if (letters && !lexicon::is_vocabulary(w) && !engine_written(w) &&
          std::find(std::begin(street_words), std::end(street_words), w) == std::end(street_words))
        ids.addresses.push_back(w);
      w.clear();
    };
    for (char c : folded) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80) w += c;
      else flush();
    }
    flush();
  }

  void add_date(const std::string& value, Kind kind) {
    std::string v = trim_value(value);
    if (v.size() < 8 || engine_written(v.substr(0, 8))) return;
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 8; ++i) {
      if (v[i] < '0' || v[i] > '9') return;
      (i < 4 ? y : i < 6 ? m : d) = (i < 4 ? y : i < 6 ? m : d) * 10 + (v[i] - '0');
    }
    if (m < 1 || m > 12 || d < 1 || d > 31) return;
    ids.dates.push_back({y, m, d, kind});
  }

  // The value's bytes, read from the file when the reader left it there (a 300 KiB Patient's
  // Name stays in the file: it must count all the same). Values past kMaxRead are not read.
  static constexpr std::uint32_t kMaxRead = 64u << 20;
  std::string text_of(const Element& e, VR vr, const std::vector<std::string>& cs) {
    if (auto b = e.value.bytes()) return charset::decode(*b, cs, vr);
    if (e.undefined_length() || e.length > kMaxRead) return {};
    auto loaded = e.value.load();
    if (!loaded) return {};
    return charset::decode(Bytes(loaded->data(), loaded->size()), cs, vr);
  }

  // The VR a value is read as: a string VR the dictionary gives a standard tag wins over UN or
  // another string VR written in the file (a Patient's Name declared UN or LO is still a name), as
  // the engine reads it. A value declared PN is a name whatever its tag.
  static VR effective_vr(const Element& e) {
    if (e.vr != vrs::UN && !is_string_vr(e.vr)) return e.vr;
    const dict::DictEntry* d = dict::lookup(e.tag);
    return d && is_string_vr(d->vr) ? d->vr : e.vr;
  }

  // Every copy of every attribute at every depth: a file may hold a tag twice (the reader keeps
  // both, in file order, even out of order), and a patient identity inside Other Patient IDs,
  // Referenced Patient, Request Attributes or Original/Modified Attributes items is as identifying
  // as the top level's.
  void walk(const Dataset& ds, const std::vector<std::string>& inherited, bool top) {
    auto cs = charset::terms_of(ds, inherited);
    for (const auto& e : ds.elements()) {
      for (const auto& item : e.items) walk(item.dataset, cs, false);
      if (e.form != ElementForm::value) continue;
      const VR vr = effective_vr(e);
      if (vr == vrs::PN || e.vr == vrs::PN) {  // declared PN counts too ("House^Gregory" as a time)
        add_person(trim_value(text_of(e, vrs::PN, cs)), in(kPatientNames, e.tag) ? Kind::patient_name : Kind::person_name);
      } else if (in(kIdTags, e.tag) || (!policy.device_retained && in(kDeviceIdTags, e.tag))) {
        add_id(text_of(e, vr, cs), in(kDeviceIdTags, e.tag));
      } else if (e.tag == Tag(0x0010, 0x0030)) {
        add_date(text_of(e, vr, cs), Kind::birth_date);
      } else if (top && !policy.dates_retained && e.tag.group == 0x0008 && e.tag.element >= 0x0020 && e.tag.element <= 0x0023) {
        add_date(text_of(e, vr, cs), Kind::study_date);
      } else if (e.tag == Tag(0x0008, 0x0080) && !policy.institution_retained) {
        std::string f = fold(trim_value(text_of(e, vr, cs)));
        // One ordinary word ("Here", "Radiology") is no site's name on its own.
        bool one_word = f.find(' ') == std::string::npos;
        if (!engine_written(f) && f.size() >= 4 && !(one_word && lexicon::is_vocabulary(f))) {
          // A site that entered its scanner's maker as its name (TOSHIBA, Manufacturer TOSHIBA_MEC):
          // that name in the device attributes is the maker's, not the site's.
          std::string maker;
          if (const Element* m = ds.find(Tag(0x0008, 0x0070)); m && m->form == ElementForm::value) maker = fold(text_of(*m, vrs::LO, cs));
          // Compared by letters and digits too ("FUJI PHOTO FILM CO.," and "FUJI PHOTO FILM CO. LTD.").
          const bool is_maker = !maker.empty() && (maker.find(f) != std::string::npos ||
                                                   letters_and_digits(maker).find(letters_and_digits(f)) != std::string::npos);
          ids.institutions.push_back({f, is_maker});
        }
      } else if (in(kAddressTags, e.tag) || (e.tag == Tag(0x0008, 0x0081) && !policy.institution_retained)) {
        std::string f = fold(trim_value(text_of(e, vr, cs)));
        if (engine_written(f)) continue;
        if (f.size() >= 6) ids.addresses.push_back(f);
        for (auto& line : split_value(f, '^'))
          for (auto& part : split_value(line, ',')) {  // "1261 Leawood Street, Little Rock AR 72223"
            std::string p = trim_value(part);
            if (p.size() >= 8 && p != f) ids.addresses.push_back(p);
            if (e.tag != Tag(0x0008, 0x0081)) add_town(p);
          }
        // A person's street or town named alone ("XERXESWOOD" of "4471 XERXESWOOD AVENUE"; HIPAA
        // counts a town as an identifier): its words of 5+ letters that are no ordinary word.
        if (e.tag != Tag(0x0008, 0x0081)) add_address_words(f);
      } else if (in(kPhoneTags, e.tag)) {
        for (auto& p : split_value(text_of(e, vr, cs), '\\')) {
          std::string d;
          for (char c : p) if (c >= '0' && c <= '9') d += c;
          if (d.size() >= 7) ids.phones.push_back(d);
        }
      }
    }
  }
};

// Keeps the first of each key, in the found order. A set of the keys seen, not a scan of the kept:
// a file may hold thousands of names (fuzz_deid timeout: the scan was quadratic).
template <class T, class Key>
void dedupe(std::vector<T>& v, Key key) {
  std::set<std::decay_t<decltype(key(v.front()))>> seen;
  std::vector<T> out;
  for (auto& x : v)
    if (seen.insert(key(x)).second) out.push_back(std::move(x));
  v = std::move(out);
}

}  // namespace

std::string decoded(const Element& e, const std::vector<std::string>& cs) {
  auto b = e.value.bytes();
  if (!b) return {};
  return charset::decode(*b, cs, e.vr);
}

InstanceIdentifiers collect(const Dataset& ds, const Policy& policy) {
  InstanceIdentifiers ids;
  Collector c{ids, policy};
  c.walk(ds, {}, true);
  // A part that is the patient's counts as the patient's, even when another person shares it.
  // Kind by kind, keeping the found order within a kind (a stable sort without std::stable_sort's
  // temporary buffer, which ASan reports as an alloc-dealloc mismatch in the unit-test binary).
  {
    std::vector<InstanceIdentifiers::Name> by_kind;
    by_kind.reserve(ids.names.size());
    int lo = 0, hi = -1;
    for (const auto& n : ids.names) { lo = std::min(lo, int(n.kind)); hi = std::max(hi, int(n.kind)); }
    for (int k = lo; k <= hi; ++k)
      for (auto& n : ids.names)
        if (int(n.kind) == k) by_kind.push_back(std::move(n));
    ids.names = std::move(by_kind);
  }
  dedupe(ids.names, [](const auto& n) { return n.folded; });
  dedupe(ids.joined, [](const auto& s) { return s; });
  dedupe(ids.ids, [](const auto& i) { return i.folded; });
  dedupe(ids.dates, [](const auto& d) { return d.y * 10000 + d.m * 100 + d.d; });
  dedupe(ids.institutions, [](const auto& s) { return s.folded; });
  dedupe(ids.addresses, [](const auto& s) { return s; });
  dedupe(ids.phones, [](const auto& s) { return s; });
  return ids;
}

}  // namespace dicomscrub::phi
