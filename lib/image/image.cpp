// lib/image/image.cpp — layouts, fills and planes over decoded frames (see image.hpp).
#include "image/image.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "core/bytes.hpp"

namespace dicomscrub::pixel {

namespace {

std::optional<Bytes> value_of(const Dataset& ds, Tag t, std::size_t at_least) {
  const Element* e = ds.find(t);
  if (!e || e->form != ElementForm::value) return std::nullopt;
  auto b = e->value.bytes();
  if (!b || b->size() < at_least) return std::nullopt;
  return b;
}

bool is_ybr(const std::string& pi) { return pi.rfind("YBR", 0) == 0; }
bool is_422(const Layout& l) { return l.photometric == "YBR_FULL_422" || l.photometric == "YBR_PARTIAL_422"; }

// The value each sample gets when a pixel is painted.
std::array<std::uint32_t, 3> fill_values(const Layout& l, std::uint16_t palette_black) {
  const std::uint32_t bs = std::clamp<std::uint32_t>(l.bits_stored, 1, l.bits_allocated);
  const std::uint32_t all = l.bits_allocated == 16 ? 0xFFFFu : 0xFFu;
  if (l.photometric == "PALETTE COLOR") return {palette_black, palette_black, palette_black};
  if (l.photometric == "MONOCHROME1") {
    std::uint32_t v = l.is_signed ? (1u << (bs - 1)) - 1 : (1u << bs) - 1;  // bs <= 16
    return {v, v, v};
  }
  if (is_ybr(l.photometric)) return {0, 1u << (bs - 1), 1u << (bs - 1)};
  if (l.photometric == "MONOCHROME2" && l.is_signed) {
    std::uint32_t v = (all & ~((1u << (bs - 1)) - 1));  // the most negative value, sign-extended
    return {v, v, v};
  }
  return {0, 0, 0};
}

// Writes one sample; true when that changed it (so an image that needed no paint keeps its bytes).
bool put(std::uint8_t* p, std::uint32_t v, std::uint16_t bits) {
  if (bits == 8) {
    const bool changed = *p != std::uint8_t(v);
    *p = std::uint8_t(v);
    return changed;
  }
  const bool changed = detail::load16(p, false) != std::uint16_t(v);
  detail::store16(p, std::uint16_t(v), false);
  return changed;
}

bool paint_span(Decoded& img, std::uint32_t frame, int x0, int x1, int y, std::uint16_t palette_black) {
  const Layout& l = img.layout;
  if (x0 >= x1) return false;
  bool changed = false;
  const auto v = fill_values(l, palette_black);
  const std::uint32_t bpp = l.bits_allocated / 8;
  std::uint8_t* f = img.data.data() + frame * l.frame_bytes();
  if (is_422(l)) {
    // Pixel pairs share chroma: paint whole pairs so no chroma of the text survives.
    x0 &= ~1;
    x1 = std::min<int>(int(l.cols), (x1 + 1) & ~1);
    for (int x = x0; x < x1; x += 2) {
      std::uint8_t* p = f + (std::uint64_t(y) * l.cols + x) * 2 * bpp;
      changed |= put(p, v[0], l.bits_allocated);
      changed |= put(p + bpp, v[0], l.bits_allocated);
      changed |= put(p + 2 * bpp, v[1], l.bits_allocated);
      changed |= put(p + 3 * bpp, v[2], l.bits_allocated);
    }
    return changed;
  }
  if (l.samples == 1 || l.planar == 0) {
    for (int x = x0; x < x1; ++x) {
      std::uint8_t* p = f + (std::uint64_t(y) * l.cols + x) * l.samples * bpp;
      for (std::uint16_t s = 0; s < l.samples; ++s) changed |= put(p + s * bpp, v[s], l.bits_allocated);
    }
    return changed;
  }
  const std::uint64_t plane = std::uint64_t(l.rows) * l.cols * bpp;
  for (std::uint16_t s = 0; s < l.samples; ++s)
    for (int x = x0; x < x1; ++x) changed |= put(f + s * plane + (std::uint64_t(y) * l.cols + x) * bpp, v[s], l.bits_allocated);
  return changed;
}

}  // namespace

std::optional<std::uint16_t> first_us(const Dataset& ds, Tag t, bool big_endian) {
  auto b = value_of(ds, t, 2);
  return b ? std::optional<std::uint16_t>(detail::load16(b->data(), big_endian)) : std::nullopt;
}

std::optional<std::uint32_t> first_ul(const Dataset& ds, Tag t, bool big_endian) {
  auto b = value_of(ds, t, 4);
  return b ? std::optional<std::uint32_t>(detail::load32(b->data(), big_endian)) : std::nullopt;
}

std::uint64_t Layout::frame_bytes() const {
  const std::uint64_t px = std::uint64_t(rows) * cols;
  const std::uint64_t bpp = bits_allocated / 8;
  if (is_422(*this)) return px * 2 * bpp;
  return px * samples * bpp;
}

Result<Layout> layout_of(const Dataset& ds, bool big_endian, std::uint64_t max_bytes) {
  auto fail = [](std::string why) { return Error{ErrorCode::unsupported, {}, 0, "(7FE0,0010)", std::move(why)}; };
  Layout l;
  auto rows = first_us(ds, Tag(0x0028, 0x0010), big_endian);
  auto cols = first_us(ds, Tag(0x0028, 0x0011), big_endian);
  auto ba = first_us(ds, Tag(0x0028, 0x0100), big_endian);
  if (!rows || !cols || !ba || *rows == 0 || *cols == 0) return fail("Rows, Columns or Bits Allocated missing");
  l.rows = *rows;
  l.cols = *cols;
  l.bits_allocated = *ba;
  l.samples = first_us(ds, Tag(0x0028, 0x0002), big_endian).value_or(1);
  l.bits_stored = first_us(ds, Tag(0x0028, 0x0101), big_endian).value_or(l.bits_allocated);
  l.high_bit = first_us(ds, Tag(0x0028, 0x0102), big_endian).value_or(std::uint16_t(l.bits_stored - 1));
  l.is_signed = first_us(ds, Tag(0x0028, 0x0103), big_endian).value_or(0) == 1;
  l.planar = first_us(ds, Tag(0x0028, 0x0006), big_endian).value_or(0);
  l.photometric = ds.get_string(Tag(0x0028, 0x0004)).value_or(l.samples == 3 ? "RGB" : "MONOCHROME2");
  std::string nf = ds.get_string(Tag(0x0028, 0x0008)).value_or("1");
  long frames = 1;
  try { frames = std::stol(nf); } catch (...) { return fail("Number of Frames is not a number"); }
  if (frames < 1 || frames > 100000) return fail("Number of Frames out of range");
  l.frames = std::uint32_t(frames);
  if (l.bits_allocated != 8 && l.bits_allocated != 16)
    return fail(fmt::format("Bits Allocated {} (the pixel path fills 8- and 16-bit samples)", l.bits_allocated));
  if (l.samples != 1 && l.samples != 3) return fail(fmt::format("Samples per Pixel {}", l.samples));
  if (l.bits_stored == 0 || l.bits_stored > l.bits_allocated) return fail("Bits Stored out of range");
  if (l.planar > 1) return fail("Planar Configuration out of range");
  if (l.total_bytes() > max_bytes)
    return fail(fmt::format("decoded pixel data would take {} bytes, over the limit of {}", l.total_bytes(), max_bytes));
  return l;
}

Rect Rect::clipped(int c, int r) const {
  int x0 = std::clamp(x, 0, c), y0 = std::clamp(y, 0, r);
  int x1 = std::clamp(x + w, 0, c), y1 = std::clamp(y + h, 0, r);
  return {x0, y0, x1 - x0, y1 - y0};
}

bool fill(Decoded& img, std::uint32_t frame, Rect r, std::uint16_t palette_black) {
  const Layout& l = img.layout;
  r = r.clipped(int(l.cols), int(l.rows));
  if (r.empty() || frame >= l.frames) return false;
  bool changed = false;
  for (int y = r.y; y < r.y + r.h; ++y) changed |= paint_span(img, frame, r.x, r.x + r.w, y, palette_black);
  return changed;
}

bool fill_outside(Decoded& img, std::uint32_t frame, const std::vector<Rect>& keep, std::uint16_t palette_black) {
  const Layout& l = img.layout;
  if (frame >= l.frames) return false;
  bool changed = false;
  std::vector<Rect> k;
  for (const Rect& r : keep) if (auto c = r.clipped(int(l.cols), int(l.rows)); !c.empty()) k.push_back(c);
  std::vector<std::uint8_t> kept(l.cols);
  for (int y = 0; y < int(l.rows); ++y) {
    std::fill(kept.begin(), kept.end(), 0);
    for (const Rect& r : k)
      if (y >= r.y && y < r.y + r.h) std::fill(kept.begin() + r.x, kept.begin() + r.x + r.w, 1);
    int x = 0;
    while (x < int(l.cols)) {
      if (kept[x]) { ++x; continue; }
      int start = x;
      while (x < int(l.cols) && !kept[x]) ++x;
      changed |= paint_span(img, frame, start, x, y, palette_black);
    }
  }
  return changed;
}

std::vector<std::vector<std::uint16_t>> planes(const Decoded& img, std::uint32_t frame) {
  const Layout& l = img.layout;
  const std::uint64_t px = std::uint64_t(l.rows) * l.cols;
  const std::uint32_t bpp = l.bits_allocated / 8;
  const std::uint8_t* f = img.data.data() + frame * l.frame_bytes();
  // Signed samples become offset binary (0 = most negative), so -1 and 0 are neighbours, not the
  // two ends of the range; only the stored bits count.
  const int bs = std::clamp<int>(l.bits_stored, 1, l.bits_allocated);
  const std::uint32_t mask = (1u << bs) - 1;
  auto get = [&](const std::uint8_t* p) -> std::uint16_t {
    std::uint32_t v = (bpp == 1 ? *p : detail::load16(p, false)) & mask;
    return std::uint16_t(l.is_signed ? (v ^ (1u << (bs - 1))) : v);
  };
  std::vector<std::vector<std::uint16_t>> out(is_422(l) ? 3 : l.samples, std::vector<std::uint16_t>(px));
  for (std::uint64_t i = 0; i < px; ++i) {
    if (is_422(l)) {
      const std::uint8_t* pair = f + (i & ~std::uint64_t(1)) * 2 * bpp;
      out[0][i] = get(pair + (i & 1) * bpp);
      out[1][i] = get(pair + 2 * bpp);
      out[2][i] = get(pair + 3 * bpp);
    } else if (l.samples == 1 || l.planar == 0) {
      for (std::uint16_t s = 0; s < l.samples; ++s) out[s][i] = get(f + (i * l.samples + s) * bpp);
    } else {
      for (std::uint16_t s = 0; s < l.samples; ++s) out[s][i] = get(f + (s * px + i) * bpp);
    }
  }
  return out;
}

void to_rgb(Decoded& img) {
  Layout& l = img.layout;
  if (l.samples != 3 || (l.photometric != "YBR_FULL" && l.photometric != "YBR_FULL_422")) return;
  const int bs = std::clamp<int>(l.bits_stored, 1, l.bits_allocated);
  const double top = double((1u << bs) - 1), mid = double(1u << (bs - 1));
  Layout rgb = l;
  rgb.photometric = "RGB";
  rgb.planar = 0;
  const std::uint32_t bpp = l.bits_allocated / 8;
  std::vector<std::uint8_t> out(rgb.total_bytes());
  auto clamp = [&](double v) { return std::uint32_t(std::clamp(std::lround(v), 0L, long(top))); };
  for (std::uint32_t f = 0; f < l.frames; ++f) {
    const auto p = planes(img, f);
    std::uint8_t* dst = out.data() + f * rgb.frame_bytes();
    for (std::size_t i = 0; i < p[0].size(); ++i) {
      const double y = p[0][i], cb = double(p[1][i]) - mid, cr = double(p[2][i]) - mid;
      const std::uint32_t v[3] = {clamp(y + 1.402 * cr), clamp(y - 0.344136 * cb - 0.714136 * cr), clamp(y + 1.772 * cb)};
      for (int c = 0; c < 3; ++c) put(dst + (i * 3 + c) * bpp, v[c], l.bits_allocated);
    }
  }
  img.data = std::move(out);
  l = rgb;
}

}  // namespace dicomscrub::pixel
