// lib/gateway/stow.hpp — DICOMweb STOW-RS output (PS3.18 10.5) over HTTP(S) with libcurl: each
// queued file is POSTed as it is on disk (application/dicom in multipart/related), one instance
// per request so every instance gets its own answer; the connection is reused.
#pragma once

#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/dicom_net.hpp"

namespace dicomscrub::gateway {

SendReport stow_files(const Destination& dest, const std::vector<std::string>& files);

}  // namespace dicomscrub::gateway
