// lib/charset — Specific Character Set (0008,0005) decoding to UTF-8, so identifiers can be
// matched whatever the element's encoding: single-byte ISO 8859 sets, UTF-8, GB18030/GBK, and the
// ISO 2022 code extensions (Japanese, Korean, Chinese) with their escape sequences.
// Decoding only: never used to rewrite values (a value the profile keeps passes through as bytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::charset {

// The defined terms of (0008,0005), split on '\' and trimmed; an empty first term means the
// default repertoire.
std::vector<std::string> parse_terms(std::string_view value);
// The terms in force for a data set: its own (0008,0005), else those of the enclosing data set
// (items inherit their parent's character set).
std::vector<std::string> terms_of(const Dataset& ds, const std::vector<std::string>& inherited);
// True when every term is one we can decode.
bool supported(const std::vector<std::string>& terms);
// Decode one element value to UTF-8. Undecodable bytes become U+FFFD, so matching never fails open
// silently on a partial string. `vr` decides which delimiters reset the code extensions.
std::string decode(Bytes value, const std::vector<std::string>& terms, VR vr);

}  // namespace dicomscrub::charset

namespace dicomscrub::charset {
// Encode UTF-8 text back into an element's character set, for values we rewrote. nullopt when
// the text cannot be represented (or the set uses ISO 2022 code extensions and the text is not
// plain ASCII): callers then empty the value rather than write something unverified.
std::optional<std::string> encode(std::string_view utf8, const std::vector<std::string>& terms);
}  // namespace dicomscrub::charset
