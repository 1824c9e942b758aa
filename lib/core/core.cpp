// lib/core — value types shared by every module: Tag, VR, Error, Value, Dataset edits.
// Must not parse or write streams; that is lib/parse and lib/write.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "dicomscrub/tag.hpp"

namespace dicomscrub {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::truncated: return "truncated";
    case ErrorCode::bad_length: return "bad_length";
    case ErrorCode::bad_vr: return "bad_vr";
    case ErrorCode::bad_structure: return "bad_structure";
    case ErrorCode::limit_exceeded: return "limit_exceeded";
    case ErrorCode::not_dicom: return "not_dicom";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::io: return "io";
    case ErrorCode::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

std::string Error::message() const {
  std::string out = file.empty() ? std::string("<buffer>") : file;
  out += fmt::format(": offset {}", offset);
  if (!tag_path.empty()) out += " at " + tag_path;
  out += fmt::format(": {}: {}", to_string(code), reason);
  return out;
}

std::string Tag::str() const {
  // Called for every element's tag path in the walk and the audit: no formatting library here.
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string s = "(0000,0000)";
  for (int i = 0; i < 4; ++i) {
    s[std::size_t(1 + i)] = hex[(group >> (12 - 4 * i)) & 0xF];
    s[std::size_t(6 + i)] = hex[(element >> (12 - 4 * i)) & 0xF];
  }
  return s;
}

std::string to_string(VR vr) {
  auto v = std::uint16_t(vr);
  char a = char(v >> 8), b = char(v & 0xFF);
  auto printable = [](char c) { return c >= 0x20 && c < 0x7F ? c : '?'; };
  return {printable(a), printable(b)};
}

namespace {
constexpr VR kKnown[] = {vrs::AE, vrs::AS, vrs::AT, vrs::CS, vrs::DA, vrs::DS, vrs::DT, vrs::FL, vrs::FD,
                         vrs::IS, vrs::LO, vrs::LT, vrs::OB, vrs::OD, vrs::OF, vrs::OL, vrs::OV, vrs::OW,
                         vrs::PN, vrs::SH, vrs::SL, vrs::SQ, vrs::SS, vrs::ST, vrs::SV, vrs::TM, vrs::UC,
                         vrs::UI, vrs::UL, vrs::UN, vrs::UR, vrs::US, vrs::UT, vrs::UV};
}

bool is_known_vr(VR vr) { return std::find(std::begin(kKnown), std::end(kKnown), vr) != std::end(kKnown); }

bool has_long_length(VR vr) {
  using namespace vrs;
  return vr == OB || vr == OD || vr == OF || vr == OL || vr == OV || vr == OW || vr == SQ || vr == SV ||
         vr == UC || vr == UN || vr == UR || vr == UT || vr == UV;
}

bool is_text_vr(VR vr) {
  using namespace vrs;
  return vr == SH || vr == LO || vr == ST || vr == LT || vr == UT || vr == UC || vr == PN;
}

bool is_string_vr(VR vr) {
  using namespace vrs;
  return is_text_vr(vr) || vr == AE || vr == AS || vr == CS || vr == DA || vr == DS || vr == DT || vr == IS ||
         vr == TM || vr == UI || vr == UR;
}

std::optional<Bytes> Value::bytes() const {
  if (!src_) return Bytes(owned_.data(), owned_.size());
  Bytes mem = src_->memory();
  if (mem.empty()) return length_ == 0 ? std::optional<Bytes>(Bytes()) : std::nullopt;  // left in a file
  return mem.subspan(offset_, length_);
}

Result<std::vector<std::uint8_t>> Value::load() const {
  if (auto b = bytes()) return std::vector<std::uint8_t>(b->begin(), b->end());
  std::vector<std::uint8_t> out(length_);  // length_ was checked against the source size when parsed
  if (auto st = src_->read(offset_, out); !st) return st.error();
  return out;
}

const Element* Dataset::find(Tag tag) const {
  for (const auto& e : elements_)
    if (e.tag == tag) return &e;
  return nullptr;
}

Element* Dataset::find(Tag tag) {
  for (auto& e : elements_)
    if (e.tag == tag) return &e;
  return nullptr;
}

Element& Dataset::set(Tag tag, VR vr, std::vector<std::uint8_t> bytes) {
  modified_ = true;
  Element* e = find(tag);
  if (!e) {
    auto pos = std::find_if(elements_.begin(), elements_.end(), [&](const Element& x) { return tag < x.tag; });
    e = &*elements_.insert(pos, Element{});
    e->tag = tag;
  }
  // A file may hold a tag twice (out of order; kept as read for fidelity). The tag is one
  // attribute: its other copies go, or they would keep the value this edit replaces (fuzz_reader_writer).
  const std::ptrdiff_t at = e - elements_.data();
  elements_.erase(std::remove_if(elements_.begin() + at + 1, elements_.end(), [&](const Element& x) { return x.tag == tag; }), elements_.end());
  e = &elements_[std::size_t(at)];
  e->vr = vr;
  e->form = ElementForm::value;
  e->items.clear();
  e->fragments.clear();
  e->reserved = 0;
  e->length = std::uint32_t(bytes.size());
  e->value = Value::owned(std::move(bytes));
  return *e;
}

void Dataset::set_string(Tag tag, VR vr, std::string_view text) {
  std::vector<std::uint8_t> b(text.begin(), text.end());
  if (b.size() % 2) b.push_back(vr == vrs::UI ? 0 : ' ');
  set(tag, vr, std::move(b));
}

bool Dataset::remove(Tag tag) {
  // Every copy of a tag a file holds twice: removing one would leave the attribute in the output.
  auto it = std::remove_if(elements_.begin(), elements_.end(), [&](const Element& x) { return x.tag == tag; });
  if (it == elements_.end()) return false;
  elements_.erase(it, elements_.end());
  modified_ = true;
  return true;
}

std::optional<std::string> Dataset::get_string(Tag tag) const {
  const Element* e = find(tag);
  if (!e || e->form != ElementForm::value) return std::nullopt;
  auto b = e->value.bytes();
  if (!b) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(b->data()), b->size());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == ' ') ++start;
  return s.substr(start);
}

}  // namespace dicomscrub
