// lib/image/j2k.cpp — JPEG 2000 Part 1/2 and HTJ2K (Part 15) codestream markers (ITU T.800 A),
// and the JP2 box structure (T.800 I) around a codestream.
#include <cstring>

#include <fmt/format.h>

#include "image/codestream.hpp"
#include "core/bytes.hpp"

namespace dicomscrub::codestream {
namespace {

using detail::load16;
using detail::load32;
using detail::store32;

Error bad(std::size_t at, std::string why) {
  return Error{ErrorCode::bad_structure, {}, at, {}, fmt::format("JPEG 2000 codestream: {}", why)};
}
// The stream ran out: the caller may have more of the frame (its next fragment) to offer.
Error short_of(std::size_t at, std::string why) {
  Error e = bad(at, std::move(why));
  e.code = ErrorCode::truncated;
  return e;
}

// Main-header segments a decoder may need: SIZ, CAP, PRF, COD, COC, TLM, PLM, CPF, QCD, QCC, RGN,
// POC, PPM, CRG, and Part 2's DCO..ATK (0x70-0x79).
bool main_segment(std::uint8_t m) {
  return m == 0x51 || m == 0x50 || m == 0x56 || m == 0x52 || m == 0x53 || m == 0x55 || m == 0x57 || m == 0x59 ||
         m == 0x5C || m == 0x5D || m == 0x5E || m == 0x5F || m == 0x60 || m == 0x63 || (m >= 0x70 && m <= 0x79);
}
// Tile-part header segments: COD, COC, QCD, QCC, RGN, POC, PPT, PLT, and Part 2's.
bool tile_segment(std::uint8_t m) {
  return m == 0x52 || m == 0x53 || m == 0x5C || m == 0x5D || m == 0x5E || m == 0x5F || m == 0x61 || m == 0x58 ||
         (m >= 0x70 && m <= 0x79);
}

void append(std::vector<std::uint8_t>& out, const std::uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); }

Result<Filtered> filter_raw(Bytes in) {
  const std::size_t n = in.size();
  if (n < 4 || load16(in.data(), true) != 0xFF4F || load16(in.data() + 2, true) != 0xFF51) return bad(0, "does not start with SOC SIZ");
  Filtered f;
  std::vector<std::uint8_t>& main = f.bytes;  // the main header, then the tile-parts, written once
  main.reserve(n);
  main = {0xFF, 0x4F};
  std::vector<std::pair<std::size_t, std::size_t>> tlm;  // TLM segments' ranges in the main header
  std::size_t pos = 2;
  bool tile_lengths_changed = false;
  // Main header, up to the first SOT.
  for (;;) {
    if (pos + 4 > n) return short_of(pos, "ends inside the main header");
    if (in[pos] != 0xFF) return bad(pos, "a byte where a marker must be");
    const std::uint8_t m = in[pos + 1];
    if (m == 0x90) break;
    const std::size_t len = load16(in.data() + pos + 2, true);
    if (len < 2 || pos + 2 + len > n) return short_of(pos, "segment length past the end");
    if (m == 0x64) f.dropped.push_back("COM");
    else if (m == 0x55) { tlm.emplace_back(main.size(), len + 2); append(main, in.data() + pos, len + 2); }
    else if (main_segment(m)) append(main, in.data() + pos, len + 2);
    else return bad(pos, fmt::format("main-header marker FF{:02X} that no decoder needs", m));
    pos += 2 + len;
  }
  // Tile-parts: SOT, tile-part header, SOD, data; Psot counts from SOT to the end of the data.
  for (;;) {
    if (pos + 2 > n) return short_of(pos, "ends before its EOC");
    const std::uint16_t mk = load16(in.data() + pos, true);
    if (mk == 0xFFD9) { f.consumed = pos + 2; break; }
    if (mk != 0xFF90) return bad(pos, "a tile-part that does not start with SOT");
    if (pos + 12 > n || load16(in.data() + pos + 2, true) != 10) return bad(pos, "SOT of the wrong length");
    const std::size_t sot = pos;
    const std::uint32_t psot = load32(in.data() + pos + 6, true);
    std::size_t end;
    if (psot == 0) {
      // The last tile-part runs to EOC. Packet data never holds FF followed by a byte above 8F
      // (T.800 A.1), so the first FF D9 after SOT is the EOC.
      end = 0;
      for (std::size_t j = sot + 12; j + 1 < n; ++j)
        if (in[j] == 0xFF && in[j + 1] == 0xD9) { end = j; break; }
      if (end == 0) return short_of(pos, "open-ended tile-part without an EOC");
    } else {
      end = sot + psot;
      if (psot < 14) return bad(pos, "tile-part shorter than its SOT and SOD");
      if (end > n) return short_of(pos, "tile-part length past the end");
    }
    const std::size_t part = f.bytes.size();
    append(f.bytes, in.data() + sot, 12);
    pos = sot + 12;
    for (;;) {
      if (pos + 2 > end) return bad(pos, "tile-part without SOD");
      if (in[pos] != 0xFF) return bad(pos, "a byte where a marker must be");
      const std::uint8_t m = in[pos + 1];
      if (m == 0x93) break;
      if (pos + 4 > end) return bad(pos, "ends inside a tile-part header");
      const std::size_t len = load16(in.data() + pos + 2, true);
      if (len < 2 || pos + 2 + len > end) return bad(pos, "segment length past its tile-part");
      if (m == 0x64) f.dropped.push_back("COM");
      else if (tile_segment(m)) append(f.bytes, in.data() + pos, len + 2);
      else return bad(pos, fmt::format("tile-part marker FF{:02X} that no decoder needs", m));
      pos += 2 + len;
    }
    append(f.bytes, in.data() + pos, end - pos);  // SOD and the tile's data
    if (psot != 0 && f.bytes.size() - part != psot) {
      store32(f.bytes.data() + part + 6, std::uint32_t(f.bytes.size() - part), true);
      tile_lengths_changed = true;
    }
    pos = end;
  }
  if (!tlm.empty() && tile_lengths_changed) {  // an index of lengths that are no longer true
    for (auto it = tlm.rbegin(); it != tlm.rend(); ++it)
      main.erase(main.begin() + std::ptrdiff_t(it->first), main.begin() + std::ptrdiff_t(it->first + it->second));
    f.dropped.push_back("TLM");
  }
  const std::uint8_t eoc[2] = {0xFF, 0xD9};
  append(f.bytes, eoc, 2);
  return f;
}

struct Box {
  std::uint32_t type = 0;
  std::size_t header = 0, start = 0, end = 0;  // start: of the box; end: one past its content
};

Result<Box> read_box(Bytes in, std::size_t pos, std::size_t limit) {
  if (pos + 8 > limit) return short_of(pos, "JP2 box header past the end");
  Box b;
  b.start = pos;
  std::uint64_t len = load32(in.data() + pos, true);
  b.type = load32(in.data() + pos + 4, true);
  b.header = 8;
  if (len == 1) {
    if (pos + 16 > limit) return short_of(pos, "JP2 box header past the end");
    len = (std::uint64_t(load32(in.data() + pos + 8, true)) << 32) | load32(in.data() + pos + 12, true);
    b.header = 16;
  } else if (len == 0) {
    len = limit - pos;
  }
  if (len < b.header || len > limit - pos) return short_of(pos, "JP2 box length past the end");
  b.end = pos + std::size_t(len);
  return b;
}

constexpr std::uint32_t fourcc(const char (&s)[5]) {
  return (std::uint32_t(std::uint8_t(s[0])) << 24) | (std::uint32_t(std::uint8_t(s[1])) << 16) |
         (std::uint32_t(std::uint8_t(s[2])) << 8) | std::uint8_t(s[3]);
}

std::string box_name(std::uint32_t t) {
  std::string s;
  for (int i = 3; i >= 0; --i) {
    char c = char((t >> (8 * i)) & 0xFF);
    s += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return s;
}

void put_box(std::vector<std::uint8_t>& out, std::uint32_t type, const std::uint8_t* content, std::size_t n) {
  std::uint8_t h[8];
  store32(h, std::uint32_t(8 + n), true);
  store32(h + 4, type, true);
  append(out, h, 8);
  append(out, content, n);
}

Result<Filtered> filter_jp2(Bytes in) {
  Filtered f;
  const std::size_t n = in.size();
  bool header = false;
  std::size_t pos = 0;
  while (pos < n) {
    auto box = read_box(in, pos, n);
    if (!box) return std::move(box).error();
    const std::uint8_t* content = in.data() + box->start + box->header;
    const std::size_t clen = box->end - box->start - box->header;
    if (box->type == fourcc("jP  ") || box->type == fourcc("ftyp")) {
      if (box->header != 8) return bad(pos, "JP2 signature or ftyp with a long length");
      append(f.bytes, in.data() + box->start, box->end - box->start);
    } else if (box->type == fourcc("jp2h")) {
      // Image header boxes only: ihdr, bpcc, colr, pclr, cmap, cdef. (res and the rest describe,
      // they do not define, the image.)
      std::vector<std::uint8_t> kept;
      for (std::size_t p = box->start + box->header; p < box->end;) {
        auto sub = read_box(in, p, box->end);
        if (!sub) return std::move(sub).error();
        const std::uint32_t t = sub->type;
        if (sub->header == 8 && (t == fourcc("ihdr") || t == fourcc("bpcc") || t == fourcc("colr") || t == fourcc("pclr") ||
                                 t == fourcc("cmap") || t == fourcc("cdef")))
          append(kept, in.data() + sub->start, sub->end - sub->start);
        else
          f.dropped.push_back(box_name(t) + " box");
        p = sub->end;
      }
      put_box(f.bytes, box->type, kept.data(), kept.size());
      header = true;
    } else if (box->type == fourcc("jp2c")) {
      if (!header) return bad(pos, "jp2c before jp2h");
      auto cs = filter_raw(Bytes(content, clen));
      if (!cs) return std::move(cs).error();
      if (cs->consumed != clen) f.dropped.push_back("bytes after EOC");
      put_box(f.bytes, box->type, cs->bytes.data(), cs->bytes.size());
      f.dropped.insert(f.dropped.end(), cs->dropped.begin(), cs->dropped.end());
      f.consumed = box->end;
      return f;  // what follows the codestream box describes, it does not make, the image
    } else {
      f.dropped.push_back(box_name(box->type) + " box");
    }
    pos = box->end;
  }
  return bad(pos, "JP2 file without a codestream box");
}

}  // namespace

Result<Filtered> filter_j2k(Bytes in) {
  static constexpr std::uint8_t kSignature[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  if (in.size() >= 12 && std::memcmp(in.data(), kSignature, 12) == 0) return filter_jp2(in);
  return filter_raw(in);
}

}  // namespace dicomscrub::codestream
