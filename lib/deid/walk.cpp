// lib/deid/walk.cpp — see walk.hpp. Moved out of engine.cpp unchanged.
#include "deid/walk.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

#include "charset/charset.hpp"
#include "core/text.hpp"
#include "deid/value_rules.hpp"
#include "dict/dictionary.hpp"

namespace dicomscrub {

using profile::Action;

namespace {

using detail::join_values;
using detail::split_value;
using detail::trim_value;

// Attributes whose value identifies a patient, visit or order: Z/D become a keyed token so that
// grouping survives (Z allows a dummy value, E.1-1a).
bool is_identifier_attribute(Tag tag, VR vr) { return profile::gets_keyed_token(tag, vr); }

// A class-like UID attribute (SOP Class, Transfer Syntax, Coding Scheme, ...) whose every value is
// a UID: map_uids keeps such values as they are (one that is no UID is remapped).
bool class_uids_kept(const Element& e) {
  if (e.vr != vrs::UI || e.form != ElementForm::value || !profile::is_class_uid_attribute(e.tag)) return false;
  auto b = e.value.bytes();
  if (!b) return false;
  for (const auto& p : split_value(std::string(reinterpret_cast<const char*>(b->data()), b->size()), '\\')) {
    std::string u = trim_value(p);
    while (!u.empty() && u.back() == '\0') u.pop_back();
    if (!u.empty() && !deid::conforms(vrs::UI, u)) return false;
  }
  return true;
}

// What an action did to an element, as the audit records it: a keyed token, a shifted date and a
// dummy value are told apart from emptying (the profile's letter alone would hide them), and a
// class UID the uid action leaves as it is reads "keep" (a reader takes "uid" for a remapping).
const char* done_as(Action a, const Element& e) {
  if (a == Action::uid && class_uids_kept(e)) return "keep";
  const bool text = is_string_vr(e.vr) && e.form == ElementForm::value;
  if (text && (a == Action::empty || a == Action::dummy || a == Action::hash) && (a == Action::hash || is_identifier_attribute(e.tag, e.vr)))
    return "token";
  if (a == Action::shift_date) return "shift";
  if (a == Action::truncate_date) return "truncate";
  return profile::to_string(a);
}

struct Walk {
  const Deidentifier::Impl& impl;
  DeidReport& report;
  const phi::Detector& ids;
  const deid::KeptTextCheck& kept_text;  // standard text E.1-1 does not list: kept unless it identifies
  std::set<std::string>& kept;  // paths the check does not read: kept on purpose, or values of ours
  int shift_days = 0;
  std::vector<std::string> cs;  // character set of the data set being walked
  std::string lookup_miss;      // the keyword a lookup table had no row for (withholds the instance)
  bool big_endian = false;      // of the data set: UN values are read as their dictionary VR
  bool text_undecodable = false;  // this data set's own character set is unknown
  bool own_output = false;        // an output of ours under this key: its dates are shifted already
  bool shifted_date = false;      // the element apply() just did holds a date it shifted
  // ... holds only what we made: keyed tokens, UIDs of ours, dummy constants. The check does not
  // read them (no finding in a value of ours can be the input's, and one that depends on the key
  // is no finding: a UID's 39 digits hold the patient's numeric ID under some keys).
  bool wrote_own = false;
  bool lookup_pseudonyms_kept = false;  // apply_lookup() found the table's replacements, kept them
  std::string_view sop_class;     // the instance's IOD: an attribute's Type depends on it ...
  Tag parent_sequence{};          // ... and on the sequence whose item holds it
  bool animal = false;            // ... and on the patient (Responsible Person: Type 2C for an animal)

  void count(Action a, const std::string& path) { count(profile::to_string(a), path); }
  // Actions done, by the name's address (a handful of literals), added to the report's counts
  // once at the end: a string key built and looked up per element cost more than the action.
  std::vector<std::pair<const char*, int>> tally;
  void count(const char* did, const std::string& path) {
    auto it = std::find_if(tally.begin(), tally.end(), [&](const auto& t) { return t.first == did; });
    if (it == tally.end()) tally.emplace_back(did, 1);
    else ++it->second;
    if (impl.record_tag_actions) report.tag_actions[path] = did;
  }

  std::optional<std::string> text(const Element& e) {
    auto b = e.value.bytes();
    if (b) return std::string(reinterpret_cast<const char*>(b->data()), b->size());
    auto loaded = e.value.load();
    if (!loaded) return std::nullopt;
    return std::string(loaded->begin(), loaded->end());
  }

  void set_text(Dataset& ds, Element& e, std::string v) {
    if (v.size() % 2) v.push_back(e.vr == vrs::UI ? '\0' : ' ');
    e.value = Value::owned(std::vector<std::uint8_t>(v.begin(), v.end()));
    e.length = std::uint32_t(v.size());
    e.form = ElementForm::value;
    e.items.clear();
    e.fragments.clear();
    ds.mark_modified();
  }

  // Judged by the attribute first: a class-like one (SOP Class, Transfer Syntax, Coding Scheme)
  // keeps its values, private classes included; any other keeps only a well-known instance UID of
  // the registry (Talairach) and is remapped whatever its root, 1.2.840.10008. included.
  std::string map_uids(Tag tag, std::string_view raw) {
    const bool class_like = profile::is_class_uid_attribute(tag);
    bool all_ours = true;  // every value made by uid(), or one whose mark checks under the key
    std::string out;
    out.reserve(raw.size() + 8);
    // Value by value (split at '\\', trimmed as trim_value does, NULs dropped), built in place.
    for (std::size_t start = 0;;) {
      const std::size_t end = raw.find('\\', start);
      std::string_view u = raw.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      while (!u.empty() && (u.back() == ' ' || u.back() == '\0')) u.remove_suffix(1);
      while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
      while (!u.empty() && u.back() == '\0') u.remove_suffix(1);
      // A UID only the key makes is a pseudonym already (a second pass keeps it).
      const bool keep = u.empty() || class_like || profile::is_well_known_instance_uid(u) || impl.pseudo.is_own_uid(u);
      const bool kept_as_is = keep && deid::conforms(vrs::UI, u);
      if (start > 0) out += '\\';
      const std::size_t at = out.size();
      if (kept_as_is) out += u;
      else out += impl.pseudo.uid(u);  // a value no UID can be is remapped
      if (kept_as_is && !u.empty() && (class_like || profile::is_well_known_instance_uid(u))) all_ours = false;  // the input's
      if (impl.record_mappings && std::string_view(out).substr(at) != u) report.uid_mapping.emplace_back(std::string(u), out.substr(at));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    if (all_ours) wrote_own = true;
    return out;
  }

  // Keyed tokens for each value of an identifier attribute (Patient IDs go to the mapping table).
  std::string tokens_for(const Element& e, const std::string& original, std::size_t length) {
    auto parts = split_value(trim_value(original), '\\');
    for (auto& p : parts) {
      std::string old = trim_value(p);
      // A token only the key makes is a pseudonym already: kept, whatever length it was made for.
      p = old.empty() || impl.pseudo.is_own_token("id", old) ? old : impl.pseudo.token("id", old, length);
      note_patient_id(e.tag, old, p);
      // Every part is now a token of ours (kept because its mark checked, or just made): what
      // holds_own_tokens would find by computing each mark again.
      if (!p.empty()) wrote_own = true;
    }
    return join_values(parts, '\\');
  }

  void note_patient_id(Tag tag, const std::string& old, const std::string& now) {
    const bool patient_id = tag == Tag(0x0010, 0x0020) || tag == Tag(0x0010, 0x1000);  // also inside Other Patient IDs Sequence
    if (impl.record_mappings && patient_id && !old.empty() && old != now) report.patient_id_mapping.emplace_back(old, now);
  }

  std::string dummy_for(const Element& e, const std::string& original) {
    using namespace vrs;
    VR vr = e.vr;
    if (is_identifier_attribute(e.tag, vr)) return tokens_for(e, original, vr == SH || vr == CS ? 16 : 20);
    if (vr == UI && !trim_value(original).empty()) return map_uids(e.tag, original);
    wrote_own = true;  // a UID of ours or one of the constants below
    if (vr == UI) return impl.pseudo.uid(fmt::format("dummy:{}", e.tag.str()));
    if (vr == DA) return "19000101";
    if (vr == TM) return "000000";
    if (vr == DT) return "19000101000000";
    if (vr == AS) return "000Y";
    if (vr == DS || vr == IS) return "0";
    if (vr == PN) return "ANONYMIZED^";  // family name component: a name without '^' is the retired form
    if (vr == AE || vr == CS) return "ANONYMIZED";
    if (vr == UR) return "";
    return "ANONYMIZED";
  }

  // A value this engine wrote under the key and a second pass keeps as it is: keyed tokens of an
  // identifier attribute, and the dates of an output of ours (shifted when it was written).
  bool own_value(const Element& e, Action a) {
    if (e.form != ElementForm::value || !is_string_vr(e.vr)) return false;
    if (own_output && a == Action::shift_date) return e.vr == vrs::DA || e.vr == vrs::DT;
    if (!is_identifier_attribute(e.tag, e.vr) || (a != Action::empty && a != Action::dummy && a != Action::hash)) return false;
    return holds_own_tokens(e);
  }

  // Every value is a keyed token of ours (one only the key makes): bytes we produced from a MAC,
  // which tell nothing of the input. The check must not read them as text: a random token spells a
  // date or a word now and then ("MS6MAY64...": a date at DeviceSerialNumber under one key in
  // 10^4), and a withhold that depends on the key is no finding.
  bool holds_own_tokens(const Element& e) {
    if (e.form != ElementForm::value || !is_string_vr(e.vr)) return false;
    auto t = text(e);
    if (!t) return false;
    bool any = false;
    for (const auto& p : split_value(trim_value(*t), '\\')) {
      const std::string v = trim_value(p);
      if (v.empty()) continue;
      if (!impl.pseudo.is_own_token("id", v)) return false;
      any = true;
    }
    return any;
  }

  // The attribute's Type in this instance's IOD at this place (data/iod_required_attributes.tsv).
  int required_here(Tag tag, int depth) const { return profile::required_type(tag, {sop_class, depth > 0, parent_sequence, animal}); }

  // Where an empty value would break the IOD (Type 1 here, or E.1-1's Basic action writes a value),
  // Z and a value cleaned or judged away write the dummy E.1-1 allows instead (Z: "or a dummy").
  void empty_value(Dataset& ds, Element& e, const profile::Decision& d, const std::string& path, int depth) {
    ds.mark_modified();
    if (!d.from_rule && e.form == ElementForm::value && is_string_vr(e.vr) && (d.needs_value || required_here(e.tag, depth) == 1)) {
      count(done_as(Action::dummy, e), path);
      set_text(ds, e, dummy_for(e, text(e).value_or("")));
      return;
    }
    count(Action::empty, path);
    e.value = Value::owned({});
    e.length = 0;
    e.form = ElementForm::value;
    e.fragments.clear();
  }

  // A removal the IOD does not allow (data/iod_required_attributes.tsv) writes what E.1-1 allows
  // instead: a dummy for Type 1, an empty value for Type 2. User rules are carried out as written.
  // Returns false when the element must be removed from its data set.
  bool remove(Dataset& ds, Element& e, const profile::Decision& d, const std::string& path, int depth) {
    const int type = d.from_rule ? 0 : required_here(e.tag, depth);
    ds.mark_modified();
    if (type == 0) {
      if (d.action != Action::remove) count(Action::remove, path);
      return false;
    }
    if (type == 1 && e.form == ElementForm::value && is_string_vr(e.vr)) {
      count(done_as(Action::dummy, e), path);
      set_text(ds, e, dummy_for(e, text(e).value_or("")));
      return true;
    }
    count(Action::empty, path);
    e.value = Value::owned({});
    e.length = 0;
    e.form = e.vr == vrs::SQ ? ElementForm::sequence : ElementForm::value;
    e.items.clear();
    e.fragments.clear();
    return true;
  }

  // Returns false when the element must be removed from its data set.
  bool apply(Dataset& ds, Element& e, profile::Decision d, const std::string& path, int depth) {
    using namespace vrs;
    Action a = d.action;
    const bool binary = !is_string_vr(e.vr) && e.vr != SQ;
    count(done_as(a, e), path);
    switch (a) {
      case Action::remove:
        return remove(ds, e, d, path, depth);
      case Action::keep:
        break;
      case Action::keep_unless_identifying:
        if (e.form != ElementForm::value || !kept_text.identifies_someone(e, cs)) break;
        return remove(ds, e, d, path, depth);
      case Action::empty:
        if (e.form == ElementForm::sequence) {
          // X/Z: a sequence no IOD requires here is removed, not written with zero items.
          if (d.removable && !d.from_rule && required_here(e.tag, depth) == 0) return remove(ds, e, d, path, depth);
          e.items.clear();
          ds.mark_modified();
          return true;
        }
        if (is_identifier_attribute(e.tag, e.vr)) {
          if (auto t = text(e)) { set_text(ds, e, dummy_for(e, *t)); return true; }
        }
        if (required_here(e.tag, depth) == 1 && !d.from_rule) { empty_value(ds, e, d, path, depth); return true; }
        e.value = Value::owned({});
        e.length = 0;
        e.form = ElementForm::value;
        e.fragments.clear();
        ds.mark_modified();
        return true;
      case Action::dummy:
        if (e.form == ElementForm::sequence) break;  // keep the sequence; its items are walked below
        if (binary) {
          std::size_t w = (e.vr == FD || e.vr == SV || e.vr == UV) ? 8 : (e.vr == US || e.vr == SS) ? 2 : 4;
          e.value = Value::owned(std::vector<std::uint8_t>(w, 0));
          e.length = std::uint32_t(w);
          e.form = ElementForm::value;
          e.fragments.clear();
          ds.mark_modified();
          return true;
        }
        if (auto t = text(e)) set_text(ds, e, dummy_for(e, *t));
        return true;
      case Action::uid:
        if (e.form == ElementForm::sequence) break;
        if (e.vr != UI) { count(Action::remove, path); ds.mark_modified(); return false; }
        if (auto t = text(e)) set_text(ds, e, map_uids(e.tag, *t));
        return true;
      case Action::replace:
        if (e.form == ElementForm::sequence) { ds.mark_modified(); return false; }
        set_text(ds, e, d.param ? *d.param : std::string());
        return true;
      case Action::hash:
        if (auto t = text(e)) set_text(ds, e, tokens_for(e, *t, e.vr == SH ? 16 : 20));
        return true;
      case Action::shift_date:
      case Action::truncate_date: {
        if (e.vr == TM || e.form != ElementForm::value) return true;  // whole-day shifts keep times
        if (own_output && a == Action::shift_date) return true;  // shifted when it was written
        auto t = text(e);
        if (!t) return false;
        std::string v = *t;
        bool ok = e.vr == DA ? (a == Action::shift_date ? pseudo::shift_da(v, shift_days) : pseudo::truncate_da(v))
                : e.vr == DT ? (a == Action::shift_date ? pseudo::shift_dt(v, shift_days) : false)
                             : false;
        // A date no parser reads (ACR-NEMA's "1997.04.24") cannot be shifted: emptied, not
        // removed, so a Type 2 Study Date stays present (a dummy where Type 1 or E.1-1 says D).
        if (!ok) { empty_value(ds, e, d, path, depth); return true; }
        // A shifted date is a function of the input's date and the key: under some key it lands on
        // another date of the patient (a study date a few days earlier), which the check would
        // call that date. Only digits and separators are left (DA, DT that conforms): no words.
        shifted_date = a == Action::shift_date && deid::conforms(e.vr, v);
        set_text(ds, e, v);
        return true;
      }
      case Action::clean:
      case Action::clean_text: {
        if (e.form == ElementForm::sequence) break;
        if (binary) { count(Action::remove, path); ds.mark_modified(); return false; }  // no graphics cleaning yet
        auto raw = text(e);
        if (!raw) return false;
        std::string utf8 = charset::decode(Bytes(reinterpret_cast<const std::uint8_t*>(raw->data()), raw->size()), cs, e.vr);
        if (!ids.clean(utf8, phi::context_of(ds, e, utf8))) return true;
        auto enc = charset::encode(utf8, cs);
        // Nothing left (the whole value identified someone) or nothing encodable: emptied where
        // the IOD allows it, else the dummy (a Type 1 text object cleaned away, found by dciodvfy).
        if (!enc || trim_value(*enc).empty()) { empty_value(ds, e, d, path, depth); return true; }
        set_text(ds, e, *enc);
        return true;
      }
    }
    if (e.form == ElementForm::sequence) {
      const Tag saved = parent_sequence;
      parent_sequence = e.tag;
      for (std::size_t i = 0; i < e.items.size(); ++i)
        walk(e.items[i].dataset, fmt::format("{}[{}]/", path, i), depth + 1);
      parent_sequence = saved;
    }
    return true;
  }

  // The lookup table's replacement for every value of `e`; false when a value has no row.
  // A value the table gives as a replacement is the data manager's pseudonym already (an output of
  // ours run again): it passes as it is, and the check takes it for theirs, not the input's
  // (`lookup_pseudonyms_kept`). Any other value without a row is a miss.
  bool apply_lookup(Dataset& ds, Element& e, const std::string& original, const std::string& path) {
    auto parts = split_value(trim_value(original), '\\');
    std::vector<std::pair<std::string, std::string>> pairs;
    bool unchanged = true;
    for (auto& p : parts) {
      std::string old = trim_value(p);
      if (old.empty()) continue;
      if (const std::string* now = impl.lookup->find(e.tag, old)) {
        pairs.emplace_back(old, *now);
        p = *now;
        unchanged = false;
      } else if (!impl.lookup->is_replacement(e.tag, old)) {
        return false;
      }
    }
    lookup_pseudonyms_kept = unchanged;
    if (unchanged) {
      count(Action::keep, path);
      return true;
    }
    for (const auto& [old, now] : pairs) {
      if (e.vr == vrs::UI) { if (impl.record_mappings && old != now) report.uid_mapping.emplace_back(old, now); }
      else note_patient_id(e.tag, old, now);
    }
    count(Action::replace, path);
    set_text(ds, e, join_values(parts, '\\'));
    return true;
  }

  // Why an element goes whatever the profile says ("" when it does not); fixes its VR to the
  // dictionary's where the value is read as that. Header bytes that hold no value (reserved bytes,
  // delimiter length fields) are zeroed: an output carries no byte we did not choose.
  std::string_view region_verdict(Element& e) {
    e.reserved = 0;
    e.delimiter_length = 0;
    for (auto& item : e.items) item.delimiter_length = 0;
    // File Meta elements belong before the data set; inside it they are nobody's (PS3.10 7.1).
    if (e.tag.group == 0x0002) return "File Meta element inside the data set";
    // Its content is opaque (or plaintext posing as encrypted); the reversible feature writes its own.
    if (e.tag == Tag(0x0400, 0x0500)) return "Encrypted Attributes Sequence of the input";
    // Padding is no attribute: whatever bytes it holds are nobody's either.
    if (e.tag == Tag(0xFFFC, 0xFFFC)) return "Data Set Trailing Padding";
    auto j = deid::judge_vr(e, big_endian);
    if (j.kind == deid::VrJudgement::Kind::remove) return j.why;
    if (j.kind == deid::VrJudgement::Kind::reinterpret) e.vr = j.vr;
    if (text_undecodable && is_text_vr(e.vr)) return "text in an item whose character set is unknown";
    return {};
  }

  // A value the profile keeps must be what its VR allows, and its text must decode in its own
  // data set's character set (never in another item's).
  bool kept_value_is_sound(const Element& e) {
    if (e.form != ElementForm::value || e.value.empty()) return true;
    const bool coded = deid::has_repertoire_rule(e.vr);
    if (!coded && !is_text_vr(e.vr)) return true;
    auto t = text(e);
    if (!t) return false;
    if (coded) {
      if (!deid::conforms(e.vr, *t)) return false;
      // Upper-case words conform to CS, and the verifier does not read coded values for names:
      // a kept code that spells one of the patient's identifiers is emptied here.
      return e.vr != vrs::CS || !spells_own_identifier(e);
    }
    return charset::decode(Bytes(reinterpret_cast<const std::uint8_t*>(t->data()), t->size()), cs, e.vr).find("\xEF\xBF\xBD") == std::string::npos;
  }

  // The value, read as words, holds one of the instance's own identifiers (the patient's name or
  // ID, ...). Only those: a code or a device name is no free text for the lexicon and patterns.
  bool spells_own_identifier(const Element& e) {
    if (e.form != ElementForm::value || e.value.empty()) return false;
    auto t = text(e);
    if (!t) return false;
    phi::Context ctx = phi::context_for(e.tag, e.vr);
    ctx.cls = phi::Context::Class::text;
    ctx.own_only = true;
    return !ids.find(charset::decode(Bytes(reinterpret_cast<const std::uint8_t*>(t->data()), t->size()), cs, e.vr), ctx).empty();
  }

  bool has_value(const Element* e) {
    if (!e || e->form != ElementForm::value || e->length == 0) return false;
    auto t = text(*e);
    return t && !trim_value(*t).empty();
  }

  // (attribute, the attribute whose value it depends on) where the input has both, that one with a
  // value (data/iod_conditional_attributes.tsv). Read before the walk changes anything.
  std::vector<std::pair<Tag, Tag>> valued_conditions(const Dataset& ds) {
    std::vector<std::pair<Tag, Tag>> found;
    for (const auto& e : ds.elements())
      if (auto on = profile::value_condition_of(e.tag); on && has_value(ds.find(*on))) found.emplace_back(e.tag, *on);
    return found;
  }

  // An attribute PS3.3 allows only while another has a value (Responsible Person Role) goes when
  // the profile took that value away: left alone, the output breaks a condition its input met.
  void drop_orphaned_conditionals(Dataset& ds, const std::vector<std::pair<Tag, Tag>>& conditional, const std::string& prefix) {
    for (const auto& [attribute, on] : conditional) {
      if (has_value(ds.find(on)) || !ds.find(attribute)) continue;
      ds.remove(attribute);
      ds.mark_modified();
      count(Action::remove, impl.record_tag_actions ? prefix + attribute.str() : std::string());
    }
  }

  void walk(Dataset& ds, const std::string& prefix, int depth) {
    std::vector<std::string> saved = cs;
    const bool saved_undecodable = text_undecodable;
    cs = charset::terms_of(ds, cs);
    text_undecodable = !charset::supported(cs);
    // Private creators of this data set: (group, block) -> creator.
    std::map<std::pair<std::uint16_t, std::uint8_t>, std::string> creators;
    for (const auto& e : ds.elements())
      if (e.tag.is_private_creator())
        if (auto b = e.value.bytes()) creators[{e.tag.group, std::uint8_t(e.tag.element)}] = trim_value(std::string(reinterpret_cast<const char*>(b->data()), b->size()));
    std::map<std::pair<std::uint16_t, std::uint8_t>, int> kept_blocks;
    const std::vector<std::pair<Tag, Tag>> conditional = valued_conditions(ds);
    std::vector<Element> out;
    out.reserve(ds.elements().size());
    for (auto& e : ds.elements()) {
      if (e.tag.is_private_creator()) { out.push_back(std::move(e)); continue; }  // settled below
      const std::string path = impl.record_tag_actions || e.form == ElementForm::sequence ? prefix + e.tag.str() : std::string();
      if (auto why = region_verdict(e); !why.empty()) {  // removed whatever a rule says
        count(Action::remove, path);
        ds.mark_modified();
        continue;
      }
      std::string creator;
      if (e.tag.is_private() && e.tag.element >= 0x1000) {
        auto it = creators.find({e.tag.group, std::uint8_t(e.tag.element >> 8)});
        if (it != creators.end()) creator = it->second;
      }
      profile::Decision d = impl.profile.decide(e.tag, e.vr, creator);
      // VR bytes that are no VR: no dummy or cleaned value can be written for them, and a reader
      // could take them for Implicit VR. Remove, whatever the table says (fail closed).
      if (!is_known_vr(e.vr)) d = {Action::remove, nullptr, "VR bytes that are not a VR"};
      // The data manager's table wins over the profile for the attributes it names.
      if (impl.lookup && e.form == ElementForm::value && impl.lookup->covers(e.tag) && is_string_vr(e.vr)) {
        auto t = text(e);
        if (t && !trim_value(*t).empty()) {
          if (apply_lookup(ds, e, *t, path)) {
            if (lookup_pseudonyms_kept) kept.insert(prefix + e.tag.str());
            out.push_back(std::move(e));
            continue;
          }
          if (!impl.lookup_missing_keyed && lookup_miss.empty()) lookup_miss = std::string(dict::keyword(e.tag));
        }
      }
      // A retain option keeps the device's or the institution's identity, or the patient's
      // characteristics: never the patient's own name or ID written into one of them (a station
      // named after the patient, a serial that is the patient ID; found by fuzz_deid's planted
      // identifiers). Such a value is cleaned like a descriptor and checked like any other value.
      if (d.action == Action::keep && !d.from_rule && d.why == "E.1-1 with option" && is_text_vr(e.vr) && spells_own_identifier(e))
        d.action = Action::clean_text;
      // Kept on purpose although E.1-1 lists it (a profile rule, a retain option): the residual
      // check does not second-guess that choice at this place (it still does everywhere else).
      if (d.action == Action::keep && e.form != ElementForm::sequence && (d.from_rule || d.why == "E.1-1 with option"))
        kept.insert(prefix + e.tag.str());
      // Values of ours in the input, kept as they are (see own_value): the input's identifiers the
      // check knows are these very values, so at this place they are ours, not the input's.
      if (own_value(e, d.action)) kept.insert(prefix + e.tag.str());
      shifted_date = false;
      wrote_own = false;
      if (apply(ds, e, d, path, depth)) {
        // The tokens and shifted dates just written are ours (see holds_own_tokens); the rest is
        // checked. Their outcome would otherwise depend on the key, and no finding can.
        const bool tokenized = is_identifier_attribute(e.tag, e.vr) || d.action == Action::hash;
        const bool ours = wrote_own && e.form == ElementForm::value && is_string_vr(e.vr);
        if (shifted_date || ours || (tokenized && d.action != Action::keep && holds_own_tokens(e))) kept.insert(prefix + e.tag.str());
        const bool value_kept = d.action == Action::keep || d.action == Action::keep_unless_identifying;
        if (value_kept && !kept_value_is_sound(e)) {
          // Not what its VR or character set allows: emptied, not removed, so a Type 1 or 2
          // attribute stays present (its value was no valid value anyway); Type 1 gets the dummy.
          empty_value(ds, e, d, path, depth);
        }
        if (e.tag.is_private()) kept_blocks[{e.tag.group, std::uint8_t(e.tag.element >> 8)}]++;
        out.push_back(std::move(e));
      }
    }
    // A private creator stays only while its block still has elements (it names no person, but an
    // orphan creator says which vendor's data was removed, and helps nobody).
    std::vector<Element> final_list;
    for (auto& e : out) {
      if (e.tag.is_private_creator() && !kept_blocks.count({e.tag.group, std::uint8_t(e.tag.element)})) {
        count(Action::remove, impl.record_tag_actions ? prefix + e.tag.str() : std::string());
        ds.mark_modified();
        continue;
      }
      final_list.push_back(std::move(e));
    }
    ds.elements() = std::move(final_list);
    drop_orphaned_conditionals(ds, conditional, prefix);
    cs = saved;
    text_undecodable = saved_undecodable;
  }
};

}  // namespace

namespace deid {

std::string walk_dataset(Dataset& ds, const Deidentifier::Impl& impl, DeidReport& report, const phi::Detector& ids,
                         const KeptTextCheck& kept_text, std::set<std::string>& kept, const WalkSettings& settings) {
  Walk w{impl, report, ids, kept_text, kept, 0, {}, {}};
  w.shift_days = settings.shift_days;
  w.cs = settings.cs;
  w.big_endian = settings.big_endian;
  w.own_output = settings.own_output;
  w.sop_class = settings.sop_class;
  w.animal = settings.animal;
  w.walk(ds, "", 0);
  for (const auto& [did, n] : w.tally) report.action_counts[did] += n;
  return w.lookup_miss;
}

}  // namespace deid
}  // namespace dicomscrub
