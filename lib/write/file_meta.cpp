// lib/write/file_meta.cpp — rebuild the File Meta Information of an output file so it tells the
// truth about the data set (SOP class/instance, transfer syntax) and about who wrote it.
#include <vector>

#include "dicomscrub/writer.hpp"

namespace dicomscrub {

void rebuild_file_meta(DicomFile& file) {
  Dataset& m = file.meta;
  if (!file.has_preamble) {
    file.has_preamble = file.has_magic = true;
    file.preamble.fill(0);
  }
  m.set(Tag(0x0002, 0x0000), vrs::UL, {0, 0, 0, 0});  // recomputed by the writer: the set is modified
  m.set(Tag(0x0002, 0x0001), vrs::OB, {0x00, 0x01});
  if (auto v = file.dataset.get_string(Tag(0x0008, 0x0016))) m.set_string(Tag(0x0002, 0x0002), vrs::UI, *v);
  if (auto v = file.dataset.get_string(Tag(0x0008, 0x0018))) m.set_string(Tag(0x0002, 0x0003), vrs::UI, *v);
  std::string ts = file.transfer_syntax_uid;
  if (ts.empty() || file.encoding_detected) {
    ts = file.encoding.big_endian ? "1.2.840.10008.1.2.2" : file.encoding.explicit_vr ? "1.2.840.10008.1.2.1" : "1.2.840.10008.1.2";
    file.transfer_syntax_uid = ts;
  }
  m.set_string(tags::transfer_syntax_uid, vrs::UI, ts);
  m.set_string(Tag(0x0002, 0x0012), vrs::UI, kImplementationClassUid);
  m.set_string(Tag(0x0002, 0x0013), vrs::SH, kImplementationVersionName);
  // Who sent it, and where it came from, identify a site: a de-identified file does not say.
  m.remove(Tag(0x0002, 0x0016));
  m.remove(Tag(0x0002, 0x0017));
  m.remove(Tag(0x0002, 0x0018));
  // Private Information is whatever the sender put there: it leaves with the rest of the input.
  m.remove(Tag(0x0002, 0x0100));
  m.remove(Tag(0x0002, 0x0102));
  // Anything else in group 0002 that PS3.10 does not define is not ours to pass on either.
  std::vector<Tag> extra;
  for (const auto& e : m.elements())
    if (e.tag.element > 0x0018 || (e.tag.element > 0x0003 && e.tag.element < 0x0010) || e.tag.element == 0x0011 || e.tag.element == 0x0014 || e.tag.element == 0x0015)
      extra.push_back(e.tag);
  for (Tag t : extra) m.remove(t);
}

}  // namespace dicomscrub
