// lib/dict — the PS3.6 data dictionary and transfer-syntax table, generated at build time from
// data/*.tsv. Answers "what VR/keyword does this tag have" and "how is this syntax encoded".
// Must not read files at run time.
#pragma once

#include <cstdint>
#include <string_view>

#include "dicomscrub/tag.hpp"

namespace dicomscrub::dict {

struct DictEntry {
  std::uint32_t value;
  std::uint32_t mask;
  const char* keyword;
  VR vr;
  const char* vm;
  bool retired;
};

struct TransferSyntaxInfo {
  const char* uid;
  const char* name;
  bool explicit_vr;
  bool big_endian;
  bool encapsulated;
  bool deflated;
  const char* compression;  // uncompressed / lossless / lossy / lossy_or_lossless / unknown
  bool retired;
};

// nullptr for private tags (other than creators) and unknown ones.
const DictEntry* lookup(Tag tag);
const DictEntry* lookup_keyword(std::string_view keyword);
// The VR an implicit-VR reader should assume: dictionary VR, LO for private creators, UL for group
// lengths, UN otherwise.
VR implicit_vr(Tag tag);
std::string_view keyword(Tag tag);  // "" when unknown
const TransferSyntaxInfo* transfer_syntax(std::string_view uid);

}  // namespace dicomscrub::dict
