// lib/core/files.hpp — reading a settings file a person wrote (a profile, region rules, a lookup
// table, the gateway's configuration) whole into memory: one way to do it, with one error for a
// file that cannot be opened and a size limit checked before anything is allocated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dicomscrub/error.hpp"

namespace dicomscrub::detail {

// The bytes of `path`. `what` names the file in errors ("the profile file"); a file over
// `max_bytes` is refused unread.
Result<std::string> read_settings_file(const std::string& path, std::string_view what, std::uint64_t max_bytes);

}  // namespace dicomscrub::detail
