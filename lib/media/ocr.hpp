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
// Opens Tesseract's debug file now, which it would open for writing on its first message: the
// media worker calls it before its sandbox forbids that. The model is not loaded here: it is read
// (read-only, which the sandbox allows) by the first frame a thread reads, in either process, so a
// worker that decodes can also read text without being replaced, and one that never reads text
// never pays for the model (~0.1 s of CPU).
void open_ocr_log();

// The lines of text Tesseract recognises in one frame (planes as from pixel::planes). Each
// thread keeps its own Tesseract instance.
Result<std::vector<TextLine>> read_lines(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits_stored);

}  // namespace dicomscrub::pixel
