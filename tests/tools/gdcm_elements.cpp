// tests/tools/gdcm_elements.cpp — GDCM's view of a file as "path<TAB>vr<TAB>length" lines, for
// the differential test. A separate process: GDCM asserts (aborts) on some broken inputs.
#include <gdcmDataSet.h>
#include <gdcmDicts.h>
#include <gdcmFile.h>
#include <gdcmGlobal.h>
#include <gdcmItem.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmSequenceOfItems.h>

#include <cstdio>
#include <string>

namespace {

std::string tag_str(const gdcm::Tag& t) {
  char b[16];
  std::snprintf(b, sizeof b, "(%04X,%04X)", t.GetGroup(), t.GetElement());
  return b;
}

std::string len_str(const gdcm::VL& vl) { return vl.IsUndefined() ? "undef" : std::to_string(std::uint32_t(vl)); }

// GDCM keeps defined-length sequences of implicit data sets as bytes until asked; ask only for
// tags the dictionary calls SQ, or GDCM would try to parse any value as items.
gdcm::SmartPointer<gdcm::SequenceOfItems> as_sequence(const gdcm::DataElement& de) {
  if (de.IsEmpty()) return nullptr;
  if (auto* sq = dynamic_cast<const gdcm::SequenceOfItems*>(&de.GetValue())) return const_cast<gdcm::SequenceOfItems*>(sq);
  if (de.GetVR() != gdcm::VR::INVALID) return nullptr;
  const gdcm::Dicts& dicts = gdcm::Global::GetInstance().GetDicts();
  if (dicts.GetDictEntry(de.GetTag()).GetVR() != gdcm::VR::SQ) return nullptr;
  return de.GetValueAsSQ();
}

void walk(const gdcm::DataSet& ds, const std::string& prefix, bool explicit_vr) {
  for (auto it = ds.Begin(); it != ds.End(); ++it) {
    const gdcm::DataElement& de = *it;
    std::string path = prefix + tag_str(de.GetTag());
    std::string vr = explicit_vr ? gdcm::VR::GetVRString(de.GetVR()) : "--";
    std::printf("%s\t%s\t%s\n", path.c_str(), vr.c_str(), len_str(de.GetVL()).c_str());
    if (const gdcm::SequenceOfFragments* sf = de.GetSequenceOfFragments()) {
      std::printf("%s{0}\tfrag\t%u\n", path.c_str(), std::uint32_t(sf->GetTable().GetVL()));
      for (unsigned i = 0; i < sf->GetNumberOfFragments(); ++i)
        std::printf("%s{%u}\tfrag\t%u\n", path.c_str(), i + 1, std::uint32_t(sf->GetFragment(i).GetVL()));
    } else if (gdcm::SmartPointer<gdcm::SequenceOfItems> sq = as_sequence(de)) {
      for (unsigned i = 1; i <= sq->GetNumberOfItems(); ++i) {
        const gdcm::Item& item = sq->GetItem(i);
        std::string ip = path + "[" + std::to_string(i - 1) + "]";
        std::printf("%s\titem\t%s\n", ip.c_str(), len_str(item.GetVL()).c_str());
        walk(item.GetNestedDataSet(), ip + "/", explicit_vr);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: gdcm_elements explicit|implicit FILE\n"); return 2; }
  gdcm::Reader reader;
  reader.SetFileName(argv[2]);
  if (!reader.Read()) return 1;
  walk(reader.GetFile().GetHeader(), "", true);
  walk(reader.GetFile().GetDataSet(), "", std::string(argv[1]) == "explicit");
  return 0;
}
