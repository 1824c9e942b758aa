// lib/verify/kept_text.cpp — see kept_text.hpp.
#include "verify/kept_text.hpp"

#include <functional>
#include <regex>

#include "charset/charset.hpp"
#include "core/text.hpp"
#include "phi/fold.hpp"
#include "profile/profile.hpp"

namespace dicomscrub::deid {
namespace {

using detail::join_values;
using detail::split_value;
using detail::trim_value;

// Values of the attributes Retain Device Identity keeps (E.1-1: Device Serial Number, Detector
// ID, Station Name, ...), at any depth: vendors repeat them in free-text descriptions
// ("SN=L03-02246;ctx=contact" in Detector Description).
phi::InstanceIdentifiers device_identity(const Dataset& input) {
  phi::InstanceIdentifiers ids;
  std::function<void(const Dataset&, const std::vector<std::string>&)> walk = [&](const Dataset& d, const std::vector<std::string>& inh) {
    auto cs = charset::terms_of(d, inh);
    for (const auto& e : d.elements()) {
      for (const auto& item : e.items) walk(item.dataset, cs);
      if (e.form != ElementForm::value || !is_string_vr(e.vr) || !profile::is_device_identity(e.tag)) continue;
      for (auto& v : split_value(phi::decoded(e, cs), '\\')) {
        std::string f = phi::fold(trim_value(v));
        if (f.size() < 4) continue;
        phi::InstanceIdentifiers::Id id{f, phi::letters_and_digits(f), true, false};
        for (char c : f)
          if (!(c >= '0' && c <= '9')) id.digits_only = false;
        ids.ids.push_back(std::move(id));
      }
    }
  };
  walk(input, {});
  return ids;
}

}  // namespace

KeptTextCheck::KeptTextCheck(const Dataset& input, const phi::Detector& detector, bool device_retained)
    : detector_(detector), device_(device_retained ? phi::Detector() : phi::Detector(device_identity(input), {})),
      device_retained_(device_retained) {}

bool KeptTextCheck::identifies_someone(const Element& e, const std::vector<std::string>& cs) const {
  auto bytes = e.value.load();
  if (!bytes) return true;  // unreadable: cannot be vouched for
  const std::string utf8 = charset::decode(Bytes(bytes->data(), bytes->size()), cs, e.vr);
  if (!device_retained_) {
    // A serial number announced as such, whoever's device it is.
    static const std::regex serial(R"((^|[^A-Za-z])(S/?N|SERIAL( ?(NO|NUMBER|#))?)\s*[:=#]\s*[A-Za-z0-9-]{3,})", std::regex::icase);
    if (std::regex_search(utf8, serial)) return true;
  }
  // Exactly the residual check's question (a CodeMeaning's siblings are not at hand here: the
  // stricter reading, as free text).
  const phi::Context ctx = phi::context_for(e.tag, e.vr);
  const Bytes raw(bytes->data(), bytes->size());
  return !detector_.find(utf8, ctx).empty() || detector_.find_in_other_readings(raw, utf8, ctx) ||
         (!device_retained_ && (!device_.find(utf8, ctx).empty() || device_.find_in_other_readings(raw, utf8, ctx)));
}

}  // namespace dicomscrub::deid
