// lib/image/pixel_data.cpp — see pixel_data.hpp.
#include "image/pixel_data.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "image/codestream.hpp"
#include "core/bytes.hpp"
#include "image/image.hpp"

namespace dicomscrub::codestream {
namespace {

enum class Codec { jpeg, j2k, rle, none };

Codec codec_of(std::string_view ts) {
  constexpr std::string_view p = "1.2.840.10008.1.2.";
  if (ts.substr(0, p.size()) != p) return Codec::none;
  std::string_view r = ts.substr(p.size());
  if (r == "5") return Codec::rle;
  if (r.substr(0, 2) != "4.") return Codec::none;
  r = r.substr(2);
  for (std::string_view j : {"50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64",
                             "65", "66", "70", "80", "81"})
    if (r == j) return Codec::jpeg;
  for (std::string_view j : {"90", "91", "92", "93", "201", "202", "203"})
    if (r == j) return Codec::j2k;
  return Codec::none;
}

Error refuse(std::string why) { return Error{ErrorCode::unsupported, {}, 0, "(7FE0,0010)", std::move(why)}; }

// Calls f(bytes, offset) over the value in order, without copying a value that is in memory and
// mapping one that lives in a file (chunks are multiples of 8 bytes except the last).
template <class F>
Status each_chunk(const Value& v, F&& f) {
  if (auto b = v.bytes()) { f(*b, 0); return Ok{}; }
  const ByteSource* src = v.source();
  if (!src) return Error{ErrorCode::io, {}, 0, "(7FE0,0010)", "pixel data has no source"};
  const long page = ::sysconf(_SC_PAGESIZE);
  if (src->fd() >= 0 && page > 0) {
    const std::uint64_t start = v.source_offset() / std::uint64_t(page) * std::uint64_t(page);
    const std::size_t lead = std::size_t(v.source_offset() - start);
    const std::size_t len = lead + v.size();
    void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, src->fd(), off_t(start));  // one fault-in, not one per page
    if (m != MAP_FAILED) {
      ::madvise(m, len, MADV_SEQUENTIAL);
      f(Bytes(static_cast<const std::uint8_t*>(m) + lead, v.size()), 0);
      ::munmap(m, len);
      return Ok{};
    }
  }
  std::vector<std::uint8_t> buf(std::size_t(1) << 20);
  for (std::uint64_t off = 0; off < v.size();) {
    std::size_t n = std::size_t(std::min<std::uint64_t>(buf.size(), v.size() - off));
    if (auto st = src->read(v.source_offset() + off, std::span<std::uint8_t>(buf.data(), n)); !st) return st;
    f(Bytes(buf.data(), n), off);
    off += n;
  }
  return Ok{};
}

struct BitRule {
  unsigned width = 0;        // bytes per sample
  std::uint32_t low = 0;     // mask of the unused bits below the stored ones
  unsigned high_shift = 0;   // bits above High Bit start here
  std::uint32_t high_all = 0;  // all unused high bits set
  bool is_signed = false;
  bool big_endian = false;

  std::uint32_t load(const std::uint8_t* p) const {
    if (width == 1) return *p;
    if (width == 2) return detail::load16(p, big_endian);
    return detail::load32(p, big_endian);
  }
  // A sample is sound when its low unused bits are zero and its high ones are zero, or (signed)
  // the sign bit repeated.
  bool sound(std::uint32_t v) const {
    if (v & low) return false;
    const std::uint32_t up = high_shift >= 32 ? 0 : (v >> high_shift);
    if (up == 0) return true;
    return is_signed && up == high_all && ((v >> (high_shift - 1)) & 1);
  }
  std::uint32_t repaired(std::uint32_t v) const {
    v &= ~low;
    if (high_shift >= 32) return v;
    const bool neg = is_signed && ((v >> (high_shift - 1)) & 1);
    v &= (std::uint32_t(1) << high_shift) - 1;
    if (neg) v |= high_all << high_shift;
    return v;
  }
};

}  // namespace

PixelShape shape_of(const DicomFile& file) {
  const Dataset& ds = file.dataset;
  const bool be = file.encoding.big_endian;
  PixelShape shape;
  shape.transfer_syntax = file.transfer_syntax_uid;
  shape.big_endian = be;
  if (auto nf = ds.get_string(Tag(0x0028, 0x0008))) {
    std::string_view t = *nf;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    std::uint64_t v = 0;
    bool digits = !t.empty() && t.size() <= 9;
    for (char c : t) { digits = digits && c >= '0' && c <= '9'; v = v * 10 + std::uint64_t(c - '0'); }
    shape.frames = digits ? std::uint32_t(v) : 1;
  }
  shape.rows = pixel::first_us(ds, Tag(0x0028, 0x0010), be).value_or(0);
  shape.cols = pixel::first_us(ds, Tag(0x0028, 0x0011), be).value_or(0);
  shape.samples = pixel::first_us(ds, Tag(0x0028, 0x0002), be).value_or(1);
  shape.bits_allocated = pixel::first_us(ds, Tag(0x0028, 0x0100), be).value_or(0);
  shape.bits_stored = pixel::first_us(ds, Tag(0x0028, 0x0101), be).value_or(shape.bits_allocated);
  shape.high_bit = pixel::first_us(ds, Tag(0x0028, 0x0102), be).value_or(std::uint16_t(shape.bits_stored ? shape.bits_stored - 1 : 0));
  shape.is_signed = pixel::first_us(ds, Tag(0x0028, 0x0103), be).value_or(0) == 1;
  const Element* px = ds.find(Tag(0x7FE0, 0x0010));
  if (auto pi = ds.get_string(Tag(0x0028, 0x0004)); pi && pi->rfind("YBR_FULL_422", 0) == 0 && px && px->form == ElementForm::value)
    shape.rows = 0;  // two chroma samples per pixel pair: no per-sample size applies
  return shape;
}

Result<std::string> clean_native(Element& px, const PixelShape& s, std::uint64_t max_bytes) {
  if (px.form != ElementForm::value || px.value.empty()) return std::string();
  std::vector<std::string> done;
  const unsigned ba = s.bits_allocated;
  const bool bits_apply = (ba == 8 || ba == 16 || ba == 32) && s.bits_stored > 0 && s.bits_stored < ba &&
                          s.high_bit + 1u >= s.bits_stored && s.high_bit < ba;
  BitRule rule;
  if (bits_apply) {
    rule.width = ba / 8;
    rule.big_endian = s.big_endian;
    rule.is_signed = s.is_signed;
    const unsigned low_bits = s.high_bit + 1u - s.bits_stored;
    rule.low = low_bits ? (std::uint32_t(1) << low_bits) - 1 : 0;
    rule.high_shift = s.high_bit + 1u;
    rule.high_all = rule.high_shift >= ba ? 0 : (ba == 32 && rule.high_shift == 0 ? ~0u : ((std::uint32_t(1) << (ba - rule.high_shift)) - 1));
  }
  // Packed layouts (1-bit, ACR-NEMA 12-bit) count in bits.
  const std::uint64_t expected = (std::uint64_t(s.frames) * s.rows * s.cols * s.samples * ba + 7) / 8;
  // Big-endian OW holds 8-bit samples in swapped pairs: the pad of an odd count is the byte before
  // the last sample, not after it (zeroing the last byte lost that sample).
  const bool swapped_pairs = s.big_endian && px.vr == vrs::OW && ba == 8;
  const std::uint64_t pad_at = swapped_pairs && expected % 2 ? expected - 1 : expected;
  const std::uint64_t image_bytes = swapped_pairs ? expected + (expected % 2) : expected;
  const std::uint64_t image_end = expected ? std::min<std::uint64_t>(image_bytes, px.value.size()) : px.value.size();
  bool trailing = expected && px.value.size() > expected + (expected % 2);
  if (expected && expected % 2 && px.value.size() > expected) {
    // The pad byte of an odd-length value must be zero.
    auto tail_nonzero = false;
    auto st = each_chunk(px.value, [&](Bytes b, std::uint64_t off) {
      if (off <= pad_at && pad_at < off + b.size()) tail_nonzero = b[std::size_t(pad_at - off)] != 0;
    });
    if (!st) return st.error();
    trailing = trailing || tail_nonzero;
  }
  bool bits_dirty = false;
  if (bits_apply) {
    // One pass: OR of every sample's unused bits for unsigned data; signed data also accepts the
    // sign extension, so its samples are judged one by one (still one pass, no copy).
    const std::uint32_t unused = rule.low | (rule.high_shift >= 32 ? 0 : (rule.high_all << rule.high_shift));
    auto st = each_chunk(px.value, [&](Bytes b, std::uint64_t off) {
      if (off >= image_end) return;
      std::size_t n = std::size_t(std::min<std::uint64_t>(b.size(), image_end - off));
      n -= n % rule.width;
      const std::uint8_t* p = b.data();
      if (!rule.is_signed) {
        std::uint32_t acc = 0;
        if (rule.width == 1) { for (std::size_t i = 0; i < n; ++i) acc |= p[i]; }
        else if (rule.width == 2) {
          std::uint16_t lanes = 0;  // OR in stored byte order, then swapped once
          for (std::size_t i = 0; i < n; i += 2) { std::uint16_t w; std::memcpy(&w, p + i, 2); lanes |= w; }
          std::uint8_t two[2]; std::memcpy(two, &lanes, 2);
          acc = detail::load16(two, rule.big_endian);
        } else {
          std::uint32_t lanes = 0;
          for (std::size_t i = 0; i < n; i += 4) { std::uint32_t w; std::memcpy(&w, p + i, 4); lanes |= w; }
          std::uint8_t four[4]; std::memcpy(four, &lanes, 4);
          acc = detail::load32(four, rule.big_endian);
        }
        bits_dirty = bits_dirty || (acc & unused) != 0;
      } else {
        bool bad = false;
        for (std::size_t i = 0; i < n; i += rule.width) bad |= !rule.sound(rule.load(p + i));
        bits_dirty = bits_dirty || bad;
      }
    });
    if (!st) return st.error();
  }
  if (!bits_dirty && !trailing) return std::string();
  if (px.value.size() > max_bytes) return refuse(fmt::format("native pixel data of {} bytes needs rewriting, over the {} byte limit", px.value.size(), max_bytes));
  auto loaded = px.value.load();
  if (!loaded) return std::move(loaded).error();
  std::vector<std::uint8_t> data = std::move(loaded).value();
  if (bits_dirty) {
    std::uint64_t fixed = 0;
    for (std::size_t i = 0; i + rule.width <= image_end; i += rule.width) {
      std::uint32_t v = rule.load(data.data() + i);
      if (rule.sound(v)) continue;
      v = rule.repaired(v);
      if (rule.width == 1) data[i] = std::uint8_t(v);
      else if (rule.width == 2) detail::store16(data.data() + i, std::uint16_t(v), rule.big_endian);
      else detail::store32(data.data() + i, v, rule.big_endian);
      ++fixed;
    }
    done.push_back(fmt::format("bits outside Bits Stored cleared in {} sample(s)", fixed));
  }
  if (expected && data.size() > expected) {
    const std::uint64_t keep = expected + (expected % 2);
    if (data.size() > keep) done.push_back(fmt::format("{} byte(s) after the last frame removed", data.size() - keep));
    data.resize(std::size_t(keep));
    if (expected % 2) data[std::size_t(pad_at)] = 0;
  }
  px.value = Value::owned(std::move(data));
  px.length = px.value.size();
  std::string out;
  for (const auto& d : done) out += (out.empty() ? "" : "; ") + d;
  return out;
}

Result<std::string> filter_encapsulated(Element& px, const PixelShape& s, std::uint64_t max_bytes) {
  if (px.form != ElementForm::encapsulated) return std::string();
  const Codec codec = codec_of(s.transfer_syntax);
  if (codec == Codec::none)
    return refuse(fmt::format("encapsulated pixel data in transfer syntax {}: no codestream parser checks it", s.transfer_syntax));
  if (px.fragments.empty()) return refuse("encapsulated pixel data without a Basic Offset Table item");
  if (s.frames == 0) return refuse("Number of Frames is 0");
  const std::size_t nfrag = px.fragments.size();
  const std::uint32_t segments = s.samples * (s.bits_allocated / 8);
  if (codec == Codec::rle && (s.bits_allocated % 8 || segments == 0)) return refuse("RLE with Bits Allocated not a multiple of 8");
  // Item offsets of the fragments (from the first fragment's item), as an offset table counts them.
  std::vector<std::uint64_t> item_offset(nfrag + 1, 0);
  for (std::size_t k = 1; k < nfrag; ++k) item_offset[k + 1] = item_offset[k] + 8 + px.fragments[k].value.size();
  auto bot_bytes = px.fragments[0].value.bytes();
  // An RLE frame has no end marker of its own: one fragment per frame, all fragments for a single
  // frame, or the offset table says where each frame starts.
  std::vector<std::size_t> rle_last;  // per frame, its last fragment
  if (codec == Codec::rle) {
    if (nfrag - 1 == s.frames) {
      for (std::size_t k = 1; k < nfrag; ++k) rle_last.push_back(k);
    } else if (s.frames == 1) {
      rle_last.push_back(nfrag - 1);
    } else if (bot_bytes && bot_bytes->size() == 4 * std::size_t(s.frames)) {
      std::size_t k = 1;
      for (std::uint32_t i = 1; i <= s.frames; ++i) {
        const std::uint64_t next = i < s.frames ? detail::load32(bot_bytes->data() + 4 * i, false) : item_offset[nfrag];
        while (k < nfrag && item_offset[k + 1] < next) ++k;
        if (k >= nfrag || item_offset[k + 1] != next) return refuse("RLE offset table does not fall on fragment boundaries");
        rle_last.push_back(k);
        ++k;
      }
    } else {
      return refuse("RLE frames spread over fragments with no offset table to tell them apart");
    }
  }

  // One frame from fragment `f` on: its fragments are read one at a time (doubling while the
  // codestream runs past what was read), so memory follows the frame, not the whole element.
  struct Frame {
    Filtered filtered;
    std::size_t last = 0;      // its last fragment
    bool same = false;         // the filtered stream is the fragments' bytes, zero padding aside
    bool junk_after = false;   // non-zero bytes after its end
  };
  auto scan = [&](std::size_t f, std::size_t index) -> Result<Frame> {
    std::vector<std::uint8_t> buf;
    std::vector<std::size_t> starts;  // of fragments f.. in buf
    std::size_t g = f;                // one past the last fragment read
    std::size_t want = codec == Codec::rle ? (index < rle_last.size() && rle_last[index] >= f ? rle_last[index] - f + 1 : 0) : 1;
    if (want == 0) return refuse("RLE frames and fragments disagree");
    Result<Filtered> r = refuse("no fragment");
    for (;;) {
      for (; g < nfrag && g < f + want; ++g) {
        const Value& v = px.fragments[g].value;
        if (buf.size() + v.size() > max_bytes) return refuse(fmt::format("a frame over the {} byte limit", max_bytes));
        starts.push_back(buf.size());
        if (auto b = v.bytes()) buf.insert(buf.end(), b->begin(), b->end());
        else {
          auto l = v.load();
          if (!l) return std::move(l).error();
          buf.insert(buf.end(), l->begin(), l->end());
        }
      }
      Bytes in(buf.data(), buf.size());
      r = codec == Codec::jpeg ? filter_jpeg(in) : codec == Codec::j2k ? filter_j2k(in) : filter_rle(in, segments, std::uint64_t(s.rows) * s.cols);
      if (r || r.error().code != ErrorCode::truncated || g >= nfrag || codec == Codec::rle) break;
      want *= 2;
    }
    if (!r) {
      Error e = std::move(r).error();
      e.reason = fmt::format("frame {}: {}", index + 1, e.reason);
      e.offset += px.fragments[f].offset;
      return e;
    }
    starts.push_back(buf.size());
    Frame fr;
    const std::size_t end = r->consumed;
    std::size_t h = 0;  // the fragment (relative) holding the codestream's last byte
    while (h + 2 < starts.size() && starts[h + 1] < end) ++h;
    fr.last = f + h;
    // Zeros after the end are padding (some writers pad to 4 bytes); anything else is not image.
    fr.junk_after = std::any_of(buf.begin() + std::ptrdiff_t(end), buf.begin() + std::ptrdiff_t(starts[h + 1]),
                                [](std::uint8_t b) { return b != 0; });
    fr.same = r->bytes.size() == end && std::memcmp(r->bytes.data(), buf.data(), end) == 0;
    fr.filtered = std::move(r).value();
    return fr;
  };

  std::map<std::string, int> dropped;
  bool changed = px.delimiter_missing;
  if (px.delimiter_missing) dropped["missing sequence delimiter"]++;
  std::vector<std::size_t> first_fragment, last_fragment;
  std::vector<bool> reusable;  // one fragment, exactly the frame's bytes (plus zero padding)
  std::size_t f = 1;
  while (f < nfrag && first_fragment.size() < s.frames) {
    auto fr = scan(f, first_fragment.size());
    if (!fr) return std::move(fr).error();
    if (fr->junk_after) { changed = true; dropped["bytes after the end of a codestream"]++; }
    if (!fr->same) changed = true;
    for (const auto& d : fr->filtered.dropped) dropped[d]++;
    first_fragment.push_back(f);
    last_fragment.push_back(fr->last);
    reusable.push_back(fr->same && !fr->junk_after && fr->last == f && px.fragments[f].value.size() % 2 == 0);
    f = fr->last + 1;
  }
  const std::size_t nframes = first_fragment.size();
  if (nframes < s.frames)
    return refuse(fmt::format("{} frame(s) declared, {} codestream(s) found in the fragments", s.frames, nframes));
  if (f < nfrag) { changed = true; dropped[fmt::format("{} fragment(s) after the last frame", nfrag - f)]++; }
  // The offset table must index exactly the frames' first fragments (or be empty).
  if (const auto& bot = bot_bytes; !bot || !bot->empty()) {
    bool valid = bot && bot->size() == 4 * nframes;
    for (std::size_t i = 0; valid && i < nframes; ++i)
      valid = detail::load32(bot->data() + 4 * i, false) == item_offset[first_fragment[i]];
    if (!valid) { changed = true; dropped["Basic Offset Table that does not index the frames"]++; }
  }
  if (!changed) return std::string();
  // One fragment per frame, even length, and an offset table that indexes them. A frame that was
  // already one clean fragment keeps its value as it is (still in the file when it was there).
  std::vector<Fragment> out;
  out.emplace_back();
  std::vector<std::uint8_t> bot;
  std::uint64_t offset = 0;
  bool fits = true;
  for (std::size_t i = 0; i < nframes; ++i) {
    Fragment frag;
    if (reusable[i]) {
      frag.value = px.fragments[first_fragment[i]].value;
    } else {
      auto fr = scan(first_fragment[i], i);
      if (!fr) return std::move(fr).error();
      std::vector<std::uint8_t> bytes = std::move(fr->filtered.bytes);
      if (bytes.size() % 2) bytes.push_back(0);
      frag.value = Value::owned(std::move(bytes));
    }
    if (offset > 0xFFFFFFFFu) fits = false;
    std::uint8_t o[4];
    detail::store32(o, std::uint32_t(offset), false);
    bot.insert(bot.end(), o, o + 4);
    offset += 8 + frag.value.size();
    out.push_back(std::move(frag));
  }
  out[0].value = Value::owned(fits ? std::move(bot) : std::vector<std::uint8_t>());
  px.fragments = std::move(out);
  px.delimiter_missing = false;
  px.delimiter_length = 0;
  px.length = kUndefinedLength;
  std::string summary = "codestreams: removed";
  bool first = true;
  for (const auto& [what, count] : dropped) {
    summary += fmt::format("{} {}{}", first ? "" : ",", what, count > 1 ? fmt::format(" x{}", count) : "");
    first = false;
  }
  summary += fmt::format("; {} fragment(s) rebuilt, one per frame, with an offset table", nframes);
  return summary;
}

}  // namespace dicomscrub::codestream
