// lib/gateway/spool.hpp — the gateway's durable state on disk, readable by its user only:
//   incoming/        received instances (identified), fsync'd before the C-STORE success
//   incoming/tmp/    data sets being received (removed at start: a half-received one is not ours)
//   queue/DEST/      de-identified outputs waiting for DEST (<study>/<series>/<instance>.dcm)
//   quarantine/DEST/ withheld instances (the identified input) and why, never forwarded
//   dead/DEST/       outputs DEST refused too many times, and why
// An instance leaves incoming/ only after every destination's outcome is durable, so a crash at
// any point is resumed by processing incoming/ and queue/ again (de-identification is
// deterministic: the same output, the same pseudonymized UIDs, written once).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "dicomscrub/error.hpp"

namespace dicomscrub::gateway {

class Spool {
 public:
  static Result<Spool> open(const std::string& root, const std::vector<std::string>& destinations);

  std::string new_temp_path();                          // incoming/tmp/<unique>
  Result<std::string> commit_incoming(const std::string& temp);  // fsync, rename into incoming/, fsync folder
  std::vector<std::string> pending_incoming() const;    // in arrival order
  Status finish_incoming(const std::string& path);      // unlink (a lost unlink only means a rerun)
  // fsync `dir` and, the first time this process sees them, its parents up to `top`: a rename into
  // an existing folder needs only that folder flushed, a new study/series folder its parent too.
  Status fsync_new_dirs(const std::string& dir, const std::string& top);

  std::string queue_dir(const std::string& dest) const { return root_ + "/queue/" + dest; }
  std::string quarantine_dir(const std::string& dest) const { return root_ + "/quarantine/" + dest; }
  std::string dead_dir(const std::string& dest) const { return root_ + "/dead/" + dest; }
  const std::string& root() const { return root_; }

  // Up to `limit` queued outputs for `dest`, oldest first (bounded: a long queue is not listed whole).
  std::vector<std::string> queued(const std::string& dest, std::size_t limit) const;
  std::size_t queue_depth(const std::string& dest) const;
  // Queued output: how many deliveries the receiver refused or broke off, kept beside it.
  unsigned attempts(const std::string& queued_file) const;
  void set_attempts(const std::string& queued_file, unsigned n) const;
  Status delivered(const std::string& queued_file) const;   // removes it and its attempts
  // Moves `file` (by link, or rename when `move`) into `dir` with a JSON note of why.
  Status set_aside(const std::string& file, const std::string& dir, const std::string& name, const std::string& why_json, bool move) const;

 private:
  std::string root_;
  struct Seen { std::mutex mutex; std::set<std::string> dirs; };
  std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();  // folders already made durable
};

// fsync a file, and a folder (so a rename or unlink in it survives power loss).
Status fsync_file(const std::string& path);
Status fsync_dir(const std::string& path);

}  // namespace dicomscrub::gateway
