// cli/deid_command.cpp — `dicomscrub deid`: options, progress, the audit file and the summary.
// The work is in lib/batch and lib/deid.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "batch/audit.hpp"
#include "commands.hpp"
#include "dicomscrub/batch.hpp"
#include "options.hpp"
#include "dicomscrub/keys.hpp"
#include "pseudo/mapping_store.hpp"

namespace cli {
namespace {
std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

// Progress on stderr: a bar on a terminal; otherwise a line at every tenth of the batch (logs and
// notebooks see it too, without a line per file).
std::function<void(std::size_t, std::size_t)> progress_printer(bool tty) {
  if (tty) {
    return [](std::size_t done, std::size_t total) {
      int width = 40, filled = total ? int(width * done / total) : width;
      std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(std::size_t(filled), '#').c_str(),
                   std::string(std::size_t(width - filled), ' ').c_str(), done, total);
      if (done == total) std::fputc('\n', stderr);
    };
  }
  return [last = std::size_t(0)](std::size_t done, std::size_t total) mutable {
    std::size_t tenth = total ? done * 10 / total : 10;
    if (total >= 20 && tenth > last && done < total) {
      last = tenth;
      std::fprintf(stderr, "progress: %zu/%zu inputs done\n", done, total);
    }
  };
}
}  // namespace

int cmd_deid(const std::vector<std::string>& args) {
  dicomscrub::DeidConfig config;
  dicomscrub::BatchOptions options;
  dicomscrub::audit::RunInfo run;
  std::string key_file, audit_path, duplicates = "skip", audit_paths = "hashed", mapping_dir;
  bool audit_append = false, quiet = false;
  Command c{"deid", "[OPTIONS] --output DIR INPUT...",
            "De-identify DICOM files and folders (recursive) under PS3.15 E.1-1 (default: the Basic Profile).",
            R"(Outputs are named DIR/<study>/<series>/<instance>.dcm from pseudonymized UIDs and
written atomically; inputs are never modified. Every output is checked for the input's
identifiers before it is written (withheld on any hit). Burned-in text: cover pages have all
text found in every frame blanked; region rules blank known device overlays; ultrasound is
blanked outside its data regions; every cleaned frame is read back by OCR. What cannot be
cleaned is withheld, never written.

Duplicates: two inputs giving the same output (the same instance exported twice) are settled
in input order whatever --jobs: the first is written; the others are skipped and reported
(skip), reported as errors (error), or written as <instance>-2.dcm, -3... (suffix).

The audit (--audit FILE) is opened before any output is written and refuses an existing file
unless --audit-append. Its first line is a header (tool version, profile and digest, options,
key fingerprint, start time), then one line per input in input order as it completes (status,
reason, time, seconds, the action per tag; never a value), then a summary. Input paths are a
keyed hash by default: folder and file names often carry patients' names.

--mapping DIR adds every remapped UID and Patient ID to DIR/uid_mapping.csv and
DIR/patid_mapping.csv (id_old,id_new; mode 0600; IDENTIFYING: keep them at the site); safe to
share between runs, jobs and machines. --lookup FILE.csv: rows of keyword,original,replacement
(e.g. PatientID,MRN-0042,SUBJ-001) replace those values instead of the profile's pseudonym; a
value without a row withholds the instance (--lookup-missing keyed: the keyed pseudonym instead).
--encrypt-for CERT.pem (repeatable; RSA or EC) seals the original values of everything changed in
an Encrypted Attributes Sequence (PS3.15 E.1.1, CMS, AES-256) that only the matching private key
opens (dicomscrub reidentify); such outputs differ from run to run (the encryption is randomised).

Options (--option): retain_safe_private, retain_uids, retain_device_identity,
retain_institution_identity, retain_patient_characteristics, retain_long_full_dates,
retain_long_modified_dates, clean_descriptors, clean_structured_content, clean_graphics.

Exit codes: 0 all written (duplicates skipped count as done); 1 some input failed; 2 usage or
configuration error; 3 some inputs withheld, none failed; 130 interrupted (run the same command
again to finish).)",
            {}};
  auto text = [](std::string* into) { return [into](const std::string& v) { *into = v; return std::string(); }; };
  c.options = {
      {"--output", "-o", "DIR", "where outputs go (created if missing)", text(&options.output_dir)},
      {"--key-file", "", "FILE", "the site key (dicomscrub keygen FILE); without it a one-time key", text(&key_file)},
      {"--profile", "", "NAME|FILE", "basic (default) or a JSON profile file (docs/profiles.md)", text(&config.profile)},
      {"--option", "", "NAME", "a PS3.15 option, repeatable (see below)",
       [&](const std::string& v) { config.options.push_back(v); return std::string(); }},
      {"--jobs", "-j", "N", "worker threads, 1 to 256 (default 1)",
       [&](const std::string& v) { return parse_count("--jobs", v, 1, 256, &options.jobs); }},
      {"--duplicates", "", "skip|error|suffix", "inputs giving an output already given (default skip)",
       [&](const std::string& v) { return parse_choice("--duplicates", v, {"skip", "error", "suffix"}, &duplicates); }},
      {"--audit", "", "FILE", "write the audit (JSON Lines) to FILE", text(&audit_path)},
      {"--audit-append", "", "", "append to an existing audit file instead of refusing it",
       [&](const std::string&) { audit_append = true; return std::string(); }},
      {"--audit-paths", "", "plain|hashed|none", "how the audit names inputs (default hashed)",
       [&](const std::string& v) { return parse_choice("--audit-paths", v, {"plain", "hashed", "none"}, &audit_paths); }},
      {"--dry-run", "", "", "decide and report everything, write no output",
       [&](const std::string&) { options.dry_run = true; return std::string(); }},
      {"--cover-pages", "", "clean|identifiers|withhold", "burned-in text on cover pages (default clean)",
       [&](const std::string& v) {
         config.cover_pages = dicomscrub::cover_pages_from_string(v);
         return config.cover_pages ? std::string() : fmt::format("--cover-pages: '{}' is not {}", v, dicomscrub::kCoverPagesChoices);
       }},
      {"--pixel-rules", "", "FILE", "site region rules, tried before the built-in ones", text(&config.pixel_rules)},
      {"--no-ocr-check", "", "", "do not read cleaned frames back with OCR",
       [&](const std::string&) { config.ocr_check = false; return std::string(); }},
      {"--no-verify", "", "", "skip the residual-PHI check (for measuring its cost only)",
       [&](const std::string&) { config.verify = false; return std::string(); }},
      {"--mapping", "", "DIR", "add remapped UIDs and Patient IDs to DIR/uid_mapping.csv, patid_mapping.csv",
       text(&mapping_dir)},
      {"--lookup", "", "FILE.csv", "keyword,original,replacement rows replace those values", text(&config.lookup_file)},
      {"--lookup-missing", "", "withhold|keyed", "a value without a row: withhold (default) or keyed token",
       [&](const std::string& v) { config.lookup_missing = v; return std::string(); }},  // the engine checks it
      {"--encrypt-for", "", "CERT.pem", "seal the original values for this certificate, repeatable (see below)",
       [&](const std::string& v) { config.encrypt_for.push_back(v); return std::string(); }},
      {"--quiet", "-q", "", "no progress on stderr",
       [&](const std::string&) { quiet = true; return std::string(); }},
  };
  std::vector<std::string> inputs;
  if (int rc = parse(c, args, &inputs); rc >= 0) return rc;
  if (options.output_dir.empty() && !options.dry_run) return usage_error(c, "needs --output DIR");
  if (inputs.empty()) return usage_error(c, "needs at least one INPUT (a file or a folder)");
  if (audit_append && audit_path.empty()) return usage_error(c, "--audit-append needs --audit FILE");
  options.duplicates = duplicates == "error" ? dicomscrub::DuplicatePolicy::error
                       : duplicates == "suffix" ? dicomscrub::DuplicatePolicy::suffix
                                                : dicomscrub::DuplicatePolicy::skip;
  if (!key_file.empty()) {
    auto key = dicomscrub::Key::from_file(key_file);
    if (!key) { std::fprintf(stderr, "error: %s\n", key.error().message().c_str()); return 2; }
    config.key = std::make_shared<const dicomscrub::Key>(std::move(key).value());
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
  // The output folder once, before anything is read: not once per input.
  if (!options.dry_run) {
    std::error_code ec;
    std::filesystem::create_directories(options.output_dir, ec);
    if (ec || ::access(options.output_dir.c_str(), W_OK | X_OK) != 0) {
      std::fprintf(stderr, "error: cannot write into the output folder %s: %s\n", options.output_dir.c_str(),
                   (ec ? ec.message() : std::string(std::strerror(errno))).c_str());
      return 2;
    }
  }
  // The audit before any output: a run that cannot keep its account writes nothing.
  std::optional<dicomscrub::audit::Log> audit;
  if (!audit_path.empty()) {
    auto log = dicomscrub::audit::Log::open(audit_path, audit_append);
    if (!log) { std::fprintf(stderr, "error: %s\n", log.error().message().c_str()); return 2; }
    audit.emplace(std::move(log).value());
  }
  if (engine->one_time_key())
    std::fprintf(stderr, "note: no --key-file: using a random one-time key; pseudonyms will not match any other run "
                         "(make a key with `dicomscrub keygen FILE`)\n");
  std::vector<std::string> problems;
  std::vector<std::string> leave_out;
  if (!options.dry_run) leave_out.push_back(options.output_dir);
  if (!audit_path.empty()) leave_out.push_back(audit_path);
  auto files = dicomscrub::collect_inputs(inputs, &problems, leave_out);
  for (const auto& p : problems) std::fprintf(stderr, "error: %s\n", p.c_str());
  run.profile = config.profile;
  run.options = config.options;
  run.jobs = options.jobs;
  run.dry_run = options.dry_run;
  run.duplicates = duplicates;
  run.paths = *dicomscrub::audit::paths_from_string(audit_paths);
  if (audit) audit->header(*engine, run);
  if (!quiet) options.progress = progress_printer(::isatty(2));
  if (audit) options.on_outcome = [&](const dicomscrub::FileOutcome& o) { audit->record(o); };
  // SIGINT/SIGTERM: finish the files in progress (atomic writes, nothing partial), start no more.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  options.cancel = &g_cancel;
  auto start = std::chrono::steady_clock::now();
  auto outcomes = dicomscrub::run_batch(*engine, files, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::map<std::string, int> withheld_by_reason;
  int written = 0, withheld = 0, errors = int(problems.size()), skipped = 0, not_started = 0, present = 0, duplicate = 0;
  for (const auto& o : outcomes) {
    switch (o.status) {
      case dicomscrub::FileStatus::written: ++written; present += o.already_present; break;
      case dicomscrub::FileStatus::not_started: ++not_started; break;
      case dicomscrub::FileStatus::withheld: ++withheld; withheld_by_reason[o.reason]++; break;
      case dicomscrub::FileStatus::duplicate: ++duplicate; std::fprintf(stderr, "duplicate: %s: %s\n", o.input.c_str(), o.reason.c_str()); break;
      case dicomscrub::FileStatus::not_dicom: ++skipped; std::fprintf(stderr, "skipped: %s\n", o.reason.c_str()); break;
      case dicomscrub::FileStatus::error: ++errors; std::fprintf(stderr, "error: %s\n", o.reason.c_str()); break;
    }
  }
  if (audit) {
    audit->summary({{"inputs", int(files.size())}, {"written", written}, {"withheld", withheld}, {"errors", errors},
                    {"not_dicom", skipped}, {"duplicates", duplicate}, {"not_started", not_started}}, seconds);
    if (!audit->ok()) {
      std::fprintf(stderr, "error: writing the audit file %s failed; it is incomplete\n", audit->path().c_str());
      ++errors;
    }
  }
  std::printf("%s%zu inputs: %d %s, %d withheld, %d errors, %d not DICOM (skipped)", options.dry_run ? "dry run: " : "",
              files.size(), written, options.dry_run ? "would be written" : "written", withheld, errors, skipped);
  if (duplicate) std::printf(", %d duplicates (not written)", duplicate);
  std::printf(" in %.1f s\n", seconds);
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

}  // namespace cli
