// dicomscrub/reader.hpp — parse Part 10 files and raw data sets into a DicomFile.
//
// Never trusts a length: every length is checked against what remains of its container before
// anything is allocated, nesting depth and element counts are limited, and a problem becomes an
// Error naming the byte offset and tag path. Files small enough are read into memory in one go;
// larger ones are parsed with bounded reads, their large values left in the file and streamed
// through by the writer, so memory does not grow with pixel data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub {

struct ReadOptions {
  // For input without a meta group (or without (0002,0010)): the transfer syntax UID to assume.
  // Empty: detect Implicit/Explicit VR and byte order from the first element.
  std::string transfer_syntax;
  std::size_t max_depth = 64;                     // sequence nesting
  std::size_t max_elements = 4'000'000;           // elements, items and fragments per file
  std::uint64_t max_inflated_size = 256ull << 20;  // deflated data sets (a valid file can inflate ~1000x)
  // Files up to this size are read into memory in one call; larger ones are parsed through
  // bounded block reads.
  std::uint64_t whole_file_limit = 8u << 20;
  // In a file source, values larger than this are not copied: they stay in the file.
  std::uint32_t defer_threshold = 256u << 10;
};

// Parse bytes that the caller keeps alive for the lifetime of the result (zero copy).
Result<DicomFile> read_buffer(Bytes bytes, const ReadOptions& options = {}, std::string name = {});
// Parse a file. The file must not change while the DicomFile is in use.
Result<DicomFile> read_file(const std::string& path, const ReadOptions& options = {});
// Parse any source (the DicomFile keeps it alive).
Result<DicomFile> read_source(std::shared_ptr<ByteSource> source, const ReadOptions& options,
                              std::string name);

// Sources, for callers that want to choose.
std::shared_ptr<ByteSource> memory_source(Bytes bytes);  // does not own bytes
std::shared_ptr<ByteSource> owning_memory_source(std::vector<std::uint8_t> bytes);
Result<std::shared_ptr<ByteSource>> file_source(const std::string& path);  // pread-based

}  // namespace dicomscrub
