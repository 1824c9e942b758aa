// fuzz/fuzz_codestream.cpp — the codestream filters (lib/codestream) on any bytes: a result or an
// error, never a crash; and what a filter returns, filtered again, is returned unchanged (nothing
// it keeps is something it would drop). The first byte picks the codec (and RLE's shape).
#include <cstdint>
#include <cstdlib>

#include "image/codestream.hpp"

using namespace dicomscrub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t pick = data[0];
  Bytes in(data + 1, size - 1);
  auto run = [&](Bytes b) {
    switch (pick % 3) {
      case 0: return codestream::filter_jpeg(b);
      case 1: return codestream::filter_j2k(b);
      default: return codestream::filter_rle(b, 1 + (pick >> 2) % 3, 1 + (pick >> 4));
    }
  };
  auto first = run(in);
  if (!first) return 0;
  if (first->consumed > in.size()) std::abort();
  auto again = run(Bytes(first->bytes.data(), first->bytes.size()));
  if (!again || again->bytes != first->bytes) std::abort();
  return 0;
}
