// lib/deid/engine.cpp — the instance pipeline: builds the Deidentifier, and for each instance decides
// what cannot be vouched for (encapsulated documents, unknown character sets, pixels), builds the
// instance's detector, runs the profile walk (walk.cpp), the PDF and pixel steps, adds the
// de-identification markers, rebuilds the File Meta and hands the result to the residual check.
// Decides nothing itself beyond what the profile says, except withholding what it cannot vouch for.
#include <algorithm>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "charset/charset.hpp"
#include "core/text.hpp"
#include "deid/engine_impl.hpp"
#include "deid/model3d.hpp"
#include "deid/own_output.hpp"
#include "deid/walk.hpp"
#include "image/pixel_data.hpp"
#include "verify/kept_text.hpp"
#include "deid/value_rules.hpp"
#include "dicomscrub/deid.hpp"
#include "dicomscrub/version.h"
#include "dicomscrub/writer.hpp"
#include "dict/dictionary.hpp"
#include "media/media.hpp"
#include "pixel/cleaner.hpp"
#include "phi/phi.hpp"
#include "profile/profile.hpp"
#include "pseudo/pseudonymizer.hpp"
#include "pseudo/encrypted_attributes.hpp"
#include "pseudo/lookup_table.hpp"
#include "verify/verifier.hpp"

namespace dicomscrub {

using profile::Action;
using profile::Option;

namespace {

using detail::join_values;
using detail::trim_value;

Element code_item_sequence(const std::vector<std::pair<std::string, std::string>>& codes) {
  Element sq;
  sq.tag = Tag(0x0012, 0x0064);
  sq.vr = vrs::SQ;
  sq.form = ElementForm::sequence;
  sq.length = 0;  // defined; the writer computes it
  for (const auto& [value, meaning] : codes) {
    Item item;
    item.dataset.set_string(Tag(0x0008, 0x0100), vrs::SH, value);
    item.dataset.set_string(Tag(0x0008, 0x0102), vrs::SH, "DCM");
    item.dataset.set_string(Tag(0x0008, 0x0104), vrs::LO, meaning);
    sq.items.push_back(std::move(item));
  }
  return sq;
}

// The bytes of Pixel Data that are not image (lib/codestream): non-image codestream segments,
// offset tables and fragments that do not index frames, bits outside Bits Stored, bytes after the
// last frame. Returns what was done ("" for nothing), or why the data cannot be vouched for.
Result<std::string> clean_pixel_regions(DicomFile& file) {
  constexpr std::uint64_t kMaxPixelBytes = std::uint64_t(1) << 30;
  Dataset& ds = file.dataset;
  Element* px = ds.find(Tag(0x7FE0, 0x0010));
  if (!px) return std::string();
  const codestream::PixelShape shape = codestream::shape_of(file);
  const bool encapsulated = px->form == ElementForm::encapsulated;
  auto done = encapsulated ? codestream::filter_encapsulated(*px, shape, kMaxPixelBytes)
                           : codestream::clean_native(*px, shape, kMaxPixelBytes);
  if (!done) return std::move(done).error();
  if (!done->empty()) {
    ds.mark_modified();
    // The Extended Offset Table indexed the fragments as they were.
    if (encapsulated) { ds.remove(Tag(0x7FE0, 0x0001)); ds.remove(Tag(0x7FE0, 0x0002)); }
  }
  return done;
}

}  // namespace

Deidentifier::Deidentifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Deidentifier::Deidentifier(Deidentifier&&) noexcept = default;
Deidentifier& Deidentifier::operator=(Deidentifier&&) noexcept = default;
Deidentifier::~Deidentifier() = default;

Result<Deidentifier> Deidentifier::create(const DeidConfig& config) {
  Result<profile::Profile> p = config.profile.find('/') != std::string::npos || config.profile.find(".json") != std::string::npos
                                   ? profile::Profile::from_file(config.profile)
                                   : profile::Profile::builtin(config.profile);
  if (!p) return std::move(p).error();
  for (const auto& name : config.options) {
    auto o = profile::option_from_string(name);
    if (!o) return Error{ErrorCode::invalid_argument, {}, 0, {}, fmt::format("unknown option '{}'", name)};
    if (auto st = p->set_option(*o, true); !st) return st.error();
  }
  bool one_time = !config.key;
  // Only a missing key needs randomness: seeding OpenSSL's generator costs ~8 M instructions.
  auto key = one_time ? std::make_shared<const Key>(Key::generate()) : config.key;
  auto impl = std::make_unique<Impl>(std::move(p).value(), std::move(key));
  impl->one_time_key = one_time;
  impl->verify = config.verify;
  impl->record_tag_actions = config.record_tag_actions;
  impl->record_mappings = config.record_mappings;
  if (!config.lookup_missing.empty() && config.lookup_missing != "withhold" && config.lookup_missing != "keyed")
    return Error{ErrorCode::invalid_argument, {}, 0, {}, fmt::format("lookup missing: '{}' is not keyed or withhold", config.lookup_missing)};
  impl->lookup_missing_keyed = config.lookup_missing == "keyed";
  if (!config.encrypt_for.empty()) {
    auto r = reid::Recipients::from_files(config.encrypt_for);
    if (!r) return std::move(r).error();
    impl->recipients = std::move(r).value();
  }
  if (!config.lookup_file.empty()) {
    auto table = reid::LookupTable::from_file(config.lookup_file);
    if (!table) return std::move(table).error();
    impl->lookup = std::move(table).value();
  }
  const profile::PixelSettings& px = impl->profile.pixels();
  auto rules = pixel::RegionRules::builtin();
  if (!rules) return std::move(rules).error();
  impl->pixels.rules = std::move(rules).value();
  for (const std::string& file : {px.rules_file, config.pixel_rules}) {  // the config's end up first
    if (file.empty()) continue;
    auto site = pixel::RegionRules::from_file(file);
    if (!site) return std::move(site).error();
    impl->pixels.rules.prepend(std::move(site).value());
  }
  auto scan = pixel::TextScanTable::builtin();
  if (!scan) return std::move(scan).error();
  impl->pixels.scan = std::move(scan).value();
  for (const auto& [key, value] : px.scan_text)
    if (auto s = pixel::text_scan_from_string(value)) impl->pixels.scan.set(key, *s);
  const CoverPages cover = config.cover_pages.value_or(px.cover_pages.value_or(CoverPages::clean));
  impl->pixels.clean_cover_pages = cover != CoverPages::withhold;
  impl->pixels.cover_text = cover == CoverPages::identifiers ? pixel::PixelPolicy::CoverText::identifiers : pixel::PixelPolicy::CoverText::all;
  impl->pixels.ocr_check = config.ocr_check.value_or(px.ocr_check.value_or(true));
  return Deidentifier(std::move(impl));
}

bool Deidentifier::one_time_key() const { return impl_->one_time_key; }
std::string Deidentifier::key_fingerprint() const { return impl_->pseudo.key().fingerprint(); }
std::string Deidentifier::describe_profile() const { return impl_->profile.describe(); }
std::string Deidentifier::keyed_token(std::string_view domain, std::string_view value) const {
  return impl_->pseudo.token(domain, value, 26);
}

std::string Deidentifier::method_description() const {
  std::string s = fmt::format("dicomscrub {} PS3.15 E.1-1 2026d Basic Profile", DICOMSCRUB_VERSION);
  for (std::size_t i = 0; i < profile::kOptionCount; ++i)
    if (impl_->profile.option(Option(i))) s += std::string(" + ") + profile::to_string(Option(i));
  return s;
}

namespace {

// Encapsulated Document Length (0042,0015) says how many bytes of the (even-padded) value are the
// document: readers cut the document there, so it follows the cleaned document's length.
void set_document_length(Dataset& ds, std::size_t n, bool big_endian) {
  if (!ds.find(Tag(0x0042, 0x0015))) return;
  const auto v = static_cast<std::uint32_t>(n);
  std::vector<std::uint8_t> b(4);
  for (int i = 0; i < 4; ++i) b[big_endian ? 3 - i : i] = std::uint8_t(v >> (8 * i));
  ds.set(Tag(0x0042, 0x0015), vrs::UL, std::move(b));
}

std::optional<std::uint32_t> document_length(const Dataset& ds, bool big_endian) {
  const Element* e = ds.find(Tag(0x0042, 0x0015));
  auto b = e && e->form == ElementForm::value ? e->value.bytes() : std::nullopt;
  if (!b || b->size() != 4) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t((*b)[big_endian ? 3 - i : i]) << (8 * i);
  return v;
}

}  // namespace

Result<DeidReport> Deidentifier::apply(DicomFile& file) const {
  DeidReport report;
  Dataset& ds = file.dataset;
  std::vector<std::string> cs = charset::terms_of(ds, {});
  if (!charset::supported(cs)) {
    report.withheld = true;
    report.withhold_reason = "unsupported Specific Character Set: text cannot be checked for identifiers";
    return report;
  }
  std::string sop_class = ds.get_string(Tag(0x0008, 0x0016)).value_or("");
  // Read before the walk changes anything: the Directory Record Sequence or the meta's class.
  const bool dicomdir = ds.find(Tag(0x0004, 0x1220)) != nullptr ||
                        trim_value(file.meta.get_string(Tag(0x0002, 0x0002)).value_or("")) == "1.2.840.10008.1.3.10";
  const bool is_pdf = sop_class == "1.2.840.10008.5.1.4.1.1.104.1";
  const bool is_stl = sop_class == "1.2.840.10008.5.1.4.1.1.104.3";
  if (profile::sop_category(sop_class) == "encapsulated_document" && !is_pdf && !is_stl) {
    report.withheld = true;
    report.withhold_reason = "encapsulated document other than PDF or STL (CDA, OBJ, MTL): its content is not cleaned";
    return report;
  }
  // An output of ours run again (keyed checks, see own_output.hpp): pixels or a PDF that still
  // carry our mark are not cleaned again, and its dates are not shifted again.
  const bool own_output = deid::is_own_output(ds, impl_->pseudo);
  const std::string pixel_policy = fmt::format("cover={}/{} ocr={}", impl_->pixels.clean_cover_pages, int(impl_->pixels.cover_text),
                                               impl_->pixels.ocr_check);
  const bool content_ours = deid::content_carries_own_mark(file, impl_->pseudo, pixel_policy);
  // What the pixels need is decided on the input, before the walk changes the values rules read.
  const pixel::PixelPlan pixel_plan = content_ours ? pixel::PixelPlan{} : pixel::plan_pixels(file, impl_->pixels);
  if (pixel_plan.kind == pixel::PixelPlan::Kind::withhold) {
    report.withheld = true;
    report.withhold_reason = pixel_plan.reason;
    return report;
  }
  deid::drop_content_marks(ds);  // asked above; written below for the content as it leaves

  // One detector, built once from the input: the text cleaner, the pixel and PDF paths and the
  // residual check below all ask it, so they cannot disagree.
  phi::Policy policy;
  policy.dates_retained = impl_->profile.option(Option::retain_long_full_dates);
  policy.institution_retained = impl_->profile.option(Option::retain_institution_identity);
  policy.device_retained = impl_->profile.option(Option::retain_device_identity);
  const phi::Detector ids(phi::collect(ds, policy), policy);
  const deid::KeptTextCheck kept_text(ds, ids, impl_->profile.option(Option::retain_device_identity));
  std::set<std::string> kept;
  std::string identity = trim_value(ds.get_string(Tag(0x0010, 0x0020)).value_or(""));
  if (identity.empty()) identity = trim_value(ds.get_string(Tag(0x0010, 0x0010)).value_or(""));
  std::optional<std::vector<std::uint8_t>> pdf_input, stl_input;
  if (const Element* doc = ds.find(Tag(0x0042, 0x0011)); (is_pdf || is_stl) && doc && doc->form == ElementForm::value)
    if (auto b = doc->value.load()) (is_pdf ? pdf_input : stl_input) = std::move(b).value();
  if (stl_input)  // the document ends where Encapsulated Document Length says; the rest is padding
    if (auto n = document_length(ds, file.encoding.big_endian); n && *n <= stl_input->size()) stl_input->resize(*n);
  // What the Encrypted Attributes Sequence seals is what differs from this copy afterwards.
  std::optional<Dataset> original;
  const Encoding input_encoding = file.encoding;
  if (impl_->recipients) original = ds;
  deid::WalkSettings walk;
  walk.shift_days = impl_->pseudo.date_shift_days(identity);
  walk.cs = cs;
  walk.big_endian = file.encoding.big_endian;
  walk.own_output = own_output;
  walk.sop_class = sop_class;
  walk.animal = ds.find(Tag(0x0010, 0x2201)) || ds.find(Tag(0x0010, 0x2202));  // Patient Species Description / Code Sequence
  const std::string lookup_miss = deid::walk_dataset(ds, *impl_, report, ids, kept_text, kept, walk);
  if (!lookup_miss.empty()) {
    report.withheld = true;
    report.withhold_reason = fmt::format("the lookup table {} has no replacement for this instance's {} "
                                         "(--lookup-missing keyed gives it the keyed pseudonym instead)",
                                         impl_->lookup->origin(), lookup_miss);
    return report;
  }

  if (is_pdf && content_ours && pdf_input) {
    // Cleaned by us and unchanged since (the mark checks): the walk's dummy gives way to it as it is.
    ds.set(Tag(0x0042, 0x0011), vrs::OB, std::move(*pdf_input));
    report.tag_actions["(0042,0011)"] = "keep";
  } else if (is_pdf) {
    // E.1-1 says D for (0042,0011): a cleaned document stands in for the dummy value.
    document::ScanPolicy scans;
    scans.clean = impl_->pixels.clean_cover_pages;
    scans.identifiers_only = impl_->pixels.cover_text == pixel::PixelPolicy::CoverText::identifiers;
    scans.ocr_check = impl_->pixels.ocr_check;
    scans.ocr_seconds = impl_->pixels.ocr_seconds;
    scans.detector = impl_->pixels.detector;
    auto media = media::api();
    auto cleaned = !media      ? document::pdf_withheld(media.error().reason)
                   : pdf_input ? (*media)->clean_pdf(*pdf_input, ids, scans)
                               : document::pdf_withheld("no Encapsulated Document to check");
    if (!cleaned.withhold_reason.empty()) {
      report.withheld = true;
      report.withhold_reason = cleaned.withhold_reason;
      return report;
    }
    set_document_length(ds, cleaned.bytes.size(), file.encoding.big_endian);
    if (cleaned.bytes.size() % 2) cleaned.bytes.push_back(0);  // OB values have even length; PDF readers ignore it
    ds.set(Tag(0x0042, 0x0011), vrs::OB, std::move(cleaned.bytes));
    report.tag_actions["(0042,0011)"] = "clean";
    report.pixel_action = cleaned.rasterized
        ? fmt::format("scanned PDF: {} of {} page(s) rendered, text blanked as on cover pages, re-wrapped as page images ({}); "
                      "{} identifying glyph(s) and {} string(s) removed from the others", cleaned.pages_rendered, cleaned.pages,
                      cleaned.render_reason, cleaned.glyphs_removed, cleaned.strings_emptied)
        : fmt::format("encapsulated PDF: {} page(s) checked for identifiers; {} identifying glyph(s) and {} string(s) removed; "
                      "metadata, annotations and scripts removed", cleaned.pages, cleaned.glyphs_removed, cleaned.strings_emptied);
  }
  if (is_stl) {
    // E.1-1 says D for (0042,0011): the model with its free text gone stands in for the dummy.
    auto cleaned = stl_input ? deid::clean_stl(*stl_input) : deid::CleanedModel{{}, "Encapsulated STL without a document", {}};
    if (!cleaned.refused.empty()) {
      report.withheld = true;
      report.withhold_reason = cleaned.refused;
      return report;
    }
    set_document_length(ds, cleaned.bytes.size(), file.encoding.big_endian);
    if (cleaned.bytes.size() % 2) cleaned.bytes.push_back(0);
    ds.set(Tag(0x0042, 0x0011), vrs::OB, std::move(cleaned.bytes));
    report.tag_actions["(0042,0011)"] = "clean";
    report.pixel_action = std::move(cleaned.summary);
  }
  if (pixel_plan.kind == pixel::PixelPlan::Kind::clean) {
    auto cleaned = pixel::clean_pixels(file, pixel_plan, impl_->pixels, ids);
    if (!cleaned) {
      report.withheld = true;
      report.withhold_reason = fmt::format("{} could not be cleaned: {}", pixel_plan.kind_of_instance, cleaned.error().reason);
      return report;
    }
    report.pixel_action = cleaned->summary;
    // The walk kept Pixel Data as it was; the audit says what became of it.
    if (report.action_counts["keep"] > 0 && --report.action_counts["keep"] == 0) report.action_counts.erase("keep");
    report.action_counts["clean"]++;
    if (impl_->record_tag_actions) report.tag_actions["(7FE0,0010)"] = "clean";
    for (const auto& [frame, b] : cleaned->boxes) report.pixel_boxes.push_back({int(frame), b.x, b.y, b.w, b.h});
  }

  if (auto regions = clean_pixel_regions(file); !regions) {
    report.withheld = true;
    report.withhold_reason = fmt::format("pixel data cannot be vouched for: {}", regions.error().reason);
    return report;
  } else {
    report.regions_action = std::move(regions).value();
  }

  // Markers (PS3.15 E.1.1, PS3.3 C.12.1).
  const auto& prof = impl_->profile;
  ds.set_string(Tag(0x0012, 0x0062), vrs::CS, "YES");
  std::vector<std::string> method = {fmt::format("DICOMSCRUB {} BASIC PROFILE", DICOMSCRUB_VERSION)};
  std::vector<std::pair<std::string, std::string>> codes = {{"113100", "Basic Application Confidentiality Profile"}};
  if (!report.pixel_action.empty() && !is_pdf && !is_stl) {  // PS3.16 CID 7050: pixels were cleaned
    codes.emplace_back("113101", "Clean Pixel Data Option");
    method.push_back("Clean Pixel Data Option");
  }
  for (std::size_t i = 0; i < profile::kOptionCount; ++i) {
    if (!prof.option(Option(i))) continue;
    codes.emplace_back(profile::cid7050_code(Option(i)), profile::cid7050_meaning(Option(i)));
    std::string m = profile::cid7050_meaning(Option(i));
    if (m.size() > 64) m = m.substr(0, 64);
    method.push_back(m);
  }
  // Run again over an output of ours, the markers it has stay and ours are added (PS3.15 E.1.1:
  // the method describes everything done); anyone else's are replaced as before.
  Element method_codes = own_output ? deid::merged_method_codes(ds, code_item_sequence(codes)) : code_item_sequence(codes);
  ds.set(Tag(0x0012, 0x0064), vrs::SQ, {});
  *ds.find(Tag(0x0012, 0x0064)) = std::move(method_codes);
  const char* temporal = prof.option(Option::retain_long_modified_dates) ? "MODIFIED"
                         : prof.option(Option::retain_long_full_dates)   ? "UNMODIFIED"
                                                                         : "REMOVED";
  ds.set_string(Tag(0x0028, 0x0303), vrs::CS, temporal);

  // The preamble is ours too: whatever an input kept there (text, a TIFF header making the file a
  // DICOM/TIFF dual) is not passed on.
  file.has_preamble = file.has_magic = true;
  file.preamble.fill(0);
  rebuild_file_meta(file);
  // Searched or cleaned pixels and cleaned PDFs carry our keyed mark (after the File Meta: it binds
  // the transfer syntax), so that a second pass leaves them as they are instead of cleaning again.
  if (content_ours || is_pdf || pixel_plan.kind == pixel::PixelPlan::Kind::clean)
    if (std::string mark = deid::content_mark(file, impl_->pseudo, pixel_policy); !mark.empty()) method.push_back(std::move(mark));
  ds.set_string(Tag(0x0012, 0x0063), vrs::LO, join_values(own_output || content_ours ? deid::merged_method(ds, method) : method, '\\'));
  // Ours: our method names, a keyed content mark (a MAC in base32, which spells a date under about
  // one key in 10^4: "...B4APR56P..."), and values of the input the walk judged already.
  kept.insert(Tag(0x0012, 0x0063).str());
  // Ours too, and not read again: the other markers (our constants and CID 7050 codes; an output
  // of ours run again also keeps the codes it had, which are read), and the File Meta's
  // Implementation Class UID and Version Name (lib/write's constants).
  for (Tag t : {Tag(0x0012, 0x0062), Tag(0x0028, 0x0303), Tag(0x0002, 0x0012), Tag(0x0002, 0x0013)}) kept.insert(t.str());
  if (!own_output)
    for (std::size_t i = 0; i < codes.size(); ++i)
      for (Tag t : {Tag(0x0008, 0x0100), Tag(0x0008, 0x0102), Tag(0x0008, 0x0104)})
        kept.insert(fmt::format("{}[{}]/{}", Tag(0x0012, 0x0064).str(), i, t.str()));
  std::string study = trim_value(ds.get_string(Tag(0x0020, 0x000D)).value_or(""));
  std::string series = trim_value(ds.get_string(Tag(0x0020, 0x000E)).value_or(""));
  std::string instance = trim_value(ds.get_string(Tag(0x0008, 0x0018)).value_or(""));
  for (auto* s : {&study, &series, &instance}) while (!s->empty() && s->back() == '\0') s->pop_back();
  if (instance.empty()) {
    report.withheld = true;
    // A DICOMDIR is no instance but an index of patients (names, IDs, birth dates in its records):
    // it is rebuilt from the de-identified files, never copied. Say so rather than "no UID".
    report.withhold_reason = dicomdir ? "DICOMDIR (a media directory listing patients): not copied; build a new one from the de-identified files"
                                      : "no SOP Instance UID: not a composite instance, cannot name the output";
    return report;
  }
  if (impl_->verify) {
    auto findings = verify::scan(file, ids, kept);
    if (!findings.empty()) {
      report.withheld = true;
      report.withhold_reason = fmt::format("residual PHI: {} at {}", phi::to_string(findings[0].kind), findings[0].where);
      if (findings.size() > 1) report.withhold_reason += fmt::format(" (and {} more)", findings.size() - 1);
      return report;
    }
  }
  // Sealed after the check: the ciphertext is ours and opaque, and the check must see the rest.
  if (original) {
    if (auto st = reid::seal_original_values(*original, input_encoding, ds, *impl_->recipients); !st) {
      report.withheld = true;
      report.withhold_reason = "the Encrypted Attributes Sequence could not be made: " + st.error().reason;
      return report;
    }
    if (impl_->record_tag_actions) report.tag_actions["(0400,0500)"] = "encrypted original values";
  }
  if (study.empty()) study = "no-study";
  if (series.empty()) series = "no-series";
  report.output_path = fmt::format("{}/{}/{}.dcm", study, series, instance);
  return report;
}

}  // namespace dicomscrub
