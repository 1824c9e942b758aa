// cli/gateway_main.cpp — the `dicomscrub-gateway` program, which `dicomscrub gateway` runs (execs,
// same arguments, same process): the gateway alone links DCMTK and libcurl, so the other commands
// do not load and relocate them at every start.
#include <string>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) { return cli::cmd_gateway(std::vector<std::string>(argv + 1, argv + argc)); }
