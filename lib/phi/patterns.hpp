// lib/phi/patterns.hpp — identifiers the instance does not name, found by their shape and checked
// where a check exists: US SSN (area/group/serial rules), French NIR (13 digits + key 97 - n mod 97,
// Corsica 2A/2B), UK NHS number (mod 11), e-mail addresses, phone numbers (E.164 "+" forms, North
// American (555) 123-4567 / 555-123-4567, French 0X XX XX XX XX), street addresses (a house number
// and a street word: "742 Evergreen Terrace", "12 rue de la Paix", "Hauptstraße 5").
#pragma once

#include <vector>

#include "phi/fold.hpp"
#include "phi/phi.hpp"

namespace dicomscrub::phi {

// Appends findings with folded byte ranges. `strict`: binary values, where only validated numbers
// and e-mail addresses count (a phone-like digit run occurs by chance in binary data).
void find_patterns(const Folded& f, bool strict, std::vector<Finding>& out);

}  // namespace dicomscrub::phi
