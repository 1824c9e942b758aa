// lib/phi/needles.cpp — see needles.hpp. A trie with sparse edges (a few dozen needles per
// instance: a dense table per node would cost more to build than the scans it saves), failure links
// and dictionary links, and a dense transition table for the root only.
#include "phi/needles.hpp"

#include <algorithm>

namespace dicomscrub::phi {

Needles::Needles() : nodes_(1) { std::fill(std::begin(root_next_), std::end(root_next_), 0u); }

inline std::uint32_t Needles::child(std::uint32_t node, unsigned char c) const {
  if (node == 0) return root_next_[c] == 0 ? kNone : root_next_[c];
  for (std::uint32_t e = nodes_[node].first_edge; e != kNone; e = edges_[e].next)
    if (edges_[e].byte == c) return edges_[e].to;
  return kNone;
}

void Needles::reserve(std::size_t bytes) {
  nodes_.reserve(bytes + 1);
  edges_.reserve(bytes);
}

std::uint32_t Needles::add(std::string_view s) {
  if (s.empty()) return kNone;
  std::uint32_t node = 0;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    std::uint32_t next = child(node, c);
    if (next == kNone) {
      next = std::uint32_t(nodes_.size());
      nodes_.push_back({});
      if (node == 0) {
        root_next_[c] = next;  // the root's edges live in the dense table only
      } else {
        edges_.push_back({next, nodes_[node].first_edge, c});
        nodes_[node].first_edge = std::uint32_t(edges_.size() - 1);
      }
    }
    node = next;
  }
  if (nodes_[node].out == kNone) {
    nodes_[node].out = std::uint32_t(lengths_.size());
    lengths_.push_back(std::uint32_t(s.size()));
  }
  return nodes_[node].out;
}

void Needles::compile() {
  // Breadth first, so a node's failure target (shorter) is settled before the node.
  std::vector<std::uint32_t> queue;
  queue.reserve(nodes_.size());
  for (std::uint32_t next : root_next_)
    if (next != 0) queue.push_back(next);  // their failure link is the root
  for (std::size_t qi = 0; qi < queue.size(); ++qi) {
    const std::uint32_t u = queue[qi];
    for (std::uint32_t e = nodes_[u].first_edge; e != kNone; e = edges_[e].next) {
      const std::uint32_t v = edges_[e].to;
      const unsigned char c = edges_[e].byte;
      std::uint32_t f = nodes_[u].fail;
      std::uint32_t target = kNone;
      while (true) {
        target = child(f, c);
        if (target != kNone || f == 0) break;
        f = nodes_[f].fail;
      }
      nodes_[v].fail = target == kNone ? 0 : target;
      const Node& fv = nodes_[nodes_[v].fail];
      nodes_[v].dict = fv.out != kNone ? nodes_[v].fail : fv.dict;
      queue.push_back(v);
    }
  }
}

void Needles::find_all(std::string_view text, std::vector<Match>& out) const {
  out.clear();
  if (lengths_.empty()) return;
  std::uint32_t s = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::uint32_t n = std::uint32_t(text.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    const unsigned char c = bytes[i];
    if (s == 0) {  // most bytes start no needle: one table look-up each
      s = root_next_[c];
    } else {  // failure links until a node goes on with c (child of the root: kNone when none)
      std::uint32_t next = child(s, c);
      while (next == kNone && s != 0) {
        s = nodes_[s].fail;
        next = child(s, c);
      }
      s = next == kNone ? 0 : next;
    }
    if (s == 0) continue;
    for (std::uint32_t k = nodes_[s].out != kNone ? s : nodes_[s].dict; k != kNone; k = nodes_[k].dict)
      out.push_back({nodes_[k].out, i + 1 - lengths_[nodes_[k].out]});
  }
  // Found by end; wanted by needle then begin (a needle occurs at most once per begin).
  if (out.size() > 1) std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) { return a.needle < b.needle || (a.needle == b.needle && a.begin < b.begin); });
}

std::pair<const Needles::Match*, const Needles::Match*> Needles::of(const std::vector<Match>& all, std::uint32_t needle) {
  auto lo = std::lower_bound(all.begin(), all.end(), needle, [](const Match& m, std::uint32_t n) { return m.needle < n; });
  auto hi = lo;
  while (hi != all.end() && hi->needle == needle) ++hi;
  return {all.data() + (lo - all.begin()), all.data() + (hi - all.begin())};
}

}  // namespace dicomscrub::phi
