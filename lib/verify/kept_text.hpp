// lib/verify/kept_text.hpp — the one judgement on standard text the profile would rather keep
// (attributes Table E.1-1 does not list): does this value identify someone? Asked of the PHI
// detector (lib/phi) exactly as the residual-PHI check asks it (so a kept value can never withhold
// its output later), plus the device's identity (serial numbers, detector and station names:
// every attribute Retain Device Identity keeps) unless the profile retains it.
#pragma once

#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "phi/phi.hpp"

namespace dicomscrub::deid {

class KeptTextCheck {
 public:
  // `detector`: the instance's detector (outlives this); `device_retained`: Retain Device Identity.
  KeptTextCheck(const Dataset& input, const phi::Detector& detector, bool device_retained);
  // True when the value names the patient, another person, the institution or the device, or
  // cannot be read (fail closed). `cs`: the Specific Character Set terms in force for it.
  bool identifies_someone(const Element& e, const std::vector<std::string>& cs) const;

 private:
  const phi::Detector& detector_;
  phi::Detector device_;  // the device's identity values, as IDs
  bool device_retained_;
};

}  // namespace dicomscrub::deid
