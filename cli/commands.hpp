// cli/commands.hpp — the subcommands of `dicomscrub`.
#pragma once

#include <string>
#include <vector>

namespace cli {
int usage_error(const std::string& msg);
int cmd_deid(const std::vector<std::string>& args);
int cmd_keygen(const std::vector<std::string>& args);
int cmd_profile(const std::vector<std::string>& args);
int cmd_verify(const std::vector<std::string>& args);
int cmd_gateway(const std::vector<std::string>& args);
}  // namespace cli
