// cli/key_profile_commands.cpp — `dicomscrub keygen` and `dicomscrub profile`.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dicomscrub/deid.hpp"
#include "options.hpp"
#include "profile/profile.hpp"
#include "dicomscrub/keys.hpp"

namespace cli {

int cmd_keygen(const std::vector<std::string>& args) {
  Command c{"keygen", "FILE", "Write a new random 256-bit key to FILE (mode 0600); refuses an existing FILE.",
            "Keep the key secret and keep it: the same key gives the same pseudonyms, so every run\n"
            "of a project (and every Dask worker) must use it.",
            {}};
  std::vector<std::string> pos;
  if (int rc = parse(c, args, &pos); rc >= 0) return rc;
  if (pos.size() != 1) return usage_error(c, "needs exactly one FILE");
  if (auto st = dicomscrub::Key::generate_file(pos[0]); !st) {
    std::fprintf(stderr, "error: %s\n", st.error().message().c_str());
    return 1;
  }
  std::printf("wrote a new 256-bit key to %s (mode 0600); keep it secret and keep it: the same key gives the same pseudonyms\n", pos[0].c_str());
  return 0;
}

int cmd_profile(const std::vector<std::string>& args) {
  dicomscrub::DeidConfig config;
  Command c{"profile", "show [NAME|FILE] [--option NAME]... | check FILE",
            "Print the effective rules of a profile (show), or validate a JSON profile file (check).",
            "Profiles and options: docs/profiles.md.",
            {{"--option", "", "NAME", "a PS3.15 option, repeatable (show)",
              [&](const std::string& v) { config.options.push_back(v); return std::string(); }}}};
  std::vector<std::string> pos;
  if (int rc = parse(c, args, &pos); rc >= 0) return rc;
  if (pos.empty()) return usage_error(c, "needs show or check");
  if (pos[0] == "check") {
    if (pos.size() != 2) return usage_error(c, "check needs exactly one FILE");
    auto p = dicomscrub::profile::Profile::from_file(pos[1]);
    if (!p) { std::fprintf(stderr, "error: %s\n", p.error().message().c_str()); return 1; }
    std::printf("%s: valid (%zu rules)\n", pos[1].c_str(), p->rules().size());
    for (const auto& w : p->identifying_keeps()) std::printf("warning: %s\n", w.c_str());
    return 0;
  }
  if (pos[0] == "show") {
    if (pos.size() > 2) return usage_error(c, "show takes at most one NAME or FILE");
    if (pos.size() == 2) config.profile = pos[1];
    // Showing rules needs no secret (and a fixed key spares seeding the random generator).
    const std::vector<std::uint8_t> no_secret(32, 0);
    config.key = std::make_shared<const dicomscrub::Key>(dicomscrub::Key::from_bytes(no_secret).value());
    auto engine = dicomscrub::Deidentifier::create(config);
    if (!engine) { std::fprintf(stderr, "error: %s\n", engine.error().message().c_str()); return 1; }
    std::fputs(engine->describe_profile().c_str(), stdout);
    return 0;
  }
  return usage_error(c, "unknown subcommand " + pos[0] + " (show or check)");
}

}  // namespace cli
