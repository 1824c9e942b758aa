// cli/commands.hpp — the subcommands of `dicomscrub` (main.cpp holds the table of them).
#pragma once

#include <string>
#include <vector>

namespace cli {
int cmd_deid(const std::vector<std::string>& args);
int cmd_keygen(const std::vector<std::string>& args);
int cmd_profile(const std::vector<std::string>& args);
int cmd_verify(const std::vector<std::string>& args);
int cmd_gateway(const std::vector<std::string>& args);
int cmd_reidentify(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
// For commands parsing their own arguments (gateway): prints the message and where help is.
int usage_error(const std::string& msg);
}  // namespace cli
