// lib/batch/report_page.cpp — the review page (see report_page.hpp).
#include "batch/report_page.hpp"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "dicomscrub/reader.hpp"
#include "media/media.hpp"
#include "image/image.hpp"

namespace dicomscrub::report {

namespace {

constexpr int kThumb = 256;  // longest side of a thumbnail, in pixels

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned(std::uint8_t(in[i])) << 16) | (unsigned(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = unsigned(std::uint8_t(in[i])) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned(std::uint8_t(in[i])) << 16) | (unsigned(std::uint8_t(in[i + 1])) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

std::string str_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength()) : std::string();
}

struct Box { int frame, x, y, w, h; };

struct Thumbnail {
  std::string png;      // base64 PNG
  int width = 0, height = 0;
  double scale = 1;     // thumbnail pixels per image pixel
  int frame = 0;
};

// Sample `s` of pixel (x, y) of `frame`, as stored (unsigned view of the stored bits).
double sample(const pixel::Decoded& img, std::uint32_t frame, int x, int y, int s) {
  const auto& L = img.layout;
  std::size_t bytes = L.bits_allocated / 8;
  std::size_t frame_off = std::size_t(L.frame_bytes()) * frame;
  std::size_t idx = L.planar ? std::size_t(s) * L.rows * L.cols + std::size_t(y) * L.cols + x
                             : (std::size_t(y) * L.cols + x) * L.samples + s;
  std::size_t off = frame_off + idx * bytes;
  if (off + bytes > img.data.size()) return 0;
  unsigned v = bytes == 2 ? unsigned(img.data[off]) | (unsigned(img.data[off + 1]) << 8) : img.data[off];
  if (L.bits_stored < 16) v &= (1u << L.bits_stored) - 1;
  if (L.is_signed && L.bits_stored > 0 && (v >> (L.bits_stored - 1)) & 1) return double(int(v) - (1 << L.bits_stored));
  return double(v);
}

Result<Thumbnail> thumbnail(const std::string& path, int frame) {
  auto file = read_file(path);
  if (!file) return std::move(file).error();
  auto layout = pixel::layout_of(file->dataset, file->encoding.big_endian, std::uint64_t(1) << 30);
  if (!layout) return std::move(layout).error();
  auto media = media::api();
  if (!media) return std::move(media).error();
  auto img = (*media)->decode(*file, *layout);
  if (!img) return std::move(img).error();
  const auto& L = img->layout;
  if (L.rows == 0 || L.cols == 0) return Error{ErrorCode::bad_structure, path, 0, {}, "an image of no pixels"};
  Thumbnail t;
  t.frame = frame < int(L.frames) ? frame : 0;
  t.scale = std::min(1.0, double(kThumb) / double(std::max(L.rows, L.cols)));
  t.width = std::max(1, int(L.cols * t.scale));
  t.height = std::max(1, int(L.rows * t.scale));
  const bool colour = L.samples == 3;
  const bool ybr = L.photometric.rfind("YBR", 0) == 0;
  // Grey images are shown from their own minimum to maximum (no window is trusted to exist).
  double lo = 1e300, hi = -1e300;
  if (!colour)
    for (std::uint32_t y = 0; y < L.rows; y += std::max(1u, L.rows / 512))
      for (std::uint32_t x = 0; x < L.cols; x += std::max(1u, L.cols / 512)) {
        double v = sample(*img, t.frame, int(x), int(y), 0);
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
  std::vector<std::uint8_t> rgb(std::size_t(t.width) * t.height * 3);
  auto clamp8 = [](double v) { return std::uint8_t(std::clamp(v, 0.0, 255.0)); };
  for (int ty = 0; ty < t.height; ++ty)
    for (int tx = 0; tx < t.width; ++tx) {
      int x = std::min(int(L.cols) - 1, int(tx / t.scale)), y = std::min(int(L.rows) - 1, int(ty / t.scale));
      std::uint8_t* p = &rgb[(std::size_t(ty) * t.width + tx) * 3];
      if (colour) {
        double max = double((1u << L.bits_stored) - 1), k = 255.0 / (max > 0 ? max : 1);
        double a = sample(*img, t.frame, x, y, 0) * k, b = sample(*img, t.frame, x, y, 1) * k, c = sample(*img, t.frame, x, y, 2) * k;
        if (ybr) {
          p[0] = clamp8(a + 1.402 * (c - 128));
          p[1] = clamp8(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
          p[2] = clamp8(a + 1.772 * (b - 128));
        } else {
          p[0] = clamp8(a), p[1] = clamp8(b), p[2] = clamp8(c);
        }
      } else {
        double v = hi > lo ? (sample(*img, t.frame, x, y, 0) - lo) * 255.0 / (hi - lo) : 0;
        if (L.photometric == "MONOCHROME1") v = 255 - v;
        p[0] = p[1] = p[2] = clamp8(v);
      }
    }
  t.png = base64(png_rgb(rgb, t.width, t.height));
  return t;
}

void chunk(std::string& out, const char* type, const std::string& data) {
  auto be32 = [&](std::uint32_t v) { out += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; };
  be32(std::uint32_t(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  be32(std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
}

}  // namespace

std::string png_rgb(const std::vector<std::uint8_t>& rgb, int width, int height) {
  std::string raw;
  raw.reserve(std::size_t(height) * (std::size_t(width) * 3 + 1));
  for (int y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    raw.append(reinterpret_cast<const char*>(&rgb[std::size_t(y) * width * 3]), std::size_t(width) * 3);
  }
  uLongf n = compressBound(uLong(raw.size()));
  std::string z(n, '\0');
  compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()), 6);
  z.resize(n);
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  for (std::uint32_t v : {std::uint32_t(width), std::uint32_t(height)}) ihdr += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  ihdr += {char(8), char(2), char(0), char(0), char(0)};  // 8 bits, RGB, deflate, no filter set, no interlace
  chunk(out, "IHDR", ihdr);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", "");
  return out;
}

Result<Page> render(const std::string& audit_jsonl, const std::string& output_root) {
  Page page;
  rapidjson::Document header;
  std::map<std::string, int> by_status, by_reason;
  std::string not_written, thumbs, summary_line;
  std::istringstream lines(audit_jsonl);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (line.empty()) continue;
    rapidjson::Document d;
    if (d.Parse(line.c_str(), line.size()).HasParseError() || !d.IsObject())
      return Error{ErrorCode::bad_structure, {}, 0, {}, fmt::format("line {} is not a JSON object: not an audit written by dicomscrub deid", line_no)};
    const std::string kind = str_of(d, "record");
    if (kind == "header") { header.CopyFrom(d, header.GetAllocator()); continue; }
    if (kind == "summary") {
      auto secs = d.FindMember("seconds");
      summary_line = fmt::format("finished {} after {:.1f} s", escape(str_of(d, "finished")),
                                 secs != d.MemberEnd() && secs->value.IsNumber() ? secs->value.GetDouble() : 0.0);
      continue;
    }
    const std::string status = str_of(d, "status");
    if (status.empty()) continue;
    ++page.records;
    by_status[status]++;
    const std::string input = str_of(d, "input").empty() ? "(path not recorded)" : str_of(d, "input");
    const std::string reason = str_of(d, "reason");
    if (status == "withheld") by_reason[reason]++;
    if (status != "written")
      not_written += fmt::format("<tr class=\"{0}\"><td>{0}</td><td><code>{1}</code></td><td>{2}</td></tr>\n", escape(status), escape(input), escape(reason));
    const std::string pixels = str_of(d, "pixels"), output = str_of(d, "output");
    if (status != "written" || pixels.empty() || output.empty() || reason.rfind("dry run", 0) == 0) continue;
    if (pixels.rfind("encapsulated PDF", 0) == 0 || pixels.rfind("scanned PDF", 0) == 0) continue;  // a document, not a frame
    std::vector<Box> boxes;
    if (auto b = d.FindMember("pixel_boxes"); b != d.MemberEnd() && b->value.IsArray())
      for (const auto& v : b->value.GetArray())
        if (v.IsArray() && v.Size() == 5 && v[0].IsInt() && v[1].IsInt() && v[2].IsInt() && v[3].IsInt() && v[4].IsInt())
          boxes.push_back({v[0].GetInt(), v[1].GetInt(), v[2].GetInt(), v[3].GetInt(), v[4].GetInt()});
    int frame = boxes.empty() ? 0 : boxes.front().frame;
    std::string path = output;
    if (!output_root.empty()) {
      // The recorded path ends in <study>/<series>/<instance>.dcm: keep those three parts.
      std::filesystem::path p(output), tail;
      std::vector<std::filesystem::path> parts(p.begin(), p.end());
      for (std::size_t i = parts.size() >= 3 ? parts.size() - 3 : 0; i < parts.size(); ++i) tail /= parts[i];
      path = (std::filesystem::path(output_root) / tail).string();
    }
    auto t = thumbnail(path, frame);
    if (!t) {
      ++page.thumbnail_problems;
      thumbs += fmt::format("<figure class=\"missing\"><figcaption><code>{}</code><br>cannot be shown: {}</figcaption></figure>\n",
                            escape(output), escape(t.error().message()));
      continue;
    }
    ++page.thumbnails;
    std::string rects;
    std::size_t shown = 0;
    for (const Box& b : boxes) {
      if (b.frame != t->frame) continue;
      ++shown;
      rects += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>", b.x * t->scale, b.y * t->scale,
                           std::max(1.0, b.w * t->scale), std::max(1.0, b.h * t->scale));
    }
    thumbs += fmt::format(
        "<figure><div class=\"frame\" style=\"width:{0}px;height:{1}px\"><img class=\"thumb\" alt=\"output frame {2}\" width=\"{0}\" "
        "height=\"{1}\" src=\"data:image/png;base64,{3}\"><svg width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">{4}</svg></div>"
        "<figcaption><code>{5}</code><br>input <code>{6}</code><br>frame {2}: {7} blanked box(es) outlined<br>{8}</figcaption></figure>\n",
        t->width, t->height, t->frame + 1, t->png, rects, escape(output), escape(input), shown, escape(pixels));
  }
  if (page.records == 0 && !header.IsObject())
    return Error{ErrorCode::bad_structure, {}, 0, {}, "no records: not an audit written by dicomscrub deid"};
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dicomscrub run report</title>\n<style>\n"
                  "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
                  "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}"
                  "figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top;max-width:300px}"
                  ".frame{position:relative;background:#000}.frame img,.frame svg{position:absolute;left:0;top:0}"
                  "svg rect{fill:none;stroke:#ff2020;stroke-width:2}figcaption{font-size:80%;word-break:break-all}"
                  "tr.withheld td:first-child{color:#a00}tr.error td:first-child{color:#a00;font-weight:bold}\n"
                  "</style></head><body>\n<h1>dicomscrub run report</h1>\n";
  if (header.IsObject()) {
    h += "<table class=\"run\">";
    for (const char* k : {"version", "started", "profile", "method", "profile_digest", "key_fingerprint", "duplicates", "audit_paths"})
      if (!str_of(header, k).empty()) h += fmt::format("<tr><th>{}</th><td>{}</td></tr>", k, escape(str_of(header, k)));
    if (auto dr = header.FindMember("dry_run"); dr != header.MemberEnd() && dr->value.IsBool() && dr->value.GetBool())
      h += "<tr><th>dry run</th><td>yes: nothing was written</td></tr>";
    h += "</table>\n";
  } else {
    h += "<p>This audit has no header record (written by an older dicomscrub).</p>\n";
  }
  if (!summary_line.empty()) h += "<p>" + summary_line + "</p>\n";
  h += fmt::format("<h2>Counts</h2>\n<table class=\"counts\"><tr><th>status</th><th>inputs</th></tr>");
  for (const auto& [s, n] : by_status) h += fmt::format("<tr><td>{}</td><td id=\"count-{}\">{}</td></tr>", escape(s), escape(s), n);
  h += fmt::format("<tr><th>total</th><th>{}</th></tr></table>\n", page.records);
  if (!by_reason.empty()) {
    h += "<h2>Withheld, by reason</h2>\n<table class=\"reasons\"><tr><th>inputs</th><th>reason</th></tr>";
    for (const auto& [r, n] : by_reason) h += fmt::format("<tr><td>{}</td><td>{}</td></tr>", n, escape(r));
    h += "</table>\n";
  }
  h += "<h2>Inputs not written</h2>\n";
  h += not_written.empty() ? "<p>None.</p>\n"
                           : "<table class=\"not-written\"><tr><th>status</th><th>input</th><th>reason</th></tr>\n" + not_written + "</table>\n";
  h += fmt::format("<h2>Cleaned pixels ({} outputs)</h2>\n<p>Each thumbnail is the written output's frame; red outlines are the "
                   "boxes that were blanked. Look for text left outside them.</p>\n", page.thumbnails + page.thumbnail_problems);
  h += thumbs.empty() ? "<p>No instance needed its pixels cleaned.</p>\n" : "<div id=\"thumbnails\">\n" + thumbs + "</div>\n";
  // Lets an automated check (and a reviewer) see that every thumbnail decoded in the browser.
  h += "<p id=\"rendered\"></p><script>window.addEventListener('load',function(){var n=0,t=document.querySelectorAll('img.thumb');"
       "t.forEach(function(i){if(i.complete&&i.naturalWidth>0)n++;});"
       "document.getElementById('rendered').textContent='thumbnails rendered: '+n+' of '+t.length;});</script>\n";
  h += "</body></html>\n";
  page.html = std::move(h);
  return page;
}

}  // namespace dicomscrub::report
