// lib/media/media.hpp — the heavy half of the pixel and document paths (GDCM's codecs, Tesseract,
// qpdf, poppler) lives in a module, libdicomscrub_media.so, loaded the first time an instance
// needs it. A CT series that needs no cleaning never loads it, so it pays neither the libraries'
// start-up (GDCM builds its dictionaries, ~60 M instructions) nor their relocations. The module
// is part of the same build: the table below is an internal interface, not a public ABI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phi/phi.hpp"
#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"
#include "image/ocr_match.hpp"
#include "media/pdf_policy.hpp"

namespace dicomscrub::media {

inline constexpr unsigned kApiVersion = 1;

struct Api {
  unsigned version;
  const char* compiler;     // the loader refuses a module built by another compiler...
  std::uint64_t layout;     // ...or against other layouts of the types the table passes
  Result<pixel::Decoded> (*decode)(const DicomFile& file, const pixel::Layout& declared);
  Status (*encode)(DicomFile& file, const pixel::Decoded& img, const std::string& syntax);
  Result<std::vector<pixel::TextLine>> (*read_lines)(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits);
  document::CleanedPdf (*clean_pdf)(Bytes pdf, const phi::Detector& ids, const document::ScanPolicy& scans);
};

// The module's table, loaded once per process; an Error (unsupported) says why it is not there,
// and the instance that needed it is then withheld.
Result<const Api*> api();

// What both sides compare before the table is used.
inline const char* compiler_id() { return __VERSION__; }
inline constexpr std::uint64_t layout_id() {
  return (std::uint64_t(sizeof(DicomFile)) << 48) ^ (std::uint64_t(sizeof(Element)) << 32) ^ (std::uint64_t(sizeof(Dataset)) << 24) ^
         (std::uint64_t(sizeof(pixel::Decoded)) << 16) ^ (std::uint64_t(sizeof(document::CleanedPdf)) << 8) ^
         std::uint64_t(sizeof(document::ScanPolicy)) ^ (std::uint64_t(sizeof(phi::Detector)) << 40);
}

}  // namespace dicomscrub::media
