// lib/gateway/dicom_net.hpp — the DICOM network side of the gateway, on DCMTK's dcmnet/dcmtls:
// a Storage SCP (C-ECHO, C-STORE for every storage SOP class, access control at association
// time) and a Storage SCU that sends files written by our writer byte for byte (DCMTK would
// re-encode a data set it loaded; we send the data set bytes of our own file as PDVs).
// No DICOM decision is made here: what a received file is and where it goes is the caller's.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dicomscrub/error.hpp"
#include "gateway/config.hpp"

namespace dicomscrub::gateway {

// DIMSE statuses we answer with (PS3.7 C.4.2.1.4 / PS3.4 Table B.2-1).
inline constexpr std::uint16_t kStatusSuccess = 0x0000;
inline constexpr std::uint16_t kStatusOutOfResources = 0xA700;
inline constexpr std::uint16_t kStatusDataSetDoesNotMatch = 0xA900;
inline constexpr std::uint16_t kStatusCannotUnderstand = 0xC000;

struct Peer {
  std::string calling_ae;
  std::string host;
};

struct ScpCallbacks {
  // A fresh path in the spool's private temporary folder for the next received data set.
  std::function<std::string()> temp_path;
  // The data set is in `temp_file` (File Meta + the bytes as received). Returns the status to
  // answer with; success only once the instance is durable. The callback removes the file on failure.
  std::function<std::uint16_t(const std::string& temp_file, const Peer& peer, std::string& reason)> on_store;
  // An association refused at negotiation (AE title, address, limit): for the report.
  std::function<void(const Peer& peer, const std::string& reason)> on_refused;
  // One line for the log (refusals, failures, association events); never an element value.
  std::function<void(const std::string&)> log;
};

class StorageScp {
 public:
  // Binds HOST:PORT itself (DCMTK would listen on every address) and prepares TLS if configured.
  static Result<std::unique_ptr<StorageScp>> open(const GatewayConfig& config, ScpCallbacks callbacks);
  ~StorageScp();
  // Accepts associations until `stop` is set, then closes the listening socket and waits for the
  // associations in progress to finish.
  void run(const std::atomic<bool>& stop);
  int port() const;

  struct Impl;

 private:
  explicit StorageScp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

enum class SendResult {
  delivered,      // the receiver answered success (or a warning)
  refused,        // the receiver answered a failure status for this instance
  broken,         // the association broke during this instance
  not_attempted,  // no association, or no accepted presentation context for it
};

struct SendReport {
  std::vector<SendResult> results;  // one per file, in order
  std::vector<std::string> details; // why, per file (statuses, errors); never an element value
  std::string association_error;    // set when no association could be made
};

// Sends each file (written by our writer: File Meta + data set) in one association to `dest`,
// proposing exactly each file's SOP class and transfer syntax.
SendReport send_files(const Destination& dest, const std::string& calling_ae, const std::vector<std::string>& files);

// Sets TCP_NODELAY for every connection DCMTK makes (DCMTK reads it from the environment):
// Nagle's algorithm with delayed ACKs costs ~40 ms per C-STORE.
void disable_nagle();

}  // namespace dicomscrub::gateway
