// lib/profile/settings.cpp — the enumerated settings' one parser each (see dicomscrub/settings.hpp).
#include "dicomscrub/settings.hpp"

namespace dicomscrub {

std::optional<CoverPages> cover_pages_from_string(std::string_view text) {
  if (text == "clean") return CoverPages::clean;
  if (text == "identifiers") return CoverPages::identifiers;
  if (text == "withhold") return CoverPages::withhold;
  return std::nullopt;
}

const char* to_string(CoverPages value) {
  switch (value) {
    case CoverPages::clean: return "clean";
    case CoverPages::identifiers: return "identifiers";
    case CoverPages::withhold: return "withhold";
  }
  return "clean";
}

}  // namespace dicomscrub
