// lib/pseudo/keys.cpp — the public Key (see dicomscrub/keys.hpp). Every buffer that held key
// material (the file's text, its hex digits, the decoded bytes) is cleansed before it is freed.
#include "dicomscrub/keys.hpp"

#include "pseudo/pseudonymizer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace dicomscrub {

namespace {

// Clears a buffer that held key material when it goes out of scope, whatever the return path.
struct Cleansed {
  std::string& s;
  ~Cleansed() { if (!s.empty()) OPENSSL_cleanse(s.data(), s.size()); }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Key> Key::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kMinBytes)
    return Error{ErrorCode::invalid_argument, {}, 0, {}, fmt::format("a key needs at least {} bytes", kMinBytes)};
  Key k;
  k.bytes_.assign(bytes.begin(), bytes.end());
  return k;
}

Result<Key> Key::from_file(const std::string& path) {
  auto fail = [&](ErrorCode code, std::string why) { return Error{code, path, 0, {}, std::move(why)}; };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::io, fmt::format("cannot read the key file: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { ::close(fd); return fail(ErrorCode::io, "the key file is not a regular file"); }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) { ::close(fd); return fail(ErrorCode::invalid_argument, "the key file is readable by others; run chmod 600 on it"); }
  // A key file is a line of hex: anything much larger is not one, and is not read into memory.
  constexpr off_t kMaxFileBytes = 4096;
  if (st.st_size > kMaxFileBytes) { ::close(fd); return fail(ErrorCode::invalid_argument, "the key file is too large to be a key (see dicomscrub keygen)"); }
  std::string text(std::size_t(st.st_size), '\0');
  Cleansed text_guard{text};
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += std::size_t(n);
  }
  ::close(fd);
  text.resize(got);
  std::string hex;
  hex.reserve(text.size());
  Cleansed hex_guard{hex};
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (hex_value(c) < 0) return fail(ErrorCode::invalid_argument, "a key file holds hex digits only (see dicomscrub keygen)");
    hex += c;
  }
  if (hex.size() % 2) return fail(ErrorCode::invalid_argument, "odd number of hex digits in the key file");
  if (hex.size() / 2 < kMinBytes) return fail(ErrorCode::invalid_argument, fmt::format("a key needs at least {} bytes", kMinBytes));
  Key k;
  k.bytes_.resize(hex.size() / 2);
  for (std::size_t i = 0; i < k.bytes_.size(); ++i)
    k.bytes_[i] = std::uint8_t(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  return k;
}

Key Key::generate() {
  Key k;
  k.bytes_.resize(kGeneratedBytes);
  if (RAND_bytes(k.bytes_.data(), int(k.bytes_.size())) != 1) std::abort();  // no randomness: nothing safe to do
  return k;
}

Status Key::generate_file(const std::string& path) {
  Key k = generate();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{ErrorCode::io, path, 0, {}, fmt::format("cannot create the key file: {}", std::strerror(errno))};
  std::string hex;
  hex.reserve(2 * k.bytes_.size() + 1);
  Cleansed hex_guard{hex};
  static constexpr char kDigits[] = "0123456789abcdef";
  for (auto b : k.bytes_) { hex += kDigits[b >> 4]; hex += kDigits[b & 15]; }
  hex += '\n';
  bool ok = ::write(fd, hex.data(), hex.size()) == ssize_t(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) { ::unlink(path.c_str()); return Error{ErrorCode::io, path, 0, {}, "could not write the key file"}; }
  return Ok{};
}

Key::Key(Key&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }

Key& Key::operator=(Key&& other) noexcept {
  if (this != &other) {
    clear();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

Key::~Key() { clear(); }

void Key::clear() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

std::string Key::fingerprint() const {
  // A MAC of a fixed label under the key: reveals nothing of the key, identifies it.
  // On the low-level SHA-256, as the pseudonyms: OpenSSL 3's HMAC() would fetch a provider and read
  // the configuration first, 5.4 M instructions in every run that prints or audits the fingerprint.
  const auto out = pseudo::hmac_sha256(bytes_, "dicomscrub key fingerprint");
  return fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
}

}  // namespace dicomscrub
