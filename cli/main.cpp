// cli/main.cpp — the `dicomscrub` command. Argument handling and reporting only; all DICOM work
// is in the library.
//
// Exit codes: 0 every input done; 1 some input failed (others still processed); 2 usage error.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "commands.hpp"
#include "dump/dump.hpp"

namespace {

constexpr const char* kUsage = R"(usage: dicomscrub COMMAND [OPTIONS] ...

commands:
  deid [--profile NAME|FILE] [--option NAME]... [--key-file FILE] --output DIR
       [--jobs N] [--audit FILE] [--dry-run] [--cover-pages clean|identifiers|withhold]
       [--pixel-rules FILE] [--no-ocr-check] [--mapping DIR]
       [--lookup FILE.csv [--lookup-missing withhold|keyed]] INPUT...
        De-identify files and folders (recursive) under PS3.15 E.1-1 (default: the
        Basic Profile). Outputs are named DIR/<study>/<series>/<instance>.dcm from
        pseudonymized UIDs, written atomically; inputs are never modified.
        Every output is checked for the input's identifiers before it is written
        (withheld on any hit); --no-verify turns that off.
        Burned-in text: cover pages (screenshots, scanned forms) have all text
        found in every frame blanked (identifiers: only lines OCR reads as naming
        the patient; withhold: withheld instead);
        region rules (built-in RSNA CTP set; --pixel-rules FILE tried first)
        blank known device overlays; ultrasound is blanked outside its data
        regions. Every cleaned frame is read back by OCR and a legible identifier
        withholds it (--no-ocr-check turns that off). What cannot be cleaned is
        withheld.
        --mapping DIR: add every remapped UID and Patient ID to DIR/uid_mapping.csv
        and DIR/patid_mapping.csv (id_old,id_new; mode 0600; IDENTIFYING: keep them
        at the site). Safe to share between runs, jobs and machines.
        --lookup FILE.csv: rows of keyword,original,replacement (e.g.
        PatientID,MRN-0042,SUBJ-001) replace those values instead of the profile's
        pseudonym; a value without a row withholds the instance (--lookup-missing
        keyed: it gets the keyed pseudonym instead).
        Options: retain_safe_private, retain_uids, retain_device_identity,
        retain_institution_identity, retain_patient_characteristics,
        retain_long_full_dates, retain_long_modified_dates, clean_descriptors,
        clean_structured_content, clean_graphics.
  verify [--json] INPUT...
        Scan files standing alone for PHI-looking content: identifying attributes
        still filled, their values elsewhere in the file, SSN and e-mail patterns.
        Reports kinds and tag paths, never values. Exit 3 when anything was found.
  gateway --config FILE | --listen HOST:PORT --ae-title AE --allow-calling AE[@HOST]...
          --key-file FILE --spool DIR --forward AE@HOST:PORT [--profile NAME|FILE]
          [--option NAME]... [--workers N] [--associations N] [--max-attempts N] [--check]
        A de-identifying DICOM gateway: receives C-STORE, keeps each instance durably
        in the spool, de-identifies it per destination and forwards it (C-STORE or
        STOW-RS) with retry; withheld instances go to SPOOL/quarantine, never out.
        SIGTERM stops it cleanly; a restart resumes from the spool (docs/gateway.md).
  keygen FILE
        Write a new random 256-bit key file (mode 0600).
  profile show [FILE|NAME] [--option NAME]...   Print the effective rules.
  profile check FILE                            Validate a JSON profile.
  dump [--json] [--inline-binary] [--transfer-syntax UID] FILE...
        Print each file's elements (tag, VR, length, keyword, value, nesting),
        or its data set in the DICOM JSON model (PS3.18 Annex F).
  rewrite [--transfer-syntax UID] [--replace] SRC DST
        Read SRC and write it back to DST through our writer (a round-trip check:
        an unedited file must come out byte-identical).
  version
        Print the version.

Exit codes: 0 success; 1 some input failed (the others were still processed);
2 usage or configuration error; 3 (deid) some inputs withheld, none failed;
130 (deid) interrupted by a signal: the files started were finished, the rest not
started (run the same command again to finish).
)";

}  // namespace

int cli::usage_error(const std::string& msg) {
  std::fprintf(stderr, "dicomscrub: %s\n\n%s", msg.c_str(), kUsage);
  return 2;
}

namespace {
using cli::usage_error;

int cmd_dump(const std::vector<std::string>& args) {
  bool json = false;
  dicomscrub::dump::JsonOptions jopt;
  dicomscrub::ReadOptions ropt;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") json = true;
    else if (a == "--inline-binary") jopt.inline_binary = true;
    else if (a == "--pretty") jopt.pretty = true;
    else if (a == "--transfer-syntax" && i + 1 < args.size()) ropt.transfer_syntax = args[++i];
    else if (a.rfind("--", 0) == 0) return usage_error("unknown option " + a);
    else files.push_back(a);
  }
  if (files.empty()) return usage_error("dump needs at least one FILE");
  int rc = 0;
  bool first = true;
  if (json && files.size() > 1) std::fputs("[", stdout);
  for (const auto& f : files) {
    auto file = dicomscrub::read_file(f, ropt);
    if (!file) {
      std::fprintf(stderr, "error: %s\n", file.error().message().c_str());
      rc = 1;
      continue;
    }
    if (json) {
      if (files.size() > 1 && !first) std::fputs(",", stdout);
      std::fputs(dicomscrub::dump::to_json(*file, jopt).c_str(), stdout);
      if (files.size() == 1) std::fputs("\n", stdout);
    } else {
      std::fputs(dicomscrub::dump::to_text(*file).c_str(), stdout);
    }
    first = false;
  }
  if (json && files.size() > 1) std::fputs("]\n", stdout);
  return rc;
}

int cmd_rewrite(const std::vector<std::string>& args) {
  dicomscrub::ReadOptions ropt;
  bool replace = false;
  std::vector<std::string> pos;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--transfer-syntax" && i + 1 < args.size()) ropt.transfer_syntax = args[++i];
    else if (args[i] == "--replace") replace = true;
    else if (args[i].rfind("--", 0) == 0) return usage_error("unknown option " + args[i]);
    else pos.push_back(args[i]);
  }
  if (pos.size() != 2) return usage_error("rewrite needs SRC and DST");
  if (pos[0] == pos[1]) return usage_error("SRC and DST are the same file; inputs are never modified");
  auto file = dicomscrub::read_file(pos[0], ropt);
  if (!file) {
    std::fprintf(stderr, "error: %s\n", file.error().message().c_str());
    return 1;
  }
  if (auto st = dicomscrub::write_file_atomically(*file, pos[1], {replace, false}); !st) {
    std::fprintf(stderr, "error: %s\n", st.error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage_error("no command");
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "dump") return cmd_dump(args);
  if (cmd == "deid") return cli::cmd_deid(args);
  if (cmd == "keygen") return cli::cmd_keygen(args);
  if (cmd == "profile") return cli::cmd_profile(args);
  if (cmd == "verify") return cli::cmd_verify(args);
  if (cmd == "gateway") return cli::cmd_gateway(args);
  if (cmd == "rewrite") return cmd_rewrite(args);
  if (cmd == "version" || cmd == "--version") { std::puts("dicomscrub " DICOMSCRUB_VERSION); return 0; }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") { std::fputs(kUsage, stdout); return 0; }
  return usage_error("unknown command " + cmd);
}
