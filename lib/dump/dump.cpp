// lib/dump/dump.cpp — see dump.hpp.
#include "dump/dump.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "charset/charset.hpp"
#include "core/bytes.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"

namespace dicomscrub::dump {
namespace {

using detail::load16;
using detail::load32;

std::vector<std::string> split(const std::string& s, char sep) { return detail::split_value(s, sep); }
std::string trim(std::string s) { return detail::trim_value(std::move(s)); }

using charset::terms_of;

std::string decoded(const Element& e, const std::vector<std::string>& cs) {
  auto b = e.value.bytes();
  if (!b) return {};
  if (is_text_vr(e.vr)) return charset::decode(*b, cs, e.vr);
  // Not subject to the character set: keep ASCII, mark anything else so the output stays UTF-8.
  std::string out;
  for (std::uint8_t c : *b) { if (c < 0x80) out += char(c); else out += "\xEF\xBF\xBD"; }
  return out;
}

// Binary numbers as text, for the VRs that hold them.
std::vector<std::string> numbers(const Element& e, bool be, std::size_t limit) {
  std::vector<std::string> out;
  auto b = e.value.bytes();
  if (!b) return out;
  const std::uint8_t* p = b->data();
  std::size_t n = b->size();
  auto each = [&](std::size_t width, auto fn) {
    for (std::size_t i = 0; i + width <= n && out.size() < limit; i += width) out.push_back(fn(p + i));
  };
  using namespace vrs;
  if (e.vr == US) each(2, [&](const std::uint8_t* q) { return fmt::format("{}", load16(q, be)); });
  else if (e.vr == SS) each(2, [&](const std::uint8_t* q) { return fmt::format("{}", std::int16_t(load16(q, be))); });
  else if (e.vr == UL) each(4, [&](const std::uint8_t* q) { return fmt::format("{}", load32(q, be)); });
  else if (e.vr == SL) each(4, [&](const std::uint8_t* q) { return fmt::format("{}", std::int32_t(load32(q, be))); });
  else if (e.vr == FL) each(4, [&](const std::uint8_t* q) { std::uint32_t u = load32(q, be); float f; std::memcpy(&f, &u, 4); return fmt::format("{}", f); });
  else if (e.vr == FD) each(8, [&](const std::uint8_t* q) {
    std::uint64_t u = be ? (std::uint64_t(load32(q, true)) << 32) | load32(q + 4, true) : (std::uint64_t(load32(q + 4, false)) << 32) | load32(q, false);
    double d; std::memcpy(&d, &u, 8); return fmt::format("{}", d); });
  else if (e.vr == AT) each(4, [&](const std::uint8_t* q) { return fmt::format("{:04X}{:04X}", load16(q, be), load16(q + 2, be)); });
  return out;
}

bool is_number_vr(VR vr) {
  using namespace vrs;
  return vr == US || vr == SS || vr == UL || vr == SL || vr == FL || vr == FD || vr == AT;
}

class TextDumper {
 public:
  TextDumper(const TextOptions& o, bool be) : o_(o), be_(be) {}
  void dataset(const Dataset& ds, int depth, const std::vector<std::string>& inherited) {
    auto cs = terms_of(ds, inherited);
    for (const auto& e : ds.elements()) element(e, depth, cs);
  }
  std::string out;

 private:
  void element(const Element& e, int depth, const std::vector<std::string>& cs) {
    std::string indent(std::size_t(depth) * 2, ' ');
    std::string len = e.undefined_length() ? "undef" : fmt::format("{}", e.length);
    std::string kw(dict::keyword(e.tag));
    if (kw.empty()) kw = e.tag.is_private() ? "(private)" : "(unknown)";
    out += fmt::format("{}{} {} {:>8} {:<36}", indent, e.tag.str(), to_string(e.vr), len, kw);
    if (e.form == ElementForm::value) out += " " + value(e, cs);
    else if (e.form == ElementForm::encapsulated) out += fmt::format(" <{} fragments incl. offset table>", e.fragments.size());
    else out += fmt::format(" <{} items>", e.items.size());
    out += '\n';
    if (e.form == ElementForm::sequence) {
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        const Item& it = e.items[i];
        out += fmt::format("{}  item {} ({})\n", indent, i, it.undefined_length() ? std::string("undefined length") : fmt::format("{} bytes", it.length));
        dataset(it.dataset, depth + 2, cs);
      }
    } else if (e.form == ElementForm::encapsulated) {
      for (std::size_t i = 0; i < e.fragments.size(); ++i)
        out += fmt::format("{}  {} {} bytes at {}\n", indent, i == 0 ? "offset table" : fmt::format("fragment {}", i), e.fragments[i].value.size(), e.fragments[i].offset);
    }
  }
  std::string value(const Element& e, const std::vector<std::string>& cs) {
    std::string v;
    if (!e.value.bytes()) return fmt::format("<{} bytes left in the file>", e.value.size());
    if (is_string_vr(e.vr)) v = "[" + trim(decoded(e, cs)) + "]";
    else if (is_number_vr(e.vr)) { auto nums = numbers(e, be_, 16); for (auto& s : nums) v += (v.empty() ? "" : "\\") + s; }
    else v = fmt::format("<{} bytes>", e.value.size());
    if (v.size() > o_.max_value_chars) v = v.substr(0, o_.max_value_chars) + "...";
    for (auto& c : v) if (std::uint8_t(c) < 0x20) c = '.';
    return v;
  }
  const TextOptions& o_;
  bool be_;
};

std::string base64(Bytes b) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    unsigned v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += t[v >> 18]; out += t[(v >> 12) & 63]; out += t[(v >> 6) & 63]; out += t[v & 63];
  }
  if (i + 1 == b.size()) { unsigned v = b[i] << 16; out += t[v >> 18]; out += t[(v >> 12) & 63]; out += "=="; }
  else if (i + 2 == b.size()) { unsigned v = (b[i] << 16) | (b[i + 1] << 8); out += t[v >> 18]; out += t[(v >> 12) & 63]; out += t[(v >> 6) & 63]; out += '='; }
  return out;
}

template <typename W>
class JsonDumper {
 public:
  JsonDumper(W& w, const JsonOptions& o, bool be) : w_(w), o_(o), be_(be) {}
  void dataset(const Dataset& ds, const std::vector<std::string>& inherited) {
    auto cs = terms_of(ds, inherited);
    w_.StartObject();
    for (const auto& e : ds.elements()) {
      if (e.tag.is_group_length()) continue;  // PS3.18 F.2: group lengths are not part of the model
      auto key = fmt::format("{:04X}{:04X}", e.tag.group, e.tag.element);
      w_.Key(key.c_str(), rapidjson::SizeType(key.size()));
      element(e, cs);
    }
    w_.EndObject();
  }

 private:
  void str(const std::string& s) { w_.String(s.c_str(), rapidjson::SizeType(s.size())); }
  void element(const Element& e, const std::vector<std::string>& cs) {
    using namespace vrs;
    w_.StartObject();
    w_.Key("vr");
    str(to_string(e.vr));
    if (e.form == ElementForm::sequence) {
      if (!e.items.empty()) {
        w_.Key("Value");
        w_.StartArray();
        for (const auto& it : e.items) dataset(it.dataset, cs);
        w_.EndArray();
      }
    } else if (e.form == ElementForm::encapsulated || e.vr == OB || e.vr == OW || e.vr == OD || e.vr == OF ||
               e.vr == OL || e.vr == OV || e.vr == UN) {
      if (o_.inline_binary && e.form == ElementForm::value) {
        if (auto b = e.value.bytes(); b && !b->empty()) { w_.Key("InlineBinary"); str(base64(*b)); }
      }
    } else if (!e.value.empty()) {
      if (is_number_vr(e.vr)) {
        w_.Key("Value");
        w_.StartArray();
        for (auto& s : numbers(e, be_, std::size_t(-1))) {
          if (e.vr == AT) str(s);
          else if (e.vr == FL || e.vr == FD) {
            double d = std::strtod(s.c_str(), nullptr);
            if (std::isfinite(d)) w_.Double(d); else w_.Null();  // JSON has no NaN or infinity
          }
          else w_.Int64(std::strtoll(s.c_str(), nullptr, 10));
        }
        w_.EndArray();
      } else {
        std::string text = decoded(e, cs);
        auto parts = (e.vr == LT || e.vr == ST || e.vr == UT || e.vr == UR) ? std::vector<std::string>{text} : split(text, '\\');
        w_.Key("Value");
        w_.StartArray();
        for (auto& p : parts) {
          std::string v = (e.vr == LT || e.vr == ST || e.vr == UT) ? text_trim_right(p) : trim(p);
          if (e.vr == PN) {
            auto groups = split(v, '=');
            w_.StartObject();
            const char* names[] = {"Alphabetic", "Ideographic", "Phonetic"};
            for (std::size_t g = 0; g < groups.size() && g < 3; ++g)
              if (!groups[g].empty()) { w_.Key(names[g]); str(groups[g]); }
            w_.EndObject();
          } else if ((e.vr == IS || e.vr == DS) && !v.empty()) {
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (end && *end == '\0' && std::isfinite(d)) { if (e.vr == IS) w_.Int64(std::int64_t(d)); else w_.Double(d); }
            else str(v);
          } else if (v.empty()) {
            w_.Null();
          } else {
            str(v);
          }
        }
        w_.EndArray();
      }
    }
    w_.EndObject();
  }
  static std::string text_trim_right(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
  }
  W& w_;
  const JsonOptions& o_;
  bool be_;
};

}  // namespace

std::string to_text(const DicomFile& file, const TextOptions& options) {
  std::string head;
  if (!file.path.empty()) head += fmt::format("# {}\n", file.path);
  head += fmt::format("# preamble: {}, transfer syntax: {}{}, encoding: {} VR {}{}\n", file.has_preamble ? "yes" : "no",
                      file.transfer_syntax_uid.empty() ? "(none)" : file.transfer_syntax_uid,
                      file.encoding_detected ? " (detected)" : "", file.encoding.explicit_vr ? "explicit" : "implicit",
                      file.encoding.big_endian ? "big endian" : "little endian", file.encoding.deflated ? ", deflated" : "");
  if (options.show_meta && !file.meta.elements().empty()) {
    TextDumper m(options, false);
    m.dataset(file.meta, 0, {});
    head += "# File Meta Information\n" + m.out + "# Data Set\n";
  }
  TextDumper d(options, file.encoding.big_endian);
  d.dataset(file.dataset, 0, {});
  return head + d.out;
}

std::string to_json(const DicomFile& file, const JsonOptions& options) {
  rapidjson::StringBuffer sb;
  if (options.pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
    w.SetIndent(' ', 2);
    JsonDumper<decltype(w)>(w, options, file.encoding.big_endian).dataset(file.dataset, {});
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    JsonDumper<decltype(w)>(w, options, file.encoding.big_endian).dataset(file.dataset, {});
  }
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace dicomscrub::dump
