// lib/write/file_output.cpp — buffered file sink and the atomic write (temporary file in the same
// folder, fsync, rename). A failed write leaves no file behind; the input is never opened for writing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "dicomscrub/writer.hpp"

namespace dicomscrub {
namespace {

class FileSink final : public ByteSink {
 public:
  FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) { buf_.reserve(kBuf); }

  Status write(Bytes b) override {
    if (buf_.size() + b.size() > kBuf) {
      if (auto st = flush(); !st) return st;
      if (b.size() >= kBuf) return write_all(b.data(), b.size());
    }
    buf_.insert(buf_.end(), b.begin(), b.end());
    return Ok{};
  }

  // Large values stay in the kernel: copy_file_range from the input descriptor when we can.
  Status copy_from(const ByteSource& src, std::uint64_t offset, std::uint64_t length) override {
    if (src.fd() < 0 || length < kBuf) return ByteSink::copy_from(src, offset, length);
    if (auto st = flush(); !st) return st;
    loff_t in_off = loff_t(offset);
    while (length > 0) {
      ssize_t n = ::copy_file_range(src.fd(), &in_off, fd_, nullptr, std::size_t(std::min<std::uint64_t>(length, 1u << 30)), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
          return ByteSink::copy_from(src, std::uint64_t(in_off), length);
        return Error{ErrorCode::io, path_, std::uint64_t(in_off), {},
                     n == 0 ? "input file shrank while being copied" : fmt::format("copy failed: {}", std::strerror(errno))};
      }
      length -= std::uint64_t(n);
    }
    return Ok{};
  }

  Status flush() {
    if (buf_.empty()) return Ok{};
    auto st = write_all(buf_.data(), buf_.size());
    buf_.clear();
    return st;
  }

 private:
  static constexpr std::size_t kBuf = 1 << 18;

  Status write_all(const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Error{ErrorCode::io, path_, 0, {}, fmt::format("write failed: {}", std::strerror(errno))};
      p += w;
      n -= std::size_t(w);
    }
    return Ok{};
  }

  int fd_;
  std::string path_;
  std::vector<std::uint8_t> buf_;
};

std::string temp_name(const std::string& path) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  // The temporary name carries no part of the final name: it is as safe as the final one.
  return fmt::format("{}/.dicomscrub-tmp-{:016x}", dir, rng());
}

}  // namespace

namespace {

// Writes the temporary file; returns its name.
Result<std::string> write_temp(const DicomFile& file, const std::string& path, bool do_fsync) {
  std::string tmp = temp_name(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error{ErrorCode::io, path, 0, {}, fmt::format("cannot create output: {}", std::strerror(errno))};
  FileSink sink(fd, path);
  Status st = write(file, sink);
  if (st) st = sink.flush();
  if (st && do_fsync && ::fsync(fd) != 0) st = Error{ErrorCode::io, path, 0, {}, fmt::format("fsync failed: {}", std::strerror(errno))};
  if (::close(fd) != 0 && st) st = Error{ErrorCode::io, path, 0, {}, fmt::format("close failed: {}", std::strerror(errno))};
  if (!st) {
    ::unlink(tmp.c_str());
    return st.error();
  }
  return tmp;
}

bool same_content(const std::string& a, const std::string& b) {
  int fa = ::open(a.c_str(), O_RDONLY | O_CLOEXEC), fb = ::open(b.c_str(), O_RDONLY | O_CLOEXEC);
  bool same = fa >= 0 && fb >= 0;
  std::vector<char> ba(1 << 16), bb(1 << 16);
  while (same) {
    ssize_t na = ::read(fa, ba.data(), ba.size()), nb = ::read(fb, bb.data(), bb.size());
    if (na != nb || na < 0) { same = false; break; }
    if (na == 0) break;
    same = std::memcmp(ba.data(), bb.data(), std::size_t(na)) == 0;
  }
  if (fa >= 0) ::close(fa);
  if (fb >= 0) ::close(fb);
  return same;
}

}  // namespace

Status write_file_atomically(const DicomFile& file, const std::string& path, AtomicWriteOptions options) {
  auto tmp = write_temp(file, path, options.fsync);
  if (!tmp) return std::move(tmp).error();
  int rc = options.replace ? ::rename(tmp->c_str(), path.c_str())
                           : ::renameat2(AT_FDCWD, tmp->c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    int err = errno;
    ::unlink(tmp->c_str());
    if (err == EEXIST) return Error{ErrorCode::io, path, 0, {}, "output exists; refusing to replace it"};
    return Error{ErrorCode::io, path, 0, {}, fmt::format("rename failed: {}", std::strerror(err))};
  }
  return Ok{};
}

Result<bool> write_file_once(const DicomFile& file, const std::string& path, AtomicWriteOptions options) {
  auto tmp = write_temp(file, path, options.fsync);
  if (!tmp) return std::move(tmp).error();
  if (::renameat2(AT_FDCWD, tmp->c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return false;
  int err = errno;
  bool identical = err == EEXIST && same_content(*tmp, path);
  ::unlink(tmp->c_str());
  if (identical) return true;
  if (err == EEXIST) return Error{ErrorCode::io, path, 0, {}, "a different file already exists at the output path; left as it is"};
  return Error{ErrorCode::io, path, 0, {}, fmt::format("rename failed: {}", std::strerror(err))};
}

}  // namespace dicomscrub
