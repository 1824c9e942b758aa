// fuzz/fuzz_pdf.cpp — the encapsulated-PDF cleaner on arbitrary bytes: whatever comes in, it must
// return cleaned bytes or a reason, never crash, and cleaned bytes must reopen as a PDF whose
// text no longer names the (fixed) patient.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "document/pdf_cleaner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dicomscrub::deid::Identifiers ids = [] {
    dicomscrub::deid::Identifiers i;
    i.words = {"quixote", "zebulon"};
    i.strings = {"88123456", "19610412"};
    return i;
  }();
  auto r = dicomscrub::document::clean_pdf(dicomscrub::Bytes(data, size), ids);
  if (r.withhold_reason.empty() == r.bytes.empty()) std::abort();  // exactly one of the two
  if (!r.bytes.empty()) {
    auto again = dicomscrub::document::clean_pdf(dicomscrub::Bytes(r.bytes.data(), r.bytes.size()), ids);
    if (!again.withhold_reason.empty() && again.withhold_reason.find("names the patient") != std::string::npos) std::abort();
  }
  return 0;
}
