// lib/parse/file_reader.cpp — the read_*() entry points: preamble and File Meta Information,
// transfer syntax resolution and detection, inflating deflated data sets, choosing a source.
#include <zlib.h>

#include <cstring>

#include <fmt/format.h>

#include "dicomscrub/reader.hpp"
#include "dict/dictionary.hpp"
#include "parse/element_reader.hpp"

namespace dicomscrub {
namespace {

std::string trim_uid(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

// Raw deflate (PS3.5 A.5), growing the output in bounded steps up to a limit.
Result<std::vector<std::uint8_t>> inflate_dataset(const ByteSource& src, std::uint64_t begin, const ReadOptions& opt,
                                                  const std::string& name) {
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Error{ErrorCode::unsupported, name, begin, {}, "zlib init failed"};
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> in(1 << 16);
  std::uint64_t pos = begin;
  int rc = Z_OK;
  Bytes mem = src.memory();
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0) {
      if (pos >= src.size()) break;  // stream ended without Z_STREAM_END: accept what we have if any
      std::size_t n = std::size_t(std::min<std::uint64_t>(in.size(), src.size() - pos));
      if (!mem.empty()) {
        zs.next_in = const_cast<Bytef*>(mem.data() + pos);
      } else {
        if (auto st = src.read(pos, std::span<std::uint8_t>(in.data(), n)); !st) { inflateEnd(&zs); return st.error(); }
        zs.next_in = in.data();
      }
      zs.avail_in = uInt(n);
      pos += n;
    }
    if (out.size() - zs.total_out < 65536) {
      if (out.size() >= opt.max_inflated_size) {
        inflateEnd(&zs);
        return Error{ErrorCode::limit_exceeded, name, begin, {}, "deflated data set inflates beyond the size limit"};
      }
      out.resize(std::min<std::uint64_t>(std::max<std::uint64_t>(out.size() * 2, 1 << 16), opt.max_inflated_size));
    }
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = uInt(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      inflateEnd(&zs);
      return Error{ErrorCode::bad_structure, name, begin, {}, fmt::format("deflated data set is corrupt ({})", zs.msg ? zs.msg : "zlib error")};
    }
  }
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

}  // namespace

Result<DicomFile> read_source(std::shared_ptr<ByteSource> source, const ReadOptions& opt, std::string name) {
  DicomFile file;
  file.path = name;
  const ByteSource& src = *source;
  file.sources.push_back(source);
  const std::uint64_t size = src.size();
  detail::ElementReader reader(src, opt, name);

  std::uint8_t head[132] = {};
  std::size_t head_n = std::size_t(std::min<std::uint64_t>(size, sizeof head));
  if (auto st = src.read(0, std::span<std::uint8_t>(head, head_n)); !st) return st.error();

  std::uint64_t pos = 0;
  if (head_n == 132 && std::memcmp(head + 128, "DICM", 4) == 0) {
    file.has_preamble = file.has_magic = true;
    std::memcpy(file.preamble.data(), head, 128);
    pos = 132;
  }
  // The meta group, with or without a preamble: group 0002 in Explicit VR LE.
  std::uint8_t first[8] = {};
  bool have_first = size - pos >= 8 && src.read(pos, std::span<std::uint8_t>(first, 8)).ok();
  if (have_first && first[0] == 0x02 && first[1] == 0x00) {
    Encoding meta_enc{true, false, false};
    if (!is_known_vr(vr_from_chars(char(first[4]), char(first[5])))) meta_enc.explicit_vr = false;  // seen in the wild
    auto r = reader.read_dataset(file.meta, pos, size, meta_enc, 0x0002);
    if (!r) return std::move(r).error();
    pos = *r;
    if (!meta_enc.explicit_vr)
      return reader.error(ErrorCode::unsupported, 0, "File Meta Information in Implicit VR is not supported");
  } else if (file.has_preamble && !have_first && size == pos) {
    return reader.error(ErrorCode::truncated, pos, "nothing after the DICM prefix");
  }
  file.dataset_offset = pos;

  if (auto ts = file.meta.get_string(tags::transfer_syntax_uid)) file.transfer_syntax_uid = trim_uid(*ts);
  if (file.transfer_syntax_uid.empty() && !opt.transfer_syntax.empty()) file.transfer_syntax_uid = opt.transfer_syntax;

  bool known = false;
  if (!file.transfer_syntax_uid.empty()) {
    if (const auto* ts = dict::transfer_syntax(file.transfer_syntax_uid)) {
      file.encoding = Encoding{ts->explicit_vr, ts->big_endian, ts->deflated};
      known = true;
    } else {
      file.encoding = Encoding{true, false, false};  // private syntaxes are Explicit VR LE in practice
    }
  }

  std::shared_ptr<ByteSource> body = source;
  std::uint64_t body_begin = pos;
  if (file.encoding.deflated) {
    if (size - pos > 0xFFFFFFFFull) return reader.error(ErrorCode::unsupported, pos, "deflated data set larger than 4 GiB");
    auto inflated = inflate_dataset(src, pos, opt, name);
    if (!inflated) return std::move(inflated).error();
    file.deflated_stream = Value::in_source(&src, pos, std::uint32_t(size - pos));
    body = owning_memory_source(std::move(*inflated));
    file.sources.push_back(body);
    body_begin = 0;
  }

  // Check the declared encoding against the first element; detect it when nothing was declared.
  if (body->size() - body_begin >= 8) {
    std::uint8_t b[8];
    if (auto st = body->read(body_begin, std::span<std::uint8_t>(b, 8)); !st) return st.error();
    Encoding guess;
    detail::detect_encoding(Bytes(b, 8), guess);
    if (!known) {
      bool deflated = file.encoding.deflated;
      if (file.transfer_syntax_uid.empty() || guess.big_endian || !guess.explicit_vr) {
        file.encoding = guess;
        file.encoding.deflated = deflated;
        file.encoding_detected = file.transfer_syntax_uid.empty();
      }
    } else if (file.encoding.explicit_vr && !guess.explicit_vr && !guess.big_endian) {
      // Declared explicit, but the first element has no VR: written implicit, if its 32-bit
      // length fits the data (else it is an explicit element with odd VR bytes).
      std::uint32_t implicit_len = std::uint32_t(b[4]) | (std::uint32_t(b[5]) << 8) | (std::uint32_t(b[6]) << 16) | (std::uint32_t(b[7]) << 24);
      if (implicit_len == kUndefinedLength || implicit_len <= body->size() - body_begin - 8) {
        file.encoding.explicit_vr = false;
        file.encoding_detected = true;
      }
    }
  } else if (body->size() - body_begin > 0) {
    return reader.error(ErrorCode::truncated, body_begin, "fewer than 8 bytes where the data set should start");
  }

  if (!file.has_preamble && file.meta.elements().empty() && opt.transfer_syntax.empty() && body->size() >= 8) {
    // A raw data set must at least start like one, or anything would parse as "DICOM".
    std::uint8_t b[8];
    (void)body->read(body_begin, std::span<std::uint8_t>(b, 8));
    Tag t(std::uint16_t(file.encoding.big_endian ? (b[0] << 8 | b[1]) : (b[1] << 8 | b[0])),
          std::uint16_t(file.encoding.big_endian ? (b[2] << 8 | b[3]) : (b[3] << 8 | b[2])));
    if (t.group > 0x0100 || (t.group % 2) != 0)
      return reader.error(ErrorCode::not_dicom, 0, "no DICM prefix, no meta group, and the data does not start like a data set");
  }
  if (!file.has_preamble && file.meta.elements().empty() && body->size() < 8)
    return reader.error(ErrorCode::not_dicom, 0, "too short to be DICOM");

  detail::ElementReader body_reader(*body, opt, file.encoding.deflated ? name + " (inflated data set)" : name);
  auto r = body_reader.read_dataset(file.dataset, body_begin, body->size(), file.encoding);
  if (!r) return std::move(r).error();
  return file;
}

Result<DicomFile> read_buffer(Bytes bytes, const ReadOptions& options, std::string name) {
  return read_source(memory_source(bytes), options, std::move(name));
}

Result<DicomFile> read_file(const std::string& path, const ReadOptions& options) {
  auto src = file_source(path);
  if (!src) return std::move(src).error();
  std::shared_ptr<ByteSource> s = *src;
  if (s->size() <= options.whole_file_limit) {
    auto all = detail::whole_in_memory(*s);  // bounded by whole_file_limit
    if (!all) return std::move(all).error();
    s = std::move(all).value();
  }
  return read_source(std::move(s), options, path);
}

}  // namespace dicomscrub
