// lib/image/pixel_data — Pixel Data (7FE0,0010) as byte regions: for encapsulated data, the
// frames found in the fragments, their codestreams filtered (codestream.hpp), the Basic Offset
// Table and the fragment list rebuilt from the frames; for native data, the bits outside Bits
// Stored and the bytes past the last frame. Leaves the element untouched when nothing is found.
#pragma once

#include <cstdint>
#include <string>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub::codestream {

struct PixelShape {
  std::string transfer_syntax;  // decides the codec of encapsulated data
  std::uint32_t frames = 1, rows = 0, cols = 0;
  std::uint16_t samples = 1, bits_allocated = 0, bits_stored = 0, high_bit = 0;
  bool is_signed = false, big_endian = false;
};

// The shape the file's Image Pixel module declares (Number of Frames must be a plain integer, else 1).
PixelShape shape_of(const DicomFile& file);

// Encapsulated Pixel Data. Returns what was removed ("" when nothing was: the element is then not
// touched), or an error naming why a frame's stream cannot be vouched for (the caller withholds).
// Data over `max_bytes` is refused rather than read.
Result<std::string> filter_encapsulated(Element& pixel_data, const PixelShape& shape, std::uint64_t max_bytes);

// Native Pixel Data: bits above High Bit and below the low stored bit are not image (overlays were
// once kept there). A sample's unused high bits may be zero, or the sign extension of a signed
// sample; any other sample is rewritten (zeroed, or sign-extended) and decodes to the same value.
// Bytes after the last frame (beyond the even-length pad) go. Checking is one OR-reduction pass
// over the value, read in place (mapped when it lives in a file). Returns "" when untouched.
Result<std::string> clean_native(Element& pixel_data, const PixelShape& shape, std::uint64_t max_bytes);

}  // namespace dicomscrub::codestream
