// fuzz/fuzz_profile.cpp — JSON profile files are written by hand at sites: any text must give a
// profile or an error with a position, never a crash.
#include <cstdint>
#include <string_view>

#include "profile/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto p = dicomscrub::profile::Profile::from_json(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  if (p) (void)p->describe().size();
  else (void)p.error().message();
  return 0;
}
