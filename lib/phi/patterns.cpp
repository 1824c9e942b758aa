// lib/phi/patterns.cpp — see patterns.hpp.
#include "phi/patterns.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace dicomscrub::phi {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha_ascii(char c) { return c >= 'a' && c <= 'z'; }

// A run of digit groups joined by single separators from `seps` (spaces, dashes, dots), starting
// at token i: the digits, the group sizes and the folded end.
struct Groups {
  std::string digits;
  std::vector<int> sizes;
  std::uint32_t e = 0;
  std::size_t last = 0;  // index of the last token
};

Groups digit_groups(const Folded& f, std::size_t i, std::string_view seps, std::size_t max_digits) {
  Groups g;
  const auto& t = f.tokens;
  for (std::size_t k = i; k < t.size(); ++k) {
    if (t[k].alpha || !t[k].digit) break;
    if (k > i) {
      std::string_view sep = std::string_view(f.text).substr(t[k - 1].e, t[k].b - t[k - 1].e);
      if (sep.size() != 1 || seps.find(sep[0]) == std::string_view::npos) break;
    }
    std::string_view w = f.word(t[k]);
    if (g.digits.size() + w.size() > max_digits) break;
    g.digits.append(w);
    g.sizes.push_back(int(w.size()));
    g.e = t[k].e;
    g.last = k;
  }
  return g;
}

bool ssn_valid(std::string_view d) {
  int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
  return area != 0 && area != 666 && area < 900 && d.substr(3, 2) != "00" && d.substr(5, 4) != "0000";
}

// NIR: sex (1/2/3/7/8), year, month, department (2A/2B for Corsica), commune, order, key.
bool nir_valid(std::string_view s) {
  if (s.size() != 15) return false;
  std::string n(s.substr(0, 13));
  long long adjust = 0;
  if (n[5] == 'a' || n[5] == 'b') { adjust = n[5] == 'a' ? 1000000 : 2000000; n[5] = '0'; }
  for (char c : n) if (!digit(c)) return false;
  if (std::string_view("12378").find(n[0]) == std::string_view::npos) return false;
  long long v = std::stoll(n) - adjust;
  int key = (s[13] - '0') * 10 + (s[14] - '0');
  int month = (n[3] - '0') * 10 + (n[4] - '0');
  return key == 97 - int(v % 97) && ((month >= 1 && month <= 12) || month >= 20);
}

bool nhs_valid(std::string_view d) {
  if (d.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == d[9] - '0';
}

constexpr std::string_view kStreetAfter[] = {"street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane",
                                             "drive", "terrace", "place", "square", "court", "way", "highway", "parkway",
                                             "circle", "crescent", "close", "gardens", "alley", "plaza"};
constexpr std::string_view kStreetBefore[] = {"rue", "avenue", "boulevard", "bd", "chemin", "allée", "impasse", "quai",
                                              "via", "viale", "piazza", "calle", "avenida", "plaza", "paseo", "rua",
                                              "praça", "ulica", "ul", "straat", "laan", "weg"};
constexpr std::string_view kStreetSuffixes[] = {"straße", "strasse", "str", "gasse", "platz", "allee", "weg", "straat", "laan"};

template <std::size_t N>
bool in(const std::string_view (&list)[N], std::string_view w) { return std::find(std::begin(list), std::end(list), w) != std::end(list); }

bool ends_with(std::string_view w, std::string_view s) { return w.size() > s.size() + 2 && w.substr(w.size() - s.size()) == s; }

}  // namespace

void find_patterns(const Folded& f, bool strict, std::vector<Finding>& out) {
  const std::string& s = f.text;
  const auto& t = f.tokens;
  // E-mail: local@domain.tld around each '@'.
  for (std::size_t at = s.find('@'); at != std::string::npos; at = s.find('@', at + 1)) {
    std::size_t b = at;
    auto local = [](char c) { return alpha_ascii(c) || digit(c) || std::string_view("._%+-").find(c) != std::string_view::npos; };
    while (b > 0 && local(s[b - 1])) --b;
    std::size_t e = at + 1, dot = std::string::npos;
    while (e < s.size() && (alpha_ascii(s[e]) || digit(s[e]) || s[e] == '.' || s[e] == '-')) { if (s[e] == '.') dot = e; ++e; }
    while (e > at + 1 && s[e - 1] == '.') --e;
    if (b < at && dot != std::string::npos && dot > at + 1 && e - dot >= 3)
      out.push_back({Kind::email, 95, std::uint32_t(b), std::uint32_t(e)});
  }
  bool any_digit = false;
  for (const auto& tok : t) any_digit |= tok.digit;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const Token& tok = t[i];
    std::string_view w = f.word(tok);
    if (!any_digit) break;
    std::string_view before = i > 0 ? std::string_view(s).substr(t[i - 1].e, tok.b - t[i - 1].e) : std::string_view();
    bool fresh = i == 0 || !(t[i - 1].digit && !t[i - 1].alpha && before.size() == 1 && std::string_view(" -.").find(before[0]) != std::string_view::npos);
    if (tok.digit && !tok.alpha && fresh) {
      // National numbers, from a digit group that does not continue one.
      Groups g = digit_groups(f, i, " -.", 15);
      const std::string& d = g.digits;
      if (d.size() == 9 && g.sizes == std::vector<int>{3, 2, 4} && ssn_valid(d))
        out.push_back({Kind::national_id, 95, tok.b, g.e});
      if (d.size() == 15 && nir_valid(d)) out.push_back({Kind::national_id, 99, tok.b, g.e});
      if (d.size() == 10 && (g.sizes == std::vector<int>{3, 3, 4}) && nhs_valid(d)) out.push_back({Kind::national_id, 90, tok.b, g.e});
      if (!strict) {
        // Phone numbers: "+" and 8..15 digits; (555) 123-4567; 555-123-4567; 0X XX XX XX XX.
        bool plus = tok.b > 0 && (s[tok.b - 1] == '+' || (tok.b > 1 && s[tok.b - 1] == ' ' && s[tok.b - 2] == '+'));
        bool paren = tok.b > 0 && s[tok.b - 1] == '(' && w.size() == 3 && tok.e < s.size() && s[tok.e] == ')';
        Groups p = digit_groups(f, i, " -.()", 15);
        if (paren && i + 2 < t.size()) {
          Groups rest = digit_groups(f, i + 1, " -.", 7);
          if (rest.digits.size() == 7) out.push_back({Kind::phone, 85, tok.b - 1, rest.e});
        } else if (plus && p.digits.size() >= 8 && p.sizes.size() >= 2) {
          out.push_back({Kind::phone, 85, tok.b - 1, p.e});
        } else if (p.digits.size() == 10 && (p.sizes == std::vector<int>{3, 3, 4}) && !nhs_valid(p.digits)) {
          out.push_back({Kind::phone, 75, tok.b, p.e});
        } else if (p.digits.size() == 10 && p.sizes == std::vector<int>{2, 2, 2, 2, 2} && w[0] == '0') {
          out.push_back({Kind::phone, 80, tok.b, p.e});
        }
      }
    }
    if (strict) continue;
    // Street addresses: a house number, up to four words, a street word ("742 Evergreen Terrace");
    // a street word before ("12 rue de la Paix", "Via Roma 5"); "Hauptstraße 5".
    if (tok.digit && !tok.alpha && w.size() <= 5) {
      std::size_t k = i + 1;
      if (k < t.size() && in(kStreetBefore, f.word(t[k])) && k + 1 < t.size() && t[k + 1].alpha) {
        out.push_back({Kind::address, 80, tok.b, t[std::min(k + 3, t.size() - 1)].e});
        continue;
      }
      for (std::size_t j = k; j < t.size() && j <= i + 5; ++j) {
        if (!t[j].alpha || t[j].digit) break;
        std::string_view sw = f.word(t[j]);
        if (j > k && in(kStreetAfter, sw) && (t[k].capital || t[k].upper)) {
          out.push_back({Kind::address, 80, tok.b, t[j].e});
          break;
        }
      }
    } else if (tok.alpha && !tok.digit) {
      bool suffix = false;
      for (auto sfx : kStreetSuffixes) suffix |= ends_with(w, sfx);
      bool before_word = in(kStreetBefore, w) && i + 2 < t.size() && t[i + 1].alpha && tok.capital;
      if (suffix && i + 1 < t.size() && t[i + 1].digit && !t[i + 1].alpha && f.word(t[i + 1]).size() <= 4)
        out.push_back({Kind::address, 80, tok.b, t[i + 1].e});
      else if (before_word) {
        std::size_t j = i + 1;
        while (j < t.size() && j <= i + 4 && t[j].alpha && !t[j].digit) ++j;
        if (j < t.size() && j <= i + 4 && t[j].digit && !t[j].alpha && f.word(t[j]).size() <= 4)
          out.push_back({Kind::address, 75, tok.b, t[j].e});
      }
    }
  }
}

}  // namespace dicomscrub::phi
