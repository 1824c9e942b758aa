// lib/phi/fold.hpp — text prepared for matching: NFKC + full case folding (ICU's nfkc_cf, which
// also drops default-ignorable characters such as soft hyphens and zero-width joiners), with a map
// from every folded byte back to the original bytes, and the text cut into word tokens. Pure ASCII
// takes a fast path (a lower-cased copy, identity map) without calling ICU.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dicomscrub::phi {

struct Token {
  std::uint32_t b, e;       // folded byte range
  bool alpha, digit;        // holds letters / digits
  bool unspaced;            // a script written without spaces (CJK, Thai): substring rules
  bool capital;             // the original starts with an upper-case letter
  bool upper;               // the original has no lower-case letter
};

struct Folded {
  std::string text;                  // folded UTF-8
  std::vector<std::uint32_t> from;   // original begin of each folded byte (+1 entry: the end)
  std::vector<std::uint32_t> to;     // original end of each folded byte
  bool identity = true;              // ASCII: folded offsets are the original offsets
  std::vector<Token> tokens;
  std::string_view word(const Token& t) const { return std::string_view(text).substr(t.b, t.e - t.b); }
  std::uint32_t orig_begin(std::uint32_t fb) const { return identity ? fb : from[fb]; }
  std::uint32_t orig_end(std::uint32_t fe) const { return identity ? fe : (fe == 0 ? 0 : to[fe - 1]); }
};

// Fold `utf8` into `out` (buffers reused).
void fold(std::string_view utf8, Folded& out);
// Folded form of a short string (identifiers), no map.
std::string fold(std::string_view utf8);
// A folded word as a reader of Latin script sees it: accents dropped (combining marks U+0300-036F
// after canonical decomposition: Quägmïrewell reads Quagmirewell) and Cyrillic and Greek letters
// that look like Latin ones mapped to them (QUАGMIREWELL with a Cyrillic А). Only for matching
// the instance's own names, whose parts get the same treatment; ASCII comes back unchanged.
std::string latin_skeleton(std::string_view folded);
// The letters and digits of a folded string (ASCII a-z, 0-9 and every non-ASCII byte), as IDs are
// compared without separators (MRN-881 as MRN 881) and phrases glued (MERCY-YARDLEY).
std::string letters_and_digits(std::string_view folded);
// True for code points of scripts written without spaces between words.
bool unspaced_script(char32_t c);

}  // namespace dicomscrub::phi
