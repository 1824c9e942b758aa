// lib/verify — the residual-PHI check. Walks every byte region of a (de-identified) file that can
// carry text: the preamble, the File Meta, every value of every VR at every depth (strings decoded
// in their character set; binary values read as ASCII, UTF-16LE/BE and the character set) and the
// fragments of encapsulated pixel data; native pixel data is the pixel module's (burned-in text).
// What is identifying is the PHI detector's call (lib/phi), the same one the cleaner makes.
// Reports where and what kind, never the value itself.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "phi/phi.hpp"

namespace dicomscrub::verify {

struct Finding {
  std::string where;  // tag path, e.g. "(0040,0275)[0]/(0032,1060)"
  phi::Kind kind;
};

// Where the detector finds something in `file`. Paths in `kept` (attributes the profile keeps on
// purpose, by an explicit rule or a retain option) are not findings there.
std::vector<Finding> scan(const DicomFile& file, const phi::Detector& detector, const std::set<std::string>& kept = {});
// For files standing alone: their own identifying attributes still holding a value, and their own
// identifiers (and anything identifying) found anywhere else.
std::vector<Finding> scan_standalone(const DicomFile& file);

}  // namespace dicomscrub::verify
