// lib/deid/model3d.cpp — see model3d.hpp.
#include "deid/model3d.hpp"

#include <fmt/format.h>

#include <string_view>

namespace dicomscrub::deid {
namespace {

CleanedModel refused(std::string why) {
  CleanedModel m;
  m.refused = "Encapsulated STL " + std::move(why) + ": its content cannot be cleaned";
  return m;
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// A number as STL writers print them: [+-]digits[.digits][e[+-]digits], or the same from '.'.
bool number(std::string_view w) {
  std::size_t i = 0, digits = 0;
  if (i < w.size() && (w[i] == '+' || w[i] == '-')) ++i;
  for (; i < w.size() && w[i] >= '0' && w[i] <= '9'; ++i) ++digits;
  if (i < w.size() && w[i] == '.')
    for (++i; i < w.size() && w[i] >= '0' && w[i] <= '9'; ++i) ++digits;
  if (digits == 0) return false;
  if (i < w.size() && (w[i] == 'e' || w[i] == 'E')) {
    ++i;
    if (i < w.size() && (w[i] == '+' || w[i] == '-')) ++i;
    std::size_t exp = 0;
    for (; i < w.size() && w[i] >= '0' && w[i] <= '9'; ++i) ++exp;
    if (exp == 0) return false;
  }
  return i == w.size();
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    std::size_t b = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (i > b) out.push_back(line.substr(b, i - b));
  }
  return out;
}

// One line of an ASCII STL's body: keywords and the numbers they take, nothing else.
bool body_line(const std::vector<std::string_view>& w) {
  auto numbers_from = [&](std::size_t k) {
    if (w.size() != k + 3) return false;
    for (std::size_t i = k; i < w.size(); ++i)
      if (!number(w[i])) return false;
    return true;
  };
  if (w.size() == 1) return w[0] == "endloop" || w[0] == "endfacet";
  if (w[0] == "facet") return w.size() >= 2 && w[1] == "normal" && numbers_from(2);
  if (w[0] == "outer") return w.size() == 2 && w[1] == "loop";
  if (w[0] == "vertex") return numbers_from(1);
  return false;
}

CleanedModel clean_ascii(std::string_view text) {
  CleanedModel m;
  std::string out;
  out.reserve(text.size());
  std::size_t solids = 0, names = 0, line_no = 0;
  bool open = false;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t nl = text.find('\n', at);
    std::string_view line = text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    at = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    auto w = words(line);
    std::string_view eol = nl == std::string_view::npos ? "" : (!line.empty() && line.back() == '\r' ? "\r\n" : "\n");
    if (w.empty()) {
      if (line.find_first_not_of(" \t\r\f\v") != std::string_view::npos) return refused(fmt::format("line {}", line_no));
      out.append(line).append(nl == std::string_view::npos ? "" : "\n");
      continue;
    }
    if (w[0] == "solid" || w[0] == "endsolid") {
      if ((w[0] == "solid") == open) return refused(fmt::format("line {}: {} out of place", line_no, w[0]));
      open = !open;
      solids += open;
      names += w.size() > 1;
      out.append(line.substr(0, std::size_t(w[0].data() - line.data()))).append(w[0]).append(eol);
      continue;
    }
    if (!open || !body_line(w)) return refused(fmt::format("line {} is no STL", line_no));
    out.append(line).append(nl == std::string_view::npos ? "" : "\n");
  }
  if (solids == 0 || open) return refused("text without a complete solid");
  m.bytes.assign(out.begin(), out.end());
  m.summary = fmt::format("Encapsulated STL (ASCII): {} solid(s) kept, {} name(s) after solid/endsolid removed", solids, names);
  return m;
}

}  // namespace

CleanedModel clean_stl(std::span<const std::uint8_t> doc) {
  // Binary: 80-byte header, a triangle count, 50 bytes per triangle (normal, 3 vertices as 12
  // floats, 2 attribute bytes). Its size decides, whatever the header says ("solid ..." headers
  // are common in binary files).
  if (doc.size() >= 84) {
    const std::uint64_t n = std::uint64_t(doc[80]) | std::uint64_t(doc[81]) << 8 | std::uint64_t(doc[82]) << 16 |
                            std::uint64_t(doc[83]) << 24;
    const std::uint64_t expected = 84 + 50 * n;
    if (doc.size() == expected || (doc.size() == expected + 1 && doc.back() == 0)) {
      CleanedModel m;
      m.bytes.assign(doc.begin(), doc.begin() + std::ptrdiff_t(expected));
      // Not "solid...": readers would take the file for ASCII.
      static constexpr std::string_view header = "binary STL; header cleared by dicomscrub";
      std::fill(m.bytes.begin(), m.bytes.begin() + 80, std::uint8_t(' '));
      std::copy(header.begin(), header.end(), m.bytes.begin());
      std::size_t attributes = 0;
      for (std::uint64_t t = 0; t < n; ++t) {
        std::uint8_t* a = m.bytes.data() + 84 + 50 * t + 48;
        attributes += (a[0] | a[1]) != 0;
        a[0] = a[1] = 0;
      }
      m.summary = fmt::format("Encapsulated STL (binary): {} triangle(s) kept, header cleared, {} attribute word(s) zeroed",
                              n, attributes);
      return m;
    }
  }
  std::string_view text(reinterpret_cast<const char*>(doc.data()), doc.size());
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);  // the pad of an odd-length document
  if (text.find('\0') != std::string_view::npos) return refused("is neither binary (its size does not match its triangle count) nor text");
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text.substr(first, 5) != "solid") return refused("is neither binary STL nor ASCII STL");
  return clean_ascii(text);
}

}  // namespace dicomscrub::deid
