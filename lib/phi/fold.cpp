// lib/phi/fold.cpp — see fold.hpp.
#include "phi/fold.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace dicomscrub::phi {
namespace {

const icu::Normalizer2* nfkc_cf() {
  static const icu::Normalizer2* n = [] {
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* p = icu::Normalizer2::getNFKCCasefoldInstance(st);
    return U_SUCCESS(st) ? p : nullptr;
  }();
  return n;
}

bool ascii_word(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

void tokenize_ascii(std::string_view orig, Folded& f) {
  const std::string& t = f.text;
  std::size_t i = 0;
  while (i < t.size()) {
    if (!ascii_word(static_cast<unsigned char>(t[i]))) { ++i; continue; }
    Token tok{std::uint32_t(i), 0, false, false, false, false, true};
    std::size_t j = i;
    for (; j < t.size() && ascii_word(static_cast<unsigned char>(t[j])); ++j) {
      char c = orig[j];
      if (c >= '0' && c <= '9') tok.digit = true;
      else { tok.alpha = true; if (c >= 'a' && c <= 'z') tok.upper = false; }
    }
    tok.e = std::uint32_t(j);
    tok.capital = orig[i] >= 'A' && orig[i] <= 'Z';
    if (!tok.alpha) tok.upper = false;
    f.tokens.push_back(tok);
    i = j;
  }
}

bool word_cp(UChar32 c) { return u_isalnum(c) || u_charType(c) == U_NON_SPACING_MARK || u_charType(c) == U_COMBINING_SPACING_MARK; }

void tokenize_unicode(std::string_view orig, Folded& f) {
  const std::string& t = f.text;
  const auto* s = reinterpret_cast<const std::uint8_t*>(t.data());
  std::int32_t n = std::int32_t(t.size()), i = 0;
  Token cur{};
  bool open = false;
  auto close = [&](std::int32_t end) {
    if (!open) return;
    cur.e = std::uint32_t(end);
    // Capitals are read from the original text (folding removed them).
    std::int32_t ob = std::int32_t(f.orig_begin(cur.b)), oe = std::int32_t(f.orig_end(cur.e));
    const auto* o = reinterpret_cast<const std::uint8_t*>(orig.data());
    bool first = true, any_lower = false, any_alpha = false;
    for (std::int32_t k = ob; k < oe && k < std::int32_t(orig.size());) {
      UChar32 c;
      U8_NEXT(o, k, std::int32_t(orig.size()), c);
      if (c < 0) continue;
      if (u_isalpha(c)) { any_alpha = true; if (u_islower(c)) any_lower = true; }
      if (first) { cur.capital = u_isupper(c) || u_istitle(c); first = false; }
    }
    cur.upper = any_alpha && !any_lower;
    f.tokens.push_back(cur);
    open = false;
  };
  while (i < n) {
    std::int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    bool w = c >= 0 && word_cp(c);
    bool uns = c >= 0 && unspaced_script(char32_t(c));
    // Each character of an unspaced script is matched by substring; tokens still end at a change of script.
    if (w && open && cur.unspaced != uns) close(start);
    if (w) {
      if (!open) { cur = Token{std::uint32_t(start), 0, false, false, uns, false, false}; open = true; }
      if (u_isdigit(c)) cur.digit = true; else cur.alpha = true;
    } else {
      close(start);
    }
  }
  close(n);
}

}  // namespace

bool unspaced_script(char32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x0E00 && c <= 0x0E7F) || (c >= 0x0E80 && c <= 0x0EFF) ||
         (c >= 0x1000 && c <= 0x109F) || (c >= 0x1780 && c <= 0x17FF) || (c >= 0x20000 && c <= 0x2FFFF);
}

void fold(std::string_view utf8, Folded& f) {
  f.text.clear();
  f.from.clear();
  f.to.clear();
  f.tokens.clear();
  bool ascii = true;
  for (unsigned char c : utf8) if (c >= 0x80) { ascii = false; break; }
  if (ascii) {
    f.identity = true;
    f.text.assign(utf8);
    for (char& c : f.text) if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    tokenize_ascii(utf8, f);
    return;
  }
  f.identity = false;
  const icu::Normalizer2* norm = nfkc_cf();
  const auto* s = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const std::int32_t n = std::int32_t(utf8.size());
  std::int32_t i = 0;
  std::string piece;
  // Segments that normalise independently (a boundary before their first code point), so every
  // folded byte maps back to the original segment it came from.
  while (i < n) {
    std::int32_t seg = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    while (i < n) {
      std::int32_t k = i;
      UChar32 d;
      U8_NEXT(s, k, n, d);
      if (d >= 0 && norm && norm->hasBoundaryBefore(d)) break;
      i = k;
    }
    piece.clear();
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data() + seg, i - seg));
    if (norm) {
      UErrorCode st = U_ZERO_ERROR;
      icu::UnicodeString out = norm->normalize(u, st);
      if (U_SUCCESS(st)) u = out;
      else u.foldCase();
    } else {
      u.foldCase();
    }
    u.toUTF8String(piece);
    for (std::size_t k = 0; k < piece.size(); ++k) { f.from.push_back(std::uint32_t(seg)); f.to.push_back(std::uint32_t(i)); }
    f.text += piece;
  }
  f.from.push_back(std::uint32_t(n));
  tokenize_unicode(utf8, f);
}

std::string letters_and_digits(std::string_view folded) {
  std::string a;
  for (char c : folded)
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80) a += c;
  return a;
}

std::string latin_skeleton(std::string_view folded) {
  bool ascii = true;
  for (unsigned char c : folded) if (c >= 0x80) { ascii = false; break; }
  if (ascii) return std::string(folded);
  static const icu::Normalizer2* nfd = [] {
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* p = icu::Normalizer2::getNFDInstance(st);
    return U_SUCCESS(st) ? p : nullptr;
  }();
  // Lower-case look-alikes (the text is case folded already): Cyrillic, then Greek.
  static constexpr std::pair<char32_t, char> confusable[] = {
      {0x0430, 'a'}, {0x0432, 'b'}, {0x0435, 'e'}, {0x043A, 'k'}, {0x043C, 'm'}, {0x043D, 'h'}, {0x043E, 'o'}, {0x0440, 'p'},
      {0x0441, 'c'}, {0x0442, 't'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x0501, 'd'},
      {0x051B, 'q'}, {0x051D, 'w'}, {0x04BB, 'h'}, {0x0461, 'w'}, {0x03B1, 'a'}, {0x03B2, 'b'}, {0x03B5, 'e'}, {0x03B9, 'i'},
      {0x03BA, 'k'}, {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'}, {0x0131, 'i'},
      {0x0142, 'l'}, {0x00F8, 'o'}, {0x0111, 'd'}, {0x0127, 'h'}, {0x0180, 'b'}};
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(folded.data(), std::int32_t(folded.size())));
  if (nfd) {
    UErrorCode st = U_ZERO_ERROR;
    icu::UnicodeString d = nfd->normalize(u, st);
    if (U_SUCCESS(st)) u = d;
  }
  std::string out;
  out.reserve(folded.size());
  for (std::int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    i += U16_LENGTH(c);
    if (c >= 0x0300 && c <= 0x036F) continue;  // combining accents
    char latin = 0;
    for (auto [from, to] : confusable) if (char32_t(c) == from) { latin = to; break; }
    if (latin) { out += latin; continue; }
    icu::UnicodeString one(c);
    one.toUTF8String(out);
  }
  return out;
}

std::string fold(std::string_view utf8) {
  // ASCII: the lower-cased copy fold(utf8, f) makes, without its map and tokens (identifiers are
  // folded one by one while an instance's detector is built: each Folded cost a few allocations).
  bool ascii = true;
  for (unsigned char c : utf8) if (c >= 0x80) { ascii = false; break; }
  if (ascii) {
    std::string out(utf8);
    for (char& c : out) if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return out;
  }
  Folded f;
  fold(utf8, f);
  return f.text;
}

}  // namespace dicomscrub::phi
