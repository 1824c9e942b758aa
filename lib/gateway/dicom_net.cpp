// lib/gateway/dicom_net.cpp — Storage SCP and SCU on DCMTK (see dicom_net.hpp for the why).
#include "gateway/dicom_net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "dict/dictionary.hpp"
#include "dicomscrub/reader.hpp"

namespace dicomscrub::gateway {
namespace {

Error net_error(std::string reason) { return gateway_error(ErrorCode::io, std::move(reason)); }

std::string trim(const char* s) {
  std::string t(s);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(t.begin());
  return t;
}

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A TLS layer with the BCP 195 profile (TLS 1.2+, the profile's cipher suites).
Result<std::unique_ptr<DcmTLSTransportLayer>> make_tls(const TlsSettings& t, T_ASC_NetworkRole role, bool require_peer_certificate) {
  auto layer = std::make_unique<DcmTLSTransportLayer>(role, nullptr, OFTrue);
  auto check = [](OFCondition c, const std::string& what) -> Status {
    if (c.bad()) return net_error("TLS: " + what + ": " + c.text());
    return Ok{};
  };
  if (auto st = check(layer->setTLSProfile(TSP_Profile_BCP195), "profile BCP 195"); !st) return st.error();
  if (!t.ca_file.empty())
    if (auto st = check(layer->addTrustedCertificateFile(t.ca_file.c_str(), DCF_Filetype_PEM), "CA file " + t.ca_file); !st) return st.error();
  if (!t.certificate.empty()) {
    if (auto st = check(layer->setPrivateKeyFile(t.private_key.c_str(), DCF_Filetype_PEM), "private key " + t.private_key); !st) return st.error();
    if (auto st = check(layer->setCertificateFile(t.certificate.c_str(), DCF_Filetype_PEM), "certificate " + t.certificate); !st) return st.error();
    if (!layer->checkPrivateKeyMatchesCertificate()) return net_error("TLS: the private key does not match the certificate");
  }
  if (auto st = check(layer->activateCipherSuites(), "cipher suites"); !st) return st.error();
  layer->setCertificateVerification(require_peer_certificate ? DCV_requireCertificate : DCV_ignoreCertificate);
  return layer;
}

}  // namespace

void disable_nagle() { ::setenv("TCP_NODELAY", "1", 1); }

// ---------------------------------------------------------------------------------------------
// SCP

struct StorageScp::Impl {
  GatewayConfig config;
  ScpCallbacks cb;
  int listen_fd = -1;
  int bound_port = 0;
  T_ASC_Network* net = nullptr;
  std::unique_ptr<DcmTLSTransportLayer> tls;
  std::mutex mutex;
  std::condition_variable idle;
  unsigned active = 0;
  const std::atomic<bool>* stop = nullptr;

  ~Impl() {
    if (net) ASC_dropNetwork(&net);
    if (listen_fd >= 0) ::close(listen_fd);
  }
  void log(const std::string& s) const { if (cb.log) cb.log(s); }
  void refused(const Peer& peer, const std::string& why) const {
    log(fmt::format("refused {}@{}: {}", peer.calling_ae, peer.host, why));
    if (cb.on_refused) cb.on_refused(peer, why);
  }
  bool allowed(const std::string& calling, const std::string& host) const {
    if (config.allow_any) return true;
    for (const auto& a : config.allow)
      if (a.ae_title == calling && (a.host.empty() || a.host == host)) return true;
    return false;
  }
  void negotiate(T_ASC_Association* assoc);
  void serve(T_ASC_Association* assoc, Peer peer);
  void reject(T_ASC_Association* assoc, T_ASC_RejectParametersResult result, T_ASC_RejectParametersReason reason) {
    T_ASC_RejectParameters rej{result, reason >= 0x0300 ? ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED : ASC_SOURCE_SERVICEUSER, reason};
    ASC_rejectAssociation(assoc, &rej);
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
  }
};

StorageScp::StorageScp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StorageScp::~StorageScp() = default;
int StorageScp::port() const { return impl_->bound_port; }

Result<std::unique_ptr<StorageScp>> StorageScp::open(const GatewayConfig& config, ScpCallbacks callbacks) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->cb = std::move(callbacks);
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  std::string port = std::to_string(config.listen_port);
  if (int rc = ::getaddrinfo(config.listen_host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return net_error("cannot resolve " + config.listen_host + ": " + gai_strerror(rc));
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
    std::string why = std::strerror(errno);
    ::freeaddrinfo(res);
    if (fd >= 0) ::close(fd);
    return net_error(fmt::format("cannot listen on {}:{}: {}", config.listen_host, config.listen_port, why));
  }
  ::freeaddrinfo(res);
  impl->listen_fd = fd;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  impl->bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  // Our socket, not DCMTK's: an external handle keeps DCMTK from binding every address.
  dcmDisableGethostbyaddr.set(OFTrue);
  dcmExternalSocketHandle.set(fd);
  OFCondition c = ASC_initializeNetwork(NET_ACCEPTOR, impl->bound_port, 30, &impl->net);
  dcmExternalSocketHandle.set(-1);
  if (c.bad()) return net_error(std::string("DCMTK network: ") + c.text());
  if (config.tls.enabled) {
    auto layer = make_tls(config.tls, NET_ACCEPTOR, config.tls.require_client_certificate);
    if (!layer) return std::move(layer).error();
    impl->tls = std::move(*layer);
    if (OFCondition t = ASC_setTransportLayer(impl->net, impl->tls.get(), 0); t.bad())
      return net_error(std::string("TLS: ") + t.text());
  }
  return std::unique_ptr<StorageScp>(new StorageScp(std::move(impl)));
}

void StorageScp::Impl::negotiate(T_ASC_Association* assoc) {
  int n = ASC_countPresentationContexts(assoc->params);
  for (int i = 0; i < n; ++i) {
    T_ASC_PresentationContext pc;
    if (ASC_getPresentationContext(assoc->params, i, &pc).bad()) continue;
    const char* as = pc.abstractSyntax;
    // Storage classes DCMTK knows, and any UID it does not know (private storage classes);
    // every other service (query, retrieve, print...) is refused.
    bool storage = std::strcmp(as, UID_VerificationSOPClass) == 0 || dcmIsaStorageSOPClassUID(as, ESSC_All) ||
                   dcmFindNameOfUID(as) == nullptr;
    if (!storage) {
      ASC_refusePresentationContext(assoc->params, pc.presentationContextID, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
      continue;
    }
    // The first proposed transfer syntax our reader knows: compressed data is accepted as sent.
    const char* chosen = nullptr;
    for (int t = 0; t < pc.transferSyntaxCount && !chosen; ++t)
      if (dict::transfer_syntax(pc.proposedTransferSyntaxes[t])) chosen = pc.proposedTransferSyntaxes[t];
    if (chosen) ASC_acceptPresentationContext(assoc->params, pc.presentationContextID, chosen);
    else ASC_refusePresentationContext(assoc->params, pc.presentationContextID, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
  }
}

namespace {
struct StoreContext {
  StorageScp::Impl* scp;
  const Peer* peer;
};

void store_callback(void* data, T_DIMSE_StoreProgress* progress, T_DIMSE_C_StoreRQ*, char* file, DcmDataset**,
                    T_DIMSE_C_StoreRSP* rsp, DcmDataset**) {
  if (progress->state != DIMSE_StoreEnd) return;
  auto* ctx = static_cast<StoreContext*>(data);
  if (rsp->DimseStatus != STATUS_Success) {  // DCMTK could not store it: nothing to keep
    ::unlink(file);
    return;
  }
  std::string reason;
  rsp->DimseStatus = ctx->scp->cb.on_store(file, *ctx->peer, reason);
  if (rsp->DimseStatus != STATUS_Success)
    ctx->scp->log(fmt::format("C-STORE from {}@{} failed with status 0x{:04X}: {}", ctx->peer->calling_ae, ctx->peer->host,
                              rsp->DimseStatus, reason));
}
}  // namespace

void StorageScp::Impl::serve(T_ASC_Association* assoc, Peer peer) {
  auto idle_since = std::chrono::steady_clock::now();
  for (;;) {
    T_ASC_PresentationContextID pres = 0;
    T_DIMSE_Message msg;
    OFCondition c = DIMSE_receiveCommand(assoc, DIMSE_NONBLOCKING, 1, &pres, &msg, nullptr);
    if (c == DIMSE_NODATAAVAILABLE) {
      // Idle: after a stop request, or after 5 minutes of silence, the association is aborted
      // (an SCP cannot release); nothing is in flight at this point.
      if (stop->load() || std::chrono::steady_clock::now() - idle_since > std::chrono::minutes(5)) {
        ASC_abortAssociation(assoc);
        break;
      }
      continue;
    }
    if (c == DUL_PEERREQUESTEDRELEASE) { ASC_acknowledgeRelease(assoc); break; }
    if (c.bad()) {
      if (c != DUL_PEERABORTEDASSOCIATION) log(fmt::format("association with {}@{} ended: {}", peer.calling_ae, peer.host, c.text()));
      ASC_abortAssociation(assoc);
      break;
    }
    idle_since = std::chrono::steady_clock::now();
    if (msg.CommandField == DIMSE_C_ECHO_RQ) {
      DIMSE_sendEchoResponse(assoc, pres, &msg.msg.CEchoRQ, STATUS_Success, nullptr);
    } else if (msg.CommandField == DIMSE_C_STORE_RQ) {
      std::string temp = cb.temp_path();
      StoreContext ctx{this, &peer};
      c = DIMSE_storeProvider(assoc, pres, &msg.msg.CStoreRQ, temp.c_str(), OFTrue, nullptr, store_callback, &ctx,
                              DIMSE_NONBLOCKING, 120);
      if (c.bad()) {
        ::unlink(temp.c_str());  // nothing partial stays in the spool
        log(fmt::format("C-STORE from {}@{} broke off: {}", peer.calling_ae, peer.host, c.text()));
        ASC_abortAssociation(assoc);
        break;
      }
    } else {
      log(fmt::format("{}@{} sent an unsupported command 0x{:04X}; association aborted", peer.calling_ae, peer.host,
                      unsigned(msg.CommandField)));
      ASC_abortAssociation(assoc);
      break;
    }
  }
  ASC_dropSCPAssociation(assoc);
  ASC_destroyAssociation(&assoc);
}

void StorageScp::run(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  s.stop = &stop;
  while (!stop.load()) {
    pollfd pfd{s.listen_fd, POLLIN, 0};
    if (::poll(&pfd, 1, 250) <= 0) continue;
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    int fd = ::accept4(s.listen_fd, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    set_nodelay(fd);
    char host[INET6_ADDRSTRLEN] = "?";
    if (from.ss_family == AF_INET) ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, host, sizeof host);
    else if (from.ss_family == AF_INET6) ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, host, sizeof host);
    T_ASC_Association* assoc = nullptr;
    dcmExternalSocketHandle.set(fd);  // only this thread reads it
    OFCondition c = ASC_receiveAssociation(s.net, &assoc, ASC_DEFAULTMAXPDU, nullptr, nullptr, s.tls ? OFTrue : OFFalse);
    dcmExternalSocketHandle.set(-1);
    if (c.bad()) {
      s.refused(Peer{"", host}, std::string("association request not received: ") + c.text());  // e.g. TLS refused
      if (assoc) { ASC_dropAssociation(assoc); ASC_destroyAssociation(&assoc); }
      continue;
    }
    Peer peer;
    peer.host = host;
    peer.calling_ae = trim(assoc->params->DULparams.callingAPTitle);
    std::string called = trim(assoc->params->DULparams.calledAPTitle);
    if (called != s.config.ae_title) {
      s.refused(peer, fmt::format("called AE title \"{}\" is not ours", called));
      s.reject(assoc, ASC_RESULT_REJECTEDPERMANENT, ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED);
      continue;
    }
    if (!s.allowed(peer.calling_ae, peer.host)) {
      s.refused(peer, "not on the allow-list");
      s.reject(assoc, ASC_RESULT_REJECTEDPERMANENT, ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      if (s.active >= s.config.max_associations) {
        s.refused(peer, fmt::format("{} associations already open", s.active));
        s.reject(assoc, ASC_RESULT_REJECTEDTRANSIENT, ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED);
        continue;
      }
      ++s.active;
    }
    s.negotiate(assoc);
    if (ASC_acknowledgeAssociation(assoc).bad()) {
      ASC_dropAssociation(assoc);
      ASC_destroyAssociation(&assoc);
      std::lock_guard<std::mutex> lock(s.mutex);
      --s.active;
      continue;
    }
    std::thread([&s, assoc, peer] {
      s.serve(assoc, peer);
      std::lock_guard<std::mutex> lock(s.mutex);
      --s.active;
      s.idle.notify_all();
    }).detach();
  }
  ::close(s.listen_fd);  // no new connections: they are refused by the kernel now
  s.listen_fd = -1;
  std::unique_lock<std::mutex> lock(s.mutex);
  s.idle.wait(lock, [&] { return s.active == 0; });
}

// ---------------------------------------------------------------------------------------------
// SCU

namespace {

struct OutFile {
  std::string sop_class, sop_instance, transfer_syntax;
  std::uint64_t dataset_offset = 0;
  T_ASC_PresentationContextID pres = 0;
  bool readable = false;
  std::string problem;
};

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) { b.push_back(std::uint8_t(v)); b.push_back(std::uint8_t(v >> 8)); }
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) { put16(b, std::uint16_t(v)); put16(b, std::uint16_t(v >> 16)); }
void element(std::vector<std::uint8_t>& b, std::uint16_t el, const std::string& uid) {
  std::string v = uid;
  if (v.size() % 2) v.push_back('\0');  // UI pads with NUL (PS3.5 6.2)
  put16(b, 0x0000); put16(b, el); put32(b, std::uint32_t(v.size()));
  b.insert(b.end(), v.begin(), v.end());
}
void element(std::vector<std::uint8_t>& b, std::uint16_t el, std::uint16_t value) {
  put16(b, 0x0000); put16(b, el); put32(b, 2); put16(b, value);
}

// The C-STORE-RQ command set, Implicit VR Little Endian as PS3.7 requires, with its group length.
std::vector<std::uint8_t> store_command(const OutFile& f, std::uint16_t message_id) {
  std::vector<std::uint8_t> body;
  element(body, 0x0002, f.sop_class);
  element(body, 0x0100, std::uint16_t(0x0001));  // C-STORE-RQ
  element(body, 0x0110, message_id);
  element(body, 0x0700, std::uint16_t(0x0000));  // medium priority
  element(body, 0x0800, std::uint16_t(0x0000));  // a data set follows
  element(body, 0x1000, f.sop_instance);
  std::vector<std::uint8_t> cmd;
  put16(cmd, 0x0000); put16(cmd, 0x0000); put32(cmd, 4); put32(cmd, std::uint32_t(body.size()));
  cmd.insert(cmd.end(), body.begin(), body.end());
  return cmd;
}

OFCondition write_pdv(T_ASC_Association* assoc, T_ASC_PresentationContextID pres, DUL_DATAPDV type, bool last,
                      const std::uint8_t* data, std::size_t n) {
  DUL_PDV pdv;
  pdv.fragmentLength = n;
  pdv.presentationContextID = pres;
  pdv.pdvType = type;
  pdv.lastPDV = last ? OFTrue : OFFalse;
  pdv.data = const_cast<std::uint8_t*>(data);
  DUL_PDVLIST list;
  list.count = 1;
  list.pdv = &pdv;
  return DUL_WritePDVs(&assoc->DULassociation, &list);
}

// Sends the command and then the file's data set bytes exactly as they are on disk.
SendResult send_one(T_ASC_Association* assoc, const std::string& path, const OutFile& f, std::string& detail) {
  std::uint16_t id = assoc->nextMsgID++;
  auto cmd = store_command(f, id);
  if (OFCondition c = write_pdv(assoc, f.pres, DUL_COMMANDPDV, true, cmd.data(), cmd.size()); c.bad()) {
    detail = std::string("sending the command: ") + c.text();
    return SendResult::broken;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) { detail = "cannot open the queued file"; return SendResult::broken; }
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::vector<std::uint8_t> buf(std::max<unsigned long>(assoc->sendPDVLength, 1024));
  std::size_t chunk = std::min<std::size_t>(buf.size(), assoc->sendPDVLength ? assoc->sendPDVLength : buf.size());
  std::uint64_t pos = f.dataset_offset;
  bool ok = true;
  while (ok && pos < std::uint64_t(size)) {
    std::size_t n = std::size_t(std::min<std::uint64_t>(chunk, std::uint64_t(size) - pos));
    ssize_t got = ::pread(fd, buf.data(), n, off_t(pos));
    if (got != ssize_t(n)) { detail = "short read of the queued file"; ok = false; break; }
    pos += n;
    if (OFCondition c = write_pdv(assoc, f.pres, DUL_DATASETPDV, pos >= std::uint64_t(size), buf.data(), n); c.bad()) {
      detail = std::string("sending the data set: ") + c.text();
      ok = false;
    }
  }
  ::close(fd);
  if (!ok) return SendResult::broken;
  T_ASC_PresentationContextID rpres = 0;
  T_DIMSE_Message rsp;
  DcmDataset* status_detail = nullptr;
  OFCondition c = DIMSE_receiveCommand(assoc, DIMSE_NONBLOCKING, 120, &rpres, &rsp, &status_detail);
  delete status_detail;
  if (c.bad()) { detail = std::string("no C-STORE response: ") + c.text(); return SendResult::broken; }
  if (rsp.CommandField != DIMSE_C_STORE_RSP || rsp.msg.CStoreRSP.MessageIDBeingRespondedTo != id) {
    detail = "unexpected response";
    return SendResult::broken;
  }
  std::uint16_t st = rsp.msg.CStoreRSP.DimseStatus;
  // Success (0000) and warnings (0001, Bxxx) mean stored.
  if (st == 0x0000 || st == 0x0001 || (st & 0xF000) == 0xB000) return SendResult::delivered;
  detail = fmt::format("the receiver answered status 0x{:04X}", st);
  return SendResult::refused;
}

}  // namespace

SendReport send_files(const Destination& dest, const std::string& calling_ae, const std::vector<std::string>& files) {
  SendReport rep;
  rep.results.assign(files.size(), SendResult::not_attempted);
  rep.details.assign(files.size(), "");
  std::vector<OutFile> out(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto file = read_file(files[i]);
    if (!file) { out[i].problem = file.error().message(); rep.details[i] = out[i].problem; continue; }
    out[i].sop_class = file->meta.get_string(Tag{0x0002, 0x0002}).value_or("");
    out[i].sop_instance = file->meta.get_string(Tag{0x0002, 0x0003}).value_or("");
    out[i].transfer_syntax = file->transfer_syntax_uid;
    out[i].dataset_offset = file->dataset_offset;
    out[i].readable = !out[i].sop_class.empty() && !out[i].sop_instance.empty() && !out[i].transfer_syntax.empty();
    if (!out[i].readable) rep.details[i] = "the queued file has no SOP class, instance or transfer syntax in its File Meta";
  }
  T_ASC_Network* net = nullptr;
  if (OFCondition c = ASC_initializeNetwork(NET_REQUESTOR, 0, 30, &net); c.bad()) {
    rep.association_error = std::string("DCMTK network: ") + c.text();
    return rep;
  }
  std::unique_ptr<DcmTLSTransportLayer> tls;
  T_ASC_Parameters* params = nullptr;
  ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU);
  if (dest.tls.enabled) {
    auto layer = make_tls(dest.tls, NET_REQUESTOR, !dest.tls.ca_file.empty());
    if (!layer) {
      rep.association_error = layer.error().reason;
      ASC_destroyAssociationParameters(&params);
      ASC_dropNetwork(&net);
      return rep;
    }
    tls = std::move(*layer);
    ASC_setTransportLayer(net, tls.get(), 0);
    ASC_setTransportLayerType(params, OFTrue);
  }
  ASC_setAPTitles(params, calling_ae.c_str(), dest.ae_title.c_str(), nullptr);
  std::string peer = fmt::format("{}:{}", dest.host, dest.port);
  ASC_setPresentationAddresses(params, "localhost", peer.c_str());
  // One presentation context per (SOP class, transfer syntax), odd IDs 1..255.
  std::map<std::pair<std::string, std::string>, T_ASC_PresentationContextID> contexts;
  for (auto& f : out) {
    if (!f.readable) continue;
    auto key = std::make_pair(f.sop_class, f.transfer_syntax);
    auto it = contexts.find(key);
    if (it == contexts.end()) {
      if (contexts.size() >= 128) continue;  // the rest wait for the next association
      T_ASC_PresentationContextID id = T_ASC_PresentationContextID(2 * contexts.size() + 1);
      const char* ts[] = {f.transfer_syntax.c_str()};
      ASC_addPresentationContext(params, id, f.sop_class.c_str(), ts, 1);
      it = contexts.emplace(key, id).first;
    }
    f.pres = it->second;
  }
  T_ASC_Association* assoc = nullptr;
  OFCondition c = ASC_requestAssociation(net, params, &assoc);
  if (c.bad()) {
    rep.association_error = std::string("association refused or failed: ") + c.text();
    if (assoc) ASC_destroyAssociation(&assoc);
    else ASC_destroyAssociationParameters(&params);
    ASC_dropNetwork(&net);
    return rep;
  }
  bool alive = true;
  for (std::size_t i = 0; i < files.size() && alive; ++i) {
    auto& f = out[i];
    if (!f.readable || f.pres == 0) continue;
    T_ASC_PresentationContext pc;
    if (ASC_findAcceptedPresentationContext(assoc->params, f.pres, &pc).bad()) {
      rep.details[i] = "the receiver did not accept this SOP class in this transfer syntax";
      rep.results[i] = SendResult::refused;
      continue;
    }
    rep.results[i] = send_one(assoc, files[i], f, rep.details[i]);
    alive = rep.results[i] != SendResult::broken;
  }
  if (alive) ASC_releaseAssociation(assoc);
  else ASC_abortAssociation(assoc);
  ASC_destroyAssociation(&assoc);
  ASC_dropNetwork(&net);
  return rep;
}

}  // namespace dicomscrub::gateway
