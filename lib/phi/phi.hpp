// lib/phi — THE PHI detector: one answer to "is this identifying?" for the text cleaner (Clean
// Descriptors / Structured Content), the residual-PHI verifier, OCR read-back and PDF text checks,
// so cleaning and checking cannot disagree. Below lib/deid and lib/verify; uses core, dict, charset
// and ICU only.
//
// Two sources of findings:
//  - the instance's own identifiers (InstanceIdentifiers, collected once from the input), matched
//    in every spelling: NFKC + full case folding (ICU), name parts as words, inflected prefixes,
//    glued, spaced-out and split forms, substrings for scripts written without spaces; IDs with and
//    without separators; dates in every common spelling (parsed, then compared);
//  - identifiers the instance does not name: validated national numbers (US SSN, French NIR, UK
//    NHS), e-mail, phone numbers, street addresses, full dates in free text, and person names from a
//    compiled lexicon, in context (titles, given name next to surname) so medical words do not fire.
// Findings carry a kind, a confidence and a byte range; never the value. Nothing here logs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::phi {

enum class Kind : std::uint8_t {
  patient_name,  // a part of the patient's own name (any spelling)
  person_name,   // a name part of another person the instance names (physician, operator, ...)
  lexicon_name,  // a person's name the instance does not name (lexicon + context)
  patient_id,    // an ID of the patient, the visit or the order
  birth_date,    // the patient's birth date, any spelling
  study_date,    // one of the instance's study/series/acquisition dates, any spelling
  date,          // a full date written in free text
  national_id,   // SSN, NIR, NHS number (validated)
  email,
  phone,
  address,
  institution,
  unchecked,     // a value the verifier could not read to check (too large, unreadable)
};
const char* to_string(Kind k);

struct Finding {
  Kind kind;
  std::uint8_t confidence;  // 0..100
  std::uint32_t begin, end; // byte range in the UTF-8 text given to find()
};

// Where a value sits: decides which detectors apply (names are not looked for in numbers, device
// makers are not sites, a standard code meaning is not free text).
struct Context {
  enum class Class : std::uint8_t { text, coded, numeric, uid, date_time, binary };
  Class cls = Class::text;
  bool device = false;                // Manufacturer, model, software versions: not a site, not a date
  bool standard_meaning = false;      // a CodeMeaning equal to PS3.16's meaning of its code
  bool ocr = false;                   // OCR lines: garbage words are common, so lexicon names count
                                      // only after a title ("Dr Adeyemi"), never as a pair
  bool own_only = false;              // only the instance's own identifiers (no patterns, lexicon)
};
// The context of an element of this tag and VR.
Context context_for(Tag tag, VR vr);
// True when `meaning` is PS3.16's meaning of (scheme, value) (compared folded).
bool is_standard_meaning(std::string_view scheme, std::string_view value, std::string_view meaning);
// The context of element `e` of data set `parent` whose value decodes to `utf8` (a CodeMeaning is
// compared with its sibling code's standard meaning).
Context context_of(const Dataset& parent, const Element& e, std::string_view utf8);

struct Policy {
  bool dates_retained = false;        // Retain Longitudinal Full Dates: study dates are not leaks
  bool institution_retained = false;  // Retain Institution Identity
  bool device_retained = false;       // Retain Device Identity: station names, serials kept
};

// The instance's identifiers, folded, ready to match. Collected once from the input data set.
struct InstanceIdentifiers {
  struct Name { std::string folded; Kind kind; bool weak; bool unspaced_script; std::uint32_t person; };
  struct Id { std::string folded; std::string alnum; bool digits_only; bool device = false; };  // device: station, serial
  struct Date { int y, m, d; Kind kind; };
  std::vector<Name> names;          // parts of every name group; weak = 1-2 letters or a common word
  std::vector<std::string> joined;  // a person's parts glued ("johnsmith", "smithjohn")
  std::vector<Id> ids;
  std::vector<Date> dates;
  struct Institution { std::string folded; bool maker; };  // maker: also in the input's Manufacturer
  std::vector<Institution> institutions;
  std::vector<std::string> addresses;     // folded phrases
  std::vector<std::string> phones;        // digits only
  bool empty() const { return names.empty() && ids.empty() && dates.empty() && institutions.empty() && addresses.empty() && phones.empty(); }
};
// An element's value (in memory) decoded to UTF-8 in character set `cs`; empty when not in memory.
std::string decoded(const Element& e, const std::vector<std::string>& cs);
// From the input data set (top level; IDs of visits and orders at any depth).
InstanceIdentifiers collect(const Dataset& ds, const Policy& policy);

class Detector {
 public:
  Detector();
  Detector(InstanceIdentifiers ids, Policy policy);
  Detector(Detector&&) noexcept;
  Detector& operator=(Detector&&) noexcept;
  ~Detector();

  // Everything identifying in `utf8`. Not thread-safe (reuses scratch buffers): one per instance.
  std::vector<Finding> find(std::string_view utf8, const Context& ctx) const;
  // Removes the identifying tokens (and a title or "for"/"of" left dangling), keeps the rest.
  bool clean(std::string& utf8, const Context& ctx) const;
  // The same question put to the other ways a reader may take a text value's bytes `raw` (decoded
  // in its character set to `decoded`): valid UTF-8 the character set reads as other characters,
  // %XX escapes decoded, base64 words of 12+ characters that decode to printable text (those for
  // the instance's own identifiers only). The first finding's kind, if any. Text and codes only.
  std::optional<Kind> find_in_other_readings(Bytes raw, std::string_view decoded, const Context& ctx) const;
  // A binary value: looked at as ASCII/UTF-8, UTF-16LE, UTF-16BE and in the instance's character
  // set; only identifiers that cannot occur by chance (the instance's own, validated numbers, e-mail).
  // `patterns` false: the instance's own identifiers only (compressed pixel data, whose printable
  // runs are long enough to look like an e-mail address by chance).
  bool any_in_bytes(Bytes bytes, const std::vector<std::string>& charset_terms, Kind* kind, bool patterns = true) const;
  const InstanceIdentifiers& identifiers() const;
  const Policy& policy() const;  // with identifiers(): what rebuilds this detector in another process

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  mutable bool inflating_ = false;  // any_in_bytes inside an inflated stream: no second level
};

}  // namespace dicomscrub::phi
