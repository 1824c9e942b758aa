// lib/batch/audit.hpp — the audit file of a batch: JSON Lines, opened before any output is written
// (a run that cannot keep its audit writes nothing), one header record saying what ran (tool
// version, profile and its digest, options, key fingerprint, start time), then one record per
// input as soon as it and those before it are done (flushed, so an interrupted run keeps its
// account), then a summary record. Input paths are recorded plain, as a keyed hash, or not at all
// (folder names in hospitals often carry patients' names).
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "dicomscrub/batch.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub::audit {

enum class Paths { plain, hashed, none };
Result<Paths> paths_from_string(const std::string& s);
const char* to_string(Paths p);

// What the header records about the run besides what the engine knows.
struct RunInfo {
  std::string profile;                 // as given: a built-in name or a file
  std::vector<std::string> options;
  unsigned jobs = 1;
  bool dry_run = false;
  std::string duplicates;              // the duplicate policy's name
  Paths paths = Paths::hashed;
};

// ISO 8601 UTC with milliseconds, e.g. "2026-11-30T04:05:06.789Z".
std::string utc_time(std::chrono::system_clock::time_point t);

class Log {
 public:
  // Creates `path` (mode 0600), refusing an existing file unless `append`.
  static Result<Log> open(const std::string& path, bool append);
  Log(Log&& other) noexcept;
  Log& operator=(Log&&) = delete;
  ~Log();

  void header(const Deidentifier& engine, const RunInfo& run);
  void record(const FileOutcome& outcome);
  void summary(const std::map<std::string, int>& counts, double seconds);
  // False once a write failed (disk full...): the caller must say the audit is incomplete.
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  Log(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  void line(const std::string& json);
  std::string name_of(const std::string& input) const;

  std::FILE* file_ = nullptr;
  std::string path_;
  bool ok_ = true;
  Paths paths_ = Paths::hashed;
  const Deidentifier* engine_ = nullptr;
};

// One record for `outcome` (input path named by `name`: plain, hashed or "" for none).
std::string record_json(const FileOutcome& outcome, const std::string& input_name, bool hide_input_in_reason);

}  // namespace dicomscrub::audit
