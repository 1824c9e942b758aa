// lib/profile/profile.cpp — Table E.1-1 resolution. See profile.hpp.
#include "profile/profile.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "dict/dictionary.hpp"

namespace dicomscrub::profile {
namespace {

enum class Code : std::uint8_t { none, D, Z, X, K, C, U, ZD, XZ, XD, XZD, XZU };

struct E11Row {
  std::uint32_t value;
  std::uint32_t mask;
  bool private_row;
  const char* keyword;
  const char* tag;
  Code basic;
  Code options[kOptionCount];
};
struct SafePrivate { const char* creator; std::uint16_t group; std::uint8_t offset; };
struct SopCategory { const char* uid; const char* category; };
struct MethodCode { const char* code; const char* meaning; const char* column; };
enum class Context : std::uint8_t { top, item, sequence };
// context: top level, any item, or an item of the sequence `parent`; sop_classes: "" for every IOD,
// else space-separated SOP Class UIDs, one ending in '.' standing for every class under it.
// animal_only: the Type holds only when the patient is an animal (the Patient Module's 2C/1C rows).
struct RequiredAttribute { std::uint32_t tag; int type; Context context; std::uint32_t parent; const char* sop_classes; bool animal_only; };

struct ValueCondition { std::uint32_t attribute; std::uint32_t requires_value_of; };

#include "deid_tables.inc"

const char* kOptionNames[kOptionCount] = {
    "retain_safe_private", "retain_uids", "retain_device_identity", "retain_institution_identity",
    "retain_patient_characteristics", "retain_long_full_dates", "retain_long_modified_dates",
    "clean_descriptors", "clean_structured_content", "clean_graphics"};

// Composite codes keep the attribute when a conformant IOD might need it: we do not know the
// attribute's type in every IOD, so we take the alternative that is conformant for all of them
// and still carries no identifying value (Z or D replace the value; our D values are constants,
// keyed tokens or keyed UIDs).
Action resolve(Code c) {
  switch (c) {
    case Code::D: case Code::ZD: case Code::XD: case Code::XZD: return Action::dummy;
    case Code::Z: case Code::XZ: return Action::empty;
    case Code::X: return Action::remove;
    case Code::K: return Action::keep;
    case Code::C: return Action::clean;
    case Code::U: case Code::XZU: return Action::uid;
    case Code::none: break;
  }
  return Action::remove;
}

const char* code_name(Code c) {
  switch (c) {
    case Code::D: return "D"; case Code::Z: return "Z"; case Code::X: return "X"; case Code::K: return "K";
    case Code::C: return "C"; case Code::U: return "U"; case Code::ZD: return "Z/D"; case Code::XZ: return "X/Z";
    case Code::XD: return "X/D"; case Code::XZD: return "X/Z/D"; case Code::XZU: return "X/Z/U*"; case Code::none: return "";
  }
  return "";
}

bool repeating_group_ok(const E11Row& r, Tag tag) {
  // (50xx,xxxx) and (60xx,eeee) only stand for even xx from 00 to 1E (PS3.5 7.6).
  if (r.mask == 0xFFFFFFFF) return true;
  std::uint16_t g = tag.group;
  if ((g & 0xFF00) == 0x5000 || (g & 0xFF00) == 0x6000) return (g & 1) == 0 && (g & 0xFF) <= 0x1E;
  return true;
}

// Exact rows sorted by tag, built once: every element of every file asks.
const std::vector<const E11Row*>& exact_rows() {
  static const std::vector<const E11Row*> rows = [] {
    std::vector<const E11Row*> v;
    for (const auto& r : kE11Rows)
      if (!r.private_row && r.mask == 0xFFFFFFFF) v.push_back(&r);
    std::sort(v.begin(), v.end(), [](const E11Row* a, const E11Row* b) { return a->value < b->value; });
    return v;
  }();
  return rows;
}

const E11Row* find_row(Tag tag) {
  const std::uint32_t v = tag.value();
  const auto& exact = exact_rows();
  auto it = std::lower_bound(exact.begin(), exact.end(), v, [](const E11Row* r, std::uint32_t x) { return r->value < x; });
  if (it != exact.end() && (*it)->value == v) return *it;
  static const std::vector<const E11Row*> masked = [] {
    std::vector<const E11Row*> m;
    for (const auto& r : kE11Rows)
      if (!r.private_row && r.mask != 0xFFFFFFFF) m.push_back(&r);
    return m;
  }();
  for (const E11Row* r : masked)
    if ((v & r->mask) == r->value && repeating_group_ok(*r, tag)) return r;
  return nullptr;
}

const E11Row& private_row() {
  for (const auto& r : kE11Rows)
    if (r.private_row) return r;
  return kE11Rows[0];  // unreachable: the table has the row
}

bool is_date_vr(VR vr) { return vr == vrs::DA || vr == vrs::DT || vr == vrs::TM; }

// Whether the tag's keyword is in one of the generated keyword tables.
template <std::size_t N>
bool keyword_in(Tag tag, const char* const (&keywords)[N]) {
  std::string_view kw = dict::keyword(tag);
  if (kw.empty()) return false;
  for (const char* k : keywords)
    if (kw == k) return true;
  return false;
}

bool is_safe_standard(Tag tag) { return keyword_in(tag, kSafeStandardKeywords); }

template <std::size_t N>
bool in_sorted(const char* const (&table)[N], std::string_view value) {
  return std::binary_search(std::begin(table), std::end(table), value,
                            [](auto a, auto b) { return std::string_view(a) < std::string_view(b); });
}

// Standard attributes that E.1-1 does not list: keep what cannot hold free text, remap UIDs, keep
// text unless the PHI detector finds an identifier in it (the engine asks), and remove person
// names, dates and times (fail closed: they identify by what they are, not by what they say).
Decision not_in_table(Tag tag, VR vr) {
  using namespace vrs;
  if (is_safe_standard(tag)) return {Action::keep, nullptr, "not in E.1-1: listed in data/safe_standard_attributes.tsv"};
  if (tag.is_group_length()) return {Action::remove, nullptr, "group length (retired)"};
  if (vr == UI) return {Action::uid, nullptr, "not in E.1-1: UID remapped"};
  if (vr == SQ) return {Action::keep, nullptr, "not in E.1-1: sequence, contents decided one by one"};
  if (vr == US || vr == SS || vr == UL || vr == SL || vr == FL || vr == FD || vr == AT || vr == SV || vr == UV ||
      vr == OB || vr == OW || vr == OF || vr == OD || vr == OL || vr == OV || vr == CS || vr == DS || vr == IS)
    return {Action::keep, nullptr, "not in E.1-1: coded or numeric value"};
  if (vr == LO || vr == SH || vr == ST || vr == LT || vr == UT || vr == UC || vr == AS)
    return {Action::keep_unless_identifying, nullptr, "not in E.1-1: text, kept unless it names the patient"};
  // A URL or URI is where the site keeps things (Retrieve URL, Storage URL, Contact URI): like the
  // AE titles E.1-1 removes, it names the site's servers, in no form the detector knows.
  return {Action::remove, nullptr, "not in E.1-1: person name, date, time, AE title, URL or unknown VR (fail closed)"};
}

}  // namespace

const char* to_string(Action a) {
  switch (a) {
    case Action::keep: return "keep"; case Action::remove: return "remove"; case Action::empty: return "empty";
    case Action::dummy: return "dummy"; case Action::clean: return "clean"; case Action::uid: return "uid";
    case Action::replace: return "replace"; case Action::hash: return "hash"; case Action::shift_date: return "shift-date";
    case Action::truncate_date: return "truncate-date"; case Action::clean_text: return "clean-text";
    case Action::keep_unless_identifying: return "keep-unless-identifying";
  }
  return "?";
}

std::optional<Action> action_from_string(std::string_view s) {
  for (int i = 0; i <= int(Action::keep_unless_identifying); ++i)
    if (s == to_string(Action(i))) return Action(i);
  return std::nullopt;
}

const char* to_string(Option o) { return kOptionNames[std::size_t(o)]; }

std::optional<Option> option_from_string(std::string_view s) {
  std::string n(s);
  std::replace(n.begin(), n.end(), '-', '_');
  for (std::size_t i = 0; i < kOptionCount; ++i)
    if (n == kOptionNames[i]) return Option(i);
  return std::nullopt;
}

const char* cid7050_code(Option o) {
  for (const auto& m : kMethodCodes)
    if (std::strcmp(m.column, kOptionNames[std::size_t(o)]) == 0) return m.code;
  return "";
}

const char* cid7050_meaning(Option o) {
  for (const auto& m : kMethodCodes)
    if (std::strcmp(m.column, kOptionNames[std::size_t(o)]) == 0) return m.meaning;
  return "";
}

Profile Profile::basic() { return Profile(); }

// The TCIA-style preset: what The Cancer Imaging Archive's curation publishes under (Basic Profile
// with these options and the Clean Pixel Data option), as a name instead of six flags.
Profile Profile::tcia() {
  Profile p;
  p.name_ = "tcia";
  for (Option o : {Option::clean_descriptors, Option::retain_long_modified_dates, Option::retain_patient_characteristics,
                   Option::retain_device_identity, Option::retain_safe_private})
    p.options_[std::size_t(o)] = true;
  p.pixels_.cover_pages = CoverPages::clean;  // Clean Pixel Data: every cover page's text blanked
  p.pixels_.ocr_check = true;
  return p;
}

Result<Profile> Profile::builtin(std::string_view name) {
  if (name == "basic" || name.empty()) return basic();
  if (name == "tcia") return tcia();
  return Error{ErrorCode::invalid_argument, {}, 0, {}, fmt::format("no built-in profile named '{}' (built-in: basic, tcia)", name)};
}

Status Profile::set_option(Option o, bool on) {
  if (on && o == Option::retain_long_full_dates && option(Option::retain_long_modified_dates))
    return Error{ErrorCode::invalid_argument, {}, 0, {}, "retain_long_full_dates and retain_long_modified_dates exclude each other"};
  if (on && o == Option::retain_long_modified_dates && option(Option::retain_long_full_dates))
    return Error{ErrorCode::invalid_argument, {}, 0, {}, "retain_long_full_dates and retain_long_modified_dates exclude each other"};
  options_[std::size_t(o)] = on;
  return Ok{};
}

std::vector<std::string> Profile::identifying_keeps() const {
  std::vector<std::string> out;
  for (const Rule& r : rules_) {
    if (r.action != Action::keep) continue;
    if (r.match == Rule::Match::private_element) {
      out.push_back(fmt::format("{}: keeps private element ({:04X},xx{:02X}) of \"{}\", which E.1-1 removes", r.origin, r.group, r.offset, r.creator));
      continue;
    }
    if (r.match == Rule::Match::mask) {
      // A mask keeps every row it overlaps ((0010,xxxx) keeps the patient's name and ID): each one
      // E.1-1 lists as identifying is named, so `profile check` says so (fuzz_profile finding).
      std::vector<std::string> kept;
      for (const auto& row : kE11Rows)
        if (!row.private_row && row.basic != Code::K && ((row.value ^ r.value) & row.mask & r.mask) == 0)
          kept.push_back(row.keyword[0] ? row.keyword : row.tag);
      if (kept.empty()) continue;
      std::string some;
      for (std::size_t i = 0; i < kept.size() && i < 4; ++i) some += (i ? ", " : "") + kept[i];
      out.push_back(fmt::format("{}: keeps by mask {} attribute(s) E.1-1 lists as identifying ({}{})", r.origin, kept.size(), some,
                                kept.size() > 4 ? ", ..." : ""));
      continue;
    }
    if (r.match != Rule::Match::tag) continue;
    Tag tag(std::uint16_t(r.value >> 16), std::uint16_t(r.value & 0xFFFF));
    const E11Row* row = find_row(tag);
    if (row && row->basic != Code::K)
      out.push_back(fmt::format("{}: keeps {} {}, which E.1-1 lists as identifying", r.origin, tag.str(), dict::keyword(tag)));
  }
  return out;
}

bool Profile::in_table(Tag tag) { return tag.is_private() || find_row(tag) != nullptr; }

Decision Profile::decide(Tag tag, VR vr, std::string_view creator) const {
  // User rules first, last added wins.
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    const Rule& r = *it;
    bool hit = false;
    if (r.match == Rule::Match::tag) hit = tag.value() == r.value;
    else if (r.match == Rule::Match::mask) hit = (tag.value() & r.mask) == r.value;
    else hit = tag.is_private() && tag.group == r.group && (tag.element & 0xFF) == r.offset && tag.element >= 0x1000 && creator == r.creator;
    if (hit) return {r.action, &r.param, r.origin, true};
  }
  if (tag.is_private()) {
    if (tag.is_private_creator()) return {Action::keep, nullptr, "private creator (kept only while its block has kept elements)"};
    if (option(Option::retain_safe_private) && tag.element >= 0x1000 &&
        is_safe_private(creator, tag.group, std::uint8_t(tag.element & 0xFF)))
      return {Action::keep, nullptr, "E.3.10-1 safe private attribute (Retain Safe Private)"};
    (void)private_row();
    return {Action::remove, nullptr, "E.1-1 private attributes: X"};
  }
  // An overlay (60xx, even xx up to 1E) is removed whole: E.1-1 removes Overlay Data (X; C under
  // Clean Graphics, and no overlay cleaning exists), and the rest of the group left behind would
  // describe an overlay that is not there (GDCM's tools abort on such a file).
  if ((tag.group & 0xFF00) == 0x6000 && (tag.group & 1) == 0 && (tag.group & 0xFF) <= 0x1E)
    return {Action::remove, nullptr, "overlay group removed whole with its data"};
  const E11Row* row = find_row(tag);
  if (!row) return not_in_table(tag, vr);
  Code code = row->basic;
  // Options: a retain option's K is the intent to keep and wins over a clean option's C.
  Code chosen = Code::none;
  for (std::size_t i = 0; i < kOptionCount; ++i) {
    if (!options_[i]) continue;
    Code c = row->options[i];
    if (c == Code::none) continue;
    if (chosen == Code::none || c == Code::K) chosen = c;
  }
  if (chosen != Code::none) code = chosen;
  Action a = resolve(code);
  if (a == Action::clean) {
    if (is_date_vr(vr)) a = option(Option::retain_long_modified_dates) ? Action::shift_date : Action::clean_text;
    else if (vr == vrs::UI) a = Action::uid;
    else if (vr == vrs::SQ) a = Action::keep;  // cleaned item by item
    else a = Action::clean_text;
  }
  Decision d{a, nullptr, chosen != Code::none ? std::string_view("E.1-1 with option") : std::string_view(code_name(row->basic))};
  d.removable = code == Code::XZ;
  d.needs_value = resolve(row->basic) == Action::dummy;
  return d;
}

namespace {

// Why the TCIA preset makes each choice (`profile show tcia`).
constexpr const char* kTciaRationale = R"(The TCIA-style preset: PS3.15 Basic Profile plus the options a public research archive
needs, after The Cancer Imaging Archive's curation practice.
  clean_descriptors               descriptions, comments and protocol names stay, with the
                                  instance's own identifiers (names, IDs, dates) cut out of
                                  them: they say what was imaged, which research needs.
  retain_long_modified_dates      every date of one patient moves back by the same keyed
                                  offset (1..3652 days): intervals between studies survive,
                                  the calendar dates do not.
  retain_patient_characteristics  sex, age, size, weight, smoking status, pregnancy: needed
                                  for dosimetry and cohort selection, not identifying alone.
  retain_device_identity          manufacturer, model, serial numbers, station names: needed
                                  to reproduce image quality; they name equipment, not people.
  retain_safe_private             private attributes kept only when creator + element are on
                                  PS3.15 Table E.3.10-1 (479 entries, data/); a site adds its
                                  own allow-list as profile rules (docs/profiles.md).
  Clean Pixel Data (pixels)       cover pages have all text blanked, device region rules and
                                  ultrasound regions applied, and every cleaned frame is read
                                  back by OCR; what cannot be cleaned is withheld.
Not retained: UIDs (remapped by key), institution identity, full dates, structured content.
)";

}  // namespace

std::string Profile::describe() const {
  std::string out = name_ == "tcia" ? std::string(kTciaRationale) + "\n" : std::string();
  out += fmt::format("profile: {}\noptions:", name_);
  bool any = false;
  for (std::size_t i = 0; i < kOptionCount; ++i)
    if (options_[i]) { out += fmt::format(" {}", kOptionNames[i]); any = true; }
  if (!any) out += " (none)";
  out += "\n\nuser rules (checked first, last wins):\n";
  if (rules_.empty()) out += "  (none)\n";
  for (const auto& r : rules_) {
    std::string what = r.match == Rule::Match::tag ? Tag::from_u32(r.value).str()
                       : r.match == Rule::Match::mask ? fmt::format("mask {:08X}/{:08X}", r.value, r.mask)
                                                      : fmt::format("({:04X},xx{:02X}) creator \"{}\"", r.group, r.offset, r.creator);
    out += fmt::format("  {:<40} {}{}  [{}]\n", what, to_string(r.action), r.param.empty() ? "" : " \"" + r.param + "\"", r.origin);
  }
  out += "\nTable E.1-1 (2026d), effective actions:\n";
  for (const auto& row : kE11Rows) {
    VR vr = vrs::UN;
    if (!row.private_row && row.mask == 0xFFFFFFFF) vr = dict::implicit_vr(Tag::from_u32(row.value));
    Decision d = row.private_row ? Decision{Action::remove, nullptr, "X"} : decide(Tag::from_u32(row.value), vr, "");
    if (row.private_row && option(Option::retain_safe_private)) d.action = Action::clean;
    std::string name = row.keyword[0] ? row.keyword : (row.private_row ? "private attributes" : "");
    const bool token = (d.action == Action::empty || d.action == Action::dummy || d.action == Action::hash) && !row.private_row &&
                       row.mask == 0xFFFFFFFF && gets_keyed_token(Tag::from_u32(row.value), vr);
    out += fmt::format("  {:<32} {:<42} {:<7} -> {}\n", row.tag, name, code_name(row.basic), token ? "token (keyed)" : to_string(d.action));
  }
  out += "\nNot in the table: private creators kept with their block; UI remapped; SQ walked; "
         "numeric, coded (CS/DS/IS) and binary values kept; text (LO/SH/ST/LT/UT/UC/AS) kept unless it "
         "names the patient; every other VR (names, dates, times, AE titles, URLs) removed. Overlay groups (60xx) are removed whole. A removal "
         "of an attribute an IOD requires (data/iod_required_attributes.tsv) writes a dummy (Type 1) "
         "or an empty value (Type 2) instead; X/Z sequences no IOD requires are removed, not emptied.\n";
  return out;
}

bool gets_keyed_token(Tag tag, VR vr) {
  if (vr != vrs::LO && vr != vrs::SH && vr != vrs::CS) return false;
  std::string_view kw = dict::keyword(tag);
  auto ends = [&](std::string_view s) { return kw.size() >= s.size() && kw.substr(kw.size() - s.size()) == s; };
  return ends("ID") || ends("IDs") || ends("Number") || ends("Numbers") || kw == "AccessionNumber";
}

bool is_device_identity(Tag tag) {
  const E11Row* row = find_row(tag);
  return row && row->options[std::size_t(Option::retain_device_identity)] == Code::K;
}

namespace {

// Whether the instance's SOP class is one the row lists ("" lists them all).
bool sop_class_listed(std::string_view listed, std::string_view sop_class) {
  while (!listed.empty()) {
    const std::size_t end = std::min(listed.find(' '), listed.size());
    const std::string_view uid = listed.substr(0, end);
    if (uid == sop_class || (uid.ends_with('.') && sop_class.starts_with(uid))) return true;
    listed.remove_prefix(std::min(end + 1, listed.size()));
  }
  return false;
}

}  // namespace

int required_type(Tag tag, const Place& at) {
  // Rows per place: a row naming the parent sequence beats one for any item, a row naming SOP
  // classes beats one for every IOD; a row whose place does not match says nothing.
  int best_score = -1, type = 0;
  for (const auto& r : kRequiredAttributes) {
    if (r.tag != tag.value() || (r.animal_only && !at.animal)) continue;
    int score = 0;
    if (r.context == Context::top) { if (at.in_item) continue; }
    else if (r.context == Context::item) { if (!at.in_item) continue; }
    else if (r.context == Context::sequence) { if (!at.in_item || r.parent != at.parent_sequence.value()) continue; score += 2; }
    if (r.sop_classes[0]) { if (!sop_class_listed(r.sop_classes, at.sop_class)) continue; score += 1; }
    if (score > best_score) { best_score = score; type = r.type; }
  }
  return type;
}

std::optional<Tag> value_condition_of(Tag tag) {
  for (const auto& c : kValueConditions)
    if (c.attribute == tag.value()) return Tag::from_u32(c.requires_value_of);
  return std::nullopt;
}

bool is_registry_uid(std::string_view uid) { return in_sorted(kRegistryUids, uid); }

bool is_well_known_instance_uid(std::string_view uid) { return in_sorted(kWellKnownInstanceUids, uid); }

bool is_class_uid_attribute(Tag tag) { return keyword_in(tag, kClassUidKeywords); }

std::string_view sop_category(std::string_view sop_class_uid) {
  for (const auto& c : kSopCategories)
    if (sop_class_uid == c.uid) return c.category;
  return {};
}

bool is_safe_private(std::string_view creator, std::uint16_t group, std::uint8_t offset) {
  for (const auto& s : kSafePrivate)
    if (s.group == group && s.offset == offset && creator == s.creator) return true;
  return false;
}

}  // namespace dicomscrub::profile
