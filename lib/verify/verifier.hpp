// lib/verify — the residual-PHI check. Scans a (de-identified) file for identifiers in their usual
// spellings: every string value decoded in its character set, at every depth, and the raw bytes of
// private, unknown-VR and document values. Reports where and what kind, never the value itself.
// Pixel data is not read here (burned-in text is the pixel module's job).
#pragma once

#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::verify {

enum class Kind { patient_name, other_name, patient_id, birth_date, other_date, address, phone, institution, ssn, email };
const char* to_string(Kind k);

struct Needle {
  std::string text;   // UTF-8
  Kind kind;
  bool whole_word;    // names: match as words only
};

struct Finding {
  std::string where;  // tag path, e.g. "(0040,0275)[0]/(0032,1060)"
  Kind kind;
};

struct Policy {
  bool dates_retained = false;        // Retain Longitudinal Full Dates: study dates are not leaks
  bool institution_retained = false;  // Retain Institution Identity
};

// The identifiers of an instance, read from the input before de-identification.
std::vector<Needle> collect_needles(const Dataset& input, const Policy& policy);
// Where those identifiers still appear in `file`.
std::vector<Finding> scan(const DicomFile& file, const std::vector<Needle>& needles);
// For files standing alone: their own identifying attributes, scanned against themselves, plus
// patterns that look like PHI anywhere (US SSN, e-mail, identity not marked removed).
std::vector<Finding> scan_standalone(const DicomFile& file);

}  // namespace dicomscrub::verify
