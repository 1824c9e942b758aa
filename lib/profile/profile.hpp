// lib/profile — what to do with each attribute: PS3.15 Table E.1-1 with its ten options, the
// private-attribute policy, and user rules from JSON profile files. Decides only: never touches a
// data set (that is lib/deid) and never computes a pseudonym (lib/pseudo).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/settings.hpp"
#include "dicomscrub/error.hpp"
#include "dicomscrub/tag.hpp"

namespace dicomscrub::profile {

enum class Action : std::uint8_t {
  keep, remove, empty, dummy, clean, uid,            // the E.1-1 actions, composites resolved
  replace, hash, shift_date, truncate_date, clean_text,  // extra actions for profile rules
  keep_unless_identifying  // standard text not in E.1-1: kept unless the PHI detector finds an identifier in it
};
const char* to_string(Action a);
std::optional<Action> action_from_string(std::string_view s);

// The ten options of PS3.15 E.3, in the column order of Table E.1-1.
enum class Option : std::uint8_t {
  retain_safe_private, retain_uids, retain_device_identity, retain_institution_identity,
  retain_patient_characteristics, retain_long_full_dates, retain_long_modified_dates,
  clean_descriptors, clean_structured_content, clean_graphics
};
inline constexpr std::size_t kOptionCount = 10;
const char* to_string(Option o);
std::optional<Option> option_from_string(std::string_view s);  // "retain-uids" or "retain_uids"
const char* cid7050_code(Option o);     // "113110"
const char* cid7050_meaning(Option o);

// A user rule; matches by exact tag, by mask, or by private creator + element offset.
struct Rule {
  enum class Match : std::uint8_t { tag, mask, private_element } match = Match::tag;
  std::uint32_t value = 0;
  std::uint32_t mask = 0xFFFFFFFF;
  std::string creator;          // private_element: the creator string, compared trimmed
  std::uint16_t group = 0;      // private_element
  std::uint8_t offset = 0;      // private_element: the low byte of the element
  Action action = Action::keep;
  std::string param;            // replace: the constant
  std::string origin;           // where the rule came from, for `profile show`
};

struct Decision {
  Action action = Action::remove;
  const std::string* param = nullptr;
  std::string_view why;  // "E.1-1 Z/D" / "rule profile.json:12" / "not in E.1-1: text VR"
  bool from_rule = false;  // a user rule: carried out as written, never adjusted for IOD types
  bool removable = false;  // E.1-1 also allows X (X/Z): removed where no IOD requires the attribute
  // E.1-1's Basic action writes a value (D, Z/D, X/D, X/Z/D: some IOD needs one): where an option
  // cleans it instead and nothing is left, the dummy is written, never an empty value.
  bool needs_value = false;
};

// The "pixels" section of a profile file: how burned-in text is handled (lib/pixel carries it out).
struct PixelSettings {
  std::optional<CoverPages> cover_pages;  // not set: the engine's default (clean)
  std::string rules_file;         // region rules tried before the built-in ones; empty: none
  std::optional<bool> ocr_check;  // not set: the engine's default (on)
  // Rows over data/burned_in_text_scan.tsv: Modality or SOP Class UID -> always|screens|never|photo.
  std::vector<std::pair<std::string, std::string>> scan_text;
};

class Profile {
 public:
  // The Basic Application Level Confidentiality Profile with no options.
  static Profile basic();
  // The TCIA-style preset: Basic + Clean Descriptors, Retain Longitudinal Temporal Information
  // with Modified Dates, Retain Patient Characteristics, Retain Device Identity, Retain Safe
  // Private (the E.3.10-1 allow-list) and Clean Pixel Data on cover pages.
  static Profile tcia();
  // A built-in profile by name: "basic" or "tcia" ("basic+<option>+..." style names are not used;
  // callers add options with set_option).
  static Result<Profile> builtin(std::string_view name);
  // Load a JSON profile (see docs/profiles.md); errors carry line, column and a hint.
  static Result<Profile> from_json(std::string_view text, const std::string& origin);
  static Result<Profile> from_file(const std::string& path);

  Status set_option(Option o, bool on);
  bool option(Option o) const { return options_[std::size_t(o)]; }
  void add_rule(Rule r) { rules_.push_back(std::move(r)); }
  const std::vector<Rule>& rules() const { return rules_; }
  const std::string& name() const { return name_; }
  const PixelSettings& pixels() const { return pixels_; }

  // What to do with a standard attribute, or a private one (creator given, "" if none).
  Decision decide(Tag tag, VR vr, std::string_view private_creator) const;
  // True when the tag is covered by Table E.1-1 (any row, masks included).
  static bool in_table(Tag tag);

  // Rules that keep what Table E.1-1 would remove or replace (identifying attributes, private
  // elements), one line each for `dicomscrub profile check`: kept on purpose, the residual check
  // accepts them at their place, so a reader should know.
  std::vector<std::string> identifying_keeps() const;

  // Human-readable effective rules for `dicomscrub profile show`.
  std::string describe() const;

 private:
  std::string name_ = "basic";
  std::array<bool, kOptionCount> options_{};
  std::vector<Rule> rules_;
  PixelSettings pixels_;
};

// Where an attribute sits: the instance's IOD (its SOP Class UID) and the sequence whose item
// holds it (none at the top level). One attribute's Type differs by both: Requested Procedure ID
// is Type 1C in a Request Attributes item and Type 2 in an SR's Referenced Request item.
struct Place {
  std::string_view sop_class;
  bool in_item = false;
  Tag parent_sequence{};  // the sequence whose item holds the attribute; in_item only
  bool animal = false;    // Patient Species Description or Code Sequence present: Type 2C rows hold
};

// The attribute's Type where an IOD requires it at that place, from
// data/iod_required_attributes.tsv: 1 or 2, or 0 when no IOD needs it present there. The row that
// names the place most precisely wins (its parent sequence, then its SOP classes, over "any item").
// Removals become a dummy (Type 1) or an empty value (Type 2) instead, so the output stays valid.
int required_type(Tag tag, const Place& at);

// The attribute whose value this one's presence depends on (data/iod_conditional_attributes.tsv:
// Responsible Person Role is Type 1C "if Responsible Person is present and has a value"), if any.
// Where the profile takes that value away, the dependent attribute goes too.
std::optional<Tag> value_condition_of(Tag tag);

// Whether Retain Device Identity keeps the attribute (K in that column of E.1-1): its value names
// the device (serial numbers, detector, station), which free text elsewhere may repeat.
bool is_device_identity(Tag tag);

// Exactly a value of the PS3.6 UID registry (a prefix of 1.2.840.10008. is not enough: anyone can
// write one, and it would then leave unmapped).
bool is_registry_uid(std::string_view uid);
// A registry value naming one instance (Talairach frame of reference, a standard palette): the only
// values an instance-like UID attribute keeps.
bool is_well_known_instance_uid(std::string_view uid);
// An attribute holding a class-like UID (SOP Class, Transfer Syntax, Coding Scheme, ...: listed in
// data/class_uid_attributes.tsv): its value says what an object is, and is kept whatever its root.
bool is_class_uid_attribute(Tag tag);

// Attributes whose value identifies a patient, visit or order (IDs, numbers, accession numbers as
// LO/SH/CS): where the profile empties or dummies them, the engine writes a keyed token instead,
// so that grouping survives (Z allows a dummy value, E.1-1a). Audits and `profile show` say so.
bool gets_keyed_token(Tag tag, VR vr);
// Our category for a SOP class ("secondary_capture", "ultrasound", ...), or "" if none.
std::string_view sop_category(std::string_view sop_class_uid);
// Whether (creator, group, element offset) is in PS3.15 Table E.3.10-1.
bool is_safe_private(std::string_view creator, std::uint16_t group, std::uint8_t offset);

}  // namespace dicomscrub::profile
