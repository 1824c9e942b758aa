// lib/media/worker_protocol.cpp — framing and the job/result encodings (see worker_protocol.hpp).
#include "media/worker_protocol.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace dicomscrub::media::wire {

namespace {

Error wire_error(std::string why) { return Error{ErrorCode::io, {}, 0, {}, std::move(why)}; }

// Waits until `fd` is ready for `events` or the deadline passes (false).
bool wait_for(int fd, short events, const Deadline& deadline) {
  if (!deadline) return true;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, int(std::min<long long>(left, 60'000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // let the read or write report the error
  }
}

// Whole buffers over a socket; EINTR retried. send() with MSG_NOSIGNAL: a dead peer is an error
// here, not a SIGPIPE that would end the engine's process. 0: done; -1: broken; -2: deadline.
int write_all(int fd, const std::uint8_t* p, std::size_t n, const Deadline& deadline) {
  while (n > 0) {
    if (!wait_for(fd, POLLOUT, deadline)) return -2;
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= std::size_t(w);
  }
  return 0;
}

// 0: all read; 1: end of stream before the first byte; -1: error or end in the middle; -2: deadline.
int read_all(int fd, std::uint8_t* p, std::size_t n, const Deadline& deadline) {
  std::size_t got = 0;
  while (got < n) {
    if (!wait_for(fd, POLLIN, deadline)) return -2;
    ssize_t r = ::read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return got == 0 ? 1 : -1;
    if (r < 0) return -1;
    got += std::size_t(r);
  }
  return 0;
}

Error timed_out() { return Error{ErrorCode::limit_exceeded, {}, 0, {}, "media worker did not answer in time"}; }

void store_le(std::uint8_t* p, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = std::uint8_t(v >> (8 * i));
}
std::uint64_t load_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t(p[i]) << (8 * i);
  return v;
}

}  // namespace

void Out::u16(std::uint16_t v) { std::uint8_t b[2]; store_le(b, v, 2); buf_.insert(buf_.end(), b, b + 2); }
void Out::u32(std::uint32_t v) { std::uint8_t b[4]; store_le(b, v, 4); buf_.insert(buf_.end(), b, b + 4); }
void Out::u64(std::uint64_t v) { std::uint8_t b[8]; store_le(b, v, 8); buf_.insert(buf_.end(), b, b + 8); }
void Out::f64(double v) { std::uint64_t bits; std::memcpy(&bits, &v, 8); u64(bits); }
void Out::str(std::string_view s) { u64(s.size()); buf_.insert(buf_.end(), s.begin(), s.end()); }
void Out::bytes(Bytes b) { u64(b.size()); buf_.insert(buf_.end(), b.begin(), b.end()); }
void Out::bytes_in_place(Bytes b) {
  u64(b.size());
  if (!b.empty()) in_place_.push_back({buf_.size(), b});
}
std::vector<Bytes> Out::runs() const {
  std::vector<Bytes> out;
  std::size_t from = 0;
  for (const auto& p : in_place_) {
    if (p.at > from) out.emplace_back(buf_.data() + from, p.at - from);
    out.push_back(p.bytes);
    from = p.at;
  }
  if (buf_.size() > from) out.emplace_back(buf_.data() + from, buf_.size() - from);
  return out;
}
std::uint64_t Out::size() const {
  std::uint64_t n = buf_.size();
  for (const auto& p : in_place_) n += p.bytes.size();
  return n;
}
std::vector<std::uint8_t> Out::flat() const {
  std::vector<std::uint8_t> all;
  all.reserve(std::size_t(size()));
  for (Bytes r : runs()) all.insert(all.end(), r.begin(), r.end());
  return all;
}

Payload Payload::mapped(const void* at, std::size_t size) {
  Payload p;
  p.map_ = at;
  p.map_size_ = size;
  return p;
}
Payload& Payload::operator=(Payload&& o) noexcept {
  if (this == &o) return *this;
  if (map_) ::munmap(const_cast<void*>(map_), map_size_);
  owned_ = std::move(o.owned_);
  map_ = std::exchange(o.map_, nullptr);
  map_size_ = std::exchange(o.map_size_, 0);
  return *this;
}
Payload::~Payload() {
  if (map_) ::munmap(const_cast<void*>(map_), map_size_);
}

bool In::take(std::size_t n) {
  if (!ok_ || data_.size() - pos_ < n) { ok_ = false; return false; }
  return true;
}
std::uint8_t In::u8() { if (!take(1)) return 0; return data_[pos_++]; }
std::uint16_t In::u16() { if (!take(2)) return 0; auto v = load_le(data_.data() + pos_, 2); pos_ += 2; return std::uint16_t(v); }
std::uint32_t In::u32() { if (!take(4)) return 0; auto v = load_le(data_.data() + pos_, 4); pos_ += 4; return std::uint32_t(v); }
std::uint64_t In::u64() { if (!take(8)) return 0; auto v = load_le(data_.data() + pos_, 8); pos_ += 8; return v; }
double In::f64() { std::uint64_t bits = u64(); double v; std::memcpy(&v, &bits, 8); return v; }
std::uint64_t In::count(std::size_t min_size) {
  std::uint64_t n = u64();
  if (!ok_ || (min_size > 0 && n > (data_.size() - pos_) / min_size)) { ok_ = false; return 0; }
  return n;
}
std::string In::str() {
  std::uint64_t n = count(1);
  if (!take(std::size_t(n))) return {};
  std::string s(reinterpret_cast<const char*>(data_.data() + pos_), std::size_t(n));
  pos_ += std::size_t(n);
  return s;
}
std::vector<std::uint8_t> In::bytes() {
  std::uint64_t n = count(1);
  if (!take(std::size_t(n))) return {};
  std::vector<std::uint8_t> v(data_.begin() + std::ptrdiff_t(pos_), data_.begin() + std::ptrdiff_t(pos_ + n));
  pos_ += std::size_t(n);
  return v;
}

namespace {

constexpr unsigned kSeals = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK;

// The payload in a memory file sealed against change; -1 when the system has none (the caller
// streams the payload instead).
int sealed_copy(const std::vector<Bytes>& runs) {
  const int mfd = ::memfd_create("dicomscrub-media", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) return -1;
  for (Bytes r : runs) {
    const std::uint8_t* p = r.data();
    std::size_t n = r.size();
    while (n > 0) {
      const ssize_t w = ::write(mfd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) { ::close(mfd); return -1; }
      p += w;
      n -= std::size_t(w);
    }
  }
  if (::fcntl(mfd, F_ADD_SEALS, kSeals | F_SEAL_SEAL) != 0) { ::close(mfd); return -1; }
  return mfd;
}

// The header, with `attached` (a descriptor, or -1) riding on its first byte.
int send_head(int fd, const std::uint8_t* head, std::size_t n, int attached, const Deadline& deadline) {
  if (attached < 0) return write_all(fd, head, n, deadline);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{const_cast<std::uint8_t*>(head), n};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &attached, sizeof(int));
  for (;;) {
    if (!wait_for(fd, POLLOUT, deadline)) return -2;
    const ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    return write_all(fd, head + w, n - std::size_t(w), deadline);
  }
}

// Reads the header like read_all, and takes the descriptor that may come with it (into `attached`;
// more than one is a broken peer). Same return codes as read_all.
int read_head(int fd, std::uint8_t* head, std::size_t n, int& attached, const Deadline& deadline) {
  attached = -1;
  std::size_t got = 0;
  while (got < n) {
    if (!wait_for(fd, POLLIN, deadline)) return -2;
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    iovec iov{head + got, n - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t r = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (r < 0 && errno == EINTR) continue;
    bool extra = (msg.msg_flags & MSG_CTRUNC) != 0;
    if (r > 0)
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
          int got_fd;
          std::memcpy(&got_fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          if (attached < 0) attached = got_fd;
          else { ::close(got_fd); extra = true; }
        }
      }
    if (extra) return -1;
    if (r == 0) return got == 0 ? 1 : -1;
    if (r < 0) return -1;
    got += std::size_t(r);
  }
  return 0;
}

// Maps the peer's memory file read-only once its seals promise that it can no longer change and
// its size is the one announced.
Result<Payload> map_sealed(int mfd, std::uint64_t n) {
  struct stat st{};
  const int seals = ::fcntl(mfd, F_GET_SEALS);
  if (seals < 0 || (unsigned(seals) & kSeals) != kSeals || ::fstat(mfd, &st) != 0 || !S_ISREG(st.st_mode) || std::uint64_t(st.st_size) != n || n == 0)
    return wire_error("media worker sent a shared payload that is not a sealed memory file of the announced size");
  void* at = ::mmap(nullptr, std::size_t(n), PROT_READ, MAP_PRIVATE | MAP_POPULATE, mfd, 0);
  if (at == MAP_FAILED) return wire_error(fmt::format("a shared payload of {} bytes could not be mapped ({})", n, std::strerror(errno)));
  return Payload::mapped(at, std::size_t(n));
}

Status send_frame(int fd, Kind kind, const std::vector<Bytes>& runs, std::uint64_t size, const Deadline& deadline) {
  const int mfd = size >= kSharedMinimum ? sealed_copy(runs) : -1;
  std::uint8_t head[12];
  store_le(head, std::uint32_t(kind) | (mfd >= 0 ? kSharedFlag : 0u), 4);
  store_le(head + 4, size, 8);
  int r = send_head(fd, head, sizeof head, mfd, deadline);
  if (mfd >= 0) ::close(mfd);  // the peer holds its own descriptor now
  for (std::size_t i = 0; r == 0 && mfd < 0 && i < runs.size(); ++i) r = write_all(fd, runs[i].data(), runs[i].size(), deadline);
  if (r == -2) return timed_out();
  if (r != 0) return wire_error("media worker connection broken while sending");
  return Ok{};
}

}  // namespace

Status write_frame(int fd, Kind kind, const Out& payload, Deadline deadline) {
  return send_frame(fd, kind, payload.runs(), payload.size(), deadline);
}

Status write_frame(int fd, Kind kind, Bytes payload, Deadline deadline) {
  return send_frame(fd, kind, {payload}, payload.size(), deadline);
}

bool send_raw(int fd, Bytes bytes, int attached) { return send_head(fd, bytes.data(), bytes.size(), attached, {}) == 0; }

Result<Frame> read_frame(int fd, Deadline deadline, std::uint64_t max_length) {
  std::uint8_t head[12];
  int mfd = -1;
  const int r = read_head(fd, head, sizeof head, mfd, deadline);
  struct Closer { int& fd; ~Closer() { if (fd >= 0) ::close(fd); } } closer{mfd};
  if (r != 0) return r == -2 ? timed_out() : wire_error(r == 1 ? "media worker connection closed" : "media worker connection broken");
  Frame f;
  const auto kind = std::uint32_t(load_le(head, 4));
  f.kind = Kind(kind & ~kSharedFlag);
  const std::uint64_t n = load_le(head + 4, 8);
  if (n > max_length) return wire_error(fmt::format("media worker message of {} bytes is over the {} accepted", n, max_length));
  if ((kind & kSharedFlag) != 0 || mfd >= 0) {
    if (mfd < 0 || (kind & kSharedFlag) == 0) return wire_error("media worker connection broken (a shared payload without its memory file, or a stray descriptor)");
    auto mapped = map_sealed(mfd, n);
    if (!mapped) return std::move(mapped).error();
    f.payload = std::move(*mapped);
    return f;
  }
  // Grown as the bytes arrive: a length that lies costs at most what was really sent.
  std::vector<std::uint8_t> bytes;
  constexpr std::size_t kChunk = std::size_t(16) << 20;
  while (bytes.size() < n) {
    const std::size_t at = bytes.size();
    const std::size_t step = std::size_t(std::min<std::uint64_t>(kChunk, n - at));
    bytes.resize(at + step);
    if (int rr = read_all(fd, bytes.data() + at, step, deadline); rr != 0)
      return rr == -2 ? timed_out() : wire_error("media worker connection broken in the middle of a message");
  }
  f.payload = Payload(std::move(bytes));
  return f;
}

void put_layout(Out& o, const pixel::Layout& l) {
  o.u32(l.rows); o.u32(l.cols); o.u32(l.frames);
  o.u16(l.samples); o.u16(l.bits_allocated); o.u16(l.bits_stored); o.u16(l.high_bit);
  o.u8(l.is_signed); o.u16(l.planar); o.str(l.photometric);
}
bool get_layout(In& in, pixel::Layout& l) {
  l.rows = in.u32(); l.cols = in.u32(); l.frames = in.u32();
  l.samples = in.u16(); l.bits_allocated = in.u16(); l.bits_stored = in.u16(); l.high_bit = in.u16();
  l.is_signed = in.u8() != 0; l.planar = in.u16(); l.photometric = in.str();
  return in.ok();
}

void put_error(Out& o, const Error& e) { o.u8(std::uint8_t(e.code)); o.str(e.tag_path); o.str(e.reason); }
Error get_error(In& in) {
  Error e;
  const auto code = in.u8();
  e.code = code <= std::uint8_t(ErrorCode::invalid_argument) ? ErrorCode(code) : ErrorCode::unsupported;
  e.tag_path = in.str();
  e.reason = in.str();
  if (!in.ok()) return wire_error("the media worker sent a malformed error");
  return e;
}

namespace {

void put_encoding(Out& o, const Encoding& e) { o.u8(e.explicit_vr); o.u8(e.big_endian); o.u8(e.deflated); }
void get_encoding(In& in, Encoding& e) { e.explicit_vr = in.u8() != 0; e.big_endian = in.u8() != 0; e.deflated = in.u8() != 0; }

// The element's VR, form and bytes (its value, or every fragment with the offset table first).
Status put_element(Out& o, const Element& e, bool with_value) {
  o.u16(std::uint16_t(e.tag.group)); o.u16(std::uint16_t(e.tag.element));
  o.u16(std::uint16_t(e.vr)); o.u8(std::uint8_t(e.form)); o.u32(e.length);
  if (!with_value) { o.u64(0); return Ok{}; }
  if (e.form == ElementForm::encapsulated) {
    o.u64(e.fragments.size());
    for (const auto& f : e.fragments) {
      auto b = f.value.load();
      if (!b) return std::move(b).error();
      o.bytes(*b);
    }
    return Ok{};
  }
  auto b = e.value.load();
  if (!b) return std::move(b).error();
  o.u64(1);
  o.bytes(*b);
  return Ok{};
}
bool get_element(In& in, Element& e) {
  e = Element{};
  const auto group = in.u16(), element = in.u16();
  e.tag = Tag(group, element);
  e.vr = VR(in.u16());
  const auto form = in.u8();
  if (form > std::uint8_t(ElementForm::encapsulated) || form == std::uint8_t(ElementForm::sequence)) return false;
  e.form = ElementForm(form);
  e.length = in.u32();
  const auto parts = in.count(8);
  for (std::uint64_t i = 0; i < parts && in.ok(); ++i) {
    auto b = in.bytes();
    if (b.size() > 0xFFFFFFFEu) return false;
    if (e.form == ElementForm::encapsulated) e.fragments.push_back(Fragment{0, Value::owned(std::move(b))});
    else if (i == 0) e.value = Value::owned(std::move(b));
    else return false;
  }
  return in.ok();
}

}  // namespace

Status put_decode_job(Out& o, const DicomFile& file, const pixel::Layout& declared) {
  const Element* e = file.dataset.find(tags::pixel_data);
  o.str(file.transfer_syntax_uid);
  put_encoding(o, file.encoding);
  put_layout(o, declared);
  o.u8(e != nullptr);
  if (e) return put_element(o, *e, true);
  return Ok{};
}
bool get_decode_job(In& in, DicomFile& file, pixel::Layout& declared) {
  file.transfer_syntax_uid = in.str();
  get_encoding(in, file.encoding);
  if (!get_layout(in, declared)) return false;
  if (in.u8()) {
    Element e;
    if (!get_element(in, e) || e.tag != tags::pixel_data) return false;
    file.dataset.elements().push_back(std::move(e));
  }
  return in.ok() && in.at_end();
}

void put_decoded(Out& o, const pixel::Decoded& d) { put_layout(o, d.layout); o.bytes_in_place(d.data); }
bool get_decoded(In& in, pixel::Decoded& d) {
  if (!get_layout(in, d.layout)) return false;
  d.data = in.bytes();
  return in.ok() && in.at_end();
}

void put_encode_job(Out& o, const DicomFile& file, const pixel::Decoded& img, const std::string& syntax) {
  o.str(file.transfer_syntax_uid);
  put_encoding(o, file.encoding);
  o.str(syntax);
  put_decoded(o, img);
  const Element* e = file.dataset.find(tags::pixel_data);
  o.u8(e != nullptr);
  if (e) (void)put_element(o, *e, false);  // encode() reads the element's form and VR, not its value
}
bool get_encode_job(In& in, DicomFile& file, pixel::Decoded& img, std::string& syntax) {
  file.transfer_syntax_uid = in.str();
  get_encoding(in, file.encoding);
  syntax = in.str();
  if (!get_layout(in, img.layout)) return false;
  img.data = in.bytes();
  if (in.u8()) {
    Element e;
    if (!get_element(in, e) || e.tag != tags::pixel_data) return false;
    file.dataset.elements().push_back(std::move(e));
  }
  file.deflated_stream = Value{};  // whether encode() resets it is part of the answer
  return in.ok() && in.at_end();
}

void put_encoded(Out& o, const DicomFile& worker_file) {
  o.str(worker_file.transfer_syntax_uid);
  put_encoding(o, worker_file.encoding);
  o.u8(!worker_file.deflated_stream.has_value());
  o.u8(worker_file.dataset.modified());
  o.u64(worker_file.dataset.elements().size());
  for (const auto& e : worker_file.dataset.elements()) (void)put_element(o, e, true);
}
bool apply_encoded(In& in, DicomFile& file) {
  std::string ts = in.str();
  Encoding enc;
  get_encoding(in, enc);
  const bool reset_deflated = in.u8() != 0;
  const bool modified = in.u8() != 0;
  std::vector<Element> elements(std::size_t(in.count(19)));
  for (auto& e : elements)
    if (!get_element(in, e)) return false;
  if (!in.ok() || !in.at_end()) return false;
  // Only what encode() may change: Pixel Data and the Image Pixel attributes that describe its encoding.
  for (auto& e : elements) {
    if (e.tag == tags::pixel_data) {
      Element* mine = file.dataset.find(tags::pixel_data);
      if (!mine) return false;
      *mine = std::move(e);
    } else if (e.tag == Tag(0x0028, 0x0004) || e.tag == Tag(0x0028, 0x0006)) {
      if (e.form != ElementForm::value) return false;
      auto b = e.value.bytes();
      file.dataset.set(e.tag, e.vr, b ? std::vector<std::uint8_t>(b->begin(), b->end()) : std::vector<std::uint8_t>{});
    } else {
      return false;
    }
  }
  file.transfer_syntax_uid = std::move(ts);
  file.encoding = enc;
  if (reset_deflated) file.deflated_stream.reset();
  if (modified) file.dataset.mark_modified();
  return true;
}

void put_planes(Out& o, const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits) {
  o.i32(cols); o.i32(rows); o.i32(bits);
  o.u64(planes.size());
  for (const auto& p : planes)
    o.bytes_in_place(Bytes(reinterpret_cast<const std::uint8_t*>(p.data()), p.size() * 2));
}
bool get_planes(In& in, std::vector<std::vector<std::uint16_t>>& planes, int& cols, int& rows, int& bits) {
  cols = in.i32(); rows = in.i32(); bits = in.i32();
  const auto n = in.count(8);
  if (!in.ok() || n > 4 || cols < 0 || rows < 0) return false;
  planes.resize(std::size_t(n));
  for (auto& p : planes) {
    auto b = in.bytes();
    if (!in.ok() || b.size() != std::uint64_t(cols) * std::uint64_t(rows) * 2) return false;
    p.resize(b.size() / 2);
    std::memcpy(p.data(), b.data(), b.size());
  }
  return in.at_end();
}

void put_lines(Out& o, const std::vector<pixel::TextLine>& lines) {
  o.u64(lines.size());
  for (const auto& l : lines) { o.i32(l.box.x); o.i32(l.box.y); o.i32(l.box.w); o.i32(l.box.h); o.str(l.text); }
}
bool get_lines(In& in, std::vector<pixel::TextLine>& lines) {
  lines.resize(std::size_t(in.count(24)));
  for (auto& l : lines) { l.box.x = in.i32(); l.box.y = in.i32(); l.box.w = in.i32(); l.box.h = in.i32(); l.text = in.str(); }
  return in.ok() && in.at_end();
}

namespace {

// Every field of the identifiers and the policies travels: a field added to these structs must be
// added here too, or the worker's PDF check would silently see less than the engine's.
static_assert(sizeof(phi::InstanceIdentifiers) == 7 * sizeof(std::vector<int>), "new field in InstanceIdentifiers: send it to the worker");
static_assert(sizeof(phi::Policy) == 3, "new field in phi::Policy: send it to the worker");

void put_settings(Out& o, const pixel::DetectorSettings& s) {
  o.f64(s.contrast); o.i32(s.min_size); o.i32(s.max_height); o.f64(s.line_gap); o.i32(s.padding);
  o.u8(s.keep_too_tall); o.i32(s.min_marks); o.i32(s.min_height); o.f64(s.max_aspect); o.f64(s.ink_tolerance); o.i32(s.ink_spikes);
}
void get_settings(In& in, pixel::DetectorSettings& s) {
  s.contrast = in.f64(); s.min_size = in.i32(); s.max_height = in.i32(); s.line_gap = in.f64(); s.padding = in.i32();
  s.keep_too_tall = in.u8() != 0; s.min_marks = in.i32(); s.min_height = in.i32(); s.max_aspect = in.f64(); s.ink_tolerance = in.f64();
  s.ink_spikes = in.i32();
}

}  // namespace

void put_pdf_job(Out& o, Bytes pdf, const phi::Detector& ids, const document::ScanPolicy& scans) {
  o.bytes(pdf);
  const auto& i = ids.identifiers();
  o.u64(i.names.size());
  for (const auto& n : i.names) { o.str(n.folded); o.u8(std::uint8_t(n.kind)); o.u8(n.weak); o.u8(n.unspaced_script); o.u32(n.person); }
  o.u64(i.joined.size());
  for (const auto& j : i.joined) o.str(j);
  o.u64(i.ids.size());
  for (const auto& d : i.ids) { o.str(d.folded); o.str(d.alnum); o.u8(d.digits_only); o.u8(d.device); }
  o.u64(i.dates.size());
  for (const auto& d : i.dates) { o.i32(d.y); o.i32(d.m); o.i32(d.d); o.u8(std::uint8_t(d.kind)); }
  o.u64(i.institutions.size());
  for (const auto& n : i.institutions) { o.str(n.folded); o.u8(n.maker); }
  o.u64(i.addresses.size());
  for (const auto& a : i.addresses) o.str(a);
  o.u64(i.phones.size());
  for (const auto& p : i.phones) o.str(p);
  const auto& p = ids.policy();
  o.u8(p.dates_retained); o.u8(p.institution_retained); o.u8(p.device_retained);
  o.u8(scans.clean); o.u8(scans.identifiers_only); o.u8(scans.ocr_check);
  put_settings(o, scans.detector);
  o.f64(scans.dpi); o.i32(scans.max_pages); o.f64(scans.ocr_seconds);
}

bool get_pdf_job(In& in, std::vector<std::uint8_t>& pdf, phi::InstanceIdentifiers& i, phi::Policy& p, document::ScanPolicy& scans) {
  pdf = in.bytes();
  auto kind = [&] { auto k = in.u8(); return k <= std::uint8_t(phi::Kind::unchecked) ? phi::Kind(k) : phi::Kind::person_name; };
  i.names.resize(std::size_t(in.count(15)));
  for (auto& n : i.names) { n.folded = in.str(); n.kind = kind(); n.weak = in.u8() != 0; n.unspaced_script = in.u8() != 0; n.person = in.u32(); }
  i.joined.resize(std::size_t(in.count(8)));
  for (auto& j : i.joined) j = in.str();
  i.ids.resize(std::size_t(in.count(18)));
  for (auto& d : i.ids) { d.folded = in.str(); d.alnum = in.str(); d.digits_only = in.u8() != 0; d.device = in.u8() != 0; }
  i.dates.resize(std::size_t(in.count(13)));
  for (auto& d : i.dates) { d.y = in.i32(); d.m = in.i32(); d.d = in.i32(); d.kind = kind(); }
  i.institutions.resize(std::size_t(in.count(9)));
  for (auto& n : i.institutions) { n.folded = in.str(); n.maker = in.u8() != 0; }
  i.addresses.resize(std::size_t(in.count(8)));
  for (auto& a : i.addresses) a = in.str();
  i.phones.resize(std::size_t(in.count(8)));
  for (auto& ph : i.phones) ph = in.str();
  p.dates_retained = in.u8() != 0; p.institution_retained = in.u8() != 0; p.device_retained = in.u8() != 0;
  scans.clean = in.u8() != 0; scans.identifiers_only = in.u8() != 0; scans.ocr_check = in.u8() != 0;
  get_settings(in, scans.detector);
  scans.dpi = in.f64(); scans.max_pages = in.i32(); scans.ocr_seconds = in.f64();
  return in.ok() && in.at_end();
}

void put_cleaned_pdf(Out& o, const document::CleanedPdf& c) {
  o.bytes(c.bytes); o.str(c.withhold_reason); o.u64(c.pages); o.u8(c.rasterized); o.u64(c.pages_rendered);
  o.u64(c.glyphs_removed); o.u64(c.strings_emptied); o.str(c.render_reason);
}
bool get_cleaned_pdf(In& in, document::CleanedPdf& c) {
  c.bytes = in.bytes(); c.withhold_reason = in.str(); c.pages = std::size_t(in.u64()); c.rasterized = in.u8() != 0;
  c.pages_rendered = std::size_t(in.u64()); c.glyphs_removed = std::size_t(in.u64()); c.strings_emptied = std::size_t(in.u64());
  c.render_reason = in.str();
  return in.ok() && in.at_end();
}

}  // namespace dicomscrub::media::wire
