// lib/image/text_detector.cpp — edge marks → character boxes → lines (see text_detector.hpp).
#include "image/text_detector.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <unordered_map>

namespace dicomscrub::pixel {

namespace {

struct Box {
  int x0, y0, x1, y1;  // inclusive
  int w() const { return x1 - x0 + 1; }
  int h() const { return y1 - y0 + 1; }
};

// The smallest step that counts as a stroke edge in a plane: a fraction of its range, but never
// below the noise (4x the median neighbour difference: JPEG ringing, scanner grain) nor below
// `floor` (about 3% of full scale), so a flat noisy frame does not turn into one giant mark.
int edge_threshold(const std::vector<std::uint16_t>& p, int cols, int range, double contrast, int floor) {
  std::vector<std::uint16_t> diffs;
  diffs.reserve(p.size() / 7 + 1);
  for (std::size_t i = 0; i + 1 < p.size(); i += 7)
    if ((i + 1) % std::size_t(cols) != 0) diffs.push_back(std::uint16_t(std::abs(int(p[i + 1]) - int(p[i]))));
  int noise = 0;
  if (!diffs.empty()) {
    std::nth_element(diffs.begin(), diffs.begin() + std::ptrdiff_t(diffs.size() / 2), diffs.end());
    noise = diffs[diffs.size() / 2];
  }
  return std::max({floor, int(std::lround(range * contrast)), 4 * noise});
}

// 8-connected components of the edge map, as bounding boxes.
std::vector<Box> components(std::vector<std::uint8_t>& edge, int cols, int rows) {
  std::vector<Box> out;
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < edge.size(); ++start) {
    if (edge[start] != 1) continue;
    Box b{int(start % cols), int(start / cols), int(start % cols), int(start / cols)};
    edge[start] = 2;
    stack.push_back(start);
    while (!stack.empty()) {
      std::size_t i = stack.back();
      stack.pop_back();
      int x = int(i % cols), y = int(i / cols);
      b.x0 = std::min(b.x0, x); b.x1 = std::max(b.x1, x);
      b.y0 = std::min(b.y0, y); b.y1 = std::max(b.y1, y);
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= cols || ny >= rows) continue;
          std::size_t j = std::size_t(ny) * cols + nx;
          if (edge[j] == 1) { edge[j] = 2; stack.push_back(j); }
        }
    }
    out.push_back(b);
  }
  return out;
}

// Edge pixels inside `area` (a step of at least t[plane] to the right or below), and their
// 8-connected components as boxes.
std::vector<Box> marks_in(const std::vector<std::vector<std::uint16_t>>& planes, int cols, const Box& area, const std::vector<int>& t) {
  const int w = area.w(), h = area.h();
  std::vector<std::uint8_t> edge(std::size_t(w) * h, 0);
  for (std::size_t k = 0; k < planes.size(); ++k) {
    if (t[k] <= 0) continue;
    const auto& p = planes[k];
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const std::size_t i = std::size_t(area.y0 + y) * cols + area.x0 + x, j = std::size_t(y) * w + x;
        if (x + 1 < w && std::abs(int(p[i + 1]) - int(p[i])) >= t[k]) edge[j] = edge[j + 1] = 1;
        if (y + 1 < h && std::abs(int(p[i + cols]) - int(p[i])) >= t[k]) edge[j] = edge[j + w] = 1;
      }
  }
  auto boxes = components(edge, w, h);
  for (Box& b : boxes) { b.x0 += area.x0; b.x1 += area.x0; b.y0 += area.y0; b.y1 += area.y0; }
  return boxes;
}

// Marks no taller than max_h. A taller one is looked at again with doubled thresholds (JPEG
// ringing or grain can bridge lines of text into one blob); one still too tall after three
// tries is kept whole: on a cover page, blanking a picture is the safe side of missing a name.
void collect_marks(const std::vector<std::vector<std::uint16_t>>& planes, int cols, const Box& area, std::vector<int> t,
                   int max_h, const DetectorSettings& s, int depth, std::vector<Box>& out) {
  for (const Box& b : marks_in(planes, cols, area, t)) {
    if (std::max(b.w(), b.h()) < s.min_size) continue;
    if (b.h() <= max_h) { out.push_back(b); continue; }
    if (depth >= 3) {
      if (s.keep_too_tall) out.push_back(b);
      continue;
    }
    for (int& v : t) v *= 2;
    collect_marks(planes, cols, b, t, max_h, s, depth + 1, out);
    for (int& v : t) v /= 2;
  }
}

bool character_sized(const Box& b, int max_h, const DetectorSettings& s) {
  if (b.h() < s.min_height || b.h() > max_h) return false;
  return s.max_aspect <= 0 || b.w() <= s.max_aspect * b.h();
}

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int a) { while (parent[a] != a) a = parent[a] = parent[parent[a]]; return a; }
  void join(int a, int b) { parent[find(a)] = find(b); }
};

bool same_line(const Box& a, const Box& b, double gap_heights, bool strict) {
  const int overlap = std::min(a.y1, b.y1) - std::max(a.y0, b.y0) + 1;
  if (overlap < (strict ? 0.6 : 0.3) * std::min(a.h(), b.h())) return false;
  if (strict) {
    // Glyphs of one font on one baseline: similar heights, tops or bottoms level.
    const int hmax = std::max(a.h(), b.h());
    if (hmax > 2 * std::min(a.h(), b.h())) return false;
    const int level = std::max(1, (hmax + 3) / 5);
    if (std::abs(a.y0 - b.y0) > level && std::abs(a.y1 - b.y1) > level) return false;
  }
  const int gap = std::max(b.x0 - a.x1, a.x0 - b.x1);
  return gap <= gap_heights * std::max(a.h(), b.h()) + 2;
}

// Candidate ink values of a plane: its two extremes and the values drawn far more often than
// their neighbours (an overlay is drawn in one colour; a picture spreads over a range). Values
// closer than `tol` to one already taken add nothing.
std::vector<int> ink_levels(const std::vector<std::uint16_t>& p, int full_scale, int tol, int max_spikes) {
  std::vector<std::uint32_t> hist(std::size_t(full_scale) + 1, 0);
  for (std::uint16_t v : p) ++hist[std::min<int>(v, full_scale)];
  int lo = 0, hi = full_scale;
  while (lo < full_scale && hist[lo] == 0) ++lo;
  while (hi > 0 && hist[hi] == 0) --hi;
  std::vector<std::pair<std::uint32_t, int>> spikes;
  for (int v = lo + 1; v < hi; ++v) {
    std::uint64_t around = 0;
    for (int d = 1; d <= 3; ++d) around += (v - d >= 0 ? hist[v - d] : 0) + (v + d <= full_scale ? hist[v + d] : 0);
    if (hist[v] >= 32 && hist[v] * 6 >= 8 * around) spikes.emplace_back(hist[v], v);
  }
  std::sort(spikes.rbegin(), spikes.rend());
  // The darkest value is the background of most acquisitions (margins, collimator), not ink. The
  // brightest is ink when it stands on its own in the histogram: glyph cores at least as many as
  // the values in the band twice as wide just below them, where a picture's tail thins out.
  auto count = [&](int a, int b) {
    std::uint64_t n = 0;
    for (int v = std::max(a, 0); v <= std::min(b, full_scale); ++v) n += hist[v];
    return n;
  };
  std::vector<int> levels;
  if (count(hi - tol, hi) >= count(hi - 3 * tol, hi - tol - 1)) levels.push_back(hi);
  int taken = 0;
  for (const auto& spike : spikes) {
    if (taken >= max_spikes) break;
    const int v = spike.second;  // clang 14 cannot capture a structured binding in a lambda
    if (std::none_of(levels.begin(), levels.end(), [&](int l) { return std::abs(l - v) <= 2 * tol; })) {
      levels.push_back(v);
      ++taken;
    }
  }
  return levels;
}

// Components, inside `area`, of the pixels within `weak` of the ink value `level` that hold at
// least one pixel within `tol` of it (hysteresis: the anti-aliased rims of a thin glyph join its
// core; a texture that never reaches the ink value is not a glyph). A component too large for a
// glyph (text touching a bright picture) is looked at again with half the band, down to `tol`.
// Whether the ink value differs from what surrounds a mark (the median of the ring of pixels just
// outside its box) by at least `min_step`: a glyph is drawn over its background, where the
// brightest patch of a smooth picture only a little above its neighbourhood is not.
bool stands_out(const std::vector<std::uint16_t>& p, int cols, int rows, const Box& b, int level, int min_step) {
  std::vector<std::uint16_t> ring;
  for (int x = b.x0 - 1; x <= b.x1 + 1; ++x)
    for (int y : {b.y0 - 1, b.y1 + 1})
      if (x >= 0 && x < cols && y >= 0 && y < rows) ring.push_back(p[std::size_t(y) * cols + x]);
  for (int y = b.y0; y <= b.y1; ++y)
    for (int x : {b.x0 - 1, b.x1 + 1})
      if (x >= 0 && x < cols) ring.push_back(p[std::size_t(y) * cols + x]);
  if (ring.empty()) return true;  // the mark fills the frame's edge: nothing to compare with
  std::nth_element(ring.begin(), ring.begin() + std::ptrdiff_t(ring.size() / 2), ring.end());
  return std::abs(level - int(ring[ring.size() / 2])) >= min_step;
}

void ink_components(const std::vector<std::uint16_t>& p, int cols, int rows, const Box& area, int level, int tol, int weak,
                    int max_h, int min_step, const DetectorSettings& s, std::vector<Box>& out) {
  const int w = area.w(), h = area.h();
  std::vector<std::uint8_t> mask(std::size_t(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int d = std::abs(int(p[std::size_t(area.y0 + y) * cols + area.x0 + x]) - level);
      mask[std::size_t(y) * w + x] = d <= tol ? 2 : d <= weak ? 1 : 0;
    }
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < mask.size(); ++start) {
    if (mask[start] != 2) continue;
    Box b{int(start % w), int(start / w), int(start % w), int(start / w)};
    mask[start] = 3;
    stack.push_back(start);
    while (!stack.empty()) {
      const std::size_t i = stack.back();
      stack.pop_back();
      const int x = int(i % w), y = int(i / w);
      b.x0 = std::min(b.x0, x); b.x1 = std::max(b.x1, x);
      b.y0 = std::min(b.y0, y); b.y1 = std::max(b.y1, y);
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const std::size_t j = std::size_t(ny) * w + nx;
          if (mask[j] == 1 || mask[j] == 2) { mask[j] = 3; stack.push_back(j); }
        }
    }
    b = Box{b.x0 + area.x0, b.y0 + area.y0, b.x1 + area.x0, b.y1 + area.y0};
    if (character_sized(b, max_h, s)) {
      if (stands_out(p, cols, rows, b, level, min_step)) out.push_back(b);
    } else if (weak > tol && (b.h() > max_h || b.w() > s.max_aspect * b.h())) {
      ink_components(p, cols, rows, b, level, tol, std::max(tol, (weak + tol) / 2), max_h, min_step, s, out);
    }
  }
}

// Marks drawn in one ink, over every plane and candidate ink value.
std::vector<Box> ink_marks(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int full_scale, int max_h,
                           const DetectorSettings& s) {
  std::vector<Box> out;
  const int tol = std::max(1, int(std::lround(full_scale * s.ink_tolerance)));
  const int weak = std::max(tol, int(std::lround(full_scale * 0.4)));
  const int min_step = int(std::lround(full_scale * 0.2));
  for (const auto& p : planes)
    for (int level : ink_levels(p, full_scale, tol, s.ink_spikes))
      ink_components(p, cols, rows, Box{0, 0, cols - 1, rows - 1}, level, tol, weak, max_h, min_step, s, out);
  return out;
}

// How many glyphs a mark stands for: letters that touch make one mark as wide as the word.
int glyphs_in(const Box& b) { return std::max(1, (3 * b.w()) / std::max(1, 2 * b.h())); }

}  // namespace

DetectorSettings DetectorSettings::for_acquisitions() {
  DetectorSettings s;
  s.contrast = 0.15;  // glyphs are drawn near full contrast; vessel and tissue edges mostly are not
  // max_height 0: a tenth of the frame, 16 to 40 pixels (annotation fonts, not anatomy)
  s.keep_too_tall = false;
  s.min_marks = 3;
  s.min_height = 4;
  s.max_aspect = 12;  // a word whose letters touch is one mark; a vessel is longer
  s.ink_tolerance = 0.05;
  s.padding = 3;
  return s;
}

std::vector<Rect> detect_text(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits_stored,
                              bool palette, const DetectorSettings& s) {
  if (cols <= 0 || rows <= 0 || planes.empty()) return {};
  const int full_scale = (1 << std::clamp(bits_stored, 1, 16)) - 1;
  std::vector<int> t;
  for (const auto& p : planes) {
    auto [lo, hi] = std::minmax_element(p.begin(), p.end());
    if (*lo == *hi) t.push_back(0);  // a uniform plane has no strokes
    else t.push_back(palette ? 1 : edge_threshold(p, cols, *hi - *lo, s.contrast, std::max(1, full_scale / 32)));
  }
  const int max_h = s.max_height > 0 ? s.max_height : s.ink_tolerance > 0 ? std::clamp(rows / 10, 16, 40) : std::max(64, rows / 3);
  std::vector<Box> marks;
  if (s.ink_tolerance > 0 && !palette) {
    marks = ink_marks(planes, cols, rows, full_scale, max_h, s);
  } else {
    collect_marks(planes, cols, Box{0, 0, cols - 1, rows - 1}, t, max_h, s, 0, marks);
    if (s.min_marks > 1 || s.min_height > 0 || s.max_aspect > 0)
      std::erase_if(marks, [&](const Box& b) { return !character_sized(b, max_h, s); });
  }

  // Join marks into lines; a grid of cells keeps this near-linear on busy frames.
  constexpr int kCell = 64;
  const int gx = (cols + kCell - 1) / kCell;
  std::unordered_map<int, std::vector<int>> grid;
  for (int i = 0; i < int(marks.size()); ++i)
    for (int cy = marks[i].y0 / kCell; cy <= marks[i].y1 / kCell; ++cy)
      for (int cx = marks[i].x0 / kCell; cx <= marks[i].x1 / kCell; ++cx) grid[cy * gx + cx].push_back(i);
  const bool strict = s.min_marks > 1;
  UnionFind uf(marks.size());
  for (int i = 0; i < int(marks.size()); ++i) {
    const Box& a = marks[i];
    const int reach = int(s.line_gap * a.h()) + 2;
    for (int cy = a.y0 / kCell; cy <= a.y1 / kCell; ++cy)
      for (int cx = std::max(0, (a.x0 - reach) / kCell); cx <= std::min(gx - 1, (a.x1 + reach) / kCell); ++cx) {
        auto it = grid.find(cy * gx + cx);
        if (it == grid.end()) continue;
        for (int j : it->second)
          if (j > i && uf.find(i) != uf.find(j) && same_line(a, marks[j], s.line_gap, strict)) uf.join(i, j);
      }
  }
  std::unordered_map<int, Box> lines;
  std::unordered_map<int, int> glyphs_per_line, tallest_mark;
  for (int i = 0; i < int(marks.size()); ++i) {
    glyphs_per_line[uf.find(i)] += glyphs_in(marks[i]);
    int& tallest = tallest_mark[uf.find(i)];
    tallest = std::max(tallest, marks[i].h());
    auto [it, fresh] = lines.try_emplace(uf.find(i), marks[i]);
    if (fresh) continue;
    Box& l = it->second;
    l.x0 = std::min(l.x0, marks[i].x0); l.y0 = std::min(l.y0, marks[i].y0);
    l.x1 = std::max(l.x1, marks[i].x1); l.y1 = std::max(l.y1, marks[i].y1);
  }
  std::vector<Rect> out;
  for (const auto& [root, l] : lines) {
    // Strict: a line is one row of glyphs; a chain of marks drifting down the frame is texture.
    if (glyphs_per_line[root] < s.min_marks || (strict && (l.h() > max_h || l.h() * 2 > tallest_mark[root] * 3))) continue;
    const int pad = std::max(s.padding, strict ? l.h() / 2 : l.h() / 4);
    // Strict lines may have lost a thin end glyph ("I", "1") that never reached the ink value.
    const int pad_x = strict ? std::max(pad, (3 * l.h()) / 5) : pad;
    out.push_back(Rect{l.x0 - pad_x, l.y0 - pad, l.w() + 2 * pad_x, l.h() + 2 * pad}.clipped(cols, rows));
  }
  std::sort(out.begin(), out.end(), [](const Rect& a, const Rect& b) { return std::tie(a.y, a.x, a.w, a.h) < std::tie(b.y, b.x, b.w, b.h); });
  return out;
}

}  // namespace dicomscrub::pixel
