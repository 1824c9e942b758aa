#include "dict/dictionary.hpp"

#include <algorithm>
#include <string_view>

namespace dicomscrub::dict {
namespace {
#include "dictionary_table.inc"
}  // namespace

const DictEntry* lookup(Tag tag) {
  const std::uint32_t v = tag.value();
  auto it = std::lower_bound(std::begin(kExactEntries), std::end(kExactEntries), v,
                             [](const DictEntry& e, std::uint32_t x) { return e.value < x; });
  if (it != std::end(kExactEntries) && it->value == v) return &*it;
  if (tag.is_private()) return nullptr;
  for (const auto& e : kMaskedEntries) {
    if ((v & e.mask) != e.value) continue;
    // Repeating groups 50xx/60xx only take even xx from 00 to 1E (PS3.5 7.6).
    std::uint16_t g = tag.group;
    if ((g & 0xFF00) == 0x5000 || (g & 0xFF00) == 0x6000) {
      if ((g & 0xFF) > 0x1E || (g & 1)) continue;
    }
    return &e;
  }
  return nullptr;
}

const DictEntry* lookup_keyword(std::string_view keyword) {
  for (const auto& e : kExactEntries)
    if (keyword == e.keyword) return &e;
  return nullptr;
}

VR implicit_vr(Tag tag) {
  if (tag.element == 0 ) return vrs::UL;
  if (tag.is_private_creator()) return vrs::LO;
  if (tag == tags::pixel_data) return vrs::OW;  // "OB or OW": implicit VR is always OW (PS3.5 A.1)
  if (const DictEntry* e = lookup(tag)) return e->vr;
  return vrs::UN;
}

std::string_view keyword(Tag tag) {
  if (tag.is_private_creator()) return "PrivateCreator";
  if (tag.element == 0 && tag.group != 0 && tag.group != 2) return "GenericGroupLength";
  const DictEntry* e = lookup(tag);
  return e ? std::string_view(e->keyword) : std::string_view();
}

const TransferSyntaxInfo* transfer_syntax(std::string_view uid) {
  for (const auto& t : kTransferSyntaxes)
    if (uid == t.uid) return &t;
  return nullptr;
}

}  // namespace dicomscrub::dict
