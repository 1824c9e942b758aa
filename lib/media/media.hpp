// lib/media/media.hpp — the heavy half of the pixel and document paths (GDCM's codecs, Tesseract,
// qpdf, poppler) lives in a module, libdicomscrub_media.so, loaded the first time an instance
// needs it. A CT series that needs no cleaning never loads it, so it pays neither the libraries'
// start-up (GDCM builds its dictionaries, ~60 M instructions) nor their relocations. The module
// is part of the same build: the table below is an internal interface, not a public ABI.
// By default the engine does not load the module itself: it hands each job to a sandboxed worker
// process (dicomscrub-media, lib/media/worker_*.cpp) that runs the module's table behind a table
// of the same signatures, so callers cannot tell which side ran it.
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

inline constexpr unsigned kApiVersion = 2;

struct Api {
  unsigned version;
  const char* compiler;     // the loader refuses a module built by another compiler...
  std::uint64_t layout;     // ...or against other layouts of the types the table passes
  Result<pixel::Decoded> (*decode)(const DicomFile& file, const pixel::Layout& declared);
  Status (*encode)(DicomFile& file, const pixel::Decoded& img, const std::string& syntax);
  Result<std::vector<pixel::TextLine>> (*read_lines)(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits);
  document::CleanedPdf (*clean_pdf)(Bytes pdf, const phi::Detector& ids, const document::ScanPolicy& scans);
  // The worker calls it before locking itself down: opens now what the libraries open lazily,
  // since no file may be opened for writing afterwards: Tesseract's debug file (kPrepareOcr; its
  // model is read later, read-only), fontconfig and fonts (kPreparePdf). Codecs need nothing.
  void (*prepare)(unsigned what);
};

inline constexpr unsigned kPrepareOcr = 1, kPreparePdf = 2;

// The table the engine calls: the worker's (default) or the module's loaded into this process.
// An Error (unsupported) says why it is not there, and the instance that needed it is withheld.
Result<const Api*> api();

// Where media work runs: in the sandboxed worker process (the default build), or in this process
// (-Dmedia_worker=false, for platforms without seccomp). DICOMSCRUB_MEDIA_MODE=in-process|worker
// overrides the build's choice (tests compare the two; benchmarks measure the difference).
bool runs_in_worker();
// One line for `dicomscrub version` and the audit header.
std::string isolation();

// The module's table loaded into this process (the in-process path, and the worker itself).
Result<const Api*> module_api();
// The module files the loader would try, in order (the worker program is looked for beside them).
std::vector<std::string> module_candidates();
// Why no module file was found (where the loader looked), as the in-process path words it.
std::string module_missing_reason();

// What both sides compare before the table is used.
inline const char* compiler_id() { return __VERSION__; }
inline constexpr std::uint64_t layout_id() {
  return (std::uint64_t(sizeof(DicomFile)) << 48) ^ (std::uint64_t(sizeof(Element)) << 32) ^ (std::uint64_t(sizeof(Dataset)) << 24) ^
         (std::uint64_t(sizeof(pixel::Decoded)) << 16) ^ (std::uint64_t(sizeof(document::CleanedPdf)) << 8) ^
         std::uint64_t(sizeof(document::ScanPolicy)) ^ (std::uint64_t(sizeof(phi::Detector)) << 40);
}

}  // namespace dicomscrub::media
