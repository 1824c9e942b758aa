// lib/media/worker_client.cpp — spawning, talking to and restarting media workers (see
// worker_client.hpp). The worker is found beside the media module (the loader's candidates),
// or where DICOMSCRUB_MEDIA_WORKER points. Its answers are checked like any untrusted input: a
// decoded image must match the layout asked for, an encoded element may only replace Pixel Data
// and the attributes describing its encoding.
#include "media/worker_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "image/native_pixels.hpp"
#include "media/media.hpp"
#include "media/worker_protocol.hpp"

extern char** environ;

namespace dicomscrub::media {

namespace {

constexpr const char* kWorkerName = "dicomscrub-media";

Error worker_error(std::string why) { return Error{ErrorCode::unsupported, {}, 0, {}, std::move(why)}; }

std::string folder_of(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? std::string() : file.substr(0, slash);
}

// The worker program and the module it should load: the first candidate module that exists with
// the worker beside it, in the loader's order.
struct Programs {
  std::string worker, module;
  std::string why;  // when not found
};

Programs find_programs() {
  const char* forced = std::getenv("DICOMSCRUB_MEDIA_WORKER");
  if (forced && *forced && ::access(forced, X_OK) != 0)
    return {{}, {}, fmt::format("the media worker program is missing: DICOMSCRUB_MEDIA_WORKER names {}, which is no executable", forced)};
  std::vector<std::string> looked;
  for (const auto& m : module_candidates()) {
    if (m.find('/') == std::string::npos) {  // left to the dynamic linker: the worker must be given
      if (forced && *forced) return {forced, m, {}};
      continue;
    }
    if (::access(m.c_str(), F_OK) != 0) continue;
    std::string w = forced && *forced ? std::string(forced) : folder_of(m) + "/" + kWorkerName;
    if (::access(w.c_str(), X_OK) == 0) return {w, m, {}};
    looked.push_back(w);
  }
  if (looked.empty()) return {{}, {}, module_missing_reason()};
  return {{}, {}, fmt::format("the media worker program is missing: no executable {}; install it beside libdicomscrub_media.so "
                              "(or set DICOMSCRUB_MEDIA_WORKER, or DICOMSCRUB_MEDIA_MODE=in-process to run the media code unsandboxed)",
                              looked.front())};
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGSYS: return "SIGSYS";
    case SIGXCPU: return "SIGXCPU";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGTRAP: return "SIGTRAP";
    default: return nullptr;
  }
}

std::string describe_end(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = signal_name(sig);
    const std::string s = name ? name : fmt::format("signal {}", sig);
    if (sig == SIGSYS) return "media worker killed by its sandbox: " + s + " (a forbidden system call)";
    if (sig == SIGXCPU) return "media worker killed: " + s + " (over its CPU time limit)";
    if (sig == SIGKILL) return "media worker killed: " + s;
    return "media worker crashed: " + s;
  }
  if (WIFEXITED(status)) return fmt::format("media worker exited with status {}", WEXITSTATUS(status));
  return "media worker ended";
}

// A process started only by a thread that needs it, ended when that thread ends.
class Worker {
 public:
  ~Worker() { stop(); }

  // Sends one job and returns the result's payload (its first byte says ok or error). Any failure
  // of the process ends it; the next job starts a new one.
  Result<wire::Payload> run(wire::Kind kind, const wire::Out& payload) {
    // Every worker can read text (kPrepareOcr only opens Tesseract's debug file; the model is read
    // on the first frame), so codecs and OCR share one worker per thread. Rendering PDFs needs
    // fonts and fontconfig's caches opened first (a warm-up costing ~0.1 s): a worker is replaced,
    // once, by one that can also clean PDFs.
    const unsigned need = kind == wire::Kind::clean_pdf ? kPrepareOcr | kPreparePdf : kPrepareOcr;
    if (pid_ > 0 && (prepared_ & need) != need) stop();
    prepared_ |= need;
    if (auto st = ensure_started(); !st) return std::move(st).error();
    const double seconds = worker_job_seconds();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                  std::chrono::duration<double>(seconds));
    auto sent = wire::write_frame(fd_, kind, payload, deadline);
    Result<wire::Frame> answer = sent ? wire::read_frame(fd_, deadline) : Result<wire::Frame>(std::move(sent).error());
    if (answer && answer->kind == wire::Kind::result && !answer->payload.empty()) return std::move(answer->payload);
    const bool timed_out = !answer && answer.error().code == ErrorCode::limit_exceeded;
    std::string why = end(timed_out);
    if (timed_out) why = fmt::format("media worker timed out after {} s (killed)", seconds);
    else if (answer) why = "media worker sent an unexpected message (killed)";
    return worker_error(why);
  }

  // Kills a worker whose answer did not make sense.
  void discard() { (void)end(true); }

 private:
  Status ensure_started() {
    if (pid_ > 0 && owner_ == ::getpid()) return Ok{};
    if (pid_ > 0) forget();  // a forked child: the worker belongs to the parent
    {
      std::lock_guard lock(failure_mutex_);
      if (!permanent_failure_.empty()) return worker_error(permanent_failure_);
    }
    Programs p = find_programs();
    if (p.worker.empty()) return worker_error(p.why);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return worker_error(fmt::format("media worker: socketpair failed ({})", std::strerror(errno)));
    // The worker's end becomes its fd 3; every other descriptor of ours stays out of it.
    int child_end = sv[1];
    if (child_end == 3) { child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10); ::close(sv[1]); }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, child_end, 3);
    posix_spawn_file_actions_addclosefrom_np(&fa, 4);
    std::vector<std::string> env_store;
    for (char** e = environ; e && *e; ++e)
      if (std::strncmp(*e, "OMP_THREAD_LIMIT=", 17) != 0) env_store.emplace_back(*e);
    env_store.emplace_back("OMP_THREAD_LIMIT=1");  // Tesseract's OpenMP: one thread per worker, the pool is the parallelism
    std::vector<char*> envp;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string arg0 = p.worker, arg1 = "--worker", arg2 = p.module, arg3 = std::to_string(prepared_);
    char* argv[] = {arg0.data(), arg1.data(), arg2.data(), arg3.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, p.worker.c_str(), &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(child_end);
    if (rc != 0) {
      ::close(sv[0]);
      return worker_error(fmt::format("media worker {} could not be started ({})", p.worker, std::strerror(rc)));
    }
    pid_ = pid;
    fd_ = sv[0];
    owner_ = ::getpid();
    // Start-up loads the module, Tesseract's model and fonts: seconds on a loaded machine.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    auto hello = wire::read_frame(fd_, deadline, 1 << 16);
    if (hello && hello->kind == wire::Kind::ready) return Ok{};
    if (hello && hello->kind == wire::Kind::startup_failed) {
      const Bytes said = hello->payload.bytes();
      std::string why(said.begin(), said.end());
      (void)end(true);
      std::lock_guard lock(failure_mutex_);  // the same on every start: say it without starting again
      permanent_failure_ = why;
      return worker_error(why);
    }
    const bool timed_out = !hello && hello.error().code == ErrorCode::limit_exceeded;
    std::string why = end(timed_out);
    return worker_error(timed_out ? "media worker did not start within 120 s" : "media worker failed to start: " + why);
  }

  // Ends the process (killed when `kill_now`, else given a moment to finish dying) and says how it ended.
  std::string end(bool kill_now) {
    if (pid_ <= 0) return "media worker not running";
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    int status = 0;
    pid_t r = 0;
    if (!kill_now)
      for (int i = 0; i < 200 && (r = ::waitpid(pid_, &status, WNOHANG)) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (r == 0) {
      ::kill(pid_, SIGKILL);
      r = ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    if (r <= 0) return "media worker ended (its exit status was collected elsewhere)";
    return describe_end(status);
  }

  void stop() {
    if (pid_ <= 0 || owner_ != ::getpid()) return;
    ::close(fd_);  // end of stream: the worker exits by itself
    fd_ = -1;
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 400 && (r = ::waitpid(pid_, &status, WNOHANG)) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (r == 0) { ::kill(pid_, SIGKILL); ::waitpid(pid_, &status, 0); }
    pid_ = -1;
  }

  void forget() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  pid_t owner_ = 0;
  unsigned prepared_ = kPrepareOcr;  // what the next worker started prepares (kPrepareOcr, kPreparePdf)
  static inline std::mutex failure_mutex_;
  static inline std::string permanent_failure_;
};

Worker& this_thread_worker() {
  thread_local Worker w;
  return w;
}

// Sends a job; returns the In over the answer's body, or the worker's (or the transport's) Error.
struct Answer {
  wire::Payload payload;
  Bytes body() const { return payload.bytes().subspan(1); }
};
Result<Answer> call(wire::Kind kind, const wire::Out& job) {
  auto r = this_thread_worker().run(kind, job);
  if (!r) return std::move(r).error();
  Answer a{std::move(*r)};
  if (a.payload.bytes()[0] != 1) {
    wire::In in(a.body());
    return wire::get_error(in);
  }
  return a;
}

Error malformed(const char* what) {
  this_thread_worker().discard();
  return worker_error(fmt::format("media worker sent a malformed {} (killed)", what));
}

// Native pixel data needs no codec library: it is copied here, in the engine, and never crosses to
// the worker (shipping a 200-frame run there and back cost more than the pixel path itself).
Result<pixel::Decoded> decode_stub(const DicomFile& file, const pixel::Layout& declared) {
  if (pixel::is_native_pixel_data(file)) return pixel::decode_native(file, declared);
  wire::Out job;
  if (auto st = wire::put_decode_job(job, file, declared); !st) return std::move(st).error();
  auto a = call(wire::Kind::decode, job);
  if (!a) return std::move(a).error();
  wire::In in(a->body());
  pixel::Decoded d;
  if (!wire::get_decoded(in, d)) return malformed("decoded image");
  // The rest of the pixel path indexes frames by this layout: it must be the one asked for.
  const auto& l = d.layout;
  if (l.rows != declared.rows || l.cols != declared.cols || l.frames != declared.frames || l.bits_allocated != declared.bits_allocated ||
      (l.samples != 1 && l.samples != 3) || d.data.size() != l.total_bytes())
    return malformed("decoded image (its layout is not the one asked for)");
  return d;
}

Status encode_stub(DicomFile& file, const pixel::Decoded& img, const std::string& syntax) {
  if (pixel::is_native_syntax(syntax)) return pixel::encode_native(file, img, syntax);
  wire::Out job;
  wire::put_encode_job(job, file, img, syntax);
  auto a = call(wire::Kind::encode, job);
  if (!a) return std::move(a).error();
  wire::In in(a->body());
  if (!wire::apply_encoded(in, file)) return malformed("encoded element");
  return Ok{};
}

Result<std::vector<pixel::TextLine>> read_lines_stub(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits) {
  wire::Out job;
  wire::put_planes(job, planes, cols, rows, bits);
  auto a = call(wire::Kind::read_lines, job);
  if (!a) return std::move(a).error();
  wire::In in(a->body());
  std::vector<pixel::TextLine> lines;
  if (!wire::get_lines(in, lines)) return malformed("list of text lines");
  return lines;
}

document::CleanedPdf clean_pdf_stub(Bytes pdf, const phi::Detector& ids, const document::ScanPolicy& scans) {
  wire::Out job;
  wire::put_pdf_job(job, pdf, ids, scans);
  auto a = call(wire::Kind::clean_pdf, job);
  if (!a) return document::pdf_withheld(a.error().reason);
  wire::In in(a->body());
  document::CleanedPdf c;
  if (!wire::get_cleaned_pdf(in, c)) return document::pdf_withheld(malformed("cleaned PDF").reason);
  return c;
}

void no_prepare(unsigned) {}

const Api kWorkerApi = {kApiVersion, compiler_id(), layout_id(), &decode_stub, &encode_stub, &read_lines_stub, &clean_pdf_stub, &no_prepare};

}  // namespace

double worker_job_seconds() {
  if (const char* env = std::getenv("DICOMSCRUB_MEDIA_TIMEOUT"); env && *env) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end && *end == '\0' && v > 0) return v;
  }
  return 300;
}

unsigned worker_cpu_seconds() {
  if (const char* env = std::getenv("DICOMSCRUB_MEDIA_CPU_SECONDS"); env && *env) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (end && *end == '\0' && v > 0 && v < 1000000) return unsigned(v);
  }
  return unsigned(std::min(worker_job_seconds(), 1e6)) + 1;
}

Result<const Api*> worker_api() {
  // Found now so a missing program is reported like a missing module; the process starts on the first job.
  static std::once_flag once;
  static std::string why;
  std::call_once(once, [] { why = find_programs().why; });
  if (!why.empty()) return worker_error(why);
  return &kWorkerApi;
}

}  // namespace dicomscrub::media
