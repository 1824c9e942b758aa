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
#include "media/pdf_policy.hpp"
#include "media/qpdf_rewrite.hpp"

namespace dicomscrub::document {

// THE one question the PDF code asks of the PHI detector: where in this text is an identifier.
std::vector<TextSpan> identifying_spans(const std::string& utf8, const phi::Detector& ids);

// Deterministic: the same input gives the same bytes (qpdf's deterministic /ID).
CleanedPdf clean_pdf(Bytes pdf, const phi::Detector& ids, const ScanPolicy& scans = {});

}  // namespace dicomscrub::document
