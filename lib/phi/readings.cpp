// lib/phi/readings.cpp — the other ways a reader may take a value's bytes (see phi.hpp,
// Detector::find_in_other_readings, and readings.hpp): a name hidden in UTF-8 inside a Latin-1 data
// set, written as %XX escapes, character references or base64, or deflated inside a binary value is
// no less identifying to whoever decodes it.
#include "phi/readings.hpp"

#include <unicode/utf8.h>
#include <zlib.h>

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

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return;
  char buf[4];
  std::int32_t n = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<std::uint8_t*>(buf), n, 4, UChar32(cp), error);
  if (!error) out.append(buf, std::size_t(n));
}

// Character references (&#81; &#x51;) and escapes (\u0051) decoded; empty when there is none.
std::string escapes_decoded(std::string_view s) {
  std::string out;
  bool any = false;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    std::size_t j = i;
    if (s[i] == '&' && i + 3 < s.size() && s[i + 1] == '#') {
      j = i + 2;
      const bool hexa = s[j] == 'x' || s[j] == 'X';
      if (hexa) ++j;
      std::size_t digits = 0;
      for (; j < s.size() && digits < 7; ++j, ++digits) {
        int v = hexa ? hex(s[j]) : (s[j] >= '0' && s[j] <= '9' ? s[j] - '0' : -1);
        if (v < 0) break;
        cp = cp * (hexa ? 16 : 10) + std::uint32_t(v);
      }
      if (digits > 0 && j < s.size() && s[j] == ';') { append_utf8(out, cp); i = j + 1; any = true; continue; }
    } else if (s[i] == '\\' && i + 5 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U') && hex(s[i + 2]) >= 0 && hex(s[i + 3]) >= 0 &&
               hex(s[i + 4]) >= 0 && hex(s[i + 5]) >= 0) {
      for (std::size_t k = 2; k < 6; ++k) cp = cp * 16 + std::uint32_t(hex(s[i + k]));
      append_utf8(out, cp);
      i += 6;
      any = true;
      continue;
    }
    out += s[i++];
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
  if (decoded.find('&') != std::string_view::npos || decoded.find('\\') != std::string_view::npos)
    if (auto k = first(escapes_decoded(decoded), ctx)) return k;
  // Decoded base64 is read for the instance's own identifiers only: short decoded runs of random
  // letters must not look like a lexicon name.
  Context own = ctx;
  own.own_only = true;
  return first(base64_decoded(decoded), own);
}

namespace detail {

std::vector<std::vector<std::uint8_t>> inflated_streams(Bytes bytes) {
  constexpr std::size_t kMaxOut = 1u << 20;  // per stream: text hidden so is short
  constexpr int kMaxTries = 64;              // zlib headers occur by chance in binary data
  std::vector<std::vector<std::uint8_t>> out;
  int tries = 0;
  for (std::size_t i = 0; i + 2 < bytes.size() && tries < kMaxTries; ++i) {
    const std::uint8_t a = bytes[i], b = bytes[i + 1];
    const bool zlib_header = a == 0x78 && ((a << 8) | b) % 31 == 0;
    const bool gzip_header = a == 0x1F && b == 0x8B && bytes[i + 2] == 0x08;
    if (!zlib_header && !gzip_header) continue;
    ++tries;
    z_stream z{};
    if (inflateInit2(&z, gzip_header ? 31 : 15) != Z_OK) continue;
    std::vector<std::uint8_t> text(4096);
    z.next_in = const_cast<Bytef*>(bytes.data() + i);
    z.avail_in = uInt(std::min<std::size_t>(bytes.size() - i, 0x7FFFFFFF));
    int rc = Z_OK;
    while (rc == Z_OK) {
      if (z.total_out == text.size()) {
        if (text.size() >= kMaxOut) break;
        text.resize(std::min(kMaxOut, text.size() * 2));
      }
      z.next_out = text.data() + z.total_out;
      z.avail_out = uInt(text.size() - z.total_out);
      rc = inflate(&z, Z_NO_FLUSH);
    }
    const std::size_t produced = z.total_out;
    inflateEnd(&z);
    // A stream that inflated to something, also one cut short by the value's end; not one that
    // ran into a data error (random bytes after a chance header).
    if (produced >= 4 && rc != Z_DATA_ERROR) { text.resize(produced); out.push_back(std::move(text)); }
  }
  return out;
}

}  // namespace detail
}  // namespace dicomscrub::phi
