// lib/media/worker_main.cpp — dicomscrub-media, the sandboxed media worker. Started by the engine
// (lib/media/worker_client.cpp) as `dicomscrub-media --worker MODULE PREPARE` with its socket on fd 3: it
// loads the media module, lets it open what it needs (Tesseract's model, fonts), locks itself
// down (lib/media/sandbox.cpp), says ready, then runs one job at a time until the engine closes
// the socket. A crash here costs one instance, never the engine's process.
//
// Test mode (DICOMSCRUB_MEDIA_TEST=1 in its environment, never set by the engine itself): a job
// whose bytes hold "DSCRUB-MEDIA-TEST:<command>;" runs that command first, so tests can prove
// what happens to a worker that aborts, hangs, spins on the CPU, or tries what its sandbox forbids.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "media/media.hpp"
#include "media/sandbox.hpp"
#include "media/worker_client.hpp"
#include "media/worker_protocol.hpp"

using namespace dicomscrub;
using namespace dicomscrub::media;

namespace {

constexpr int kSocket = 3;

Result<std::string> run_test_command(Bytes job) {
  constexpr std::string_view kMarker = "DSCRUB-MEDIA-TEST:";
  const auto* begin = reinterpret_cast<const char*>(job.data());
  std::string_view all(begin, job.size());
  const auto at = all.find(kMarker);
  if (at == std::string_view::npos) return std::string();
  std::string_view rest = all.substr(at + kMarker.size());
  const std::string command(rest.substr(0, std::min(rest.find(';'), std::size_t(32))));
  if (command == "abort") std::abort();
  if (command == "segv") { volatile int* p = nullptr; *p = 1; }
  if (command == "sleep") for (;;) ::sleep(60);
  if (command == "spin") for (volatile std::uint64_t n = 0;; n = n + 1) {}  // on the CPU until RLIMIT_CPU ends it
  if (command == "open-write") {  // must not return: the filter kills the worker
    const int fd = ::open("/tmp/dicomscrub-media-test-write", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    return fmt::format("test: a file was opened for writing (fd {})", fd);
  }
  if (command == "socket") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    return fmt::format("test: a socket was created (fd {})", fd);
  }
  if (command == "exec") {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", argv);
    return std::string("test: execv failed");
  }
  if (command == "read-secret") {  // Landlock: nothing outside the system's data folders is readable
    const int fd = ::open("/etc/passwd", O_RDONLY);
    if (fd >= 0) { ::close(fd); return std::string("test: /etc/passwd could be read"); }
    return fmt::format("test: /etc/passwd could not be read ({})", std::strerror(errno));
  }
  return fmt::format("test: unknown command {}", command);
}

void answer_error(const Error& e) {
  wire::Out o;
  o.u8(0);
  wire::put_error(o, e);
  (void)wire::write_frame(kSocket, wire::Kind::result, o);
}

Error bad_job() { return Error{ErrorCode::invalid_argument, {}, 0, {}, "media worker received a malformed job"}; }

void serve(const Api& api, bool test_mode) {
  for (;;) {
    auto job = wire::read_frame(kSocket);
    if (!job) ::_exit(0);  // the engine closed the socket (or died): nothing more to do
    sandbox::limit_cpu_for_next_job(worker_cpu_seconds());
    if (test_mode) {
      auto said = run_test_command(job->payload.bytes());
      if (said && !said->empty()) { answer_error(Error{ErrorCode::unsupported, {}, 0, {}, *said}); continue; }
    }
    wire::In in(job->payload.bytes());
    wire::Out out;
    out.u8(1);
    pixel::Decoded decoded;  // sent from where it is (bytes_in_place): it lives until the answer is written
    switch (job->kind) {
      case wire::Kind::decode: {
        DicomFile file;
        pixel::Layout declared;
        if (!wire::get_decode_job(in, file, declared)) { answer_error(bad_job()); continue; }
        auto d = api.decode(file, declared);
        if (!d) { answer_error(d.error()); continue; }
        decoded = std::move(*d);
        wire::put_decoded(out, decoded);
        break;
      }
      case wire::Kind::encode: {
        DicomFile file;
        pixel::Decoded img;
        std::string syntax;
        if (!wire::get_encode_job(in, file, img, syntax)) { answer_error(bad_job()); continue; }
        if (auto st = api.encode(file, img, syntax); !st) { answer_error(st.error()); continue; }
        wire::put_encoded(out, file);
        break;
      }
      case wire::Kind::read_lines: {
        std::vector<std::vector<std::uint16_t>> planes;
        int cols = 0, rows = 0, bits = 0;
        if (!wire::get_planes(in, planes, cols, rows, bits)) { answer_error(bad_job()); continue; }
        auto lines = api.read_lines(planes, cols, rows, bits);
        if (!lines) { answer_error(lines.error()); continue; }
        wire::put_lines(out, *lines);
        break;
      }
      case wire::Kind::clean_pdf: {
        std::vector<std::uint8_t> pdf;
        phi::InstanceIdentifiers ids;
        phi::Policy policy;
        document::ScanPolicy scans;
        if (!wire::get_pdf_job(in, pdf, ids, policy, scans)) { answer_error(bad_job()); continue; }
        const phi::Detector detector(std::move(ids), policy);
        wire::put_cleaned_pdf(out, api.clean_pdf(Bytes(pdf), detector, scans));
        break;
      }
      default:
        answer_error(bad_job());
        continue;
    }
    if (!wire::write_frame(kSocket, wire::Kind::result, out)) ::_exit(0);
  }
}

void say(wire::Kind kind, const std::string& text) {
  (void)wire::write_frame(kSocket, kind, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::string_view(argv[1]) != "--worker" || ::fcntl(kSocket, F_GETFD) < 0) {
    std::fputs("dicomscrub-media is started by dicomscrub itself (the sandboxed media worker); it is not a command\n", stderr);
    return 2;
  }
  ::signal(SIGINT, SIG_IGN);  // Ctrl-C stops the engine's queue; the job in progress finishes here
  ::setenv("DICOMSCRUB_MEDIA_PATH", argv[2], 1);  // the module the engine found, and no other
  auto api = module_api();
  if (!api) { say(wire::Kind::startup_failed, api.error().reason); return 1; }
  const unsigned what = unsigned(std::strtoul(argv[3], nullptr, 10));
  (*api)->prepare(what);
  const bool test_mode = [] { const char* t = std::getenv("DICOMSCRUB_MEDIA_TEST"); return t && std::string_view(t) == "1"; }();
  sandbox::Limits limits;
  limits.cpu_seconds_per_job = worker_cpu_seconds();
  auto isolation = sandbox::lock_down(limits);
  if (!isolation) {
    say(wire::Kind::startup_failed, "the media worker could not sandbox itself: " + isolation.error().reason +
                                        " (build with -Dmedia_worker=false on a platform without seccomp)");
    return 1;
  }
  say(wire::Kind::ready, *isolation);
  serve(**api, test_mode);
}
