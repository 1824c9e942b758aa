// lib/deid/kept_text.cpp — see kept_text.hpp.
#include "deid/kept_text.hpp"

#include <functional>
#include <regex>

#include "charset/charset.hpp"
#include "core/text.hpp"
#include "profile/profile.hpp"

namespace dicomscrub::deid {
namespace {

using detail::join_values;
using detail::split_value;
using detail::trim_value;

// Values of the attributes Retain Device Identity keeps (E.1-1: Device Serial Number, Detector
// ID, Station Name, ...), at any depth: vendors repeat them in free-text descriptions
// ("SN=L03-02246;ctx=contact" in Detector Description).
void add_device_identity(std::vector<verify::Needle>& out, const Dataset& input) {
  std::function<void(const Dataset&, const std::vector<std::string>&)> walk = [&](const Dataset& d, const std::vector<std::string>& inh) {
    auto cs = charset::terms_of(d, inh);
    for (const auto& e : d.elements()) {
      for (const auto& item : e.items) walk(item.dataset, cs);
      if (e.form != ElementForm::value || !is_string_vr(e.vr) || !profile::is_device_identity(e.tag)) continue;
      auto b = e.value.bytes();
      if (!b) continue;
      for (auto& v : split_value(charset::decode(*b, cs, e.vr), '\\'))
        if (trim_value(v).size() >= 4) out.push_back({trim_value(v), verify::Kind::institution, true});
    }
  };
  walk(input, {});
}

}  // namespace

KeptTextCheck::KeptTextCheck(const Dataset& input, std::vector<verify::Needle> residual, bool device_retained)
    : needles_(std::move(residual)), device_retained_(device_retained) {
  if (!device_retained_) add_device_identity(needles_, input);
}

bool KeptTextCheck::identifies_someone(const Element& e, const std::vector<std::string>& cs) const {
  auto bytes = e.value.load();
  if (!bytes) return true;  // unreadable: cannot be vouched for
  if (!device_retained_) {
    // A serial number announced as such, whoever's device it is.
    static const std::regex serial(R"((^|[^A-Za-z])(S/?N|SERIAL( ?(NO|NUMBER|#))?)\s*[:=#]\s*[A-Za-z0-9-]{3,})", std::regex::icase);
    const std::string utf8 = charset::decode(Bytes(bytes->data(), bytes->size()), cs, e.vr);
    if (std::regex_search(utf8, serial)) return true;
  }
  // Exactly the residual check's search, on a data set holding only this value.
  DicomFile probe;
  if (!cs.empty()) probe.dataset.set_string(Tag(0x0008, 0x0005), vrs::CS, join_values(cs, '\\'));
  Element copy;
  copy.tag = e.tag;
  copy.vr = e.vr;
  copy.length = std::uint32_t(bytes->size());
  copy.value = Value::owned(std::move(bytes).value());
  probe.dataset.elements().push_back(std::move(copy));
  for (const auto& f : verify::scan(probe, needles_))
    if (f.where == e.tag.str()) return true;
  return false;
}

}  // namespace dicomscrub::deid
