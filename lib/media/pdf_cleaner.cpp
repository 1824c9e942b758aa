// lib/media/pdf_cleaner.cpp — qpdf rewrites the document; poppler reads its text back (see
// pdf_cleaner.hpp). Two independent libraries: the one that writes is not the one that checks.
#include "media/pdf_cleaner.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include "media/qpdf_rewrite.hpp"
#include "image/frame_text.hpp"
#include "image/image.hpp"
#include "media/ocr.hpp"

namespace dicomscrub::document {

namespace {

// poppler reports a document's faults on stderr, naming its fonts and objects: not ours to print
// (the reason a document is refused is ours), so its messages go nowhere. Set once per process.
void quiet_poppler() {
  static const bool quiet = [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    return true;
  }();
  (void)quiet;
}

// The text of every page, as poppler extracts it; nullopt when poppler cannot open the document.
std::optional<std::vector<std::string>> page_texts(const std::vector<std::uint8_t>& pdf) {
  quiet_poppler();
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

// Every page rendered by poppler as 8-bit RGB at the policy's resolution, handed to `use` with
// its size in points; the first refusal (of rendering or of `use`) stops and is returned.
using PageUse = std::function<std::string(int page, pixel::Decoded& rgb, double width_pt, double height_pt)>;
std::string render_pages(Bytes input, const ScanPolicy& policy, const PageUse& use, const std::set<std::size_t>* only = nullptr) {
  quiet_poppler();
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(reinterpret_cast<const char*>(input.data()), int(input.size())));
  if (!doc || doc->is_locked()) return "encapsulated PDF could not be rendered";
  const int count = only ? int(only->size()) : doc->pages();
  if (count > policy.max_pages) return fmt::format("PDF of {} pages to render (over {})", count, policy.max_pages);
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_argb32);
  for (int i = 0; i < doc->pages(); ++i) {
    if (only && !only->count(std::size_t(i) + 1)) continue;
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) return fmt::format("PDF page {} could not be rendered", i + 1);
    const poppler::rectf box = page->page_rect();
    if (box.width() <= 0 || box.height() <= 0 || box.width() > 14400 || box.height() > 14400)
      return fmt::format("PDF page {} has an unusable size", i + 1);
    poppler::image img = renderer.render_page(page.get(), policy.dpi, policy.dpi);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) return fmt::format("PDF page {} could not be rendered", i + 1);
    pixel::Decoded d;
    d.layout.rows = std::uint32_t(img.height());
    d.layout.cols = std::uint32_t(img.width());
    d.layout.samples = 3;
    d.layout.photometric = "RGB";
    d.data.resize(std::size_t(img.width()) * img.height() * 3);
    for (int y = 0; y < img.height(); ++y) {
      const auto* row = reinterpret_cast<const std::uint8_t*>(img.const_data() + std::ptrdiff_t(y) * img.bytes_per_row());
      for (int x = 0; x < img.width(); ++x)  // ARGB32 words, little-endian: B, G, R, A
        for (int c = 0; c < 3; ++c) d.data[(std::size_t(y) * img.width() + x) * 3 + c] = row[x * 4 + 2 - c];
    }
    if (std::string why = use(i + 1, d, box.width(), box.height()); !why.empty()) return why;
  }
  return {};
}

// The numbered pages rendered, cleaned as cover pages (read back by OCR when the policy says) and
// put back in place of the originals as image-only pages. Empty on success, else why not.
using Clock = std::chrono::steady_clock;
std::string render_into(std::vector<std::uint8_t>& pdf, const std::set<std::size_t>& numbers, const phi::Detector& ids,
                        const ScanPolicy& policy, Clock::time_point deadline) {
  std::vector<std::pair<std::size_t, PageImage>> pages;
  std::string why = render_pages(Bytes(pdf.data(), pdf.size()), policy, [&](int n, pixel::Decoded& d, double width_pt, double height_pt) -> std::string {
    pixel::FrameText how;  // the cover-page policy, as for images
    how.blank_all = !policy.identifiers_only;
    how.blank_identifying = policy.identifiers_only;
    how.read_back = policy.ocr_check;
    how.planes_of = [&] { return pixel::planes(d, 0); };
    how.detector = policy.detector;
    how.deadline = deadline;
    how.limit_seconds = policy.ocr_seconds;
    auto text = pixel::clean_frame_text(d, 0, how, ids, &pixel::read_lines);
    if (!text) return fmt::format("scanned PDF page {}: {}", n, text.error().reason);
    if (text->legible) return fmt::format("scanned PDF page {}: an identifier is still legible after cleaning", n);
    pages.emplace_back(std::size_t(n), PageImage{int(d.layout.cols), int(d.layout.rows), width_pt, height_pt, std::move(d.data)});
    return {};
  }, &numbers);
  if (!why.empty()) return why;
  QpdfRewrite replaced = qpdf_replace_pages(pdf.data(), pdf.size(), pages);
  if (!replaced.refusal.empty()) return replaced.refusal;
  pdf = std::move(replaced.bytes);
  return {};
}

// The pages of a document edited in place, rendered and read by OCR: what they show, not what
// their text layer says (a font whose ToUnicode lies, a name drawn as outlines). Pages already
// rendered were read when they were cleaned. Adds the pages that show an identifier to `found`.
std::string legible_pages(Bytes pdf, const std::set<std::size_t>& skip, const phi::Detector& ids, const ScanPolicy& policy,
                          Clock::time_point deadline, std::set<std::size_t>& found) {
  quiet_poppler();
  std::set<std::size_t> todo;
  {
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(reinterpret_cast<const char*>(pdf.data()), int(pdf.size())));
    if (!doc || doc->is_locked()) return "encapsulated PDF could not be rendered";
    for (int i = 1; i <= doc->pages(); ++i) if (!skip.count(std::size_t(i))) todo.insert(std::size_t(i));
  }
  if (todo.empty()) return {};
  return render_pages(pdf, policy, [&](int n, pixel::Decoded& d, double, double) -> std::string {
    pixel::FrameText how;
    how.read_back = true;
    how.planes_of = [&] { return pixel::planes(d, 0); };
    how.detector = policy.detector;
    how.deadline = deadline;
    how.limit_seconds = policy.ocr_seconds;
    auto text = pixel::clean_frame_text(d, 0, how, ids, &pixel::read_lines);
    if (!text) return fmt::format("PDF page {} could not be read back: {}", n, text.error().reason);
    if (text->legible) found.insert(std::size_t(n));
    return {};
  }, &todo);
}

}  // namespace

std::vector<TextSpan> identifying_spans(const std::string& utf8, const phi::Detector& ids) {
  // The detector gives byte ranges directly: every finding is a span to remove.
  const phi::Context page_text;  // PDF text: free text, as in a header's LT value
  std::vector<TextSpan> spans;
  for (const auto& f : ids.find(utf8, page_text)) spans.push_back(TextSpan{f.begin, f.end});
  return spans;
}

CleanedPdf clean_pdf(Bytes input, const phi::Detector& ids, const ScanPolicy& scans) {
  if (input.size() > (std::size_t(1) << 30)) return pdf_withheld("encapsulated PDF over 1 GiB");
  const SpanFinder find = [&ids](const std::string& text) { return identifying_spans(text, ids); };
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(scans.ocr_seconds));
  QpdfRewrite rewritten = qpdf_rewrite(input.data(), input.size(), find);
  if (!rewritten.refusal.empty()) return pdf_withheld(std::move(rewritten.refusal));
  std::vector<std::uint8_t> out = std::move(rewritten.bytes);
  std::set<std::size_t> todo(rewritten.render_pages.begin(), rewritten.render_pages.end()), rendered;
  std::string why = rewritten.render_reason;
  // Pages that must be rendered are; then everything is read back. A page still naming someone is
  // rendered in a second round; after that, a finding withholds.
  for (int round = 0;; ++round) {
    if (!todo.empty()) {
      if (!scans.clean) return pdf_withheld(why + ": the policy withholds documents that must be rendered");
      if (std::string fail = render_into(out, todo, ids, scans, deadline); !fail.empty()) return pdf_withheld(std::move(fail));
      rendered.insert(todo.begin(), todo.end());
      todo.clear();
    }
    // Read back: poppler's text of every page (what a reader extracts; again without its spaces,
    // which split kerned words), our own walk of every content stream and string (what poppler
    // skips: hidden layers, unused forms), and OCR of the rendered pages (what the page shows).
    auto texts = page_texts(out);
    if (!texts) return pdf_withheld("encapsulated PDF could not be read back after cleaning");
    std::set<std::size_t> named;
    for (std::size_t i = 0; i < texts->size(); ++i) {
      std::string tight = (*texts)[i];
      tight.erase(std::remove(tight.begin(), tight.end(), ' '), tight.end());
      if (!find((*texts)[i]).empty() || !find(tight).empty()) named.insert(i + 1);
    }
    QpdfTextCheck own = qpdf_text_check(out.data(), out.size(), find);
    if (!own.refusal.empty()) return pdf_withheld(std::move(own.refusal));
    named.insert(own.finding_pages.begin(), own.finding_pages.end());
    if (own.findings && own.finding_pages.empty())
      for (std::size_t i = 1; i <= texts->size(); ++i) named.insert(i);
    std::string read_back = named.empty() ? "" : fmt::format("page {} still names the patient after its text was edited", *named.begin());
    if (named.empty() && scans.ocr_check) {
      if (std::string fail = legible_pages(Bytes(out.data(), out.size()), rendered, ids, scans, deadline, named); !fail.empty())
        return pdf_withheld(std::move(fail));
      if (!named.empty()) read_back = fmt::format("page {} shows an identifier its text does not spell", *named.begin());
    }
    if (named.empty()) break;
    if (round > 0) return pdf_withheld("encapsulated PDF " + read_back + ", and again after it was rendered");
    todo = std::move(named);
    why = "encapsulated PDF " + read_back;
    if (rewritten.render_reason.empty()) rewritten.render_reason = why;
  }
  CleanedPdf c;
  c.bytes = std::move(out);
  c.pages = rewritten.pages;
  c.pages_rendered = rendered.size();
  c.rasterized = !rendered.empty();
  c.render_reason = rewritten.render_reason;
  c.glyphs_removed = rewritten.glyphs_removed;
  c.strings_emptied = rewritten.strings_emptied;
  return c;
}

}  // namespace dicomscrub::document
