// lib/image/frame_text.cpp — see frame_text.hpp.
#include "image/frame_text.hpp"

#include <optional>

#include <fmt/format.h>

namespace dicomscrub::pixel {

Result<FrameTextResult> clean_frame_text(Decoded& img, std::uint32_t frame, const FrameText& how, const phi::Detector& ids,
                                         LineReader read_lines) {
  FrameTextResult r;
  const int cols = int(img.layout.cols), rows = int(img.layout.rows);
  auto read = [&]() -> Result<std::vector<TextLine>> {
    if (std::chrono::steady_clock::now() > how.deadline)
      return Error{ErrorCode::limit_exceeded, {}, 0, "(7FE0,0010)", fmt::format("reading the frames back took over {} s", how.limit_seconds)};
    return read_lines(how.planes_of(), cols, rows, how.bits);
  };
  if (how.blank_all) {
    auto boxes = detect_text(how.planes_of(), cols, rows, how.bits, how.palette_indices, how.detector);
    for (const Rect& b : boxes) r.changed |= fill(img, frame, b, how.black);
    r.blanked += boxes.size();
    r.boxes.insert(r.boxes.end(), boxes.begin(), boxes.end());
  }
  // What OCR read before blanking, when blanking changed nothing: the read-back would see the same.
  std::optional<std::vector<TextLine>> unchanged;
  if (how.blank_identifying) {
    auto lines = read();
    if (!lines) return std::move(lines).error();
    auto identifying = identifying_lines(*lines, ids);
    for (const Rect& b : identifying) {
      r.changed |= fill(img, frame, b.padded(2), how.black);
      r.boxes.push_back(b.padded(2));
    }
    r.blanked += identifying.size();
    if (identifying.empty()) unchanged = std::move(lines).value();
  }
  if (how.read_back) {
    if (unchanged) return r;  // nothing named the patient, and the pixels are as OCR read them
    auto lines = read();
    if (!lines) return std::move(lines).error();
    r.legible = !identifying_lines(*lines, ids).empty();
  }
  return r;
}

}  // namespace dicomscrub::pixel
