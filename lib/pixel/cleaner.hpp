// lib/pixel/cleaner.hpp — burned-in PHI: decides from the input's header what its pixels need
// (nothing, blanked regions, text detection, or withholding) and carries that out through the
// codecs. Decisions are made on the input, before the header walk changes the values the rules
// look at. Instances that need nothing are never decoded, so their pixel data passes bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phi/phi.hpp"
#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"
#include "image/region_rules.hpp"
#include "image/text_detector.hpp"
#include "pixel/text_scan.hpp"

namespace dicomscrub::pixel {

struct PixelPolicy {
  bool clean_cover_pages = true;   // false: cover pages are withheld instead of cleaned
  // Cover pages: blank every text line the detector finds (all), or only the lines OCR reads as
  // naming the instance's identifiers (identifiers; keeps the rest of a report legible).
  enum class CoverText { all, identifiers } cover_text = CoverText::all;
  // Read every cleaned frame back with OCR; a legible identifier withholds the instance.
  bool ocr_check = true;
  double ocr_seconds = 120;        // OCR time per instance; past it the instance is withheld
  RegionRules rules;               // a site's rules first, then the built-in CTP set
  TextScanTable scan;              // which instances are searched for text (data/burned_in_text_scan.tsv)
  std::uint64_t max_decoded_bytes = std::uint64_t(1) << 30;  // larger instances are withheld
  // Detection and OCR work on whole frames (planes, edge maps, Tesseract's own copies): frames of
  // more pixels than this (6,000 x 6,000) are withheld rather than risk gigabytes per worker.
  std::uint64_t max_frame_pixels = 36'000'000;
  DetectorSettings detector;
};

struct PixelPlan {
  enum class Kind { untouched, clean, withhold } kind = Kind::untouched;
  std::string kind_of_instance;   // "cover page", "ultrasound", ... (for reasons and the audit)
  std::string reason;             // withhold: why; clean: what will be done
  std::vector<Rect> regions;      // blanked in every frame (a region rule)
  std::vector<Rect> keep;         // ultrasound data regions: everything else is blanked
  bool detect_text = false;       // find text in every frame and blank it
  bool identifiers_only = false;  // detect_text: blank only the lines OCR reads as identifying
  bool acquisition = false;       // detect_text on a picture (US, XA, ...): the detector's precision preset
};

struct PixelResult {
  std::uint32_t frames = 0;
  std::size_t text_boxes = 0;     // lines of text found and blanked, over all frames
  std::string syntax;             // the transfer syntax written
  std::string summary;            // for the audit: what was done, no values
  // The rectangles blanked, by frame (region rules and text lines; not the outside of ultrasound
  // data regions), at most kMaxBoxes of them: the review page outlines them on the output.
  static constexpr std::size_t kMaxBoxes = 1000;
  std::vector<std::pair<std::uint32_t, Rect>> boxes;
};

// Whether `input` is a cover page (a screenshot, scanned form or report rendered as an image).
// Classes and modalities `scan` trusts (acquisitions: CT, RT Image, ...) never are, whatever
// their Conversion Type says (RT Image has it as Type 2).
bool is_cover_page(const DicomFile& input, const TextScanTable& scan);
PixelPlan plan_pixels(const DicomFile& input, const PixelPolicy& policy);
// Carries out a `clean` plan on `file` (the de-identified data set of the same instance); on an
// error the file must be withheld.
// `ids` are the input's identifiers, for OCR matching.
Result<PixelResult> clean_pixels(DicomFile& file, const PixelPlan& plan, const PixelPolicy& policy, const phi::Detector& ids);

}  // namespace dicomscrub::pixel
