// lib/pseudo/csv.cpp — see csv.hpp.
#include "pseudo/csv.hpp"

#include <fmt/format.h>

namespace dicomscrub::reid {

Result<std::vector<CsvRow>> parse_csv(std::string_view text, const std::string& origin) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  std::size_t i = 0, line = 1;
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::string field;
    bool row_done = false;
    while (!row_done) {
      field.clear();
      if (i < text.size() && text[i] == '"') {
        ++i;
        for (;;) {
          if (i >= text.size())
            return Error{ErrorCode::invalid_argument, origin, 0, {}, fmt::format("line {}: a quoted field is not closed", row.line)};
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') { field += '"'; ++i; continue; }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        if (i < text.size() && text[i] == '\r') ++i;
        if (i < text.size() && text[i] != ',' && text[i] != '\n')
          return Error{ErrorCode::invalid_argument, origin, 0, {}, fmt::format("line {}: text after a closing quote", line)};
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n') field += text[i++];
        if (!field.empty() && field.back() == '\r') field.pop_back();
      }
      row.fields.push_back(field);
      if (i >= text.size()) row_done = true;
      else if (text[i] == ',') ++i;
      else { ++i; ++line; row_done = true; }  // '\n'
    }
    if (row.fields.size() == 1 && row.fields[0].empty()) continue;  // a blank line
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_field(std::string_view v) {
  bool quote = !v.empty() && (v.front() == ' ' || v.back() == ' ');
  for (char c : v)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') quote = true;
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace dicomscrub::reid
