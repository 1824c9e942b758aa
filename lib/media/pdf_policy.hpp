// lib/media/pdf_policy.hpp — what the engine and the media module's PDF cleaner pass each other
// across the dlopen line (media.hpp's table): the policy for scanned documents and the cleaned
// result. Types only; the cleaner itself (pdf_cleaner.hpp) is built into the module alone.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "image/text_detector.hpp"

namespace dicomscrub::document {

struct CleanedPdf {
  std::vector<std::uint8_t> bytes;  // the document, unpadded; empty when withheld
  std::string withhold_reason;      // never a value from the document
  std::size_t pages = 0;
  bool rasterized = false;          // some pages rendered and cleaned as cover pages (a scan, ...)
  std::size_t pages_rendered = 0;
  std::size_t glyphs_removed = 0;   // identifying glyphs taken out of the page content
  std::size_t strings_emptied = 0;  // identifying strings emptied (layer names, /ActualText, ...)
  std::string render_reason;        // why the first page was rendered
};

inline CleanedPdf pdf_withheld(std::string why) {
  CleanedPdf c;
  c.withhold_reason = std::move(why);
  return c;
}

// How scanned documents are handled: the cover-page policy of lib/pixel.
struct ScanPolicy {
  bool clean = true;                // false: documents with page images are withheld
  bool identifiers_only = false;    // blank only lines OCR reads as naming the patient
  bool ocr_check = true;            // read each cleaned page back; a legible identifier withholds
  pixel::DetectorSettings detector;
  double dpi = 150;
  int max_pages = 100;
  double ocr_seconds = 120;         // OCR time per document (read-backs included); past it: withheld
};

}  // namespace dicomscrub::document
