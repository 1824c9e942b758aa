// lib/image/ocr_match.cpp — which recognised lines name the instance or anyone (see ocr_match.hpp). No
// Tesseract here: the engine uses it on lines the media module read. The matching itself is the
// PHI detector's (lib/phi), so OCR read-back and the header check cannot disagree; OCR dropping
// separators is covered there (IDs are also compared without separators, dates as digit runs).
#include "image/ocr_match.hpp"

namespace dicomscrub::pixel {

std::vector<Rect> identifying_lines(const std::vector<TextLine>& lines, const phi::Detector& ids) {
  std::vector<Rect> out;
  phi::Context ocr;
  ocr.ocr = true;  // OCR output has no reliable capitals, and garbage words
  for (const auto& l : lines)
    if (!ids.find(l.text, ocr).empty()) out.push_back(l.box);
  return out;
}

}  // namespace dicomscrub::pixel
