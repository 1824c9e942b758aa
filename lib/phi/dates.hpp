// lib/phi/dates.hpp — dates written in text, in every common spelling: numeric orders (Y-M-D,
// D/M/Y, M/D/Y with / - . or space, 2- and 4-digit years, 8 digits run together), month names and
// abbreviations in English, French, German, Spanish, Italian, Portuguese, Dutch, Polish, Russian
// and Greek (the languages of the character sets we decode), Roman-numeral months (13.X.1947),
// DDMMMYYYY (13OCT1947), ordinals ("October 13th, 1947") and CJK/Korean year-month-day markers.
// Each spelling yields every valid reading (03/04/1961 is both 3 April and 4 March).
#pragma once

#include <cstdint>
#include <vector>

#include "phi/fold.hpp"

namespace dicomscrub::phi {

struct DateHit {
  int y, m, d;
  bool two_digit_year;
  bool explicit_form;   // a month name, a 4-digit year with separators, or D/M/YY with '/': a date
                        // by any reader's judgement (compact digit runs are only compared)
  bool month_name;      // spelled with a month's name
  std::uint32_t b, e;   // folded byte range
};

void find_dates(const Folded& f, std::vector<DateHit>& out);

}  // namespace dicomscrub::phi
