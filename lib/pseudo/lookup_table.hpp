// lib/pseudo/lookup_table.hpp — a data manager's own pseudonyms: a CSV of (attribute keyword,
// original value, replacement), e.g. `PatientID,MRN-0042,SUBJ-001`, so a trial's subject IDs,
// accession numbers or names are the ones its registry assigned instead of keyed tokens.
// A decision table like a profile: it says what a value becomes, never edits a data set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "dicomscrub/error.hpp"
#include "dicomscrub/tag.hpp"

namespace dicomscrub::reid {

class LookupTable {
 public:
  // Columns: keyword (PS3.6, or a tag "(0010,0020)"), original value, replacement. An optional
  // header row starts with "keyword". Errors name the file and line: wrong column count, unknown
  // keyword, empty original, a replacement too long for the VR, one original given two replacements.
  static Result<LookupTable> from_file(const std::string& path);
  static Result<LookupTable> from_csv(std::string_view text, const std::string& origin);

  bool covers(Tag tag) const { return by_tag_.count(tag.value()) != 0; }
  // The replacement for `original` (padding trimmed) of this attribute; nullptr when none.
  const std::string* find(Tag tag, std::string_view original) const;
  // Whether `value` (padding trimmed) is a replacement the table gives for this attribute: the data
  // manager's pseudonym, found again when an output is run again.
  bool is_replacement(Tag tag, std::string_view value) const;
  const std::string& origin() const { return origin_; }
  std::size_t size() const { return rows_; }

 private:
  std::map<std::uint32_t, std::map<std::string, std::string, std::less<>>> by_tag_;
  std::map<std::uint32_t, std::set<std::string, std::less<>>> replacements_;
  std::string origin_;
  std::size_t rows_ = 0;
};

}  // namespace dicomscrub::reid
