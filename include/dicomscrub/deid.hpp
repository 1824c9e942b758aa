// dicomscrub/deid.hpp — de-identify a DicomFile under a profile and a key.
//
// A Deidentifier is built once (profile, options, key) and is safe to share between threads: it
// holds no per-file state. apply() edits a DicomFile in place and says whether it may be written.
// A withheld file must not be written anywhere: that is the fail-closed promise.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "dicomscrub/keys.hpp"
#include "dicomscrub/settings.hpp"

namespace dicomscrub {

struct DeidConfig {
  std::string profile = "basic";              // a built-in name, or a path to a JSON profile
  std::vector<std::string> options;           // e.g. "retain_uids", "clean-descriptors"
  // The secret key (dicomscrub/keys.hpp), shared and never copied. Null: a random one-time key
  // is made (see one_time_key()).
  std::shared_ptr<const Key> key;
  // Scan every output for the input's own identifiers before saying it may be written (withheld
  // on any hit). Turning it off is for measuring its cost, not for production.
  bool verify = true;
  // Burned-in text on cover pages (screenshots, scanned forms, reports rendered as images):
  // "clean" blanks all text found in every frame, "identifiers" only the lines OCR reads as
  // naming the patient, "withhold" withholds them. Not set: the profile's "pixels" section, else clean.
  std::optional<CoverPages> cover_pages;
  // A pixel region rule file (the format of data/pixel_rules.json), tried before the profile's
  // and the built-in rules converted from RSNA CTP.
  std::string pixel_rules;
  // Read every cleaned frame back with OCR and withhold it if an identifier is still legible.
  // Not set: the profile's choice, else on. Turning it off is for measuring its cost.
  std::optional<bool> ocr_check;
  // Fill DeidReport::tag_actions (the action per tag path, for audits). A batch writing no audit
  // turns it off: building a path and a map entry per element is a tenth of the engine's work.
  bool record_tag_actions = true;
  // A lookup table (CSV: keyword, original value, replacement) whose replacements win over the
  // profile for the attributes it names. A value it lacks withholds the instance ("withhold", the
  // default) or gets the profile's keyed pseudonym ("keyed").
  std::string lookup_file;
  std::string lookup_missing;
  // PEM certificates (RSA or EC) to seal the original values of what changed for, in an
  // Encrypted Attributes Sequence (PS3.15 E.1.1; lib/reid). Empty: none is written.
  std::vector<std::string> encrypt_for;
  // Fill DeidReport::uid_mapping and patient_id_mapping (for the mapping tables, --mapping DIR).
  bool record_mappings = false;
};

struct DeidReport {
  bool withheld = false;
  std::string withhold_reason;                // empty unless withheld; never contains values
  std::string output_path;                    // "<study>/<series>/<instance>.dcm", pseudonymized
  std::string pixel_action;                   // what was done to the pixels, if anything (no values)
  std::string regions_action;                 // non-image bytes of Pixel Data removed, if any (no values)
  std::vector<std::array<int, 5>> pixel_boxes;  // blanked rectangles: frame (0-based), x, y, width, height
  std::map<std::string, int> action_counts;   // "remove" -> 12, ...
  std::map<std::string, std::string> tag_actions;  // "(0010,0010)" -> "empty" (top level and nested)
  // With DeidConfig::record_mappings: (original, pseudonym) of every UID remapped and of Patient
  // ID / Other Patient IDs. IDENTIFYING: for the mapping tables only, never for audits or logs.
  std::vector<std::pair<std::string, std::string>> uid_mapping, patient_id_mapping;
};

class Deidentifier {
 public:
  static Result<Deidentifier> create(const DeidConfig& config);
  Deidentifier(Deidentifier&&) noexcept;
  Deidentifier& operator=(Deidentifier&&) noexcept;
  ~Deidentifier();

  // Edits `file`; on success the report says whether it may be written and where.
  Result<DeidReport> apply(DicomFile& file) const;

  bool one_time_key() const;             // true when no key was given
  std::string key_fingerprint() const;   // identifies the key without revealing it
  // A keyed token of `value` (26 base-32 characters): the same under the same key, and not
  // recomputable without it (audits record input paths this way).
  std::string keyed_token(std::string_view domain, std::string_view value) const;
  std::string method_description() const;
  std::string describe_profile() const;  // the effective rules

  struct Impl;  // opaque: defined in lib/deid

 private:
  explicit Deidentifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dicomscrub
