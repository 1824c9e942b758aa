// lib/phi/dates.cpp — see dates.hpp.
#include "phi/dates.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace dicomscrub::phi {
namespace {

// Folded (NFKC + case fold) month names and abbreviations; index = month.
struct MonthName { std::string_view name; int month; };
constexpr MonthName kMonths[] = {
    // English
    {"january", 1}, {"february", 2}, {"march", 3}, {"april", 4}, {"may", 5}, {"june", 6}, {"july", 7}, {"august", 8},
    {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12}, {"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4},
    {"jun", 6}, {"jul", 7}, {"aug", 8}, {"sep", 9}, {"sept", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12},
    // French
    {"janvier", 1}, {"février", 2}, {"fevrier", 2}, {"mars", 3}, {"avril", 4}, {"mai", 5}, {"juin", 6}, {"juillet", 7},
    {"août", 8}, {"aout", 8}, {"septembre", 9}, {"octobre", 10}, {"novembre", 11}, {"décembre", 12}, {"decembre", 12},
    {"janv", 1}, {"févr", 2}, {"fevr", 2}, {"avr", 4}, {"juil", 7}, {"déc", 12},
    // German
    {"januar", 1}, {"jänner", 1}, {"februar", 2}, {"märz", 3}, {"maerz", 3}, {"juni", 6}, {"juli", 7}, {"oktober", 10},
    {"dezember", 12}, {"mär", 3}, {"okt", 10}, {"dez", 12},
    // Spanish
    {"enero", 1}, {"febrero", 2}, {"marzo", 3}, {"abril", 4}, {"mayo", 5}, {"junio", 6}, {"julio", 7}, {"agosto", 8},
    {"septiembre", 9}, {"setiembre", 9}, {"octubre", 10}, {"noviembre", 11}, {"diciembre", 12}, {"ene", 1}, {"abr", 4},
    {"ago", 8}, {"dic", 12},
    // Italian
    {"gennaio", 1}, {"febbraio", 2}, {"aprile", 4}, {"maggio", 5}, {"giugno", 6}, {"luglio", 7}, {"settembre", 9},
    {"ottobre", 10}, {"dicembre", 12}, {"gen", 1}, {"mag", 5}, {"giu", 6}, {"lug", 7}, {"set", 9}, {"ott", 10},
    // Portuguese
    {"janeiro", 1}, {"fevereiro", 2}, {"março", 3}, {"maio", 5}, {"junho", 6}, {"julho", 7}, {"setembro", 9},
    {"outubro", 10}, {"novembro", 11}, {"dezembro", 12}, {"fev", 2}, {"out", 10},
    // Dutch
    {"januari", 1}, {"februari", 2}, {"maart", 3}, {"mei", 5}, {"augustus", 8}, {"mrt", 3},
    // Polish (nominative and genitive)
    {"styczeń", 1}, {"stycznia", 1}, {"luty", 2}, {"lutego", 2}, {"marzec", 3}, {"marca", 3}, {"kwiecień", 4},
    {"kwietnia", 4}, {"maj", 5}, {"maja", 5}, {"czerwiec", 6}, {"czerwca", 6}, {"lipiec", 7}, {"lipca", 7},
    {"sierpień", 8}, {"sierpnia", 8}, {"wrzesień", 9}, {"września", 9}, {"październik", 10}, {"października", 10},
    {"listopad", 11}, {"listopada", 11}, {"grudzień", 12}, {"grudnia", 12},
    // Russian (nominative and genitive)
    {"январь", 1}, {"января", 1}, {"февраль", 2}, {"февраля", 2}, {"март", 3}, {"марта", 3}, {"апрель", 4},
    {"апреля", 4}, {"май", 5}, {"мая", 5}, {"июнь", 6}, {"июня", 6}, {"июль", 7}, {"июля", 7}, {"август", 8},
    {"августа", 8}, {"сентябрь", 9}, {"сентября", 9}, {"октябрь", 10}, {"октября", 10}, {"ноябрь", 11},
    {"ноября", 11}, {"декабрь", 12}, {"декабря", 12},
    // Greek (genitive and nominative; folded: final sigma is σ)
    {"ιανουαρίου", 1}, {"φεβρουαρίου", 2}, {"μαρτίου", 3}, {"απριλίου", 4}, {"μαΐου", 5}, {"ιουνίου", 6},
    {"ιουλίου", 7}, {"αυγούστου", 8}, {"σεπτεμβρίου", 9}, {"οκτωβρίου", 10}, {"νοεμβρίου", 11}, {"δεκεμβρίου", 12},
    {"ιανουάριοσ", 1}, {"φεβρουάριοσ", 2}, {"μάρτιοσ", 3}, {"απρίλιοσ", 4}, {"μάιοσ", 5}, {"ιούνιοσ", 6},
    {"ιούλιοσ", 7}, {"αύγουστοσ", 8}, {"σεπτέμβριοσ", 9}, {"οκτώβριοσ", 10}, {"νοέμβριοσ", 11}, {"δεκέμβριοσ", 12},
};
constexpr std::string_view kRoman[] = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"};

// The first bytes and the longest length of the names above: most words are rejected without
// comparing them with 180 names (every letter run of every value with a digit comes here).
struct MonthFilter {
  bool first[256] = {};
  std::size_t longest = 0;
  constexpr MonthFilter() {
    for (const auto& m : kMonths) {
      first[static_cast<unsigned char>(m.name[0])] = true;
      if (m.name.size() > longest) longest = m.name.size();
    }
  }
};
constexpr MonthFilter kMonthFilter;

int month_of(std::string_view w) {
  if (w.empty() || w.size() > kMonthFilter.longest || !kMonthFilter.first[static_cast<unsigned char>(w[0])]) return 0;
  for (const auto& m : kMonths) if (m.name == w) return m.month;
  return 0;
}
int roman_of(std::string_view w) {
  for (int i = 0; i < 12; ++i) if (kRoman[i] == w) return i + 1;
  return 0;
}

// A token cut into runs of digits and of letters ("13oct1947" -> 13, oct, 1947).
struct Run {
  std::string_view s;
  std::uint32_t b, e;
  bool num;
  std::string_view sep;  // text between the previous run and this one ("" when glued)
};

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool valid(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1) return false;
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return d <= days[m - 1] && y >= 0;
}

bool is_connector(std::string_view w) {
  return w == "de" || w == "of" || w == "del" || w == "du" || w == "di" || w == "st" || w == "nd" || w == "rd" || w == "th" ||
         w == "er" || w == "e" || w == "º" || w == "o";
}

// A backslash too: a date split across the values of a multi-valued number ("1958\\09\\17" as an IS).
bool numeric_sep(std::string_view s) { return s == "/" || s == "-" || s == "." || s == " " || s == ". " || s == "\\"; }

}  // namespace

void find_dates(const Folded& f, std::vector<DateHit>& out) {
  // Every spelling holds at least three digits (a day and a 2-digit year): with fewer, no date.
  std::size_t digits = 0;
  for (char c : f.text) digits += is_ascii_digit(c);
  if (digits < 3) return;
  // Runs over the whole text (few values hold any digit; the caller skips those without one).
  thread_local std::vector<Run> runs;
  runs.clear();
  std::uint32_t prev_end = 0;
  for (const Token& t : f.tokens) {
    std::string_view w = f.word(t);
    std::uint32_t i = 0;
    while (i < w.size()) {
      bool d = is_ascii_digit(w[i]);
      std::uint32_t j = i;
      while (j < w.size() && is_ascii_digit(w[j]) == d) ++j;
      std::uint32_t b = t.b + i, e = t.b + j;
      runs.push_back({w.substr(i, j - i), b, e, d, std::string_view(f.text).substr(prev_end, b - prev_end)});
      prev_end = e;
      i = j;
    }
  }
  bool named = false;  // set around the month-name spellings below
  auto emit = [&](int y, int m, int d, bool two, bool expl, std::uint32_t b, std::uint32_t e) {
    if (!two && (y < 1850 || y > 2150)) return;  // 2-digit years are compared modulo 100
    if (valid(y, m, d)) out.push_back({y, m, d, two, expl, named, b, e});
  };
  const std::size_t n = runs.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Run& a = runs[i];
    if (a.num) {
      const std::size_t len = a.s.size();
      // Compact digit runs: YYYYMMDD, DDMMYYYY, MMDDYYYY, YYMMDD, DDMMYY, MMDDYY.
      if ((len == 8 || len == 6) && (i + 1 >= n || !runs[i + 1].sep.empty() || !runs[i + 1].num)) {
        if (len == 8) {
          emit(num(a.s.substr(0, 4)), num(a.s.substr(4, 2)), num(a.s.substr(6, 2)), false, false, a.b, a.e);
          emit(num(a.s.substr(4, 4)), num(a.s.substr(2, 2)), num(a.s.substr(0, 2)), false, false, a.b, a.e);
          emit(num(a.s.substr(4, 4)), num(a.s.substr(0, 2)), num(a.s.substr(2, 2)), false, false, a.b, a.e);
        } else {
          emit(num(a.s.substr(0, 2)), num(a.s.substr(2, 2)), num(a.s.substr(4, 2)), true, false, a.b, a.e);
          emit(num(a.s.substr(4, 2)), num(a.s.substr(2, 2)), num(a.s.substr(0, 2)), true, false, a.b, a.e);
          emit(num(a.s.substr(4, 2)), num(a.s.substr(0, 2)), num(a.s.substr(2, 2)), true, false, a.b, a.e);
        }
      }
      if (i + 2 < n && len <= 4) {
        const Run& b = runs[i + 1];
        const Run& c = runs[i + 2];
        // Three numbers with one separator repeated: Y-M-D, D/M/Y, M/D/Y (2- or 4-digit years).
        if (b.num && c.num && b.sep == c.sep && numeric_sep(b.sep) && b.s.size() <= 2) {
          bool ext = b.sep != " " && b.sep != ". ";
          if (len == 4 && c.s.size() <= 2) emit(num(a.s), num(b.s), num(c.s), false, ext, a.b, c.e);
          if (len <= 2 && c.s.size() == 4) {
            emit(num(c.s), num(b.s), num(a.s), false, ext, a.b, c.e);
            emit(num(c.s), num(a.s), num(b.s), false, ext, a.b, c.e);
          }
          if (len <= 2 && c.s.size() == 2 && (i + 3 >= n || runs[i + 3].sep.size() > 0)) {
            bool slash = b.sep == "/";
            emit(num(c.s), num(b.s), num(a.s), true, slash, a.b, c.e);
            emit(num(c.s), num(a.s), num(b.s), true, slash, a.b, c.e);
          }
        }
        // Year 年 month 月 day 日 (Chinese, Japanese), 년 월 일 (Korean).
        if (len == 4 && !b.num && (b.s == "年" || b.s == "년") && c.num && i + 4 < n && !runs[i + 3].num &&
            (runs[i + 3].s == "月" || runs[i + 3].s == "월") && runs[i + 4].num)
          emit(num(a.s), num(c.s), num(runs[i + 4].s), false, true, a.b, runs[i + 4].e);
        // Day, month name or Roman numeral, year: 13 Oct 1947, 13OCT1947, 13. Oktober 1947,
        // 13 de octubre de 1947, 13th of October 1947, 13.X.1947.
        if (len <= 2) {
          std::size_t k = i + 1;
          while (k < n && !runs[k].num && is_connector(runs[k].s)) ++k;
          if (k + 1 < n && !runs[k].num) {
            int m = month_of(runs[k].s);
            bool roman = false;
            if (!m) { m = roman_of(runs[k].s); roman = m != 0; }
            std::size_t y = k + 1;
            while (y < n && !runs[y].num && is_connector(runs[y].s)) ++y;
            if (m && y < n && runs[y].num && (!roman || (runs[k].sep.size() == 1 && runs[y].sep == runs[k].sep))) {
              const Run& yr = runs[y];
              named = !roman;
              if (yr.s.size() == 4) emit(num(yr.s), m, num(a.s), false, true, a.b, yr.e);
              else if (yr.s.size() == 2 && !roman) emit(num(yr.s), m, num(a.s), true, true, a.b, yr.e);
              named = false;
            }
          }
        }
      }
    } else {
      // Month name, day, year: October 13th, 1947; Oct 13 1947; Oct-13-47.
      int m = month_of(a.s);
      if (!m || i + 2 >= n || !runs[i + 1].num || runs[i + 1].s.size() > 2) continue;
      std::size_t y = i + 2;
      while (y < n && !runs[y].num && is_connector(runs[y].s)) ++y;
      if (y < n && runs[y].num) {
        const Run& yr = runs[y];
        named = true;
        if (yr.s.size() == 4) emit(num(yr.s), m, num(runs[i + 1].s), false, true, a.b, yr.e);
        else if (yr.s.size() == 2) emit(num(yr.s), m, num(runs[i + 1].s), true, true, a.b, yr.e);
        named = false;
      }
    }
  }
}

}  // namespace dicomscrub::phi
