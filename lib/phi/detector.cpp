// lib/phi/detector.cpp — the Detector (see phi.hpp): instance identifiers in every spelling,
// pattern detectors, the lexicon in context, and the context rules that keep real files from
// being taken for PHI.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "charset/charset.hpp"
#include "dict/dictionary.hpp"
#include "phi/dates.hpp"
#include "phi/fold.hpp"
#include "phi/lexicon.hpp"
#include "phi/needles.hpp"
#include "phi/patterns.hpp"
#include "phi/phi.hpp"
#include "phi/readings.hpp"

namespace dicomscrub::phi {

using Class = Context::Class;

const char* to_string(Kind k) {
  switch (k) {
    case Kind::patient_name: return "patient name part";
    case Kind::person_name: return "person name part";
    case Kind::lexicon_name: return "person name";
    case Kind::patient_id: return "patient or visit identifier";
    case Kind::birth_date: return "birth date";
    case Kind::study_date: return "study date";
    case Kind::date: return "date";
    case Kind::national_id: return "national identification number";
    case Kind::email: return "e-mail address";
    case Kind::phone: return "phone number";
    case Kind::address: return "address";
    case Kind::institution: return "institution";
    case Kind::unchecked: return "value that could not be read to check";
  }
  return "?";
}

Context context_for(Tag tag, VR vr) {
  using namespace vrs;
  Context c;
  if (vr == UI) c.cls = Class::uid;
  else if (vr == DS || vr == IS) c.cls = Class::numeric;
  else if (vr == DA || vr == TM || vr == DT) c.cls = Class::date_time;
  else if (vr == CS || vr == AS || vr == AE) c.cls = Class::coded;
  else if (is_string_vr(vr)) c.cls = Class::text;
  else c.cls = Class::binary;
  // Who made the device and its software: a maker is not a site, a build date is not a visit.
  static constexpr Tag device[] = {Tag(0x0008, 0x0070), Tag(0x0008, 0x1090), Tag(0x0018, 0x1020), Tag(0x0018, 0x1016),
                                   Tag(0x0018, 0x1018), Tag(0x0018, 0x1019), Tag(0x0018, 0x1022), Tag(0x0018, 0x1023)};
  c.device = std::find(std::begin(device), std::end(device), tag) != std::end(device);
  return c;
}

bool is_standard_meaning(std::string_view scheme, std::string_view value, std::string_view meaning) {
  std::string_view m = lexicon::code_meaning(scheme, value);
  return !m.empty() && fold(m) == fold(meaning);
}

Context context_of(const Dataset& parent, const Element& e, std::string_view utf8) {
  Context c = context_for(e.tag, e.vr);
  if (e.tag == Tag(0x0008, 0x0104)) {
    auto value = parent.get_string(Tag(0x0008, 0x0100));
    if (!value) value = parent.get_string(Tag(0x0008, 0x0119));
    auto scheme = parent.get_string(Tag(0x0008, 0x0102));
    auto trim = [](std::string_view s) {
      while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      return s;
    };
    c.standard_meaning = value && scheme && is_standard_meaning(trim(*scheme), trim(*value), trim(utf8));
  }
  return c;
}

struct Detector::Impl {
  InstanceIdentifiers ids;
  Policy policy;
  std::size_t max_part = 0;
  // The instance's dates as YYYYMMDD, spelled once here rather than once per value checked.
  std::vector<std::array<char, 8>> ymd;
  // Every identifier searched for as a substring, compiled into one automaton per instance; the
  // needle number of each (Needles::kNone: not searched that way). Each value is scanned once,
  // then each identifier takes its matches in the order its own find() loop would have found them.
  Needles needles;
  std::vector<std::uint32_t> id_needle, alnum_needle, ymd_needle, unspaced_needle, institution_needle, address_needle;
  std::vector<std::uint32_t> institution_alnum_needle, address_alnum_needle, phrase_alnum_size;  // size by needle number
  std::vector<Needles::Match> matches, skeleton_matches;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> components;  // of numbers and UIDs
  std::vector<std::string> name_skeleton;  // latin_skeleton of each name part
  bool names_not_ascii = false;            // some part's skeleton differs from it
  bool compiled = false;  // on the first value checked: a detector that checks nothing pays nothing
  void compile_needles() {
    std::size_t bytes = 8 * ymd.size();
    for (const auto& id : ids.ids) bytes += id.folded.size() + id.alnum.size();
    for (const auto& n : ids.names) bytes += n.unspaced_script ? n.folded.size() : 0;
    for (const auto& p : ids.institutions) bytes += 2 * p.folded.size();  // as text and by letters and digits
    for (const auto& p : ids.addresses) bytes += 2 * p.size();
    needles.reserve(bytes);
    for (const auto& id : ids.ids) {
      id_needle.push_back(needles.add(id.folded));
      alnum_needle.push_back(id.alnum.size() >= 6 ? needles.add(id.alnum) : Needles::kNone);
    }
    for (const auto& d : ymd) ymd_needle.push_back(needles.add(std::string_view(d.data(), d.size())));
    for (const auto& n : ids.names) unspaced_needle.push_back(n.unspaced_script ? needles.add(n.folded) : Needles::kNone);
    for (const auto& p : ids.institutions) institution_needle.push_back(needles.add(p.folded));
    for (const auto& p : ids.addresses) address_needle.push_back(needles.add(p));
    // Phrases by their letters and digits alone (see phrases()); not when that is the phrase itself.
    auto alnum_needle = [&](const std::string& p) {
      const std::string a = letters_and_digits(p);
      if (a.size() < 10 || a == p) return Needles::kNone;
      std::uint32_t n = needles.add(a);
      if (phrase_alnum_size.size() <= n) phrase_alnum_size.resize(n + 1);
      phrase_alnum_size[n] = std::uint32_t(a.size());
      return n;
    };
    for (const auto& p : ids.institutions) institution_alnum_needle.push_back(alnum_needle(p.folded));
    for (const auto& p : ids.addresses) address_alnum_needle.push_back(alnum_needle(p));
    needles.compile();
    for (const auto& n : ids.names) {
      name_skeleton.push_back(latin_skeleton(n.folded));
      names_not_ascii |= name_skeleton.back() != n.folded;
    }
    compiled = true;
  }
  // Scratch, reused across calls (one detector per instance, one thread at a time).
  Folded f;
  std::vector<Finding> hits;
  std::vector<DateHit> dates;
  std::string skeleton;
  std::vector<std::uint32_t> skeleton_at;

  struct Hit { Finding f; bool weak; std::uint32_t person; };
  std::vector<Hit> name_hits;

  bool is_part(std::string_view w) const {
    for (const auto& n : ids.names) if (n.folded == w) return true;
    return false;
  }

  // Digits written for the letters they look like ("K0WALCZYK", "Qu1xote"): a word as long as a
  // part of 5+ letters, the same letter for letter but where a digit stands for one, with at most a
  // third of it digits (an ID is mostly digits).
  static bool digits_for_letters(std::string_view w, std::string_view p) {
    if (w.size() != p.size() || p.size() < 5) return false;
    std::size_t digits = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (w[i] == p[i]) continue;
      static constexpr std::string_view looks_like[10] = {"o", "li", "z", "e", "a", "s", "g", "t", "b", "g"};
      if (w[i] < '0' || w[i] > '9' || looks_like[w[i] - '0'].find(p[i]) == std::string_view::npos) return false;
      ++digits;
    }
    return digits > 0 && digits * 3 <= w.size();
  }

  void names(const Context& ctx) {
    const auto& t = f.tokens;
    const std::string_view text(f.text);
    const bool binary = ctx.cls == Class::binary;
    // Accents and look-alike letters: compared as skeletons when the text or a name part is not ASCII.
    const bool any_skeleton = !f.identity || names_not_ascii;
    // Where the value's text ends (before padding or a NUL), for a part cut off there.
    std::uint32_t value_end = std::uint32_t(text.size());
    while (value_end > 0 && (text[value_end - 1] == ' ' || text[value_end - 1] == '\0')) --value_end;
    // One part against one word: whole, inflected, glued. `w` and `p` as folded, or both as a
    // reader of Latin script sees them (accents dropped, look-alike letters mapped).
    auto match = [&](std::string_view w, std::string_view p, const InstanceIdentifiers::Name& n, const Token& tok, bool skeletal) {
      // Binary values (private UN, blobs): a whole printable word of 4+ letters, or 5+ inside one.
      if (binary && (p.size() < 4 || n.weak)) return false;
      if (w == p) { name_hits.push_back({{n.kind, 95, tok.b, tok.e}, n.weak, n.person}); return true; }
      // Cut off at the end of the value (a 64-character LO ends "... for QUAGMIREWE"): most of a
      // long part, as the value's last word.
      if (!binary && !n.weak && w.size() < p.size() && w.size() >= 6 && w.size() * 10 >= p.size() * 7 && p.substr(0, w.size()) == w &&
          tok.e == value_end && !lexicon::is_vocabulary(w)) {
        name_hits.push_back({{n.kind, 75, tok.b, tok.e}, false, n.person});
        return true;
      }
      if (w.size() <= p.size() || p.size() < (binary ? 5u : 4u)) return false;
      // Inflected (Kowalczyka, Kowalczykiem): the part as a prefix of a word a few letters longer.
      if (p.size() >= 5 && w.substr(0, p.size()) == p && w.size() - p.size() <= 4 && !lexicon::is_vocabulary(w)) {
        name_hits.push_back({{n.kind, 85, tok.b, tok.e}, n.weak, n.person});
        return true;
      }
      if (n.weak) return false;
      // Glued to other parts or digits (JohnSmith, SMITH1961), or after a capital (DrSmith).
      std::size_t at = w.find(p);
      if (at == std::string_view::npos) return false;
      std::string_view before = w.substr(0, at), after = w.substr(at + p.size());
      auto filler = [&](std::string_view s) {
        return s.empty() || is_part(s) || std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
      };
      // A digit next to the part is a boundary too: "AX2Quixote" (fuzz_deid, a Series Description
      // kept by Clean Descriptors), "QUIXOTE2".
      auto digit = [](char c) { return c >= '0' && c <= '9'; };
      const bool starts_word = filler(before) || digit(before.back());
      const bool ends_word = filler(after) || digit(after.front());
      // The original has a capital after a lower-case letter there (skeleton offsets are not the
      // folded text's: not asked of them).
      bool camel_case = !skeletal && at > 0 && camel(f.orig_begin(std::uint32_t(tok.b + at)));
      if (!((starts_word && ends_word) || binary || camel_case)) return false;
      name_hits.push_back({{n.kind, 80, tok.b, tok.e}, false, n.person});
      return true;
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
      const Token& tok = t[i];
      if (!tok.alpha || tok.unspaced) continue;
      std::string_view w = f.word(tok);
      const std::string ws = any_skeleton ? latin_skeleton(w) : std::string();
      for (std::size_t k = 0; k < ids.names.size(); ++k) {
        const auto& n = ids.names[k];
        if (n.unspaced_script) continue;
        if (match(w, n.folded, n, tok, false)) continue;
        if (tok.digit && !binary && !n.weak && digits_for_letters(w, n.folded)) {
          name_hits.push_back({{n.kind, 80, tok.b, tok.e}, false, n.person});
          continue;
        }
        if (!any_skeleton) continue;
        const std::string& ps = name_skeleton[k];
        if (ws != w || ps != n.folded) match(ws, ps, n, tok, true);
      }
      for (const auto& j : ids.joined)
        if (w.find(j) != std::string_view::npos) { name_hits.push_back({{Kind::patient_name, 90, tok.b, tok.e}, false, 0}); break; }
    }
    // Spaced out or split by separators (K O W A L, Kowal\czyk, S-m-i-t-h, Kowal-<line end>czyk): tokens joined.
    if (!binary && max_part >= 4) {
      std::string joined;
      for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (!t[i].alpha || t[i].unspaced) continue;
        joined.assign(f.word(t[i]));
        std::size_t singles = joined.size() == 1;
        for (std::size_t j = i + 1; j < t.size() && joined.size() < max_part + 4; ++j) {
          std::string_view gap = text.substr(t[j - 1].e, t[j].b - t[j - 1].e);
          // A short separator, or a word broken at a line end ("Quag-\r\nmirewell").
          const bool broken = gap.size() <= 4 && gap.find_first_not_of(" \t\r\n-") == std::string_view::npos;
          // An elision's apostrophe, typographic too ("O’CONNOR").
          const bool apostrophe = gap == "\xE2\x80\x99" || gap == "\xCA\xBC";
          if (gap.empty() || (gap.size() > 2 && !broken && !apostrophe) || !t[j].alpha || t[j].digit) break;
          joined.append(f.word(t[j]));
          singles += t[j].e - t[j].b == 1;
          for (const auto& n : ids.names) {
            if (n.unspaced_script || n.weak || n.folded.size() < 4) continue;
            bool whole = joined == n.folded;
            bool prefix = singles >= 4 && joined.size() >= 4 && n.folded.compare(0, joined.size(), joined) == 0 && j + 1 - i == singles;
            if (whole || prefix) { name_hits.push_back({{n.kind, 80, t[i].b, t[j].e}, false, n.person}); break; }
          }
        }
      }
    }
    // Scripts written without spaces: the part as a substring.
    for (std::size_t k = 0; k < ids.names.size(); ++k) {
      const auto& n = ids.names[k];
      if (!n.unspaced_script) continue;
      for (auto [m, end] = Needles::of(matches, unspaced_needle[k]); m != end; ++m)
        name_hits.push_back({{n.kind, 90, m->begin, std::uint32_t(m->begin + n.folded.size())}, n.weak, n.person});
    }
    spaced_unspaced(t, text);
  }

  // The same characters written with spaces between them ("山 田 太 郎", ideographic spaces folded
  // to ASCII ones): unspaced tokens joined across gaps of spaces only, searched for each part.
  void spaced_unspaced(const std::vector<Token>& t, std::string_view text) {
    bool any = false;
    for (const auto& n : ids.names) any |= n.unspaced_script && !n.weak;
    if (!any) return;
    std::string joined;
    std::vector<std::uint32_t> at;  // folded offset of each joined byte
    auto search = [&] {
      if (joined.empty()) return;
      for (const auto& n : ids.names) {
        if (!n.unspaced_script || n.weak) continue;
        for (std::size_t p = joined.find(n.folded); p != std::string::npos; p = joined.find(n.folded, p + 1)) {
          const std::uint32_t b = at[p], e = at[p + n.folded.size() - 1] + 1;
          // Only where spaces were dropped: the plain substring was found above.
          if (e - b != n.folded.size()) name_hits.push_back({{n.kind, 85, b, e}, false, n.person});
        }
      }
      joined.clear();
      at.clear();
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (!t[i].unspaced) { search(); continue; }
      if (!joined.empty()) {
        std::string_view gap = text.substr(t[i - 1].e, t[i].b - t[i - 1].e);
        if (gap.empty() || gap.size() > 3 || gap.find_first_not_of(' ') != std::string_view::npos) search();
      }
      for (std::uint32_t k = t[i].b; k < t[i].e; ++k) { joined += text[k]; at.push_back(k); }
    }
    search();
  }

  // Weak parts (one or two letters, ordinary words) count only next to another hit of a name.
  void settle_names() {
    for (const auto& h : name_hits) {
      bool keep = !h.weak;
      for (const auto& o : name_hits) {
        if (keep) break;
        if (&o == &h || (o.weak && o.person != h.person)) continue;
        std::uint32_t gap_b = std::min(h.f.end, o.f.end), gap_e = std::max(h.f.begin, o.f.begin);
        if (gap_e < gap_b || gap_e - gap_b > 3) continue;
        bool clean_gap = true;
        for (std::uint32_t k = gap_b; k < gap_e; ++k) {
          char c = f.text[k];
          clean_gap &= c == ' ' || c == ',' || c == '^' || c == '.' || c == '-';
        }
        keep = clean_gap;
      }
      if (keep) hits.push_back(hyphened(h.f));
    }
  }

  // A double-barrelled name one half of which is the person's ("GONZALEZ-RAMIREZ" for
  // Gonzalez^Maria): the other half goes with it, unless it is an ordinary word ("Smith-style").
  Finding hyphened(Finding h) const {
    const auto& t = f.tokens;
    const std::string_view text(f.text);
    auto name_word = [&](const Token& k) {
      return k.alpha && !k.digit && !k.unspaced && k.e - k.b >= 2 && !lexicon::is_vocabulary(f.word(k));
    };
    auto after = std::lower_bound(t.begin(), t.end(), h.end + 1, [](const Token& k, std::uint32_t at) { return k.b < at; });
    if (h.end < text.size() && text[h.end] == '-' && after != t.end() && after->b == h.end + 1 && name_word(*after)) h.end = after->e;
    auto before = std::lower_bound(t.begin(), t.end(), h.begin, [](const Token& k, std::uint32_t at) { return k.b < at; });
    if (h.begin >= 2 && text[h.begin - 1] == '-' && before != t.begin() && std::prev(before)->e == h.begin - 1 && name_word(*std::prev(before)))
      h.begin = std::prev(before)->b;
    return h;
  }

  void ids_(const Context& ctx) {
    const std::string_view text(f.text);
    auto word_char = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80; };
    const bool whole_components = ctx.cls == Class::numeric || ctx.cls == Class::uid || ctx.cls == Class::date_time;
    if (whole_components && !ids.ids.empty()) {
      // Numbers and UIDs: cut into components once (a UID at '.', any value at '\\').
      components.clear();
      std::size_t b = 0;
      while (b <= text.size()) {
        std::size_t e = text.find_first_of(ctx.cls == Class::uid ? std::string_view(".\\") : std::string_view("\\"), b);
        if (e == std::string_view::npos) e = text.size();
        std::string_view comp = text.substr(b, e - b);
        while (!comp.empty() && (comp.back() == ' ' || comp.back() == '\0')) comp.remove_suffix(1);
        while (!comp.empty() && comp.front() == ' ') { comp.remove_prefix(1); ++b; }
        components.push_back({std::uint32_t(b), std::uint32_t(comp.size())});
        b = e + 1;
      }
    }
    for (std::size_t k = 0; k < ids.ids.size(); ++k) {
      const auto& id = ids.ids[k];
      if (ctx.cls == Class::binary && id.folded.size() < 6) continue;
      if (ctx.device && id.device) continue;  // a station named after its model is no leak
      if (whole_components) {
        // The ID as a whole value or a whole UID component.
        for (auto [b, n] : components)
          if (text.substr(b, n) == id.folded) hits.push_back({Kind::patient_id, 90, b, b + n});
        continue;
      }
      bool bounded = id.digits_only || id.folded.size() < 6;
      for (auto [m, end] = Needles::of(matches, id_needle[k]); m != end; ++m) {
        const std::size_t at = m->begin;
        std::size_t e = at + id.folded.size();
        if (bounded) {
          auto blocks = [&](char c) { return id.digits_only ? (c >= '0' && c <= '9') : word_char(c); };
          if ((at > 0 && blocks(text[at - 1])) || (e < text.size() && blocks(text[e]))) continue;
        }
        hits.push_back({Kind::patient_id, 95, std::uint32_t(at), std::uint32_t(e)});
      }
    }
    // Without separators, or with others (MRN-88123456 as MRN 88 123 456).
    if (ctx.cls != Class::text && ctx.cls != Class::coded) return;
    for (std::size_t k = 0; k < ids.ids.size(); ++k) {
      const auto& id = ids.ids[k];
      if (id.alnum.size() < 6 || (ctx.device && id.device)) continue;
      build_skeleton();
      for (auto [m, end] = Needles::of(skeleton_matches, alnum_needle[k]); m != end; ++m) {
        const std::size_t at = m->begin;
        std::size_t e = at + id.alnum.size();
        if (id.digits_only && ((at > 0 && skeleton[at - 1] >= '0' && skeleton[at - 1] <= '9') ||
                               (e < skeleton.size() && skeleton[e] >= '0' && skeleton[e] <= '9')))
          continue;
        hits.push_back({Kind::patient_id, 85, skeleton_at[at], skeleton_at[e - 1] + 1});
      }
    }
  }

  // The text's letters and digits only (`skeleton`, with the folded offset of each), and the
  // needles found in it; built once per value, on first use.
  bool skeleton_built = false;
  void build_skeleton() {
    if (skeleton_built) return;
    auto word_char = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80; };
    skeleton.clear();
    skeleton_at.clear();
    for (std::size_t i = 0; i < f.text.size(); ++i)
      if (word_char(f.text[i])) { skeleton += f.text[i]; skeleton_at.push_back(std::uint32_t(i)); }
    needles.find_all(skeleton, skeleton_matches);
    skeleton_built = true;
  }

  void dates_(const Context& ctx, bool any_digit) {
    if (!any_digit) return;
    const std::string_view text(f.text);
    // The canonical YYYYMMDD inside longer digit runs (UIDs built from dates, "ACC20230301").
    for (std::size_t i = 0; i < ids.dates.size(); ++i) {
      const auto& d = ids.dates[i];
      if (ctx.cls == Class::uid && text.substr(0, 5) == "2.25.") break;  // our own UIDs
      for (auto [m, end] = Needles::of(matches, ymd_needle[i]); m != end; ++m) hits.push_back({d.kind, 90, m->begin, m->begin + 8});
    }
    if (ctx.cls == Class::uid) return;
    dates.clear();
    find_dates(f, dates);
    // Any full date in free text or a code string; in device attributes only one written with a
    // month's name (software versions carry numeric build dates).
    const bool generic = (ctx.cls == Class::text || ctx.cls == Class::coded) && !policy.dates_retained && !ctx.own_only;
    for (const auto& h : dates) {
      bool mine = false;
      for (const auto& d : ids.dates) {
        if (d.m == h.m && d.d == h.d && (h.two_digit_year ? d.y % 100 == h.y : d.y == h.y)) {
          hits.push_back({d.kind, std::uint8_t(h.explicit_form ? 95 : 85), h.b, h.e});
          mine = true;
          break;
        }
      }
      if (!mine && generic && h.explicit_form && (!ctx.device || h.month_name)) hits.push_back({Kind::date, 70, h.b, h.e});
    }
  }

  // `lettered`: a UID, date, time or number holding letters, which its VR does not allow.
  void phrases(const Context& ctx, bool lettered) {
    const std::string_view text(f.text);
    auto word_char = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80; };
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80; };
    // `words`: a letter or digit next to the match makes it part of another word; `letters`: only a
    // letter does (an address glued to digits, "XERXESWOOD67", is still the address).
    auto add_all = [&](std::uint32_t needle, const std::string& p, Kind kind, bool words, bool letters = false) {
      for (auto [m, end] = Needles::of(matches, needle); m != end; ++m) {
        const std::size_t at = m->begin;
        std::size_t e = at + p.size();
        auto blocks = [&](char c) { return letters ? letter(c) : word_char(c); };
        if (words && ((at > 0 && blocks(text[at - 1])) || (e < text.size() && blocks(text[e])))) continue;
        hits.push_back({kind, 90, std::uint32_t(at), std::uint32_t(e)});
      }
    };
    // In a lettered value only a phrase with letters counts: a UID or number may hold a digits-only
    // "address" by chance. An address in a code string or a lettered value counts like in text
    // (fuzz_deid wrote "XERXESWOOD008" as a Transfer Syntax UID).
    auto with_letter = [&](const std::string& p) { return !lettered || std::any_of(p.begin(), p.end(), letter); };
    // A device maker is not a site: an institution inside Manufacturer or its model is no finding.
    if (ctx.cls == Class::text || ctx.cls == Class::coded || ctx.cls == Class::binary || lettered)
      for (std::size_t k = 0; k < ids.institutions.size(); ++k)
        if (!(ctx.device && ids.institutions[k].maker) && with_letter(ids.institutions[k].folded))
          add_all(institution_needle[k], ids.institutions[k].folded, Kind::institution, true);
    if (ctx.cls == Class::text || ctx.cls == Class::coded || ctx.cls == Class::binary || lettered)
      for (std::size_t k = 0; k < ids.addresses.size(); ++k)
        if (with_letter(ids.addresses[k])) add_all(address_needle[k], ids.addresses[k], Kind::address, true, true);
    // Glued or hyphenated (MERCY-YARDLEY-CLINIC, CobbleworthHouse): letters and digits compared, for
    // phrases of 10 or more of them (shorter ones could meet by chance across words).
    if (ctx.cls == Class::text || ctx.cls == Class::coded || lettered) {
      auto glued = [&](const std::vector<std::uint32_t>& needle_of, std::size_t k, Kind kind) {
        if (needle_of[k] == Needles::kNone) return;
        build_skeleton();
        for (auto [m, end] = Needles::of(skeleton_matches, needle_of[k]); m != end; ++m)
          hits.push_back({kind, 85, skeleton_at[m->begin], skeleton_at[m->begin + phrase_alnum_size[needle_of[k]] - 1] + 1});
      };
      for (std::size_t k = 0; k < ids.institutions.size(); ++k)
        if (!(ctx.device && ids.institutions[k].maker) && with_letter(ids.institutions[k].folded)) glued(institution_alnum_needle, k, Kind::institution);
      if (ctx.cls == Class::text || lettered)
        for (std::size_t k = 0; k < ids.addresses.size(); ++k)
          if (with_letter(ids.addresses[k])) glued(address_alnum_needle, k, Kind::address);
    }
    if (ids.phones.empty() || ctx.cls == Class::uid || ctx.cls == Class::binary) return;
    // Phone numbers: a run of digits and separators whose digits hold the number (also split by '/'
    // or across the values of a multi-valued number: "617\\555\\0142").
    std::string digits;
    for (std::size_t i = 0; i < text.size();) {
      if (!(text[i] >= '0' && text[i] <= '9') && text[i] != '+' && text[i] != '(') { ++i; continue; }
      std::size_t j = i;
      digits.clear();
      while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || std::strchr(" +-()./\\", text[j]) != nullptr)) {
        if (text[j] >= '0' && text[j] <= '9') digits += text[j];
        ++j;
      }
      for (const auto& p : ids.phones)
        if (digits.find(p) != std::string::npos) { hits.push_back({Kind::phone, 90, std::uint32_t(i), std::uint32_t(j)}); break; }
      i = j;
    }
  }

  // Person names the instance does not name: a title before a capitalised word (Dr Hibbertson,
  // Mme Durand), or a given name next to a surname (John Smith, SMITH^JOHN, Smith, John), with at
  // most one of them an ordinary or medical word.
  void lexicon_names(const Context& ctx) {
    const auto& t = f.tokens;
    const std::string_view text(f.text);
    auto cap = [&](const Token& k) { return ctx.ocr || k.capital || k.upper; };
    auto namelike = [&](const Token& k) { return k.alpha && !k.digit && !k.unspaced && k.e - k.b >= 2; };
    auto gap_after = [&](std::size_t k) { return text.substr(t[k].e, t[k + 1].b - t[k].e); };
    // A name word from token k: one token, or an elision across an apostrophe ("O'Connor",
    // "D’Angelo": the lexicon spells them with ASCII ones). `last` is its last token; `style` the
    // token whose case stands for it.
    struct Word { std::string text; std::size_t last, style; };
    std::string elided;
    auto word_at = [&](std::size_t k, Word& w) {
      w = {std::string(f.word(t[k])), k, k};
      if (k + 1 < t.size() && t[k].e - t[k].b == 1 && t[k].alpha && !t[k].digit && namelike(t[k + 1])) {
        std::string_view g = gap_after(k);
        if (g == "'" || g == "\xE2\x80\x99" || g == "\xCA\xBC") {
          elided.assign(w.text).append("'").append(f.word(t[k + 1]));
          if (lexicon::name_kinds(elided)) w = {elided, k + 1, k + 1};
        }
      }
      return w.last > k || namelike(t[k]);
    };
    Word wa, wb;
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
      if (!word_at(i, wa) || wa.last + 1 >= t.size()) continue;
      const std::size_t nb = wa.last + 1;
      std::string_view a = wa.text;
      std::string_view gap = gap_after(wa.last);
      if (lexicon::is_title(a) && (gap == " " || gap == ". " || gap == "." || gap == "^") && word_at(nb, wb) && cap(t[nb]) &&
          (t[i].capital || t[i].upper)) {
        std::string_view b = wb.text;
        if (!lexicon::is_vocabulary(b) || lexicon::name_kinds(b)) {
          std::size_t j = wb.last;
          while (j + 1 < t.size() && namelike(t[j + 1]) && cap(t[j + 1]) && gap_after(j) == " " &&
                 (lexicon::name_kinds(f.word(t[j + 1])) || !lexicon::is_vocabulary(f.word(t[j + 1]))))
            ++j;
          hits.push_back({Kind::lexicon_name, 80, t[i].b, t[j].e});
          i = j;
          continue;
        }
      }
      // Particles between a given name and the surname ("Femke van der Berg", "Maria de la Cruz").
      std::size_t sb = nb;
      if (gap == " ") {
        static constexpr std::string_view particles[] = {"al", "bin", "da", "das", "de", "del", "della", "den", "der", "di",
                                                         "dos", "du", "el", "ibn", "la", "le", "ten", "ter", "van", "von", "zu"};
        std::size_t k = nb;
        while (k + 1 < t.size() && k < nb + 3 && gap_after(k) == " " &&
               std::find(std::begin(particles), std::end(particles), f.word(t[k])) != std::end(particles))
          ++k;
        sb = k;
      }
      if (!cap(t[i]) || !word_at(sb, wb) || !cap(t[sb])) continue;
      if (!(gap == " " || gap == "^" || gap == ", " || gap == ",")) continue;
      if (ctx.ocr || t[wa.style].upper != t[wb.style].upper) continue;  // "Smith SCAN" is two styles
      std::string_view b = wb.text;
      unsigned ka = lexicon::name_kinds(a), kb = lexicon::name_kinds(b);
      if (!ka || !kb) continue;
      bool va = lexicon::is_vocabulary(a), vb = lexicon::is_vocabulary(b);
      if (va && vb) continue;
      bool given_first = gap == " " && (ka & lexicon::given) && (kb & lexicon::surname);
      bool surname_first = gap != " " && (ka & lexicon::surname) && (kb & lexicon::given);
      if (!given_first && !surname_first) continue;
      // An ordinary word needs the other to be a plain name of the right kind.
      if ((va && !(given_first ? (kb & lexicon::surname) : (kb & lexicon::given))) || (vb && !(given_first ? (ka & lexicon::given) : (ka & lexicon::surname))))
        continue;
      hits.push_back({Kind::lexicon_name, std::uint8_t(va || vb ? 55 : 65), t[i].b, t[wb.last].e});
      i = wb.last;
    }
  }

  // Everything, in folded byte ranges, into `hits`.
  void run(std::string_view utf8, const Context& ctx) {
    hits.clear();
    name_hits.clear();
    skeleton_built = false;
    if (utf8.empty() || ctx.standard_meaning) return;
    fold(utf8, f);
    if (!compiled) compile_needles();
    needles.find_all(f.text, matches);
    bool any_digit = false, any_alpha = false, any_word = false;
    for (const auto& t : f.tokens) { any_digit |= t.digit; any_alpha |= t.alpha; any_word |= t.alpha && t.e - t.b >= 2; }
    // A UID, date or time has no letters: letters in one are not what its VR allows, and are read
    // as words (fuzz_deid wrote a name inside a File Meta Transfer Syntax UID, "1.2.8ZEBULON8.1.2").
    // A number has at most an exponent's single letter: a word in one is read too ("1.5QUIXOTE").
    const bool lettered = ctx.cls == Class::uid || ctx.cls == Class::date_time || (ctx.cls == Class::numeric && any_word);
    const bool words = ctx.cls == Class::text || ctx.cls == Class::coded || ctx.cls == Class::binary || lettered;
    if (words && any_alpha) {
      names(ctx);
      settle_names();
    }
    ids_(ctx);
    if (ctx.cls != Class::binary || any_digit) dates_(ctx, any_digit);
    phrases(ctx, lettered && any_alpha);
    // Device attributes still get the patterns and the lexicon: a planted SSN or name is no maker.
    if (ctx.cls == Class::text || ctx.cls == Class::coded) {
      find_patterns(f, false, hits);
      if (any_alpha) lexicon_names(ctx);
    } else if (lettered && any_alpha && !ctx.own_only) {
      lexicon_names(ctx);  // "House^Gregory" as an Acquisition Time is no time, and a person's name
    } else if (ctx.cls == Class::binary && !ctx.own_only) {
      find_patterns(f, true, hits);
    }
  }

  std::vector<Finding> to_original() const {
    std::vector<Finding> out;
    out.reserve(hits.size());
    for (const auto& h : hits) out.push_back({h.kind, h.confidence, f.orig_begin(h.begin), f.orig_end(h.end)});
    std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) { return a.begin < b.begin || (a.begin == b.begin && a.end > b.end); });
    // One finding per place: a range inside an earlier one (the same ID found with and without
    // separators, a date inside a phone-like run) adds nothing.
    std::vector<Finding> merged;
    for (const auto& x : out)
      if (merged.empty() || x.end > merged.back().end || x.begin >= merged.back().end) merged.push_back(x);
    return merged;
  }

  // Set while find() runs: is the character at original byte `i` a capital after a lower-case
  // letter (any script: "PatientŕZebulon" in Latin-2 glues the name to an accented letter), or a
  // capital after a capital that a lower-case letter follows, where capitals end and a word starts
  // ("MRQuixote"; fuzz_deid wrote "ÛQuixote" in a Latin-1 Series Description)?
  std::string_view original;
  bool camel(std::uint32_t i) const {
    if (i == 0 || i >= original.size()) return false;
    const auto* s = reinterpret_cast<const std::uint8_t*>(original.data());
    const std::int32_t n = std::int32_t(original.size());
    std::int32_t k = std::int32_t(i), j = std::int32_t(i);
    UChar32 c, prev, next = -1;
    U8_NEXT(s, k, n, c);
    U8_PREV(s, 0, j, prev);
    if (k < n) U8_NEXT(s, k, n, next);
    if (c < 0 || prev < 0 || !(u_isupper(c) || u_istitle(c))) return false;
    return u_islower(prev) || (u_isupper(prev) && next >= 0 && u_islower(next));
  }
};

Detector::Detector() : impl_(std::make_unique<Impl>()) {}
Detector::Detector(InstanceIdentifiers ids, Policy policy) : impl_(std::make_unique<Impl>()) {
  impl_->ids = std::move(ids);
  impl_->policy = policy;
  for (const auto& n : impl_->ids.names) impl_->max_part = std::max(impl_->max_part, n.folded.size());
  for (const auto& d : impl_->ids.dates) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%04u%02u%02u", unsigned(d.y) % 10000u, unsigned(d.m) % 100u, unsigned(d.d) % 100u);
    impl_->ymd.push_back({});
    std::memcpy(impl_->ymd.back().data(), buf, 8);
  }
}
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;
Detector::~Detector() = default;

const InstanceIdentifiers& Detector::identifiers() const { return impl_->ids; }
const Policy& Detector::policy() const { return impl_->policy; }

std::vector<Finding> Detector::find(std::string_view utf8, const Context& ctx) const {
  impl_->original = utf8;
  impl_->run(utf8, ctx);
  auto found = impl_->to_original();
  // Text with accents or Cyrillic/Greek look-alike letters, read again as a reader of Latin script
  // sees it, for what spans words (an ID "QР4419027" with a Cyrillic Р, a month "Sеp" with a
  // Cyrillic е): a finding there covers the whole value, whose bytes no longer map one to one.
  if (found.empty() && !impl_->f.identity && ctx.cls != Class::binary) {
    std::string skeleton = latin_skeleton(impl_->f.text);
    if (skeleton != impl_->f.text) {
      Context own = ctx;
      own.own_only = true;
      impl_->original = skeleton;
      impl_->run(skeleton, own);
      if (!impl_->hits.empty()) found.push_back({impl_->hits.front().kind, impl_->hits.front().confidence, 0, std::uint32_t(utf8.size())});
    }
  }
  return found;
}

bool Detector::clean(std::string& utf8, const Context& ctx) const {
  auto found = find(utf8, ctx);
  if (found.empty()) return false;
  // Merge ranges, widen each to a title or connector left dangling before it ("for", "Dr.").
  std::string out;
  std::size_t last = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  for (const auto& fnd : found) {
    std::size_t b = std::max<std::size_t>(fnd.begin, last), e = fnd.end;
    if (e <= last) continue;
    // The word before: drop it when it only announces what was removed.
    std::size_t wb = b;
    while (wb > last && (is_space(utf8[wb - 1]) || utf8[wb - 1] == '.' || utf8[wb - 1] == ':' || utf8[wb - 1] == ',')) --wb;
    std::size_t ws = wb;
    while (ws > last && static_cast<unsigned char>(utf8[ws - 1]) > ' ' && utf8[ws - 1] != '^' && utf8[ws - 1] != '\\') --ws;
    std::string w = fold(std::string_view(utf8).substr(ws, wb - ws));
    static constexpr std::string_view connectors[] = {"for", "of", "by", "from", "to", "patient", "pt", "name", "dob", "born",
                                                      "pour", "de", "von", "für", "per", "para", "née", "nee", "ne"};
    if (lexicon::is_title(w) || std::find(std::begin(connectors), std::end(connectors), w) != std::end(connectors)) b = ws;
    out.append(utf8, last, b - last);
    last = e;
  }
  out.append(utf8, last, std::string::npos);
  // Tidy: no doubled spaces or separators left at the ends.
  std::string tidy;
  for (char c : out) {
    if (is_space(c) && (tidy.empty() || is_space(tidy.back()) || tidy.back() == '\\' || tidy.back() == '^')) continue;
    if ((c == '\\' || c == '^') && !tidy.empty() && is_space(tidy.back())) tidy.pop_back();
    tidy += c;
  }
  while (!tidy.empty() && (is_space(tidy.back()) || tidy.back() == ',' || tidy.back() == '-' || tidy.back() == ':')) tidy.pop_back();
  utf8 = std::move(tidy);
  return true;
}

bool Detector::any_in_bytes(Bytes bytes, const std::vector<std::string>& cs, Kind* kind, bool patterns) const {
  Context ctx;
  ctx.cls = Class::binary;
  ctx.own_only = !patterns;
  auto check = [&](std::string_view s) {
    impl_->original = s;
    impl_->run(s, ctx);
    if (impl_->hits.empty()) return false;
    if (kind) *kind = impl_->hits.front().kind;
    return true;
  };
  // Printable runs of at least 4 characters, read five ways: single bytes (ASCII, UTF-8, Latin-1
  // as-is), UTF-16LE and UTF-16BE from an even and from an odd offset (a blob or a codestream puts
  // a string at any offset: fuzz_deid hid a UTF-16LE name at an odd one, read one letter short);
  // plus the whole value in the instance's character set when that is not an ASCII superset read
  // byte by byte.
  std::string run;
  auto printable = [](std::uint8_t c) { return c >= 0x20 && c != 0x7F; };
  for (int view = 0; view < 5; ++view) {
    const std::size_t step = view == 0 ? 1 : 2;
    const bool be = view == 2 || view == 4;
    run.clear();
    for (std::size_t i = view >= 3 ? 1 : 0; i + step <= bytes.size(); i += step) {
      std::uint8_t c = bytes[i + (be ? 1 : 0)];
      bool ok = printable(c) && (view == 0 || bytes[i + (be ? 0 : 1)] == 0);
      if (ok) { run += char(c); continue; }
      if (run.size() >= 4 && check(run)) return true;
      run.clear();
    }
    if (run.size() >= 4 && check(run)) return true;
    if (bytes.size() < 8) break;
  }
  bool multibyte = false;
  for (const auto& t : cs) multibyte |= t.find("2022") != std::string::npos || t == "GB18030" || t == "GBK" || t == "ISO_IR 192";
  if (multibyte && bytes.size() <= (1u << 20)) {
    std::string text = charset::decode(bytes, cs, vrs::UT);
    if (check(text)) return true;
  }
  // Deflated streams inside the value (not in codestreams: their filters keep only image data), read
  // the same ways, once (what they inflate to is not inflated again).
  if (patterns && !inflating_) {
    inflating_ = true;
    bool found = false;
    for (const auto& s : detail::inflated_streams(bytes))
      if ((found = any_in_bytes(Bytes(s.data(), s.size()), cs, kind, patterns))) break;
    inflating_ = false;
    return found;
  }
  return false;
}

}  // namespace dicomscrub::phi
