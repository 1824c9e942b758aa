// lib/parse/element_reader.hpp — the recursive-descent parser behind read_*().
// Owns the bounds checks, limits and error paths; builds the object model and nothing else
// (no decisions about what values mean beyond what the encoding needs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/reader.hpp"

namespace dicomscrub::detail {

// `src` read whole into a buffer of its own (for files up to ReadOptions::whole_file_limit).
Result<std::shared_ptr<ByteSource>> whole_in_memory(const ByteSource& src);

class ElementReader {
 public:
  ElementReader(const ByteSource& src, const ReadOptions& opt, std::string name)
      : src_(src), mem_(src.memory()), opt_(opt), name_(std::move(name)) {}

  // Parse elements in [begin, end) with `enc` into `out`. With stop_group set, stop before the
  // first element of another group (how the File Meta group ends). Returns the end position.
  Result<std::uint64_t> read_dataset(Dataset& out, std::uint64_t begin, std::uint64_t end, Encoding enc,
                                     int stop_group = -1);
  // Nice messages for callers outside the recursion.
  Error error(ErrorCode code, std::uint64_t offset, std::string reason) const;

 private:
  struct PathStep { Tag tag; long item = -1; };

  Status fetch(std::uint64_t offset, std::size_t n, const std::uint8_t*& p);
  Result<std::uint64_t> read_items(Element& e, std::uint64_t pos, std::uint64_t end, Encoding enc, std::size_t depth);
  Result<std::uint64_t> read_fragments(Element& e, std::uint64_t pos, std::uint64_t end);
  Result<std::uint64_t> read_elements(Dataset& out, std::uint64_t pos, std::uint64_t end, Encoding enc,
                                      std::size_t depth, bool in_undefined_item, std::uint32_t* delim_len,
                                      int stop_group);
  Value make_value(std::uint64_t offset, std::uint32_t length, Status& st);
  Status count();

  const ByteSource& src_;
  Bytes mem_;
  const ReadOptions& opt_;
  std::string name_;
  std::vector<PathStep> path_;
  std::size_t count_ = 0;
  // File sources: one block read serves many headers and small values (one pread per 64 KiB,
  // not one per element).
  static constexpr std::size_t kBlock = 64 << 10;
  std::vector<std::uint8_t> block_;
  std::uint64_t block_offset_ = 0;
  Status load_block(std::uint64_t offset);
};

// Guess the encoding of a data set from its first element header (8+ bytes).
bool detect_encoding(Bytes head, Encoding& enc);

}  // namespace dicomscrub::detail
