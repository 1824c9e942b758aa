// lib/core/text.hpp — the small string helpers DICOM values need: split on a delimiter, join, and
// trim the padding (spaces, NUL) that PS3.5 puts at the end of values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dicomscrub::detail {

inline std::string trim_value(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

// ASCII case folding, the same in every locale (a host process's locale must not change what
// matches, or outputs would differ between machines).
inline std::string lower_ascii(std::string_view s) {
  std::string o(s);
  for (char& c : o) if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return o;
}

inline std::vector<std::string> split_value(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

inline std::string join_values(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

}  // namespace dicomscrub::detail
