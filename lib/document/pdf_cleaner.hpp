// lib/document/pdf_cleaner.hpp — cleans an encapsulated PDF in place: removes what describes the
// document or its author (Info dictionary, XMP metadata, page metadata and piece info, annotations)
// and refuses what it cannot vouch for: any page text naming the instance's own identifiers,
// scanned pages (images), form fields, attachments, scripts, encryption. Decides on bytes only;
// the engine puts the result back into (0042,0011) or withholds the instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deid/identifiers.hpp"
#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub::document {

struct CleanedPdf {
  std::vector<std::uint8_t> bytes;  // empty when withheld
  std::string withhold_reason;      // never a value from the document
  std::size_t pages = 0;
};

// Deterministic: the same input gives the same bytes (qpdf's deterministic /ID).
CleanedPdf clean_pdf(Bytes pdf, const deid::Identifiers& ids);

}  // namespace dicomscrub::document
