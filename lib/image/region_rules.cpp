// lib/image/region_rules.cpp — parse and evaluate region rule files (see region_rules.hpp).
#include "image/region_rules.hpp"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/bytes.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"

namespace dicomscrub::pixel {

struct Condition {
  enum class Kind { all, any, negate, equals, contains, contains_ignore_case } kind = Kind::all;
  std::vector<Condition> children;
  Tag tag;
  std::string value;
};

namespace {

#include "pixel_rules_table.inc"

// A condition of the compiled-in table (tools/gen_pixel_rules_table.py), as from_json builds it.
Condition from_table(int index) {
  const builtin_rules::Node& n = builtin_rules::kNodes[index];
  Condition c;
  c.kind = Condition::Kind(n.kind);
  c.tag = Tag::from_u32(n.tag);
  c.value = std::string(n.value);
  for (int i = 0; i < n.count; ++i) c.children.push_back(from_table(builtin_rules::kChildren[n.first + i]));
  return c;
}

std::string describe(const Condition& c) {
  static constexpr const char* kNames[] = {"all", "any", "not", "equals", "contains", "contains_ignore_case"};
  std::string s = kNames[int(c.kind)];
  if (c.children.empty()) return s + " " + c.tag.str() + " '" + c.value + "'";
  s += "(";
  for (std::size_t i = 0; i < c.children.size(); ++i) s += (i ? ", " : "") + describe(c.children[i]);
  return s + ")";
}

Error rule_error(const std::string& origin, std::string why) {
  return Error{ErrorCode::invalid_argument, origin, 0, {}, std::move(why)};
}

std::optional<Tag> parse_tag(std::string_view s) {
  if (s.size() == 11 && s[0] == '(' && s[5] == ',' && s[10] == ')') {
    unsigned g = 0, e = 0;
    if (std::sscanf(std::string(s).c_str(), "(%4x,%4x)", &g, &e) == 2) return Tag(std::uint16_t(g), std::uint16_t(e));
    return std::nullopt;
  }
  if (const auto* d = dict::lookup_keyword(s); d && d->mask == 0xFFFFFFFFu) return Tag::from_u32(d->value);
  return std::nullopt;
}

Result<Condition> parse_condition(const rapidjson::Value& v, const std::string& origin, int depth) {
  if (depth > 32) return rule_error(origin, "conditions nest deeper than 32");
  if (!v.IsObject()) return rule_error(origin, "a condition must be an object");
  Condition c;
  auto list = [&](const char* key, Condition::Kind kind) -> std::optional<Error> {
    const auto& a = v[key];
    if (!a.IsArray() || a.Empty()) return rule_error(origin, fmt::format("'{}' takes a non-empty list", key));
    c.kind = kind;
    for (const auto& x : a.GetArray()) {
      auto child = parse_condition(x, origin, depth + 1);
      if (!child) return std::move(child).error();
      c.children.push_back(std::move(child).value());
    }
    return std::nullopt;
  };
  if (v.HasMember("all")) { if (auto e = list("all", Condition::Kind::all)) return *e; return c; }
  if (v.HasMember("any")) { if (auto e = list("any", Condition::Kind::any)) return *e; return c; }
  if (v.HasMember("not")) {
    auto child = parse_condition(v["not"], origin, depth + 1);
    if (!child) return std::move(child).error();
    c.kind = Condition::Kind::negate;
    c.children.push_back(std::move(child).value());
    return c;
  }
  if (!v.HasMember("element") || !v["element"].IsString()) return rule_error(origin, "a test needs \"element\" (a keyword or (GGGG,EEEE))");
  auto tag = parse_tag(v["element"].GetString());
  if (!tag) return rule_error(origin, fmt::format("unknown element '{}'", v["element"].GetString()));
  c.tag = *tag;
  for (auto [key, kind] : {std::pair{"equals", Condition::Kind::equals}, std::pair{"contains", Condition::Kind::contains},
                           std::pair{"contains_ignore_case", Condition::Kind::contains_ignore_case}}) {
    if (!v.HasMember(key)) continue;
    if (!v[key].IsString()) return rule_error(origin, fmt::format("'{}' takes a string", key));
    c.kind = kind;
    c.value = v[key].GetString();
    return c;
  }
  return rule_error(origin, "a test needs one of equals, contains, contains_ignore_case");
}

const Element* find_any_depth(const Dataset& ds, Tag t, int depth) {
  if (const Element* e = ds.find(t)) return e;
  if (depth > 8) return nullptr;
  for (const auto& e : ds.elements())
    for (const auto& item : e.items)
      if (const Element* f = find_any_depth(item.dataset, t, depth + 1)) return f;
  return nullptr;
}

std::optional<std::string> value_text(const DicomFile& file, Tag t) {
  const Dataset& ds = t.group == 0x0002 ? file.meta : file.dataset;
  const Element* e = find_any_depth(ds, t, 0);
  if (!e || e->form != ElementForm::value) return std::nullopt;
  auto b = e->value.bytes();
  if (!b) return std::nullopt;
  const bool be = t.group != 0x0002 && file.encoding.big_endian;
  auto numbers = [&](std::size_t w, bool is_signed) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i + w <= b->size(); i += w) {
      std::uint32_t u = w == 2 ? detail::load16(b->data() + i, be) : detail::load32(b->data() + i, be);
      parts.push_back(is_signed ? std::to_string(w == 2 ? std::int16_t(u) : std::int32_t(u)) : std::to_string(u));
    }
    return detail::join_values(parts, '\\');
  };
  using namespace vrs;
  if (e->vr == US) return numbers(2, false);
  if (e->vr == SS) return numbers(2, true);
  if (e->vr == UL) return numbers(4, false);
  if (e->vr == SL) return numbers(4, true);
  return detail::trim_value(std::string(reinterpret_cast<const char*>(b->data()), b->size()));
}

bool holds(const Condition& c, const DicomFile& file) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::all: return std::all_of(c.children.begin(), c.children.end(), [&](const Condition& x) { return holds(x, file); });
    case K::any: return std::any_of(c.children.begin(), c.children.end(), [&](const Condition& x) { return holds(x, file); });
    case K::negate: return !holds(c.children[0], file);
    default: break;
  }
  auto v = value_text(file, c.tag);
  if (!v) return false;
  if (c.kind == K::equals) return *v == c.value;
  if (c.kind == K::contains) return v->find(c.value) != std::string::npos;
  return detail::lower_ascii(*v).find(detail::lower_ascii(c.value)) != std::string::npos;
}

}  // namespace

Result<RegionRules> RegionRules::from_json(std::string_view text, const std::string& origin) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError())
    return Error{ErrorCode::invalid_argument, origin, doc.GetErrorOffset(), {}, rapidjson::GetParseError_En(doc.GetParseError())};
  if (!doc.IsObject() || !doc.HasMember("rules") || !doc["rules"].IsArray())
    return rule_error(origin, "a rule file is an object with a \"rules\" list");
  RegionRules out;
  int index = 0;
  for (const auto& r : doc["rules"].GetArray()) {
    const std::string where = fmt::format("{} rule {}", origin, index++);
    if (!r.IsObject() || !r.HasMember("when") || !r.HasMember("regions") || !r["regions"].IsArray())
      return rule_error(where, "a rule needs \"when\" and \"regions\"");
    auto cond = parse_condition(r["when"], where, 0);
    if (!cond) return std::move(cond).error();
    RegionRule rule;
    rule.name = r.HasMember("name") && r["name"].IsString() ? r["name"].GetString() : where;
    rule.source = r.HasMember("source") && r["source"].IsString() ? r["source"].GetString() : origin;
    rule.when = std::make_shared<const Condition>(std::move(cond).value());
    for (const auto& reg : r["regions"].GetArray()) {
      if (!reg.IsArray() || reg.Size() != 4) return rule_error(where, "a region is [x, y, width, height]");
      int v[4];
      for (unsigned i = 0; i < 4; ++i) {
        if (!reg[i].IsInt() || reg[i].GetInt() < 0 || reg[i].GetInt() > 65535) return rule_error(where, "region numbers are pixels from 0 to 65535");
        v[i] = reg[i].GetInt();
      }
      rule.regions.push_back(Rect{v[0], v[1], v[2], v[3]});
    }
    out.rules_.push_back(std::move(rule));
  }
  return out;
}

Result<RegionRules> RegionRules::builtin() {
  // From tables compiled in (parsing data/pixel_rules.json at start cost ~5 M instructions), once
  // per process: every engine gets a copy, whose conditions are shared immutable trees.
  static const RegionRules table = [] {
    RegionRules out;
    for (const auto& r : builtin_rules::kRules) {
      RegionRule rule;
      rule.name = std::string(r.name);
      rule.source = std::string(r.source);
      rule.when = std::make_shared<const Condition>(from_table(r.when));
      for (int i = 0; i < r.regions; ++i) {
        const int* v = builtin_rules::kRegions[r.first_region + i];
        rule.regions.push_back(Rect{v[0], v[1], v[2], v[3]});
      }
      out.rules_.push_back(std::move(rule));
    }
    return out;
  }();
  return table;
}

std::string RegionRules::describe() const {
  std::string s;
  for (const auto& r : rules_) {
    s += r.name + " | " + r.source + " | " + pixel::describe(*r.when) + " |";
    for (const auto& b : r.regions) s += fmt::format(" [{}, {}, {}, {}]", b.x, b.y, b.w, b.h);
    s += "\n";
  }
  return s;
}

Result<RegionRules> RegionRules::from_file(const std::string& path) {
  auto text = detail::read_settings_file(path, "the pixel rule file", 16u << 20);
  if (!text) return std::move(text).error();
  return from_json(*text, path);
}

const RegionRule* RegionRules::match(const DicomFile& file) const {
  for (const auto& r : rules_)
    if (holds(*r.when, file)) return &r;
  return nullptr;
}

void RegionRules::prepend(RegionRules first) {
  first.rules_.insert(first.rules_.end(), std::make_move_iterator(rules_.begin()), std::make_move_iterator(rules_.end()));
  rules_ = std::move(first.rules_);
}

}  // namespace dicomscrub::pixel
