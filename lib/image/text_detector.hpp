// lib/image/text_detector.hpp — finds text-like marks in a frame: strokes (sharp edges in any
// channel) grouped into character boxes and the boxes into lines. Tuned for recall, not precision:
// it serves the "redact all text" policy of cover pages, where blanking a non-text mark costs
// nothing and missing a letter leaks a name. It reads planes only; it never paints.
#pragma once

#include <cstdint>
#include <vector>

#include "image/image.hpp"

namespace dicomscrub::pixel {

struct DetectorSettings {
  double contrast = 0.04;   // an edge is a step of at least this fraction of the plane's range
  int min_size = 2;         // marks smaller than this in both directions are noise
  int max_height = 0;       // taller marks are not text (0: a third of the frame, at least 64)
  double line_gap = 1.5;    // marks closer than this many heights join one line
  int padding = 2;          // pixels added around each line (at least; plus a quarter height)
  // Acquisitions (ultrasound, angiography, endoscopy) are mostly picture: there a mark still too
  // tall after the retries is anatomy, not text, and only runs of `min_marks` character-sized
  // marks (min_height..max_height tall, at most max_aspect times as wide) count as a line.
  bool keep_too_tall = true;
  int min_marks = 1;        // glyphs a line needs (a wide mark counts as the letters it spans)
  int min_height = 0;
  double max_aspect = 0;    // 0: any
  // Above 0: marks are the pixels within this fraction of full scale of an ink value (a plane's
  // extremes and the values drawn far more often than their neighbours), not edges: an overlay
  // is drawn in one colour, so a glyph touching a vessel or the fan's rim stays a glyph.
  double ink_tolerance = 0;
  int ink_spikes = 0;       // histogram spikes tried as ink besides the brightest value
  // The precision preset for acquisitions: a line of burned-in text is a run of glyphs drawn at
  // high contrast over the picture; vessels, speckle and edges of anatomy are not.
  static DetectorSettings for_acquisitions();
};

// Boxes around the lines of text in one frame (planes as from pixel::planes, samples of
// `bits_stored` bits). `palette` makes any change of index an edge, since indices have no order.
std::vector<Rect> detect_text(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits_stored,
                              bool palette, const DetectorSettings& settings = {});

}  // namespace dicomscrub::pixel
