// lib/image/native_pixels.cpp — see native_pixels.hpp (moved here from lib/media/codec.cpp).
#include "image/native_pixels.hpp"

#include <utility>

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"

namespace dicomscrub::pixel {

namespace {

Error pixel_error(std::string why) { return Error{ErrorCode::unsupported, {}, 0, "(7FE0,0010)", std::move(why)}; }

// Native big-endian pixel data is a run of 16-bit words when it is OW (or 16-bit samples in
// implicit VR, where the dictionary says OW): 8-bit samples come in swapped pairs.
bool swaps_words(const DicomFile& file, const Element& e, std::uint16_t bits_allocated) {
  if (!file.encoding.big_endian) return false;
  return bits_allocated == 16 || e.vr == vrs::OW;
}

}  // namespace

void write_as_explicit_le(DicomFile& file, const std::string& syntax) {
  file.transfer_syntax_uid = syntax;
  file.encoding = Encoding{true, false, false};
  file.deflated_stream.reset();
}

void set_image_form(Dataset& ds, const std::string& photometric, std::uint16_t samples, std::uint16_t planar, bool big_endian) {
  ds.set_string(Tag(0x0028, 0x0004), vrs::CS, photometric);
  if (samples > 1) {
    std::vector<std::uint8_t> b(2);
    detail::store16(b.data(), planar, big_endian);
    ds.set(Tag(0x0028, 0x0006), vrs::US, std::move(b));
  }
  ds.mark_modified();
}

bool is_native_pixel_data(const DicomFile& file) {
  const Element* e = file.dataset.find(tags::pixel_data);
  return e && e->form == ElementForm::value;
}

bool is_native_syntax(const std::string& syntax) {
  const auto* info = dict::transfer_syntax(syntax);
  return info && !info->encapsulated;
}

Result<Decoded> decode_native(const DicomFile& file, const Layout& declared) {
  const Element* e = file.dataset.find(tags::pixel_data);
  if (!e) return pixel_error("no Pixel Data");
  if (e->form != ElementForm::value) return pixel_error("Pixel Data is not native");
  auto bytes = e->value.load();
  if (!bytes) return std::move(bytes).error();
  if (bytes->size() < declared.total_bytes())
    return pixel_error(fmt::format("Pixel Data holds {} bytes; the layout needs {}", bytes->size(), declared.total_bytes()));
  Decoded out;
  out.layout = declared;
  // Big endian OW holds 16-bit words even when samples are 8 bits: swap over the whole (even)
  // value before cutting it to the samples, or an odd count loses its last sample to the pad.
  std::vector<std::uint8_t> all(bytes->begin(), bytes->end());
  if (swaps_words(file, *e, declared.bits_allocated))
    for (std::size_t i = 0; i + 1 < all.size(); i += 2) std::swap(all[i], all[i + 1]);
  all.resize(std::size_t(declared.total_bytes()));
  out.data = std::move(all);
  return out;
}

Status encode_native(DicomFile& file, const Decoded& img, const std::string& syntax) {
  Element* e = file.dataset.find(tags::pixel_data);
  if (!e) return pixel_error("no Pixel Data");
  if (!is_native_syntax(syntax)) return pixel_error(fmt::format("transfer syntax {} is not native", syntax));
  const Layout& l = img.layout;
  const bool big_endian = file.encoding.big_endian;
  std::vector<std::uint8_t> bytes = img.data;
  const bool was_native = e->form == ElementForm::value;
  VR vr = was_native ? e->vr : (l.bits_allocated == 16 ? vrs::OW : vrs::OB);
  if (bytes.size() % 2) bytes.push_back(0);  // the pad goes at the end of the samples, then words are swapped
  if (big_endian && (l.bits_allocated == 16 || vr == vrs::OW))
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) std::swap(bytes[i], bytes[i + 1]);
  *e = Element{};
  e->tag = tags::pixel_data;
  e->vr = vr;
  e->length = std::uint32_t(bytes.size());
  e->value = Value::owned(std::move(bytes));
  if (!was_native) write_as_explicit_le(file, syntax);  // leaving an encapsulated syntax
  set_image_form(file.dataset, l.photometric, l.samples, l.planar, big_endian);
  return Ok{};
}

}  // namespace dicomscrub::pixel
