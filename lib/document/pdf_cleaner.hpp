// lib/document/pdf_cleaner.hpp — cleans an encapsulated PDF in place: removes what describes the
// document or its author (Info dictionary, XMP metadata, page metadata and piece info, annotations)
// and refuses what it cannot vouch for: any page text naming the instance's own identifiers, form
// fields, attachments, scripts, encryption. A document with page images (a scan) is rasterized,
// cleaned like a cover page (lib/pixel) and re-wrapped as an image-only PDF. Decides on bytes
// only; the engine puts the result back into (0042,0011) or withholds the instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deid/identifiers.hpp"
#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "pixel/text_detector.hpp"

namespace dicomscrub::document {

struct CleanedPdf {
  std::vector<std::uint8_t> bytes;  // empty when withheld
  std::string withhold_reason;      // never a value from the document
  std::size_t pages = 0;
  bool rasterized = false;          // a scan, re-wrapped as cleaned page images
};

// How scanned documents are handled: the cover-page policy of lib/pixel.
struct ScanPolicy {
  bool clean = true;                // false: documents with page images are withheld
  bool identifiers_only = false;    // blank only lines OCR reads as naming the patient
  bool ocr_check = true;            // read each cleaned page back; a legible identifier withholds
  pixel::DetectorSettings detector;
  double dpi = 150;
  int max_pages = 100;
};

// Deterministic: the same input gives the same bytes (qpdf's deterministic /ID).
CleanedPdf clean_pdf(Bytes pdf, const deid::Identifiers& ids, const ScanPolicy& scans = {});

}  // namespace dicomscrub::document
