// lib/gateway/gateway.hpp — `dicomscrub gateway`: receive (dicom_net), keep durably (spool),
// de-identify once per destination through the batch layer's own one-file path
// (deidentify_one: the same read → apply → verify → write as `deid`), forward with retry and
// backoff, set aside what is withheld or undeliverable, and report.
#pragma once

#include <atomic>
#include <memory>

#include "dicomscrub/error.hpp"
#include "gateway/config.hpp"

namespace dicomscrub::gateway {

class Gateway {
 public:
  // Opens the spool, builds one engine per destination and binds the listening socket.
  static Result<std::unique_ptr<Gateway>> create(const GatewayConfig& config);
  ~Gateway();
  // Runs until `stop` is set (SIGTERM): stops accepting, finishes the associations and the
  // instances in progress, writes the final status and returns. What was not finished stays in
  // the spool and is resumed by the next start.
  void run(const std::atomic<bool>& stop);
  int port() const;  // the bound port (useful with port 0)

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dicomscrub::gateway
