// lib/pixel/syntax.hpp — which transfer syntax cleaned pixels are written in. Decided in the
// engine, without loading the media module that encodes them (lib/media/codec.hpp).
#pragma once

#include <string>

namespace dicomscrub::pixel {

// The syntax cleaned pixels are written in: the input's own when it is native, or lossless and
// one GDCM can encode; otherwise Explicit VR Little Endian, so lossy input never goes through a
// second lossy generation.
std::string output_syntax(const std::string& input_syntax);

}  // namespace dicomscrub::pixel
