// lib/media/qpdf_rewrite.cpp — qpdf rewrites the document (see qpdf_rewrite.hpp). C++17.
#include "media/qpdf_rewrite.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include "media/pdf_page_text.hpp"

namespace dicomscrub::document {

namespace {
QpdfRewrite refuse(std::string why) {
  QpdfRewrite r;
  r.refusal = std::move(why);
  return r;
}
// The whole document in memory, with an /ID computed from its content so reruns are identical.
std::vector<std::uint8_t> write_deterministic(QPDF& pdf) {
  QPDFWriter w(pdf);
  w.setOutputMemory();
  w.setDeterministicID(true);
  w.write();
  auto buf = w.getBufferSharedPointer();
  return std::vector<std::uint8_t>(buf->getBuffer(), buf->getBuffer() + buf->getSize());
}

// Documents come from untrusted files: qpdf's warnings stay quiet, its exceptions are caught by callers.
void open_pdf(QPDF& pdf, const char* what, const std::uint8_t* data, std::size_t size) {
  pdf.setSuppressWarnings(true);
  pdf.processMemoryFile(what, reinterpret_cast<const char*>(data), size);
}

// A page holding nothing but this image, drawn over the whole page.
QPDFPageObjectHelper image_page(QPDF& pdf, const PageImage& p) {
  QPDFObjectHandle image = pdf.newStream(std::string(p.rgb.begin(), p.rgb.end()));
  QPDFObjectHandle dict = image.getDict();
  dict.replaceKey("/Type", QPDFObjectHandle::newName("/XObject"));
  dict.replaceKey("/Subtype", QPDFObjectHandle::newName("/Image"));
  dict.replaceKey("/Width", QPDFObjectHandle::newInteger(p.width));
  dict.replaceKey("/Height", QPDFObjectHandle::newInteger(p.height));
  dict.replaceKey("/ColorSpace", QPDFObjectHandle::newName("/DeviceRGB"));
  dict.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
  char content[128];
  std::snprintf(content, sizeof content, "q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q", p.width_pt, p.height_pt);
  QPDFObjectHandle page = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Page /MediaBox [0 0 " + std::to_string(p.width_pt) + " " + std::to_string(p.height_pt) +
      "] /Resources << /XObject << >> >> >>"));
  page.getKey("/Resources").getKey("/XObject").replaceKey("/Im0", image);
  page.replaceKey("/Contents", pdf.newStream(content));
  return QPDFPageObjectHelper(page);
}

}  // namespace

QpdfRewrite qpdf_rewrite(const std::uint8_t* data, std::size_t size, const SpanFinder& find) {
  QpdfRewrite r;
  try {
    QPDF pdf;
    open_pdf(pdf, "encapsulated document", data, size);
    if (pdf.isEncrypted()) return refuse("encapsulated PDF is encrypted: its content cannot be checked");
    QPDFObjectHandle root = pdf.getRoot();
    if (root.hasKey("/AcroForm")) return refuse("encapsulated PDF has form fields: their values are not cleaned");
    if (root.hasKey("/Names")) {
      QPDFObjectHandle names = root.getKey("/Names");
      if (names.isDictionary() && (names.hasKey("/EmbeddedFiles") || names.hasKey("/JavaScript")))
        return refuse("encapsulated PDF has attachments or scripts");
    }
    pdf.getTrailer().removeKey("/Info");
    for (const char* k : {"/Metadata", "/PieceInfo", "/OpenAction", "/AA", "/SpiderInfo", "/Threads", "/Outlines"}) root.removeKey(k);
    for (auto& page : QPDFPageDocumentHelper(pdf).getAllPages()) {
      ++r.pages;
      QPDFObjectHandle h = page.getObjectHandle();
      for (const char* k : {"/Metadata", "/PieceInfo", "/Annots", "/AA", "/Thumb"}) h.removeKey(k);
    }
    PageTextReport text = clean_document_text(pdf, find, true);
    // Images inside forms and patterns count: their pixels are not read here.
    if (!text.image_pages.empty())
      r.render_reason = "encapsulated PDF page " + std::to_string(text.image_pages.front()) + " holds images (a scan?)";
    else if (!text.unmapped_pages.empty())
      r.render_reason = "encapsulated PDF page " + std::to_string(text.unmapped_pages.front()) +
                        " draws text we cannot map to characters (Type3 or unknown font encoding)";
    r.render_pages = text.image_pages;
    r.render_pages.insert(r.render_pages.end(), text.unmapped_pages.begin(), text.unmapped_pages.end());
    std::sort(r.render_pages.begin(), r.render_pages.end());
    r.render_pages.erase(std::unique(r.render_pages.begin(), r.render_pages.end()), r.render_pages.end());
    r.glyphs_removed = text.glyphs_removed;
    r.strings_emptied = text.strings_emptied;
    r.bytes = write_deterministic(pdf);
  } catch (const std::exception& ex) {
    return refuse(std::string("encapsulated PDF could not be parsed: ") + ex.what());
  }
  return r;
}

QpdfTextCheck qpdf_text_check(const std::uint8_t* data, std::size_t size, const SpanFinder& find) {
  QpdfTextCheck c;
  try {
    QPDF pdf;
    open_pdf(pdf, "cleaned document", data, size);
    PageTextReport text = clean_document_text(pdf, find, false);
    c.findings = text.findings;
    c.finding_pages = text.finding_pages;
    if (!text.unmapped_pages.empty()) c.refusal = "the cleaned PDF's text could not be read back";
    // Only what the cleaned document still reaches is in it: scripts of removed annotations are gone.
    if (text.attachments_or_scripts) c.refusal = "encapsulated PDF has attachments or scripts";
  } catch (const std::exception& ex) {
    c.refusal = std::string("the cleaned PDF could not be parsed again: ") + ex.what();
  }
  return c;
}

QpdfRewrite qpdf_from_images(const std::vector<PageImage>& pages) {
  QpdfRewrite r;
  try {
    QPDF pdf;
    pdf.emptyPDF();
    QPDFPageDocumentHelper doc(pdf);
    for (const PageImage& p : pages) {
      doc.addPage(image_page(pdf, p), false);
      ++r.pages;
    }
    r.bytes = write_deterministic(pdf);
  } catch (const std::exception& ex) {
    r = QpdfRewrite{};
    r.refusal = std::string("the cleaned pages could not be written as a PDF: ") + ex.what();
  }
  return r;
}

QpdfRewrite qpdf_replace_pages(const std::uint8_t* data, std::size_t size, const std::vector<std::pair<std::size_t, PageImage>>& pages) {
  QpdfRewrite r;
  try {
    QPDF pdf;
    open_pdf(pdf, "cleaned document", data, size);
    QPDFPageDocumentHelper doc(pdf);
    std::vector<QPDFPageObjectHelper> all = doc.getAllPages();
    for (const auto& [number, image] : pages) {
      if (number < 1 || number > all.size()) return refuse("a rendered page is not in the document");
      QPDFPageObjectHelper old = all[number - 1];
      doc.addPageAt(image_page(pdf, image), false, old);
      doc.removePage(old);
    }
    r.pages = all.size();
    r.bytes = write_deterministic(pdf);
  } catch (const std::exception& ex) {
    r = QpdfRewrite{};
    r.refusal = std::string("the cleaned pages could not be put back into the PDF: ") + ex.what();
  }
  return r;
}

}  // namespace dicomscrub::document
