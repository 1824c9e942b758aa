// lib/pixel/text_scan.hpp — which instances are searched for burned-in text: a table keyed by
// Modality or SOP Class UID (data/burned_in_text_scan.tsv, compiled in; a profile's
// "pixels": {"scan_text": {...}} overrides rows). Says how far Burned In Annotation is trusted;
// decides nothing about regions and never touches pixels.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "dicomscrub/error.hpp"

namespace dicomscrub::pixel {

enum class TextScan {
  never,    // Burned In Annotation trusted: NO/absent untouched, YES needs a region rule
  screens,  // scanned when a screen capture, a secondary image or Burned In Annotation YES
  always,   // every frame scanned whatever Burned In Annotation says
  photo,    // visible-light photographs: withheld unless Burned In Annotation NO (faces)
};

std::string_view to_string(TextScan s);
Result<TextScan> text_scan_from_string(std::string_view s);

class TextScanTable {
 public:
  static Result<TextScanTable> builtin();  // data/burned_in_text_scan.tsv, parsed once per process
  static Result<TextScanTable> from_tsv(std::string_view text, const std::string& origin);

  // The row of the SOP class, else of the modality, else never.
  TextScan lookup(std::string_view sop_class_uid, std::string_view modality) const;
  // Adds or replaces a row (a profile's overrides).
  void set(std::string key, TextScan scan) { rows_[std::move(key)] = scan; }
  std::size_t size() const { return rows_.size(); }

 private:
  std::map<std::string, TextScan, std::less<>> rows_;
};

}  // namespace dicomscrub::pixel
