// lib/pseudo — keyed pseudonyms: HMAC-SHA256 under the user's secret key, so the same key gives
// the same UIDs, tokens and date shifts on every machine without shared state, and nobody without
// the key can confirm a guess (a hash without a key can be brute-forced from a list of MRNs).
// Computes values only; never decides which attributes get them (lib/profile) or edits data sets.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/error.hpp"
#include "dicomscrub/keys.hpp"

namespace dicomscrub::pseudo {

// The key is shared, never copied (dicomscrub/keys.hpp); the HMAC states derived from it are
// cleansed when the Pseudonymizer is destroyed.
class Pseudonymizer {
 public:
  explicit Pseudonymizer(std::shared_ptr<const Key> key);
  ~Pseudonymizer();
  Pseudonymizer(const Pseudonymizer&) = delete;
  Pseudonymizer& operator=(const Pseudonymizer&) = delete;
  // "2.25." + the decimal of 128 bits: 96 of HMAC(key, "uid" | uid), then 32 of a MAC of those 96
  // (our mark): a valid UID of at most 44 chars that only the key could have made.
  std::string uid(std::string_view original) const;
  // Whether `value` is a UID `uid()` makes under this key (its mark checks): a pseudonym already,
  // so a second pass keeps it. Without the key the mark cannot be made (2^-32 by chance).
  bool is_own_uid(std::string_view value) const;
  // A token of `length` (<= 26) base-32 characters [A-Z2-7] for IDs, accession numbers, hashes;
  // from 8 characters on, the last 4 are a MAC of the others (our mark, 2^-20 by chance).
  std::string token(std::string_view domain, std::string_view original, std::size_t length = 16) const;
  // Whether `value` is a token `token(domain, ...)` makes under this key, of any length from 8.
  bool is_own_token(std::string_view domain, std::string_view value) const;
  // Days to move every date of one patient back by: 1..3652, keyed by the patient's identity.
  int date_shift_days(std::string_view patient_identity) const;
  const Key& key() const { return *key_; }

 private:
  std::array<std::uint8_t, 32> mac(std::string_view domain, std::string_view value) const;
  std::shared_ptr<const Key> key_;
  // SHA-256 states after absorbing key^ipad and key^opad: every MAC starts from copies of them
  // instead of keying a fresh HMAC (OpenSSL 3's one-shot HMAC() costs ~20k instructions a call).
  std::array<std::uint8_t, 128> inner_{}, outer_{};
};

// HMAC-SHA256 on the low-level SHA-256 (no OpenSSL provider set-up): the key's fingerprint.
std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::string_view message);
// HMAC-SHA256 by OpenSSL's one-shot call, for tests that check the fast path against it.
std::array<std::uint8_t, 32> reference_hmac(const std::vector<std::uint8_t>& key, std::string_view message);

// Date arithmetic on DICOM strings. Return false (leave the value alone) when not parseable.
bool shift_da(std::string& yyyymmdd, int days_back);       // also "YYYYMMDD-YYYYMMDD" ranges
bool shift_dt(std::string& datetime, int days_back);       // date part only; time and offset kept
bool truncate_da(std::string& yyyymmdd);                   // YYYY0101

}  // namespace dicomscrub::pseudo
