// cli/verify_command.cpp — `dicomscrub verify`: scan files standing alone (an export about to leave,
// an exposed archive) for PHI-looking content. Reports kinds and places, never values.
#include <cstdio>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "commands.hpp"
#include "options.hpp"
#include "dicomscrub/batch.hpp"
#include "dicomscrub/reader.hpp"
#include "pseudo/encrypted_attributes.hpp"
#include "verify/verifier.hpp"

namespace cli {

int cmd_verify(const std::vector<std::string>& args) {
  bool json = false;
  Command c{"verify", "[--json] INPUT...",
            "Scan files standing alone (an export about to leave, an exposed archive) for PHI-looking content.",
            "Reports identifying attributes still filled, their values elsewhere in the file, SSN and e-mail\n"
            "patterns: kinds and tag paths, never values. Exit 0 clean, 3 anything found, 1 some input failed.",
            {{"--json", "", "", "one JSON array of results on stdout", [&](const std::string&) { json = true; return std::string(); }}}};
  std::vector<std::string> inputs;
  if (int rc = parse(c, args, &inputs); rc >= 0) return rc;
  if (inputs.empty()) return usage_error(c, "needs at least one INPUT (a file or a folder)");
  std::vector<std::string> problems;
  auto files = dicomscrub::collect_inputs(inputs, &problems);
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartArray();
  int clean = 0, dirty = 0, errors = int(problems.size()), skipped = 0;
  for (const auto& p : problems) std::fprintf(stderr, "error: %s\n", p.c_str());
  for (const auto& path : files) {
    auto f = dicomscrub::read_file(path);
    w.StartObject();
    w.Key("file");
    w.String(path.c_str());
    if (!f) {
      bool not_dicom = f.error().code == dicomscrub::ErrorCode::not_dicom;
      not_dicom ? ++skipped : ++errors;
      w.Key("status");
      w.String(not_dicom ? "not_dicom" : "error");
      w.Key("reason");
      w.String(f.error().message().c_str());
      w.EndObject();
      if (!json && !not_dicom) std::printf("error: %s\n", f.error().message().c_str());
      continue;
    }
    auto findings = dicomscrub::verify::scan_standalone(*f);
    // Original values kept for re-identification: opaque when sealed, a leak when in the clear.
    auto unsealed = dicomscrub::reid::unsealed_original_values(f->dataset);
    findings.empty() && unsealed.empty() ? ++clean : ++dirty;
    w.Key("status");
    w.String(findings.empty() && unsealed.empty() ? "clean" : "findings");
    w.Key("findings");
    w.StartArray();
    for (const auto& x : findings) {
      w.StartObject();
      w.Key("kind");
      w.String(dicomscrub::phi::to_string(x.kind));
      w.Key("where");
      w.String(x.where.c_str());
      w.EndObject();
      if (!json) std::printf("%s: %s at %s\n", path.c_str(), dicomscrub::phi::to_string(x.kind), x.where.c_str());
    }
    for (const auto& where : unsealed) {
      w.StartObject();
      w.Key("kind");
      w.String("unencrypted_original_values");
      w.Key("where");
      w.String(where.c_str());
      w.EndObject();
      if (!json) std::printf("%s: unencrypted_original_values at %s\n", path.c_str(), where.c_str());
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  if (json) std::printf("%s\n", sb.GetString());
  else std::printf("%zu files: %d clean, %d with findings, %d errors, %d not DICOM\n", files.size(), clean, dirty, errors, skipped);
  if (errors) return 1;
  return dirty ? 3 : 0;
}

}  // namespace cli
