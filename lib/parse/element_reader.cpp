// lib/parse/element_reader.cpp — see element_reader.hpp.
#include "parse/element_reader.hpp"

#include <cstring>

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "dict/dictionary.hpp"

namespace dicomscrub::detail {

Error ElementReader::error(ErrorCode code, std::uint64_t offset, std::string reason) const {
  std::string path;
  const std::size_t n = path_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 8 && i >= 3 && i < n - 3) {  // keep messages one line long for hostile nesting
      if (i == 3) path += fmt::format("/...{} levels...", n - 6);
      continue;
    }
    if (!path.empty()) path += '/';
    path += path_[i].tag.str();
    if (path_[i].item >= 0) path += fmt::format("[{}]", path_[i].item);
  }
  return Error{code, name_, offset, std::move(path), std::move(reason)};
}

Status ElementReader::count() {
  if (++count_ > opt_.max_elements)
    return Error{ErrorCode::limit_exceeded, name_, 0, {}, fmt::format("more than {} elements", opt_.max_elements)};
  return Ok{};
}

Status ElementReader::load_block(std::uint64_t offset) {
  std::size_t n = std::size_t(std::min<std::uint64_t>(kBlock, src_.size() - offset));
  block_.resize(n);  // at most 64 KiB
  if (auto st = src_.read(offset, block_); !st) return st;
  block_offset_ = offset;
  return Ok{};
}

// Header bytes come from memory directly, or from the current block of a file source.
Status ElementReader::fetch(std::uint64_t offset, std::size_t n, const std::uint8_t*& p) {
  if (offset > src_.size() || n > src_.size() - offset)
    return error(ErrorCode::truncated, offset, "the data ends inside an element header");
  if (!mem_.empty()) { p = mem_.data() + offset; return Ok{}; }
  if (offset < block_offset_ || offset + n > block_offset_ + block_.size())
    if (auto st = load_block(offset); !st) return st;
  p = block_.data() + (offset - block_offset_);
  return Ok{};
}

Value ElementReader::make_value(std::uint64_t offset, std::uint32_t length, Status& st) {
  st = Ok{};
  if (!mem_.empty() || length > opt_.defer_threshold) return Value::in_source(&src_, offset, length);
  std::vector<std::uint8_t> bytes(length);  // bounded by defer_threshold and checked against the source size
  if (offset >= block_offset_ && offset + length <= block_offset_ + block_.size()) {
    if (length) std::memcpy(bytes.data(), block_.data() + (offset - block_offset_), length);
  } else if (length <= kBlock / 2) {
    st = load_block(offset);  // small values usually have neighbours: read ahead
    if (st && length) std::memcpy(bytes.data(), block_.data(), length);
  } else {
    st = src_.read(offset, bytes);
  }
  return Value::owned(std::move(bytes));
}

bool detect_encoding(Bytes head, Encoding& enc) {
  if (head.size() < 8) return false;
  std::uint16_t g_le = load16(head.data(), false), g_be = load16(head.data(), true);
  enc.big_endian = g_be < g_le;
  VR vr = vr_from_chars(char(head[4]), char(head[5]));
  enc.explicit_vr = is_known_vr(vr);
  enc.deflated = false;
  return true;
}

Result<std::uint64_t> ElementReader::read_dataset(Dataset& out, std::uint64_t begin, std::uint64_t end, Encoding enc,
                                                  int stop_group) {
  path_.clear();
  return read_elements(out, begin, end, enc, 0, false, nullptr, stop_group);
}

Result<std::uint64_t> ElementReader::read_elements(Dataset& out, std::uint64_t pos, std::uint64_t end, Encoding enc,
                                                   std::size_t depth, bool in_undefined_item,
                                                   std::uint32_t* delim_len, int stop_group) {
  const bool be = enc.big_endian;
  auto& elements = out.elements();
  while (pos < end) {
    const std::uint64_t at = pos;
    const std::uint8_t* p = nullptr;
    if (end - pos < 8) return error(ErrorCode::truncated, at, fmt::format("{} stray bytes where an element header should start", end - pos));
    if (auto st = fetch(pos, 8, p); !st) return st.error();
    Tag tag(load16(p, be), load16(p + 2, be));
    if (stop_group >= 0 && tag.group != stop_group) return pos;
    if (tag == tags::item_delimitation) {
      if (!in_undefined_item) return error(ErrorCode::bad_structure, at, "item delimiter outside an undefined-length item");
      *delim_len = load32(p + 4, be);
      return pos + 8;
    }
    if (tag.group == 0xFFFE)
      return error(ErrorCode::bad_structure, at, fmt::format("{} where a data element should be", tag.str()));
    if (auto st = count(); !st) return st.error();

    Element e;
    e.tag = tag;
    e.offset = at;
    path_.push_back({tag, -1});
    std::uint32_t length = 0;
    if (enc.explicit_vr) {
      e.vr = vr_from_chars(char(p[4]), char(p[5]));
      // VR bytes that are no VR: a header of letters is taken as a VR newer than our dictionary,
      // which PS3.5 6.2 gives the 32-bit length form; anything else (spaces, zeros, seen from some
      // writers) keeps the 16-bit form. Both keep the bytes as written, so the file round-trips.
      bool long_form = has_long_length(e.vr);
      if (!is_known_vr(e.vr)) {
        auto letter = [](std::uint8_t c) { return c >= 'A' && c <= 'Z'; };
        long_form = letter(p[4]) && letter(p[5]);
      }
      if (long_form) {
        if (end - pos < 12) return error(ErrorCode::truncated, at, "the container ends inside an element header");
        if (auto st = fetch(pos, 12, p); !st) return st.error();
        e.reserved = load16(p + 6, be);
        length = load32(p + 8, be);
        pos += 12;
      } else {
        length = load16(p + 6, be);
        pos += 8;
      }
    } else {
      e.vr = dict::implicit_vr(tag);
      length = load32(p + 4, be);
      pos += 8;
    }
    e.length = length;

    if (length == kUndefinedLength) {
      if (tag == tags::pixel_data && e.vr != vrs::SQ) {
        e.form = ElementForm::encapsulated;
        auto r = read_fragments(e, pos, end);
        if (!r) return std::move(r).error();
        pos = *r;
      } else if (e.vr == vrs::SQ || e.vr == vrs::UN || !enc.explicit_vr) {
        e.form = ElementForm::sequence;
        Encoding inner = enc;
        if (enc.explicit_vr && e.vr == vrs::UN) {  // CP-246: an unknown sequence is Implicit VR LE inside
          e.implicit_items = true;
          inner = Encoding{false, false, false};
        }
        if (depth + 1 > opt_.max_depth)
          return error(ErrorCode::limit_exceeded, at, fmt::format("sequences nested deeper than {}", opt_.max_depth));
        auto r = read_items(e, pos, end, inner, depth + 1);
        if (!r) return std::move(r).error();
        pos = *r;
      } else {
        return error(ErrorCode::bad_length, at, fmt::format("undefined length is not allowed for VR {}", to_string(e.vr)));
      }
    } else {
      if (length > end - pos)
        return error(pos + length > src_.size() ? ErrorCode::truncated : ErrorCode::bad_length, at,
                     fmt::format("value length {} runs past the end of its container ({} bytes left)", length, end - pos));
      if (e.vr == vrs::SQ) {
        e.form = ElementForm::sequence;
        if (depth + 1 > opt_.max_depth)
          return error(ErrorCode::limit_exceeded, at, fmt::format("sequences nested deeper than {}", opt_.max_depth));
        auto r = read_items(e, pos, pos + length, enc, depth + 1);
        if (!r) return std::move(r).error();
        pos = *r;
      } else {
        Status st = Ok{};
        e.value = make_value(pos, length, st);
        if (!st) return st.error();
        pos += length;
      }
    }
    path_.pop_back();
    elements.push_back(std::move(e));
  }
  if (in_undefined_item) return error(ErrorCode::truncated, pos, "the data ends inside an undefined-length item");
  return pos;
}

Result<std::uint64_t> ElementReader::read_items(Element& e, std::uint64_t pos, std::uint64_t end, Encoding enc,
                                                std::size_t depth) {
  const bool be = enc.big_endian;
  const bool undefined = e.undefined_length();
  while (undefined || pos < end) {
    const std::uint64_t at = pos;
    const std::uint8_t* p = nullptr;
    if (end - pos < 8) return error(ErrorCode::truncated, at, undefined ? "the data ends inside an undefined-length sequence" : "stray bytes inside a sequence");
    if (auto st = fetch(pos, 8, p); !st) return st.error();
    Tag tag(load16(p, be), load16(p + 2, be));
    std::uint32_t length = load32(p + 4, be);
    pos += 8;
    if (tag == tags::sequence_delimitation) {
      if (!undefined) return error(ErrorCode::bad_structure, at, "sequence delimiter in a defined-length sequence");
      e.delimiter_length = length;
      return pos;
    }
    if (tag != tags::item)
      return error(ErrorCode::bad_structure, at, fmt::format("{} where a sequence item should be", tag.str()));
    if (auto st = count(); !st) return st.error();
    Item item;
    item.offset = at;
    item.length = length;
    path_.back().item = long(e.items.size());
    if (length == kUndefinedLength) {
      auto r = read_elements(item.dataset, pos, end, enc, depth, true, &item.delimiter_length, -1);
      if (!r) return std::move(r).error();
      pos = *r;
    } else {
      if (length > end - pos)
        return error(ErrorCode::bad_length, at, fmt::format("item length {} runs past the end of its sequence ({} bytes left)", length, end - pos));
      auto r = read_elements(item.dataset, pos, pos + length, enc, depth, false, nullptr, -1);
      if (!r) return std::move(r).error();
      pos = *r;
    }
    path_.back().item = -1;
    e.items.push_back(std::move(item));
  }
  return pos;
}

Result<std::uint64_t> ElementReader::read_fragments(Element& e, std::uint64_t pos, std::uint64_t end) {
  for (;;) {
    const std::uint64_t at = pos;
    const std::uint8_t* p = nullptr;
    if (pos == end && end == src_.size() && !e.fragments.empty()) {
      e.delimiter_missing = true;  // the file ends after a whole fragment: keep it as it is
      return pos;
    }
    if (end - pos < 8) return error(ErrorCode::truncated, at, "the data ends inside encapsulated pixel data");
    if (auto st = fetch(pos, 8, p); !st) return st.error();
    Tag tag(load16(p, false), load16(p + 2, false));
    std::uint32_t length = load32(p + 4, false);
    pos += 8;
    if (tag == tags::sequence_delimitation) {
      e.delimiter_length = length;
      return pos;
    }
    if (tag != tags::item)
      return error(ErrorCode::bad_structure, at, fmt::format("{} where a pixel data fragment should be", tag.str()));
    if (length == kUndefinedLength) return error(ErrorCode::bad_length, at, "a pixel data fragment has undefined length");
    if (length > end - pos)
      return error(ErrorCode::truncated, at, fmt::format("fragment length {} runs past the end of the data ({} bytes left)", length, end - pos));
    if (auto st = count(); !st) return st.error();
    Status st = Ok{};
    Fragment f;
    f.offset = at;
    f.value = make_value(pos, length, st);
    if (!st) return st.error();
    e.fragments.push_back(std::move(f));
    pos += length;
  }
}

}  // namespace dicomscrub::detail
