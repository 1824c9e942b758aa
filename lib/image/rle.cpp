// lib/image/rle.cpp — DICOM RLE frames (PS3.5 Annex G): a 64-byte header of segment offsets,
// then PackBits segments, one per byte plane.
#include <fmt/format.h>

#include "image/codestream.hpp"
#include "core/bytes.hpp"

namespace dicomscrub::codestream {
namespace {

Error bad(std::size_t at, std::string why) {
  return Error{ErrorCode::bad_structure, {}, at, {}, fmt::format("RLE frame: {}", why)};
}

}  // namespace

Result<Filtered> filter_rle(Bytes in, std::uint32_t segments, std::uint64_t segment_bytes) {
  using detail::load32;
  using detail::store32;
  const std::size_t n = in.size();
  if (n < 64) return bad(0, "shorter than its header");
  const std::uint32_t count = load32(in.data(), false);
  if (count != segments || count == 0 || count > 15)
    return bad(0, fmt::format("{} segments where the image has {}", count, segments));
  std::uint32_t offsets[16] = {};
  for (std::uint32_t i = 0; i < 15; ++i) offsets[i] = load32(in.data() + 4 + 4 * i, false);
  offsets[count] = std::uint32_t(std::min<std::size_t>(n, 0xFFFFFFFFu));
  if (offsets[0] != 64) return bad(4, "first segment not right after the header");
  Filtered f;
  f.consumed = n;
  f.bytes.assign(64, 0);
  store32(f.bytes.data(), count, false);
  bool extra = false;
  for (std::uint32_t i = count; i < 15; ++i) extra |= load32(in.data() + 4 + 4 * i, false) != 0;
  for (std::uint32_t s = 0; s < count; ++s) {
    const std::size_t begin = offsets[s], end = offsets[s + 1];
    if (end < begin || end > n) return bad(4 + 4 * s, "segment offsets out of order");
    store32(f.bytes.data() + 4 + 4 * s, std::uint32_t(f.bytes.size()), false);
    std::uint64_t made = 0;
    std::size_t p = begin;
    while (made < segment_bytes) {
      if (p >= end) return bad(p, "segment ends before its byte plane does");
      const std::uint8_t h = in[p];
      if (h < 128) {  // literal run of h+1 bytes; one that overshoots the plane is cut to it
        std::uint64_t take = std::min<std::uint64_t>(h + 1, segment_bytes - made);
        if (p + 1 + take > end) return bad(p, "literal run past its segment");
        f.bytes.push_back(std::uint8_t(take - 1));
        f.bytes.insert(f.bytes.end(), in.data() + p + 1, in.data() + p + 1 + take);
        if (take != std::uint64_t(h) + 1) extra = true;
        made += take;
        p += 1 + (std::size_t(h) + 1);
        if (p > end) return bad(p, "literal run past its segment");
      } else if (h > 128) {  // replicate run of 257-h copies
        if (p + 2 > end) return bad(p, "replicate run past its segment");
        std::uint64_t take = std::min<std::uint64_t>(257 - h, segment_bytes - made);
        if (take == 1) f.bytes.push_back(0);  // a run of one is a literal
        else f.bytes.push_back(std::uint8_t(257 - take));
        f.bytes.push_back(in[p + 1]);
        made += take;
        p += 2;
      } else {
        ++p;  // 128: no operation
        extra = true;
      }
    }
    // What a segment holds after its plane is complete is no image; one byte pads to even length.
    if (end - p > 1) extra = true;
    if (f.bytes.size() % 2) f.bytes.push_back(end - p == 1 ? in[p] : 0x80);  // 80: PackBits no-op
  }
  if (extra) f.dropped.push_back("RLE bytes outside the decoded planes");
  return f;
}

}  // namespace dicomscrub::codestream
