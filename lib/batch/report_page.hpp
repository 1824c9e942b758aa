// lib/batch/report_page — the review page of a deid run: reads the audit (JSON Lines written by lib/batch)
// and renders one self-contained HTML page: what ran, counts by status and withhold reason, the
// inputs not written with their reasons, and a thumbnail of the OUTPUT frame of every instance
// whose pixels were cleaned, with the blanked boxes outlined. It reads outputs only, never inputs:
// the page must be safe to show to whoever reviews the export.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>
#include <string>

#include "dicomscrub/error.hpp"

namespace dicomscrub::report {

struct Page {
  std::string html;
  std::size_t records = 0;             // per-input records in the audit
  std::size_t thumbnails = 0;          // cleaned outputs shown
  std::size_t thumbnail_problems = 0;  // cleaned outputs that could not be read or decoded
};

// `audit_jsonl`: the audit file's text. `output_root`: where the outputs are now, when the folder
// moved since the run ("" reads the paths as recorded).
Result<Page> render(const std::string& audit_jsonl, const std::string& output_root);

// A PNG (8-bit RGB, no interlace) of `rgb` (width*height*3 bytes): thumbnails are data: URLs.
std::string png_rgb(const std::vector<std::uint8_t>& rgb, int width, int height);

}  // namespace dicomscrub::report
