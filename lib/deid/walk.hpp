// lib/deid/walk.hpp — the profile walk: every element at every depth of one instance's data set,
// each given its action (remove, empty, dummy, keyed token, UID, shifted date, cleaned text, kept
// after the kept-text check), private blocks and conditional attributes settled, and the paths of
// the values the residual check must not read as the input's (kept on purpose, or ours) recorded.
// Pixels, PDFs, markers and the check itself are the instance pipeline's (engine.cpp).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "deid/engine_impl.hpp"
#include "phi/phi.hpp"
#include "verify/kept_text.hpp"

namespace dicomscrub::deid {

// What the walk needs to know of the instance, read before it changes anything.
struct WalkSettings {
  int shift_days = 0;              // days every date of the patient moves back
  std::vector<std::string> cs;     // the data set's Specific Character Set terms
  bool big_endian = false;         // of the data set: UN values are read as their dictionary VR
  bool own_output = false;         // an output of ours under this key: its dates are shifted already
  std::string_view sop_class;      // the instance's IOD (an attribute's Type depends on it)
  bool animal = false;             // Patient Species given (Responsible Person: Type 2C for an animal)
};

// Applies the profile to `ds` in place. `kept` receives the paths the residual check does not take
// for the input's. Returns the keyword a lookup table had no row for ("" when none: the instance
// is then withheld by the caller).
std::string walk_dataset(Dataset& ds, const Deidentifier::Impl& impl, DeidReport& report, const phi::Detector& ids,
                         const KeptTextCheck& kept_text, std::set<std::string>& kept, const WalkSettings& settings);

}  // namespace dicomscrub::deid
