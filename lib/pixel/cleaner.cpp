// lib/pixel/cleaner.cpp — classify, plan, decode, blank, encode (see cleaner.hpp).
#include "pixel/cleaner.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"
#include "media/media.hpp"
#include "image/frame_text.hpp"
#include "pixel/syntax.hpp"
#include "profile/profile.hpp"

namespace dicomscrub::pixel {

namespace {

using detail::split_value;
using detail::trim_value;

std::string str(const Dataset& ds, Tag t) { return ds.get_string(t).value_or(""); }  // already trimmed

std::vector<std::string> values(const Dataset& ds, Tag t) {
  auto v = split_value(str(ds, t), '\\');
  for (auto& s : v) s = trim_value(s);
  return v;
}

// Sequence of Ultrasound Regions: the rectangles that hold image data.
std::vector<Rect> ultrasound_regions(const DicomFile& f) {
  std::vector<Rect> out;
  const Element* sq = f.dataset.find(Tag(0x0018, 0x6011));
  if (!sq) return out;
  const bool be = f.encoding.big_endian;
  for (const auto& item : sq->items) {
    auto x0 = first_ul(item.dataset, Tag(0x0018, 0x6018), be), y0 = first_ul(item.dataset, Tag(0x0018, 0x601A), be);
    auto x1 = first_ul(item.dataset, Tag(0x0018, 0x601C), be), y1 = first_ul(item.dataset, Tag(0x0018, 0x601E), be);
    if (!x0 || !y0 || !x1 || !y1 || *x1 < *x0 || *y1 < *y0 || *x1 > 65535 || *y1 > 65535) return {};  // cannot trust any
    out.push_back(Rect{int(*x0), int(*y0), int(*x1 - *x0 + 1), int(*y1 - *y0 + 1)});
  }
  return out;
}

// The palette: first mapped index and one 16-bit word per entry and channel (LUT data is OW).
struct Palette {
  std::uint16_t first = 0;
  std::array<std::vector<std::uint16_t>, 3> lut;
  bool usable() const { return !lut[0].empty() && lut[0].size() == lut[1].size() && lut[1].size() == lut[2].size(); }
};

Palette palette_of(const DicomFile& f) {
  const bool be = f.encoding.big_endian;
  Palette p;
  const Element* desc = f.dataset.find(Tag(0x0028, 0x1101));
  if (!desc || desc->form != ElementForm::value) return p;
  auto d = desc->value.bytes();
  if (!d || d->size() < 6) return p;
  p.first = detail::load16(d->data() + 2, be);
  for (int c = 0; c < 3; ++c) {
    const Element* e = f.dataset.find(Tag(0x0028, std::uint16_t(0x1201 + c)));
    auto b = e && e->form == ElementForm::value ? e->value.bytes() : std::nullopt;
    if (!b) return Palette{};
    for (std::size_t i = 0; i + 1 < b->size(); i += 2) p.lut[c].push_back(detail::load16(b->data() + i, be));
  }
  return p;
}

// The index whose colour is darkest, so blanked areas read as black.
std::uint16_t darkest_index(const Palette& p) {
  if (!p.usable()) return p.first;
  std::size_t best = 0;
  std::uint32_t best_sum = UINT32_MAX;
  for (std::size_t i = 0; i < p.lut[0].size(); ++i) {
    std::uint32_t s = std::uint32_t(p.lut[0][i]) + p.lut[1][i] + p.lut[2][i];
    if (s < best_sum) { best_sum = s; best = i; }
  }
  return std::uint16_t(p.first + best);
}

// Indices have no order: text is found in the colours they stand for.
std::vector<std::vector<std::uint16_t>> colour_planes(const std::vector<std::uint16_t>& index, const Palette& p) {
  std::vector<std::vector<std::uint16_t>> out(3, std::vector<std::uint16_t>(index.size()));
  const std::size_t n = p.lut[0].size();
  for (std::size_t i = 0; i < index.size(); ++i) {
    std::size_t k = index[i] < p.first ? 0 : std::min<std::size_t>(index[i] - p.first, n - 1);
    for (int c = 0; c < 3; ++c) out[c][i] = p.lut[c][k];
  }
  return out;
}

const char* lossy_method(const std::string& ts) {
  if (ts.rfind("1.2.840.10008.1.2.4.5", 0) == 0) return "ISO_10918_1";
  if (ts == "1.2.840.10008.1.2.4.81") return "ISO_14495_1";
  if (ts == "1.2.840.10008.1.2.4.91" || ts.rfind("1.2.840.10008.1.2.4.20", 0) == 0) return "ISO_15444_1";
  return nullptr;
}

// Image Type (0008,0008): SCREEN SAVE anywhere, and whether the second value says SECONDARY.
bool is_screen_save(const std::vector<std::string>& type) {
  return std::any_of(type.begin(), type.end(), [](const std::string& v) { return v == "SCREEN SAVE" || v == "SCREEN_SAVE"; });
}
bool is_secondary(const std::vector<std::string>& type) { return type.size() > 1 && type[1] == "SECONDARY"; }

}  // namespace

bool is_cover_page(const DicomFile& f, const TextScanTable& scan) {
  const Dataset& ds = f.dataset;
  const std::string sop_class = str(ds, Tag(0x0008, 0x0016));
  const std::string modality = str(ds, Tag(0x0008, 0x0060));
  if (profile::sop_category(sop_class) == "secondary_capture") return true;
  const auto type = values(ds, Tag(0x0008, 0x0008));
  if (is_screen_save(type) || modality == "DOC") return true;
  if (is_secondary(type) && (modality == "OT" || str(ds, Tag(0x0028, 0x0301)) == "YES")) return true;
  // Conversion Type: converted images have it, but so does every RT Image (Type 2 there), whose
  // edge pixels are dose data, and some mammograms: an acquisition is never a cover page.
  // Only where the table scans everything (captures, photographs) does it mark a cover page.
  if (!ds.find(Tag(0x0008, 0x0064))) return false;
  const TextScan row = scan.lookup(sop_class, modality);
  return row == TextScan::always || row == TextScan::photo;
}

PixelPlan plan_pixels(const DicomFile& f, const PixelPolicy& policy) {
  const Dataset& ds = f.dataset;
  PixelPlan p;
  if (!ds.find(tags::pixel_data)) {
    if (ds.find(Tag(0x7FE0, 0x0008)) || ds.find(Tag(0x7FE0, 0x0009))) {
      p.kind = PixelPlan::Kind::withhold;
      p.reason = "float pixel data: the pixel path does not clean it";
    }
    return p;
  }
  const std::string sop_class = str(ds, Tag(0x0008, 0x0016));
  const std::string modality = str(ds, Tag(0x0008, 0x0060));
  const std::string category(profile::sop_category(sop_class));
  const std::string burned = str(ds, Tag(0x0028, 0x0301));
  const std::string burned_said = burned.empty() ? "absent" : burned;
  const TextScan scan = policy.scan.lookup(sop_class, modality);
  const RegionRule* rule = policy.rules.match(f);
  auto withhold = [&](std::string kind, std::string why) {
    p.kind = PixelPlan::Kind::withhold;
    p.kind_of_instance = std::move(kind);
    p.reason = std::move(why);
    return p;
  };
  if (rule) {
    p.regions = rule->regions;
    p.reason = fmt::format("region rule '{}'", rule->name);
  }
  auto cleaned = [&](std::string kind, std::string what) {
    p.kind = PixelPlan::Kind::clean;
    p.kind_of_instance = std::move(kind);
    p.reason = p.reason.empty() ? what : what.empty() ? p.reason : p.reason + "; " + what;
    return p;
  };
  const std::string kind = category == "ultrasound" ? "ultrasound" : modality.empty() ? "image" : modality + " image";
  if (category == "video")  // no codec here decodes MPEG-2/4 or HEVC frames to scan them
    return burned == "NO" && !rule && scan == TextScan::never ? p : withhold("video", "video: frames cannot be decoded and cleaned here");
  if (is_cover_page(f, policy.scan)) {
    if (!policy.clean_cover_pages) return withhold("cover page", "cover page (screenshot or scanned form): the policy withholds them");
    p.detect_text = true;
    p.identifiers_only = policy.cover_text == PixelPolicy::CoverText::identifiers;
    return cleaned("cover page", p.identifiers_only ? "lines naming the patient blanked (OCR)" : "all text detected in every frame blanked");
  }
  if (category == "ultrasound") {
    p.keep = ultrasound_regions(f);
    if (!p.keep.empty())
      return cleaned("ultrasound", fmt::format("everything outside {} ultrasound data region(s) blanked, lines naming the patient inside (OCR)", p.keep.size()));
  }
  if (scan == TextScan::photo) {
    if (burned == "NO" && !rule) return p;
    return withhold("visible light photo", fmt::format("visible light photo with Burned In Annotation {}: faces are not cleaned here", burned_said));
  }
  if (rule) return cleaned(category.empty() ? "image" : category, "");
  const auto type = values(ds, Tag(0x0008, 0x0008));
  if (scan == TextScan::always || (scan == TextScan::screens && (burned == "YES" || is_screen_save(type) || is_secondary(type)))) {
    p.detect_text = true;
    p.acquisition = true;
    return cleaned(kind, fmt::format("Burned In Annotation {} not trusted for {}: all text detected in every frame blanked", burned_said,
                                     modality.empty() ? "this class" : modality));
  }
  if (burned == "YES") return withhold(kind, "Burned In Annotation is YES and no region rule matches this device");
  return p;
}

Result<PixelResult> clean_pixels(DicomFile& file, const PixelPlan& plan, const PixelPolicy& policy, const phi::Detector& ids) {
  PixelResult r;
  const std::string input_ts = trim_value(file.transfer_syntax_uid);
  auto layout = layout_of(file.dataset, file.encoding.big_endian, policy.max_decoded_bytes);
  if (!layout) return std::move(layout).error();
  if (std::uint64_t(layout->rows) * layout->cols > policy.max_frame_pixels)
    return Error{ErrorCode::limit_exceeded, {}, 0, "(7FE0,0010)",
                 fmt::format("frames of {}x{} pixels are over the {} the text path reads", layout->cols, layout->rows, policy.max_frame_pixels)};
  auto media = media::api();  // codecs and OCR: loaded on the first instance that needs them
  if (!media) return std::move(media).error();
  const media::Api& m = **media;
  auto img = m.decode(file, *layout);
  if (!img) return std::move(img).error();
  const bool palette = img->layout.photometric == "PALETTE COLOR";
  const Palette lut = palette ? palette_of(file) : Palette{};
  const bool by_colour = palette && lut.usable();
  std::uint32_t frame = 0;
  FrameText how;
  how.blank_all = plan.detect_text && !plan.identifiers_only;
  how.blank_identifying = !plan.keep.empty() || (plan.detect_text && plan.identifiers_only);
  how.read_back = policy.ocr_check;
  how.planes_of = [&] {
    auto p = planes(*img, frame);
    return by_colour ? colour_planes(p[0], lut) : p;
  };
  how.bits = by_colour ? 16 : img->layout.bits_stored;
  how.palette_indices = palette && !by_colour;
  how.black = palette ? darkest_index(lut) : 0;
  how.detector = plan.acquisition ? DetectorSettings::for_acquisitions() : policy.detector;
  how.deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(policy.ocr_seconds));
  how.limit_seconds = policy.ocr_seconds;
  bool changed = false;
  for (; frame < img->layout.frames; ++frame) {
    if (!plan.keep.empty()) changed |= fill_outside(*img, frame, plan.keep, how.black);
    for (const Rect& reg : plan.regions) changed |= fill(*img, frame, reg, how.black);
    auto text = clean_frame_text(*img, frame, how, ids, m.read_lines);
    if (!text) return std::move(text).error();
    for (const std::vector<Rect>* list : std::initializer_list<const std::vector<Rect>*>{&plan.regions, &text->boxes})
      for (const Rect& b : *list)
        if (r.boxes.size() < PixelResult::kMaxBoxes) r.boxes.emplace_back(frame, b.clipped(int(img->layout.cols), int(img->layout.rows)));
    if (text->legible)
      return Error{ErrorCode::bad_structure, {}, 0, "(7FE0,0010)", fmt::format("an identifier is still legible in frame {} after cleaning", frame + 1)};
    r.text_boxes += text->blanked;
    changed |= text->changed;
  }
  r.frames = img->layout.frames;
  Dataset& ds = file.dataset;
  ds.set_string(Tag(0x0028, 0x0301), vrs::CS, "NO");  // searched (and read back): nothing identifying is left
  if (!changed) {
    // Nothing painted: the input's Pixel Data goes out bit for bit in its own transfer syntax, with
    // no second lossy generation or codec round trip.
    r.syntax = input_ts;
    r.summary = fmt::format("{}: {}; {} frame(s) searched, nothing to blank, {}pixel data unchanged", plan.kind_of_instance, plan.reason,
                            r.frames, policy.ocr_check ? "read back by OCR, " : "");
    return r;
  }
  r.syntax = output_syntax(input_ts);
  const auto* in_info = dict::transfer_syntax(input_ts);
  const auto* out_info = dict::transfer_syntax(r.syntax);
  if (in_info && in_info->encapsulated && out_info && !out_info->encapsulated) to_rgb(*img);  // decoded YBR: viewers render native RGB
  if (auto st = m.encode(file, *img, r.syntax); !st) return std::move(st).error();
  if (const char* method = lossy_method(input_ts)) {  // the pixels went through lossy compression once: say so
    ds.set_string(Tag(0x0028, 0x2110), vrs::CS, "01");
    if (!ds.find(Tag(0x0028, 0x2114))) ds.set_string(Tag(0x0028, 0x2114), vrs::CS, method);
  }
  r.summary = fmt::format("{}: {}; {} frame(s), {} text line(s) blanked, {}written as {}", plan.kind_of_instance, plan.reason, r.frames,
                          r.text_boxes, policy.ocr_check ? "read back by OCR, " : "", r.syntax);
  return r;
}

}  // namespace dicomscrub::pixel
