// lib/pixel/text_detector.cpp — edge marks → character boxes → lines (see text_detector.hpp).
#include "pixel/text_detector.hpp"

#include <algorithm>
#include <cmath>
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
                   int max_h, int min_size, int depth, std::vector<Box>& out) {
  for (const Box& b : marks_in(planes, cols, area, t)) {
    if (std::max(b.w(), b.h()) < min_size) continue;
    if (b.h() <= max_h || depth >= 3) { out.push_back(b); continue; }
    for (int& v : t) v *= 2;
    collect_marks(planes, cols, b, t, max_h, min_size, depth + 1, out);
    for (int& v : t) v /= 2;
  }
}

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int a) { while (parent[a] != a) a = parent[a] = parent[parent[a]]; return a; }
  void join(int a, int b) { parent[find(a)] = find(b); }
};

bool same_line(const Box& a, const Box& b, double gap_heights) {
  const int overlap = std::min(a.y1, b.y1) - std::max(a.y0, b.y0) + 1;
  if (overlap < 0.3 * std::min(a.h(), b.h())) return false;
  const int gap = std::max(b.x0 - a.x1, a.x0 - b.x1);
  return gap <= gap_heights * std::max(a.h(), b.h()) + 2;
}

}  // namespace

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
  const int max_h = s.max_height > 0 ? s.max_height : std::max(64, rows / 3);
  std::vector<Box> marks;
  collect_marks(planes, cols, Box{0, 0, cols - 1, rows - 1}, t, max_h, s.min_size, 0, marks);

  // Join marks into lines; a grid of cells keeps this near-linear on busy frames.
  constexpr int kCell = 64;
  const int gx = (cols + kCell - 1) / kCell;
  std::unordered_map<int, std::vector<int>> grid;
  for (int i = 0; i < int(marks.size()); ++i)
    for (int cy = marks[i].y0 / kCell; cy <= marks[i].y1 / kCell; ++cy)
      for (int cx = marks[i].x0 / kCell; cx <= marks[i].x1 / kCell; ++cx) grid[cy * gx + cx].push_back(i);
  UnionFind uf(marks.size());
  for (int i = 0; i < int(marks.size()); ++i) {
    const Box& a = marks[i];
    const int reach = int(s.line_gap * a.h()) + 2;
    for (int cy = a.y0 / kCell; cy <= a.y1 / kCell; ++cy)
      for (int cx = std::max(0, (a.x0 - reach) / kCell); cx <= std::min(gx - 1, (a.x1 + reach) / kCell); ++cx) {
        auto it = grid.find(cy * gx + cx);
        if (it == grid.end()) continue;
        for (int j : it->second)
          if (j > i && uf.find(i) != uf.find(j) && same_line(a, marks[j], s.line_gap)) uf.join(i, j);
      }
  }
  std::unordered_map<int, Box> lines;
  for (int i = 0; i < int(marks.size()); ++i) {
    auto [it, fresh] = lines.try_emplace(uf.find(i), marks[i]);
    if (fresh) continue;
    Box& l = it->second;
    l.x0 = std::min(l.x0, marks[i].x0); l.y0 = std::min(l.y0, marks[i].y0);
    l.x1 = std::max(l.x1, marks[i].x1); l.y1 = std::max(l.y1, marks[i].y1);
  }
  std::vector<Rect> out;
  for (const auto& [root, l] : lines) {
    const int pad = std::max(s.padding, l.h() / 4);
    out.push_back(Rect{l.x0, l.y0, l.w(), l.h()}.padded(pad).clipped(cols, rows));
  }
  std::sort(out.begin(), out.end(), [](const Rect& a, const Rect& b) { return std::tie(a.y, a.x, a.w, a.h) < std::tie(b.y, b.x, b.w, b.h); });
  return out;
}

}  // namespace dicomscrub::pixel
