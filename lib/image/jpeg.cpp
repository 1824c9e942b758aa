// lib/image/jpeg.cpp — JPEG and JPEG-LS marker segments (ITU T.81 B.1, T.87 C.1).
#include <cstring>

#include <fmt/format.h>

#include "image/codestream.hpp"

namespace dicomscrub::codestream {
namespace {

Error bad(std::size_t at, std::string why) {
  return Error{ErrorCode::bad_structure, {}, at, {}, fmt::format("JPEG codestream: {}", why)};
}
// The stream ran out: the caller may have more of the frame (its next fragment) to offer.
Error short_of(std::size_t at, std::string why) {
  Error e = bad(at, std::move(why));
  e.code = ErrorCode::truncated;
  return e;
}

bool is_sof(std::uint8_t m) {
  return (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xF7;  // F7: JPEG-LS SOF55
}

// Marker segments that carry image coding parameters: kept as they are.
bool is_coding_segment(std::uint8_t m) {
  return is_sof(m) || m == 0xC4 /*DHT*/ || m == 0xCC /*DAC*/ || m == 0xDB /*DQT*/ || m == 0xDD /*DRI*/ ||
         m == 0xDC /*DNL*/ || m == 0xDE /*DHP*/ || m == 0xDF /*EXP*/ || m == 0xF8 /*LSE*/;
}

void append(std::vector<std::uint8_t>& out, const std::uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); }

}  // namespace

Result<Filtered> filter_jpeg(Bytes in) {
  const std::size_t n = in.size();
  if (n < 4 || in[0] != 0xFF || in[1] != 0xD8) return bad(0, "does not start with SOI");
  Filtered f;
  f.bytes.reserve(n);
  append(f.bytes, in.data(), 2);
  std::size_t pos = 2;
  bool ls = false, frame = false, scan = false;
  for (;;) {
    if (pos >= n) return short_of(pos, "ends before its EOI");
    if (in[pos] != 0xFF) return bad(pos, "a byte where a marker must be");
    while (pos < n && in[pos] == 0xFF) ++pos;  // fill bytes: no image in them
    if (pos >= n) return short_of(pos, "ends before its EOI");
    const std::uint8_t m = in[pos++];
    if (m == 0xD9) {
      if (!frame || !scan) return bad(pos, "EOI before any frame and scan");
      const std::uint8_t eoi[2] = {0xFF, 0xD9};
      append(f.bytes, eoi, 2);
      f.consumed = pos;
      return f;
    }
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {  // RSTn, TEM: no parameters
      const std::uint8_t mk[2] = {0xFF, m};
      append(f.bytes, mk, 2);
      continue;
    }
    if (m == 0xD8 || m == 0x00) return bad(pos, fmt::format("marker {:02X} inside a codestream", m));
    if (pos + 2 > n) return short_of(pos, "segment length past the end");
    const std::size_t len = (std::size_t(in[pos]) << 8) | in[pos + 1];
    if (len < 2 || pos + len > n) return short_of(pos, "segment length past the end");
    const std::uint8_t* seg = in.data() + pos - 2;  // FF m Lh Ll ...
    const std::uint8_t* payload = in.data() + pos + 2;
    const std::size_t plen = len - 2;
    if (m == 0xE0 && plen >= 14 && std::memcmp(payload, "JFIF\0", 5) == 0) {
      // JFIF: version, units, densities kept; a thumbnail is image of another kind, and goes.
      std::uint8_t jfif[18];
      std::memcpy(jfif, seg, 18);
      jfif[2] = 0; jfif[3] = 16; jfif[16] = 0; jfif[17] = 0;
      append(f.bytes, jfif, 18);
      if (plen != 14 || payload[12] != 0 || payload[13] != 0) f.dropped.push_back("JFIF thumbnail");
    } else if (m == 0xEE && plen >= 12 && std::memcmp(payload, "Adobe", 5) == 0) {
      // Adobe: version, flags, colour transform (whether the components are YCbCr).
      std::uint8_t adobe[16];
      std::memcpy(adobe, seg, 16);
      adobe[2] = 0; adobe[3] = 14;
      append(f.bytes, adobe, 16);
      if (plen != 12) f.dropped.push_back("APP14 extra bytes");
    } else if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE) {
      f.dropped.push_back(m == 0xFE ? "COM" : fmt::format("APP{}", m - 0xE0));
    } else if (is_coding_segment(m) || m == 0xDA) {
      if (is_sof(m)) { frame = true; ls = ls || m == 0xF7; }
      append(f.bytes, seg, len + 2);
    } else {
      return bad(pos, fmt::format("marker {:02X} that no image coding uses", m));
    }
    pos += len;
    if (m != 0xDA) continue;
    if (!frame) return bad(pos, "SOS before any SOF");
    scan = true;
    // Entropy-coded data up to the next marker. JPEG stuffs 00 after FF and has RSTn inside a scan;
    // JPEG-LS stuffs a 0 bit, so FF followed by a byte below 80 is data.
    std::size_t j = pos;
    while (j < n) {
      if (in[j] != 0xFF) {
        const void* ff = std::memchr(in.data() + j, 0xFF, n - j);
        j = ff ? std::size_t(static_cast<const std::uint8_t*>(ff) - in.data()) : n;
        continue;
      }
      if (j + 1 >= n) return short_of(j, "ends inside a scan");
      const std::uint8_t b = in[j + 1];
      if ((ls ? b < 0x80 : b == 0x00) || (b >= 0xD0 && b <= 0xD7)) { j += 2; continue; }
      break;
    }
    append(f.bytes, in.data() + pos, j - pos);
    pos = j;
  }
}

}  // namespace dicomscrub::codestream
