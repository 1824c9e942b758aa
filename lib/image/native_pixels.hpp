// lib/image/native_pixels.hpp — native (uncompressed) Pixel Data to and from the pixel path's
// decoded form: a copy with byte swapping, no codec library. It lives here, on both sides of the
// media module's dlopen line, so that the engine never sends native frames to the sandboxed media
// worker (nothing untrusted parses them; shipping them cost more than the pixel path itself), and
// the module's decode()/encode() use this same code for native data (one way, byte-identical).
#pragma once

#include <string>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"

namespace dicomscrub::pixel {

// Whether the file's Pixel Data is native (a plain value, not fragments).
bool is_native_pixel_data(const DicomFile& file);
// Whether `syntax` writes Pixel Data natively (an uncompressed transfer syntax).
bool is_native_syntax(const std::string& syntax);

// All frames of native Pixel Data in little-endian order (big-endian OW words swapped); an Error
// when the value is shorter than `declared` needs.
Result<Decoded> decode_native(const DicomFile& file, const Layout& declared);
// Replaces Pixel Data with `img` as a native value of `syntax` (big-endian files stay big-endian;
// leaving an encapsulated syntax makes the data set Explicit VR Little Endian), and sets
// Photometric Interpretation and Planar Configuration to the image's.
Status encode_native(DicomFile& file, const Decoded& img, const std::string& syntax);

// The data set is written in `syntax` as Explicit VR Little Endian from now on (the form every
// syntax the pixel path writes after re-encoding shares; a deflated input's stream is not reused).
void write_as_explicit_le(DicomFile& file, const std::string& syntax);

// Sets Photometric Interpretation, and Planar Configuration when there are several samples (US in
// the data set's byte order), after the pixel data changed form (native or encoded by a codec).
void set_image_form(Dataset& ds, const std::string& photometric, std::uint16_t samples, std::uint16_t planar, bool big_endian);

}  // namespace dicomscrub::pixel
