// dicomscrub/tag.hpp — Tag and VR value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dicomscrub {

struct Tag {
  std::uint16_t group = 0;
  std::uint16_t element = 0;

  constexpr Tag() = default;
  constexpr Tag(std::uint16_t g, std::uint16_t e) : group(g), element(e) {}
  static constexpr Tag from_u32(std::uint32_t v) { return Tag(std::uint16_t(v >> 16), std::uint16_t(v & 0xFFFF)); }
  constexpr std::uint32_t value() const { return (std::uint32_t(group) << 16) | element; }
  constexpr bool is_private() const { return (group & 1) != 0; }
  // (gggg,0010)-(gggg,00FF) in an odd group: reserves block xx for a private creator.
  constexpr bool is_private_creator() const { return is_private() && element >= 0x0010 && element <= 0x00FF; }
  constexpr bool is_group_length() const { return element == 0x0000; }
  constexpr auto operator<=>(const Tag&) const = default;

  std::string str() const;  // "(0010,0010)"
};

namespace tags {
inline constexpr Tag item{0xFFFE, 0xE000};
inline constexpr Tag item_delimitation{0xFFFE, 0xE00D};
inline constexpr Tag sequence_delimitation{0xFFFE, 0xE0DD};
inline constexpr Tag pixel_data{0x7FE0, 0x0010};
inline constexpr Tag transfer_syntax_uid{0x0002, 0x0010};
inline constexpr Tag specific_character_set{0x0008, 0x0005};
}  // namespace tags

// A VR is its two ASCII letters packed into 16 bits, so unknown codes found in files survive.
enum class VR : std::uint16_t {};

constexpr VR vr_from_chars(char a, char b) { return VR((std::uint16_t(std::uint8_t(a)) << 8) | std::uint8_t(b)); }

namespace vrs {
#define DICOMSCRUB_VR(name) inline constexpr VR name = vr_from_chars(#name[0], #name[1]);
DICOMSCRUB_VR(AE) DICOMSCRUB_VR(AS) DICOMSCRUB_VR(AT) DICOMSCRUB_VR(CS) DICOMSCRUB_VR(DA)
DICOMSCRUB_VR(DS) DICOMSCRUB_VR(DT) DICOMSCRUB_VR(FL) DICOMSCRUB_VR(FD) DICOMSCRUB_VR(IS)
DICOMSCRUB_VR(LO) DICOMSCRUB_VR(LT) DICOMSCRUB_VR(OB) DICOMSCRUB_VR(OD) DICOMSCRUB_VR(OF)
DICOMSCRUB_VR(OL) DICOMSCRUB_VR(OV) DICOMSCRUB_VR(OW) DICOMSCRUB_VR(PN) DICOMSCRUB_VR(SH)
DICOMSCRUB_VR(SL) DICOMSCRUB_VR(SQ) DICOMSCRUB_VR(SS) DICOMSCRUB_VR(ST) DICOMSCRUB_VR(SV)
DICOMSCRUB_VR(TM) DICOMSCRUB_VR(UC) DICOMSCRUB_VR(UI) DICOMSCRUB_VR(UL) DICOMSCRUB_VR(UN)
DICOMSCRUB_VR(UR) DICOMSCRUB_VR(US) DICOMSCRUB_VR(UT) DICOMSCRUB_VR(UV)
#undef DICOMSCRUB_VR
}  // namespace vrs

std::string to_string(VR vr);            // "PN"
bool is_known_vr(VR vr);                 // one of the 34 VRs of PS3.5 6.2
bool has_long_length(VR vr);             // explicit VR uses 2 reserved bytes + 32-bit length
bool is_text_vr(VR vr);                  // character data subject to Specific Character Set
bool is_string_vr(VR vr);                // any character-string VR (text, UI, DA, ...)

}  // namespace dicomscrub
