// The media worker's wire format (lib/media/worker_protocol): both sides read the other's bytes as
// untrusted input, so lying lengths and counts, truncated frames and messages naming other
// elements are errors, and every job and result survives its round trip exactly.
#include <doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "media/worker_protocol.hpp"

using namespace dicomscrub;
using namespace dicomscrub::media;

namespace {

struct SocketPair {
  int fd[2];
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0); }
  ~SocketPair() { ::close(fd[0]); if (fd[1] >= 0) ::close(fd[1]); }
  void send_raw(const std::vector<std::uint8_t>& b) { REQUIRE(wire::send_raw(fd[1], b)); }
  void hang_up() { ::close(fd[1]); fd[1] = -1; }
};

std::vector<std::uint8_t> header(std::uint32_t kind, std::uint64_t length) {
  std::vector<std::uint8_t> h(12);
  for (int i = 0; i < 4; ++i) h[i] = std::uint8_t(kind >> (8 * i));
  for (int i = 0; i < 8; ++i) h[4 + i] = std::uint8_t(length >> (8 * i));
  return h;
}

// A memory file holding `n` bytes, sealed with `seals` (0: left writable).
int memory_file(std::size_t n, unsigned seals) {
  const int fd = ::memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  REQUIRE(fd >= 0);
  std::vector<std::uint8_t> b(n, 9);
  REQUIRE(::write(fd, b.data(), n) == ssize_t(n));
  if (seals) REQUIRE(::fcntl(fd, F_ADD_SEALS, seals) == 0);
  return fd;
}

}  // namespace

TEST_CASE("media worker frames: a large payload travels in a sealed memory file and arrives whole") {
  SocketPair s;
  std::vector<std::uint8_t> image(std::size_t(wire::kSharedMinimum) + 4097);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = std::uint8_t(i * 7 + (i >> 12));
  wire::Out o;
  o.u8(1);
  o.bytes_in_place(image);  // sent from where it is, not copied into the message
  o.str("after");
  REQUIRE(wire::write_frame(s.fd[1], wire::Kind::result, o));
  auto f = wire::read_frame(s.fd[0]);
  REQUIRE(f);
  CHECK(f->kind == wire::Kind::result);
  CHECK(f->payload.shared());
  const Bytes got = f->payload.bytes();
  CHECK(std::vector<std::uint8_t>(got.begin(), got.end()) == o.flat());
  wire::In in(got);
  CHECK(in.u8() == 1);
  CHECK(in.bytes() == image);
  CHECK(in.str() == "after");
  CHECK(in.ok());
  CHECK(in.at_end());
}

TEST_CASE("media worker frames: a shared payload must be sealed, of the announced size, and announced") {
  const std::uint64_t n = wire::kSharedMinimum;
  const auto shared_head = header(std::uint32_t(wire::Kind::result) | wire::kSharedFlag, n);
  const unsigned sealed = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK;
  struct Case { const char* what; std::vector<std::uint8_t> head; std::size_t file_bytes; unsigned seals; };
  for (const Case& c : {Case{"writable (could change while read)", shared_head, std::size_t(n), 0u},
                        Case{"may still grow", shared_head, std::size_t(n), unsigned(F_SEAL_WRITE | F_SEAL_SHRINK)},
                        Case{"shorter than announced", shared_head, std::size_t(n) - 1, sealed},
                        Case{"a descriptor with a streamed header", header(std::uint32_t(wire::Kind::result), 4), 4, sealed}}) {
    CAPTURE(c.what);
    SocketPair s;
    const int mfd = memory_file(c.file_bytes, c.seals);
    REQUIRE(wire::send_raw(s.fd[1], c.head, mfd));
    ::close(mfd);
    auto f = wire::read_frame(s.fd[0]);
    CHECK_FALSE(f);
  }
  SocketPair s;  // the flag without a descriptor
  s.send_raw(shared_head);
  auto f = wire::read_frame(s.fd[0]);
  REQUIRE_FALSE(f);
  CHECK(f.error().reason.find("without its memory file") != std::string::npos);
}

TEST_CASE("media worker frames: a length over the cap is refused before anything is read") {
  SocketPair s;
  s.send_raw(header(std::uint32_t(wire::Kind::result), std::uint64_t(1) << 40));
  auto f = wire::read_frame(s.fd[0]);
  REQUIRE_FALSE(f);
  CHECK(f.error().reason.find("over the") != std::string::npos);
}

TEST_CASE("media worker frames: a peer that promises more than it sends is an error, not a hang") {
  SocketPair s;
  auto h = header(std::uint32_t(wire::Kind::result), 100'000'000);
  h.insert(h.end(), 100, 7);
  s.send_raw(h);
  s.hang_up();
  auto f = wire::read_frame(s.fd[0]);
  REQUIRE_FALSE(f);
  CHECK(f.error().reason.find("broken") != std::string::npos);
}

TEST_CASE("media worker frames: a silent peer runs into the deadline") {
  SocketPair s;
  auto f = wire::read_frame(s.fd[0], std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  REQUIRE_FALSE(f);
  CHECK(f.error().code == ErrorCode::limit_exceeded);
}

TEST_CASE("media worker frames: a frame arrives whole") {
  SocketPair s;
  std::vector<std::uint8_t> payload(70'000);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::uint8_t(i * 31);
  REQUIRE(wire::write_frame(s.fd[1], wire::Kind::decode, payload));
  auto f = wire::read_frame(s.fd[0]);
  REQUIRE(f);
  CHECK(f->kind == wire::Kind::decode);
  const Bytes got = f->payload.bytes();
  CHECK_FALSE(f->payload.shared());  // under kSharedMinimum: streamed
  CHECK(std::vector<std::uint8_t>(got.begin(), got.end()) == payload);
}

TEST_CASE("media worker messages: counts larger than the bytes present are refused") {
  wire::Out o;
  o.u64(std::uint64_t(1) << 60);  // a count of text lines no message can hold
  const auto o_bytes = o.flat();
  wire::In in(o_bytes);
  std::vector<pixel::TextLine> lines;
  CHECK_FALSE(wire::get_lines(in, lines));
  CHECK(lines.empty());
  wire::Out s;
  s.u64(1000);  // a string of 1000 bytes, 3 present
  s.u8('a'); s.u8('b'); s.u8('c');
  const auto s_bytes = s.flat();
  wire::In in2(s_bytes);
  CHECK(in2.str().empty());
  CHECK_FALSE(in2.ok());
}

TEST_CASE("media worker messages: a decode job round trips the element and the file's encoding") {
  DicomFile file;
  file.transfer_syntax_uid = "1.2.840.10008.1.2.5";
  file.encoding = Encoding{true, false, false};
  Element e;
  e.tag = tags::pixel_data;
  e.vr = vrs::OB;
  e.form = ElementForm::encapsulated;
  e.length = kUndefinedLength;
  e.fragments.push_back(Fragment{0, Value::owned({})});
  e.fragments.push_back(Fragment{0, Value::owned({1, 2, 3, 4})});
  file.dataset.elements().push_back(e);
  pixel::Layout l;
  l.rows = 2; l.cols = 3; l.frames = 1; l.photometric = "MONOCHROME2";
  wire::Out o;
  REQUIRE(wire::put_decode_job(o, file, l));
  DicomFile got;
  pixel::Layout got_layout;
  const auto o_bytes = o.flat();
  wire::In in(o_bytes);
  REQUIRE(wire::get_decode_job(in, got, got_layout));
  CHECK(got.transfer_syntax_uid == file.transfer_syntax_uid);
  CHECK(got_layout.rows == 2);
  CHECK(got_layout.photometric == "MONOCHROME2");
  const Element* px = got.dataset.find(tags::pixel_data);
  REQUIRE(px);
  REQUIRE(px->fragments.size() == 2);
  CHECK(px->fragments[1].value.bytes()->size() == 4);
  // Cut anywhere, the job is refused.
  const auto whole = o.flat();
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    DicomFile f2;
    pixel::Layout l2;
    wire::In short_in(Bytes(whole.data(), cut));
    CHECK_FALSE(wire::get_decode_job(short_in, f2, l2));
  }
}

TEST_CASE("media worker messages: an encode answer may only replace Pixel Data and its encoding attributes") {
  DicomFile file;
  file.dataset.set(tags::pixel_data, vrs::OB, {0, 0});
  file.dataset.set_string(Tag(0x0010, 0x0010), vrs::PN, "KEEP^ME");
  DicomFile worker;
  worker.dataset.set(tags::pixel_data, vrs::OB, {9, 9});
  worker.dataset.set_string(Tag(0x0010, 0x0010), vrs::PN, "EVIL");  // a compromised worker's try
  wire::Out o;
  wire::put_encoded(o, worker);
  const auto o_bytes = o.flat();
  wire::In in(o_bytes);
  CHECK_FALSE(wire::apply_encoded(in, file));
  CHECK(file.dataset.get_string(Tag(0x0010, 0x0010)).value_or("").find("KEEP") == 0);

  DicomFile honest;
  honest.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  honest.dataset.set(tags::pixel_data, vrs::OW, {5, 6});
  honest.dataset.set_string(Tag(0x0028, 0x0004), vrs::CS, "RGB");
  wire::Out o2;
  wire::put_encoded(o2, honest);
  const auto o2_bytes = o2.flat();
  wire::In in2(o2_bytes);
  REQUIRE(wire::apply_encoded(in2, file));
  CHECK(file.dataset.find(tags::pixel_data)->vr == vrs::OW);
  CHECK(file.dataset.get_string(Tag(0x0028, 0x0004)).value_or("").find("RGB") == 0);
  CHECK(file.transfer_syntax_uid == "1.2.840.10008.1.2.1");
}

TEST_CASE("media worker messages: a PDF job carries every identifier and policy field") {
  phi::InstanceIdentifiers ids;
  ids.names.push_back({"quixote", phi::Kind::patient_name, false, false, 0});
  ids.joined.push_back("zebulonquixote");
  ids.ids.push_back({"88123456", "88123456", true, false});
  ids.dates.push_back({1970, 1, 2, phi::Kind::birth_date});
  ids.institutions.push_back({"st elsewhere", false});
  ids.addresses.push_back("12 rue de la paix");
  ids.phones.push_back("0123456789");
  phi::Policy policy{true, false, true};
  const phi::Detector detector(ids, policy);
  document::ScanPolicy scans;
  scans.identifiers_only = true;
  scans.dpi = 123;
  scans.detector.ink_spikes = 3;
  const std::vector<std::uint8_t> pdf = {'%', 'P', 'D', 'F'};
  wire::Out o;
  wire::put_pdf_job(o, pdf, detector, scans);
  std::vector<std::uint8_t> got_pdf;
  phi::InstanceIdentifiers got;
  phi::Policy got_policy;
  document::ScanPolicy got_scans;
  const auto o_bytes = o.flat();
  wire::In in(o_bytes);
  REQUIRE(wire::get_pdf_job(in, got_pdf, got, got_policy, got_scans));
  CHECK(got_pdf == pdf);
  REQUIRE(got.names.size() == 1);
  CHECK(got.names[0].folded == "quixote");
  CHECK(got.joined == ids.joined);
  CHECK(got.ids[0].alnum == "88123456");
  CHECK(got.dates[0].d == 2);
  CHECK(got.institutions[0].folded == "st elsewhere");
  CHECK(got.addresses == ids.addresses);
  CHECK(got.phones == ids.phones);
  CHECK(got_policy.dates_retained);
  CHECK(got_policy.device_retained);
  CHECK(got_scans.identifiers_only);
  CHECK(got_scans.dpi == 123);
  CHECK(got_scans.detector.ink_spikes == 3);
}
