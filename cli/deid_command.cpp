// cli/deid_command.cpp — `dicomscrub deid`, `keygen` and `profile`: argument handling, progress
// and the summary. The work is in lib/batch and lib/deid.
#include <unistd.h>

#include <atomic>
#include <csignal>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "dicomscrub/batch.hpp"
#include "pseudo/pseudonymizer.hpp"
#include "profile/profile.hpp"
#include "reid/mapping_store.hpp"

namespace cli {
namespace {
std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }
}  // namespace

int cmd_deid(const std::vector<std::string>& args) {
  dicomscrub::DeidConfig config;
  dicomscrub::BatchOptions options;
  std::string key_file, audit_path, mapping_dir;
  std::vector<std::string> inputs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> const std::string* {
      if (i + 1 >= args.size()) { usage_error(std::string(what) + " needs a value"); return nullptr; }
      return &args[++i];
    };
    if (a == "--profile") { auto v = value("--profile"); if (!v) return 2; config.profile = *v; }
    else if (a == "--option") { auto v = value("--option"); if (!v) return 2; config.options.push_back(*v); }
    else if (a == "--key-file") { auto v = value("--key-file"); if (!v) return 2; key_file = *v; }
    else if (a == "--output" || a == "-o") { auto v = value("--output"); if (!v) return 2; options.output_dir = *v; }
    else if (a == "--jobs" || a == "-j") { auto v = value("--jobs"); if (!v) return 2; options.jobs = unsigned(std::max(1, std::atoi(v->c_str()))); }
    else if (a == "--audit") { auto v = value("--audit"); if (!v) return 2; audit_path = *v; }
    else if (a == "--mapping") { auto v = value("--mapping"); if (!v) return 2; mapping_dir = *v; }
    else if (a == "--lookup") { auto v = value("--lookup"); if (!v) return 2; config.lookup_file = *v; }
    else if (a == "--lookup-missing") { auto v = value("--lookup-missing"); if (!v) return 2; config.lookup_missing = *v; }  // the engine checks it
    else if (a == "--dry-run") options.dry_run = true;
    else if (a == "--no-verify") config.verify = false;
    else if (a == "--pixel-rules") { auto v = value("--pixel-rules"); if (!v) return 2; config.pixel_rules = *v; }
    else if (a == "--no-ocr-check") config.ocr_check = false;
    else if (a == "--cover-pages") { auto v = value("--cover-pages"); if (!v) return 2; config.cover_pages = *v; }  // the engine checks it
    else if (a.rfind("--", 0) == 0) return usage_error("unknown option " + a);
    else inputs.push_back(a);
  }
  if (options.output_dir.empty() && !options.dry_run) return usage_error("deid needs --output DIR");
  if (inputs.empty()) return usage_error("deid needs at least one INPUT");
  if (!key_file.empty()) {
    auto key = dicomscrub::pseudo::Key::from_file(key_file);
    if (!key) { std::fprintf(stderr, "error: %s\n", key.error().message().c_str()); return 2; }
    config.key = key->bytes();
  }
  config.record_tag_actions = !audit_path.empty();  // only the audit file shows them
  std::shared_ptr<dicomscrub::reid::MappingStore> mapping;
  if (!mapping_dir.empty() && !options.dry_run) {
    auto store = dicomscrub::reid::MappingStore::open(mapping_dir);
    if (!store) { std::fprintf(stderr, "error: %s\n", store.error().message().c_str()); return 2; }
    mapping = *store;
    config.record_mappings = true;
    options.before_write = [mapping](const dicomscrub::DeidReport& r) { return mapping->add(r.uid_mapping, r.patient_id_mapping); };
  }
  auto engine = dicomscrub::Deidentifier::create(config);
  if (!engine) { std::fprintf(stderr, "error: %s\n", engine.error().message().c_str()); return 2; }
  if (engine->one_time_key())
    std::fprintf(stderr, "note: no --key-file: using a random one-time key; pseudonyms will not match any other run "
                         "(make a key with `dicomscrub keygen FILE`)\n");
  std::vector<std::string> problems;
  auto files = dicomscrub::collect_inputs(inputs, &problems);
  for (const auto& p : problems) std::fprintf(stderr, "error: %s\n", p.c_str());
  const bool tty = ::isatty(2);
  if (tty) {
    options.progress = [](std::size_t done, std::size_t total) {
      int width = 40, filled = total ? int(width * done / total) : width;
      std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(std::size_t(filled), '#').c_str(), std::string(std::size_t(width - filled), ' ').c_str(), done, total);
      if (done == total) std::fputc('\n', stderr);
    };
  }
  // SIGINT/SIGTERM: finish the files in progress (atomic writes, nothing partial), start no more.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  options.cancel = &g_cancel;
  auto outcomes = dicomscrub::run_batch(*engine, files, options);
  std::FILE* audit = nullptr;
  if (!audit_path.empty()) {
    audit = std::fopen(audit_path.c_str(), "w");
    if (!audit) std::fprintf(stderr, "error: cannot write the audit file %s\n", audit_path.c_str());
  }
  std::map<std::string, int> withheld_by_reason;
  int written = 0, withheld = 0, errors = int(problems.size()), skipped = 0, not_started = 0, present = 0;
  for (const auto& o : outcomes) {
    if (audit) std::fprintf(audit, "%s\n", dicomscrub::audit_record(o).c_str());
    switch (o.status) {
      case dicomscrub::FileStatus::written: ++written; present += o.already_present; break;
      case dicomscrub::FileStatus::not_started: ++not_started; break;
      case dicomscrub::FileStatus::withheld: ++withheld; withheld_by_reason[o.reason]++; break;
      case dicomscrub::FileStatus::not_dicom: ++skipped; std::fprintf(stderr, "skipped: %s\n", o.reason.c_str()); break;
      case dicomscrub::FileStatus::error: ++errors; std::fprintf(stderr, "error: %s\n", o.reason.c_str()); break;
    }
  }
  if (audit) std::fclose(audit);
  std::printf("%s%zu inputs: %d written, %d withheld, %d errors, %d not DICOM (skipped)\n",
              options.dry_run ? "dry run: " : "", files.size(), written, withheld, errors, skipped);
  if (present) std::printf("  %d of the written were already present from an earlier run (identical)\n", present);
  for (const auto& [reason, n] : withheld_by_reason) std::printf("  withheld %d: %s\n", n, reason.c_str());
  if (not_started) std::printf("interrupted: %d inputs not started; run the same command again to finish them\n", not_started);
  std::printf("profile: %s; key fingerprint %s%s\n", engine->method_description().c_str(), engine->key_fingerprint().c_str(),
              engine->one_time_key() ? " (one-time)" : "");
  if (not_started) return 130;
  if (errors) return 1;
  if (withheld) return 3;
  return 0;
}

int cmd_keygen(const std::vector<std::string>& args) {
  if (args.size() != 1) return usage_error("keygen needs FILE");
  if (auto st = dicomscrub::pseudo::Key::generate_file(args[0]); !st) {
    std::fprintf(stderr, "error: %s\n", st.error().message().c_str());
    return 1;
  }
  std::printf("wrote a new 256-bit key to %s (mode 0600); keep it secret and keep it: the same key gives the same pseudonyms\n", args[0].c_str());
  return 0;
}

int cmd_profile(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("profile needs show [FILE] [--option NAME]... or check FILE");
  if (args[0] == "check") {
    if (args.size() != 2) return usage_error("profile check FILE");
    auto p = dicomscrub::profile::Profile::from_file(args[1]);
    if (!p) { std::fprintf(stderr, "error: %s\n", p.error().message().c_str()); return 1; }
    std::printf("%s: valid (%zu rules)\n", args[1].c_str(), p->rules().size());
    return 0;
  }
  if (args[0] == "show") {
    dicomscrub::DeidConfig config;
    config.key.assign(32, 0);  // showing rules needs no secret
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--option" && i + 1 < args.size()) config.options.push_back(args[++i]);
      else config.profile = args[i];
    }
    auto engine = dicomscrub::Deidentifier::create(config);
    if (!engine) { std::fprintf(stderr, "error: %s\n", engine.error().message().c_str()); return 1; }
    std::fputs(engine->describe_profile().c_str(), stdout);
    return 0;
  }
  return usage_error("unknown profile subcommand " + args[0]);
}

}  // namespace cli
