// lib/phi/needles.hpp — many byte strings found in one pass over a text (Aho–Corasick). The
// detector compiles the instance's identifiers in their folded forms (IDs, dates as YYYYMMDD,
// institutions, addresses, names of scripts written without spaces) once per instance, and reads
// each value once instead of once per identifier. Byte-exact: needles and texts are already folded.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace dicomscrub::phi {

class Needles {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  struct Match { std::uint32_t needle, begin; };

  Needles();
  void reserve(std::size_t bytes);  // the needles' total length, to build without reallocating
  // Adds `s`; returns its number (the number of an equal string added before). An empty string is
  // not a needle (kNone): it would match everywhere.
  std::uint32_t add(std::string_view s);
  // After the last add, before the first find_all.
  void compile();
  bool empty() const { return lengths_.empty(); }

  // Every occurrence of every needle in `text`, overlapping ones included, into `out` (cleared),
  // ordered by needle then begin: the order a find() loop per needle would give.
  void find_all(std::string_view text, std::vector<Match>& out) const;
  // The matches of `needle` in `all` (as find_all left them).
  static std::pair<const Match*, const Match*> of(const std::vector<Match>& all, std::uint32_t needle);

 private:
  struct Node { std::uint32_t first_edge = kNone, fail = 0, out = kNone, dict = kNone; };
  struct Edge { std::uint32_t to, next; unsigned char byte; };
  std::uint32_t child(std::uint32_t node, unsigned char c) const;

  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<std::uint32_t> lengths_;  // by needle
  std::uint32_t root_next_[256];        // the root's transitions, dense (0: none, back to the root):
                                        // most bytes of a text end there
};

}  // namespace dicomscrub::phi
