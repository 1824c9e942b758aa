// lib/media/loader.cpp — finds and loads libdicomscrub_media.so (see media.hpp). Where it looks:
// only where DICOMSCRUB_MEDIA_PATH (folders or files, ':'-separated) or DICOMSCRUB_MEDIA_MODULE
// (one file) point, when set; otherwise beside the real file of the object this code is in (the
// CLI through /proc/self/exe, so a symlink on PATH works; libdicomscrub.so; the Python package),
// one folder up (the build tree), the install's libdir relative to that folder (a moved prefix),
// and the libdir the build was configured for.
#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "media/media.hpp"
#include "media/worker_client.hpp"

#ifndef DICOMSCRUB_MEDIA_DIR
#define DICOMSCRUB_MEDIA_DIR ""
#endif
#ifndef DICOMSCRUB_MEDIA_DIR_FROM_BIN
#define DICOMSCRUB_MEDIA_DIR_FROM_BIN ""
#endif

namespace dicomscrub::media {

namespace {

constexpr const char* kName = "libdicomscrub_media.so";

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

std::string folder_of(const std::string& file) {
  auto slash = file.rfind('/');
  return slash == std::string::npos ? std::string() : file.substr(0, slash);
}

// Whether `addr` lies in the main program. dladdr names the main program by the name it was
// started as ("dicomscrub" when found on PATH), which is no path at all; /proc/self/exe is.
bool in_main_program(const void* addr) {
  struct Probe { const void* addr; bool found = false; } probe{addr};
  dl_iterate_phdr([](dl_phdr_info* info, std::size_t, void* data) -> int {
    auto* p = static_cast<Probe*>(data);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const auto& ph = info->dlpi_phdr[i];
      if (ph.p_type != PT_LOAD) continue;
      auto lo = info->dlpi_addr + ph.p_vaddr;
      auto a = reinterpret_cast<ElfW(Addr)>(p->addr);
      if (a >= lo && a < lo + ph.p_memsz) p->found = true;
    }
    return 1;  // the first entry is the main program: stop after it
  }, &probe);
  return probe.found;
}

// The folder holding the real file this code is linked into, or "" when it cannot be told.
std::string own_folder() {
  const void* self = reinterpret_cast<const void*>(&own_folder);
  if (in_main_program(self)) return folder_of(real_path("/proc/self/exe"));
  Dl_info info{};
  if (dladdr(self, &info) && info.dli_fname && std::string(info.dli_fname).find('/') != std::string::npos)
    return folder_of(real_path(info.dli_fname));
  return {};
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> module_candidates() {
  if (const char* env = std::getenv("DICOMSCRUB_MEDIA_PATH"); env && *env) {
    std::vector<std::string> out;
    for (const auto& p : split_list(env))
      out.push_back(p.size() > 3 && p.compare(p.size() - 3, 3, ".so") == 0 ? p : p + "/" + kName);
    return out;
  }
  if (const char* env = std::getenv("DICOMSCRUB_MEDIA_MODULE"); env && *env) return {env};
  std::vector<std::string> out;
  if (std::string dir = own_folder(); !dir.empty()) {
    out.push_back(dir + "/" + kName);
    out.push_back(dir + "/../" + kName);
    if (*DICOMSCRUB_MEDIA_DIR_FROM_BIN) out.push_back(dir + "/" + DICOMSCRUB_MEDIA_DIR_FROM_BIN + "/" + kName);
  }
  if (*DICOMSCRUB_MEDIA_DIR) out.push_back(std::string(DICOMSCRUB_MEDIA_DIR) + "/" + kName);
  out.emplace_back(kName);  // the dynamic linker's own search (LD_LIBRARY_PATH, ld.so.conf)
  return out;
}

namespace {

// Short and actionable: this reason is repeated for every instance that needed the module.
std::string missing_reason(const std::vector<std::string>& looked, const std::vector<std::string>& refused) {
  std::string why = "the media module (codecs, OCR, PDF) is missing: ";
  if (!refused.empty()) why += "could not load " + fmt::format("{}", fmt::join(refused, "; "));
  else why += fmt::format("no {} in {}", kName, fmt::join(looked, ", "));
  return why + "; install it beside the dicomscrub program or set DICOMSCRUB_MEDIA_PATH to its folder";
}

struct Loaded {
  const Api* api = nullptr;
  std::string why;
};

Loaded load() {
  std::vector<std::string> looked, refused;
  for (const auto& path : module_candidates()) {
    if (path.find('/') != std::string::npos && ::access(path.c_str(), F_OK) != 0) { looked.push_back(folder_of(path)); continue; }
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h && path.find('/') == std::string::npos) continue;  // not on the linker's path either
    if (!h) { refused.push_back(fmt::format("{} ({})", path, dlerror())); continue; }
    auto entry = reinterpret_cast<const Api* (*)()>(dlsym(h, "dicomscrub_media_api_v1"));
    const Api* a = entry ? entry() : nullptr;
    if (!a || a->version != kApiVersion || std::string(a->compiler) != compiler_id() || a->layout != layout_id()) {
      refused.push_back(path + " (a module of another build)");
      dlclose(h);
      continue;
    }
    return {a, {}};  // kept loaded for the life of the process
  }
  return {nullptr, missing_reason(looked, refused)};
}

}  // namespace

std::string module_missing_reason() {
  std::vector<std::string> looked;
  for (const auto& path : module_candidates())
    if (path.find('/') != std::string::npos && ::access(path.c_str(), F_OK) != 0) looked.push_back(folder_of(path));
  return missing_reason(looked, {});
}

Result<const Api*> module_api() {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.api) return Error{ErrorCode::unsupported, {}, 0, {}, loaded.why};
  return loaded.api;
}

#ifndef DICOMSCRUB_MEDIA_WORKER_DEFAULT
#define DICOMSCRUB_MEDIA_WORKER_DEFAULT 1
#endif

bool runs_in_worker() {
  if (const char* env = std::getenv("DICOMSCRUB_MEDIA_MODE"); env && *env) return std::string(env) != "in-process";
  return DICOMSCRUB_MEDIA_WORKER_DEFAULT != 0;
}

Result<const Api*> api() { return runs_in_worker() ? worker_api() : module_api(); }

std::string isolation() {
  return runs_in_worker() ? "worker process (dicomscrub-media: seccomp-bpf allow-list, Landlock where the kernel has it, no_new_privs, "
                            "rlimits, a time limit per job)"
                          : "in-process (no sandbox)";
}

}  // namespace dicomscrub::media
