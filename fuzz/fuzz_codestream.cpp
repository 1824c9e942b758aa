// fuzz/fuzz_codestream.cpp — the codestream filters (lib/codestream) on any bytes: a result or an
// error, never a crash. Asserted on every result:
//  - same input, same output (the filters are pure functions of their bytes);
//  - what a filter returns, filtered again, comes back unchanged with nothing more dropped (nothing
//    it keeps is something it would drop);
//  - a comment planted in a JPEG or JPEG 2000 main header (bit 7 of the first byte) is not in the
//    output: the filter drops it, or refuses the stream.
// The first byte picks the codec (and RLE's shape).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "image/codestream.hpp"
#include "invariants.hpp"

using namespace dicomscrub;

namespace {
constexpr std::string_view kPlanted = "QUIXOTE ZEBULON ZQ88123456";

// A COM segment with the planted text: after SOI (JPEG), after SIZ (J2K main header); else none.
bool plant_comment(std::vector<std::uint8_t>& b, bool j2k) {
  std::size_t at = 0;
  if (!j2k && b.size() >= 2 && b[0] == 0xFF && b[1] == 0xD8) at = 2;
  if (j2k && b.size() >= 6 && b[0] == 0xFF && b[1] == 0x4F && b[2] == 0xFF && b[3] == 0x51) at = 4 + ((b[4] << 8) | b[5]);
  if (at == 0 || at > b.size()) return false;
  std::vector<std::uint8_t> seg = {0xFF, std::uint8_t(j2k ? 0x64 : 0xFE), 0, 0};
  if (j2k) seg.insert(seg.end(), {0x00, 0x01});  // Rcom: Latin-1 text
  seg.insert(seg.end(), kPlanted.begin(), kPlanted.end());
  const std::size_t len = seg.size() - 2;
  seg[2] = std::uint8_t(len >> 8);
  seg[3] = std::uint8_t(len);
  b.insert(b.begin() + std::ptrdiff_t(at), seg.begin(), seg.end());
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t pick = data[0];
  std::vector<std::uint8_t> in(data + 1, data + size);
  // The words may already sit in the input's entropy-coded data (libFuzzer learns them from the
  // check below): that is image data, no comment, and the filter rightly keeps it.
  const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
  bool planted = (pick & 0x80) && pick % 3 != 2 && raw.find(kPlanted) == std::string_view::npos && plant_comment(in, pick % 3 == 1);
  auto run = [&](Bytes b) {
    switch (pick % 3) {
      case 0: return codestream::filter_jpeg(b);
      case 1: return codestream::filter_j2k(b);
      default: return codestream::filter_rle(b, 1 + (pick >> 2) % 3, 1 + (pick >> 4));
    }
  };
  auto first = run(in);
  auto repeat = run(in);
  fuzzcheck::require(first.ok() == repeat.ok() && (!first || (first->bytes == repeat->bytes && first->dropped == repeat->dropped)),
                     "same codestream, different result");
  if (!first) return 0;
  fuzzcheck::require(first->consumed <= in.size(), "consumed more than the input");
  auto again = run(Bytes(first->bytes.data(), first->bytes.size()));
  fuzzcheck::require(again.ok() && again->bytes == first->bytes, "filtered output changes when filtered again");
  fuzzcheck::require(again->dropped.empty(), "filtered output still holds something the filter drops");
  if (planted) {
    std::string_view out(reinterpret_cast<const char*>(first->bytes.data()), first->bytes.size());
    fuzzcheck::require(out.find(kPlanted) == std::string_view::npos, "planted comment left in the codestream");
  }
  return 0;
}
