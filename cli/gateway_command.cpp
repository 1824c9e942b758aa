// cli/gateway_command.cpp — `dicomscrub gateway`: the configuration from --config or the simple
// flags, SIGTERM/SIGINT handling, and nothing else (the work is in lib/gateway).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.hpp"
#include "gateway/config.hpp"
#include "gateway/gateway.hpp"

namespace cli {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
}  // namespace

int cmd_gateway(const std::vector<std::string>& args) {
  namespace gw = dicomscrub::gateway;
  gw::GatewayConfig config;
  std::string config_file;
  bool flags_given = false, check_only = false;
  gw::Destination forward_template;
  std::vector<std::string> forwards;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* {
      if (i + 1 >= args.size()) { usage_error(a + " needs a value"); return nullptr; }
      return &args[++i];
    };
    const std::string* v = nullptr;
    if (a == "--check") { check_only = true; continue; }
    if (a.rfind("--", 0) != 0) return usage_error("gateway takes no positional argument: " + a);
    if (!(v = value())) return 2;
    if (a == "--config") { config_file = *v; continue; }
    flags_given = true;
    if (a == "--listen") {
      auto colon = v->rfind(':');
      if (colon == std::string::npos) return usage_error("--listen wants HOST:PORT");
      config.listen_host = v->substr(0, colon);
      config.listen_port = std::atoi(v->substr(colon + 1).c_str());
    } else if (a == "--ae-title") config.ae_title = *v;
    else if (a == "--allow-calling") {
      if (*v == "*") config.allow_any = true;
      else config.allow.push_back(gw::parse_allowed(*v));
    } else if (a == "--key-file") config.key_file = *v;
    else if (a == "--spool") config.spool = *v;
    else if (a == "--forward") forwards.push_back(*v);
    else if (a == "--profile") forward_template.profile = *v;
    else if (a == "--option") forward_template.options.push_back(*v);
    else if (a == "--workers") config.workers = unsigned(std::max(1, std::atoi(v->c_str())));
    else if (a == "--associations") forward_template.associations = unsigned(std::max(1, std::atoi(v->c_str())));
    else if (a == "--max-attempts") config.max_attempts = unsigned(std::max(1, std::atoi(v->c_str())));
    else if (a == "--study-quiet") config.study_quiet_seconds = std::atof(v->c_str());
    else return usage_error("unknown gateway option " + a);
  }
  if (!config_file.empty()) {
    if (flags_given) return usage_error("gateway: give either --config FILE or the flags, not both");
    auto loaded = gw::load_config(config_file);
    if (!loaded) { std::fprintf(stderr, "error: %s\n", loaded.error().reason.c_str()); return 2; }
    config = std::move(*loaded);
  } else {
    for (std::size_t k = 0; k < forwards.size(); ++k) {
      auto d = gw::parse_forward(forwards[k]);
      if (!d) return usage_error(d.error().reason);
      d->name = forwards.size() == 1 ? "forward" : "forward" + std::to_string(k + 1);
      d->profile = forward_template.profile;
      d->options = forward_template.options;
      d->associations = forward_template.associations;
      config.destinations.push_back(std::move(*d));
    }
    if (auto st = gw::validate(config); !st) return usage_error("gateway: " + st.error().reason);
  }
  if (check_only) { std::printf("configuration is valid (%zu destinations)\n", config.destinations.size()); return 0; }
  auto gateway = gw::Gateway::create(config);
  if (!gateway) { std::fprintf(stderr, "error: %s\n", gateway.error().message().c_str()); return 2; }
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error on that association only
  (*gateway)->run(g_stop);
  return 0;
}

}  // namespace cli
