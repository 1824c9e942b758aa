// lib/media/pdf_fonts.hpp — what a PDF font's codes spell and how far each glyph advances: the
// font's ToUnicode map first (as poppler reads it), else its encoding (standard encodings,
// Differences by glyph name). A font whose shown codes cannot be mapped is reported as such, never
// guessed: the caller then renders the page instead of editing it. qpdf types: C++17 only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <qpdf/QPDFObjectHandle.hh>

namespace dicomscrub::document {

struct PdfFont {
  bool editable = false;       // false: Type3, vertical writing, an encoding CMap we do not read
  int code_bytes = 1;          // 1 for simple fonts, 2 for Identity-H composite fonts
  std::map<std::uint32_t, std::string> text;   // code -> UTF-8 (ToUnicode, then the encoding)
  std::map<std::uint32_t, double> widths;      // code -> advance in 1/1000 of the font size
  double default_width = 500;  // missing widths: /MissingWidth, /DW, or an average Latin glyph
  // The UTF-8 a code spells; nullptr when the font does not say (the text cannot be mapped).
  const std::string* spell(std::uint32_t code) const {
    auto it = text.find(code);
    return it == text.end() ? nullptr : &it->second;
  }
  double width(std::uint32_t code) const {
    auto it = widths.find(code);
    return it == widths.end() ? default_width : it->second;
  }
};

// Never throws for a malformed font: it comes back not editable.
PdfFont read_font(QPDFObjectHandle font);

}  // namespace dicomscrub::document
