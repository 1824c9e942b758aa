// lib/deid/value_rules.cpp — see value_rules.hpp.
#include "deid/value_rules.hpp"

#include "dict/dictionary.hpp"

namespace dicomscrub::deid {
namespace {

using namespace vrs;

std::size_t fixed_width(VR vr) {
  if (vr == US || vr == SS) return 2;
  if (vr == UL || vr == SL || vr == FL || vr == AT) return 4;
  if (vr == FD || vr == SV || vr == UV) return 8;
  return 0;
}

// Pairs PS3.6 lists as "X or Y" (the dictionary keeps the first): either spelling is the element.
bool alternative(Tag tag, VR dict_vr, VR declared) {
  if ((dict_vr == OB || dict_vr == OW) && (declared == OB || declared == OW)) return true;
  if ((dict_vr == US || dict_vr == SS) && (declared == US || declared == SS)) return true;
  // LUT Data and Gray LUT Data: "US or OW" / "US or SS or OW".
  if (dict_vr == US && declared == OW) return tag == Tag(0x0028, 0x3006) || tag == Tag(0x0028, 0x1200);
  return false;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// One value of a multi-valued string, without its padding.
bool value_ok(VR vr, std::string_view v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
  if (vr != UI)
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.empty()) return true;
  auto all = [&](auto pred) { for (char c : v) if (!pred(c)) return false; return true; };
  if (vr == CS) return v.size() <= 16 && all([](char c) { return (c >= 'A' && c <= 'Z') || digit(c) || c == ' ' || c == '_'; });
  if (vr == UI) return v.size() <= 64 && all([](char c) { return digit(c) || c == '.'; });
  if (vr == IS) {
    std::string_view d = (v.front() == '+' || v.front() == '-') ? v.substr(1) : v;
    return v.size() <= 12 && !d.empty() && all([](char c) { return digit(c) || c == '+' || c == '-'; }) &&
           [&] { for (char c : d) if (!digit(c)) return false; return true; }();
  }
  if (vr == DS) {
    bool any_digit = false;
    for (char c : v) any_digit |= digit(c);
    return v.size() <= 16 && any_digit && all([](char c) { return digit(c) || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'; });
  }
  // Dates and times: digits and their separators (ACR-NEMA dates had dots, old times colons).
  if (vr == DA) return v.size() <= 10 && all([](char c) { return digit(c) || c == '.'; });
  if (vr == TM) return v.size() <= 16 && all([](char c) { return digit(c) || c == '.' || c == ':'; });
  if (vr == DT) return v.size() <= 26 && all([](char c) { return digit(c) || c == '.' || c == '+' || c == '-'; });
  if (vr == AS) return v.size() == 4 && digit(v[0]) && digit(v[1]) && digit(v[2]) &&
                       (v[3] == 'D' || v[3] == 'W' || v[3] == 'M' || v[3] == 'Y');
  return true;
}

}  // namespace

bool has_repertoire_rule(VR vr) {
  return vr == CS || vr == IS || vr == DS || vr == DA || vr == TM || vr == DT || vr == AS || vr == UI;
}

bool conforms(VR vr, std::string_view value) {
  if (!has_repertoire_rule(vr)) return true;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = value.find('\\', start);
    if (!value_ok(vr, value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start))) return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

VrJudgement judge_vr(const Element& e, bool big_endian) {
  if (e.tag.is_private() || e.tag.is_group_length() || e.tag.group == 0xFFFE) return {};
  const dict::DictEntry* entry = dict::lookup(e.tag);
  if (!entry || entry->vr == UN || entry->vr == e.vr) return {};
  const VR dict_vr = entry->vr;
  if (alternative(e.tag, dict_vr, e.vr)) return {};
  if (e.vr == UN) {
    // A UN sequence of undefined length was read as items already; one of defined length is opaque
    // bytes the walk cannot enter.
    if (dict_vr == SQ) return e.form == ElementForm::sequence ? VrJudgement{} : VrJudgement{VrJudgement::Kind::remove, {}, "UN holding a sequence the walk cannot enter"};
    if (e.form != ElementForm::value) return {VrJudgement::Kind::remove, {}, "UN with a form its dictionary VR cannot have"};
    if (!has_long_length(dict_vr) && e.value.size() > 0xFFFF) return {VrJudgement::Kind::remove, {}, "UN too long for its dictionary VR"};
    if (std::size_t w = fixed_width(dict_vr)) {
      // UN bytes are little endian (PS3.5 6.2.2); a big-endian data set would need them swapped.
      if (big_endian || e.value.size() % w) return {VrJudgement::Kind::remove, {}, "UN that does not decode as its dictionary VR"};
    }
    return {VrJudgement::Kind::reinterpret, dict_vr, {}};
  }
  // Between two character-string VRs the bytes are the same text: clean them as what they are.
  if (is_string_vr(e.vr) && is_string_vr(dict_vr) && e.form == ElementForm::value &&
      (has_long_length(dict_vr) || e.value.size() <= 0xFFFF))
    return {VrJudgement::Kind::reinterpret, dict_vr, {}};
  return {VrJudgement::Kind::remove, {}, "declared VR disagrees with the dictionary"};
}

}  // namespace dicomscrub::deid
