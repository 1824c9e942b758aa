// lib/profile/profile_json.cpp — JSON profile files (docs/profiles.md). Every error names the
// line and column and gives a hint, because these files are written by hand at a site.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>


#include <fmt/format.h>

#include "core/files.hpp"
#include "dict/dictionary.hpp"
#include "profile/profile.hpp"

namespace dicomscrub::profile {
namespace {

struct LineCol { std::size_t line, col; };

LineCol line_col(std::string_view text, std::size_t offset) {
  LineCol lc{1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') { ++lc.line; lc.col = 1; } else ++lc.col;
  }
  return lc;
}

// A SAX pass that records where each object of the top-level "rules" array starts.
struct RulePositions : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RulePositions> {
  rapidjson::StringStream* ss = nullptr;
  int depth = 0;
  bool in_rules = false;
  bool next_is_rules = false;
  std::vector<std::size_t> starts;
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    next_is_rules = depth == 1 && std::string_view(s, n) == "rules";
    return true;
  }
  bool StartObject() {
    if (in_rules && depth == 2) starts.push_back(ss->Tell() - 1);
    ++depth;
    return true;
  }
  bool EndObject(rapidjson::SizeType) { --depth; return true; }
  bool StartArray() {
    if (next_is_rules) in_rules = true;
    next_is_rules = false;
    ++depth;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    if (depth == 1) in_rules = false;
    return true;
  }
  bool Default() { next_is_rules = false; return true; }
};

Error json_error(const std::string& origin, std::string_view text, std::size_t offset, const std::string& what,
                 const std::string& hint) {
  LineCol lc = line_col(text, offset);
  return Error{ErrorCode::invalid_argument, origin, offset, {},
               fmt::format("line {}, column {}: {}{}", lc.line, lc.col, what, hint.empty() ? "" : " (hint: " + hint + ")")};
}

bool parse_tag(std::string_view s, std::uint32_t& value, std::uint32_t& mask) {
  // "(GGGG,EEEE)" or "GGGGEEEE"; x/X digits make a mask.
  std::string hex;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c)) || c == 'x' || c == 'X') hex += c;
  if (hex.size() != 8) return false;
  value = 0;
  mask = 0;
  for (char c : hex) {
    value <<= 4;
    mask <<= 4;
    if (c == 'x' || c == 'X') continue;
    value |= std::uint32_t(std::stoul(std::string(1, c), nullptr, 16));
    mask |= 0xF;
  }
  return true;
}

}  // namespace

Result<Profile> Profile::from_file(const std::string& path) {
  auto text = detail::read_settings_file(path, "the profile file", 16u << 20);
  if (!text) return std::move(text).error();
  return from_json(*text, path);
}

Result<Profile> Profile::from_json(std::string_view text, const std::string& origin) {
  std::string owned(text);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag>(owned.c_str(), owned.size());
  if (doc.HasParseError())
    return json_error(origin, text, doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()),
                      "profiles are JSON; comments and trailing commas are allowed");
  if (!doc.IsObject()) return json_error(origin, text, 0, "the profile must be a JSON object", "start with {");
  RulePositions pos;
  {
    rapidjson::StringStream ss(owned.c_str());
    pos.ss = &ss;
    rapidjson::Reader reader;
    reader.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag>(ss, pos);
  }
  Profile p = basic();
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    std::string key = m->name.GetString();
    if (key != "name" && key != "extends" && key != "options" && key != "rules" && key != "description" && key != "pixels")
      return json_error(origin, text, 0, fmt::format("unknown key \"{}\"", key), "allowed: name, description, extends, options, rules, pixels");
  }
  if (doc.HasMember("extends")) {
    if (!doc["extends"].IsString()) return json_error(origin, text, 0, "\"extends\" must be a string", "\"extends\": \"basic\"");
    auto base = builtin(doc["extends"].GetString());
    if (!base) return json_error(origin, text, 0, base.error().reason, "only built-in profiles can be extended");
    p = std::move(base).value();
  }
  if (doc.HasMember("name")) {
    if (!doc["name"].IsString()) return json_error(origin, text, 0, "\"name\" must be a string", "");
    p.name_ = doc["name"].GetString();
  } else {
    p.name_ = origin;
  }
  if (doc.HasMember("pixels")) {
    const auto& px = doc["pixels"];
    const char* hint = "\"pixels\": {\"cover_pages\": \"clean\", \"rules\": \"site_rules.json\", \"ocr_check\": true}";
    if (!px.IsObject()) return json_error(origin, text, 0, "\"pixels\" must be an object", hint);
    for (auto m = px.MemberBegin(); m != px.MemberEnd(); ++m) {
      std::string k = m->name.GetString();
      const auto& v = m->value;
      if (k == "cover_pages" && v.IsString() && cover_pages_from_string(v.GetString()))
        p.pixels_.cover_pages = cover_pages_from_string(v.GetString());
      else if (k == "rules" && v.IsString()) {
        // A relative path is relative to the profile file, so a site's folder moves as one.
        std::string f = v.GetString();
        auto slash = origin.rfind('/');
        p.pixels_.rules_file = (!f.empty() && f[0] != '/' && slash != std::string::npos) ? origin.substr(0, slash + 1) + f : f;
      } else if (k == "ocr_check" && v.IsBool())
        p.pixels_.ocr_check = v.GetBool();
      else if (k == "scan_text" && v.IsObject()) {
        for (auto row = v.MemberBegin(); row != v.MemberEnd(); ++row) {
          const std::string_view scan = row->value.IsString() ? row->value.GetString() : "";
          if (scan != "always" && scan != "screens" && scan != "never" && scan != "photo")
            return json_error(origin, text, 0, fmt::format("bad \"scan_text\" entry \"{}\"", row->name.GetString()),
                              "\"scan_text\": {\"MODALITY or SOP Class UID\": \"always|screens|never|photo\"}");
          p.pixels_.scan_text.emplace_back(row->name.GetString(), std::string(scan));
        }
      } else
        return json_error(origin, text, 0, fmt::format("bad \"pixels\" entry \"{}\"", k),
                          "cover_pages: clean|identifiers|withhold; rules: a file name; ocr_check: true|false; "
                          "scan_text: {MODALITY: always|screens|never|photo}");
    }
  }
  if (doc.HasMember("options")) {
    const auto& opts = doc["options"];
    if (!opts.IsArray()) return json_error(origin, text, 0, "\"options\" must be an array of option names", "[\"retain_uids\"]");
    for (const auto& o : opts.GetArray()) {
      auto opt = o.IsString() ? option_from_string(o.GetString()) : std::nullopt;
      if (!opt) {
        std::string names;
        for (std::size_t i = 0; i < kOptionCount; ++i) names += std::string(i ? ", " : "") + to_string(Option(i));
        return json_error(origin, text, 0, fmt::format("unknown option {}", o.IsString() ? o.GetString() : "(not a string)"), "options are: " + names);
      }
      if (auto st = p.set_option(*opt, true); !st) return json_error(origin, text, 0, st.error().reason, "choose one of the two");
    }
  }
  if (doc.HasMember("rules")) {
    const auto& rules = doc["rules"];
    if (!rules.IsArray()) return json_error(origin, text, 0, "\"rules\" must be an array", "");
    std::size_t i = 0;
    for (const auto& r : rules.GetArray()) {
      std::size_t at = i < pos.starts.size() ? pos.starts[i] : 0;
      LineCol lc = line_col(text, at);
      auto fail = [&](const std::string& what, const std::string& hint) { return json_error(origin, text, at, fmt::format("rules[{}]: {}", i, what), hint); };
      if (!r.IsObject()) return fail("a rule must be an object", "{\"keyword\": \"PatientName\", \"action\": \"remove\"}");
      Rule rule;
      rule.origin = fmt::format("{}:{}", origin, lc.line);
      int selectors = int(r.HasMember("tag")) + int(r.HasMember("keyword")) + int(r.HasMember("mask")) + int(r.HasMember("private_creator"));
      if (selectors != 1) return fail("give exactly one of tag, keyword, mask, private_creator", "");
      if (r.HasMember("tag")) {
        std::uint32_t v, m;
        if (!r["tag"].IsString() || !parse_tag(r["tag"].GetString(), v, m) || m != 0xFFFFFFFF)
          return fail("bad tag", "write \"(0010,0010)\"; use \"mask\" for x digits");
        rule.match = Rule::Match::tag;
        rule.value = v;
      } else if (r.HasMember("keyword")) {
        const auto* e = r["keyword"].IsString() ? dict::lookup_keyword(r["keyword"].GetString()) : nullptr;
        if (!e) return fail("unknown keyword", "keywords are PS3.6 keywords such as \"StudyDescription\"");
        rule.match = Rule::Match::tag;
        rule.value = e->value;
      } else if (r.HasMember("mask")) {
        std::uint32_t v, m;
        if (!r["mask"].IsString() || !parse_tag(r["mask"].GetString(), v, m)) return fail("bad mask", "write \"(60xx,3000)\"");
        rule.match = Rule::Match::mask;
        rule.value = v;
        rule.mask = m;
      } else {
        if (!r["private_creator"].IsString() || !r.HasMember("group") || !r.HasMember("element") || !r["group"].IsString() || !r["element"].IsString())
          return fail("a private rule needs private_creator, group and element (strings)", "{\"private_creator\": \"ACME 1.0\", \"group\": \"0009\", \"element\": \"01\"}");
        rule.match = Rule::Match::private_element;
        rule.creator = r["private_creator"].GetString();
        unsigned long g = std::strtoul(r["group"].GetString(), nullptr, 16);
        std::string el = r["element"].GetString();
        if (el.size() == 4 && (el[0] == 'x' || el[0] == 'X')) el = el.substr(2);
        unsigned long e = std::strtoul(el.c_str(), nullptr, 16);
        if ((g & 1) == 0 || g > 0xFFFF || e > 0xFF) return fail("group must be odd (private) and element a byte offset", "\"group\": \"0009\", \"element\": \"01\" for (0009,xx01)");
        rule.group = std::uint16_t(g);
        rule.offset = std::uint8_t(e);
      }
      if (!r.HasMember("action") || !r["action"].IsString()) return fail("missing action", "actions: keep, remove, empty, dummy, replace, hash, uid, shift-date, truncate-date, clean-text");
      auto act = action_from_string(r["action"].GetString());
      if (!act || *act == Action::clean)
        return fail(fmt::format("unknown action \"{}\"", r["action"].GetString()), "actions: keep, remove, empty, dummy, replace, hash, uid, shift-date, truncate-date, clean-text");
      rule.action = *act;
      if (rule.action == Action::replace) {
        if (!r.HasMember("value") || !r["value"].IsString()) return fail("replace needs a \"value\" string", "{\"action\": \"replace\", \"value\": \"RESEARCH\"}");
        rule.param = r["value"].GetString();
      }
      for (auto m = r.MemberBegin(); m != r.MemberEnd(); ++m) {
        std::string k = m->name.GetString();
        if (k != "tag" && k != "keyword" && k != "mask" && k != "private_creator" && k != "group" && k != "element" && k != "action" && k != "value" && k != "comment")
          return fail(fmt::format("unknown key \"{}\"", k), "rule keys: tag|keyword|mask|private_creator(+group, element), action, value, comment");
      }
      p.add_rule(std::move(rule));
      ++i;
    }
  }
  return p;
}

}  // namespace dicomscrub::profile
