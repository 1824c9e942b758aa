// cli/options.hpp — the command table and option parsing of `dicomscrub`: every command declares
// its options once (name, value, help), and the same table drives parsing, `COMMAND --help` and
// `dicomscrub help`. Adding an option is one row.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cli {

struct Option {
  std::string name;        // "--jobs"
  std::string alias;       // "-j", or ""
  std::string value_name;  // "N"; empty: a flag taking no value
  std::string help;
  // Takes the value ("" for a flag); returns an error message, or "" when it was accepted.
  std::function<std::string(const std::string& value)> apply;
};

struct Command {
  std::string name;
  std::string synopsis;    // what follows "dicomscrub NAME" in the usage line
  std::string summary;     // one line, for `dicomscrub help`
  std::string details;     // paragraphs after the options, or ""
  std::vector<Option> options;
};

// Parses `args` against the command's options ("--name value", "--name=value", flags), collecting
// the rest into *positional ("--" ends the options). Returns -1 to go on, 0 after printing the
// command's help (--help, -h), 2 after a usage error (printed, with a pointer to the help).
int parse(const Command& command, const std::vector<std::string>& args, std::vector<std::string>* positional);

std::string help_text(const Command& command);
int usage_error(const Command& command, const std::string& message);

// Validators for option values: they return an error message naming the option, or "".
std::string parse_count(const std::string& option, const std::string& value, unsigned min, unsigned max, unsigned* out);
std::string parse_choice(const std::string& option, const std::string& value, const std::vector<std::string>& choices,
                         std::string* out);

}  // namespace cli
