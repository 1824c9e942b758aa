// dicomscrub/dataset.hpp — the object model: a DICOM file as read, kept exact enough to be written
// back byte for byte.
//
// Every field the encoding can vary (explicit VR letters, reserved bytes, defined vs undefined
// lengths, delimiter lengths, odd lengths, element order) is recorded, so the writer re-encodes an
// unedited file to the identical bytes instead of copying it blindly. Values are views into the
// source where possible: a DicomFile owns its sources, and element values must not outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/error.hpp"
#include "dicomscrub/tag.hpp"

namespace dicomscrub {

inline constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;

using Bytes = std::span<const std::uint8_t>;

// Random-access bytes: a memory buffer (zero copy) or a file read with pread in bounded blocks.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // The whole content when it is in memory, else empty: callers then use read().
  virtual Bytes memory() const { return {}; }
  // Copies [offset, offset+out.size()) into out; the range must lie inside size().
  virtual Status read(std::uint64_t offset, std::span<std::uint8_t> out) const = 0;
  // The operating system's descriptor when this is a file (lets writers use copy_file_range).
  virtual int fd() const { return -1; }
};

// A value's bytes: a range of a source (zero copy, or streamed later) or bytes of its own.
class Value {
 public:
  Value() = default;
  static Value in_source(const ByteSource* src, std::uint64_t offset, std::uint32_t length) {
    Value v; v.src_ = src; v.offset_ = offset; v.length_ = length; return v;
  }
  static Value owned(std::vector<std::uint8_t> bytes) {
    Value v; v.length_ = std::uint32_t(bytes.size()); v.owned_ = std::move(bytes); return v;
  }
  std::uint32_t size() const { return length_; }
  bool empty() const { return length_ == 0; }
  // The bytes when they are in memory (owned, or a memory source); empty optional for a value
  // that lives in a file source and was left there because it is large (use load()).
  std::optional<Bytes> bytes() const;
  // The bytes, read from the source if needed.
  Result<std::vector<std::uint8_t>> load() const;
  const ByteSource* source() const { return src_; }
  std::uint64_t source_offset() const { return offset_; }

 private:
  const ByteSource* src_ = nullptr;
  std::uint64_t offset_ = 0;
  std::uint32_t length_ = 0;
  std::vector<std::uint8_t> owned_;
};

struct Item;

// One fragment (or the Basic Offset Table, fragments[0]) of encapsulated pixel data.
struct Fragment {
  std::uint64_t offset = 0;  // of the item header
  Value value;
};

enum class ElementForm : std::uint8_t { value, sequence, encapsulated };

struct Element {
  Tag tag;
  VR vr{};                             // as written (explicit) or from the dictionary (implicit)
  std::uint32_t length = 0;            // as read; kUndefinedLength for undefined
  std::uint16_t reserved = 0;          // the 2 reserved bytes of explicit 32-bit-length VRs
  ElementForm form = ElementForm::value;
  bool implicit_items = false;         // UN of undefined length: items are Implicit VR LE
  std::uint32_t delimiter_length = 0;  // length field of the Sequence Delimitation Item
  bool delimiter_missing = false;      // encapsulated data ending at end of file without one
  std::uint64_t offset = 0;            // byte offset of the element's header in its stream
  Value value;
  std::vector<Item> items;             // form == sequence
  std::vector<Fragment> fragments;     // form == encapsulated

  bool undefined_length() const { return length == kUndefinedLength; }
};

class Dataset {
 public:
  std::vector<Element>& elements() { return elements_; }
  const std::vector<Element>& elements() const { return elements_; }
  const Element* find(Tag tag) const;
  Element* find(Tag tag);
  // Edits: keep ascending tag order, and mark the data set modified (group lengths recomputed).
  Element& set(Tag tag, VR vr, std::vector<std::uint8_t> bytes);
  void set_string(Tag tag, VR vr, std::string_view text);  // pads to even length as PS3.5 requires
  bool remove(Tag tag);
  bool modified() const { return modified_; }
  void mark_modified() { modified_ = true; }
  // A string value without trailing padding (spaces, NUL), or nullopt when absent or not in memory.
  std::optional<std::string> get_string(Tag tag) const;

 private:
  std::vector<Element> elements_;
  bool modified_ = false;
};

struct Item {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;            // as read; kUndefinedLength for undefined
  std::uint32_t delimiter_length = 0;  // length field of the Item Delimitation Item
  Dataset dataset;
  bool undefined_length() const { return length == kUndefinedLength; }
};

// How a data set is encoded on the wire (what the transfer syntax implies, or what we detected).
struct Encoding {
  bool explicit_vr = true;
  bool big_endian = false;
  bool deflated = false;
  auto operator<=>(const Encoding&) const = default;
};

struct DicomFile {
  std::string path;                       // for messages; empty for buffers
  bool has_preamble = false;              // 128 bytes + "DICM"
  std::array<std::uint8_t, 128> preamble{};
  bool has_magic = false;                 // "DICM" present (always with a preamble)
  Dataset meta;                           // group 0002, Explicit VR LE; empty when absent
  std::string transfer_syntax_uid;        // declared in the meta group, or given; may be empty
  Encoding encoding;                      // of the data set, as actually found
  bool encoding_detected = false;         // true when no usable transfer syntax was declared
  Dataset dataset;
  std::uint64_t dataset_offset = 0;       // where the data set starts in the file
  std::optional<Value> deflated_stream;   // the compressed bytes as read, for unedited round trips
  std::vector<std::shared_ptr<ByteSource>> sources;  // keep the bytes values point into alive
};

}  // namespace dicomscrub
