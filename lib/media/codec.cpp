// lib/media/codec.cpp — decode and encode pixel data (see codec.hpp); built into the media module
// (lib/media), the only part of the library that links GDCM. GDCM is used as a codec
// library only: we hand it the image description and the fragments, never a whole file, so the
// rest of the data set keeps going through our own exact writer.
#include "media/codec.hpp"

#include <cstring>
#include <exception>

#include <fmt/format.h>

#include <gdcmDataElement.h>
#include <gdcmFragment.h>
#include <gdcmImage.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmTrace.h>

#include "core/bytes.hpp"
#include "core/text.hpp"
#include "dict/dictionary.hpp"
#include "image/native_pixels.hpp"

namespace dicomscrub::pixel {

namespace {

constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";

Error codec_error(std::string why) { return Error{ErrorCode::unsupported, {}, 0, "(7FE0,0010)", std::move(why)}; }

// GDCM filters hold their input through an intrusive SmartPointer and delete it when done, so an
// input image must live on the heap under a SmartPointer, never on the stack.
void describe(gdcm::Image& img, const Layout& l, const std::string& ts) {
  img.SetNumberOfDimensions(l.frames > 1 ? 3 : 2);
  img.SetDimension(0, l.cols);
  img.SetDimension(1, l.rows);
  if (l.frames > 1) img.SetDimension(2, l.frames);
  img.SetPixelFormat(gdcm::PixelFormat(l.samples, l.bits_allocated, l.bits_stored, l.high_bit, l.is_signed ? 1 : 0));
  img.SetPhotometricInterpretation(gdcm::PhotometricInterpretation(gdcm::PhotometricInterpretation::GetPIType(l.photometric.c_str())));
  img.SetPlanarConfiguration(l.planar);
  img.SetTransferSyntax(gdcm::TransferSyntax(gdcm::TransferSyntax::GetTSType(ts.c_str())));
}

// Runs GDCM's transfer-syntax change; GDCM reports failure by return value and, on some corrupt
// streams, by exception: both become an Error.
template <typename Use>
Status change_syntax(const gdcm::Image& in, gdcm::TransferSyntax::TSType to, Use&& use) {
  // GDCM would print its warnings on our stderr; failures reach us as return values instead.
  static const bool quiet = [] { gdcm::Trace::SetWarning(false); gdcm::Trace::SetError(false); gdcm::Trace::SetDebug(false); return true; }();
  (void)quiet;
  try {
    gdcm::ImageChangeTransferSyntax change;
    change.SetTransferSyntax(gdcm::TransferSyntax(to));
    change.SetInput(in);
    if (!change.Change()) return codec_error("GDCM could not convert the pixel data");
    return use(change.GetOutput());
  } catch (const std::exception& ex) {
    return codec_error(fmt::format("GDCM failed on the pixel data: {}", ex.what()));
  }
}

}  // namespace

Result<Decoded> decode(const DicomFile& file, const Layout& declared) {
  const Element* e = file.dataset.find(tags::pixel_data);
  if (!e) return codec_error("no Pixel Data");
  if (e->form == ElementForm::value) return decode_native(file, declared);
  if (e->form != ElementForm::encapsulated || e->fragments.empty()) return codec_error("Pixel Data is neither native nor encapsulated");
  Decoded out;
  out.layout = declared;
  const std::string ts = detail::trim_value(file.transfer_syntax_uid);
  gdcm::SmartPointer<gdcm::Image> in = new gdcm::Image;
  describe(*in, declared, ts);
  if (in->GetTransferSyntax() == gdcm::TransferSyntax::TS_END)
    return codec_error(fmt::format("transfer syntax {} has no codec here", ts));
  gdcm::SmartPointer<gdcm::SequenceOfFragments> sq = new gdcm::SequenceOfFragments;
  for (std::size_t i = 0; i < e->fragments.size(); ++i) {
    auto b = e->fragments[i].value.load();  // GDCM copies the bytes
    if (!b) return std::move(b).error();
    const char* p = reinterpret_cast<const char*>(b->data());
    const gdcm::VL len(std::uint32_t(b->size()));
    if (i == 0) { sq->GetTable().SetByteValue(p, len); continue; }
    gdcm::Fragment frag;
    frag.SetByteValue(p, len);
    sq->AddFragment(frag);
  }
  gdcm::DataElement de(gdcm::Tag(0x7FE0, 0x0010));
  de.SetVR(gdcm::VR::OB);
  de.SetValue(*sq);
  in->SetDataElement(de);
  auto st = change_syntax(*in, gdcm::TransferSyntax::ExplicitVRLittleEndian, [&](const gdcm::Image& raw) -> Status {
    const gdcm::ByteValue* bv = raw.GetDataElement().GetByteValue();
    if (!bv) return codec_error("GDCM returned no pixel bytes");
    out.layout.photometric = detail::trim_value(gdcm::PhotometricInterpretation::GetPIString(raw.GetPhotometricInterpretation()));
    out.layout.planar = std::uint16_t(raw.GetPlanarConfiguration());
    const gdcm::PixelFormat& pf = raw.GetPixelFormat();
    out.layout.samples = pf.GetSamplesPerPixel();
    if (pf.GetBitsAllocated() != declared.bits_allocated || bv->GetLength() < out.layout.total_bytes())
      return codec_error(fmt::format("decoded pixel data ({} bytes, {} bits) does not match the declared layout",
                                     std::uint32_t(bv->GetLength()), pf.GetBitsAllocated()));
    out.data.assign(bv->GetPointer(), bv->GetPointer() + out.layout.total_bytes());
    return Ok{};
  });
  if (!st) return std::move(st).error();
  return out;
}

Status encode(DicomFile& file, const Decoded& img, const std::string& syntax) {
  Element* e = file.dataset.find(tags::pixel_data);
  if (!e) return codec_error("no Pixel Data");
  if (is_native_syntax(syntax)) return encode_native(file, img, syntax);
  const Layout& l = img.layout;
  gdcm::SmartPointer<gdcm::Image> raw = new gdcm::Image;
  describe(*raw, l, kExplicitLE);
  gdcm::DataElement de(gdcm::Tag(0x7FE0, 0x0010));
  de.SetVR(l.bits_allocated == 16 ? gdcm::VR::OW : gdcm::VR::OB);
  de.SetByteValue(reinterpret_cast<const char*>(img.data.data()), gdcm::VL(std::uint32_t(img.data.size())));
  raw->SetDataElement(de);
  Element out;
  Layout encoded = l;
  auto st = change_syntax(*raw, gdcm::TransferSyntax::GetTSType(syntax.c_str()), [&](const gdcm::Image& enc) -> Status {
    const gdcm::SequenceOfFragments* sf = enc.GetDataElement().GetSequenceOfFragments();
    if (!sf || sf->GetNumberOfFragments() == 0) return codec_error("GDCM produced no fragments");
    out.tag = tags::pixel_data;
    out.vr = vrs::OB;
    out.form = ElementForm::encapsulated;
    out.length = kUndefinedLength;
    out.fragments.push_back(Fragment{0, Value::owned({})});  // an empty Basic Offset Table
    for (std::size_t i = 0; i < sf->GetNumberOfFragments(); ++i) {
      const gdcm::ByteValue* fb = sf->GetFragment(i).GetByteValue();
      if (!fb) return codec_error("GDCM produced an empty fragment");
      std::vector<std::uint8_t> bytes(fb->GetPointer(), fb->GetPointer() + fb->GetLength());
      if (bytes.size() % 2) bytes.push_back(0);
      out.fragments.push_back(Fragment{0, Value::owned(std::move(bytes))});
    }
    encoded.photometric = detail::trim_value(gdcm::PhotometricInterpretation::GetPIString(enc.GetPhotometricInterpretation()));
    encoded.planar = std::uint16_t(enc.GetPlanarConfiguration());
    return Ok{};
  });
  if (!st) return std::move(st).error();
  *e = std::move(out);
  write_as_explicit_le(file, syntax);
  set_image_form(file.dataset, encoded.photometric, l.samples, encoded.planar, false);
  return Ok{};
}

}  // namespace dicomscrub::pixel
