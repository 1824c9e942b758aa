// lib/media/module.cpp — the entry point of libdicomscrub_media.so (see media.hpp): the one symbol
// it exports hands out the table of its functions.
#include <string>

#include "media/media.hpp"
#include "media/codec.hpp"
#include "media/ocr.hpp"
#include "media/pdf_cleaner.hpp"

namespace {

// A one-page PDF with Helvetica text beside an image: cleaning it renders the page (fontconfig's
// configuration and caches, the font files), reads it back with Tesseract (its model, its
// debug_file) and runs qpdf, so everything those libraries open lazily is opened now.
std::vector<std::uint8_t> warm_up_pdf() {
  const std::string content = "BT /F1 14 Tf 8 40 Td (Warm up) Tj ET q 16 0 0 16 110 8 cm /Im1 Do Q";
  const std::string objects[] = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 144 72] /Resources << /Font << /F1 4 0 R >> /XObject << /Im1 5 0 R >> >> "
      "/Contents 6 0 R >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
      "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /ASCIIHexDecode "
      "/Length 9 >>\nstream\n00FFFF00>\nendstream",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
  };
  std::string pdf = "%PDF-1.4\n";
  std::string xref = "xref\n0 7\n0000000000 65535 f \n";
  int n = 0;
  for (const auto& o : objects) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", pdf.size());
    xref += line;
    pdf += std::to_string(++n) + " 0 obj\n" + o + "\nendobj\n";
  }
  const std::size_t at = pdf.size();
  pdf += xref + "trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n" + std::to_string(at) + "\n%%EOF\n";
  return {pdf.begin(), pdf.end()};
}

void prepare(unsigned what) {
  if (what & dicomscrub::media::kPrepareOcr) dicomscrub::pixel::open_ocr_log();
  if (!(what & dicomscrub::media::kPreparePdf)) return;
  const auto pdf = warm_up_pdf();
  (void)dicomscrub::document::clean_pdf(dicomscrub::Bytes(pdf.data(), pdf.size()), dicomscrub::phi::Detector{}, {});
}

const dicomscrub::media::Api kApi = {
    dicomscrub::media::kApiVersion,
    dicomscrub::media::compiler_id(),
    dicomscrub::media::layout_id(),
    &dicomscrub::pixel::decode,
    &dicomscrub::pixel::encode,
    &dicomscrub::pixel::read_lines,
    &dicomscrub::document::clean_pdf,
    &prepare,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const dicomscrub::media::Api* dicomscrub_media_api_v1() { return &kApi; }
