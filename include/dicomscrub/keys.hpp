// dicomscrub/keys.hpp — the site's secret key, from which every pseudonym is derived (HMAC-SHA256):
// the same key gives the same UIDs, tokens and date shifts on every machine and every run.
// A Key is the one holder of the secret: it cannot be copied (share one through a
// std::shared_ptr<const Key>), moving it leaves nothing behind, and its bytes are overwritten
// (OPENSSL_cleanse) when it is destroyed. Whoever reads a key file reads it through Key::from_file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dicomscrub/error.hpp"

namespace dicomscrub {

class Key {
 public:
  static constexpr std::size_t kMinBytes = 16;
  static constexpr std::size_t kGeneratedBytes = 32;

  // A copy of `bytes` (at least kMinBytes); the caller clears its own copy.
  static Result<Key> from_bytes(std::span<const std::uint8_t> bytes);
  // A key file holds the key as hex (64 hex digits for 32 bytes) and nothing else but whitespace.
  // Refused when group or others can read it. Errors name the file, never its content.
  static Result<Key> from_file(const std::string& path);
  // A new random key of kGeneratedBytes (OpenSSL RAND_bytes): a one-time key unless saved.
  static Key generate();
  // Writes a new random key as hex to `path`, mode 0600; refuses an existing file.
  static Status generate_file(const std::string& path);

  Key(Key&& other) noexcept;
  Key& operator=(Key&& other) noexcept;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key();

  std::span<const std::uint8_t> bytes() const { return bytes_; }
  // 16 hex digits identifying the key without revealing it (for audits and the CLI's summary).
  std::string fingerprint() const;

 private:
  Key() = default;
  void clear() noexcept;
  std::vector<std::uint8_t> bytes_;  // sized once, never grown (a reallocation would leave a copy)
};

}  // namespace dicomscrub
