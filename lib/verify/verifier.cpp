// lib/verify/verifier.cpp — see verifier.hpp.
#include "verify/verifier.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <regex>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "charset/charset.hpp"
#include "core/text.hpp"
#include "deid/identifiers.hpp"

namespace dicomscrub::verify {
namespace {

using detail::split_value;
using detail::trim_value;

using detail::lower_ascii;

bool word_char(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

bool contains(const std::string& hay_lower, const std::string& needle_lower, bool whole_word) {
  std::size_t pos = 0;
  while ((pos = hay_lower.find(needle_lower, pos)) != std::string::npos) {
    bool ok = true;
    if (whole_word) {
      if (pos > 0 && word_char(static_cast<unsigned char>(hay_lower[pos - 1]))) ok = false;
      std::size_t e = pos + needle_lower.size();
      if (e < hay_lower.size() && word_char(static_cast<unsigned char>(hay_lower[e]))) ok = false;
    }
    if (ok) return true;
    ++pos;
  }
  return false;
}

using charset::terms_of;

std::string decoded(const Element& e, const std::vector<std::string>& cs) {
  auto b = e.value.bytes();
  if (!b) return {};
  return charset::decode(*b, cs, e.vr);
}

void add_parts(std::vector<Needle>& out, const std::string& v, Kind kind) {
  for (auto& group : split_value(v, '=')) {
    std::string g = group;
    std::replace(g.begin(), g.end(), '^', ' ');
    std::replace(g.begin(), g.end(), ',', ' ');
    for (auto& part : split_value(g, ' ')) {
      std::string p = trim_value(part);
      if (p.size() >= 2 && lower_ascii(p) != "anonymized") out.push_back({p, kind, true});
    }
  }
}

struct Scanner {
  const std::vector<Needle>& needles;
  std::vector<Finding>& findings;
  std::vector<std::string> needle_lower;

  // The tag path is built only when something is found: most values hold nothing.
  void text(const std::string& prefix, Tag tag, const std::string& utf8, bool coded) {
    std::string l = lower_ascii(utf8);
    // Which bytes occur at all: a needle whose first byte does not is skipped without a search.
    std::array<bool, 256> present{};
    for (unsigned char c : l) present[c] = true;
    bool has_digit = false;
    for (std::size_t i = 0; i < needles.size(); ++i) {
      const Needle& n = needles[i];
      if (n.kind == Kind::phone || needle_lower[i].size() > l.size()) continue;
      if (needle_lower[i].empty() || !present[static_cast<unsigned char>(needle_lower[i][0])]) continue;
      // Coded values (CS, UI, numbers) cannot hold a name; an ID or date can still hide there.
      if (coded && (n.kind == Kind::patient_name || n.kind == Kind::other_name || n.kind == Kind::institution)) continue;
      if (contains(l, needle_lower[i], n.whole_word)) findings.push_back({prefix + tag.str(), n.kind});
    }
    for (char c : utf8) has_digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (!has_digit) return;
    // Phone numbers: compare digits only.
    std::string digits;
    for (char c : utf8) if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    for (const auto& n : needles)
      if (n.kind == Kind::phone && digits.find(n.text) != std::string::npos) findings.push_back({prefix + tag.str(), n.kind});
  }

  void raw(const std::string& prefix, Tag tag, Bytes b) {
    // Binary values (private OB/UN, documents): look for the longer needles as ASCII/UTF-8 bytes.
    std::string hay = lower_ascii(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    for (std::size_t i = 0; i < needles.size(); ++i)
      if (needles[i].text.size() >= 5 && needles[i].kind != Kind::phone && hay.find(needle_lower[i]) != std::string::npos)
        findings.push_back({prefix + tag.str(), needles[i].kind});
  }

  void dataset(const Dataset& ds, const std::string& prefix, const std::vector<std::string>& inherited) {
    auto cs = terms_of(ds, inherited);
    for (const auto& e : ds.elements()) {
      if (e.form == ElementForm::sequence) {
        const std::string path = prefix + e.tag.str();
        for (std::size_t i = 0; i < e.items.size(); ++i) dataset(e.items[i].dataset, fmt::format("{}[{}]/", path, i), cs);
        continue;
      }
      if (e.tag == tags::pixel_data || e.form == ElementForm::encapsulated) continue;  // pixels: not text
      auto b = e.value.bytes();
      if (!b || b->empty()) continue;
      if (is_string_vr(e.vr)) {
        using namespace vrs;
        bool coded = e.vr == CS || e.vr == UI || e.vr == DS || e.vr == IS || e.vr == AS || e.vr == DA || e.vr == TM || e.vr == DT;
        text(prefix, e.tag, decoded(e, cs), coded);
      } else {
        raw(prefix, e.tag, *b);
      }
    }
  }
};

}  // namespace

const char* to_string(Kind k) {
  switch (k) {
    case Kind::patient_name: return "patient name part";
    case Kind::other_name: return "person name part";
    case Kind::patient_id: return "patient or visit identifier";
    case Kind::birth_date: return "birth date";
    case Kind::other_date: return "study date";
    case Kind::address: return "address";
    case Kind::phone: return "phone number";
    case Kind::institution: return "institution";
    case Kind::ssn: return "social security number pattern";
    case Kind::email: return "e-mail address pattern";
  }
  return "?";
}

std::vector<Needle> collect_needles(const Dataset& ds, const Policy& policy) {
  std::vector<Needle> out;
  auto cs = terms_of(ds, {});
  auto text = [&](Tag t) {
    const Element* e = ds.find(t);
    return e && e->form == ElementForm::value ? trim_value(decoded(*e, cs)) : std::string();
  };
  add_parts(out, text(Tag(0x0010, 0x0010)), Kind::patient_name);
  add_parts(out, text(Tag(0x0010, 0x1001)), Kind::patient_name);
  add_parts(out, text(Tag(0x0010, 0x1060)), Kind::patient_name);
  for (Tag t : {Tag(0x0008, 0x0090), Tag(0x0008, 0x1050), Tag(0x0008, 0x1070), Tag(0x0032, 0x1032), Tag(0x0008, 0x1060)})
    add_parts(out, text(t), Kind::other_name);
  // Identifiers of the patient, the visit and the order, wherever they sit (request sequences
  // carry accession numbers and procedure IDs in items).
  static const Tag id_tags[] = {Tag(0x0010, 0x0020), Tag(0x0010, 0x1000), Tag(0x0008, 0x0050), Tag(0x0038, 0x0010),
                                Tag(0x0038, 0x0400), Tag(0x0040, 0x1001), Tag(0x0040, 0x0009), Tag(0x0040, 0x2016),
                                Tag(0x0040, 0x2017), Tag(0x0040, 0x0253), Tag(0x0010, 0x21B0)};
  std::function<void(const Dataset&, const std::vector<std::string>&)> ids = [&](const Dataset& d, const std::vector<std::string>& inh) {
    auto c = terms_of(d, inh);
    for (const auto& e : d.elements()) {
      for (const auto& item : e.items) ids(item.dataset, c);
      if (e.form != ElementForm::value || std::find(std::begin(id_tags), std::end(id_tags), e.tag) == std::end(id_tags)) continue;
      for (auto& v : split_value(decoded(e, c), '\\'))
        if (trim_value(v).size() >= 4) out.push_back({trim_value(v), Kind::patient_id, false});
    }
  };
  ids(ds, cs);
  for (auto& s : deid::date_spellings(text(Tag(0x0010, 0x0030)))) out.push_back({s, Kind::birth_date, false});
  if (!policy.dates_retained)
    for (Tag t : {Tag(0x0008, 0x0020), Tag(0x0008, 0x0021), Tag(0x0008, 0x0022), Tag(0x0008, 0x0023)})
      for (auto& s : deid::date_spellings(text(t))) out.push_back({s, Kind::other_date, false});
  std::string address = text(Tag(0x0010, 0x1040));
  if (address.size() >= 6) out.push_back({address, Kind::address, false});
  for (auto& part : split_value(address, '^'))
    if (trim_value(part).size() >= 8) out.push_back({trim_value(part), Kind::address, false});
  for (auto& p : split_value(text(Tag(0x0010, 0x2154)), '\\')) {
    std::string d;
    for (char c : p) if (std::isdigit(static_cast<unsigned char>(c))) d += c;
    if (d.size() >= 7) out.push_back({d, Kind::phone, false});
  }
  if (!policy.institution_retained) {
    std::string inst = text(Tag(0x0008, 0x0080));
    if (inst.size() >= 4) out.push_back({inst, Kind::institution, false});
  }
  // Dedupe; keep the first kind given.
  std::vector<Needle> unique;
  std::set<std::pair<std::string, bool>> seen;
  for (auto& n : out)
    if (seen.insert({lower_ascii(n.text), n.whole_word}).second) unique.push_back(std::move(n));
  return unique;
}

std::vector<Finding> scan(const DicomFile& file, const std::vector<Needle>& needles) {
  std::vector<Finding> findings;
  Scanner s{needles, findings, {}};
  for (const auto& n : needles) s.needle_lower.push_back(lower_ascii(n.text));
  s.dataset(file.meta, "", {});
  s.dataset(file.dataset, "", {});
  // One finding per (place, kind) is enough to act on.
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) { return std::tie(a.where, a.kind) < std::tie(b.where, b.kind); });
  findings.erase(std::unique(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) { return a.where == b.where && a.kind == b.kind; }), findings.end());
  return findings;
}

std::vector<Finding> scan_standalone(const DicomFile& file) {
  std::vector<Finding> findings;
  const Dataset& ds = file.dataset;
  auto is_blank = [](const std::string& v) { std::string l = lower_ascii(trim_value(v)); return l.empty() || l == "anonymized" || l == "anonymous"; };
  auto cs = terms_of(ds, {});
  // The identifying attributes themselves still hold something.
  for (auto [tag, kind] : {std::pair{Tag(0x0010, 0x0010), Kind::patient_name}, {Tag(0x0010, 0x0030), Kind::birth_date},
                           {Tag(0x0010, 0x1040), Kind::address}, {Tag(0x0010, 0x2154), Kind::phone},
                           {Tag(0x0010, 0x1001), Kind::patient_name}}) {
    const Element* e = ds.find(tag);
    if (e && e->form == ElementForm::value && !is_blank(decoded(*e, cs))) findings.push_back({tag.str(), kind});
  }
  if (trim_value(ds.get_string(Tag(0x0012, 0x0062)).value_or("")) != "YES") {
    // Not marked de-identified: its own identifiers count wherever else they appear.
    auto own = scan(file, collect_needles(ds, {}));
    for (auto& f : own) if (f.where != "(0010,0010)" && f.where != "(0010,0020)" && f.where != "(0010,0030)") findings.push_back(f);
    if (const Element* id = ds.find(Tag(0x0010, 0x0020)); id && !is_blank(decoded(*id, cs))) findings.push_back({"(0010,0020)", Kind::patient_id});
  }
  // Patterns that look like PHI in any free text.
  static const std::regex ssn(R"((^|[^0-9])[0-9]{3}-[0-9]{2}-[0-9]{4}([^0-9]|$))");
  static const std::regex email(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
  std::function<void(const Dataset&, const std::string&, const std::vector<std::string>&)> walk =
      [&](const Dataset& d, const std::string& prefix, const std::vector<std::string>& inh) {
        auto c = terms_of(d, inh);
        for (const auto& e : d.elements()) {
          std::string path = prefix + e.tag.str();
          for (std::size_t i = 0; i < e.items.size(); ++i) walk(e.items[i].dataset, fmt::format("{}[{}]/", path, i), c);
          if (e.form != ElementForm::value || !is_text_vr(e.vr)) continue;
          std::string v = decoded(e, c);
          if (std::regex_search(v, ssn)) findings.push_back({path, Kind::ssn});
          if (std::regex_search(v, email)) findings.push_back({path, Kind::email});
        }
      };
  walk(ds, "", {});
  return findings;
}

}  // namespace dicomscrub::verify
