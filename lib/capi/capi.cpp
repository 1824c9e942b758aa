// lib/capi — the C ABI over the C++ library: handles, status codes, thread-local last error.
// No exception and no C++ type crosses it; every entry point catches everything.
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "dicomscrub/batch.hpp"
#include "dicomscrub/deid.hpp"
#include "dicomscrub/dicomscrub.h"
#include "dicomscrub/version.h"
#include "dicomscrub/keys.hpp"
#include "pseudo/encrypted_attributes.hpp"
#include "pseudo/mapping_store.hpp"

struct dscrub_engine {
  dicomscrub::Deidentifier engine;
  std::shared_ptr<dicomscrub::reid::MappingStore> mapping;  // "mapping_dir" setting; else null
};

struct dscrub_result {
  dscrub_status status = DSCRUB_OK;
  std::string reason;
  std::string output_path;
  std::string audit;
  std::vector<std::uint8_t> data;
};

namespace {

thread_local std::string g_error;
thread_local std::string g_tag_path;
thread_local std::uint64_t g_offset = 0;

void clear_error() { g_error.clear(); g_tag_path.clear(); g_offset = 0; }

dscrub_status fail(dscrub_status s, const std::string& msg) {
  g_error = msg;
  g_tag_path.clear();
  g_offset = 0;
  return s;
}

dscrub_status fail(const dicomscrub::Error& e) {
  g_error = e.message();
  g_tag_path = e.tag_path;
  g_offset = e.offset;
  switch (e.code) {
    case dicomscrub::ErrorCode::io: return DSCRUB_ERROR_IO;
    case dicomscrub::ErrorCode::invalid_argument: return DSCRUB_ERROR_CONFIG;
    default: return DSCRUB_ERROR_INPUT;
  }
}

template <typename F>
dscrub_status guarded(F&& f) {
  try {
    clear_error();
    return f();
  } catch (const std::exception& e) {
    return fail(DSCRUB_ERROR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(DSCRUB_ERROR_INTERNAL, "internal error");
  }
}

// A key given as bytes (NULL or empty: a one-time key), read through the one Key type.
dscrub_status key_from_bytes(const uint8_t* key, std::size_t key_length, std::shared_ptr<const dicomscrub::Key>& out) {
  if (!key || key_length == 0) return DSCRUB_OK;
  auto k = dicomscrub::Key::from_bytes({key, key_length});
  if (!k) { fail(k.error()); return DSCRUB_ERROR_CONFIG; }
  out = std::make_shared<const dicomscrub::Key>(std::move(k).value());
  return DSCRUB_OK;
}

dscrub_status make_engine(const char* profile, const char* const* options, std::size_t n, std::shared_ptr<const dicomscrub::Key> key,
                          dscrub_engine** out, dicomscrub::DeidConfig c = {}, std::string mapping_dir = {}) {
  if (!out) return fail(DSCRUB_ERROR_ARGUMENT, "out is NULL");
  *out = nullptr;
  c.profile = profile ? profile : "basic";
  for (std::size_t i = 0; i < n; ++i) {
    if (!options[i]) return fail(DSCRUB_ERROR_ARGUMENT, "an option is NULL");
    c.options.emplace_back(options[i]);
  }
  c.key = std::move(key);
  std::shared_ptr<dicomscrub::reid::MappingStore> mapping;
  if (!mapping_dir.empty()) {
    auto store = dicomscrub::reid::MappingStore::open(mapping_dir);
    if (!store) { fail(store.error()); return DSCRUB_ERROR_CONFIG; }
    mapping = *store;
    c.record_mappings = true;
  }
  auto e = dicomscrub::Deidentifier::create(c);
  if (!e) { fail(e.error()); return DSCRUB_ERROR_CONFIG; }
  *out = new dscrub_engine{std::move(e).value(), std::move(mapping)};
  return DSCRUB_OK;
}

// What every call that produces an output does before the output exists: record its mappings.
dicomscrub::BatchOptions batch_options(const dscrub_engine* engine) {
  dicomscrub::BatchOptions opt;
  if (auto m = engine->mapping)
    opt.before_write = [m](const dicomscrub::DeidReport& r) { return m->add(r.uid_mapping, r.patient_id_mapping); };
  return opt;
}

// Shared tail of every deidentify call: fill the result from an outcome.
dscrub_status finish(const dicomscrub::FileOutcome& o, dscrub_result** out) {
  if (o.status == dicomscrub::FileStatus::error || o.status == dicomscrub::FileStatus::not_dicom) {
    g_error = o.reason;
    g_offset = o.error_offset;
    g_tag_path = o.error_tag_path;
    // The system refused a read or a write, or a failure came after the engine named the output
    // (folder, disk, a file in the way): the output's side. Anything else is the input's.
    const bool output_side = o.error_code == dicomscrub::ErrorCode::io || !o.report.output_path.empty();
    return o.status == dicomscrub::FileStatus::error && output_side ? DSCRUB_ERROR_IO : DSCRUB_ERROR_INPUT;
  }
  auto* r = new dscrub_result;
  r->status = o.status == dicomscrub::FileStatus::withheld ? DSCRUB_WITHHELD : DSCRUB_OK;
  r->reason = o.status == dicomscrub::FileStatus::withheld ? o.reason : "";
  r->output_path = o.report.output_path;
  r->audit = dicomscrub::audit_record(o);
  *out = r;
  return r->status;
}

// The buffer and stream calls: scrub_one from memory into memory.
dscrub_status deidentify_bytes(const dscrub_engine* engine, std::vector<std::uint8_t> bytes, dscrub_result** out) {
  std::vector<std::uint8_t> data;
  dicomscrub::ScrubOutput to;
  to.to = dicomscrub::ScrubOutput::To::memory;
  to.bytes = &data;
  dscrub_status s = finish(dicomscrub::scrub_one(engine->engine, "<buffer>", batch_options(engine), to, std::move(bytes)), out);
  if (s == DSCRUB_OK) (*out)->data = std::move(data);
  return s;
}

}  // namespace

extern "C" {

unsigned dscrub_abi_version(void) { return DSCRUB_ABI_VERSION; }
const char* dscrub_version(void) { return DICOMSCRUB_VERSION; }

const char* dscrub_status_name(dscrub_status s) {
  switch (s) {
    case DSCRUB_OK: return "ok";
    case DSCRUB_WITHHELD: return "withheld";
    case DSCRUB_ERROR_INPUT: return "input error";
    case DSCRUB_ERROR_CONFIG: return "configuration error";
    case DSCRUB_ERROR_IO: return "i/o error";
    case DSCRUB_ERROR_ARGUMENT: return "argument error";
    case DSCRUB_ERROR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

const char* dscrub_last_error(void) { return g_error.c_str(); }
uint64_t dscrub_last_error_offset(void) { return g_offset; }
const char* dscrub_last_error_tag_path(void) { return g_tag_path.c_str(); }

dscrub_status dscrub_engine_new(const char* profile, const char* const* options, size_t n, const uint8_t* key, size_t key_length,
                                dscrub_engine** out) {
  return guarded([&] {
    if (n && !options) return fail(DSCRUB_ERROR_ARGUMENT, "options is NULL");
    std::shared_ptr<const dicomscrub::Key> k;
    if (auto st = key_from_bytes(key, key_length, k); st != DSCRUB_OK) return st;
    return make_engine(profile, options, n, std::move(k), out);
  });
}

dscrub_status dscrub_engine_new_with_key_file(const char* profile, const char* const* options, size_t n, const char* key_file,
                                              dscrub_engine** out) {
  return guarded([&] {
    if (!key_file) return fail(DSCRUB_ERROR_ARGUMENT, "key_file is NULL");
    auto key = dicomscrub::Key::from_file(key_file);
    if (!key) { fail(key.error()); return DSCRUB_ERROR_CONFIG; }
    return make_engine(profile, options, n, std::make_shared<const dicomscrub::Key>(std::move(key).value()), out);
  });
}

dscrub_status dscrub_engine_new_with_settings(const char* profile, const char* const* options, size_t n, const uint8_t* key,
                                              size_t key_length, const char* const* settings, size_t setting_count,
                                              dscrub_engine** out) {
  return guarded([&] {
    if ((n && !options) || (setting_count && !settings)) return fail(DSCRUB_ERROR_ARGUMENT, "options or settings is NULL");
    std::shared_ptr<const dicomscrub::Key> k;
    if (auto st = key_from_bytes(key, key_length, k); st != DSCRUB_OK) return st;
    dicomscrub::DeidConfig c;
    std::string mapping_dir;
    for (std::size_t i = 0; i < setting_count; ++i) {
      if (!settings[i]) return fail(DSCRUB_ERROR_ARGUMENT, "a setting is NULL");
      std::string s = settings[i];
      auto eq = s.find('=');
      if (eq == std::string::npos) return fail(DSCRUB_ERROR_CONFIG, "a setting is name=value: " + s.substr(0, 40));
      std::string name = s.substr(0, eq), value = s.substr(eq + 1);
      if (name == "key_file") {
        if (key) return fail(DSCRUB_ERROR_ARGUMENT, "give a key or a key_file, not both");
        auto kf = dicomscrub::Key::from_file(value);
        if (!kf) { fail(kf.error()); return DSCRUB_ERROR_CONFIG; }
        k = std::make_shared<const dicomscrub::Key>(std::move(kf).value());
      } else if (name == "mapping_dir") {
        mapping_dir = value;
      } else if (name == "lookup") {
        c.lookup_file = value;
      } else if (name == "lookup_missing") {
        c.lookup_missing = value;
      } else if (name == "encrypt_for") {
        c.encrypt_for.push_back(value);
      } else if (name == "cover_pages") {
        c.cover_pages = dicomscrub::cover_pages_from_string(value);
        if (!c.cover_pages)
          return fail(DSCRUB_ERROR_CONFIG, "cover_pages: '" + value.substr(0, 40) + "' is not " + dicomscrub::kCoverPagesChoices);
      } else if (name == "ocr_check") {
        if (value != "true" && value != "false") return fail(DSCRUB_ERROR_CONFIG, "ocr_check is true or false");
        c.ocr_check = value == "true";
      } else {
        return fail(DSCRUB_ERROR_CONFIG, "unknown setting '" + name +
                                             "' (known: key_file, mapping_dir, lookup, lookup_missing, encrypt_for, cover_pages, ocr_check)");
      }
    }
    return make_engine(profile, options, n, std::move(k), out, std::move(c), std::move(mapping_dir));
  });
}

void dscrub_engine_free(dscrub_engine* engine) { delete engine; }

int dscrub_engine_one_time_key(const dscrub_engine* engine) { return engine && engine->engine.one_time_key() ? 1 : 0; }

dscrub_status dscrub_keygen(const char* path) {
  return guarded([&] {
    if (!path) return fail(DSCRUB_ERROR_ARGUMENT, "path is NULL");
    auto st = dicomscrub::Key::generate_file(path);
    return st ? DSCRUB_OK : fail(st.error());
  });
}

dscrub_status dscrub_deidentify_buffer(const dscrub_engine* engine, const uint8_t* data, size_t length, dscrub_result** out) {
  return guarded([&] {
    if (!engine || !out || (!data && length)) return fail(DSCRUB_ERROR_ARGUMENT, "engine, data or out is NULL");
    *out = nullptr;
    return deidentify_bytes(engine, std::vector<std::uint8_t>(data, data + length), out);
  });
}

dscrub_status dscrub_deidentify_file(const dscrub_engine* engine, const char* src, const char* dst, dscrub_result** out) {
  return guarded([&] {
    if (!engine || !src || !dst || !out) return fail(DSCRUB_ERROR_ARGUMENT, "engine, src, dst or out is NULL");
    *out = nullptr;
    std::error_code ec;
    if (std::filesystem::equivalent(src, dst, ec))
      return fail(DSCRUB_ERROR_ARGUMENT, "src and dst are the same file: inputs are never modified");
    dicomscrub::ScrubOutput to;
    to.to = dicomscrub::ScrubOutput::To::file;
    to.file = dst;
    return finish(dicomscrub::scrub_one(engine->engine, src, batch_options(engine), to), out);
  });
}

dscrub_status dscrub_deidentify_to_dir(const dscrub_engine* engine, const char* src, const char* dir, dscrub_result** out) {
  return guarded([&] {
    if (!engine || !src || !dir || !out) return fail(DSCRUB_ERROR_ARGUMENT, "engine, src, dir or out is NULL");
    *out = nullptr;
    dicomscrub::BatchOptions opt = batch_options(engine);
    opt.output_dir = dir;
    return finish(dicomscrub::deidentify_one(engine->engine, src, opt), out);
  });
}

dscrub_status dscrub_deidentify_stream(const dscrub_engine* engine, dscrub_read_fn read, void* rctx, dscrub_write_fn write,
                                       void* wctx, dscrub_result** out) {
  return guarded([&] {
    if (!engine || !read || !write || !out) return fail(DSCRUB_ERROR_ARGUMENT, "engine, read, write or out is NULL");
    *out = nullptr;
    std::vector<std::uint8_t> in;
    std::uint8_t buf[1 << 16];
    for (;;) {
      long n = read(rctx, buf, sizeof buf);
      if (n < 0) return fail(DSCRUB_ERROR_IO, "the read callback failed");
      if (n == 0) break;
      in.insert(in.end(), buf, buf + n);
    }
    dscrub_status s = deidentify_bytes(engine, std::move(in), out);
    if (s == DSCRUB_OK && write(wctx, (*out)->data.data(), (*out)->data.size()) != 0) {
      dscrub_result_free(*out);
      *out = nullptr;
      return fail(DSCRUB_ERROR_IO, "the write callback failed");
    }
    return s;
  });
}

dscrub_status dscrub_reidentify_to_dir(const char* private_key_pem, const char* cert_pem, const char* src, const char* dir,
                                       dscrub_result** out) {
  return guarded([&] {
    if (!private_key_pem || !src || !dir || !out) return fail(DSCRUB_ERROR_ARGUMENT, "private_key_pem, src, dir or out is NULL");
    *out = nullptr;
    auto key = dicomscrub::reid::RecipientKey::from_files(private_key_pem, cert_pem ? cert_pem : "");
    if (!key) { fail(key.error()); return DSCRUB_ERROR_CONFIG; }
    auto written = dicomscrub::reid::reidentify_file(src, dir, **key);
    if (!written) {
      auto e = written.error();
      if (e.code == dicomscrub::ErrorCode::invalid_argument) { fail(e); return DSCRUB_ERROR_INPUT; }  // not ours to open
      return fail(e);
    }
    auto* r = new dscrub_result;
    r->output_path = std::filesystem::relative(*written, dir).string();
    *out = r;
    return DSCRUB_OK;
  });
}

dscrub_status dscrub_result_status(const dscrub_result* r) { return r ? r->status : DSCRUB_ERROR_ARGUMENT; }
const char* dscrub_result_withhold_reason(const dscrub_result* r) { return r ? r->reason.c_str() : ""; }
const uint8_t* dscrub_result_data(const dscrub_result* r, size_t* length) {
  if (length) *length = r ? r->data.size() : 0;
  return r && !r->data.empty() ? r->data.data() : nullptr;
}
const char* dscrub_result_output_path(const dscrub_result* r) { return r ? r->output_path.c_str() : ""; }
const char* dscrub_result_audit_json(const dscrub_result* r) { return r ? r->audit.c_str() : "{}"; }
void dscrub_result_free(dscrub_result* r) { delete r; }

}  // extern "C"
