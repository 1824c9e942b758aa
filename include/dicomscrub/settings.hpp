// dicomscrub/settings.hpp — the enumerated settings of de-identification. Each has one parser,
// used by the CLI, profile files and the C ABI's settings (and so Python), so a value is checked
// once, in one place, with one message; past it, the setting is a type, never a string.
#pragma once

#include <optional>
#include <string_view>

namespace dicomscrub {

// Burned-in text on cover pages (screenshots, scanned forms, reports rendered as images) and on
// scanned PDF pages: blank all text found in every frame, blank only the lines OCR reads as naming
// someone, or withhold such instances.
enum class CoverPages { clean, identifiers, withhold };

std::optional<CoverPages> cover_pages_from_string(std::string_view text);
const char* to_string(CoverPages value);
// The one message for a value that is none of them.
inline constexpr const char* kCoverPagesChoices = "clean, identifiers or withhold";

}  // namespace dicomscrub
