// cli/options.cpp — option parsing and help from the command table (options.hpp).
#include "options.hpp"

#include "commands.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cli {

namespace {
const Option* find(const Command& c, const std::string& name) {
  for (const auto& o : c.options)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}
}  // namespace

std::string help_text(const Command& c) {
  std::string s = fmt::format("usage: dicomscrub {} {}\n\n{}\n", c.name, c.synopsis, c.summary);
  if (!c.options.empty()) {
    s += "\noptions:\n";
    for (const auto& o : c.options) {
      std::string head = o.alias.empty() ? o.name : o.alias + ", " + o.name;
      if (!o.value_name.empty()) head += " " + o.value_name;
      s += fmt::format("  {:<28} {}\n", head, o.help);
    }
    s += fmt::format("  {:<28} {}\n", "-h, --help", "show this help");
  }
  if (!c.details.empty()) s += "\n" + c.details + "\n";
  return s;
}

int usage_error(const Command& c, const std::string& message) {
  std::fprintf(stderr, "dicomscrub %s: %s\nusage: dicomscrub %s %s\n(dicomscrub %s --help tells more)\n", c.name.c_str(),
               message.c_str(), c.name.c_str(), c.synopsis.c_str(), c.name.c_str());
  return 2;
}

int parse(const Command& c, const std::vector<std::string>& args, std::vector<std::string>* positional) {
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') { positional->push_back(a); continue; }
    if (a == "--") { options_done = true; continue; }
    if (a == "--help" || a == "-h") { std::fputs(help_text(c).c_str(), stdout); return 0; }
    std::string name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    const Option* o = find(c, name);
    if (!o) return usage_error(c, "unknown option " + name);
    if (o->value_name.empty()) {
      if (inline_value) return usage_error(c, name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= args.size()) return usage_error(c, fmt::format("{} needs a value ({})", name, o->value_name));
      value = args[++i];
    }
    if (std::string err = o->apply(value); !err.empty()) return usage_error(c, err);
  }
  return -1;
}

std::string parse_count(const std::string& option, const std::string& value, unsigned min, unsigned max, unsigned* out) {
  errno = 0;
  char* end = nullptr;
  long long n = value.empty() || value[0] == '-' || value[0] == '+' ? -1 : std::strtoll(value.c_str(), &end, 10);
  if (n < 0 || errno || !end || *end || n < min || n > max)
    return fmt::format("{} needs a whole number from {} to {}, not '{}'", option, min, max, value);
  *out = unsigned(n);
  return {};
}

std::string parse_choice(const std::string& option, const std::string& value, const std::vector<std::string>& choices,
                         std::string* out) {
  for (const auto& c : choices)
    if (c == value) { *out = value; return {}; }
  return fmt::format("{} is one of {}, not '{}'", option, fmt::format("{}", fmt::join(choices, "|")), value);
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "dicomscrub: %s\n(dicomscrub help lists the commands; dicomscrub COMMAND --help tells more)\n", msg.c_str());
  return 2;
}

}  // namespace cli
