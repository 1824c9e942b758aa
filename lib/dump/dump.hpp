// lib/dump — human-readable and DICOM JSON (PS3.18 Annex F) renderings of a DicomFile.
// Read-only views for people and tools; never used to write DICOM.
#pragma once

#include <string>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::dump {

struct TextOptions {
  std::size_t max_value_chars = 64;  // longer values are cut with "..."
  bool show_meta = true;
};
std::string to_text(const DicomFile& file, const TextOptions& options = {});

struct JsonOptions {
  bool inline_binary = false;  // bulk data as InlineBinary (base64), else omitted
  bool pretty = false;
};
// The data set (not the meta group) in the DICOM JSON model.
std::string to_json(const DicomFile& file, const JsonOptions& options = {});

}  // namespace dicomscrub::dump
