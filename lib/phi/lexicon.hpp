// lib/phi/lexicon.hpp — the compiled word lists (tools/gen_phi_lexicon.py converts them from the
// `names` package's US Census lists, Faker's person providers, Faker's English words and PS3.16;
// tools/gen_phi_tables.py compiles them into sorted tables): lookups by folded word.
#pragma once

#include <string_view>

namespace dicomscrub::phi::lexicon {

enum NameKinds : unsigned { given = 1, surname = 2 };
// Bit set of NameKinds for a folded word; 0 when it is no known name.
unsigned name_kinds(std::string_view folded);
// An ordinary or medical word (English common words, PS3.16 meanings, PS3.6 keywords).
bool is_vocabulary(std::string_view folded);
// PS3.16's meaning of (scheme, value), empty when unknown.
std::string_view code_meaning(std::string_view scheme, std::string_view value);
// A title or honorific that announces a name (dr, mr, mme, herr, ...).
bool is_title(std::string_view folded);

}  // namespace dicomscrub::phi::lexicon
