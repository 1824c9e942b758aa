// lib/image/ocr_match.hpp — a line of text recognised in a frame, and which such lines name the
// instance or anyone (asked of the PHI detector). No OCR engine here: the lines come from the
// media module's reader (lib/media/ocr.hpp), through the loader's table.
#pragma once

#include <string>
#include <vector>

#include "phi/phi.hpp"
#include "image/image.hpp"

namespace dicomscrub::pixel {

struct TextLine {
  Rect box;          // in frame pixels
  std::string text;  // UTF-8, as recognised; never reported (it may be PHI)
};

// The lines among `lines` that contain one of `ids` (names as words, IDs and dates as text).
std::vector<Rect> identifying_lines(const std::vector<TextLine>& lines, const phi::Detector& ids);

}  // namespace dicomscrub::pixel
