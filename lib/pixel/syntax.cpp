// lib/pixel/syntax.cpp — which transfer syntax cleaned pixels are written in (see syntax.hpp).
#include "pixel/syntax.hpp"

#include "core/text.hpp"
#include "dict/dictionary.hpp"

namespace dicomscrub::pixel {

namespace {

// The lossless syntaxes GDCM's encoders write.
bool gdcm_encodes(const std::string& ts) {
  return ts == "1.2.840.10008.1.2.5" ||     // RLE Lossless
         ts == "1.2.840.10008.1.2.4.57" ||  // JPEG Lossless, process 14
         ts == "1.2.840.10008.1.2.4.70" ||  // JPEG Lossless, process 14 SV1
         ts == "1.2.840.10008.1.2.4.80" ||  // JPEG-LS Lossless
         ts == "1.2.840.10008.1.2.4.90";    // JPEG 2000 Lossless
}

}  // namespace

std::string output_syntax(const std::string& input_syntax) {
  const std::string ts = detail::trim_value(input_syntax);
  const auto* info = dict::transfer_syntax(ts);
  if (info && !info->encapsulated) return ts;
  if (gdcm_encodes(ts)) return ts;
  return "1.2.840.10008.1.2.1";
}

}  // namespace dicomscrub::pixel
