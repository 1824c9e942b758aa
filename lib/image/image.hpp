// lib/image/image.hpp — decoded pixel data as the pixel path works on it: the layout read from the
// Image Pixel module, all frames in native little-endian order, rectangles, fills and per-channel
// planes for text detection. Owns no codec (lib/media/codec.cpp) and decides nothing about which
// regions to clean (lib/pixel/cleaner.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub::pixel {

struct Layout {
  std::uint32_t rows = 0, cols = 0, frames = 1;
  std::uint16_t samples = 1, bits_allocated = 8, bits_stored = 8, high_bit = 7;
  bool is_signed = false;
  std::uint16_t planar = 0;
  std::string photometric;  // MONOCHROME1, MONOCHROME2, RGB, YBR_FULL, YBR_FULL_422, PALETTE COLOR, ...

  // Bytes of one frame as PS3.5 lays out native data (YBR_FULL_422: 2 luma + 2 chroma per pixel pair).
  std::uint64_t frame_bytes() const;
  std::uint64_t total_bytes() const { return frame_bytes() * frames; }
};

// The first US or UL value of an element, in the file's byte order; nullopt when absent or short.
std::optional<std::uint16_t> first_us(const Dataset& ds, Tag t, bool big_endian);
std::optional<std::uint32_t> first_ul(const Dataset& ds, Tag t, bool big_endian);

// The layout declared by the data set (values in the file's byte order). Refuses what the pixel
// path cannot fill exactly (bit-packed 1-bit data, 24/32-bit samples, more than 3 samples) and
// sizes over `max_bytes`, so no allocation is ever sized by an unchecked attribute.
Result<Layout> layout_of(const Dataset& ds, bool big_endian, std::uint64_t max_bytes);

// All frames, decoded, in native little-endian layout.
struct Decoded {
  Layout layout;
  std::vector<std::uint8_t> data;
};

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  bool empty() const { return w <= 0 || h <= 0; }
  Rect clipped(int cols, int rows) const;
  Rect padded(int by) const { return {x - by, y - by, w + 2 * by, h + 2 * by}; }
};

// Paints `r` (clipped to the frame) in the darkest displayable value of the photometric
// interpretation: black for MONOCHROME2/RGB, white-valued (max) for MONOCHROME1, Y=0 with neutral
// chroma for YBR, the darkest palette entry for PALETTE COLOR (index `palette_black`). True when
// a sample changed.
bool fill(Decoded& img, std::uint32_t frame, Rect r, std::uint16_t palette_black = 0);
// Paints everything outside the union of `keep`; true when a sample changed.
bool fill_outside(Decoded& img, std::uint32_t frame, const std::vector<Rect>& keep, std::uint16_t palette_black = 0);

// Decoded YBR_FULL and YBR_FULL_422 become interleaved RGB (PS3.3 C.7.6.3.1.2), for native output:
// native YBR is valid DICOM, but viewers (Orthanc among them) do not render it. Other
// interpretations are left as they are.
void to_rgb(Decoded& img);

// One plane per sample (1 or 3), `cols*rows` values each, for edge-based detection. Chroma of
// YBR_FULL_422 is repeated over its pixel pair.
std::vector<std::vector<std::uint16_t>> planes(const Decoded& img, std::uint32_t frame);

}  // namespace dicomscrub::pixel
