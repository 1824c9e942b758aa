// lib/media/sandbox.hpp — how the media worker (dicomscrub-media) locks itself down once its
// module, Tesseract's model and fontconfig are loaded, before it reads the first job: no core
// dumps (a dump would write a patient's pixels to disk), RLIMIT_AS, no_new_privs, Landlock
// (files readable only under the system's data folders, nothing writable) where the kernel has it,
// and a seccomp-bpf allow-list: no socket, no execve, no file opened for writing, no ptrace; any
// other system call kills the worker with SIGSYS. Used by the worker only: the engine never calls it.
#pragma once

#include <cstdint>
#include <string>

#include "dicomscrub/error.hpp"

namespace dicomscrub::media::sandbox {

struct Limits {
  std::uint64_t address_space = std::uint64_t(8) << 30;  // RLIMIT_AS: a decoded instance is at most 1 GiB, plus codec copies
  unsigned cpu_seconds_per_job = 300;                     // RLIMIT_CPU, moved forward before each job
};

// Installs everything above; returns what isolates the process now (for the engine's audit
// header), or an Error when seccomp cannot be installed (the worker then refuses to run: fail closed).
Result<std::string> lock_down(const Limits& limits);

// Before each job: the CPU time this job may use from now (RLIMIT_CPU soft limit; SIGXCPU past it).
void limit_cpu_for_next_job(unsigned seconds);

}  // namespace dicomscrub::media::sandbox
