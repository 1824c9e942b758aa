// lib/media/ocr.hpp — reads text in a frame with Tesseract (libtesseract from Debian); which lines
// name someone is lib/image/ocr_match.hpp's. Used to blank only identifying lines where the policy
// asks for that, and to check every cleaned frame before it is written. Reads; never paints.
// Built into the media module only: the engine reaches read_lines through media::api().
#pragma once

#include <string>
#include <vector>

#include "dicomscrub/error.hpp"
#include "image/ocr_match.hpp"

namespace dicomscrub::pixel {

// Whether Tesseract and its English model load on this machine.
bool ocr_available();
// Loads the model and opens Tesseract's debug file for this thread now: the media worker calls it
// before its sandbox forbids opening files for writing.
void open_ocr_files();

// The lines of text Tesseract recognises in one frame (planes as from pixel::planes). Each
// thread keeps its own Tesseract instance.
Result<std::vector<TextLine>> read_lines(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits_stored);

}  // namespace dicomscrub::pixel
