// fuzz/fuzz_deid.cpp — the whole de-identification pipeline on arbitrary bytes: parse, decide,
// transform, write, and parse the output again. Beyond "no crash, no leak, no UB" it asserts the
// product's promises on every input:
//  - what we write reads back with our own reader;
//  - the same input under the same engine gives the same bytes (parsed, cleaned and written twice);
//  - whether it is written does not depend on the key: a value of ours (a token, a shifted date, a
//    content mark) that spells a date under some key is no finding (CI once withheld a corpus
//    file for that, under one key in 10^4);
//  - a planted patient name, ID, birth date, address and phone number (bit 2 of the first byte:
//    half the runs) appear nowhere in a written output, the date in none of the spellings the
//    detector knows (19640506, 1964-05-06, 06.05.1964, 6 May 1964, 06/05/1964), the phone with or
//    without separators: not in the attribute they were planted in, and not where mutations copied
//    them (fuzz/fuzz_deid.dict spreads the words into any element, item, private block or header).
// The first byte also picks one of four option sets, so every code path gets exercised.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "dicomscrub/deid.hpp"
#include "dicomscrub/reader.hpp"
#include "dicomscrub/writer.hpp"
#include "invariants.hpp"

namespace {
using namespace dicomscrub;

const Deidentifier& engine(unsigned variant, std::uint8_t key_byte) {
  static const std::vector<std::vector<std::string>> sets = {
      {},
      {"clean_descriptors", "clean_structured_content", "retain_long_modified_dates"},
      {"retain_uids", "retain_safe_private", "retain_device_identity", "retain_institution_identity"},
      {"retain_patient_characteristics", "retain_long_full_dates", "clean_graphics", "clean_descriptors"},
  };
  static std::vector<Deidentifier> engines = [] {
    std::vector<Deidentifier> v;
    for (std::size_t i = 0; i < 2 * sets.size(); ++i) {
      DeidConfig c;
      c.options = sets[i % sets.size()];
      const std::uint8_t byte = std::uint8_t(1 + i / sets.size());
      c.key = std::make_shared<const dicomscrub::Key>(dicomscrub::Key::from_bytes(std::vector<std::uint8_t>(32, byte)).value());
      c.ocr_check = i % 2 == 0;  // half the runs skip Tesseract, so our own pixel code gets most executions
      if (i % sets.size() == 2) c.cover_pages = CoverPages::identifiers;
      v.push_back(std::move(Deidentifier::create(c)).value());
    }
    return v;
  }();
  return engines[(variant % sets.size()) + (key_byte == 1 ? 0 : sets.size())];
}

ReadOptions read_options() {
  ReadOptions opt;
  opt.max_elements = 100000;
  opt.max_inflated_size = 16u << 20;
  return opt;
}

struct Outcome {
  bool parsed = false, withheld = false, written = false;
  std::vector<std::uint8_t> bytes;
};

Outcome run(Bytes input, std::uint8_t pick, std::uint8_t key_byte = 1) {
  Outcome o;
  auto file = read_buffer(input, read_options());
  if (!file) return o;
  o.parsed = true;
  if (pick & 4) {
    file->dataset.set_string(Tag(0x0010, 0x0010), vrs::PN, fuzzcheck::kPlantedName);
    file->dataset.set_string(Tag(0x0010, 0x0020), vrs::LO, fuzzcheck::kPlantedId);
    file->dataset.set_string(Tag(0x0010, 0x0030), vrs::DA, fuzzcheck::kPlantedBirthDate);
    file->dataset.set_string(Tag(0x0010, 0x1040), vrs::LO, fuzzcheck::kPlantedAddress);
    file->dataset.set_string(Tag(0x0010, 0x2154), vrs::SH, fuzzcheck::kPlantedPhone);
  }
  auto report = engine(pick & 3, key_byte).apply(*file);
  if (!report || report->withheld) {
    o.withheld = true;
    return o;
  }
  auto out = write_to_buffer(*file);
  if (!out) return o;  // e.g. a value too long for its VR after editing is refused, not written
  o.written = true;
  o.bytes = std::move(*out);
  return o;
}

// How far the invariants reach (FUZZ_STATS=1 prints it at exit, e.g. over a corpus replay): a
// check that never runs proves nothing.
struct Reach {
  unsigned inputs = 0, parsed = 0, withheld = 0, written = 0, searched = 0;
  ~Reach() {
    if (std::getenv("FUZZ_STATS"))
      std::fprintf(stderr, "fuzz_deid reach: %u inputs, %u parsed, %u withheld, %u written, %u written outputs searched for planted identifiers\n",
                   inputs, parsed, withheld, written, searched);
  }
} reach;

// The planted words in any value of the re-read output, at any depth, in the File Meta and the
// preamble. Native pixel data is not text (its burned-in text is the OCR check's); encapsulated
// fragments are searched, as the verifier does. A deflated output is searched inflated.
void require_no_planted(const Dataset& ds, bool top) {
  for (const Element& e : ds.elements()) {
    for (const Item& item : e.items) require_no_planted(item.dataset, false);
    for (const Fragment& f : e.fragments)
      if (auto b = f.value.bytes()) {
        fuzzcheck::require(!fuzzcheck::contains_word(*b, fuzzcheck::kPlantedFamily) && !fuzzcheck::contains_word(*b, fuzzcheck::kPlantedGiven),
                           "planted patient name left in a pixel data fragment");
      }
    if (e.form != ElementForm::value) continue;
    if (top && e.tag.group == 0x7FE0) continue;
    auto b = e.value.bytes();
    fuzzcheck::require(b.has_value(), "re-read output value not in memory");
    auto any_of = [&](const auto& spellings) {
      for (std::string_view w : spellings) if (fuzzcheck::contains_word(*b, w)) return true;
      return false;
    };
    const bool name = fuzzcheck::contains_word(*b, fuzzcheck::kPlantedFamily) || fuzzcheck::contains_word(*b, fuzzcheck::kPlantedGiven);
    const bool id = fuzzcheck::contains_word(*b, fuzzcheck::kPlantedId);
    // A date attribute may hold any date (a study on the day of birth is kept under Retain
    // Longitudinal Full Dates): the birth date counts there only in the birth date's own tag.
    const bool date_vr = e.vr == vrs::DA || e.vr == vrs::DT;
    const bool birth = (!date_vr || e.tag == Tag(0x0010, 0x0030)) && any_of(fuzzcheck::kPlantedBirthDateSpellings);
    const bool address = fuzzcheck::contains_word(*b, fuzzcheck::kPlantedAddressWord);
    const bool phone = any_of(fuzzcheck::kPlantedPhoneSpellings);
    if (name || id || birth || address || phone)
      std::fprintf(stderr, "planted identifier in (%04X,%04X)%s\n", e.tag.group, e.tag.element, top ? "" : " (in an item or the File Meta)");
    fuzzcheck::require(!name, "planted patient name left in the output");
    fuzzcheck::require(!id, "planted patient ID left in the output");
    fuzzcheck::require(!birth, "planted birth date left in the output (in a spelling the detector knows)");
    fuzzcheck::require(!address, "planted patient address left in the output");
    fuzzcheck::require(!phone, "planted phone number left in the output");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ++reach.inputs;
  const Bytes input(data + 1, size - 1);
  Outcome first = run(input, data[0]);
  if (!first.parsed) return 0;
  ++reach.parsed;
  reach.withheld += first.withheld;
  reach.written += first.written;
  Outcome second = run(input, data[0]);
  fuzzcheck::require(first.withheld == second.withheld && first.written == second.written && first.bytes == second.bytes,
                     "same input, same engine, different output");
  Outcome other_key = run(input, data[0], 2);
  fuzzcheck::require(first.withheld == other_key.withheld && first.written == other_key.written,
                     "written under one key, withheld under another");
  if (!first.written) return 0;
  auto again = read_buffer(Bytes(first.bytes.data(), first.bytes.size()), read_options());
  fuzzcheck::require(again.ok(), "we wrote something we cannot read back");
  if (data[0] & 4) {
    ++reach.searched;
    const auto& pre = again->preamble;
    fuzzcheck::require(!fuzzcheck::contains_word(Bytes(pre.data(), pre.size()), fuzzcheck::kPlantedFamily), "planted name in the preamble");
    require_no_planted(again->meta, false);
    require_no_planted(again->dataset, true);
  }
  return 0;
}
