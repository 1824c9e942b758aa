// lib/media/qpdf_rewrite.hpp — the qpdf half of the PDF cleaner, behind a plain interface.
// qpdf 11's headers do not compile as C++20 under clang (a vector of an incomplete type), so this
// one file is built as C++17 and shares no C++20 header with the rest of the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dicomscrub::document {

// Where a text names someone: byte ranges [begin, end) of the UTF-8 text it is given. The PDF
// code asks only this; which identifiers count is the caller's (one detector for the product).
struct TextSpan {
  std::size_t begin = 0, end = 0;
};
using SpanFinder = std::function<std::vector<TextSpan>(const std::string& utf8)>;

struct QpdfRewrite {
  std::vector<std::uint8_t> bytes;  // the rewritten document; empty when refused
  std::string refusal;              // why it was refused; never text from the document
  std::size_t pages = 0;
  std::vector<std::size_t> render_pages;  // 1-based: pages holding images or text we cannot map
  std::string render_reason;              // why the first of them must be rendered
  std::size_t glyphs_removed = 0;   // identifying glyphs taken out of content streams
  std::size_t strings_emptied = 0;  // identifying strings emptied elsewhere in the document
};

// Removes metadata, annotations, scripts and outlines, and the text `find` marks from every
// content stream and string (pdf_page_text.hpp); refuses encryption, forms and attachments, and
// lists the pages that must be rendered instead (images, text it cannot map to characters).
// Deterministic /ID.
QpdfRewrite qpdf_rewrite(const std::uint8_t* data, std::size_t size, const SpanFinder& find);

// The read-back of a rewritten document by the same walk, editing nothing: identifying spans
// left in its content streams and strings, or a refusal when some text cannot be mapped.
struct QpdfTextCheck {
  std::size_t findings = 0;
  std::vector<std::size_t> finding_pages;  // 1-based; empty with findings: not tied to one page
  std::string refusal;
};
QpdfTextCheck qpdf_text_check(const std::uint8_t* data, std::size_t size, const SpanFinder& find);

// A page as pixels: 8-bit RGB, rows top to bottom, and its size in points.
struct PageImage {
  int width = 0, height = 0;
  double width_pt = 0, height_pt = 0;
  std::vector<std::uint8_t> rgb;
};

// A new document holding nothing but these images, one per page (no metadata). Deterministic.
QpdfRewrite qpdf_from_images(const std::vector<PageImage>& pages);

// The document with the numbered pages (1-based) replaced by pages holding nothing but these
// images; the other pages stay as they are. Deterministic.
QpdfRewrite qpdf_replace_pages(const std::uint8_t* data, std::size_t size, const std::vector<std::pair<std::size_t, PageImage>>& pages);

}  // namespace dicomscrub::document
