// lib/core/files.cpp — see files.hpp.
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace dicomscrub::detail {

Result<std::string> read_settings_file(const std::string& path, std::string_view what, std::uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{ErrorCode::io, path, 0, {}, fmt::format("cannot open {}", what)};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error{ErrorCode::io, path, 0, {}, fmt::format("cannot open {}", what)};
  }
  if (S_ISREG(st.st_mode) && std::uint64_t(st.st_size) > max_bytes) {
    ::close(fd);
    return Error{ErrorCode::limit_exceeded, path, 0, {}, fmt::format("{} is larger than {} bytes", what, max_bytes)};
  }
  // Read in chunks rather than by the size stat reported: a pipe or a growing file has none.
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{ErrorCode::io, path, 0, {}, fmt::format("cannot read {}: {}", what, std::strerror(err))};
    }
    if (n == 0) break;
    if (out.size() + std::uint64_t(n) > max_bytes) {
      ::close(fd);
      return Error{ErrorCode::limit_exceeded, path, 0, {}, fmt::format("{} is larger than {} bytes", what, max_bytes)};
    }
    out.append(buf, std::size_t(n));
  }
  ::close(fd);
  return out;
}

}  // namespace dicomscrub::detail
