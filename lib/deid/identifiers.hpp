// lib/deid/identifiers.hpp — the instance's own identifiers (decoded to UTF-8) in the spellings
// they take in free text, and the cleaner that removes them. Used by clean-text actions now and by
// the residual-PHI verifier later. Holds values in memory only; never logs or reports them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::deid {

struct Identifiers {
  std::vector<std::string> words;    // name parts: matched as whole words, case-insensitive
  std::vector<std::string> strings;  // IDs, dates in many spellings, addresses: substrings
  std::vector<std::string> digits;   // phone numbers, as digits only
  bool empty() const { return words.empty() && strings.empty() && digits.empty(); }
};

// From the top-level data set (patient, study and staff identifiers).
Identifiers collect_identifiers(const Dataset& ds, const std::vector<std::string>& charset_terms);
// Every spelling of a DA value we look for: 19610412, 1961-04-12, 12/04/1961, 04/12/1961, 12.04.1961,
// 12 Apr 1961, April 12, 1961, ...
std::vector<std::string> date_spellings(std::string_view yyyymmdd);
// Replace every occurrence with "***". Returns true when something was replaced.
bool clean_text(std::string& utf8, const Identifiers& ids);

}  // namespace dicomscrub::deid
