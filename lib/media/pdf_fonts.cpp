// lib/media/pdf_fonts.cpp — see pdf_fonts.hpp. C++17 (qpdf headers).
#include "media/pdf_fonts.hpp"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include <qpdf/BufferInputSource.hh>
#include <qpdf/QPDFTokenizer.hh>

namespace dicomscrub::document {

namespace {

// Untrusted CMaps: one bfrange and one font's map stay small whatever the stream says.
constexpr std::uint32_t kMaxRange = 0x10000;
constexpr std::size_t kMaxEntries = 200000;

std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) s += char(cp);
  else if (cp < 0x800) { s += char(0xC0 | (cp >> 6)); s += char(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { s += char(0xE0 | (cp >> 12)); s += char(0x80 | ((cp >> 6) & 0x3F)); s += char(0x80 | (cp & 0x3F)); }
  else { s += char(0xF0 | (cp >> 18)); s += char(0x80 | ((cp >> 12) & 0x3F)); s += char(0x80 | ((cp >> 6) & 0x3F)); s += char(0x80 | (cp & 0x3F)); }
  return s;
}

std::string utf16be_to_utf8(const std::vector<std::uint16_t>& units) {
  std::string out;
  for (std::size_t i = 0; i < units.size(); ++i) {
    std::uint32_t u = units[i];
    if (u >= 0xD800 && u < 0xDC00 && i + 1 < units.size() && units[i + 1] >= 0xDC00 && units[i + 1] < 0xE000)
      u = 0x10000 + ((u - 0xD800) << 10) + (units[++i] - 0xDC00);
    out += utf8(u);
  }
  return out;
}

std::vector<std::uint16_t> units_of(const std::string& bytes) {
  std::vector<std::uint16_t> u;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) u.push_back(std::uint16_t((std::uint8_t(bytes[i]) << 8) | std::uint8_t(bytes[i + 1])));
  if (bytes.size() == 1) u.push_back(std::uint8_t(bytes[0]));  // a one-byte destination: take it as the code point
  return u;
}

std::uint32_t code_of(const std::string& bytes) {
  std::uint32_t c = 0;
  for (unsigned char b : bytes) c = (c << 8) | b;
  return c;
}

// The glyph names of the Latin letters with diacritics (Adobe Glyph List spellings).
const std::map<std::string, std::uint32_t>& named_glyphs() {
  static const std::map<std::string, std::uint32_t> m = [] {
    std::map<std::string, std::uint32_t> n = {
        {"space", 0x20}, {"exclam", 0x21}, {"quotedbl", 0x22}, {"numbersign", 0x23}, {"dollar", 0x24}, {"percent", 0x25},
        {"ampersand", 0x26}, {"quotesingle", 0x27}, {"parenleft", 0x28}, {"parenright", 0x29}, {"asterisk", 0x2A},
        {"plus", 0x2B}, {"comma", 0x2C}, {"hyphen", 0x2D}, {"period", 0x2E}, {"slash", 0x2F}, {"zero", 0x30},
        {"one", 0x31}, {"two", 0x32}, {"three", 0x33}, {"four", 0x34}, {"five", 0x35}, {"six", 0x36}, {"seven", 0x37},
        {"eight", 0x38}, {"nine", 0x39}, {"colon", 0x3A}, {"semicolon", 0x3B}, {"less", 0x3C}, {"equal", 0x3D},
        {"greater", 0x3E}, {"question", 0x3F}, {"at", 0x40}, {"bracketleft", 0x5B}, {"backslash", 0x5C},
        {"bracketright", 0x5D}, {"asciicircum", 0x5E}, {"underscore", 0x5F}, {"grave", 0x60}, {"braceleft", 0x7B},
        {"bar", 0x7C}, {"braceright", 0x7D}, {"asciitilde", 0x7E}, {"quoteleft", 0x2018}, {"quoteright", 0x2019},
        {"quotedblleft", 0x201C}, {"quotedblright", 0x201D}, {"quotesinglbase", 0x201A}, {"quotedblbase", 0x201E},
        {"endash", 0x2013}, {"emdash", 0x2014}, {"bullet", 0x2022}, {"ellipsis", 0x2026}, {"minus", 0x2212},
        {"fi", 0xFB01}, {"fl", 0xFB02}, {"ff", 0xFB00}, {"ffi", 0xFB03}, {"ffl", 0xFB04}, {"germandbls", 0xDF},
        {"AE", 0xC6}, {"ae", 0xE6}, {"OE", 0x152}, {"oe", 0x153}, {"Eth", 0xD0}, {"eth", 0xF0}, {"Thorn", 0xDE},
        {"thorn", 0xFE}, {"dotlessi", 0x131}, {"periodcentered", 0xB7}, {"copyright", 0xA9}, {"registered", 0xAE},
        {"degree", 0xB0}, {"section", 0xA7}, {"paragraph", 0xB6}, {"trademark", 0x2122}, {"Euro", 0x20AC},
        {"nbspace", 0xA0}, {"sfthyphen", 0xAD}, {"guillemotleft", 0xAB}, {"guillemotright", 0xBB}, {"mu", 0xB5},
        {"plusminus", 0xB1}, {"multiply", 0xD7}, {"divide", 0xF7}, {"dagger", 0x2020}, {"daggerdbl", 0x2021},
        {"perthousand", 0x2030}, {"ordfeminine", 0xAA}, {"ordmasculine", 0xBA}, {"cent", 0xA2}, {"sterling", 0xA3},
        {"yen", 0xA5}, {"florin", 0x192}, {"exclamdown", 0xA1}, {"questiondown", 0xBF}, {"Lslash", 0x141}, {"lslash", 0x142},
        {"Oslash", 0xD8}, {"oslash", 0xF8}, {"Dcroat", 0x110}, {"dcroat", 0x111}};
    // Letters with diacritics: the base letter's name followed by the accent's (Agrave, scaron, ...).
    static const struct { const char* accent; const char* base; const char32_t* chars; } accented[] = {
        {"grave", "AEIOUaeiou", U"ÀÈÌÒÙàèìòù"}, {"acute", "ACEILNORSUYZaceilnorsuyz", U"ÁĆÉÍĹŃÓŔŚÚÝŹáćéíĺńóŕśúýź"},
        {"circumflex", "ACEGHIJOSUWYaceghijosuwy", U"ÂĈÊĜĤÎĴÔŜÛŴŶâĉêĝĥîĵôŝûŵŷ"}, {"tilde", "AINOUainou", U"ÃĨÑÕŨãĩñõũ"},
        {"dieresis", "AEIOUYaeiouy", U"ÄËÏÖÜŸäëïöüÿ"}, {"ring", "AUau", U"ÅŮåů"}, {"cedilla", "CGKLNRSTcgklnrst", U"ÇĢĶĻŅŖŞŢçģķļņŗşţ"},
        {"caron", "CDELNRSTZcdelnrstz", U"ČĎĚĽŇŘŠŤŽčďěľňřšťž"}, {"ogonek", "AEIUaeiu", U"ĄĘĮŲąęįų"},
        {"dotaccent", "CEGIZcegz", U"ĊĖĠİŻċėġż"}, {"macron", "AEIOUaeiou", U"ĀĒĪŌŪāēīōū"}, {"breve", "AGUagu", U"ĂĞŬăğŭ"},
        {"hungarumlaut", "OUou", U"ŐŰőű"}};
    for (const auto& a : accented)
      for (std::size_t i = 0; a.base[i]; ++i) n[std::string(1, a.base[i]) + a.accent] = a.chars[i];
    return n;
  }();
  return m;
}

// The code point a glyph name stands for; 0 when unknown. Suffixes (".sc", "_alt") are ignored.
std::uint32_t glyph_code_point(std::string name) {
  if (auto dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  if (name.size() == 1 && std::isalpha(static_cast<unsigned char>(name[0]))) return std::uint32_t(name[0]);
  const auto& m = named_glyphs();
  if (auto it = m.find(name); it != m.end()) return it->second;
  auto hex = [](const std::string& s) -> std::uint32_t {
    if (s.empty() || s.size() > 6) return 0;
    for (char c : s) if (!std::isxdigit(static_cast<unsigned char>(c))) return 0;
    return std::uint32_t(std::strtoul(s.c_str(), nullptr, 16));
  };
  if (name.size() == 7 && name.rfind("uni", 0) == 0) return hex(name.substr(3));
  if (name.size() >= 5 && name.size() <= 7 && name[0] == 'u') return hex(name.substr(1));
  return 0;
}

enum class Base { none, standard, winansi, macroman };

std::uint32_t base_code_point(Base base, unsigned code) {
  static const std::uint16_t cp1252[32] = {0x20ac, 0, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160,
                                           0x2039, 0x152, 0, 0x17d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013,
                                           0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0, 0x17e, 0x178};
  static const std::uint16_t mac[128] = {
      0xc4, 0xc5, 0xc7, 0xc9, 0xd1, 0xd6, 0xdc, 0xe1, 0xe0, 0xe2, 0xe4, 0xe3, 0xe5, 0xe7, 0xe9, 0xe8, 0xea, 0xeb, 0xed,
      0xec, 0xee, 0xef, 0xf1, 0xf3, 0xf2, 0xf4, 0xf6, 0xf5, 0xfa, 0xf9, 0xfb, 0xfc, 0x2020, 0xb0, 0xa2, 0xa3, 0xa7, 0x2022,
      0xb6, 0xdf, 0xae, 0xa9, 0x2122, 0xb4, 0xa8, 0x2260, 0xc6, 0xd8, 0x221e, 0xb1, 0x2264, 0x2265, 0xa5, 0xb5, 0x2202,
      0x2211, 0x220f, 0x3c0, 0x222b, 0xaa, 0xba, 0x3a9, 0xe6, 0xf8, 0xbf, 0xa1, 0xac, 0x221a, 0x192, 0x2248, 0x2206, 0xab,
      0xbb, 0x2026, 0xa0, 0xc0, 0xc3, 0xd5, 0x152, 0x153, 0x2013, 0x2014, 0x201c, 0x201d, 0x2018, 0x2019, 0xf7, 0x25ca,
      0xff, 0x178, 0x2044, 0x20ac, 0x2039, 0x203a, 0xfb01, 0xfb02, 0x2021, 0xb7, 0x201a, 0x201e, 0x2030, 0xc2, 0xca, 0xc1,
      0xcb, 0xc8, 0xcd, 0xce, 0xcf, 0xcc, 0xd3, 0xd4, 0xf8ff, 0xd2, 0xda, 0xdb, 0xd9, 0x131, 0x2c6, 0x2dc, 0xaf, 0x2d8,
      0x2d9, 0x2da, 0xb8, 0x2dd, 0x2db, 0x2c7};
  // Adobe StandardEncoding's upper half, the codes that have a glyph.
  static const std::map<unsigned, std::uint32_t> standard_high = {
      {0xA1, 0xA1}, {0xA2, 0xA2}, {0xA3, 0xA3}, {0xA4, 0x2044}, {0xA5, 0xA5}, {0xA6, 0x192}, {0xA7, 0xA7}, {0xA8, 0xA4},
      {0xA9, 0x27}, {0xAA, 0x201C}, {0xAB, 0xAB}, {0xAC, 0x2039}, {0xAD, 0x203A}, {0xAE, 0xFB01}, {0xAF, 0xFB02},
      {0xB1, 0x2013}, {0xB2, 0x2020}, {0xB3, 0x2021}, {0xB4, 0xB7}, {0xB6, 0xB6}, {0xB7, 0x2022}, {0xB8, 0x201A},
      {0xB9, 0x201E}, {0xBA, 0x201D}, {0xBB, 0xBB}, {0xBC, 0x2026}, {0xBD, 0x2030}, {0xBF, 0xBF}, {0xC1, 0x60},
      {0xC2, 0xB4}, {0xC3, 0x2C6}, {0xC4, 0x2DC}, {0xC5, 0xAF}, {0xC6, 0x2D8}, {0xC7, 0x2D9}, {0xC8, 0xA8}, {0xCA, 0x2DA},
      {0xCB, 0xB8}, {0xCD, 0x2DD}, {0xCE, 0x2DB}, {0xCF, 0x2C7}, {0xD0, 0x2014}, {0xE1, 0xC6}, {0xE3, 0xAA}, {0xE8, 0x141},
      {0xE9, 0xD8}, {0xEA, 0x152}, {0xEB, 0xBA}, {0xF1, 0xE6}, {0xF5, 0x131}, {0xF8, 0x142}, {0xF9, 0xF8}, {0xFA, 0x153},
      {0xFB, 0xDF}};
  if (base == Base::none) return 0;
  if (code >= 0x20 && code < 0x7F) {
    if (base == Base::standard && code == 0x27) return 0x2019;
    if (base == Base::standard && code == 0x60) return 0x2018;
    return code;
  }
  if (base == Base::winansi) return code >= 0xA0 ? code : (code >= 0x80 ? cp1252[code - 0x80] : 0);
  if (base == Base::macroman) return code >= 0x80 ? mac[code - 0x80] : 0;
  auto it = standard_high.find(code);
  return it == standard_high.end() ? 0 : it->second;
}

Base base_named(const std::string& name, Base otherwise) {
  if (name == "/WinAnsiEncoding") return Base::winansi;
  if (name == "/MacRomanEncoding") return Base::macroman;
  if (name == "/StandardEncoding") return Base::standard;
  return otherwise;
}

// bfchar and bfrange entries of a ToUnicode CMap; false when it cannot be read within the limits.
bool read_to_unicode(QPDFObjectHandle stream, std::map<std::uint32_t, std::string>& out) {
  if (!stream.isStream()) return false;
  auto data = stream.getStreamData(qpdf_dl_generalized);
  std::string text(reinterpret_cast<const char*>(data->getBuffer()), data->getSize());
  auto input = std::make_shared<BufferInputSource>("ToUnicode", text);
  QPDFTokenizer tok;
  tok.allowEOF();
  enum class In { none, bfchar, bfrange } in = In::none;
  std::vector<QPDFTokenizer::Token> pending;  // operands of the current entry
  std::vector<std::string> array;             // destinations of a bfrange given as an array
  bool in_array = false;
  for (int guard = 0; guard < 4000000; ++guard) {
    QPDFTokenizer::Token t = tok.readToken(input, "ToUnicode", true);
    auto type = t.getType();
    if (type == QPDFTokenizer::tt_eof) return true;
    if (type == QPDFTokenizer::tt_bad) return false;
    if (type == QPDFTokenizer::tt_word) {
      const std::string& w = t.getValue();
      if (w == "beginbfchar") in = In::bfchar;
      else if (w == "beginbfrange") in = In::bfrange;
      else if (w == "endbfchar" || w == "endbfrange") in = In::none;
      pending.clear();
      continue;
    }
    if (in == In::none) continue;
    if (type == QPDFTokenizer::tt_array_open) { in_array = true; array.clear(); continue; }
    if (type == QPDFTokenizer::tt_array_close) {
      in_array = false;
      if (in == In::bfrange && pending.size() == 2) {
        std::uint32_t lo = code_of(pending[0].getValue()), hi = code_of(pending[1].getValue());
        if (hi < lo || hi - lo >= kMaxRange) return false;
        for (std::uint32_t c = lo; c <= hi && c - lo < array.size(); ++c) out[c] = utf16be_to_utf8(units_of(array[c - lo]));
      }
      pending.clear();
      continue;
    }
    if (type != QPDFTokenizer::tt_string) { pending.clear(); continue; }
    if (in_array) { array.push_back(t.getValue()); continue; }
    pending.push_back(t);
    if (in == In::bfchar && pending.size() == 2) {
      out[code_of(pending[0].getValue())] = utf16be_to_utf8(units_of(pending[1].getValue()));
      pending.clear();
    } else if (in == In::bfrange && pending.size() == 3) {
      std::uint32_t lo = code_of(pending[0].getValue()), hi = code_of(pending[1].getValue());
      if (hi < lo || hi - lo >= kMaxRange) return false;
      std::vector<std::uint16_t> dst = units_of(pending[2].getValue());
      if (dst.empty()) return false;
      for (std::uint32_t c = lo; c <= hi; ++c) {
        out[c] = utf16be_to_utf8(dst);
        ++dst.back();  // the last unit counts up across the range
      }
      pending.clear();
    }
    if (out.size() > kMaxEntries) return false;
  }
  return false;
}

double number_or(QPDFObjectHandle h, double otherwise) { return h.isNumber() ? h.getNumericValue() : otherwise; }

// A character code from an untrusted number: in range before it is converted (a double outside
// the target type is undefined behaviour); otherwise `bad`.
std::uint32_t code_from(QPDFObjectHandle h, bool& bad) {
  const double v = h.isNumber() ? h.getNumericValue() : -1;
  if (!(v >= 0 && v <= 0xFFFFFF)) { bad = true; return 0; }
  return std::uint32_t(v);
}

}  // namespace

PdfFont read_font(QPDFObjectHandle font) {
  PdfFont f;
  try {
    if (!font.isDictionary()) return f;
    QPDFObjectHandle subtype = font.getKey("/Subtype");
    const std::string sub = subtype.isName() ? subtype.getName() : "";
    QPDFObjectHandle to_unicode = font.getKey("/ToUnicode");
    if (sub == "/Type0") {
      QPDFObjectHandle enc = font.getKey("/Encoding");
      if (!enc.isName() || enc.getName() != "/Identity-H") return f;  // vertical writing or a CMap we do not read
      QPDFObjectHandle kids = font.getKey("/DescendantFonts");
      if (!kids.isArray() || kids.getArrayNItems() < 1) return f;
      QPDFObjectHandle cid = kids.getArrayItem(0);
      if (!cid.isDictionary()) return f;
      f.code_bytes = 2;
      f.default_width = number_or(cid.getKey("/DW"), 1000);
      QPDFObjectHandle w = cid.getKey("/W");
      if (w.isArray()) {
        std::vector<QPDFObjectHandle> items = w.getArrayAsVector();
        for (std::size_t i = 0; i + 1 < items.size() && f.widths.size() < kMaxEntries;) {
          if (!items[i].isNumber()) return f;
          bool bad = false;
          const std::uint32_t first = code_from(items[i], bad);
          if (bad) return f;
          if (items[i + 1].isArray()) {
            std::uint32_t c = first;
            for (auto& x : items[i + 1].getArrayAsVector()) f.widths[c++] = number_or(x, f.default_width);
            i += 2;
          } else if (i + 2 < items.size() && items[i + 1].isNumber()) {
            const std::uint32_t last = code_from(items[i + 1], bad);
            if (bad || last < first || last - first >= kMaxRange) return f;
            for (std::uint32_t c = first; c <= last; ++c) f.widths[c] = number_or(items[i + 2], f.default_width);
            i += 3;
          } else {
            return f;
          }
        }
      }
      // Composite fonts spell nothing without ToUnicode as far as we can tell: poppler may guess
      // from the character collection, we do not.
      if (!read_to_unicode(to_unicode, f.text)) return f;
      f.editable = true;
      return f;
    }
    if (sub != "/Type1" && sub != "/MMType1" && sub != "/TrueType") return f;  // Type3 glyphs are drawings
    QPDFObjectHandle descriptor = font.getKey("/FontDescriptor");
    if (descriptor.isDictionary()) f.default_width = number_or(descriptor.getKey("/MissingWidth"), f.default_width);
    QPDFObjectHandle first = font.getKey("/FirstChar"), widths = font.getKey("/Widths");
    if (first.isNumber() && widths.isArray()) {
      bool bad = false;
      std::uint32_t c = code_from(first, bad);
      if (bad) return f;
      for (auto& x : widths.getArrayAsVector()) {
        if (c > 255) break;
        f.widths[c++] = number_or(x, f.default_width);
      }
    }
    QPDFObjectHandle base_font = font.getKey("/BaseFont");
    const std::string name = base_font.isName() ? base_font.getName() : "";
    bool symbolic = name.find("Symbol") != std::string::npos || name.find("Dingbats") != std::string::npos;
    if (descriptor.isDictionary() && descriptor.getKey("/Flags").isInteger())
      symbolic = symbolic || (descriptor.getKey("/Flags").getIntValue() & 4) != 0;
    // A symbolic font's built-in encoding lives in its font program, which we do not read.
    Base base = symbolic ? Base::none : Base::standard;
    QPDFObjectHandle enc = font.getKey("/Encoding");
    std::map<unsigned, std::uint32_t> differences;
    if (enc.isName()) {
      base = base_named(enc.getName(), base);
    } else if (enc.isDictionary()) {
      QPDFObjectHandle b = enc.getKey("/BaseEncoding");
      if (b.isName()) base = base_named(b.getName(), base);
      QPDFObjectHandle diff = enc.getKey("/Differences");
      if (diff.isArray()) {
        unsigned code = 0;
        for (auto& x : diff.getArrayAsVector()) {
          if (x.isInteger()) code = unsigned(x.getIntValue());
          else if (x.isName() && code < 256) differences[code++] = glyph_code_point(x.getName().substr(1));
        }
      }
    }
    for (unsigned c = 0; c < 256; ++c) {
      auto d = differences.find(c);
      std::uint32_t cp = d != differences.end() ? d->second : base_code_point(base, c);
      if (cp) f.text[c] = utf8(cp);
    }
    if (to_unicode.isStream()) {
      std::map<std::uint32_t, std::string> tu;
      if (!read_to_unicode(to_unicode, tu)) return f;
      for (auto& [code, s] : tu) if (code < 256) f.text[code] = s;
    }
    f.editable = true;
  } catch (const std::exception&) {
    f.editable = false;
  }
  return f;
}

}  // namespace dicomscrub::document
