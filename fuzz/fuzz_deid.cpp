// fuzz/fuzz_deid.cpp — the whole de-identification pipeline on arbitrary bytes: parse, decide,
// transform, write, and parse the output again. Any crash, leak, UB, or an output that does not
// parse is a bug. The first byte picks a set of options so every code path gets exercised.
#include <cstdint>
#include <cstdlib>

#include "dicomscrub/deid.hpp"
#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"

namespace {
const dicomscrub::Deidentifier& engine(unsigned variant) {
  static const std::vector<std::vector<std::string>> sets = {
      {},
      {"clean_descriptors", "clean_structured_content", "retain_long_modified_dates"},
      {"retain_uids", "retain_safe_private", "retain_device_identity", "retain_institution_identity"},
      {"retain_patient_characteristics", "retain_long_full_dates", "clean_graphics", "clean_descriptors"},
  };
  static std::vector<dicomscrub::Deidentifier> engines = [] {
    std::vector<dicomscrub::Deidentifier> v;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      dicomscrub::DeidConfig c;
      c.options = sets[i];
      c.key = std::make_shared<const dicomscrub::Key>(dicomscrub::Key::from_bytes(std::vector<std::uint8_t>(32, 1)).value());
      c.ocr_check = i % 2 == 0;  // half the runs skip Tesseract, so our own pixel code gets most executions
      if (i == 2) c.cover_pages = "identifiers";
      v.push_back(std::move(dicomscrub::Deidentifier::create(c)).value());
    }
    return v;
  }();
  return engines[variant % engines.size()];
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  dicomscrub::ReadOptions opt;
  opt.max_elements = 100000;
  opt.max_inflated_size = 16u << 20;
  auto file = dicomscrub::read_buffer(dicomscrub::Bytes(data + 1, size - 1), opt);
  if (!file) return 0;
  auto report = engine(data[0]).apply(*file);
  if (!report || report->withheld) return 0;
  auto out = dicomscrub::write_to_buffer(*file);
  if (!out) return 0;  // e.g. a value too long for its VR after editing is refused, not written
  auto again = dicomscrub::read_buffer(dicomscrub::Bytes(out->data(), out->size()), opt);
  if (!again) std::abort();  // we wrote something we cannot read back
  return 0;
}
