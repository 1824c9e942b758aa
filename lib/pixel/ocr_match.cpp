// lib/pixel/ocr_match.cpp — which recognised lines name the instance (see ocr.hpp). No Tesseract
// here: the engine uses it on lines the media module read.
#include "pixel/ocr.hpp"

namespace dicomscrub::pixel {

namespace {
std::string lower_ascii(std::string s) {
  for (char& c : s) if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}
}  // namespace

std::vector<Rect> identifying_lines(const std::vector<TextLine>& lines, const deid::Identifiers& ids) {
  std::vector<Rect> out;
  for (const auto& l : lines) {
    std::string t = l.text;
    if (deid::clean_text(t, ids)) { out.push_back(l.box); continue; }
    // OCR often drops the separators of dates and IDs: compare digits alone too.
    std::string digits;
    for (char c : l.text) if (c >= '0' && c <= '9') digits.push_back(c);
    std::string folded = lower_ascii(l.text);
    bool hit = false;
    for (const auto& s : ids.strings) {
      std::string d;
      for (char c : s) if (c >= '0' && c <= '9') d.push_back(c);
      if (d.size() >= 6 && digits.find(d) != std::string::npos) hit = true;
      if (s.size() >= 4 && folded.find(lower_ascii(s)) != std::string::npos) hit = true;
    }
    if (hit) out.push_back(l.box);
  }
  return out;
}

}  // namespace dicomscrub::pixel
