// lib/media/codec.hpp — pixel data in and out of its transfer syntax. Native data is byte-swapped
// by our own code; encapsulated data goes through GDCM's codecs (RLE, JPEG, JPEG-LS, JPEG 2000).
// Knows nothing of regions or text: it decodes every frame and encodes what it is given. Built
// into the media module only: the engine reaches decode/encode through media::api().
#pragma once

#include <string>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"

namespace dicomscrub::pixel {

// Every frame of (7FE0,0010), decoded to native little-endian order. The layout's photometric
// interpretation and planar configuration are the decoded ones (JPEG's YBR_FULL_422 comes out as
// GDCM delivers it), which is what encode() must be given back.
Result<Decoded> decode(const DicomFile& file, const Layout& declared);

// Replaces (7FE0,0010) with `img` encoded in `syntax`, and updates what the encoding changes:
// the file's transfer syntax, Photometric Interpretation and Planar Configuration.
Status encode(DicomFile& file, const Decoded& img, const std::string& syntax);

}  // namespace dicomscrub::pixel
