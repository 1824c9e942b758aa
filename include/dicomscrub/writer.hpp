// dicomscrub/writer.hpp — serialize a DicomFile in its own encoding.
//
// Re-encodes every header from the object model: an unedited file comes out byte-identical,
// an edited one gets recomputed lengths for defined-length items and sequences, and recomputed
// group lengths in modified data sets. Large values still in their source file are copied
// through in bounded chunks (copy_file_range where the kernel allows), never loaded whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"

namespace dicomscrub {

// Where bytes go.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(Bytes bytes) = 0;
  // Copy a range of a source; the default reads it in bounded chunks.
  virtual Status copy_from(const ByteSource& src, std::uint64_t offset, std::uint64_t length);
};

class VectorSink final : public ByteSink {
 public:
  Status write(Bytes bytes) override;
  std::vector<std::uint8_t>& bytes() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

Status write(const DicomFile& file, ByteSink& sink);
Result<std::vector<std::uint8_t>> write_to_buffer(const DicomFile& file);
struct AtomicWriteOptions {
  bool replace = false;  // allow replacing an existing file
  bool fsync = false;    // flush to disk before the rename (durable across power loss; slower)
};
// Writes to a temporary file beside `path`, then renames it: readers of `path` never see a
// partial file, and a failure leaves nothing behind. Without `replace`, an existing `path` is an
// error, checked atomically by the rename itself (two writers of one path cannot both win).
Status write_file_atomically(const DicomFile& file, const std::string& path, AtomicWriteOptions options = {});

// For reruns: like write_file_atomically without replace, but when `path` already holds exactly
// the bytes we would write, that is success (returns true: already present). A different file
// there is an error and is left as it is.
Result<bool> write_file_once(const DicomFile& file, const std::string& path, AtomicWriteOptions options = {});

// Our identity in the File Meta Information.
inline constexpr const char* kImplementationClassUid = "2.25.163043328793394361386563718476478930761";
inline constexpr const char* kImplementationVersionName = "DICOMSCRUB_0_1";

// Rebuild the File Meta Information for an output: keeps the SOP class/instance and transfer
// syntax in step with the data set, stamps our implementation UID and version name, and
// recomputes the group length. Adds a preamble (zeros) if the input had none.
void rebuild_file_meta(DicomFile& file);

// Keep large values of large inputs (over ReadOptions' whole_file_limit, whether read from the file
// or given as a buffer) at the same offset within a 4 KiB page as in the input, so the kernel can copy them page by page (about twice as fast as a misaligned copy).
// Pads with PS3.10's Private Information (0002,0102) under our creator UID in the File Meta group:
// invisible to the data set. Does nothing when no such value exists or it is already aligned.
void align_bulk_data(DicomFile& file);

}  // namespace dicomscrub
