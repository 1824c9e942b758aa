// lib/pseudo/lookup_table.cpp — see lookup_table.hpp.
#include "pseudo/lookup_table.hpp"

#include <fmt/format.h>

#include "core/files.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"
#include "pseudo/csv.hpp"

namespace dicomscrub::reid {
namespace {

// PS3.5 Table 6.2-1 maximum lengths of the string VRs an identifier can have.
std::size_t max_length(VR vr) {
  if (vr == vrs::SH || vr == vrs::CS || vr == vrs::AE) return 16;
  if (vr == vrs::LO || vr == vrs::UI || vr == vrs::PN) return 64;
  return 1024;
}

bool valid_uid(std::string_view u) {
  if (u.empty() || u.size() > 64 || u.front() == '.' || u.back() == '.') return false;
  for (std::size_t i = 0; i < u.size(); ++i) {
    char c = u[i];
    if (c == '.') { if (u[i - 1] == '.') return false; continue; }
    if (c < '0' || c > '9') return false;
    if (c == '0' && (i == 0 || u[i - 1] == '.') && i + 1 < u.size() && u[i + 1] != '.') return false;  // no leading zero
  }
  return true;
}

const dict::DictEntry* attribute(const std::string& name) {
  if (const auto* e = dict::lookup_keyword(name)) return e;
  std::string hex;
  for (char c : name)
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
    else if (c != '(' && c != ')' && c != ',' && c != ' ') return nullptr;
  if (hex.size() != 8) return nullptr;
  return dict::lookup(Tag::from_u32(std::uint32_t(std::stoul(hex, nullptr, 16))));
}

}  // namespace

Result<LookupTable> LookupTable::from_file(const std::string& path) {
  // A site's table of every patient it sends: large, but read whole (each row is kept in memory).
  auto text = detail::read_settings_file(path, "the lookup table", 1u << 30);
  if (!text) return std::move(text).error();
  return from_csv(*text, path);
}

Result<LookupTable> LookupTable::from_csv(std::string_view text, const std::string& origin) {
  auto rows = parse_csv(text, origin);
  if (!rows) return rows.error();
  LookupTable t;
  t.origin_ = origin;
  auto fail = [&](std::size_t line, const std::string& what) {
    return Error{ErrorCode::invalid_argument, origin, 0, {}, fmt::format("line {}: {}", line, what)};
  };
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const CsvRow& r = (*rows)[i];
    if (i == 0 && !r.fields.empty() && detail::lower_ascii(detail::trim_value(r.fields[0])) == "keyword") continue;
    if (r.fields.size() != 3)
      return fail(r.line, fmt::format("expected 3 columns (keyword, original value, replacement), found {}", r.fields.size()));
    std::string keyword = detail::trim_value(r.fields[0]);
    const dict::DictEntry* e = attribute(keyword);
    if (!e || e->mask != 0xFFFFFFFF)
      return fail(r.line, fmt::format("'{}' is not a PS3.6 keyword or tag (e.g. PatientID or (0010,0020))", keyword.substr(0, 64)));
    std::string original = detail::trim_value(r.fields[1]);
    std::string replacement = detail::trim_value(r.fields[2]);
    if (original.empty()) return fail(r.line, "the original value is empty");
    if (e->vr == vrs::SQ || !is_string_vr(e->vr))
      return fail(r.line, fmt::format("{} is not a text attribute; lookup tables replace text values", e->keyword));
    if (replacement.size() > max_length(e->vr))
      return fail(r.line, fmt::format("the replacement is longer than {} allows ({} characters for {})", e->keyword,
                                      max_length(e->vr), to_string(e->vr)));
    if (e->vr == vrs::UI && !valid_uid(replacement)) return fail(r.line, "the replacement is not a valid UID");
    if (replacement.find('\\') != std::string::npos) return fail(r.line, "the replacement holds a backslash (a value separator)");
    auto& values = t.by_tag_[e->value];
    auto [it, added] = values.emplace(original, replacement);
    if (!added && it->second != replacement)
      return fail(r.line, fmt::format("{} has a second, different replacement for the same original value", e->keyword));
    t.rows_ += added;
    t.replacements_[e->value].insert(replacement);
  }
  return t;
}

const std::string* LookupTable::find(Tag tag, std::string_view original) const {
  auto t = by_tag_.find(tag.value());
  if (t == by_tag_.end()) return nullptr;
  auto it = t->second.find(detail::trim_value(std::string(original)));
  return it == t->second.end() ? nullptr : &it->second;
}

bool LookupTable::is_replacement(Tag tag, std::string_view value) const {
  auto t = replacements_.find(tag.value());
  return t != replacements_.end() && t->second.count(detail::trim_value(std::string(value))) != 0;
}

}  // namespace dicomscrub::reid
