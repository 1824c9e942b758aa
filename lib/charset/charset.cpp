// lib/charset/charset.cpp — see charset.hpp. Conversion tables come from glibc's iconv.
#include "charset/charset.hpp"

#include <iconv.h>

#include <cstring>
#include <map>
#include <memory>

namespace dicomscrub::charset {
namespace {

enum class Set {
  ascii, jis_roman, jis_x0208, jis_x0212,                    // G0
  latin1, latin2, latin3, latin4, cyrillic, arabic, greek,    // G1, single byte
  hebrew, latin5, latin9, thai, katakana, ksx1001, gb2312,    // G1
  utf8, gb18030, gbk, unknown                                 // whole-value encodings
};

const char* iconv_name(Set s) {
  switch (s) {
    case Set::latin1: return "ISO-8859-1";
    case Set::latin2: return "ISO-8859-2";
    case Set::latin3: return "ISO-8859-3";
    case Set::latin4: return "ISO-8859-4";
    case Set::cyrillic: return "ISO-8859-5";
    case Set::arabic: return "ISO-8859-6";
    case Set::greek: return "ISO-8859-7";
    case Set::hebrew: return "ISO-8859-8";
    case Set::latin5: return "ISO-8859-9";
    case Set::latin9: return "ISO-8859-15";
    case Set::thai: return "TIS-620";
    case Set::jis_x0208: case Set::jis_x0212: return "EUC-JP";
    case Set::ksx1001: return "EUC-KR";
    case Set::gb2312: return "GB2312";
    case Set::utf8: return "UTF-8";
    case Set::gb18030: return "GB18030";
    case Set::gbk: return "GBK";
    default: return nullptr;
  }
}

struct Term { Set g0; Set g1; bool extension; };

bool term_info(const std::string& t, Term& out) {
  static const std::map<std::string, Term> table = {
      {"", {Set::ascii, Set::unknown, false}},            {"ISO_IR 6", {Set::ascii, Set::unknown, false}},
      {"ISO_IR 100", {Set::ascii, Set::latin1, false}},    {"ISO_IR 101", {Set::ascii, Set::latin2, false}},
      {"ISO_IR 109", {Set::ascii, Set::latin3, false}},    {"ISO_IR 110", {Set::ascii, Set::latin4, false}},
      {"ISO_IR 144", {Set::ascii, Set::cyrillic, false}},  {"ISO_IR 127", {Set::ascii, Set::arabic, false}},
      {"ISO_IR 126", {Set::ascii, Set::greek, false}},     {"ISO_IR 138", {Set::ascii, Set::hebrew, false}},
      {"ISO_IR 148", {Set::ascii, Set::latin5, false}},    {"ISO_IR 203", {Set::ascii, Set::latin9, false}},
      {"ISO_IR 166", {Set::ascii, Set::thai, false}},      {"ISO_IR 13", {Set::jis_roman, Set::katakana, false}},
      {"ISO_IR 192", {Set::utf8, Set::utf8, false}},       {"GB18030", {Set::gb18030, Set::gb18030, false}},
      {"GBK", {Set::gbk, Set::gbk, false}},
      {"ISO 2022 IR 6", {Set::ascii, Set::unknown, true}},     {"ISO 2022 IR 100", {Set::ascii, Set::latin1, true}},
      {"ISO 2022 IR 101", {Set::ascii, Set::latin2, true}},    {"ISO 2022 IR 109", {Set::ascii, Set::latin3, true}},
      {"ISO 2022 IR 110", {Set::ascii, Set::latin4, true}},    {"ISO 2022 IR 144", {Set::ascii, Set::cyrillic, true}},
      {"ISO 2022 IR 127", {Set::ascii, Set::arabic, true}},    {"ISO 2022 IR 126", {Set::ascii, Set::greek, true}},
      {"ISO 2022 IR 138", {Set::ascii, Set::hebrew, true}},    {"ISO 2022 IR 148", {Set::ascii, Set::latin5, true}},
      {"ISO 2022 IR 203", {Set::ascii, Set::latin9, true}},    {"ISO 2022 IR 166", {Set::ascii, Set::thai, true}},
      {"ISO 2022 IR 13", {Set::jis_roman, Set::katakana, true}}, {"ISO 2022 IR 87", {Set::jis_x0208, Set::unknown, true}},
      {"ISO 2022 IR 159", {Set::jis_x0212, Set::unknown, true}}, {"ISO 2022 IR 149", {Set::ascii, Set::ksx1001, true}},
      {"ISO 2022 IR 58", {Set::ascii, Set::gb2312, true}},
  };
  // Every value of an instance asks for the same term or two: the last answer is kept per thread.
  thread_local std::string last_term;
  thread_local const Term* last = nullptr;
  if (last && t == last_term) {
    out = *last;
    return true;
  }
  auto it = table.find(t);
  if (it == table.end()) return false;
  last_term = t;
  last = &it->second;
  out = it->second;
  return true;
}

void append_replacement(std::string& out) { out += "\xEF\xBF\xBD"; }

void append_cp(std::string& out, unsigned cp) {
  if (cp < 0x80) out += char(cp);
  else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 0x3F)); }
  else { out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F)); }
}

// iconv descriptors are costly to open: one per encoding per thread.
iconv_t converter(const char* name) {
  struct Cache {
    std::map<std::string, iconv_t> m;
    ~Cache() { for (auto& [k, v] : m) if (v != iconv_t(-1)) iconv_close(v); }
  };
  static thread_local Cache cache;
  auto it = cache.m.find(name);
  if (it != cache.m.end()) return it->second;
  iconv_t cd = iconv_open("UTF-8", name);
  cache.m.emplace(name, cd);
  return cd;
}

void convert(const char* from, const std::uint8_t* p, std::size_t n, std::string& out) {
  iconv_t cd = converter(from);
  if (cd == iconv_t(-1)) { for (std::size_t i = 0; i < n; ++i) append_replacement(out); return; }
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  char* in = const_cast<char*>(reinterpret_cast<const char*>(p));
  std::size_t in_left = n;
  char buf[1024];
  while (in_left > 0) {
    char* o = buf;
    std::size_t o_left = sizeof buf;
    std::size_t rc = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, std::size_t(o - buf));
    if (rc == std::size_t(-1)) {
      if (errno == E2BIG) continue;
      append_replacement(out);  // invalid or incomplete: skip one byte and go on
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
}

void decode_run(Set s, const std::uint8_t* p, std::size_t n, std::string& out) {
  switch (s) {
    case Set::ascii:
      for (std::size_t i = 0; i < n; ++i) (p[i] < 0x80) ? void(out += char(p[i])) : append_replacement(out);
      return;
    case Set::jis_roman:
      for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == 0x5C) append_cp(out, 0xA5);
        else if (p[i] == 0x7E) append_cp(out, 0x203E);
        else if (p[i] < 0x80) out += char(p[i]);
        else append_replacement(out);
      }
      return;
    case Set::katakana:
      for (std::size_t i = 0; i < n; ++i) {
        if (p[i] >= 0xA1 && p[i] <= 0xDF) append_cp(out, 0xFF61 + (p[i] - 0xA1));
        else append_replacement(out);
      }
      return;
    case Set::jis_x0208: {  // 7-bit pairs: set the high bits to get EUC-JP
      std::string euc;
      for (std::size_t i = 0; i < n; ++i) euc += char(p[i] | 0x80);
      convert("EUC-JP", reinterpret_cast<const std::uint8_t*>(euc.data()), euc.size(), out);
      return;
    }
    case Set::jis_x0212: {
      std::string euc;
      for (std::size_t i = 0; i + 1 < n; i += 2) { euc += char(0x8F); euc += char(p[i] | 0x80); euc += char(p[i + 1] | 0x80); }
      if (n % 2) append_replacement(out);
      convert("EUC-JP", reinterpret_cast<const std::uint8_t*>(euc.data()), euc.size(), out);
      return;
    }
    case Set::unknown:
      for (std::size_t i = 0; i < n; ++i) append_replacement(out);
      return;
    default:
      convert(iconv_name(s), p, n, out);
  }
}

bool is_delimiter(std::uint8_t b, VR vr) {
  if (b == '\\' || b == '\r' || b == '\n' || b == '\f' || b == '\t') return true;
  return vr == vrs::PN && (b == '^' || b == '=');
}

// Reads an escape sequence at p (p[0] == ESC); returns its length, or 0 if unknown.
std::size_t parse_escape(const std::uint8_t* p, std::size_t n, Set& g0, Set& g1) {
  auto is = [&](const char* seq) { std::size_t l = std::strlen(seq); return n >= l && std::memcmp(p, seq, l) == 0 ? l : 0; };
  struct { const char* seq; bool g0; Set set; } table[] = {
      {"\x1B(B", true, Set::ascii},       {"\x1B(J", true, Set::jis_roman},  {"\x1B$B", true, Set::jis_x0208},
      {"\x1B$@", true, Set::jis_x0208},   {"\x1B$(D", true, Set::jis_x0212}, {"\x1B-A", false, Set::latin1},
      {"\x1B-B", false, Set::latin2},     {"\x1B-C", false, Set::latin3},    {"\x1B-D", false, Set::latin4},
      {"\x1B-L", false, Set::cyrillic},   {"\x1B-G", false, Set::arabic},    {"\x1B-F", false, Set::greek},
      {"\x1B-H", false, Set::hebrew},     {"\x1B-M", false, Set::latin5},    {"\x1B-b", false, Set::latin9},
      {"\x1B-T", false, Set::thai},       {"\x1B)I", false, Set::katakana},  {"\x1B$)C", false, Set::ksx1001},
      {"\x1B$)A", false, Set::gb2312},
  };
  for (const auto& e : table) {
    if (std::size_t l = is(e.seq)) {
      (e.g0 ? g0 : g1) = e.set;
      return l;
    }
  }
  return 0;
}

}  // namespace

std::vector<std::string> parse_terms(std::string_view value) {
  std::vector<std::string> terms;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = value.find('\\', start);
    std::string_view t = value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!t.empty() && (t.front() == ' ')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\0')) t.remove_suffix(1);
    terms.emplace_back(t);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return terms;
}

std::vector<std::string> terms_of(const Dataset& ds, const std::vector<std::string>& inherited) {
  if (const Element* e = ds.find(tags::specific_character_set))
    if (auto b = e->value.bytes()) return parse_terms(std::string_view(reinterpret_cast<const char*>(b->data()), b->size()));
  return inherited;
}

bool supported(const std::vector<std::string>& terms) {
  Term t;
  for (const auto& s : terms)
    if (!term_info(s, t)) return false;
  return true;
}

std::string decode(Bytes value, const std::vector<std::string>& terms, VR vr) {
  std::string out;
  out.reserve(value.size());
  Term first{Set::ascii, Set::unknown, false};
  if (!terms.empty() && !term_info(terms[0], first)) first = {Set::ascii, Set::unknown, false};
  bool extension = first.extension || terms.size() > 1;
  // Most values are ASCII: in every repertoire whose G0 is ASCII (or a superset: UTF-8, GB18030,
  // GBK) they decode to themselves, with no escape to switch sets (not JIS X 0201, whose 0x5C is ¥).
  if (first.g0 == Set::ascii || first.g0 == Set::utf8 || first.g0 == Set::gb18030 || first.g0 == Set::gbk) {
    bool plain = true;
    for (std::uint8_t c : value) plain &= c < 0x80 && c != 0x1B;
    if (plain) {
      out.assign(reinterpret_cast<const char*>(value.data()), value.size());
      return out;
    }
  }
  if (!extension) {
    if (first.g0 == Set::utf8 || first.g0 == Set::gb18030 || first.g0 == Set::gbk) {
      convert(iconv_name(first.g0), value.data(), value.size(), out);
      return out;
    }
  }
  // GB18030/GBK/UTF-8 cannot take part in code extension: treat escapes as errors in them.
  const Set init_g0 = first.g0, init_g1 = first.g1;
  Set g0 = init_g0, g1 = init_g1;
  std::size_t i = 0;
  const std::uint8_t* p = value.data();
  const std::size_t n = value.size();
  while (i < n) {
    if (p[i] == 0x1B) {
      std::size_t l = extension ? parse_escape(p + i, n - i, g0, g1) : 0;
      if (l == 0) { append_replacement(out); ++i; continue; }
      i += l;
      continue;
    }
    const bool high = p[i] >= 0x80;
    const Set s = high ? g1 : g0;
    std::size_t j = i;
    while (j < n && p[j] != 0x1B && (p[j] >= 0x80) == high) {
      bool single_g0 = !high && (g0 == Set::ascii || g0 == Set::jis_roman);
      if (single_g0 && is_delimiter(p[j], vr)) break;
      ++j;
    }
    if (j == i) {  // a delimiter: reset the code extension state (PS3.5 6.1.2.5.3)
      out += char(p[i]);
      ++i;
      g0 = init_g0;
      g1 = init_g1;
      continue;
    }
    decode_run(s, p + i, j - i, out);
    i = j;
  }
  return out;
}

}  // namespace dicomscrub::charset

namespace dicomscrub::charset {

std::optional<std::string> encode(std::string_view utf8, const std::vector<std::string>& terms) {
  bool ascii = true;
  for (unsigned char c : utf8) if (c >= 0x80) { ascii = false; break; }
  if (ascii) return std::string(utf8);
  Term first{Set::ascii, Set::unknown, false};
  if (!terms.empty() && !term_info(terms[0], first)) return std::nullopt;
  if (first.extension || terms.size() > 1) return std::nullopt;
  const char* to = nullptr;
  if (first.g0 == Set::utf8) return std::string(utf8);
  if (first.g0 == Set::gb18030 || first.g0 == Set::gbk) to = iconv_name(first.g0);
  else if (first.g1 != Set::unknown && first.g1 != Set::katakana) to = iconv_name(first.g1);
  if (!to) return std::nullopt;
  iconv_t cd = iconv_open(to, "UTF-8");
  if (cd == iconv_t(-1)) return std::nullopt;
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* o = out.data();
  std::size_t o_left = out.size();
  std::size_t rc = iconv(cd, &in, &in_left, &o, &o_left);
  iconv_close(cd);
  if (rc == std::size_t(-1) || in_left != 0) return std::nullopt;
  out.resize(out.size() - o_left);
  return out;
}

}  // namespace dicomscrub::charset
