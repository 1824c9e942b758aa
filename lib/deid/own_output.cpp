// lib/deid/own_output.cpp — see own_output.hpp.
#include "deid/own_output.hpp"

#include <algorithm>
#include <cstdint>

#include "core/text.hpp"

namespace dicomscrub::deid {

using detail::split_value;
using detail::trim_value;

namespace {

constexpr std::uint64_t kMaxMarkedPixelBytes = std::uint64_t(1) << 30;

// The attributes that say how Pixel Data is read: a mark over the bytes alone would survive a
// change of Rows or Photometric Interpretation that shows them differently.
constexpr Tag kPixelShape[] = {Tag(0x0028, 0x0002), Tag(0x0028, 0x0004), Tag(0x0028, 0x0006), Tag(0x0028, 0x0008),
                               Tag(0x0028, 0x0010), Tag(0x0028, 0x0011), Tag(0x0028, 0x0100), Tag(0x0028, 0x0101),
                               Tag(0x0028, 0x0102), Tag(0x0028, 0x0103)};

bool append_value(std::string& out, const Value& v) {
  const std::uint32_t n = v.size();
  for (int shift = 0; shift < 32; shift += 8) out.push_back(char((n >> shift) & 0xFF));  // little endian on any host
  if (auto b = v.bytes()) { out.append(reinterpret_cast<const char*>(b->data()), b->size()); return true; }
  if (out.size() + n > kMaxMarkedPixelBytes) return false;
  auto loaded = v.load();
  if (!loaded) return false;
  out.append(reinterpret_cast<const char*>(loaded->data()), loaded->size());
  return true;
}

}  // namespace

bool is_own_output(const Dataset& ds, const pseudo::Pseudonymizer& p) {
  if (trim_value(ds.get_string(Tag(0x0012, 0x0062)).value_or("")) != "YES") return false;
  const std::string method = ds.get_string(Tag(0x0012, 0x0063)).value_or("");
  if (method.rfind("DICOMSCRUB ", 0) != 0) return false;
  return p.is_own_uid(trim_value(ds.get_string(Tag(0x0008, 0x0018)).value_or(""))) ||
         p.is_own_token("id", trim_value(ds.get_string(Tag(0x0010, 0x0020)).value_or("")));
}

std::string content_mark(const DicomFile& file, const pseudo::Pseudonymizer& p, std::string_view policy) {
  const Element* px = file.dataset.find(Tag(0x7FE0, 0x0010));
  const Element* doc = file.dataset.find(Tag(0x0042, 0x0011));
  if (px && px->form == ElementForm::sequence) px = nullptr;
  if (doc && doc->form != ElementForm::value) doc = nullptr;
  if (!px && !doc) return {};
  std::string shape = std::string(policy) + '|' + trim_value(file.transfer_syntax_uid);
  for (Tag t : kPixelShape) {
    const Element* e = file.dataset.find(t);
    shape += '|' + t.str() + '=';
    if (e && e->form == ElementForm::value && !append_value(shape, e->value)) return {};
  }
  std::string bytes;
  if (px && px->form == ElementForm::encapsulated) {
    for (const Fragment& f : px->fragments)
      if (!append_value(bytes, f.value)) return {};
  } else if (px && !append_value(bytes, px->value)) {
    return {};
  }
  bytes += "|document=";
  if (doc && !append_value(bytes, doc->value)) return {};
  // The shape goes into the MAC's domain, the bytes into its message.
  return std::string(kContentMarkPrefix) + p.token("content|" + shape, bytes, 26);
}

bool content_carries_own_mark(const DicomFile& file, const pseudo::Pseudonymizer& p, std::string_view policy) {
  const std::string method = file.dataset.get_string(Tag(0x0012, 0x0063)).value_or("");
  if (method.find(kContentMarkPrefix) == std::string::npos) return false;
  const std::string mark = content_mark(file, p, policy);
  if (mark.empty()) return false;
  for (const auto& v : split_value(method, '\\'))
    if (trim_value(v) == mark) return true;
  return false;
}

void drop_content_marks(Dataset& ds) {
  const Tag method_tag(0x0012, 0x0063);
  auto had = ds.get_string(method_tag);
  if (!had) return;
  std::vector<std::string> rest;
  bool dropped = false;
  for (auto& v : split_value(*had, '\\')) {
    if (trim_value(v).rfind(kContentMarkPrefix, 0) == 0) dropped = true;
    else rest.push_back(v);
  }
  if (!dropped) return;
  if (rest.empty()) { ds.remove(method_tag); return; }
  std::string joined;
  for (std::size_t i = 0; i < rest.size(); ++i) joined += (i ? "\\" : "") + rest[i];
  ds.set_string(method_tag, vrs::LO, joined);
}

std::vector<std::string> merged_method(const Dataset& ds, const std::vector<std::string>& ours) {
  std::vector<std::string> out;
  const bool new_mark = std::any_of(ours.begin(), ours.end(), [](const std::string& v) { return v.rfind(kContentMarkPrefix, 0) == 0; });
  if (auto had = ds.get_string(Tag(0x0012, 0x0063)))
    for (auto& v : split_value(*had, '\\')) {
      std::string t = trim_value(v);
      if (t.empty() || (new_mark && t.rfind(kContentMarkPrefix, 0) == 0)) continue;
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
  for (const auto& v : ours)
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  return out;
}

Element merged_method_codes(const Dataset& ds, Element ours) {
  const Element* had = ds.find(Tag(0x0012, 0x0064));
  if (!had || had->form != ElementForm::sequence) return ours;
  Element out = *had;
  auto code_of = [](const Item& i) { return trim_value(i.dataset.get_string(Tag(0x0008, 0x0100)).value_or("")); };
  for (auto& item : ours.items) {
    const std::string code = code_of(item);
    if (std::none_of(out.items.begin(), out.items.end(), [&](const Item& i) { return code_of(i) == code; }))
      out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace dicomscrub::deid
