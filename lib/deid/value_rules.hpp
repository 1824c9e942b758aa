// lib/deid/value_rules — what the dictionary and the VR allow a value to be, so the walk acts on
// what an element is rather than on what its writer declared: a VR that disagrees with the
// dictionary's, and kept coded values (CS, IS, DS, DA, TM, DT, AS, UI) that their VR does not allow
// (free text hidden where nobody reads text). Decides only; the walk in engine.cpp acts.
#pragma once

#include <string_view>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::deid {

struct VrJudgement {
  enum class Kind : std::uint8_t { agree, reinterpret, remove } kind = Kind::agree;
  VR vr{};                 // reinterpret: the dictionary's VR, under which the value is decoded
  std::string_view why;    // remove: for the audit
};

// The declared VR of a standard element against the dictionary's. UN (an unknown-VR writer)
// is read as the dictionary's VR when its bytes can be; any other disagreement removes the element
// (a name written as OB or OW would otherwise pass as binary). Private and unknown tags agree.
VrJudgement judge_vr(const Element& e, bool big_endian);

// True when `value` (as stored, padding included) is what `vr` allows; VRs without a repertoire
// rule (text, binary) always conform. Multi-valued strings are checked value by value.
bool conforms(VR vr, std::string_view value);
// True when `vr` is one whose values `conforms` checks.
bool has_repertoire_rule(VR vr);

}  // namespace dicomscrub::deid
