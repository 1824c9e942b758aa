// lib/phi/lexicon.cpp — see lexicon.hpp.
#include "phi/lexicon.hpp"

#include <algorithm>
#include <iterator>
#include <string>

namespace dicomscrub::phi::lexicon {
namespace {

struct NameEntry { std::string_view name; unsigned kinds; };
struct CodeEntry { std::string_view key; std::string_view meaning; };  // key: scheme TAB value

#include "phi_tables.inc"

}  // namespace

unsigned name_kinds(std::string_view w) {
  auto it = std::lower_bound(std::begin(kNames), std::end(kNames), w, [](const NameEntry& e, std::string_view k) { return e.name < k; });
  return it != std::end(kNames) && it->name == w ? it->kinds : 0;
}

bool is_vocabulary(std::string_view w) { return std::binary_search(std::begin(kVocabulary), std::end(kVocabulary), w); }

std::string_view code_meaning(std::string_view scheme, std::string_view value) {
  std::string key;
  key.reserve(scheme.size() + value.size() + 1);
  key.append(scheme).push_back('\t');
  key.append(value);
  auto it = std::lower_bound(std::begin(kCodeMeanings), std::end(kCodeMeanings), std::string_view(key),
                             [](const CodeEntry& e, std::string_view k) { return e.key < k; });
  return it != std::end(kCodeMeanings) && it->key == key ? it->meaning : std::string_view();
}

bool is_title(std::string_view w) {
  // Sorted (binary search would do; the list is short). Spelled-out roles too: "Nurse Lindqvist",
  // "Doctor Hasselblatt" name a person as "Dr" does.
  static constexpr std::string_view titles[] = {"docteur", "doctor", "dott", "dr", "dra", "frau", "herr", "m", "madame", "mademoiselle",
                                                "miss", "mister", "mlle", "mme", "monsieur", "mr", "mrs", "ms", "mx", "nurse", "pr",
                                                "prof", "professor", "sig", "sr", "sra", "srta", "доктор", "др"};
  return std::find(std::begin(titles), std::end(titles), w) != std::end(titles);
}

}  // namespace dicomscrub::phi::lexicon
