// lib/gateway/config.hpp — what `dicomscrub gateway` is told: where to listen, whom to accept,
// where to keep the spool, and where each destination is with its own profile. Read from a
// JSON file (every error names its line and column) or built from the simple flags; validated
// here once, so the rest of the gateway never checks a setting again.
#pragma once

#include <string>
#include <vector>

#include "dicomscrub/error.hpp"

namespace dicomscrub::gateway {

// The gateway's errors name no file offset: they are about settings, sockets and the spool.
inline Error gateway_error(ErrorCode code, std::string reason) {
  Error e;
  e.code = code;
  e.reason = std::move(reason);
  return e;
}

// A calling AE title, optionally tied to the address it must come from ("AE" or "AE@HOST").
struct AllowedPeer {
  std::string ae_title;
  std::string host;  // empty: any address
};

struct TlsSettings {
  bool enabled = false;
  std::string certificate;  // PEM: our certificate (listening side), or client certificate (outgoing)
  std::string private_key;  // PEM
  std::string ca_file;      // PEM: whom we trust (peers' certificates are verified against it)
  bool require_client_certificate = false;  // listening side only
};

enum class DestinationKind { cstore, stowrs };

struct Destination {
  std::string name;               // folder name in the spool: [A-Za-z0-9_-]+
  DestinationKind kind = DestinationKind::cstore;
  std::string ae_title;           // called AE title (C-STORE)
  std::string host;
  int port = 0;
  std::string url;                // STOW-RS: http(s)://host:port/.../studies
  std::string profile = "basic";  // a built-in name or a JSON profile file
  std::vector<std::string> options;
  unsigned associations = 1;      // parallel associations (or HTTP requests) to this destination
  TlsSettings tls;
};

struct GatewayConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 11112;
  std::string ae_title = "DICOMSCRUB";
  std::vector<AllowedPeer> allow;  // empty: nobody (an open gateway must be asked for: "*")
  bool allow_any = false;
  TlsSettings tls;                 // listening side
  std::string key_file;
  std::string spool;
  unsigned workers = 2;            // de-identification threads
  unsigned max_associations = 16;  // incoming associations at once
  unsigned max_attempts = 5;       // deliveries of one instance that the receiver refused or broke off
  double retry_initial_seconds = 1;
  double retry_max_seconds = 300;
  double study_quiet_seconds = 30; // a study's report line is written once it is this quiet
  std::string report_file;         // JSON lines; default SPOOL/reports.jsonl
  std::string status_file;         // default SPOOL/status.json
  std::vector<Destination> destinations;
};

// Parses and validates a configuration file. Errors: "FILE:LINE:COLUMN: what is wrong".
Result<GatewayConfig> load_config(const std::string& path);
Result<GatewayConfig> parse_config(const std::string& json_text, const std::string& name);

// "AE@HOST:PORT" for a C-STORE destination given on the command line.
Result<Destination> parse_forward(const std::string& spec);
// "AE" or "AE@HOST".
AllowedPeer parse_allowed(const std::string& spec);

// Checks what the flags and the file have in common (ports, names, limits).
Status validate(const GatewayConfig& config);

}  // namespace dicomscrub::gateway
