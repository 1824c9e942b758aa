// lib/pseudo/mapping_store.cpp — see mapping_store.hpp.
#include "pseudo/mapping_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "pseudo/csv.hpp"

namespace dicomscrub::reid {
namespace {

constexpr const char* kHeader = "id_old,id_new\n";

Error io_error(const std::string& path, const std::string& what) {
  return Error{ErrorCode::io, path, 0, {}, fmt::format("mapping table: {}: {}", what, std::strerror(errno))};
}

// Closes the descriptor (and with it the flock) on every path out.
struct Fd {
  int fd = -1;
  ~Fd() { if (fd >= 0) ::close(fd); }
};

int open_table(const std::string& path) {
  // O_APPEND: every write lands at the end even if another process appended since our fstat.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) ::fchmod(fd, 0600);  // a copy restored with wider permissions is closed again
  return fd;
}

}  // namespace

Result<std::shared_ptr<MappingStore>> MappingStore::open(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error(dir, "cannot create the folder");
  }
  auto store = std::shared_ptr<MappingStore>(new MappingStore());
  store->dir_ = dir;
  store->uids_.path = (fs::path(dir) / "uid_mapping.csv").string();
  store->patient_ids_.path = (fs::path(dir) / "patid_mapping.csv").string();
  for (Table* t : {&store->uids_, &store->patient_ids_}) {
    Fd f{open_table(t->path)};
    if (f.fd < 0) return io_error(t->path, "cannot open for appending");
  }
  // Both files exist from the start (with their header), even when a run remaps nothing.
  if (auto st = store->add({}, {}); !st) return st.error();
  return store;
}

Status MappingStore::add(const IdPairs& uids, const IdPairs& patient_ids) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto st = merge(uids_, uids); !st) return st;
  return merge(patient_ids_, patient_ids);
}

Status MappingStore::merge(Table& t, const IdPairs& pairs) {
  Fd f{open_table(t.path)};
  if (f.fd < 0) return io_error(t.path, "cannot open for appending");
  while (::flock(f.fd, LOCK_EX) != 0)
    if (errno != EINTR) return io_error(t.path, "cannot lock");
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return io_error(t.path, "cannot stat");
  if (st.st_dev != t.dev || st.st_ino != t.ino || std::uint64_t(st.st_size) < t.read_up_to) {
    t.rows.clear();  // another file now (replaced or truncated by someone): read it from the start
    t.read_up_to = 0;
    t.dev = st.st_dev;
    t.ino = st.st_ino;
  }
  std::uint64_t size = std::uint64_t(st.st_size);
  if (size > t.read_up_to) {
    std::string tail(std::size_t(size - t.read_up_to), '\0');
    std::size_t got = 0;
    while (got < tail.size()) {
      ssize_t n = ::pread(f.fd, tail.data() + got, tail.size() - got, off_t(t.read_up_to + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return io_error(t.path, "cannot read");
      got += std::size_t(n);
    }
    // Only whole lines count. A line cut short (a writer killed mid-write) is cut off: under the
    // lock nobody else is writing, and its row is written again by whoever still needs it.
    std::size_t end = tail.rfind('\n');
    std::size_t whole = end == std::string::npos ? 0 : end + 1;
    if (whole < tail.size()) {
      size = t.read_up_to + whole;
      if (::ftruncate(f.fd, off_t(size)) != 0) return io_error(t.path, "cannot cut off a partial row");
    }
    auto rows = parse_csv(std::string_view(tail).substr(0, whole), t.path);
    if (!rows) return rows.error();
    for (auto& r : *rows) {
      if (r.fields.size() != 2) continue;
      if (r.line == 1 && t.read_up_to == 0 && r.fields[0] == "id_old" && r.fields[1] == "id_new") continue;
      t.rows.emplace(std::move(r.fields[0]), std::move(r.fields[1]));
    }
  }
  t.read_up_to = size;
  std::string out;
  if (size == 0) out += kHeader;
  std::set<std::pair<std::string, std::string>> fresh;
  for (const auto& p : pairs)
    if (!t.rows.count(p) && fresh.insert(p).second) out += csv_field(p.first) + "," + csv_field(p.second) + "\n";
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    // A short write leaves a partial row: the next writer cuts it off and these rows are retried.
    if (n <= 0) return io_error(t.path, "cannot append");
    done += std::size_t(n);
  }
  t.rows.merge(fresh);
  t.read_up_to = size + out.size();  // under the lock nobody else appended: all of it is in rows
  return Ok{};
}

}  // namespace dicomscrub::reid
