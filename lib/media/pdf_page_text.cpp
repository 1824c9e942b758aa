// lib/media/pdf_page_text.cpp — see pdf_page_text.hpp. C++17 (qpdf headers).
#include "media/pdf_page_text.hpp"

#include <cmath>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <qpdf/Pl_Buffer.hh>
#include <qpdf/QPDFObjGen.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include "media/pdf_fonts.hpp"

namespace dicomscrub::document {

namespace {

// Bounds on untrusted structure: streams looked at per document, instructions per stream.
constexpr std::size_t kMaxStreams = 20000;
constexpr std::size_t kMaxInstructions = 4000000;

struct Matrix {
  double a = 1, b = 0, c = 0, d = 1, e = 0, f = 0;
};
Matrix operator*(const Matrix& m, const Matrix& n) {  // m applied first, then n
  return {m.a * n.a + m.b * n.c, m.a * n.b + m.b * n.d, m.c * n.a + m.d * n.c,
          m.c * n.b + m.d * n.d, m.e * n.a + m.f * n.c + n.e, m.e * n.b + m.f * n.d + n.f};
}
struct Point {
  double x = 0, y = 0;
};
Point apply(const Matrix& m, double x, double y) { return {x * m.a + y * m.c + m.e, x * m.b + y * m.d + m.f}; }

// One operator with its operands, and where its bytes are in the stream.
struct Instruction {
  std::size_t begin = 0, end = 0;
  std::vector<QPDFObjectHandle> operands;
  std::string op;
};

class Collector : public QPDFObjectHandle::ParserCallbacks {
 public:
  std::vector<Instruction> out;
  bool overflow = false;
  void handleObject(QPDFObjectHandle h, std::size_t offset, std::size_t length) override {
    if (pending_.empty()) begin_ = offset;
    if (!h.isOperator()) {
      pending_.push_back(h);
      return;
    }
    if (out.size() >= kMaxInstructions) { overflow = true; return; }
    out.push_back(Instruction{begin_, offset + length, std::move(pending_), h.getOperatorValue()});
    pending_.clear();
  }
  void handleEOF() override {}

 private:
  std::vector<QPDFObjectHandle> pending_;
  std::size_t begin_ = 0;
};

// A piece of a text-showing operator: a glyph (its code bytes) or a TJ offset.
struct Piece {
  bool is_offset = false;
  double offset = 0;        // TJ number
  std::string code;         // the glyph's code bytes
  double advance = 0;       // the glyph's advance in 1/1000 of the size (a TJ number of -advance replaces it)
  bool removed = false;
};
struct ShowOp {
  std::size_t instruction = 0;
  std::vector<Piece> pieces;
};

struct GState {
  Matrix ctm;
  const PdfFont* font = nullptr;
  double size = 0, tc = 0, tw = 0, th = 1, tl = 0, ts = 0;
};

std::string number(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

class Walker {
 public:
  Walker(QPDF& pdf, const SpanFinder& find, bool edit, PageTextReport& report)
      : pdf_(pdf), find_(find), edit_(edit), report_(report) {}

  // One content stream: its text found, identifying glyphs removed; false when its text cannot be mapped.
  bool stream(const std::string& data, QPDFObjectHandle resources, std::string* rewritten) {
    ++report_.streams;
    Collector c;
    QPDFObjectHandle tmp = QPDFObjectHandle::newStream(&pdf_, data);
    tmp.parseAsContents(&c);
    if (c.overflow) return false;
    resources_ = resources;
    fonts_.clear();
    text_.clear();
    owner_.clear();
    tight_.clear();
    tight_owner_.clear();
    glyphs_.clear();
    shows_.clear();
    have_prev_ = false;
    mapped_ = true;
    run(c.out);
    if (!mapped_) return false;
    // Both readings: words apart where the gap says so, and the same text with no gap taken for a
    // space (kerned or letter-spaced names that a reader may split still spell the name here).
    for (auto [text, owner] : {std::pair{&text_, &owner_}, std::pair{&tight_, &tight_owner_}}) {
      std::vector<TextSpan> spans = find_(*text);
      report_.findings += spans.size();
      for (const TextSpan& s : spans)
        for (std::size_t i = s.begin; i < s.end && i < owner->size(); ++i)
          if ((*owner)[i] >= 0) glyphs_[std::size_t((*owner)[i])]->removed = true;
    }
    if (!edit_) return true;
    for (auto& g : glyphs_) report_.glyphs_removed += g->removed ? 1 : 0;
    *rewritten = rewrite(data, c.out);
    return true;
  }

  bool saw_image = false;  // an image XObject in the resources walked, or an inline image drawn
  // Form XObjects and tiling patterns met in resources, for the caller to walk next.
  std::deque<std::pair<QPDFObjectHandle, QPDFObjectHandle>> nested;

  void queue_nested(QPDFObjectHandle resources) {
    if (!resources.isDictionary()) return;
    for (const char* kind : {"/XObject", "/Pattern"}) {
      QPDFObjectHandle dict = resources.getKey(kind);
      if (!dict.isDictionary()) continue;
      for (auto& key : dict.getKeys()) {
        QPDFObjectHandle x = dict.getKey(key);
        if (!x.isStream()) continue;
        QPDFObjectHandle sub = x.getDict().getKey("/Subtype");
        const bool form = sub.isName() && sub.getName() == "/Form";
        const bool pattern = x.getDict().getKey("/PatternType").isInteger();
        if (sub.isName() && sub.getName() == "/Image") saw_image = true;  // in this page's resources, at any depth
        if (!form && !pattern) continue;
        QPDFObjectHandle own = x.getDict().getKey("/Resources");
        nested.emplace_back(x, own.isDictionary() ? own : resources);  // old forms inherit the page's
      }
    }
  }

 private:
  const PdfFont* font_named(const std::string& name) {
    if (auto it = fonts_.find(name); it != fonts_.end()) return it->second;
    const PdfFont* f = nullptr;
    QPDFObjectHandle dict = resources_.isDictionary() ? resources_.getKey("/Font") : QPDFObjectHandle::newNull();
    if (dict.isDictionary() && dict.hasKey(name)) {
      QPDFObjectHandle h = dict.getKey(name);
      QPDFObjGen og = h.getObjGen();
      if (og.isIndirect()) {
        auto it = cache_.find(og);
        if (it == cache_.end()) it = cache_.emplace(og, std::make_unique<PdfFont>(read_font(h))).first;
        f = it->second.get();
      } else {
        owned_.push_back(std::make_unique<PdfFont>(read_font(h)));
        f = owned_.back().get();
      }
    }
    fonts_[name] = f;
    return f;
  }

  // The glyphs of one string operand, placed and appended to the stream's text.
  void show_string(const std::string& bytes, GState& gs, Matrix& tm, ShowOp& show) {
    const PdfFont* font = gs.font;
    if (!font || !font->editable || gs.size == 0 || gs.th == 0) { mapped_ = mapped_ && bytes.empty(); return; }
    const std::size_t n = std::size_t(font->code_bytes);
    if (bytes.size() % n) { mapped_ = false; return; }
    for (std::size_t i = 0; i < bytes.size(); i += n) {
      std::uint32_t code = 0;
      for (std::size_t k = 0; k < n; ++k) code = (code << 8) | std::uint8_t(bytes[i + k]);
      const std::string* spelled = font->spell(code);
      if (!spelled) { mapped_ = false; return; }
      const double w0 = font->width(code);
      const double spacing = gs.tc + (n == 1 && code == 32 ? gs.tw : 0);
      Piece p;
      p.code = bytes.substr(i, n);
      p.advance = w0 + spacing * 1000 / gs.size;
      const Matrix trm = tm * gs.ctm;
      place(apply(trm, 0, gs.ts), trm, gs.size);
      for (std::size_t k = 0; k < spelled->size(); ++k) {
        owner_.push_back(int(glyphs_.size()));
        tight_owner_.push_back(int(glyphs_.size()));
      }
      text_ += *spelled;
      tight_ += *spelled;
      const double tx = (w0 / 1000 * gs.size + spacing) * gs.th;
      tm = Matrix{1, 0, 0, 1, tx, 0} * tm;
      const Matrix after = tm * gs.ctm;
      prev_end_ = apply(after, 0, gs.ts);
      show.pieces.push_back(std::move(p));
      glyphs_.push_back(&show.pieces.back());
    }
  }

  // A word break or a line break between this glyph and the previous one, as poppler would see it.
  void place(Point start, const Matrix& trm, double size) {
    const double ux = trm.a, uy = trm.b;
    const double len = std::hypot(ux, uy);
    const double em = std::abs(size) * std::sqrt(std::abs(trm.a * trm.d - trm.b * trm.c));  // the size on the page
    if (have_prev_ && len > 0) {
      const double dx = start.x - prev_end_.x, dy = start.y - prev_end_.y;
      const double along = (dx * ux + dy * uy) / len, across = (dy * ux - dx * uy) / len;
      const double unit = em > 0 ? em : 1;
      const char last = text_.empty() ? '\n' : text_.back();
      if (std::abs(across) > 0.5 * unit || along < -unit) {
        if (last != '\n') {
          text_ += '\n';
          owner_.push_back(-1);
          tight_ += '\n';
          tight_owner_.push_back(-1);
        }
      } else if (along > 0.15 * unit && last != ' ' && last != '\n') {
        text_ += ' ';
        owner_.push_back(-1);
      }
    }
    have_prev_ = true;
  }

  void run(std::vector<Instruction>& code) {
    std::vector<GState> stack;
    GState gs;
    Matrix tm, tlm;
    shows_.reserve(code.size());  // pieces are pointed to: no reallocation while walking
    for (std::size_t i = 0; i < code.size() && mapped_; ++i) {
      Instruction& in = code[i];
      auto& o = in.operands;
      auto num = [&](std::size_t k) { return k < o.size() && o[k].isNumber() ? o[k].getNumericValue() : 0.0; };
      const std::string& op = in.op;
      if (op == "q") stack.push_back(gs);
      else if (op == "Q") { if (!stack.empty()) { gs = stack.back(); stack.pop_back(); } }
      else if (op == "cm" && o.size() == 6) gs.ctm = Matrix{num(0), num(1), num(2), num(3), num(4), num(5)} * gs.ctm;
      else if (op == "BT") tm = tlm = Matrix{};
      else if (op == "Tf" && o.size() == 2 && o[0].isName()) { gs.font = font_named(o[0].getName()); gs.size = num(1); }
      else if (op == "Tc") gs.tc = num(0);
      else if (op == "Tw") gs.tw = num(0);
      else if (op == "Tz") gs.th = num(0) / 100;
      else if (op == "TL") gs.tl = num(0);
      else if (op == "Ts") gs.ts = num(0);
      else if (op == "Td" || op == "TD") {
        if (op == "TD") gs.tl = -num(1);
        tlm = Matrix{1, 0, 0, 1, num(0), num(1)} * tlm;
        tm = tlm;
      } else if (op == "Tm" && o.size() == 6) tm = tlm = Matrix{num(0), num(1), num(2), num(3), num(4), num(5)};
      else if (op == "T*") { tlm = Matrix{1, 0, 0, 1, 0, -gs.tl} * tlm; tm = tlm; }
      else if (op == "gs" && o.size() == 1 && o[0].isName()) {
        QPDFObjectHandle ext = resources_.isDictionary() ? resources_.getKey("/ExtGState") : QPDFObjectHandle::newNull();
        if (ext.isDictionary() && ext.getKey(o[0].getName()).isDictionary() && ext.getKey(o[0].getName()).hasKey("/Font"))
          mapped_ = false;  // a font set by a graphics state: rare, and not followed here
      } else if (op == "Tj" || op == "'" || op == "\"" || op == "TJ") {
        if (op == "'" || op == "\"") {
          if (op == "\"") { gs.tw = num(0); gs.tc = num(1); }
          tlm = Matrix{1, 0, 0, 1, 0, -gs.tl} * tlm;
          tm = tlm;
        }
        shows_.push_back(ShowOp{i, {}});
        ShowOp& show = shows_.back();
        show.pieces.reserve(64);
        if (o.empty()) continue;
        QPDFObjectHandle arg = o.back();
        if (arg.isString()) {
          std::string bytes = arg.getStringValue();
          reserve(show, bytes.size());
          show_string(bytes, gs, tm, show);
        } else if (arg.isArray() && op == "TJ") {
          std::size_t total = 0;
          for (auto& x : arg.getArrayAsVector()) total += x.isString() ? x.getStringValue().size() + 1 : 1;
          reserve(show, total);
          for (auto& x : arg.getArrayAsVector()) {
            if (x.isString()) show_string(x.getStringValue(), gs, tm, show);
            else if (x.isNumber()) {
              Piece p;
              p.is_offset = true;
              p.offset = x.getNumericValue();
              show.pieces.push_back(p);
              tm = Matrix{1, 0, 0, 1, -p.offset / 1000 * gs.size * gs.th, 0} * tm;
            }
          }
        }
      } else if (op == "BI" || op == "ID" || op == "EI") {
        saw_image = true;
      } else if (op == "Do" && o.size() == 1 && o[0].isName()) {
        have_prev_ = false;  // a form's text is its own stream's; a break either way
      }
    }
  }

  static void reserve(ShowOp& show, std::size_t n) { show.pieces.reserve(n + 1); }

  // The stream again: identifying glyphs out (their advance kept as offsets), marked-content
  // replacement text out, comments out; every other instruction byte for byte.
  std::string rewrite(const std::string& data, std::vector<Instruction>& code) {
    std::map<std::size_t, const ShowOp*> show_at;
    for (const ShowOp& s : shows_) show_at[s.instruction] = &s;
    std::string out;
    out.reserve(data.size());
    std::size_t last = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
      Instruction& in = code[i];
      std::string gap = data.substr(last, in.begin > last ? in.begin - last : 0);
      out += gap.find('%') == std::string::npos ? gap : "\n";
      last = in.end;
      auto s = show_at.find(i);
      bool removed = false;
      if (s != show_at.end())
        for (const Piece& p : s->second->pieces) removed = removed || p.removed;
      if (removed) {
        out += show_without(*s->second, in);
        continue;
      }
      if ((in.op == "BDC" || in.op == "DP") && in.operands.size() == 2 && in.operands[1].isDictionary()) {
        QPDFObjectHandle props = in.operands[1].shallowCopy();
        bool dropped = false;
        for (const char* k : {"/ActualText", "/Alt", "/E", "/T"})
          if (props.hasKey(k)) { props.removeKey(k); dropped = true; }
        if (dropped) {
          out += in.operands[0].unparse() + " " + props.unparse() + " " + in.op;
          continue;
        }
      }
      out += data.substr(in.begin, in.end - in.begin);
    }
    out += "\n";
    return out;
  }

  static std::string show_without(const ShowOp& show, Instruction& in) {
    std::string prefix;
    if (in.op == "'") prefix = "T* ";
    if (in.op == "\"") prefix = in.operands[0].unparse() + " Tw " + in.operands[1].unparse() + " Tc T* ";
    std::string out = prefix + "[";
    std::string run;
    double offset = 0;
    bool have_offset = false;
    auto flush = [&] {
      if (!run.empty()) out += QPDFObjectHandle::newString(run).unparse();
      run.clear();
    };
    for (const Piece& p : show.pieces) {
      if (p.is_offset || p.removed) {
        flush();
        offset += p.is_offset ? p.offset : -p.advance;  // a TJ number moves left by n/1000 em
        have_offset = true;
        continue;
      }
      if (have_offset) { out += " " + number(offset) + " "; offset = 0; have_offset = false; }
      run += p.code;
    }
    flush();
    if (have_offset) out += " " + number(offset) + " ";
    return out + "] TJ";
  }

  QPDF& pdf_;
  const SpanFinder& find_;
  bool edit_;
  PageTextReport& report_;
  QPDFObjectHandle resources_;
  std::map<std::string, const PdfFont*> fonts_;
  std::map<QPDFObjGen, std::unique_ptr<PdfFont>> cache_;
  std::vector<std::unique_ptr<PdfFont>> owned_;
  std::string text_;
  std::vector<int> owner_;      // per byte of text_: the glyph that drew it, -1 for a break we inserted
  std::string tight_;           // text_ without the spaces gaps suggested (line breaks kept)
  std::vector<int> tight_owner_;
  std::vector<Piece*> glyphs_;
  std::vector<ShowOp> shows_;
  Point prev_end_;
  bool have_prev_ = false;
  bool mapped_ = true;
};

// Strings anywhere in the document's objects (layer names, /ActualText in property lists,
// structure elements): emptied when they identify someone.
void clean_strings(QPDFObjectHandle h, const SpanFinder& find, bool edit, PageTextReport& report, int depth) {
  if (depth > 64) return;
  auto visit = [&](QPDFObjectHandle child, auto replace) {
    if (child.isIndirect()) return;  // reached on its own from the object list
    if (child.isString()) {
      const std::size_t n = find(child.getUTF8Value()).size();
      if (!n) return;
      report.findings += n;
      if (edit) { replace(QPDFObjectHandle::newString("")); ++report.strings_emptied; }
    } else {
      clean_strings(child, find, edit, report, depth + 1);
    }
  };
  if (h.isStream()) h = h.getDict();
  if (h.isDictionary()) {
    // Attachments and scripts anywhere (associated files, actions): not ours to vouch for.
    QPDFObjectHandle type = h.getKey("/Type");
    if (h.hasKey("/EF") || h.hasKey("/JS") || h.hasKey("/RichMediaContent") || (type.isName() && type.getName() == "/EmbeddedFile"))
      report.attachments_or_scripts = true;
    // XMP and application data may hang off any object (fonts, images, forms), not only pages.
    if (edit)
      for (const char* k : {"/Metadata", "/PieceInfo"}) h.removeKey(k);
  }
  if (h.isDictionary()) {
    for (const auto& k : h.getKeys()) visit(h.getKey(k), [&](QPDFObjectHandle v) { h.replaceKey(k, v); });
  } else if (h.isArray()) {
    const int n = h.getArrayNItems();
    for (int i = 0; i < n; ++i) visit(h.getArrayItem(i), [&](QPDFObjectHandle v) { h.setArrayItem(i, v); });
  }
}

}  // namespace

PageTextReport clean_document_text(QPDF& pdf, const SpanFinder& find, bool edit) {
  PageTextReport report;
  Walker walker(pdf, find, edit, report);
  std::set<QPDFObjGen> done;
  std::size_t page_number = 0;
  for (auto& page : QPDFPageDocumentHelper(pdf).getAllPages()) {
    ++page_number;
    bool mapped = true;
    const std::size_t findings_before = report.findings;
    walker.saw_image = false;
    try {
      Pl_Buffer buffer("page contents");
      page.pipeContents(&buffer);
      std::unique_ptr<Buffer> data(buffer.getBuffer());
      std::string bytes(reinterpret_cast<const char*>(data->getBuffer()), data->getSize());
      QPDFObjectHandle resources = page.getAttribute("/Resources", false);
      std::string rewritten;
      mapped = walker.stream(bytes, resources, &rewritten);
      if (mapped && edit) page.getObjectHandle().replaceKey("/Contents", QPDFObjectHandle::newStream(&pdf, rewritten));
      walker.queue_nested(resources);
      while (mapped && !walker.nested.empty()) {
        auto [x, res] = walker.nested.front();
        walker.nested.pop_front();
        if (!done.insert(x.getObjGen()).second) continue;
        if (done.size() > kMaxStreams) { mapped = false; break; }
        auto form = x.getStreamData(qpdf_dl_generalized);
        std::string form_bytes(reinterpret_cast<const char*>(form->getBuffer()), form->getSize());
        std::string form_out;
        mapped = walker.stream(form_bytes, res, &form_out);
        if (mapped && edit) x.replaceStreamData(form_out, QPDFObjectHandle::newNull(), QPDFObjectHandle::newNull());
        walker.queue_nested(res);
      }
    } catch (const std::exception&) {
      mapped = false;
    }
    walker.nested.clear();
    if (!mapped) report.unmapped_pages.push_back(page_number);
    if (walker.saw_image) report.image_pages.push_back(page_number);
    if (report.findings > findings_before) report.finding_pages.push_back(page_number);
  }
  for (QPDFObjectHandle& h : pdf.getAllObjects()) {
    if (h.isString()) {  // an indirect string object
      const std::size_t n = find(h.getUTF8Value()).size();
      report.findings += n;
      if (n && edit) { pdf.replaceObject(h.getObjGen(), QPDFObjectHandle::newString("")); ++report.strings_emptied; }
      continue;
    }
    clean_strings(h, find, edit, report, 0);
  }
  return report;
}

}  // namespace dicomscrub::document
