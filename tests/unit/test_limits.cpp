// Resource limits: hostile declared lengths never size an allocation, and a file that shrinks
// while it is being processed gives an error and no output.
#include <doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>

#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "support.hpp"

namespace {
std::atomic<bool> g_track{false};
std::atomic<std::size_t> g_largest{0};
}  // namespace

// Count the largest single allocation while tracking is on (for this test binary only).
void* operator new(std::size_t n) {
  if (g_track.load(std::memory_order_relaxed)) {
    std::size_t cur = g_largest.load();
    while (n > cur && !g_largest.compare_exchange_weak(cur, n)) {}
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace dicomscrub;
using test::Enc;

TEST_CASE("limits: hostile declared lengths never size an allocation") {
  std::vector<std::vector<std::uint8_t>> hostile;
  for (std::uint32_t len : {0xFFFFFFF0u, 0x7FFFFFFFu, 0x10000000u}) {
    Enc value; value.element(0x0008, 0x0016, "UI", "1.2.3").header(0x0010, 0x4000, "UT", len).raw("tiny");
    Enc seq; seq.header(0x0008, 0x1140, "SQ", len).item(8).element(0x0008, 0x1150, "UI", "1.2");
    Enc item; item.header(0x0008, 0x1140, "SQ", kUndefinedLength).item(len).element(0x0008, 0x1150, "UI", "1.2");
    Enc frag; frag.header(0x7FE0, 0x0010, "OB", kUndefinedLength).item(0).item(len).raw("jpeg");
    Enc implicit{false, false, {}}; implicit.header(0x0010, 0x0010, "PN", len).raw("A^B");
    for (auto* e : {&value, &seq, &item, &frag, &implicit}) hostile.push_back(e->out);
  }
  for (const auto& name : test::list_files(test::source_root() + "/tests/data/malformed")) hostile.push_back(test::read_bytes(name));
  int n = 0;
  for (const auto& bytes : hostile) {
    std::string path = "/tmp/dicomscrub_unit_hostile.dcm";
    { std::ofstream o(path, std::ios::binary); o.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size())); }
    ReadOptions opt;
    opt.transfer_syntax = "1.2.840.10008.1.2.1";
    g_largest = 0;
    g_track = true;
    auto f = read_file(path, opt);
    g_track = false;
    CHECK_FALSE(f.ok());
    // The file's own bytes and the element list: nothing sized by a declared length (all >= 256 MiB here).
    CHECK_MESSAGE(g_largest.load() <= std::max<std::size_t>(64 << 10, 2 * bytes.size()),
                  "largest allocation " << g_largest.load() << " for a file of " << bytes.size());
    std::remove(path.c_str());
    ++n;
  }
  CHECK(n >= 28);
}

TEST_CASE("faults: a file that shrinks while being processed gives an error and no output") {
  std::string in = "/tmp/dicomscrub_unit_shrink.dcm", out = "/tmp/dicomscrub_unit_shrink_out.dcm";
  test::write_part10_with_pixels(in, std::vector<std::uint8_t>(2u << 20, 7));
  std::remove(out.c_str());
  ReadOptions opt;
  opt.whole_file_limit = 1 << 16;
  opt.defer_threshold = 1 << 16;
  auto f = read_file(in, opt);
  REQUIRE(f.ok());
  REQUIRE(::truncate(in.c_str(), 4096) == 0);  // the pixel data is gone under our feet
  auto st = write_file_atomically(*f, out);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::io);
  CHECK(::access(out.c_str(), F_OK) != 0);  // nothing written
  auto dir = test::list_files("/tmp");
  for (const auto& p : dir) CHECK(p.find(".dicomscrub-tmp-") == std::string::npos);
  std::remove(in.c_str());
}
