// lib/image/region_rules.hpp — rules that say where a device burns text into its images: a
// condition on header values, then rectangles to blank. The default set is RSNA CTP's signature
// library converted by tools/gen_pixel_rules.py (data/pixel_rules.json, compiled in); a site adds
// its own file in the same format, tried first. Evaluates conditions only; never paints.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dicomscrub/dataset.hpp"
#include "dicomscrub/error.hpp"
#include "image/image.hpp"

namespace dicomscrub::pixel {

struct Condition;

struct RegionRule {
  std::string name;
  std::string source;                  // provenance, for the audit
  std::shared_ptr<const Condition> when;
  std::vector<Rect> regions;
};

class RegionRules {
 public:
  static Result<RegionRules> builtin();  // data/pixel_rules.json, compiled to tables at build time
  static Result<RegionRules> from_json(std::string_view text, const std::string& origin);
  static Result<RegionRules> from_file(const std::string& path);

  // The first rule whose condition holds for the input file, or nullptr. Values are read from the
  // data set (top level first, then the first occurrence in any item) and, for group 0002, the
  // File Meta; binary numbers (Rows, Columns) compare as their decimal text.
  const RegionRule* match(const DicomFile& file) const;
  // Rules of `first` are tried before ours.
  void prepend(RegionRules first);
  std::size_t size() const { return rules_.size(); }
  // Every rule as one line (name | source | condition | regions): what tests compare.
  std::string describe() const;

 private:
  std::vector<RegionRule> rules_;
};

}  // namespace dicomscrub::pixel
