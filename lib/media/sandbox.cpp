// lib/media/sandbox.cpp — the worker's lock-down (see sandbox.hpp).
#include "media/sandbox.hpp"

#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace dicomscrub::media::sandbox {

namespace {

Error sandbox_error(std::string why) { return Error{ErrorCode::unsupported, {}, 0, {}, std::move(why)}; }

// A forbidden system call traps here: say which one on stderr (async-signal-safe), then die of
// SIGSYS so the engine reports the worker as killed by its sandbox.
void on_sigsys(int, siginfo_t* info, void*) {
  char msg[96] = "dicomscrub-media: system call ";
  std::size_t n = std::strlen(msg);
  char digits[12];
  int nd = 0;
  unsigned v = unsigned(info->si_syscall);
  do { digits[nd++] = char('0' + v % 10); v /= 10; } while (v && nd < 11);
  while (nd) msg[n++] = digits[--nd];
  const char tail[] = " is not allowed in the sandbox\n";
  std::memcpy(msg + n, tail, sizeof tail - 1);
  n += sizeof tail - 1;
  (void)!::write(2, msg, n);
  ::signal(SIGSYS, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSYS);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::syscall(SYS_tgkill, ::getpid(), ::syscall(SYS_gettid), SIGSYS);
  ::_exit(128 + SIGSYS);
}

// Landlock: read-only access below the folders the libraries read data from (fonts, Tesseract's
// model, poppler's tables, fontconfig's cache), write access to nothing but /dev/null (Tesseract's
// debug_file). False when the kernel has no Landlock.
bool restrict_files() {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return false;
  std::uint64_t handled = (1ULL << 13) - 1;  // ABI 1: execute, write, read, read dir, remove, make *
  if (abi >= 2) handled |= 1ULL << 13;       // refer
  if (abi >= 3) handled |= 1ULL << 14;       // truncate
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = handled;
  const int rs = int(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (rs < 0) return false;
  auto allow = [&](const char* path, std::uint64_t access) {
    const int fd = ::open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return;  // a folder this machine does not have
    landlock_path_beneath_attr rule{};
    rule.parent_fd = fd;
    rule.allowed_access = access;
    ::syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    ::close(fd);
  };
  constexpr std::uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  for (const char* dir : {"/usr/share", "/usr/lib", "/usr/local/share", "/etc/fonts", "/var/cache/fontconfig"}) allow(dir, kRead);
  if (const char* tess = std::getenv("TESSDATA_PREFIX"); tess && *tess) allow(tess, kRead);
  allow("/dev/null", LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE);
  const bool ok = ::syscall(SYS_landlock_restrict_self, rs, 0) == 0;
  ::close(rs);
  return ok;
}

// The allow-list: memory, time, signals to itself, threads, reading and writing the descriptors
// it holds (and sealed memory files for large images), and opening files read-only (fonts are found by name while a PDF is rendered). No
// socket, connect, execve, fork of a new program, ptrace, or open for writing.
Status install_seccomp() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
  if (!ctx) return sandbox_error("seccomp_init failed");
  struct Guard { scmp_filter_ctx c; ~Guard() { seccomp_release(c); } } guard{ctx};
  int rc = 0;
  auto allow = [&](const char* name) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return;  // not on this architecture
    if (int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0); r < 0 && rc == 0) rc = r;
  };
  for (const char* name : {"read", "readv", "pread64", "preadv", "write", "writev", "pwrite64", "close", "fstat", "newfstatat", "statx",
                           "lstat", "stat", "lseek", "fcntl", "dup", "dup2", "dup3", "getdents64", "readlink", "readlinkat", "access",
                           "faccessat", "faccessat2", "getcwd", "mmap", "munmap", "mremap", "mprotect", "brk", "madvise", "mincore",
                           "futex", "set_robust_list", "get_robust_list", "rseq", "clone", "clone3", "exit", "exit_group",
                           "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack", "restart_syscall", "clock_gettime",
                           "clock_getres", "gettimeofday", "time", "clock_nanosleep", "nanosleep", "sched_yield", "sched_getaffinity",
                           "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getrusage", "getrandom", "uname",
                           "sysinfo", "membarrier", "getrlimit", "pipe", "pipe2", "poll", "ppoll", "recvfrom", "sendto", "shutdown", "umask",
                           // large images travel in sealed memory files over the one socket it holds
                           "memfd_create", "recvmsg", "sendmsg"})
    allow(name);
  // Signals only to itself (abort() raises SIGABRT through tgkill).
  const pid_t self = ::getpid();
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, std::uint64_t(self)));
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, std::uint64_t(self)));
  // The CPU limit moves forward before each job; no other limit may change (prlimit64 on itself),
  // though any may be read (getrlimit: a NULL new limit).
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A1(SCMP_CMP_EQ, RLIMIT_CPU));
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setrlimit), 1, SCMP_A0(SCMP_CMP_EQ, RLIMIT_CPU));
  // stdio asks whether its streams are terminals.
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, TCGETS));
  // Files open read-only: O_ACCMODE must be O_RDONLY and none of O_CREAT, O_TRUNC, O_APPEND, O_TMPFILE.
  // Tesseract's debug_file (/dev/null, write) is opened once before the lock-down.
  const std::uint64_t forbidden = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, forbidden, 0));
  rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, forbidden, 0));
  if (rc < 0) return sandbox_error(fmt::format("seccomp rule refused ({})", std::strerror(-rc)));
  if (int r = seccomp_load(ctx); r < 0) return sandbox_error(fmt::format("seccomp filter could not be loaded ({})", std::strerror(-r)));
  return Ok{};
}

}  // namespace

void limit_cpu_for_next_job(unsigned seconds) {
  rusage use{};
  ::getrusage(RUSAGE_SELF, &use);
  rlimit cur{};
  ::getrlimit(RLIMIT_CPU, &cur);
  const rlim_t used = rlim_t(use.ru_utime.tv_sec + use.ru_stime.tv_sec + 1);
  rlimit lim{used + seconds, cur.rlim_max};
  if (cur.rlim_max != RLIM_INFINITY && lim.rlim_cur > cur.rlim_max) lim.rlim_cur = cur.rlim_max;
  ::setrlimit(RLIMIT_CPU, &lim);
}

Result<std::string> lock_down(const Limits& limits) {
  rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  rlimit as{limits.address_space, limits.address_space};
  const bool sanitized =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
      true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
      true;
#else
      false;
#endif
#else
      false;
#endif
  if (!sanitized) ::setrlimit(RLIMIT_AS, &as);  // sanitizers reserve terabytes of shadow address space
  limit_cpu_for_next_job(limits.cpu_seconds_per_job);
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  ::sigaction(SIGSYS, &sa, nullptr);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sandbox_error(fmt::format("no_new_privs refused ({})", std::strerror(errno)));
  const bool landlock = restrict_files();
  if (auto st = install_seccomp(); !st) return std::move(st).error();
  return fmt::format("seccomp-bpf allow-list, {}no_new_privs, rlimits", landlock ? "Landlock, " : "");
}

}  // namespace dicomscrub::media::sandbox
