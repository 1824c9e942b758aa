// lib/core/bytes.hpp — endian-aware integer loads and stores on raw bytes.
// Owns nothing; used by the parser and the writer so both agree on the wire format.
#pragma once

#include <cstdint>
#include <vector>

namespace dicomscrub::detail {

inline std::uint16_t load16(const std::uint8_t* p, bool big_endian) {
  return big_endian ? std::uint16_t((p[0] << 8) | p[1]) : std::uint16_t(p[0] | (p[1] << 8));
}
inline std::uint32_t load32(const std::uint8_t* p, bool big_endian) {
  return big_endian ? (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3]
                    : (std::uint32_t(p[3]) << 24) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[1]) << 8) | p[0];
}
inline void store16(std::uint8_t* p, std::uint16_t v, bool big_endian) {
  if (big_endian) { p[0] = std::uint8_t(v >> 8); p[1] = std::uint8_t(v); }
  else { p[0] = std::uint8_t(v); p[1] = std::uint8_t(v >> 8); }
}
inline void store32(std::uint8_t* p, std::uint32_t v, bool big_endian) {
  if (big_endian) { p[0] = std::uint8_t(v >> 24); p[1] = std::uint8_t(v >> 16); p[2] = std::uint8_t(v >> 8); p[3] = std::uint8_t(v); }
  else { p[0] = std::uint8_t(v); p[1] = std::uint8_t(v >> 8); p[2] = std::uint8_t(v >> 16); p[3] = std::uint8_t(v >> 24); }
}

}  // namespace dicomscrub::detail
