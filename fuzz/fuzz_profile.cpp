// fuzz/fuzz_profile.cpp — JSON profile files are written by hand at sites: any text must give a
// profile or an error with a position, never a crash. Asserted on every profile that loads:
//  - loading the same text twice gives the same effective rules (determinism);
//  - a profile whose rules keep one of the patient's identifying attributes (by tag, keyword or
//    mask) says so in identifying_keeps(), which `dicomscrub profile check` prints: a site must
//    never keep a patient's name without being told.
#include <cstdint>
#include <string_view>

#include "invariants.hpp"
#include "profile/profile.hpp"

using namespace dicomscrub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = profile::Profile::from_json(text, "fuzz.json");
  if (!p) {
    fuzzcheck::require(!p.error().message().empty(), "profile refused without a message");
    return 0;
  }
  auto q = profile::Profile::from_json(text, "fuzz.json");
  fuzzcheck::require(q.ok() && q->describe() == p->describe(), "same profile text, different rules");
  // Patient's Name, ID, Birth Date, Other Patient IDs/Names, Address, Referring Physician, Accession.
  static const Tag identifying[] = {{0x0010, 0x0010}, {0x0010, 0x0020}, {0x0010, 0x0030}, {0x0010, 0x1000},
                                    {0x0010, 0x1001}, {0x0010, 0x1040}, {0x0008, 0x0090}, {0x0008, 0x0050}};
  const bool warned = !p->identifying_keeps().empty();
  for (Tag t : identifying) {
    auto d = p->decide(t, VR{}, "");
    if (d.from_rule && d.action == profile::Action::keep)
      fuzzcheck::require(warned, "a rule keeps a patient identifier and profile check does not say so");
  }
  return 0;
}
