// lib/gateway/spool.cpp — durable spool operations (see spool.hpp for the layout and why).
#include "gateway/spool.hpp"

#include "gateway/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace dicomscrub::gateway {
namespace fs = std::filesystem;
namespace {

Error io_error(const std::string& what) { return gateway_error(ErrorCode::io, what + ": " + std::strerror(errno)); }

bool is_queued_name(const fs::path& p) {
  auto name = p.filename().string();
  return !name.empty() && name[0] != '.' && p.extension() == ".dcm";
}

}  // namespace

Status fsync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open " + path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync " + path);
  return Ok{};
}

Status fsync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open folder " + path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync folder " + path);
  return Ok{};
}

Result<Spool> Spool::open(const std::string& root, const std::vector<std::string>& destinations) {
  Spool s;
  s.root_ = root;
  std::error_code ec;
  std::vector<std::string> dirs = {root, root + "/incoming", root + "/incoming/tmp", root + "/queue", root + "/quarantine", root + "/dead"};
  for (const auto& d : destinations) {
    dirs.push_back(s.queue_dir(d));
    dirs.push_back(s.quarantine_dir(d));
    dirs.push_back(s.dead_dir(d));
  }
  ::umask(0077);  // identified data: the gateway's user only
  for (const auto& d : dirs) {
    fs::create_directories(d, ec);
    if (ec) { errno = ec.value(); return io_error("cannot create " + d); }
  }
  if (::chmod(root.c_str(), 0700) != 0) return io_error("cannot restrict " + root + " to its owner");
  // Half-received data sets and half-written outputs of an earlier run are not ours to keep.
  for (auto it = fs::directory_iterator(root + "/incoming/tmp", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    fs::remove(it->path(), ec);
  for (auto it = fs::recursive_directory_iterator(root + "/queue", ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(".dicomscrub-tmp-", 0) == 0) fs::remove(it->path(), ec);
  return s;
}

std::string Spool::new_temp_path() {
  static std::atomic<std::uint64_t> counter{0};
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  // Time first, so names sort in arrival order across restarts; pid and a counter make them unique.
  return fmt::format("{}/incoming/tmp/{:010}{:09}-{}-{}.dcm", root_, ts.tv_sec, ts.tv_nsec, ::getpid(), counter.fetch_add(1));
}

Result<std::string> Spool::commit_incoming(const std::string& temp) {
  if (auto st = fsync_file(temp); !st) return std::move(st).error();
  std::string final_path = root_ + "/incoming/" + fs::path(temp).filename().string();
  if (::rename(temp.c_str(), final_path.c_str()) != 0) return io_error("cannot move a received instance into the spool");
  if (auto st = fsync_dir(root_ + "/incoming"); !st) return std::move(st).error();
  return final_path;
}

std::vector<std::string> Spool::pending_incoming() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_ + "/incoming", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && is_queued_name(it->path())) out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Status Spool::finish_incoming(const std::string& path) {
  // No fsync: if the removal is lost in a crash, the instance is processed again, giving the same
  // outputs (already present) — a folder fsync per instance would cost more than that rare rerun.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove " + path);
  return Ok{};
}

Status Spool::fsync_new_dirs(const std::string& dir, const std::string& top) {
  if (auto st = fsync_dir(dir); !st) return st;
  for (fs::path d = fs::path(dir); d.string().size() > top.size(); d = d.parent_path()) {
    {
      std::lock_guard<std::mutex> lock(seen_->mutex);
      if (seen_->dirs.count(d.string())) break;  // its entry in the parent is durable already
    }
    if (auto st = fsync_dir(d.parent_path().string()); !st) return st;
    std::lock_guard<std::mutex> lock(seen_->mutex);
    if (seen_->dirs.size() > 100000) seen_->dirs.clear();  // bounded; forgetting costs one fsync
    seen_->dirs.insert(d.string());
  }
  return Ok{};
}

std::vector<std::string> Spool::queued(const std::string& dest, std::size_t limit) const {
  // Oldest first by modification time; only `limit` names are kept while walking.
  std::vector<std::pair<fs::file_time_type, std::string>> best;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(queue_dir(dest), ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || !is_queued_name(it->path())) continue;
    auto t = it->last_write_time(ec);
    best.emplace_back(t, it->path().string());
    if (best.size() > 2 * limit) {
      std::nth_element(best.begin(), best.begin() + std::ptrdiff_t(limit), best.end());
      best.resize(limit);
    }
  }
  std::sort(best.begin(), best.end());
  if (best.size() > limit) best.resize(limit);
  std::vector<std::string> out;
  for (auto& b : best) out.push_back(std::move(b.second));
  return out;
}

std::size_t Spool::queue_depth(const std::string& dest) const {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(queue_dir(dest), ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && is_queued_name(it->path())) ++n;
  return n;
}

unsigned Spool::attempts(const std::string& queued_file) const {
  std::ifstream in(queued_file + ".attempts");
  unsigned n = 0;
  in >> n;
  return n;
}

void Spool::set_attempts(const std::string& queued_file, unsigned n) const {
  std::ofstream(queued_file + ".attempts", std::ios::trunc) << n << "\n";
}

Status Spool::delivered(const std::string& queued_file) const {
  std::error_code ec;
  fs::remove(queued_file + ".attempts", ec);
  if (::unlink(queued_file.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove a delivered file");
  return Ok{};
}

Status Spool::set_aside(const std::string& file, const std::string& dir, const std::string& name, const std::string& why_json, bool move) const {
  std::string target = dir + "/" + name;
  {
    std::ofstream out(target + ".json", std::ios::trunc);
    out << why_json << "\n";
    if (!out) return io_error("cannot write " + target + ".json");
  }
  if (auto st = fsync_file(target + ".json"); !st) return st;
  ::unlink(target.c_str());  // a rerun after a crash sets the same file aside again
  int rc = move ? ::rename(file.c_str(), target.c_str()) : ::link(file.c_str(), target.c_str());
  if (rc != 0) return io_error("cannot set " + name + " aside");
  return fsync_dir(dir);
}

}  // namespace dicomscrub::gateway
