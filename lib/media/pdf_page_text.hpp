// lib/media/pdf_page_text.hpp — the text a PDF draws, glyph by glyph, and its removal. Every
// content stream (pages, form XObjects and tiling patterns, used or not, visible or in a hidden
// optional-content group) is parsed with qpdf's content-stream parser; each shown glyph is decoded
// through its font (pdf_fonts) and placed by the text and graphics state, so the text of a stream
// reads as poppler would read it (a word drawn by several operators is one word). The spans the
// finder marks are removed glyph by glyph; a removed glyph's advance becomes a TJ offset, so the
// rest of the line stays where it was. Strings elsewhere in the document (layer names, marked-
// content /ActualText, structure titles) are emptied when they identify. qpdf types: C++17 only.
#pragma once

#include <cstddef>
#include <vector>

#include <qpdf/QPDF.hh>

#include "media/qpdf_rewrite.hpp"

namespace dicomscrub::document {

struct PageTextReport {
  std::size_t streams = 0;          // content streams looked at
  std::size_t findings = 0;         // identifying spans found (in streams and in strings)
  std::size_t glyphs_removed = 0;
  std::size_t strings_emptied = 0;
  std::vector<std::size_t> unmapped_pages;  // 1-based: glyphs whose text we cannot tell (Type3, no map)
  bool attachments_or_scripts = false;      // an embedded file or a script anywhere in the objects
  std::vector<std::size_t> image_pages;
  std::vector<std::size_t> finding_pages;   // 1-based: pages whose streams hold identifying text     // 1-based: images drawn, by the page or any form or pattern in it
};

// edit = false only looks (the read-back of a cleaned document).
PageTextReport clean_document_text(QPDF& pdf, const SpanFinder& find, bool edit);

}  // namespace dicomscrub::document
