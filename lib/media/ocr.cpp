// lib/media/ocr.cpp — Tesseract over a frame (see ocr.hpp). Built into the media module.
#include "media/ocr.hpp"

#include <algorithm>
#include <cstdint>
#include <array>
#include <memory>

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

// Exported by libtesseract but not declared in its installed headers: its debug output, sent to
// the `debug_file` set below, which it opens on the first message and keeps open.
namespace tesseract {
TESS_API void tprintf(const char* format, ...);
}

namespace dicomscrub::pixel {

namespace {


// Text of any colour and polarity becomes dark on white: each pixel's distance from its plane's
// background (the median), the largest over the planes, inverted.
std::vector<std::uint8_t> distance_image(const std::vector<std::vector<std::uint16_t>>& planes, int bits_stored) {
  const std::size_t n = planes[0].size();
  const int shift = std::max(0, bits_stored - 8);
  std::vector<int> distance(n, 0);
  for (const auto& p : planes) {
    std::array<std::size_t, 256> hist{};
    for (auto v : p) hist[std::min(255, v >> shift)]++;
    std::size_t seen = 0;
    int median = 0;
    while (median < 255 && (seen += hist[median]) < n / 2) ++median;
    for (std::size_t i = 0; i < n; ++i) distance[i] = std::max(distance[i], std::abs(std::min(255, p[i] >> shift) - median));
  }
  const int top = std::max(1, *std::max_element(distance.begin(), distance.end()));
  std::vector<std::uint8_t> grey(n);
  for (std::size_t i = 0; i < n; ++i) grey[i] = std::uint8_t(255 - distance[i] * 255 / top);
  return grey;
}

tesseract::TessBaseAPI* engine() {
  thread_local std::unique_ptr<tesseract::TessBaseAPI> api;
  thread_local bool failed = false;
  if (api || failed) return api.get();
  auto a = std::make_unique<tesseract::TessBaseAPI>();
  a->SetVariable("debug_file", "/dev/null");
  if (a->Init(nullptr, "eng") != 0) { failed = true; return nullptr; }
  a->SetPageSegMode(tesseract::PSM_SPARSE_TEXT);
  api = std::move(a);
  return api.get();
}

}  // namespace

bool ocr_available() { return engine() != nullptr; }

void open_ocr_log() {
  tesseract::TessBaseAPI api;  // never initialised: debug_file is a global variable, set through any instance
  api.SetVariable("debug_file", "/dev/null");
  tesseract::tprintf("%s", "");  // opens debug_file now rather than on Tesseract's first warning
}

Result<std::vector<TextLine>> read_lines(const std::vector<std::vector<std::uint16_t>>& planes, int cols, int rows, int bits_stored) {
  tesseract::TessBaseAPI* api = engine();
  if (!api) return Error{ErrorCode::unsupported, {}, 0, "(7FE0,0010)", "Tesseract or its English model is not installed"};
  if (planes.empty() || cols <= 0 || rows <= 0) return std::vector<TextLine>{};
  auto grey = distance_image(planes, bits_stored);
  // Small overlay fonts read far better at twice their size; large frames (scanned pages,
  // mammograms) have large text already and would only cost memory and time.
  const int kScale = std::int64_t(cols) * rows > (std::int64_t(4) << 20) ? 1 : 2;
  const int w = cols * kScale, h = rows * kScale;
  std::vector<std::uint8_t> big(std::size_t(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) big[std::size_t(y) * w + x] = grey[std::size_t(y / kScale) * cols + x / kScale];
  api->SetImage(big.data(), w, h, 1, w);
  api->SetSourceResolution(300);
  if (api->Recognize(nullptr) != 0) return Error{ErrorCode::unsupported, {}, 0, "(7FE0,0010)", "Tesseract failed on a frame"};
  std::vector<TextLine> out;
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  if (it) {
    do {
      std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_TEXTLINE));
      int x0, y0, x1, y1;
      if (!text || !it->BoundingBox(tesseract::RIL_TEXTLINE, &x0, &y0, &x1, &y1)) continue;
      std::string t(text.get());
      while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
      if (t.empty()) continue;
      out.push_back(TextLine{Rect{x0 / kScale, y0 / kScale, (x1 - x0 + kScale - 1) / kScale + 1, (y1 - y0 + kScale - 1) / kScale + 1}, std::move(t)});
    } while (it->Next(tesseract::RIL_TEXTLINE));
  }
  api->Clear();
  return out;
}

}  // namespace dicomscrub::pixel
