// lib/image/frame_text.hpp — the text pass over one frame, shared by images (lib/pixel/cleaner)
// and scanned PDF pages (lib/media/pdf_cleaner): blank what the policy says, then read the frame back.
// Holds no codec and no OCR engine of its own: the caller passes the line reader it has.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "phi/phi.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"
#include "image/ocr_match.hpp"
#include "image/text_detector.hpp"

namespace dicomscrub::pixel {

using Planes = std::vector<std::vector<std::uint16_t>>;
using LineReader = Result<std::vector<TextLine>> (*)(const Planes& planes, int cols, int rows, int bits);

struct FrameText {
  bool blank_all = false;          // blank every line the detector finds
  bool blank_identifying = false;  // blank the lines OCR reads as naming the patient
  bool read_back = false;          // read the result back; a legible identifier is reported
  // Where text is looked for (palette images: their colours), with samples of `bits` bits, and
  // whether those samples are palette indices with no order.
  std::function<Planes()> planes_of;
  int bits = 8;
  bool palette_indices = false;
  std::uint16_t black = 0;
  DetectorSettings detector;
  // OCR that would start after this instant is refused (a limit_exceeded Error that names
  // `limit_seconds`).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  double limit_seconds = 0;
};

struct FrameTextResult {
  std::size_t blanked = 0;  // lines blanked
  std::vector<Rect> boxes;  // what was blanked (for the audit and the review page)
  bool changed = false;     // a sample was painted (a box over pixels already black changes nothing)
  bool legible = false;     // read_back found a line naming the patient: the frame cannot go out
};

Result<FrameTextResult> clean_frame_text(Decoded& img, std::uint32_t frame, const FrameText& how, const phi::Detector& ids,
                                         LineReader read_lines);

}  // namespace dicomscrub::pixel
