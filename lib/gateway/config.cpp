// lib/gateway/config.cpp — the gateway's JSON configuration: parsed with RapidJSON, every value's
// position recorded in a second (SAX) pass so a wrong setting is reported at its line and column,
// not just "invalid configuration".
#include "gateway/config.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "core/files.hpp"

namespace dicomscrub::gateway {
namespace {

Error config_error(std::string reason) { return gateway_error(ErrorCode::invalid_argument, std::move(reason)); }

// Records the byte offset of every value (and key) under its JSON Pointer path. RapidJSON parses
// a string or number on a local copy of the stream and calls the handler before copying it back,
// so Tell() is then the token's first byte (the opening quote of a key).
class Locator : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Locator> {
 public:
  explicit Locator(const rapidjson::StringStream& s) : stream_(s) {}
  std::map<std::string, std::size_t> where;

  bool Default() { note(); pop_scalar(); return true; }
  bool String(const char*, rapidjson::SizeType, bool) { return Default(); }
  bool StartObject() { note(); stack_.push_back({true, "", 0}); return true; }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    stack_.back().key.assign(s, n);
    where.emplace(path(), stream_.Tell());
    return true;
  }
  bool EndObject(rapidjson::SizeType) { stack_.pop_back(); pop_scalar(); return true; }
  bool StartArray() { note(); stack_.push_back({false, "", 0}); return true; }
  bool EndArray(rapidjson::SizeType) { stack_.pop_back(); pop_scalar(); return true; }

 private:
  struct Level { bool object; std::string key; std::size_t index; };
  std::string path() const {
    std::string p;
    for (const auto& l : stack_) p += "/" + (l.object ? l.key : std::to_string(l.index));
    return p;
  }
  void note() { where.emplace(path(), stream_.Tell()); }
  void pop_scalar() { if (!stack_.empty() && !stack_.back().object) ++stack_.back().index; }
  const rapidjson::StringStream& stream_;
  std::vector<Level> stack_;
};

struct Where {
  const std::string& text;
  const std::string& name;
  const std::map<std::string, std::size_t>& at;
  std::string operator()(const std::string& pointer) const {
    std::size_t off = 0;
    for (std::string p = pointer;; p = p.substr(0, p.rfind('/'))) {
      if (auto it = at.find(p); it != at.end()) { off = it->second; break; }
      if (p.empty()) break;
    }
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < off && i < text.size(); ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else ++col;
    }
    return fmt::format("{}:{}:{}", name, line, col);
  }
};

using Json = rapidjson::Value;

struct Reader {
  const Where& where;
  std::string error;  // first problem found

  bool fail(const std::string& pointer, const std::string& what) {
    if (error.empty()) error = fmt::format("{}: {}: {}", where(pointer), pointer.empty() ? "/" : pointer, what);
    return false;
  }
  bool known(const Json& obj, const std::string& pointer, std::initializer_list<const char*> keys) {
    if (!obj.IsObject()) return fail(pointer, "must be an object");
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      bool ok = false;
      for (const char* k : keys) ok = ok || it->name.GetString() == std::string(k);
      if (!ok) return fail(pointer + "/" + it->name.GetString(), "unknown setting (a misspelling would be silently ignored otherwise)");
    }
    return true;
  }
  bool str(const Json& obj, const std::string& pointer, const char* key, std::string& out) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return true;
    if (!it->value.IsString()) return fail(pointer + "/" + key, "must be a string");
    out = it->value.GetString();
    return true;
  }
  bool num(const Json& obj, const std::string& pointer, const char* key, double& out, double lo, double hi) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return true;
    if (!it->value.IsNumber()) return fail(pointer + "/" + key, "must be a number");
    double v = it->value.GetDouble();
    if (v < lo || v > hi) return fail(pointer + "/" + key, fmt::format("must be between {} and {}", lo, hi));
    out = v;
    return true;
  }
  bool uint(const Json& obj, const std::string& pointer, const char* key, unsigned& out, unsigned lo, unsigned hi) {
    double v = out;
    if (!num(obj, pointer, key, v, lo, hi)) return false;
    if (v != double(unsigned(v))) return fail(pointer + "/" + key, "must be a whole number");
    out = unsigned(v);
    return true;
  }
  bool boolean(const Json& obj, const std::string& pointer, const char* key, bool& out) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return true;
    if (!it->value.IsBool()) return fail(pointer + "/" + key, "must be true or false");
    out = it->value.GetBool();
    return true;
  }
  bool strings(const Json& obj, const std::string& pointer, const char* key, std::vector<std::string>& out) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) return true;
    if (!it->value.IsArray()) return fail(pointer + "/" + key, "must be a list of strings");
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      if (!it->value[i].IsString()) return fail(fmt::format("{}/{}/{}", pointer, key, i), "must be a string");
      out.emplace_back(it->value[i].GetString());
    }
    return true;
  }
  bool tls(const Json& obj, const std::string& pointer, TlsSettings& t, bool listening) {
    auto it = obj.FindMember("tls");
    if (it == obj.MemberEnd()) return true;
    std::string p = pointer + "/tls";
    if (listening) {
      if (!known(it->value, p, {"certificate", "private_key", "ca_file", "require_client_certificate"})) return false;
    } else if (!known(it->value, p, {"certificate", "private_key", "ca_file"})) {
      return false;
    }
    t.enabled = true;
    return str(it->value, p, "certificate", t.certificate) && str(it->value, p, "private_key", t.private_key) &&
           str(it->value, p, "ca_file", t.ca_file) &&
           boolean(it->value, p, "require_client_certificate", t.require_client_certificate);
  }
};

bool valid_ae(const std::string& ae) {
  if (ae.empty() || ae.size() > 16) return false;
  for (char c : ae) if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  return ae.find_first_not_of(' ') != std::string::npos;
}

bool split_host_port(const std::string& s, std::string& host, int& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = s.substr(0, colon);
  std::string p = s.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(p);
  return port > 0 && port < 65536;
}

}  // namespace

AllowedPeer parse_allowed(const std::string& spec) {
  AllowedPeer a;
  auto at = spec.find('@');
  a.ae_title = spec.substr(0, at);
  if (at != std::string::npos) a.host = spec.substr(at + 1);
  return a;
}

Result<Destination> parse_forward(const std::string& spec) {
  Destination d;
  auto at = spec.find('@');
  if (at == std::string::npos || !split_host_port(spec.substr(at + 1), d.host, d.port))
    return config_error("--forward wants AE@HOST:PORT, got \"" + spec + "\"");
  d.ae_title = spec.substr(0, at);
  d.name = "forward";
  return d;
}

Status validate(const GatewayConfig& c) {
  if (c.spool.empty()) return config_error("a spool folder is required (--spool DIR or \"spool\")");
  if (c.destinations.empty()) return config_error("at least one destination is required (--forward or \"destinations\")");
  if (!valid_ae(c.ae_title)) return config_error("the gateway's AE title must be 1-16 printable characters, no backslash");
  if (c.allow.empty() && !c.allow_any)
    return config_error("no calling AE title is allowed (--allow-calling AE[@HOST], or \"*\" to accept any)");
  for (const auto& a : c.allow)
    if (!valid_ae(a.ae_title)) return config_error("allowed AE title \"" + a.ae_title + "\" is not a valid AE title");
  if (c.tls.enabled && (c.tls.certificate.empty() || c.tls.private_key.empty()))
    return config_error("TLS on the listening side needs a certificate and a private key");
  if (c.tls.require_client_certificate && c.tls.ca_file.empty())
    return config_error("requiring client certificates needs a ca_file to verify them against");
  std::set<std::string> names;
  for (const auto& d : c.destinations) {
    if (d.name.empty() || d.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
      return config_error("destination name \"" + d.name + "\" must be letters, digits, _ or - (it names a spool folder)");
    if (!names.insert(d.name).second) return config_error("two destinations are named \"" + d.name + "\"");
    if (d.kind == DestinationKind::cstore) {
      if (!valid_ae(d.ae_title)) return config_error("destination \"" + d.name + "\": AE title must be 1-16 printable characters");
      if (d.host.empty() || d.port <= 0 || d.port > 65535) return config_error("destination \"" + d.name + "\": needs a host and a port 1-65535");
    } else if (d.url.rfind("http://", 0) != 0 && d.url.rfind("https://", 0) != 0) {
      return config_error("destination \"" + d.name + "\": a STOW-RS url must start with http:// or https://");
    }
    if (d.associations < 1 || d.associations > 32) return config_error("destination \"" + d.name + "\": associations must be 1-32");
  }
  return Ok{};
}

Result<GatewayConfig> parse_config(const std::string& text, const std::string& name) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  std::map<std::string, std::size_t> at;
  Where where{text, name, at};
  if (doc.HasParseError()) {
    at[""] = doc.GetErrorOffset();
    return config_error(fmt::format("{}: invalid JSON: {}", where(""), rapidjson::GetParseError_En(doc.GetParseError())));
  }
  {
    rapidjson::StringStream ss(text.c_str());
    Locator loc(ss);
    rapidjson::Reader reader;
    reader.Parse(ss, loc);
    at = std::move(loc.where);
  }
  GatewayConfig c;
  Reader r{where, {}};
  std::string listen;
  std::vector<std::string> allow;
  double workers = c.workers;
  bool ok = r.known(doc, "", {"listen", "ae_title", "allow_calling", "tls", "key_file", "spool", "workers",
                              "max_associations", "max_attempts", "retry_initial_seconds", "retry_max_seconds",
                              "study_quiet_seconds", "report_file", "status_file", "destinations"}) &&
            r.str(doc, "", "listen", listen) && r.str(doc, "", "ae_title", c.ae_title) &&
            r.strings(doc, "", "allow_calling", allow) && r.tls(doc, "", c.tls, true) &&
            r.str(doc, "", "key_file", c.key_file) && r.str(doc, "", "spool", c.spool) &&
            r.num(doc, "", "workers", workers, 1, 64) &&
            r.uint(doc, "", "max_associations", c.max_associations, 1, 256) &&
            r.uint(doc, "", "max_attempts", c.max_attempts, 1, 1000) &&
            r.num(doc, "", "retry_initial_seconds", c.retry_initial_seconds, 0.01, 3600) &&
            r.num(doc, "", "retry_max_seconds", c.retry_max_seconds, 0.01, 86400) &&
            r.num(doc, "", "study_quiet_seconds", c.study_quiet_seconds, 0, 86400) &&
            r.str(doc, "", "report_file", c.report_file) && r.str(doc, "", "status_file", c.status_file);
  if (!ok) return config_error(r.error);
  c.workers = unsigned(workers);
  if (!listen.empty() && !split_host_port(listen, c.listen_host, c.listen_port))
    return config_error(where("/listen") + ": /listen: wants HOST:PORT");
  for (const auto& a : allow) {
    if (a == "*") c.allow_any = true;
    else c.allow.push_back(parse_allowed(a));
  }
  auto dit = doc.FindMember("destinations");
  if (dit != doc.MemberEnd()) {
    if (!dit->value.IsArray()) return config_error(where("/destinations") + ": /destinations: must be a list");
    for (rapidjson::SizeType i = 0; i < dit->value.Size(); ++i) {
      const Json& j = dit->value[i];
      std::string p = fmt::format("/destinations/{}", i);
      Destination d;
      std::string kind = "cstore", address;
      ok = r.known(j, p, {"name", "kind", "address", "url", "profile", "options", "associations", "tls"}) &&
           r.str(j, p, "name", d.name) && r.str(j, p, "kind", kind) && r.str(j, p, "address", address) &&
           r.str(j, p, "url", d.url) && r.str(j, p, "profile", d.profile) && r.strings(j, p, "options", d.options) &&
           r.uint(j, p, "associations", d.associations, 1, 32) && r.tls(j, p, d.tls, false);
      if (!ok) return config_error(r.error);
      if (kind == "cstore") {
        if (address.empty()) return config_error(where(p) + ": " + p + ": a cstore destination needs \"address\": \"AE@HOST:PORT\"");
        auto f = parse_forward(address);
        if (!f) return config_error(where(p + "/address") + ": " + p + "/address: wants AE@HOST:PORT");
        d.ae_title = f->ae_title; d.host = f->host; d.port = f->port;
      } else if (kind == "stowrs") {
        d.kind = DestinationKind::stowrs;
        if (d.url.empty()) return config_error(where(p) + ": " + p + ": a stowrs destination needs \"url\"");
      } else {
        return config_error(where(p + "/kind") + ": " + p + "/kind: must be \"cstore\" or \"stowrs\"");
      }
      if (d.name.empty()) d.name = fmt::format("destination{}", i);
      c.destinations.push_back(std::move(d));
    }
  }
  if (auto st = validate(c); !st) return config_error(name + ": " + st.error().reason);
  return c;
}

Result<GatewayConfig> load_config(const std::string& path) {
  auto text = detail::read_settings_file(path, "the configuration file", 1u << 20);
  if (!text) {
    const Error& e = text.error();
    return config_error(e.code == ErrorCode::limit_exceeded ? path + ": larger than 1 MiB; not a configuration file"
                                                            : "cannot read the configuration file " + path);
  }
  return parse_config(*text, path);
}

}  // namespace dicomscrub::gateway
