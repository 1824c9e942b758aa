// lib/deid/model3d.hpp — cleaning the document of an Encapsulated STL instance (PS3.3 A.85): the
// geometry stays as it is, every place where STL carries free text goes. That is the 80-byte
// header and the two "attribute" bytes of each triangle of a binary STL (tools write a name, a
// path or a colour there), and the names after `solid` / `endsolid` of an ASCII one. What does not
// parse as STL is refused with a reason (the instance is withheld): this is no general text filter.
// Owns: the STL grammar. Must not: look for identifiers (the residual check reads the result).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dicomscrub::deid {

struct CleanedModel {
  std::vector<std::uint8_t> bytes;  // the cleaned document, unpadded; empty when refused
  std::string refused;              // why it was not cleaned; never a value from the document
  std::string summary;              // for the audit: what was cleaned
};

// `document` is the Encapsulated Document value cut at its Encapsulated Document Length (a pad
// byte after an odd-length document is tolerated).
CleanedModel clean_stl(std::span<const std::uint8_t> document);

}  // namespace dicomscrub::deid
