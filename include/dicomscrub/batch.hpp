// dicomscrub/batch.hpp — de-identify many files: inputs collected from files and folders, a
// bounded pool of worker threads, outputs named by pseudonymized UIDs, one outcome per input in
// input order (so summaries and audit files do not depend on scheduling). Two inputs that give the
// same output (the same instance exported twice) are settled in input order: the first is written,
// the others follow the duplicate policy, whatever the job count.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dicomscrub/deid.hpp"

namespace dicomscrub {

enum class FileStatus { written, withheld, error, not_dicom, not_started, duplicate };
const char* to_string(FileStatus s);

struct FileOutcome {
  std::string input;
  std::string output;        // empty unless written (or, in a dry run, would be)
  FileStatus status = FileStatus::error;
  std::string reason;        // withhold reason or error message; never an element value
  bool already_present = false;  // written by an earlier run with identical bytes
  std::optional<ErrorCode> error_code;  // set for error and not_dicom: io is the system's refusal
  std::uint64_t error_offset = 0;  // for errors about the input's bytes
  std::string error_tag_path;
  std::string duplicate_of;  // the earlier input giving the same output (duplicate, or suffix/error policy)
  std::chrono::system_clock::time_point finished{};  // when this input was done
  double seconds = 0;        // time spent on this input (read, de-identify, write)
  DeidReport report;
};

// What to do with an input whose output is the same as an earlier input's (same pseudonymized
// Study/Series/SOP Instance UIDs): skip it (reported as a duplicate; the default), report it as an
// error, or write it under <instance>-N.dcm.
enum class DuplicatePolicy { skip, error, suffix };

struct BatchOptions {
  std::string output_dir;
  unsigned jobs = 1;
  bool dry_run = false;      // decide and report, write nothing (duplicates are still found)
  bool fsync = false;        // outputs durable before they are reported written (the gateway's spool)
  DuplicatePolicy duplicates = DuplicatePolicy::skip;
  std::function<void(std::size_t done, std::size_t total)> progress;  // serialized; done never goes back
  // Called once per input in input order as soon as it and every input before it are done (so an
  // audit can be streamed); serialized.
  std::function<void(const FileOutcome&)> on_outcome;
  // Set (e.g. from a signal handler) to stop taking new files; files in progress still finish,
  // so no partial output is left, and the rest are reported as not_started.
  const std::atomic<bool>* cancel = nullptr;
  // Called for every instance that will be written, before its output exists (the mapping tables
  // record their rows here, so no output is ever without its row). A failure fails that input.
  std::function<Status(const DeidReport&)> before_write;
};

// Regular files named, and every regular file under folders named (recursive, sorted), each once.
// Files and folders in `leave_out` (the output folder, the audit file) are not collected, so an
// output folder inside an input folder is never read back as input.
std::vector<std::string> collect_inputs(const std::vector<std::string>& paths, std::vector<std::string>* problems = nullptr,
                                        const std::vector<std::string>& leave_out = {});

std::vector<FileOutcome> run_batch(const Deidentifier& engine, const std::vector<std::string>& inputs, const BatchOptions& options);

// Where scrub_one puts an output: under options.output_dir at its pseudonymized path (written
// once; an identical existing file is left alone), at one file path (replaced atomically), or
// into memory.
struct ScrubOutput {
  enum class To { folder, file, memory } to = To::folder;
  std::string file;                            // To::file
  std::vector<std::uint8_t>* bytes = nullptr;  // To::memory: receives the output's bytes
};

// THE path from an input to its output bytes: read (the file `input`, or `input_bytes` when
// given, named `input` in errors), de-identify, options.before_write, align bulk data as in the
// input, write. run_batch takes it for every input; the CLI, the C ABI (file, buffer, stream,
// folder) and the examples call it, so the same input gives the same bytes whichever way in.
FileOutcome scrub_one(const Deidentifier& engine, const std::string& input, const BatchOptions& options,
                      const ScrubOutput& output = {}, std::optional<std::vector<std::uint8_t>> input_bytes = std::nullopt);
// scrub_one into options.output_dir.
FileOutcome deidentify_one(const Deidentifier& engine, const std::string& input, const BatchOptions& options);

// One JSON record: input and output paths, status, reason, counts per action and per tag.
// (lib/batch/audit.hpp writes whole audit files: header, paths hashed or not, timing.)
std::string audit_record(const FileOutcome& outcome);

}  // namespace dicomscrub
