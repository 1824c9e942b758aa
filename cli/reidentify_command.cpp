// cli/reidentify_command.cpp — `dicomscrub reidentify`: reverse de-identification under governance
// with the private key an Encrypted Attributes Sequence was sealed for. The work is in lib/pseudo/encrypted_attributes.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"
#include "options.hpp"
#include "dicomscrub/batch.hpp"
#include "pseudo/encrypted_attributes.hpp"

namespace cli {

int cmd_reidentify(const std::vector<std::string>& args) {
  std::string key_file, cert_file, output;
  auto text = [](std::string* into) { return [into](const std::string& v) { *into = v; return std::string(); }; };
  Command c{"reidentify", "--private-key KEY.pem [--cert CERT.pem] --output DIR INPUT...",
            "Restore the original values sealed by deid --encrypt-for (or by gdcmanon -e).",
            "Each input's Encrypted Attributes Sequence is opened with the private key; the sealed values\n"
            "go back, the de-identification markers go, and DIR/<study>/<series>/<instance>.dcm is written\n"
            "under the original UIDs. A file the key cannot open is refused and nothing is written for it.\n"
            "Exit 0 all restored, 1 some input failed, 2 usage or key error.",
            {{"--private-key", "", "KEY.pem", "the recipient's private key (PEM, unencrypted)", text(&key_file)},
             {"--cert", "", "CERT.pem", "its certificate: only the recipient info made for it is tried", text(&cert_file)},
             {"--output", "-o", "DIR", "where re-identified files go", text(&output)}}};
  std::vector<std::string> inputs;
  if (int rc = parse(c, args, &inputs); rc >= 0) return rc;
  if (key_file.empty()) return usage_error(c, "needs --private-key KEY.pem");
  if (output.empty()) return usage_error(c, "needs --output DIR");
  if (inputs.empty()) return usage_error(c, "needs at least one INPUT (a file or a folder)");
  auto key = dicomscrub::reid::RecipientKey::from_files(key_file, cert_file);
  if (!key) { std::fprintf(stderr, "error: %s\n", key.error().message().c_str()); return 2; }
  std::vector<std::string> problems;
  auto files = dicomscrub::collect_inputs(inputs, &problems);
  for (const auto& p : problems) std::fprintf(stderr, "error: %s\n", p.c_str());
  int restored = 0, failed = int(problems.size());
  for (const auto& in : files) {
    auto written = dicomscrub::reid::reidentify_file(in, output, **key);
    if (!written) { std::fprintf(stderr, "error: %s\n", written.error().message().c_str()); ++failed; continue; }
    ++restored;
  }
  std::printf("%zu inputs: %d re-identified, %d failed\n", files.size(), restored, failed);
  return failed ? 1 : 0;
}

}  // namespace cli
