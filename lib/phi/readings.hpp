// lib/phi/readings.hpp — inside lib/phi: deflated streams found inside a binary value, inflated,
// so the binary check reads what a zlib or gzip stream hides (a name deflated into a kept LUT or a
// blob) as it reads the value itself.
#pragma once

#include <cstdint>
#include <vector>

#include "dicomscrub/dataset.hpp"

namespace dicomscrub::phi::detail {

// Every zlib or gzip stream in `bytes` that inflates without a data error, each up to 1 MiB; at
// most 64 candidate headers are tried per value (0x78 0x9C occurs by chance in binary data).
std::vector<std::vector<std::uint8_t>> inflated_streams(Bytes bytes);

}  // namespace dicomscrub::phi::detail
