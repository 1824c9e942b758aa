// lib/media/ocr.hpp — reads text in a frame with Tesseract (libtesseract from Debian) and says
// which lines name the instance's own identifiers. Used to blank only identifying lines where the
// policy asks for that, and to check every cleaned frame before it is written. Reads; never paints.
#pragma once

#include <string>
#include <vector>

#include "phi/phi.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"

namespace dicomscrub::pixel {

struct TextLine {
  Rect box;          // in frame pixels
  std::string text;  // UTF-8, as recognised; never reported (it may be PHI)
};

// Whether Tesseract and its English model load on this machine.
bool ocr_available();

// The lines of text Tesseract recognises in one frame (planes as from pixel::planes). Each
// thread keeps its own Tesseract instance.
Result<std::vector<TextLine>> read_lines(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits_stored);

// The lines among `lines` that contain one of `ids` (names as words, IDs and dates as text).
std::vector<Rect> identifying_lines(const std::vector<TextLine>& lines, const phi::Detector& ids);

}  // namespace dicomscrub::pixel
