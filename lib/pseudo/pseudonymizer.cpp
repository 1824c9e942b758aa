// lib/pseudo/pseudonymizer.cpp — see pseudonymizer.hpp.
#include "pseudo/pseudonymizer.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include <fmt/format.h>

namespace dicomscrub::pseudo {

// SHA256_CTX is deprecated in OpenSSL 3 in favour of EVP, whose contexts cannot be copied without a
// heap allocation; the low-level state is a plain struct we can copy per MAC. It also needs no
// provider: OpenSSL 3's HMAC() fetches one and reads the configuration on first use (5.4 M
// instructions per process, as much as eight header-only files cost).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(sizeof(SHA256_CTX) <= 128, "SHA256_CTX must fit the saved states");

namespace {

using PadState = std::array<std::uint8_t, 128>;

// RFC 2104: the SHA-256 states after absorbing key^ipad and key^opad (long keys hashed first).
void pad_states(std::span<const std::uint8_t> k, PadState& inner, PadState& outer) {
  std::array<std::uint8_t, 64> block{};
  if (k.size() > block.size()) SHA256(k.data(), k.size(), block.data());
  else std::copy(k.begin(), k.end(), block.begin());
  for (auto [state, pad] : {std::pair{&inner, std::uint8_t(0x36)}, std::pair{&outer, std::uint8_t(0x5c)}}) {
    std::array<std::uint8_t, 64> padded;
    for (std::size_t i = 0; i < 64; ++i) padded[i] = std::uint8_t(block[i] ^ pad);
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, padded.data(), padded.size());
    std::memcpy(state->data(), &ctx, sizeof ctx);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    OPENSSL_cleanse(padded.data(), padded.size());
  }
  OPENSSL_cleanse(block.data(), block.size());
}

// HMAC of the concatenated `parts`, starting from copies of the pad states.
std::array<std::uint8_t, 32> hmac(const PadState& inner, const PadState& outer, std::initializer_list<std::string_view> parts) {
  SHA256_CTX ctx;
  std::memcpy(&ctx, inner.data(), sizeof ctx);
  for (std::string_view p : parts) SHA256_Update(&ctx, p.data(), p.size());
  std::array<std::uint8_t, 32> inner_hash{}, out{};
  SHA256_Final(inner_hash.data(), &ctx);
  std::memcpy(&ctx, outer.data(), sizeof ctx);
  SHA256_Update(&ctx, inner_hash.data(), inner_hash.size());
  SHA256_Final(out.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::string_view message) {
  PadState inner, outer;
  pad_states(key, inner, outer);
  auto out = hmac(inner, outer, {message});
  OPENSSL_cleanse(inner.data(), inner.size());
  OPENSSL_cleanse(outer.data(), outer.size());
  return out;
}

Pseudonymizer::Pseudonymizer(std::shared_ptr<const Key> key) : key_(std::move(key)) { pad_states(key_->bytes(), inner_, outer_); }

Pseudonymizer::~Pseudonymizer() {
  OPENSSL_cleanse(inner_.data(), inner_.size());
  OPENSSL_cleanse(outer_.data(), outer_.size());
}

std::array<std::uint8_t, 32> Pseudonymizer::mac(std::string_view domain, std::string_view value) const {
  // Domain separation: the same value as a UID and as an ID gives unrelated outputs.
  return hmac(inner_, outer_, {domain, std::string_view("\0", 1), value});
}
#pragma GCC diagnostic pop

std::array<std::uint8_t, 32> reference_hmac(const std::vector<std::uint8_t>& key, std::string_view message) {
  std::array<std::uint8_t, 32> out{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &n);
  return out;
}

namespace {

constexpr const char* kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::size_t kUidBodyBytes = 12;  // 96 bits of pseudonym, then 32 bits of mark
constexpr std::size_t kTokenMarkChars = 4;  // 20 bits of mark at the end of a token
constexpr std::size_t kMinMarkedToken = 8;

std::string base32(const std::array<std::uint8_t, 32>& m, std::size_t length) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < m.size() && out.size() < length; ++i) {
    acc = (acc << 8) | m[i];
    bits += 8;
    while (bits >= 5 && out.size() < length) { bits -= 5; out.push_back(kBase32[(acc >> bits) & 31]); }
  }
  return out;
}

}  // namespace

// The mark binds the domain and the body: a token of one domain is not one of another, and a
// UID's low 32 bits are not free for anyone without the key to choose.
std::string Pseudonymizer::uid(std::string_view original) const {
  auto m = mac("uid", original);
  std::string_view body(reinterpret_cast<const char*>(m.data()), kUidBodyBytes);
  auto mark = mac("uid-mark", body);
  unsigned __int128 v = 0;
  for (std::size_t i = 0; i < kUidBodyBytes; ++i) v = (v << 8) | m[i];
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | mark[i];
  if (v == 0) v = 1;
  char digits[40];  // 2^128 has 39 decimal digits; written from the end, then copied once
  char* p = digits + sizeof digits;
  while (v > 0) { *--p = char('0' + int(v % 10)); v /= 10; }
  std::string out;
  out.reserve(5 + std::size_t(digits + sizeof digits - p));
  out += "2.25.";
  out.append(p, digits + sizeof digits);
  return out;
}

bool Pseudonymizer::is_own_uid(std::string_view value) const {
  while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.remove_suffix(1);
  if (value.size() <= 5 || value.substr(0, 5) != "2.25." || value.size() > 5 + 39) return false;
  std::string_view digits = value.substr(5);
  if (digits[0] == '0') return false;  // uid() never writes a leading zero
  unsigned __int128 v = 0;
  const unsigned __int128 max = ~static_cast<unsigned __int128>(0);
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    const unsigned d = unsigned(c - '0');
    if (v > (max - d) / 10) return false;  // more than 128 bits
    v = v * 10 + d;
  }
  std::array<std::uint8_t, 16> b{};
  for (int i = 15; i >= 0; --i) { b[std::size_t(i)] = std::uint8_t(v & 0xFF); v >>= 8; }
  auto mark = mac("uid-mark", std::string_view(reinterpret_cast<const char*>(b.data()), kUidBodyBytes));
  return CRYPTO_memcmp(mark.data(), b.data() + kUidBodyBytes, 4) == 0;
}

std::string Pseudonymizer::token(std::string_view domain, std::string_view original, std::size_t length) const {
  length = std::min<std::size_t>(length, 26);
  if (length < kMinMarkedToken) return base32(mac(domain, original), length);
  std::string body = base32(mac(domain, original), length - kTokenMarkChars);
  return body + base32(mac(std::string(domain) + "-mark", body), kTokenMarkChars);
}

bool Pseudonymizer::is_own_token(std::string_view domain, std::string_view value) const {
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.size() < kMinMarkedToken || value.size() > 26) return false;
  for (char c : value)
    if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) return false;
  std::string_view body = value.substr(0, value.size() - kTokenMarkChars);
  const std::string mark = base32(mac(std::string(domain) + "-mark", body), kTokenMarkChars);
  return CRYPTO_memcmp(mark.data(), value.data() + body.size(), kTokenMarkChars) == 0;
}

int Pseudonymizer::date_shift_days(std::string_view patient_identity) const {
  auto m = mac("date-shift", patient_identity);
  std::uint32_t v = (std::uint32_t(m[0]) << 24) | (std::uint32_t(m[1]) << 16) | (std::uint32_t(m[2]) << 8) | m[3];
  return 1 + int(v % 3652);
}

namespace {

// Days from 1970-01-01 (Howard Hinnant's civil-date algorithms).
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + long(doe) - 719468;
}

void civil_from_days(long z, long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = long(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool shift_one(std::string& s, std::size_t pos, int days_back) {
  if (s.size() < pos + 8) return false;
  for (std::size_t i = pos; i < pos + 8; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  long y = std::stol(s.substr(pos, 4));
  unsigned m = unsigned(std::stoul(s.substr(pos + 4, 2))), d = unsigned(std::stoul(s.substr(pos + 6, 2)));
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  long z = days_from_civil(y, m, d) - days_back;
  civil_from_days(z, y, m, d);
  if (y < 0 || y > 9999) return false;
  s.replace(pos, 8, fmt::format("{:04}{:02}{:02}", y, m, d));
  return true;
}

}  // namespace

bool shift_da(std::string& v, int days_back) {
  std::string t = v;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\0')) t.pop_back();
  if (t.empty()) return true;
  // Multi-valued and ranges: shift every 8-digit date, keep separators.
  std::string out;
  std::size_t i = 0;
  bool any = false;
  while (i < t.size()) {
    if (i + 8 <= t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
      std::string part = t.substr(i, 8);
      if (!shift_one(part, 0, days_back)) return false;
      out += part;
      i += 8;
      any = true;
    } else if (t[i] == '-' || t[i] == '\\') {
      out += t[i++];
    } else {
      return false;
    }
  }
  v = out;
  return any;
}

bool shift_dt(std::string& v, int days_back) {
  std::string t = v;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\0')) t.pop_back();
  if (t.empty()) return true;
  std::string out;
  std::size_t start = 0;
  while (start <= t.size()) {
    std::size_t end = t.find('\\', start);
    std::string part = t.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.size() >= 8) { if (!shift_one(part, 0, days_back)) return false; }
    else if (!part.empty()) return false;  // a bare year or year-month cannot be shifted by days
    out += part;
    if (end == std::string::npos) break;
    out += '\\';
    start = end + 1;
  }
  v = out;
  return true;
}

bool truncate_da(std::string& v) {
  std::string t = v;
  while (!t.empty() && t.back() == ' ') t.pop_back();
  if (t.size() != 8) return false;
  for (char c : t) if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  v = t.substr(0, 4) + "0101";
  return true;
}

}  // namespace dicomscrub::pseudo
