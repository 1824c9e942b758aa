// lib/batch — file-level orchestration: read → de-identify → write atomically → report.
// Owns no DICOM logic; a failure in one file never stops the others.
#include "dicomscrub/batch.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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
  }
  return "?";
}

std::vector<std::string> collect_inputs(const std::vector<std::string>& paths, std::vector<std::string>* problems) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
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

FileOutcome deidentify_one(const Deidentifier& engine, const std::string& input, const BatchOptions& options) {
  FileOutcome o;
  o.input = input;
  auto file = read_file(input);
  if (!file) {
    o.status = file.error().code == ErrorCode::not_dicom ? FileStatus::not_dicom : FileStatus::error;
    o.reason = file.error().message();
    o.error_offset = file.error().offset;
    o.error_tag_path = file.error().tag_path;
    return o;
  }
  auto rep = engine.apply(*file);
  if (!rep) {
    o.status = FileStatus::error;
    o.reason = rep.error().message();
    return o;
  }
  o.report = std::move(rep).value();
  if (o.report.withheld) {
    o.status = FileStatus::withheld;
    o.reason = o.report.withhold_reason;
    return o;
  }
  namespace fs = std::filesystem;
  fs::path out = fs::path(options.output_dir) / o.report.output_path;
  o.output = out.string();
  if (options.dry_run) {
    o.status = FileStatus::written;
    o.reason = "dry run: not written";
    return o;
  }
  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);
  if (ec) {
    o.status = FileStatus::error;
    o.reason = "cannot create the output folder: " + ec.message();
    o.output.clear();
    return o;
  }
  if (options.before_write) {
    if (auto st = options.before_write(o.report); !st) {
      o.status = FileStatus::error;
      o.reason = st.error().message();
      o.output.clear();
      return o;
    }
  }
  align_bulk_data(*file);
  auto st = write_file_once(*file, out.string(), {false, options.fsync});
  if (!st) {
    o.status = FileStatus::error;
    o.reason = st.error().message();
    o.output.clear();
    return o;
  }
  o.status = FileStatus::written;
  o.already_present = *st;
  return o;
}

std::vector<FileOutcome> run_batch(const Deidentifier& engine, const std::vector<std::string>& inputs, const BatchOptions& options) {
  std::vector<FileOutcome> outcomes(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    outcomes[i].input = inputs[i];
    outcomes[i].status = FileStatus::not_started;
    outcomes[i].reason = "interrupted before this input was started";
  }
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (;;) {
      if (options.cancel && options.cancel->load()) return;
      std::size_t i = next.fetch_add(1);
      if (i >= inputs.size()) return;
      outcomes[i] = deidentify_one(engine, inputs[i], options);
      std::size_t d = done.fetch_add(1) + 1;
      if (options.progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        options.progress(d, inputs.size());
      }
    }
  };
  unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, unsigned(std::max<std::size_t>(1, inputs.size()))));
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return outcomes;
}

std::string audit_record(const FileOutcome& o) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto str = [&](const std::string& s) { w.String(s.c_str(), rapidjson::SizeType(s.size())); };
  w.StartObject();
  w.Key("input"); str(o.input);
  w.Key("output"); o.output.empty() ? w.Null() : (str(o.output), true);
  w.Key("status"); w.String(to_string(o.status));
  w.Key("reason"); o.reason.empty() ? w.Null() : (str(o.reason), true);
  if (o.already_present) { w.Key("already_present"); w.Bool(true); }
  if (!o.report.pixel_action.empty()) { w.Key("pixels"); str(o.report.pixel_action); }
  if (!o.report.regions_action.empty()) { w.Key("regions"); str(o.report.regions_action); }
  w.Key("actions");
  w.StartObject();
  for (const auto& [k, v] : o.report.action_counts) { w.Key(k.c_str()); w.Int(v); }
  w.EndObject();
  w.Key("tags");
  w.StartObject();
  for (const auto& [k, v] : o.report.tag_actions) { w.Key(k.c_str()); str(v); }
  w.EndObject();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace dicomscrub
