// lib/image/codestream.hpp — the bytes of encapsulated pixel data that are not image: each frame's codestream
// is parsed (JPEG all processes and JPEG-LS markers, JPEG 2000 / HTJ2K codestreams and JP2 boxes,
// RLE segments) and rewritten with only what a decoder needs. Compressed domain only: no decode,
// no re-encode, so the image bytes stay bit-identical. Cheap and dependency-free: it runs
// in-process on every encapsulated instance. Knows nothing of DICOM elements (pixel_data.hpp does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub::codestream {

struct Filtered {
  std::vector<std::uint8_t> bytes;   // the codestream with only what makes the image
  std::size_t consumed = 0;          // input bytes the codestream occupied (through EOI / EOC)
  std::vector<std::string> dropped;  // what was taken out ("COM", "APP1", "xml  box", ...)
};

// A JPEG (baseline, extended, progressive, lossless, hierarchical) or JPEG-LS codestream starting
// at in[0]: COM and APPn go, except JFIF APP0 and Adobe APP14 cut to their standard fields (they
// define the colour model). Refuses a stream it cannot follow to its EOI.
Result<Filtered> filter_jpeg(Bytes in);
// A JPEG 2000 or HTJ2K codestream (SOC ... EOC), or a JP2 file around one: COM segments go (tile-
// part lengths are rewritten, TLM dropped when they change), boxes other than the signature,
// ftyp, jp2h's image boxes and jp2c go.
Result<Filtered> filter_j2k(Bytes in);
// One RLE frame (PS3.5 G): `segments` segments each decoding to `segment_bytes`; bytes a segment
// holds after its decoded length go, unused header offsets are zeroed. Consumes all of `in`.
Result<Filtered> filter_rle(Bytes in, std::uint32_t segments, std::uint64_t segment_bytes);

}  // namespace dicomscrub::codestream
