// cli/main.cpp — the `dicomscrub` command: the table of commands, `help`, and the small commands
// (dump, rewrite, version). Argument handling and reporting only; all DICOM work is in the library.
//
// Exit codes: 0 every input done; 1 some input failed (others still processed); 2 usage error;
// 3 (deid, verify) something withheld or found; 130 (deid) interrupted.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "dicomscrub/reader.hpp"
#include "dicomscrub/version.h"
#include "dicomscrub/writer.hpp"
#include "dump/dump.hpp"
#include "media/media.hpp"
#include "options.hpp"

namespace {
using cli::Command;

int cmd_dump(const std::vector<std::string>& args) {
  bool json = false;
  dicomscrub::dump::JsonOptions jopt;
  dicomscrub::ReadOptions ropt;
  auto flag = [](bool* b) { return [b](const std::string&) { *b = true; return std::string(); }; };
  Command c{"dump", "[--json [--pretty]] [--inline-binary] [--transfer-syntax UID] FILE...",
            "Print each file's elements (tag, VR, length, keyword, value, nesting), or its data set in the\n"
            "DICOM JSON model (PS3.18 Annex F; bulk data omitted unless --inline-binary).",
            "",
            {{"--json", "", "", "the DICOM JSON model instead of text", flag(&json)},
             {"--pretty", "", "", "indented JSON", flag(&jopt.pretty)},
             {"--inline-binary", "", "", "bulk data inline (base64)", flag(&jopt.inline_binary)},
             {"--transfer-syntax", "", "UID", "read a raw data set in this transfer syntax",
              [&](const std::string& v) { ropt.transfer_syntax = v; return std::string(); }}}};
  std::vector<std::string> files;
  if (int rc = parse(c, args, &files); rc >= 0) return rc;
  if (files.empty()) return usage_error(c, "needs at least one FILE");
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
  Command c{"rewrite", "[--transfer-syntax UID] [--replace] SRC DST",
            "Read SRC and write it back to DST through our writer (atomically): an unedited file comes\n"
            "back byte-identical, so this is a round-trip check of the reader and writer.",
            "",
            {{"--transfer-syntax", "", "UID", "read a raw data set in this transfer syntax",
              [&](const std::string& v) { ropt.transfer_syntax = v; return std::string(); }},
             {"--replace", "", "", "replace DST if it exists", [&](const std::string&) { replace = true; return std::string(); }}}};
  std::vector<std::string> pos;
  if (int rc = parse(c, args, &pos); rc >= 0) return rc;
  if (pos.size() != 2) return usage_error(c, "needs SRC and DST");
  if (pos[0] == pos[1]) return usage_error(c, "SRC and DST are the same file; inputs are never modified");
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

int cmd_version(const std::vector<std::string>&) {
  std::puts("dicomscrub " DICOMSCRUB_VERSION);
  std::printf("media (codecs, OCR, PDF): %s\n", dicomscrub::media::isolation().c_str());
  return 0;
}

// The gateway is its own program, dicomscrub-gateway beside this one (cli/gateway_main.cpp), which
// parses its own arguments; its help is here. Linked in, DCMTK and libcurl (which only the
// gateway needs) were loaded and relocated by every run of every command: 24 M of a deid run's
// 33 M instructions of start-up (bench/callgrind_steps.py).
int run_gateway_program(const std::vector<std::string>& args) {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string exe = "dicomscrub-gateway";
  if (n > 0) {
    std::string path(self, std::size_t(n));
    exe = path.substr(0, path.rfind('/') + 1) + exe;
  }
  std::vector<char*> argv = {exe.data()};
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(exe.c_str(), argv.data());
  std::fprintf(stderr, "dicomscrub gateway: cannot run %s (%s); it is built and installed beside dicomscrub\n", exe.c_str(),
               std::strerror(errno));
  return 2;
}

int cmd_gateway_with_help(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a != "--help" && a != "-h") continue;
    std::fputs(R"(usage: dicomscrub gateway --config FILE | --listen HOST:PORT --ae-title AE --allow-calling AE[@HOST]...
          --key-file FILE --spool DIR --forward AE@HOST:PORT [--profile NAME|FILE]
          [--option NAME]... [--workers N] [--associations N] [--max-attempts N] [--check]

A de-identifying DICOM gateway: receives C-STORE, keeps each instance durably in the spool,
de-identifies it per destination and forwards it (C-STORE or STOW-RS) with retry; withheld
instances go to SPOOL/quarantine, never out. SIGTERM stops it cleanly; a restart resumes from
the spool (docs/gateway.md).
)", stdout);
    return 0;
  }
  return run_gateway_program(args);
}

struct Entry {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

// Every command, in the order `dicomscrub help` lists them. A new command is one row.
const Entry kCommands[] = {
    {"deid", "de-identify files and folders into an output folder", cli::cmd_deid},
    {"report", "render a deid audit as one self-contained HTML page for review", cli::cmd_report},
    {"verify", "look for PHI in files standing alone", cli::cmd_verify},
    {"reidentify", "restore original values sealed by deid --encrypt-for, with the private key", cli::cmd_reidentify},
    {"gateway", "a de-identifying DICOM gateway (C-STORE in, C-STORE or STOW-RS out)", cmd_gateway_with_help},
    {"keygen", "write a new secret key file", cli::cmd_keygen},
    {"profile", "show a profile's effective rules, or check a profile file", cli::cmd_profile},
    {"dump", "print a file's elements, or its DICOM JSON", cmd_dump},
    {"rewrite", "read a file and write it back (round-trip check)", cmd_rewrite},
    {"version", "print the version", cmd_version},
};

std::string overview() {
  std::string s = "usage: dicomscrub COMMAND [OPTIONS] ...\n\ncommands:\n";
  for (const auto& e : kCommands) s += fmt::format("  {:<10} {}\n", e.name, e.summary);
  s += "  help       this list; `dicomscrub help COMMAND` or `dicomscrub COMMAND --help` for one\n\n"
       "Start with:  dicomscrub keygen site.key\n"
       "             dicomscrub deid --key-file site.key --output OUT --audit run.jsonl INPUT...\n"
       "             dicomscrub report run.jsonl --html run.html\n";
  return s;
}

const Entry* find_command(const std::string& name) {
  for (const auto& e : kCommands)
    if (name == e.name) return &e;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "dicomscrub: no command\n\n%s", overview().c_str());
    return 2;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    if (!args.empty()) {
      if (const Entry* e = find_command(args[0])) return e->run({"--help"});
      std::fprintf(stderr, "dicomscrub: unknown command %s\n\n%s", args[0].c_str(), overview().c_str());
      return 2;
    }
    std::fputs(overview().c_str(), stdout);
    return 0;
  }
  if (cmd == "--version") return cmd_version(args);
  if (const Entry* e = find_command(cmd)) return e->run(args);
  std::fprintf(stderr, "dicomscrub: unknown command %s\n\n%s", cmd.c_str(), overview().c_str());
  return 2;
}
