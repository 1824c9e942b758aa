// lib/document/qpdf_rewrite.hpp — the qpdf half of the PDF cleaner, behind a plain interface.
// qpdf 11's headers do not compile as C++20 under clang (a vector of an incomplete type), so this
// one file is built as C++17 and shares no C++20 header with the rest of the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dicomscrub::document {

struct QpdfRewrite {
  std::vector<std::uint8_t> bytes;  // the rewritten document; empty when refused
  std::string refusal;              // why it was refused; never text from the document
  std::size_t pages = 0;
};

// Removes metadata, annotations, scripts and outlines; refuses encryption, forms, attachments and
// pages holding images (`images_refused` then says so). Deterministic /ID.
QpdfRewrite qpdf_rewrite(const std::uint8_t* data, std::size_t size);
bool images_refused(const QpdfRewrite& r);

// A page as pixels: 8-bit RGB, rows top to bottom, and its size in points.
struct PageImage {
  int width = 0, height = 0;
  double width_pt = 0, height_pt = 0;
  std::vector<std::uint8_t> rgb;
};

// A new document holding nothing but these images, one per page (no metadata). Deterministic.
QpdfRewrite qpdf_from_images(const std::vector<PageImage>& pages);

}  // namespace dicomscrub::document
