// fuzz/invariants.hpp — what the fuzzers assert beyond "no crash": a broken promise prints which
// one and traps, so libFuzzer records the input as a crash (and the replay test fails on it).
// The planted identifiers are long, unusual words: a match is never a coincidence of common text.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string_view>

#include "dicomscrub/dataset.hpp"

namespace fuzzcheck {

inline void require(bool ok, const char* promise) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", promise);
  __builtin_trap();
}

// Identifiers the fuzzers plant in an input (and list in fuzz/*.dict, so mutations also carry
// them into places nobody thought of). Seven or more letters or digits: none occurs in DICOM text
// by chance.
inline constexpr std::string_view kPlantedFamily = "QUIXOTE";
inline constexpr std::string_view kPlantedGiven = "ZEBULON";
inline constexpr std::string_view kPlantedName = "QUIXOTE^ZEBULON";
inline constexpr std::string_view kPlantedId = "ZQ88123456";
// A birth date, an address and a phone number, and the spellings of each the detector knows and
// an output must not hold (upper case: contains_word compares letters case-insensitively).
inline constexpr std::string_view kPlantedBirthDate = "19640506";
inline constexpr std::string_view kPlantedBirthDateSpellings[] = {"19640506", "1964-05-06", "06.05.1964", "6 MAY 1964", "06/05/1964"};
inline constexpr std::string_view kPlantedAddress = "4471 XERXESWOOD AVENUE";
inline constexpr std::string_view kPlantedAddressWord = "XERXESWOOD";
inline constexpr std::string_view kPlantedPhone = "+1 617 555 0193";
inline constexpr std::string_view kPlantedPhoneSpellings[] = {"6175550193", "617 555 0193", "617-555-0193", "(617) 555-0193"};

inline bool ascii_letter(std::uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool ascii_alnum(std::uint8_t c) { return ascii_letter(c) || (c >= '0' && c <= '9'); }

// Bytes of one accented Latin letter ending before `end` / starting at `at`: a Latin-1/2 letter
// byte (0xC0-0xFF but x and /) or a UTF-8 two-byte one (lead 0xC3-0xC5). 0 when there is none.
inline std::size_t latin_letter_before(dicomscrub::Bytes b, std::size_t end) {
  if (end >= 2 && b[end - 1] >= 0x80 && b[end - 1] <= 0xBF && b[end - 2] >= 0xC3 && b[end - 2] <= 0xC5) return 2;
  return end >= 1 && b[end - 1] >= 0xC0 && b[end - 1] != 0xD7 && b[end - 1] != 0xF7 ? 1 : 0;
}
inline std::size_t latin_letter_at(dicomscrub::Bytes b, std::size_t at) {
  if (at + 1 < b.size() && b[at] >= 0xC3 && b[at] <= 0xC5 && b[at + 1] >= 0x80 && b[at + 1] <= 0xBF) return 2;
  return at < b.size() && b[at] >= 0xC0 && b[at] != 0xD7 && b[at] != 0xF7 ? 1 : 0;
}

// `word` (upper-case ASCII) in `bytes`, case-insensitive, as a whole word: a letter (or, for an
// identifier with digits, a digit) on either side makes it part of another word, not the word.
// Also as UTF-16 (either byte order), which the verifier reads binary values as.
inline bool contains_word(dicomscrub::Bytes bytes, std::string_view word) {
  bool has_digit = false;
  for (char c : word) has_digit |= c >= '0' && c <= '9';
  auto joins = [&](std::uint8_t c) { return has_digit ? ascii_alnum(c) : ascii_letter(c); };
  const std::size_t n = word.size();
  for (int width = 1; width <= 2; ++width) {
    for (int lane = 0; lane < width; ++lane) {  // UTF-16: the letter in byte 0 (LE) or byte 1 (BE)
      const std::size_t span = n * width;
      for (std::size_t i = 0; i + span <= bytes.size(); ++i) {
        bool hit = true;
        for (std::size_t k = 0; k < n && hit; ++k) {
          std::uint8_t c = bytes[i + k * width + lane];
          hit = (c & 0xDF) == std::uint8_t(word[k]) || c == std::uint8_t(word[k]);
          if (width == 2) hit = hit && bytes[i + k * width + (1 - lane)] == 0;
        }
        if (!hit) continue;
        if (width == 1) {
          if (i > 0 && joins(bytes[i - 1])) continue;
          if (i + n < bytes.size() && joins(bytes[i + n])) continue;
          // An accented letter inside a longer word joins it as the detector reads it: the word
          // then ASCII letters after the accented one ("Zebulon\xEBmoved" in Latin-1 is one word,
          // fuzz_deid's false alarm), or a lower-case start after one ("abc\xEBzebulon"); a capital
          // there starts a word ("Patient\xE0Zebulon", which the detector finds) and still counts.
          if (!has_digit) {
            std::size_t after = i + n, before = i;  // past a run of accented letters ("\xFE\xFF\xFF\xFFn")
            while (std::size_t k = latin_letter_at(bytes, after)) after += k;
            while (std::size_t k = latin_letter_before(bytes, before)) before -= k;
            if (after > i + n && after < bytes.size() && ascii_letter(bytes[after])) continue;
            if (before < i && before > 0 && ascii_letter(bytes[before - 1]) && bytes[i] >= 'a' && bytes[i] <= 'z') continue;
          }
        }
        return true;
      }
    }
  }
  return false;
}

}  // namespace fuzzcheck
