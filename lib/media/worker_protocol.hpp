// lib/media/worker_protocol.hpp — what the engine and the media worker (dicomscrub-media) say to
// each other over their socket: one framed message per job and one per result. Both sides treat
// the other as untrusted: every frame has a capped length, every count is checked against the
// bytes actually present before anything is allocated, and a malformed message is an Error, never
// a crash. The jobs mirror media::Api one to one (decode, encode, read_lines, clean_pdf), plus the
// test-only commands the worker runs when started in test mode.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "media/pdf_policy.hpp"
#include "phi/phi.hpp"
#include "image/image.hpp"
#include "image/ocr_match.hpp"

namespace dicomscrub::media::wire {

enum class Kind : std::uint32_t {
  ready = 1,       // worker -> engine after start-up: locked down and waiting (payload: what isolates it)
  startup_failed,  // worker -> engine: could not load the module or lock itself down (payload: why)
  decode,
  encode,
  read_lines,
  clean_pdf,
  test_command,    // test mode only: "abort", "open", "socket", "sleep"
  result,          // worker -> engine: the answer to the job just sent
};

// Largest frame either side accepts: a decoded instance is at most 1 GiB (PixelPolicy), plus headers.
inline constexpr std::uint64_t kMaxFrame = (std::uint64_t(1) << 30) + (std::uint64_t(64) << 20);

// Appends fixed-size little-endian fields and length-prefixed runs. Large images are not copied
// into the message: bytes_in_place() records where they are, and write_frame sends them from
// there (they must outlive the write).
class Out {
 public:
  void u8(std::uint8_t v) { buf_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void i32(std::int32_t v) { u32(std::uint32_t(v)); }
  void f64(double v);
  void str(std::string_view s);
  void bytes(Bytes b);
  void bytes_in_place(Bytes b);
  // The message as runs of bytes, in order, and its length.
  std::vector<Bytes> runs() const;
  std::uint64_t size() const;
  // The whole message in one buffer (a copy; for short messages and tests).
  std::vector<std::uint8_t> flat() const;

 private:
  struct InPlace {
    std::size_t at;  // where in buf_ the bytes belong
    Bytes bytes;
  };
  std::vector<std::uint8_t> buf_;
  std::vector<InPlace> in_place_;
};

// Reads what Out wrote. After the first short or implausible field every read returns zero and
// ok() is false; the caller checks ok() once at the end.
class In {
 public:
  explicit In(Bytes b) : data_(b) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  std::int32_t i32() { return std::int32_t(u32()); }
  double f64();
  std::string str();
  std::vector<std::uint8_t> bytes();
  // A count of elements each taking at least `min_size` bytes: refused when the rest cannot hold them.
  std::uint64_t count(std::size_t min_size);
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  bool take(std::size_t n);
  Bytes data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// One frame: [u32 kind][u64 length][payload]. read_frame refuses a length over `max_length` before
// reading it and grows its buffer only as bytes arrive. With a deadline (the engine's side), a peer
// that neither reads nor answers in time is an Error whose code is limit_exceeded.
// A payload of kSharedMinimum bytes or more (decoded images, images to encode) does not stream
// through the socket: it is written into a memory file (memfd) sealed against any change (write,
// grow, shrink), whose descriptor travels with the header (SCM_RIGHTS; the kind's top bit says
// so), and the reader maps it read-only. The seals are what make it safe to read from a peer we do
// not trust: once checked, the bytes cannot change under the reader (no time-of-check race).
inline constexpr std::uint64_t kSharedMinimum = std::uint64_t(1) << 20;
inline constexpr std::uint32_t kSharedFlag = 0x80000000u;
using Deadline = std::optional<std::chrono::steady_clock::time_point>;
Status write_frame(int fd, Kind kind, const Out& payload, Deadline deadline = {});
Status write_frame(int fd, Kind kind, Bytes payload, Deadline deadline = {});

// A frame's payload: bytes read from the socket, or a read-only mapping of the sealed memory file.
class Payload {
 public:
  Payload() = default;
  explicit Payload(std::vector<std::uint8_t> owned) : owned_(std::move(owned)) {}
  static Payload mapped(const void* at, std::size_t size);
  Payload(Payload&& o) noexcept { *this = std::move(o); }
  Payload& operator=(Payload&& o) noexcept;
  Payload(const Payload&) = delete;
  Payload& operator=(const Payload&) = delete;
  ~Payload();
  Bytes bytes() const { return map_ ? Bytes(static_cast<const std::uint8_t*>(map_), map_size_) : Bytes(owned_); }
  bool empty() const { return bytes().empty(); }
  bool shared() const { return map_ != nullptr; }

 private:
  std::vector<std::uint8_t> owned_;
  const void* map_ = nullptr;
  std::size_t map_size_ = 0;
};

struct Frame {
  Kind kind{};
  Payload payload;
};
Result<Frame> read_frame(int fd, Deadline deadline = {}, std::uint64_t max_length = kMaxFrame);
// Sends `bytes` as they are, with `attached` (a descriptor, or -1) riding on the first byte: for
// tests that play a broken or hostile peer. True when all was sent.
bool send_raw(int fd, Bytes bytes, int attached = -1);

// The parts of the jobs and results. put_* writes; get_* reads and returns false on a malformed message.
void put_layout(Out& o, const pixel::Layout& l);
bool get_layout(In& in, pixel::Layout& l);
void put_error(Out& o, const Error& e);
Error get_error(In& in);

// decode: the Pixel Data element and what decode() reads of the file around it.
Status put_decode_job(Out& o, const DicomFile& file, const pixel::Layout& declared);  // an Error when a value cannot be read
bool get_decode_job(In& in, DicomFile& file, pixel::Layout& declared);
void put_decoded(Out& o, const pixel::Decoded& d);
bool get_decoded(In& in, pixel::Decoded& d);

// encode: the image and the element's form; the answer is every element encode() set in the
// worker's one-element data set plus the syntax and encoding it left.
void put_encode_job(Out& o, const DicomFile& file, const pixel::Decoded& img, const std::string& syntax);
bool get_encode_job(In& in, DicomFile& file, pixel::Decoded& img, std::string& syntax);
void put_encoded(Out& o, const DicomFile& worker_file);
bool apply_encoded(In& in, DicomFile& file);

void put_planes(Out& o, const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits);
bool get_planes(In& in, std::vector<std::vector<std::uint16_t>>& planes, int& cols, int& rows, int& bits);
void put_lines(Out& o, const std::vector<pixel::TextLine>& lines);
bool get_lines(In& in, std::vector<pixel::TextLine>& lines);

void put_pdf_job(Out& o, Bytes pdf, const phi::Detector& ids, const document::ScanPolicy& scans);
bool get_pdf_job(In& in, std::vector<std::uint8_t>& pdf, phi::InstanceIdentifiers& ids, phi::Policy& policy, document::ScanPolicy& scans);
void put_cleaned_pdf(Out& o, const document::CleanedPdf& c);
bool get_cleaned_pdf(In& in, document::CleanedPdf& c);

}  // namespace dicomscrub::media::wire
