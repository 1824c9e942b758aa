// lib/pseudo/csv.hpp — the CSV the re-identification tables use (RFC 4180: comma-separated, fields
// quoted with "" when they hold a comma, a quote, a line break or edge spaces). Mapping tables
// and lookup tables are edited by people with spreadsheets, so both directions live here once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/error.hpp"

namespace dicomscrub::reid {

struct CsvRow {
  std::size_t line = 0;              // 1-based line where the row starts, for error messages
  std::vector<std::string> fields;
};

// Every row of `text` (blank lines skipped; a UTF-8 byte order mark and CR before LF accepted).
// Errors name `origin` and the line (an unterminated quote, text after a closing quote).
Result<std::vector<CsvRow>> parse_csv(std::string_view text, const std::string& origin);

// One field, quoted only when it must be.
std::string csv_field(std::string_view value);

}  // namespace dicomscrub::reid
