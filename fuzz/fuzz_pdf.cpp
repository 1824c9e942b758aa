// fuzz/fuzz_pdf.cpp — the encapsulated-PDF cleaner on arbitrary bytes: whatever comes in, it must
// return cleaned bytes or a reason, never crash, and a document cleaned in place must come back
// from a second cleaning unchanged: nothing identifying left, nothing unreadable made. The same
// document cleaned twice gives the same bytes or the same reason (determinism).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "invariants.hpp"
#include "media/pdf_cleaner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dicomscrub::phi::Detector ids = [] {
    dicomscrub::phi::InstanceIdentifiers i;
    i.names = {{"quixote", dicomscrub::phi::Kind::patient_name, false, false, 0}, {"zebulon", dicomscrub::phi::Kind::patient_name, false, false, 0}};
    i.ids = {{"88123456", "88123456", true}};
    i.dates = {{1961, 4, 12, dicomscrub::phi::Kind::birth_date}};
    return dicomscrub::phi::Detector(std::move(i), {});
  }();
  // Rendering a letter-size page at 150 dpi and reading it by OCR takes seconds under ASan: the
  // fuzzer renders small and skips OCR (the render and text paths are the same code either way).
  static const dicomscrub::document::ScanPolicy scans = [] {
    dicomscrub::document::ScanPolicy p;
    p.dpi = 24;
    p.ocr_check = false;
    return p;
  }();
  auto r = dicomscrub::document::clean_pdf(dicomscrub::Bytes(data, size), ids, scans);
  fuzzcheck::require(r.withhold_reason.empty() != r.bytes.empty(), "cleaned bytes and a withhold reason: exactly one of the two");
  auto repeat = dicomscrub::document::clean_pdf(dicomscrub::Bytes(data, size), ids, scans);
  fuzzcheck::require(repeat.bytes == r.bytes && repeat.withhold_reason == r.withhold_reason, "same document, different result");
  if (!r.bytes.empty() && !r.rasterized) {
    // A document cleaned in place was read back clean: cleaning it again finds nothing more.
    auto again = dicomscrub::document::clean_pdf(dicomscrub::Bytes(r.bytes.data(), r.bytes.size()), ids, scans);
    fuzzcheck::require(!again.rasterized && !again.glyphs_removed && !again.strings_emptied && again.withhold_reason.empty(),
                       "a cleaned document changed, or was withheld, when cleaned again");
  }
  return 0;
}
