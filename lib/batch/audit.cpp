// lib/batch/audit.cpp — the audit file (see audit.hpp).
#include "batch/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "dicomscrub/version.h"
#include "media/media.hpp"

namespace dicomscrub::audit {

namespace {
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
void str(JsonWriter& w, const std::string& s) { w.String(s.c_str(), rapidjson::SizeType(s.size())); }

std::string sha256_hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}
}  // namespace

Result<Paths> paths_from_string(const std::string& s) {
  if (s == "plain") return Paths::plain;
  if (s == "hashed") return Paths::hashed;
  if (s == "none") return Paths::none;
  return Error{ErrorCode::invalid_argument, {}, 0, {}, fmt::format("audit paths: '{}' is not plain, hashed or none", s)};
}

const char* to_string(Paths p) {
  switch (p) {
    case Paths::plain: return "plain";
    case Paths::hashed: return "hashed";
    case Paths::none: return "none";
  }
  return "?";
}

std::string utc_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, int(ms % 1000));
}

std::string record_json(const FileOutcome& o, const std::string& input_name, bool hide_input_in_reason) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  auto reason = [&](const std::string& r) {
    if (!hide_input_in_reason) return r;
    // Error messages name the file they are about; the audit must not, when paths are hidden.
    std::string s = replace_all(r, o.input, "<input>");
    return o.duplicate_of.empty() ? s : replace_all(s, o.duplicate_of, "<earlier input>");
  };
  w.StartObject();
  w.Key("input"); input_name.empty() ? w.Null() : (str(w, input_name), true);
  w.Key("output"); o.output.empty() ? w.Null() : (str(w, o.output), true);
  w.Key("status"); w.String(to_string(o.status));
  w.Key("reason"); o.reason.empty() ? w.Null() : (str(w, reason(o.reason)), true);
  if (o.already_present) { w.Key("already_present"); w.Bool(true); }
  // What a program needs to sort errors without parsing the reason: the code, and where in the
  // input's bytes (the tag path holds tags and item indexes only, never a value).
  if (o.error_code) {
    w.Key("error");
    w.StartObject();
    w.Key("code"); w.String(to_string(*o.error_code));
    if (o.error_offset) { w.Key("offset"); w.Uint64(o.error_offset); }
    if (!o.error_tag_path.empty()) { w.Key("tag_path"); str(w, o.error_tag_path); }
    w.EndObject();
  }
  if (o.finished != std::chrono::system_clock::time_point{}) {
    w.Key("time"); str(w, utc_time(o.finished));
    w.Key("seconds"); w.Double(double(std::int64_t(o.seconds * 1000 + 0.5)) / 1000);
  }
  if (!o.report.pixel_action.empty()) { w.Key("pixels"); str(w, o.report.pixel_action); }
  if (!o.report.regions_action.empty()) { w.Key("regions"); str(w, o.report.regions_action); }
  if (!o.report.pixel_boxes.empty()) {
    w.Key("pixel_boxes");
    w.StartArray();
    for (const auto& b : o.report.pixel_boxes) {
      w.StartArray();
      for (int v : b) w.Int(v);
      w.EndArray();
    }
    w.EndArray();
  }
  w.Key("actions");
  w.StartObject();
  for (const auto& [k, v] : o.report.action_counts) { w.Key(k.c_str()); w.Int(v); }
  w.EndObject();
  w.Key("tags");
  w.StartObject();
  for (const auto& [k, v] : o.report.tag_actions) { w.Key(k.c_str()); str(w, v); }
  w.EndObject();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

Result<Log> Log::open(const std::string& path, bool append) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_EXCL), 0600);
  if (fd < 0) {
    int err = errno;
    std::string why = err == EEXIST ? "it already exists (--audit-append adds to it; or name a new file)" : std::strerror(err);
    return Error{ErrorCode::io, path, 0, {}, fmt::format("cannot open the audit file: {}", why)};
  }
  std::FILE* f = ::fdopen(fd, "a");
  if (!f) { ::close(fd); return Error{ErrorCode::io, path, 0, {}, "cannot open the audit file"}; }
  return Log(f, path);
}

Log::Log(Log&& o) noexcept : file_(o.file_), path_(std::move(o.path_)), ok_(o.ok_), paths_(o.paths_), engine_(o.engine_) {
  o.file_ = nullptr;
}

Log::~Log() {
  if (file_) std::fclose(file_);
}

void Log::line(const std::string& json) {
  if (!file_) return;
  if (std::fwrite(json.data(), 1, json.size(), file_) != json.size() || std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)
    ok_ = false;
}

std::string Log::name_of(const std::string& input) const {
  switch (paths_) {
    case Paths::plain: return input;
    case Paths::hashed: return "hmac:" + engine_->keyed_token("audit-path", input);
    case Paths::none: return {};
  }
  return {};
}

void Log::header(const Deidentifier& engine, const RunInfo& run) {
  engine_ = &engine;
  paths_ = run.paths;
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("record"); w.String("header");
  w.Key("tool"); w.String("dicomscrub");
  w.Key("version"); w.String(DICOMSCRUB_VERSION);
  w.Key("started"); str(w, utc_time(std::chrono::system_clock::now()));
  w.Key("profile"); str(w, run.profile);
  w.Key("method"); str(w, engine.method_description());
  w.Key("profile_digest"); str(w, "sha256:" + sha256_hex(engine.describe_profile()));
  w.Key("options");
  w.StartArray();
  for (const auto& o : run.options) str(w, o);
  w.EndArray();
  w.Key("key_fingerprint"); str(w, engine.key_fingerprint());
  w.Key("one_time_key"); w.Bool(engine.one_time_key());
  w.Key("jobs"); w.Uint(run.jobs);
  w.Key("dry_run"); w.Bool(run.dry_run);
  w.Key("duplicates"); str(w, run.duplicates);
  w.Key("audit_paths"); w.String(to_string(run.paths));
  w.Key("media"); str(w, media::isolation());  // where codecs, OCR and PDF cleaning ran
  w.EndObject();
  line(std::string(sb.GetString(), sb.GetSize()));
}

void Log::record(const FileOutcome& o) { line(record_json(o, name_of(o.input), paths_ != Paths::plain)); }

void Log::summary(const std::map<std::string, int>& counts, double seconds) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("record"); w.String("summary");
  w.Key("finished"); str(w, utc_time(std::chrono::system_clock::now()));
  w.Key("seconds"); w.Double(double(std::int64_t(seconds * 1000 + 0.5)) / 1000);
  w.Key("counts");
  w.StartObject();
  for (const auto& [k, v] : counts) { w.Key(k.c_str()); w.Int(v); }
  w.EndObject();
  w.EndObject();
  line(std::string(sb.GetString(), sb.GetSize()));
}

}  // namespace dicomscrub::audit

namespace dicomscrub {
std::string audit_record(const FileOutcome& outcome) { return audit::record_json(outcome, outcome.input, false); }
}  // namespace dicomscrub
