// lib/batch — file-level orchestration: read → de-identify → write atomically → report.
// Owns no DICOM logic; a failure in one file never stops the others.
#include "dicomscrub/batch.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <thread>

#include <sys/stat.h>

#include <fmt/format.h>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"

namespace dicomscrub {

const char* to_string(FileStatus s) {
  switch (s) {
    case FileStatus::written: return "written";
    case FileStatus::withheld: return "withheld";
    case FileStatus::error: return "error";
    case FileStatus::not_dicom: return "not_dicom";
    case FileStatus::not_started: return "not_started";
    case FileStatus::duplicate: return "duplicate";
  }
  return "?";
}

std::vector<std::string> collect_inputs(const std::vector<std::string>& paths, std::vector<std::string>* problems,
                                        const std::vector<std::string>& leave_out) {
  namespace fs = std::filesystem;
  // Told apart by device and inode (symbolic links followed, as a canonical path would), and
  // only entries that are links or bear the real name of something left out are looked at: a
  // canonical path per entry cost a readlink per path component (a third of the system calls of a
  // batch of small files), a stat per entry a sixth.
  std::set<std::pair<dev_t, ino_t>> skip;
  std::set<std::string> skip_names;
  for (const auto& p : leave_out) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) continue;
    skip.insert({st.st_dev, st.st_ino});
    std::error_code ec;
    skip_names.insert(fs::weakly_canonical(p, ec).filename().string());
  }
  auto skipped = [&](const fs::directory_entry& entry) {
    if (skip.empty()) return false;
    std::error_code ec;
    if (!entry.is_symlink(ec) && !skip_names.count(entry.path().filename().string())) return false;
    struct stat st {};
    return ::stat(entry.path().c_str(), &st) == 0 && skip.count({st.st_dev, st.st_ino});
  };
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_directory(ec) && skipped(*it)) { it.disable_recursion_pending(); continue; }
        if (it->is_regular_file(ec) && !skipped(*it)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      for (auto& f : found) if (seen.insert(f).second) out.push_back(f);
    } else if (fs::is_regular_file(p, ec)) {
      if (seen.insert(p).second) out.push_back(p);
    } else if (problems) {
      problems->push_back(p + ": no such file or folder");
    }
  }
  return out;
}

namespace {

// The first half of an input's work: read and de-identify. `file` holds the output to write when
// the outcome says written (and the write is still to come).
FileOutcome decide(const Deidentifier& engine, const std::string& input, std::optional<std::vector<std::uint8_t>> input_bytes,
                   const BatchOptions& options, std::optional<DicomFile>& file_out) {
  FileOutcome o;
  o.input = input;
  auto file = input_bytes ? read_source(owning_memory_source(std::move(*input_bytes)), {}, input) : read_file(input);
  if (!file) {
    o.status = file.error().code == ErrorCode::not_dicom ? FileStatus::not_dicom : FileStatus::error;
    o.reason = file.error().message();
    o.error_code = file.error().code;
    o.error_offset = file.error().offset;
    o.error_tag_path = file.error().tag_path;
    return o;
  }
  auto rep = engine.apply(*file);
  if (!rep) {
    o.status = FileStatus::error;
    o.reason = rep.error().message();
    o.error_code = rep.error().code;
    o.error_offset = rep.error().offset;
    o.error_tag_path = rep.error().tag_path;
    return o;
  }
  o.report = std::move(rep).value();
  if (o.report.withheld) {
    o.status = FileStatus::withheld;
    o.reason = o.report.withhold_reason;
    return o;
  }
  o.status = FileStatus::written;
  o.output = (std::filesystem::path(options.output_dir) / o.report.output_path).string();
  file_out = std::move(file).value();
  return o;
}

// Where a decided output goes, for the outcome: the folder's path is set by decide().
void name_output(FileOutcome& o, const ScrubOutput& output) {
  if (o.status != FileStatus::written) return;
  if (output.to == ScrubOutput::To::file) o.output = output.file;
  if (output.to == ScrubOutput::To::memory) o.output.clear();
}

// The second half: write what was decided (nothing in a dry run).
void commit(FileOutcome& o, DicomFile& file, const BatchOptions& options, const ScrubOutput& output) {
  namespace fs = std::filesystem;
  if (options.dry_run) {
    o.reason = "dry run: not written";
    return;
  }
  auto failed = [&](ErrorCode code, std::string reason) {
    o.status = FileStatus::error;
    o.error_code = code;
    o.reason = std::move(reason);
    o.output.clear();
  };
  if (output.to == ScrubOutput::To::folder) {
    fs::path out = o.output;
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    if (ec)
      return failed(ErrorCode::io, fmt::format("{}: cannot create the output folder {}: {}", o.input, out.parent_path().string(),
                                               ec.message()));
  }
  if (options.before_write) {
    if (auto st = options.before_write(o.report); !st) return failed(st.error().code, fmt::format("{}: {}", o.input, st.error().message()));
  }
  align_bulk_data(file);
  switch (output.to) {
    case ScrubOutput::To::folder: {
      auto st = write_file_once(file, o.output, {false, options.fsync});
      if (!st) return failed(st.error().code, fmt::format("{}: {}", o.input, st.error().message()));
      o.already_present = *st;
      return;
    }
    case ScrubOutput::To::file: {
      if (auto st = write_file_atomically(file, output.file); !st) return failed(st.error().code, fmt::format("{}: {}", o.input, st.error().message()));
      return;
    }
    case ScrubOutput::To::memory: {
      auto data = write_to_buffer(file);
      if (!data) return failed(data.error().code, fmt::format("{}: {}", o.input, data.error().message()));
      if (output.bytes) *output.bytes = std::move(data).value();
      return;
    }
  }
}

// "a/b/c.dcm" -> "a/b/c-2.dcm"
std::string with_suffix(const std::string& path, int n) {
  auto dot = path.rfind(".dcm");
  return dot == std::string::npos ? fmt::format("{}-{}", path, n) : fmt::format("{}-{}{}", path.substr(0, dot), n, path.substr(dot));
}

}  // namespace

FileOutcome scrub_one(const Deidentifier& engine, const std::string& input, const BatchOptions& options, const ScrubOutput& output,
                      std::optional<std::vector<std::uint8_t>> input_bytes) {
  auto start = std::chrono::steady_clock::now();
  std::optional<DicomFile> file;
  FileOutcome o = decide(engine, input, std::move(input_bytes), options, file);
  name_output(o, output);
  if (file) commit(o, *file, options, output);
  o.finished = std::chrono::system_clock::now();
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

FileOutcome deidentify_one(const Deidentifier& engine, const std::string& input, const BatchOptions& options) {
  return scrub_one(engine, input, options);
}

std::vector<FileOutcome> run_batch(const Deidentifier& engine, const std::vector<std::string>& inputs, const BatchOptions& options) {
  const std::size_t n = inputs.size();
  std::vector<FileOutcome> outcomes(n);
  for (std::size_t i = 0; i < n; ++i) {
    outcomes[i].input = inputs[i];
    outcomes[i].status = FileStatus::not_started;
    outcomes[i].reason = "interrupted before this input was started";
  }
  std::atomic<std::size_t> next{0};
  // Outputs are claimed in input order (a reorder step after the parallel de-identification), so
  // which of two duplicates is written never depends on scheduling. A worker waits at most for
  // the inputs taken before its own, which are all in progress on other workers.
  std::mutex mutex;
  std::condition_variable turn;
  std::size_t claimed = 0, done = 0, emitted = 0;
  std::vector<char> finished(n, 0);
  std::map<std::string, std::pair<std::size_t, int>> owners;  // output path -> first input, copies so far
  auto worker = [&] {
    for (;;) {
      if (options.cancel && options.cancel->load()) return;
      std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      auto start = std::chrono::steady_clock::now();
      std::optional<DicomFile> file;
      FileOutcome o = decide(engine, inputs[i], std::nullopt, options, file);
      {
        std::unique_lock<std::mutex> lock(mutex);
        turn.wait(lock, [&] { return claimed == i; });
        if (file) {
          auto [it, first] = owners.try_emplace(o.report.output_path, i, 1);
          if (!first) {
            o.duplicate_of = inputs[it->second.first];
            int copy = ++it->second.second;
            switch (options.duplicates) {
              case DuplicatePolicy::skip:
                o.status = FileStatus::duplicate;
                o.reason = fmt::format("same instance as {} (same output {}); not written", o.duplicate_of, o.report.output_path);
                o.output.clear();
                file.reset();
                break;
              case DuplicatePolicy::error:
                o.status = FileStatus::error;
                o.error_code = ErrorCode::invalid_argument;
                o.reason = fmt::format("{}: same instance as {} (same output {}); not written", o.input, o.duplicate_of, o.report.output_path);
                o.output.clear();
                file.reset();
                break;
              case DuplicatePolicy::suffix:
                o.report.output_path = with_suffix(o.report.output_path, copy);
                o.output = (std::filesystem::path(options.output_dir) / o.report.output_path).string();
                break;
            }
          }
        }
        claimed = i + 1;
      }
      turn.notify_all();
      if (file) commit(o, *file, options, ScrubOutput{});
      o.finished = std::chrono::system_clock::now();
      o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::lock_guard<std::mutex> lock(mutex);
      outcomes[i] = std::move(o);
      finished[i] = 1;
      ++done;
      if (options.progress) options.progress(done, n);
      while (emitted < n && finished[emitted]) {
        if (options.on_outcome) options.on_outcome(outcomes[emitted]);
        ++emitted;
      }
    }
  };
  unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, unsigned(std::max<std::size_t>(1, n))));
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  // Inputs never started (interrupted) are reported too, after the rest.
  if (options.on_outcome)
    for (std::size_t i = emitted; i < n; ++i) options.on_outcome(outcomes[i]);
  return outcomes;
}

}  // namespace dicomscrub
