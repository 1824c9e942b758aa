// lib/phi/readings.cpp — the other ways a reader may take a text value's bytes (see phi.hpp,
// Detector::find_in_other_readings): a name hidden in UTF-8 inside a Latin-1 data set, written as
// %XX escapes or as base64 is no less identifying to whoever decodes it.
#include <unicode/utf8.h>

#include "phi/phi.hpp"

namespace dicomscrub::phi {
namespace {

bool valid_multibyte_utf8(Bytes b) {
  bool multibyte = false;
  const auto* s = reinterpret_cast<const std::uint8_t*>(b.data());
  const std::int32_t n = std::int32_t(b.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return false;
    multibyte |= c >= 0x80;
  }
  return multibyte;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

// %XX escapes decoded; empty when there is none.
std::string percent_decoded(std::string_view s) {
  std::string out;
  bool any = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
      any = true;
    } else {
      out += s[i];
    }
  }
  return any ? out : std::string();
}

int b64(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Words of 12+ base64 characters (standard or URL alphabet) that decode to printable text, each
// decoded, joined by spaces (an ordinary long word decodes to bytes that are no text).
std::string base64_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (b64(s[i]) < 0) { ++i; continue; }
    std::size_t j = i;
    while (j < s.size() && b64(s[j]) >= 0) ++j;
    if (j - i >= 12 && (j - i) % 4 != 1) {
      std::string word;
      std::uint32_t acc = 0;
      int bits = 0;
      for (std::size_t k = i; k < j; ++k) {
        acc = (acc << 6) | std::uint32_t(b64(s[k]));
        bits += 6;
        if (bits >= 8) { bits -= 8; word += char((acc >> bits) & 0xFF); }
      }
      std::size_t printable = 0;
      for (unsigned char c : word) printable += c >= 0x20 && c < 0x7F;
      if (printable == word.size()) { out += word; out += ' '; }
    }
    i = j;
  }
  return out;
}

}  // namespace

std::optional<Kind> Detector::find_in_other_readings(Bytes raw, std::string_view decoded, const Context& ctx) const {
  if (ctx.cls != Context::Class::text && ctx.cls != Context::Class::coded) return std::nullopt;
  auto first = [&](std::string_view text, const Context& c) -> std::optional<Kind> {
    if (text.empty()) return std::nullopt;
    auto found = find(text, c);
    if (found.empty()) return std::nullopt;
    return found.front().kind;
  };
  // Valid UTF-8 that the data set's character set reads as other characters.
  const std::string_view as_utf8(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (as_utf8 != decoded && valid_multibyte_utf8(raw))
    if (auto k = first(as_utf8, ctx)) return k;
  if (decoded.find('%') != std::string_view::npos)
    if (auto k = first(percent_decoded(decoded), ctx)) return k;
  // Decoded base64 is read for the instance's own identifiers only: short decoded runs of random
  // letters must not look like a lexicon name.
  Context own = ctx;
  own.own_only = true;
  return first(base64_decoded(decoded), own);
}

}  // namespace dicomscrub::phi
