// lib/media/pdf_cleaner.hpp — cleans an encapsulated PDF in place: removes what describes the
// document or its author (Info dictionary, XMP metadata, page metadata and piece info, annotations),
// removes the glyphs that spell an identifier from every content stream (pdf_page_text.hpp), and
// refuses what it cannot vouch for: form fields, attachments, scripts, encryption. A document with
// page images (a scan), text we cannot map to characters, or identifying text left after editing
// is rasterized, cleaned like a cover page (lib/pixel) and re-wrapped as an image-only PDF. The
// result is read back by poppler and by our own walk; decides on bytes only, and the engine puts
// the result back into (0042,0011) or withholds the instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phi/phi.hpp"
#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "media/qpdf_rewrite.hpp"
#include "image/text_detector.hpp"

namespace dicomscrub::document {

struct CleanedPdf {
  std::vector<std::uint8_t> bytes;  // empty when withheld
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

// THE one question the PDF code asks of the PHI detector: where in this text is an identifier.
std::vector<TextSpan> identifying_spans(const std::string& utf8, const phi::Detector& ids);

// Deterministic: the same input gives the same bytes (qpdf's deterministic /ID).
CleanedPdf clean_pdf(Bytes pdf, const phi::Detector& ids, const ScanPolicy& scans = {});

}  // namespace dicomscrub::document
