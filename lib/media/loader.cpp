// lib/media/loader.cpp — finds and loads libdicomscrub_media.so (see media.hpp): beside the object
// this code is in (the CLI, libdicomscrub.so, the Python package), one folder up (the build
// tree), in the install's library folder; or only where DICOMSCRUB_MEDIA_MODULE points, when set.
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "media/media.hpp"

#ifndef DICOMSCRUB_MEDIA_DIR
#define DICOMSCRUB_MEDIA_DIR ""
#endif

namespace dicomscrub::media {

namespace {

constexpr const char* kName = "libdicomscrub_media.so";

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("DICOMSCRUB_MEDIA_MODULE"); env && *env) return {env};
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&candidates), &info) && info.dli_fname) {
    std::string self = info.dli_fname;
    auto slash = self.rfind('/');
    std::string dir = slash == std::string::npos ? "." : self.substr(0, slash);
    out.push_back(dir + "/" + kName);
    out.push_back(dir + "/../" + kName);
  }
  if (*DICOMSCRUB_MEDIA_DIR) out.push_back(std::string(DICOMSCRUB_MEDIA_DIR) + "/" + kName);
  out.emplace_back(kName);  // the dynamic linker's own search
  return out;
}

struct Loaded {
  const Api* api = nullptr;
  std::string why;
};

Loaded load() {
  std::string tried;
  for (const auto& path : candidates()) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) { tried += fmt::format("; {}: {}", path, dlerror()); continue; }
    auto entry = reinterpret_cast<const Api* (*)()>(dlsym(h, "dicomscrub_media_api_v1"));
    const Api* a = entry ? entry() : nullptr;
    if (!a || a->version != kApiVersion || std::string(a->compiler) != compiler_id() || a->layout != layout_id()) {
      tried += fmt::format("; {}: not a module of this build", path);
      dlclose(h);
      continue;
    }
    return {a, {}};  // kept loaded for the life of the process
  }
  return {nullptr, "the media module (codecs, OCR, PDF) could not be loaded" + tried};
}

}  // namespace

Result<const Api*> api() {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.api) return Error{ErrorCode::unsupported, {}, 0, {}, loaded.why};
  return loaded.api;
}

}  // namespace dicomscrub::media
