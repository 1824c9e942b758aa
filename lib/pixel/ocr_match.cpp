// lib/pixel/ocr_match.cpp — which recognised lines name the instance (see ocr.hpp). No Tesseract
// here: the engine uses it on lines the media module read.
#include "pixel/ocr.hpp"

namespace dicomscrub::pixel {

namespace {
std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s) if (c >= '0' && c <= '9') d.push_back(c);
  return d;
}
}  // namespace

std::vector<Rect> identifying_lines(const std::vector<TextLine>& lines, const deid::Identifiers& ids) {
  std::vector<Rect> out;
  if (lines.empty()) return out;
  // OCR often drops the separators of dates and IDs: they are compared by their digits as well
  // (clean_text already matches every spelling case-insensitively).
  std::vector<std::string> id_digits;
  for (const auto& s : ids.strings)
    if (auto d = digits_of(s); d.size() >= 6) id_digits.push_back(std::move(d));
  for (const auto& l : lines) {
    std::string t = l.text;
    if (deid::clean_text(t, ids)) { out.push_back(l.box); continue; }
    const std::string digits = digits_of(l.text);
    for (const auto& d : id_digits)
      if (digits.find(d) != std::string::npos) { out.push_back(l.box); break; }
  }
  return out;
}

}  // namespace dicomscrub::pixel
