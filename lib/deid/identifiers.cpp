// lib/deid/identifiers.cpp — see identifiers.hpp.
#include "deid/identifiers.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "charset/charset.hpp"
#include "core/text.hpp"

namespace dicomscrub::deid {
namespace {

using detail::lower_ascii;

std::string trim(std::string s) { return detail::trim_value(std::move(s)); }

std::string text_of(const Dataset& ds, Tag tag, const std::vector<std::string>& cs) {
  const Element* e = ds.find(tag);
  if (!e || e->form != ElementForm::value) return {};
  auto b = e->value.bytes();
  if (!b) return {};
  return charset::decode(*b, cs, e->vr);
}

void split_into(const std::string& s, std::string_view seps, std::vector<std::string>& out, std::size_t min_len) {
  std::string cur;
  auto flush = [&] { cur = trim(cur); if (cur.size() >= min_len) out.push_back(cur); cur.clear(); };
  for (char c : s) {
    if (seps.find(c) != std::string_view::npos) flush();
    else cur += c;
  }
  flush();
}

bool is_word_char(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

}  // namespace

std::vector<std::string> date_spellings(std::string_view d) {
  std::vector<std::string> out;
  if (d.size() != 8 || !std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return out;
  std::string y(d.substr(0, 4)), m(d.substr(4, 2)), dd(d.substr(6, 2));
  int mi = std::stoi(m), di = std::stoi(dd);
  if (mi < 1 || mi > 12 || di < 1 || di > 31) return out;
  static const char* months[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
  std::string mon = months[mi - 1];
  std::string m1 = std::to_string(mi), d1 = std::to_string(di);
  out = {std::string(d), y + "-" + m + "-" + dd, y + "/" + m + "/" + dd, y + "." + m + "." + dd,
         dd + "/" + m + "/" + y, m + "/" + dd + "/" + y, dd + "." + m + "." + y, dd + "-" + m + "-" + y, m + "-" + dd + "-" + y,
         d1 + "/" + m1 + "/" + y, m1 + "/" + d1 + "/" + y, d1 + "." + m1 + "." + y,
         dd + " " + mon.substr(0, 3) + " " + y, d1 + " " + mon.substr(0, 3) + " " + y, d1 + " " + mon + " " + y,
         mon + " " + d1 + ", " + y, mon.substr(0, 3) + " " + d1 + ", " + y, dd + "-" + mon.substr(0, 3) + "-" + y};
  return out;
}

Identifiers collect_identifiers(const Dataset& ds, const std::vector<std::string>& cs) {
  Identifiers ids;
  // Person names: every component of every name group, as words.
  for (Tag t : {Tag(0x0010, 0x0010), Tag(0x0010, 0x1001), Tag(0x0010, 0x1060), Tag(0x0008, 0x0090), Tag(0x0008, 0x1050),
                Tag(0x0008, 0x1070), Tag(0x0032, 0x1032), Tag(0x0010, 0x2297), Tag(0x0008, 0x1060), Tag(0x0010, 0x1005)})
    split_into(text_of(ds, t, cs), "^=\\ ,", ids.words, 2);
  // IDs and numbers that identify the patient or the visit: substrings.
  for (Tag t : {Tag(0x0010, 0x0020), Tag(0x0010, 0x1000), Tag(0x0008, 0x0050), Tag(0x0020, 0x0010), Tag(0x0038, 0x0010),
                Tag(0x0010, 0x21B0), Tag(0x0040, 0x1001), Tag(0x0010, 0x1002)})
    split_into(text_of(ds, t, cs), "\\", ids.strings, 3);
  // Dates: the birth date in every spelling; study and acquisition dates as well.
  for (Tag t : {Tag(0x0010, 0x0030), Tag(0x0008, 0x0020), Tag(0x0008, 0x0021), Tag(0x0008, 0x0022), Tag(0x0008, 0x0023)}) {
    for (auto& s : date_spellings(trim(text_of(ds, t, cs)))) ids.strings.push_back(s);
  }
  // Addresses and institutions: the whole value and its longer parts.
  for (Tag t : {Tag(0x0010, 0x1040), Tag(0x0008, 0x0080), Tag(0x0008, 0x0081), Tag(0x0010, 0x2150), Tag(0x0010, 0x2152)}) {
    std::string v = trim(text_of(ds, t, cs));
    if (v.size() >= 4) ids.strings.push_back(v);
    split_into(v, "^,;\\", ids.strings, 6);
  }
  // Phone numbers, as digits.
  for (Tag t : {Tag(0x0010, 0x2154), Tag(0x0010, 0x2155)}) {
    std::vector<std::string> phones;
    split_into(text_of(ds, t, cs), "\\", phones, 1);
    for (auto& p : phones) {
      std::string digits;
      for (char c : p) if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
      if (digits.size() >= 6) ids.digits.push_back(digits);
    }
  }
  // Longest first, so "1961-04-12" goes before "1961" could ever match a shorter form.
  auto by_len = [](const std::string& a, const std::string& b) { return a.size() > b.size(); };
  std::sort(ids.strings.begin(), ids.strings.end(), by_len);
  std::sort(ids.words.begin(), ids.words.end(), by_len);
  return ids;
}

bool clean_text(std::string& text, const Identifiers& ids) {
  bool changed = false;
  const std::string mark = "***";
  auto replace_all = [&](const std::string& needle, bool whole_word) {
    if (needle.empty()) return;
    std::string low = lower_ascii(text), n = lower_ascii(needle);
    std::size_t pos = 0;
    std::string out;
    std::size_t last = 0;
    while ((pos = low.find(n, pos)) != std::string::npos) {
      bool ok = true;
      if (whole_word) {
        if (pos > 0 && is_word_char(static_cast<unsigned char>(low[pos - 1]))) ok = false;
        if (pos + n.size() < low.size() && is_word_char(static_cast<unsigned char>(low[pos + n.size()]))) ok = false;
      }
      if (ok) {
        out += text.substr(last, pos - last) + mark;
        last = pos + n.size();
        changed = true;
      }
      pos += n.size();
    }
    if (last > 0) { out += text.substr(last); text = out; }
  };
  for (const auto& s : ids.strings) replace_all(s, false);
  for (const auto& w : ids.words) replace_all(w, true);
  // Phone numbers: a run of digits and separators whose digits contain the number.
  for (const auto& d : ids.digits) {
    std::size_t i = 0;
    std::string out;
    while (i < text.size()) {
      if (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '+' || text[i] == '(') {
        std::size_t j = i;
        std::string run_digits;
        while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || std::string_view(" +-().").find(text[j]) != std::string_view::npos)) {
          if (std::isdigit(static_cast<unsigned char>(text[j]))) run_digits += text[j];
          ++j;
        }
        if (run_digits.find(d) != std::string::npos) { out += mark; changed = true; }
        else out += text.substr(i, j - i);
        i = j;
      } else {
        out += text[i++];
      }
    }
    text = out;
  }
  return changed;
}

}  // namespace dicomscrub::deid
