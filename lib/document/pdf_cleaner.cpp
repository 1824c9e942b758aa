// lib/document/pdf_cleaner.cpp — qpdf rewrites the document; poppler reads its text back (see
// pdf_cleaner.hpp). Two independent libraries: the one that writes is not the one that checks.
#include "document/pdf_cleaner.hpp"

#include <exception>
#include <memory>

#include <fmt/format.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include "document/qpdf_rewrite.hpp"

namespace dicomscrub::document {

namespace {

CleanedPdf refuse(std::string why) {
  CleanedPdf c;
  c.withhold_reason = std::move(why);
  return c;
}

// The text of every page, as poppler extracts it; nullopt when poppler cannot open the document.
std::optional<std::vector<std::string>> page_texts(const std::vector<std::uint8_t>& pdf) {
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(reinterpret_cast<const char*>(pdf.data()), int(pdf.size())));
  if (!doc || doc->is_locked()) return std::nullopt;
  std::vector<std::string> out;
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) return std::nullopt;
    auto utf8 = page->text().to_utf8();
    out.emplace_back(utf8.begin(), utf8.end());
  }
  return out;
}

}  // namespace

CleanedPdf clean_pdf(Bytes input, const deid::Identifiers& ids) {
  if (input.size() > (std::size_t(1) << 30)) return refuse("encapsulated PDF over 1 GiB");
  QpdfRewrite rewritten = qpdf_rewrite(input.data(), input.size());
  if (!rewritten.refusal.empty()) return refuse(std::move(rewritten.refusal));
  std::vector<std::uint8_t> out = std::move(rewritten.bytes);
  const std::size_t pages = rewritten.pages;
  auto texts = page_texts(out);
  if (!texts) return refuse("encapsulated PDF could not be read back after cleaning");
  for (std::size_t i = 0; i < texts->size(); ++i) {
    std::string t = (*texts)[i];
    if (deid::clean_text(t, ids))
      return refuse(fmt::format("encapsulated PDF page {} names the patient (identifiers in its text)", i + 1));
  }
  if (out.size() % 2) out.push_back(0);  // OB values have even length; PDF readers ignore trailing bytes
  CleanedPdf c;
  c.bytes = std::move(out);
  c.pages = pages;
  return c;
}

}  // namespace dicomscrub::document
