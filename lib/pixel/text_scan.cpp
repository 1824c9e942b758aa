// lib/pixel/text_scan.cpp — the scan table (see text_scan.hpp).
#include "pixel/text_scan.hpp"

#include <fmt/format.h>

#include "core/text.hpp"
#include "burned_in_text_scan.inc"

namespace dicomscrub::pixel {

std::string_view to_string(TextScan s) {
  switch (s) {
    case TextScan::never: return "never";
    case TextScan::screens: return "screens";
    case TextScan::always: return "always";
    case TextScan::photo: return "photo";
  }
  return "never";
}

Result<TextScan> text_scan_from_string(std::string_view s) {
  for (TextScan t : {TextScan::never, TextScan::screens, TextScan::always, TextScan::photo})
    if (s == to_string(t)) return t;
  return Error{ErrorCode::invalid_argument, {}, 0, {}, fmt::format("'{}' is not always, screens, never or photo", s)};
}

Result<TextScanTable> TextScanTable::from_tsv(std::string_view text, const std::string& origin) {
  TextScanTable t;
  std::size_t line_no = 0;
  bool header = true;
  for (const std::string& line : detail::split_value(std::string(text), '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto cols = detail::split_value(line, '\t');
    if (header) { header = false; continue; }  // key, scan, why
    auto scan = cols.size() >= 2 ? text_scan_from_string(cols[1]) : Result<TextScan>(Error{ErrorCode::invalid_argument, {}, 0, {}, "too few columns"});
    if (!scan || cols[0].empty())
      return Error{ErrorCode::invalid_argument, origin, 0, {}, fmt::format("line {}: {}", line_no, scan ? "empty key" : scan.error().reason)};
    t.rows_[cols[0]] = *scan;
  }
  return t;
}

Result<TextScanTable> TextScanTable::builtin() {
  static const Result<TextScanTable> parsed = from_tsv(kBurnedInTextScanTsv, "data/burned_in_text_scan.tsv");
  return parsed;
}

TextScan TextScanTable::lookup(std::string_view sop_class_uid, std::string_view modality) const {
  if (auto it = rows_.find(sop_class_uid); !sop_class_uid.empty() && it != rows_.end()) return it->second;
  if (auto it = rows_.find(modality); !modality.empty() && it != rows_.end()) return it->second;
  return TextScan::never;
}

}  // namespace dicomscrub::pixel
