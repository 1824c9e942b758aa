// lib/verify/verifier.cpp — see verifier.hpp.
#include "verify/verifier.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "charset/charset.hpp"
#include "core/text.hpp"

namespace dicomscrub::verify {
namespace {

using detail::lower_ascii;
using detail::trim_value;

using phi::decoded;

// Values above this stay unread and withhold the output (no kept non-pixel value is this large).
constexpr std::uint32_t kMaxLoaded = 64u << 20;

bool all_zero(Bytes b) {
  for (std::uint8_t c : b)
    if (c != 0) return false;
  return true;
}

struct Scanner {
  const phi::Detector& detector;
  const std::set<std::string>& kept;
  std::vector<Finding>& findings;

  std::string where;  // scratch: the path of the element being looked at

  void add(const std::string& prefix, Tag tag, phi::Kind kind) {
    std::string at = prefix + tag.str();
    if (!kept.count(at)) findings.push_back({std::move(at), kind});
  }

  // A value the walk kept on purpose or made itself: any finding there would be dropped, so it is
  // not read at all (the one pass: what the walk knows, the check does not derive again).
  bool is_kept(const std::string& prefix, Tag tag) {
    if (kept.empty()) return false;
    where.assign(prefix);
    where += tag.str();
    return kept.count(where) != 0;
  }

  void bytes(const std::string& prefix, Tag tag, Bytes b, const std::vector<std::string>& cs, bool patterns = true) {
    if (all_zero(b)) return;  // NULs spell nothing in any reading
    phi::Kind kind;
    if (detector.any_in_bytes(b, cs, &kind, patterns)) add(prefix, tag, kind);
  }

  void dataset(const Dataset& ds, const std::string& prefix, const std::vector<std::string>& inherited) {
    auto cs = charset::terms_of(ds, inherited);
    for (const auto& e : ds.elements()) {
      if (e.form == ElementForm::sequence) {
        const std::string path = prefix + e.tag.str();
        for (std::size_t i = 0; i < e.items.size(); ++i) dataset(e.items[i].dataset, fmt::format("{}[{}]/", path, i), cs);
        continue;
      }
      if (is_kept(prefix, e.tag)) continue;
      if (e.form == ElementForm::encapsulated) {
        // Codestreams can carry text (JPEG COM, JP2 XML boxes): their bytes are searched too.
        for (const auto& frag : e.fragments)
          if (auto b = frag.value.bytes(); b && !b->empty()) bytes(prefix, e.tag, *b, cs, false);
        continue;
      }
      // Native pixels of the instance: burned-in text is lib/pixel's. Pixel Data inside an item (an
      // icon, or one planted in a Referenced Image item) is read for the instance's own identifiers
      // like a codestream fragment (its printable runs are long enough to look like an e-mail address).
      if (e.tag == tags::pixel_data && prefix.empty()) continue;
      const bool nested_pixels = e.tag == tags::pixel_data;
      auto b = e.value.bytes();
      std::vector<std::uint8_t> loaded;  // a large value left in the file: read it to look at it
      if (!b && e.length != kUndefinedLength && e.length <= kMaxLoaded) {
        auto l = e.value.load();
        if (!l) { add(prefix, e.tag, phi::Kind::unchecked); continue; }  // cannot vouch for it
        loaded = std::move(l).value();
        b = Bytes(loaded.data(), loaded.size());
      }
      if (!b) { add(prefix, e.tag, phi::Kind::unchecked); continue; }  // too large to look at: fail closed
      if (b->empty()) continue;
      if (is_string_vr(e.vr)) {
        const std::string text = charset::decode(*b, cs, e.vr);
        const phi::Context ctx = phi::context_of(ds, e, text);
        auto found = detector.find(text, ctx);
        if (!found.empty()) add(prefix, e.tag, found.front().kind);
        else if (auto k = detector.find_in_other_readings(*b, text, ctx)) { add(prefix, e.tag, *k); continue; }
        // A NUL inside a string is no character of its VR, but bytes around it can be: UTF-16
        // in a text value reads "Q\0U\0..." as no word (fuzz_deid hid the patient's name in
        // Patient Comments so). Such a value is also read as binary, for the instance's own identifiers.
        std::size_t end = b->size();
        while (end > 0 && ((*b)[end - 1] == 0 || (*b)[end - 1] == ' ')) --end;
        if (found.empty() && std::find(b->begin(), b->begin() + std::ptrdiff_t(end), std::uint8_t(0)) != b->begin() + std::ptrdiff_t(end))
          bytes(prefix, e.tag, *b, cs, false);
      } else {
        bytes(prefix, e.tag, *b, cs, !nested_pixels);
      }
    }
  }
};

void sort_unique(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) { return std::tie(a.where, a.kind) < std::tie(b.where, b.kind); });
  findings.erase(std::unique(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) { return a.where == b.where && a.kind == b.kind; }), findings.end());
}

}  // namespace

std::vector<Finding> scan(const DicomFile& file, const phi::Detector& detector, const std::set<std::string>& kept) {
  std::vector<Finding> findings;
  Scanner s{detector, kept, findings, {}};
  if (file.has_preamble && !all_zero(Bytes(file.preamble.data(), file.preamble.size()))) {
    phi::Kind kind;
    if (detector.any_in_bytes(Bytes(file.preamble.data(), file.preamble.size()), {}, &kind)) findings.push_back({"preamble", kind});
  }
  s.dataset(file.meta, "", {});
  s.dataset(file.dataset, "", {});
  sort_unique(findings);
  return findings;
}

std::vector<Finding> scan_standalone(const DicomFile& file) {
  std::vector<Finding> findings;
  const Dataset& ds = file.dataset;
  auto is_blank = [](const std::string& v) { std::string l = lower_ascii(trim_value(v)); return l.empty() || l == "anonymized" || l == "anonymous"; };
  auto cs = charset::terms_of(ds, {});
  // The identifying attributes themselves still hold something.
  for (auto [tag, kind] : {std::pair{Tag(0x0010, 0x0010), phi::Kind::patient_name}, {Tag(0x0010, 0x0030), phi::Kind::birth_date},
                           {Tag(0x0010, 0x1040), phi::Kind::address}, {Tag(0x0010, 0x2154), phi::Kind::phone},
                           {Tag(0x0010, 0x1001), phi::Kind::patient_name}}) {
    const Element* e = ds.find(tag);
    if (e && e->form == ElementForm::value && !is_blank(decoded(*e, cs)) && !(tag == Tag(0x0010, 0x0030) && trim_value(decoded(*e, cs)) == "19000101"))
      findings.push_back({tag.str(), kind});
  }
  const bool marked = trim_value(ds.get_string(Tag(0x0012, 0x0062)).value_or("")) == "YES";
  // Not marked de-identified: its own identifiers count wherever else they appear. Marked: only
  // what is identifying whatever the instance (patterns, the lexicon) counts.
  phi::Detector detector = marked ? phi::Detector({}, {}) : phi::Detector(phi::collect(ds, {}), {});
  std::set<std::string> own = {"(0010,0010)", "(0010,0020)", "(0010,0030)", "(0010,1040)", "(0010,2154)", "(0010,1001)"};
  for (auto& f : scan(file, detector, own)) findings.push_back(f);
  if (!marked)
    if (const Element* id = ds.find(Tag(0x0010, 0x0020)); id && !is_blank(decoded(*id, cs))) findings.push_back({"(0010,0020)", phi::Kind::patient_id});
  sort_unique(findings);
  return findings;
}

}  // namespace dicomscrub::verify
