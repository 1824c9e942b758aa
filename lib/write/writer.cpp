// lib/write/writer.cpp — serialize the object model. Owns encoding decisions (header forms,
// recomputed lengths, deflate); must not decide what to change (that is the profile's job).
#include "dicomscrub/writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "dicomscrub/reader.hpp"

namespace dicomscrub {
namespace {

using detail::store16;
using detail::store32;

// The explicit-VR header form; mirrors the reader's rule for VR bytes that are no VR.
bool long_form(VR vr) {
  if (is_known_vr(vr)) return has_long_length(vr);
  auto v = std::uint16_t(vr);
  auto letter = [](unsigned c) { return c >= 'A' && c <= 'Z'; };
  return letter(v >> 8) && letter(v & 0xFF);
}

// Size of an element as it will be written; group lengths use it when a data set was modified.
std::uint64_t encoded_size(const Dataset& ds, Encoding enc);

std::uint64_t items_size(const Element& e, Encoding enc) {
  std::uint64_t n = 0;
  for (const auto& item : e.items) {
    n += 8 + encoded_size(item.dataset, enc);
    if (item.undefined_length()) n += 8;
  }
  return n;
}

std::uint64_t element_size(const Element& e, Encoding enc) {
  std::uint64_t header = enc.explicit_vr ? (long_form(e.vr) ? 12 : 8) : 8;
  switch (e.form) {
    case ElementForm::value: return header + e.value.size();
    case ElementForm::sequence: {
      Encoding inner = e.implicit_items ? Encoding{false, false, false} : enc;
      return header + items_size(e, inner) + (e.undefined_length() ? 8 : 0);
    }
    case ElementForm::encapsulated: {
      std::uint64_t n = header + (e.delimiter_missing ? 0 : 8);
      for (const auto& f : e.fragments) n += 8 + f.value.size();
      return n;
    }
  }
  return header;
}

std::uint64_t encoded_size(const Dataset& ds, Encoding enc) {
  std::uint64_t n = 0;
  for (const auto& e : ds.elements()) n += element_size(e, enc);
  return n;
}

class Encoder {
 public:
  explicit Encoder(ByteSink& sink) : sink_(sink) {}

  Status dataset(const Dataset& ds, Encoding enc) {
    std::map<std::uint16_t, std::uint32_t> group_lengths;
    if (ds.modified()) {
      for (const auto& e : ds.elements())
        if (!e.tag.is_group_length()) group_lengths[e.tag.group] += std::uint32_t(element_size(e, enc));
    }
    for (const auto& e : ds.elements()) {
      if (ds.modified() && e.tag.is_group_length() && e.form == ElementForm::value && e.value.size() == 4) {
        std::uint8_t v[4];
        store32(v, group_lengths[e.tag.group], enc.big_endian);
        if (auto st = header(e, enc, 4); !st) return st;
        if (auto st = sink_.write(Bytes(v, 4)); !st) return st;
        continue;
      }
      if (auto st = element(e, enc); !st) return st;
    }
    return Ok{};
  }

 private:
  Status header(const Element& e, Encoding enc, std::uint32_t length) {
    std::uint8_t h[12];
    store16(h, e.tag.group, enc.big_endian);
    store16(h + 2, e.tag.element, enc.big_endian);
    std::size_t n = 8;
    if (enc.explicit_vr) {
      auto v = std::uint16_t(e.vr);
      h[4] = std::uint8_t(v >> 8);
      h[5] = std::uint8_t(v);
      if (long_form(e.vr)) {
        store16(h + 6, e.reserved, enc.big_endian);
        store32(h + 8, length, enc.big_endian);
        n = 12;
      } else {
        if (length > 0xFFFF) return Error{ErrorCode::invalid_argument, {}, 0, e.tag.str(), fmt::format("value of {} bytes does not fit VR {}", length, to_string(e.vr))};
        store16(h + 6, std::uint16_t(length), enc.big_endian);
      }
    } else {
      store32(h + 4, length, enc.big_endian);
    }
    return sink_.write(Bytes(h, n));
  }

  Status marker(Tag tag, std::uint32_t length, bool big_endian) {
    std::uint8_t h[8];
    store16(h, tag.group, big_endian);
    store16(h + 2, tag.element, big_endian);
    store32(h + 4, length, big_endian);
    return sink_.write(Bytes(h, 8));
  }

  Status value(const Value& v) {
    if (auto b = v.bytes()) return v.empty() ? Status(Ok{}) : sink_.write(*b);
    return sink_.copy_from(*v.source(), v.source_offset(), v.size());
  }

  Status element(const Element& e, Encoding enc) {
    switch (e.form) {
      case ElementForm::value: {
        if (auto st = header(e, enc, e.value.size()); !st) return st;
        return value(e.value);
      }
      case ElementForm::sequence: {
        Encoding inner = e.implicit_items ? Encoding{false, false, false} : enc;
        std::uint32_t len = e.undefined_length() ? kUndefinedLength : std::uint32_t(items_size(e, inner));
        if (auto st = header(e, enc, len); !st) return st;
        for (const auto& item : e.items) {
          std::uint32_t ilen = item.undefined_length() ? kUndefinedLength : std::uint32_t(encoded_size(item.dataset, inner));
          if (auto st = marker(tags::item, ilen, inner.big_endian); !st) return st;
          if (auto st = dataset(item.dataset, inner); !st) return st;
          if (item.undefined_length())
            if (auto st = marker(tags::item_delimitation, item.delimiter_length, inner.big_endian); !st) return st;
        }
        if (e.undefined_length()) return marker(tags::sequence_delimitation, e.delimiter_length, inner.big_endian);
        return Ok{};
      }
      case ElementForm::encapsulated: {
        if (auto st = header(e, enc, kUndefinedLength); !st) return st;
        for (const auto& f : e.fragments) {
          if (auto st = marker(tags::item, f.value.size(), false); !st) return st;
          if (auto st = value(f.value); !st) return st;
        }
        if (e.delimiter_missing) return Ok{};
        return marker(tags::sequence_delimitation, e.delimiter_length, false);
      }
    }
    return Ok{};
  }

  ByteSink& sink_;
};

Status deflate_into(const std::vector<std::uint8_t>& raw, ByteSink& sink) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Error{ErrorCode::unsupported, {}, 0, {}, "zlib init failed"};
  std::vector<std::uint8_t> out(1 << 16);
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = uInt(raw.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    rc = deflate(&zs, Z_FINISH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) { deflateEnd(&zs); return Error{ErrorCode::io, {}, 0, {}, "deflate failed"}; }
    if (auto st = sink.write(Bytes(out.data(), out.size() - zs.avail_out)); !st) { deflateEnd(&zs); return st; }
  }
  deflateEnd(&zs);
  return Ok{};
}

bool tree_modified(const Dataset& ds) {
  if (ds.modified()) return true;
  for (const auto& e : ds.elements())
    for (const auto& item : e.items)
      if (tree_modified(item.dataset)) return true;
  return false;
}

}  // namespace

void align_bulk_data(DicomFile& file) {
  if (file.encoding.deflated) return;
  // The first top-level value large enough to matter that is left in its file, or that read_file
  // would have left there by default (an input over ReadOptions' whole_file_limit given as a
  // buffer): the same bytes give the same output whether read from the file or from memory.
  std::uint64_t before = 0;
  const Element* bulk = nullptr;
  const std::uint64_t whole_file_limit = ReadOptions{}.whole_file_limit;
  for (const auto& e : file.dataset.elements()) {
    const bool in_file_or_large = e.value.source() && (!e.value.bytes() || e.value.source()->size() > whole_file_limit);
    if (e.form == ElementForm::value && in_file_or_large && e.value.size() >= (1u << 20)) { bulk = &e; break; }
    before += element_size(e, file.encoding);
  }
  if (!bulk) return;
  const std::uint64_t header = file.encoding.explicit_vr ? (long_form(bulk->vr) ? 12 : 8) : 8;
  Dataset& meta = file.meta;
  meta.remove(Tag(0x0002, 0x0100));
  meta.remove(Tag(0x0002, 0x0102));
  const std::string creator = std::string(kImplementationClassUid) + ".1";  // 46 chars: even
  auto out_offset = [&] {
    return (file.has_preamble ? 132 : 0) + encoded_size(meta, Encoding{true, false, false}) + before + header;
  };
  const std::uint64_t in_offset = bulk->value.source_offset();
  // How fast the kernel copies the value depends on where it lands (bench/bulk_alignment.py, ext4,
  // Linux 6.18, CPU of copy_file_range): at another offset within a page than in the input, 1.6-2.5x
  // the same offset; at the same offset within a page but another page index, 1.5x; at the same
  // offset modulo 64 KiB (the page cache's large folios), the same as the input's own offset. Large
  // values keep their offset modulo 64 KiB (at most 64 KiB of padding, under 0.4 % of 16 MiB),
  // smaller ones their offset within the page.
  const std::uint64_t unit = bulk->value.size() >= (16u << 20) ? 65536 : 4096;
  std::uint64_t fixed = out_offset() + 8 + creator.size() + 12;  // with both elements, empty padding
  std::uint64_t pad = (in_offset + unit - fixed % unit) % unit;
  if (out_offset() % unit == in_offset % unit) return;
  if (pad % 2) return;  // cannot happen with even-length values; never write odd padding
  meta.set_string(Tag(0x0002, 0x0100), vrs::UI, creator);
  meta.set(Tag(0x0002, 0x0102), vrs::OB, std::vector<std::uint8_t>(pad, 0));
}

Status ByteSink::copy_from(const ByteSource& src, std::uint64_t offset, std::uint64_t length) {
  std::vector<std::uint8_t> buf(std::size_t(std::min<std::uint64_t>(length, 1 << 20)));
  while (length > 0) {
    std::size_t n = std::size_t(std::min<std::uint64_t>(length, buf.size()));
    if (auto st = src.read(offset, std::span<std::uint8_t>(buf.data(), n)); !st) return st;
    if (auto st = write(Bytes(buf.data(), n)); !st) return st;
    offset += n;
    length -= n;
  }
  return Ok{};
}

Status VectorSink::write(Bytes bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  return Ok{};
}

Status write(const DicomFile& file, ByteSink& sink) {
  if (file.has_preamble) {
    if (auto st = sink.write(Bytes(file.preamble.data(), 128)); !st) return st;
    if (auto st = sink.write(Bytes(reinterpret_cast<const std::uint8_t*>("DICM"), 4)); !st) return st;
  }
  Encoder enc(sink);
  if (auto st = enc.dataset(file.meta, Encoding{true, false, false}); !st) return st;
  if (!file.encoding.deflated) return enc.dataset(file.dataset, file.encoding);
  if (file.deflated_stream && !tree_modified(file.dataset)) {
    const Value& v = *file.deflated_stream;
    if (auto b = v.bytes()) return sink.write(*b);
    return sink.copy_from(*v.source(), v.source_offset(), v.size());
  }
  VectorSink raw;
  Encoder inner(raw);
  if (auto st = inner.dataset(file.dataset, Encoding{file.encoding.explicit_vr, file.encoding.big_endian, false}); !st) return st;
  return deflate_into(raw.bytes(), sink);
}

Result<std::vector<std::uint8_t>> write_to_buffer(const DicomFile& file) {
  VectorSink sink;
  if (auto st = write(file, sink); !st) return st.error();
  return std::move(sink.bytes());
}

}  // namespace dicomscrub
