// lib/document/qpdf_rewrite.cpp — qpdf rewrites the document (see qpdf_rewrite.hpp). C++17.
#include "document/qpdf_rewrite.hpp"

#include <exception>

#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>

namespace dicomscrub::document {

namespace {
QpdfRewrite refuse(std::string why) {
  QpdfRewrite r;
  r.refusal = std::move(why);
  return r;
}
}  // namespace

QpdfRewrite qpdf_rewrite(const std::uint8_t* data, std::size_t size) {
  QpdfRewrite r;
  try {
    QPDF pdf;
    pdf.setSuppressWarnings(true);
    pdf.processMemoryFile("encapsulated document", reinterpret_cast<const char*>(data), size);
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
      if (!page.getImages().empty())
        return refuse("encapsulated PDF page " + std::to_string(r.pages) + " holds images (a scan?): their text cannot be checked");
      QPDFObjectHandle h = page.getObjectHandle();
      for (const char* k : {"/Metadata", "/PieceInfo", "/Annots", "/AA", "/Thumb"}) h.removeKey(k);
    }
    QPDFWriter w(pdf);
    w.setOutputMemory();
    w.setDeterministicID(true);
    w.write();
    auto buf = w.getBufferSharedPointer();
    r.bytes.assign(buf->getBuffer(), buf->getBuffer() + buf->getSize());
  } catch (const std::exception& ex) {
    return refuse(std::string("encapsulated PDF could not be parsed: ") + ex.what());
  }
  return r;
}

}  // namespace dicomscrub::document
