// lib/deid/engine_impl.hpp — what a Deidentifier holds (the profile, the keyed pseudonymizer, the
// pixel policy, the run's settings), shared by the instance pipeline (engine.cpp) and the walk
// (walk.cpp). Internal to lib/deid.
#pragma once

#include <memory>
#include <optional>

#include "dicomscrub/deid.hpp"
#include "pixel/cleaner.hpp"
#include "profile/profile.hpp"
#include "pseudo/encrypted_attributes.hpp"
#include "pseudo/lookup_table.hpp"
#include "pseudo/pseudonymizer.hpp"

namespace dicomscrub {

struct Deidentifier::Impl {
  profile::Profile profile;
  pseudo::Pseudonymizer pseudo;
  bool one_time_key = false;
  bool verify = true;
  bool record_tag_actions = true;
  bool record_mappings = false;
  std::optional<reid::LookupTable> lookup;
  bool lookup_missing_keyed = false;
  std::shared_ptr<const reid::Recipients> recipients;  // --encrypt-for; null: no sealing
  pixel::PixelPolicy pixels;
  Impl(profile::Profile p, std::shared_ptr<const Key> k) : profile(std::move(p)), pseudo(std::move(k)) {}
};

}  // namespace dicomscrub
