// lib/deid/kept_text.hpp — the one judgement on standard text the profile would rather keep
// (attributes Table E.1-1 does not list): does this value identify someone? Asked of the input's
// identifiers exactly as the residual-PHI check searches them (so a kept value can never withhold
// its output later), plus the device's identity (serial numbers, detector and station names)
// unless the profile retains it. The single PHI detector replaces the body when it lands.
#pragma once

#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "verify/verifier.hpp"

namespace dicomscrub::deid {

class KeptTextCheck {
 public:
  // `residual`: the needles the final check searches; `device_retained`: Retain Device Identity.
  KeptTextCheck(const Dataset& input, std::vector<verify::Needle> residual, bool device_retained);
  // True when the value names the patient, another person, the institution or the device, or
  // cannot be read (fail closed). `cs`: the Specific Character Set terms in force for it.
  bool identifies_someone(const Element& e, const std::vector<std::string>& cs) const;

 private:
  std::vector<verify::Needle> needles_;
  bool device_retained_;
};

}  // namespace dicomscrub::deid
