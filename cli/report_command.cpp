// cli/report_command.cpp — `dicomscrub report AUDIT.jsonl --html OUT.html`: a run rendered as one
// self-contained page for a reviewer: what ran (the audit's header), counts by status and by
// withhold reason, the inputs not written with their reasons, and a thumbnail of the OUTPUT frame
// of every instance whose pixels were cleaned, blanked boxes outlined (lib/batch/report_page).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "batch/report_page.hpp"
#include "commands.hpp"
#include "options.hpp"

namespace cli {

int cmd_report(const std::vector<std::string>& args) {
  std::string html_path, output_root;
  Command c{"report", "AUDIT.jsonl --html OUT.html [--outputs DIR]",
            "Render the audit of a deid run as one self-contained HTML page for review.",
            "Counts by status and withhold reason, every input not written with its reason, and for every\n"
            "instance whose pixels were cleaned a thumbnail of the written output's frame with the blanked\n"
            "boxes outlined (never the input's pixels). Output paths in the audit are read as recorded,\n"
            "or under --outputs DIR when the output folder has moved. Opens in any browser, offline.",
            {{"--html", "", "OUT.html", "the page to write (required)", [&](const std::string& v) { html_path = v; return std::string(); }},
             {"--outputs", "", "DIR", "the deid output folder, if it moved since the run",
              [&](const std::string& v) { output_root = v; return std::string(); }}}};
  std::vector<std::string> pos;
  if (int rc = parse(c, args, &pos); rc >= 0) return rc;
  if (pos.size() != 1) return usage_error(c, "needs exactly one AUDIT.jsonl");
  if (html_path.empty()) return usage_error(c, "needs --html OUT.html");
  std::ifstream in(pos[0]);
  if (!in) { std::fprintf(stderr, "error: %s: cannot read the audit file\n", pos[0].c_str()); return 1; }
  std::stringstream text;
  text << in.rdbuf();
  auto page = dicomscrub::report::render(text.str(), output_root);
  if (!page) { std::fprintf(stderr, "error: %s: %s\n", pos[0].c_str(), page.error().message().c_str()); return 1; }
  std::ofstream out(html_path, std::ios::binary | std::ios::trunc);
  out << page->html;
  out.close();
  if (!out) { std::fprintf(stderr, "error: cannot write %s\n", html_path.c_str()); return 1; }
  std::printf("wrote %s: %zu records, %zu thumbnails%s\n", html_path.c_str(), page->records, page->thumbnails,
              page->thumbnail_problems ? (", " + std::to_string(page->thumbnail_problems) + " outputs could not be shown").c_str() : "");
  return page->thumbnail_problems ? 1 : 0;
}

}  // namespace cli
