// lib/gateway/gateway.cpp — the gateway's threads: the SCP's associations receive into the
// spool; workers de-identify each received instance once per destination; one sender per
// destination delivers its queue (in `associations` parallel associations) with backoff; a
// reporter writes the status file and the per-study lines.
#include "gateway/gateway.hpp"

#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "dicomscrub/batch.hpp"
#include "dicomscrub/reader.hpp"
#include "gateway/dicom_net.hpp"
#include "gateway/spool.hpp"
#include "gateway/stow.hpp"
#include "dicomscrub/keys.hpp"

namespace dicomscrub::gateway {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string utc_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                     t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
}

// One JSON object from string and number fields (RapidJSON escapes the strings).
class JsonLine {
 public:
  JsonLine() { w_.StartObject(); }
  // An event line: its time and kind first.
  explicit JsonLine(const char* event) : JsonLine() { s("time", utc_now()).s("event", event); }
  JsonLine& s(const char* k, const std::string& v) { w_.Key(k); w_.String(v.c_str(), rapidjson::SizeType(v.size())); return *this; }
  JsonLine& n(const char* k, double v) { w_.Key(k); v == double(static_cast<long long>(v)) ? w_.Int64(static_cast<long long>(v)) : w_.Double(v); return *this; }
  JsonLine& b(const char* k, bool v) { w_.Key(k); w_.Bool(v); return *this; }
  JsonLine& raw(const char* k, const std::string& json) { w_.Key(k); w_.RawValue(json.c_str(), json.size(), rapidjson::kObjectType); return *this; }
  std::string str() { w_.EndObject(); return std::string(sb_.GetString(), sb_.GetSize()); }

 private:
  rapidjson::StringBuffer sb_;
  rapidjson::Writer<rapidjson::StringBuffer> w_{sb_};
};

std::string study_of(const std::string& output_path) {
  auto slash = output_path.find('/');
  return slash == std::string::npos ? "" : output_path.substr(0, slash);
}

// The part of a queued file's path below its destination's queue folder.
std::string relative_to(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 ? path.substr(dir.size() + 1) : path;
}

}  // namespace

struct Gateway::Impl {
  GatewayConfig config;
  Spool spool;
  std::vector<Deidentifier> engines;  // one per destination, in config order
  std::unique_ptr<StorageScp> scp;
  std::FILE* report = nullptr;
  std::mutex report_mutex;

  // Received instances waiting for de-identification (names only: memory does not grow with data).
  std::mutex work_mutex;
  std::condition_variable work_cv;
  std::deque<std::string> work;
  std::atomic<bool> stopping{false};

  struct DestState {
    std::mutex mutex;
    std::condition_variable cv;   // woken when something is queued
    std::uint64_t forwarded = 0, withheld = 0, failed = 0;
    unsigned consecutive_down = 0;
    bool down = false;
    double retry_in = 0;
  };
  std::vector<std::unique_ptr<DestState>> dests;

  struct Study {
    Clock::time_point last;
    std::uint64_t forwarded = 0, failed = 0, queued = 0;
  };
  std::mutex study_mutex;
  std::map<std::pair<std::size_t, std::string>, Study> studies;

  std::atomic<std::uint64_t> received{0}, rejected{0}, processed{0};
  Clock::time_point started = Clock::now();

  ~Impl() { if (report) std::fclose(report); }

  void log(const std::string& line) { std::fprintf(stderr, "gateway: %s\n", line.c_str()); }
  void emit(JsonLine& line) {
    std::string s = line.str();
    std::lock_guard<std::mutex> lock(report_mutex);
    if (report) { std::fprintf(report, "%s\n", s.c_str()); std::fflush(report); }
  }
  static JsonLine event(const char* what) { return JsonLine(what); }

  std::uint16_t on_store(const std::string& temp, const Peer& peer, std::string& reason);
  void process(const std::string& incoming);
  void worker();
  void sender(std::size_t d);
  void deliver_round(std::size_t d, const std::vector<std::string>& files);
  void reporter();
  void write_status(bool running);
  void touch_study(std::size_t d, const std::string& study, int forwarded, int failed, int queued);
};

std::uint16_t Gateway::Impl::on_store(const std::string& temp, const Peer& peer, std::string& reason) {
  // Our reader is the judge of what we accept: a data set it cannot read is refused now, while
  // the sender can still be told, and nothing of it stays in the spool.
  auto file = read_file(temp);
  if (!file) {
    ::unlink(temp.c_str());
    reason = file.error().message();
    if (auto pos = reason.find(temp); pos != std::string::npos) reason.replace(pos, temp.size(), "received data set");
    ++rejected;
    emit(event("refused").s("calling_ae", peer.calling_ae).s("host", peer.host).s("reason", reason));
    return kStatusCannotUnderstand;
  }
  auto committed = spool.commit_incoming(temp);
  if (!committed) {
    ::unlink(temp.c_str());
    reason = committed.error().reason;
    emit(event("refused").s("calling_ae", peer.calling_ae).s("host", peer.host).s("reason", reason));
    return kStatusOutOfResources;
  }
  ++received;
  emit(event("received").s("instance", fs::path(*committed).filename().string()).s("calling_ae", peer.calling_ae).s("host", peer.host));
  {
    std::lock_guard<std::mutex> lock(work_mutex);
    work.push_back(*committed);
  }
  work_cv.notify_one();
  return kStatusSuccess;
}

void Gateway::Impl::touch_study(std::size_t d, const std::string& study, int forwarded, int failed, int queued) {
  if (study.empty()) return;
  std::lock_guard<std::mutex> lock(study_mutex);
  auto& s = studies[{d, study}];
  s.last = Clock::now();
  s.forwarded += std::uint64_t(forwarded);
  s.failed += std::uint64_t(failed);
  s.queued += std::uint64_t(queued);
}

void Gateway::Impl::process(const std::string& incoming) {
  std::string id = fs::path(incoming).filename().string();
  bool all_durable = true;
  for (std::size_t d = 0; d < config.destinations.size(); ++d) {
    const auto& dest = config.destinations[d];
    BatchOptions opt;
    opt.output_dir = spool.queue_dir(dest.name);
    opt.fsync = true;
    FileOutcome o = deidentify_one(engines[d], incoming, opt);
    if (o.status == FileStatus::written) {
      // The rename and any new study/series folders must survive power loss too.
      if (auto st = spool.fsync_new_dirs(fs::path(o.output).parent_path().string(), opt.output_dir); !st) {
        log(st.error().reason);
        all_durable = false;
      }
      touch_study(d, study_of(o.report.output_path), 0, 0, 1);
      emit(event("queued").s("instance", id).s("destination", dest.name).s("output", o.report.output_path));
      dests[d]->cv.notify_one();
      continue;
    }
    // Withheld, or the engine could not handle it: never forwarded; kept with its reason.
    const char* what = o.status == FileStatus::withheld ? "withheld" : "failed";
    std::string why = JsonLine().s("destination", dest.name).s("status", what).s("reason", o.reason).str();
    if (!spool.set_aside(incoming, spool.quarantine_dir(dest.name), id, why, false)) all_durable = false;
    {
      std::lock_guard<std::mutex> lock(dests[d]->mutex);
      (o.status == FileStatus::withheld ? dests[d]->withheld : dests[d]->failed)++;
    }
    emit(event(what).s("instance", id).s("destination", dest.name).s("reason", o.reason));
  }
  ++processed;
  if (!all_durable)
    log("instance " + id + " stays in the spool: an outcome could not be made durable; it is processed again at the next start");
  else if (!spool.finish_incoming(incoming).ok())
    log("cannot remove " + id + " from incoming/: it is processed again at the next start (same outputs)");
}

void Gateway::Impl::worker() {
  for (;;) {
    std::string next;
    {
      std::unique_lock<std::mutex> lock(work_mutex);
      work_cv.wait(lock, [&] { return stopping.load() || !work.empty(); });
      if (stopping.load()) return;  // what is left stays in incoming/ for the next start
      next = std::move(work.front());
      work.pop_front();
    }
    process(next);
  }
}

void Gateway::Impl::deliver_round(std::size_t d, const std::vector<std::string>& files) {
  const auto& dest = config.destinations[d];
  auto& st = *dests[d];
  // Split the round over the destination's parallel associations.
  std::size_t k = std::min<std::size_t>(dest.associations, files.size());
  std::vector<std::vector<std::string>> parts(k);
  for (std::size_t i = 0; i < files.size(); ++i) parts[i % k].push_back(files[i]);
  std::vector<SendReport> reports(k);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < k; ++i)
    threads.emplace_back([&, i] {
      reports[i] = dest.kind == DestinationKind::cstore ? send_files(dest, config.ae_title, parts[i]) : stow_files(dest, parts[i]);
    });
  for (auto& t : threads) t.join();
  bool any_connected = false;
  std::string down_reason;
  std::string qdir = spool.queue_dir(dest.name);
  for (std::size_t i = 0; i < k; ++i) {
    if (!reports[i].association_error.empty()) { down_reason = reports[i].association_error; continue; }
    any_connected = true;
    for (std::size_t j = 0; j < parts[i].size(); ++j) {
      const std::string& f = parts[i][j];
      std::string rel = relative_to(f, qdir);
      switch (reports[i].results[j]) {
        case SendResult::delivered:
          if (!spool.delivered(f).ok()) log("cannot remove delivered " + rel + " from the queue: it may be sent again (same UIDs)");
          { std::lock_guard<std::mutex> lock(st.mutex); ++st.forwarded; }
          touch_study(d, study_of(rel), 1, 0, 0);
          emit(event("forwarded").s("destination", dest.name).s("output", rel));
          break;
        case SendResult::refused:
        case SendResult::broken: {
          unsigned n = spool.attempts(f) + 1;
          if (n >= config.max_attempts) {
            std::string why = JsonLine().s("destination", dest.name).s("reason", reports[i].details[j]).n("attempts", n).str();
            std::string name = fs::path(f).filename().string();
            if (!spool.set_aside(f, spool.dead_dir(dest.name), name, why, true).ok()) log("cannot move " + rel + " to dead/");
            fs::remove(f + ".attempts");
            { std::lock_guard<std::mutex> lock(st.mutex); ++st.failed; }
            touch_study(d, study_of(rel), 0, 1, 0);
            emit(event("failed").s("destination", dest.name).s("output", rel).s("reason", reports[i].details[j]).n("attempts", n));
          } else {
            spool.set_attempts(f, n);
            emit(event("retry").s("destination", dest.name).s("output", rel).s("reason", reports[i].details[j]).n("attempts", n));
          }
          break;
        }
        case SendResult::not_attempted:
          break;  // stays queued for the next round
      }
    }
  }
  std::lock_guard<std::mutex> lock(st.mutex);
  if (any_connected) {
    if (st.down) emit(event("destination_up").s("destination", dest.name));
    st.down = false;
    st.consecutive_down = 0;
    st.retry_in = 0;
  } else {
    if (!st.down) {
      log(fmt::format("destination {} is down: {}", dest.name, down_reason));
      emit(event("destination_down").s("destination", dest.name).s("reason", down_reason));
    }
    st.down = true;
    ++st.consecutive_down;
    st.retry_in = std::min(config.retry_max_seconds,
                           config.retry_initial_seconds * double(1ull << std::min(st.consecutive_down - 1, 20u)));
  }
}

void Gateway::Impl::sender(std::size_t d) {
  const auto& dest = config.destinations[d];
  auto& st = *dests[d];
  // Enough per round to keep every association busy, few enough to stop quickly on SIGTERM.
  const std::size_t round = 32 * dest.associations;
  while (!stopping.load()) {
    auto files = spool.queued(dest.name, round);
    if (files.empty()) {
      std::unique_lock<std::mutex> lock(st.mutex);
      st.cv.wait_for(lock, std::chrono::milliseconds(500));
      continue;
    }
    deliver_round(d, files);
    double wait;
    { std::lock_guard<std::mutex> lock(st.mutex); wait = st.retry_in; }
    auto until = Clock::now() + std::chrono::milliseconds(long(wait * 1000));
    while (!stopping.load() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Gateway::Impl::write_status(bool running) {
  JsonLine dj;
  // Destinations as one nested object, built as raw JSON.
  std::string destinations = "{";
  std::uint64_t forwarded = 0;
  for (std::size_t d = 0; d < config.destinations.size(); ++d) {
    auto& st = *dests[d];
    std::lock_guard<std::mutex> lock(st.mutex);
    forwarded += st.forwarded;
    JsonLine j;
    j.n("queued", double(spool.queue_depth(config.destinations[d].name))).n("forwarded", double(st.forwarded))
        .n("withheld", double(st.withheld)).n("failed", double(st.failed)).b("down", st.down).n("retry_in_seconds", st.retry_in);
    if (d) destinations += ",";
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(config.destinations[d].name.c_str());
    destinations += std::string(sb.GetString(), sb.GetSize()) + ":" + j.str();
  }
  destinations += "}";
  double uptime = std::chrono::duration<double>(Clock::now() - started).count();
  std::size_t pending;
  { std::lock_guard<std::mutex> lock(work_mutex); pending = work.size(); }
  std::string text = JsonLine().s("time", utc_now()).b("running", running).n("uptime_seconds", uptime)
                         .n("received", double(received.load())).n("refused", double(rejected.load()))
                         .n("processed", double(processed.load())).n("waiting_for_deid", double(pending))
                         .n("forwarded", double(forwarded)).n("forwarded_per_second", uptime > 0 ? double(forwarded) / uptime : 0)
                         .raw("destinations", destinations).str();
  std::string path = config.status_file.empty() ? spool.root() + "/status.json" : config.status_file;
  std::string tmp = path + ".tmp";
  if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fprintf(f, "%s\n", text.c_str());
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }
}

void Gateway::Impl::reporter() {
  while (!stopping.load()) {
    for (int i = 0; i < 10 && !stopping.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    write_status(true);
    // A study is reported once nothing happened to it for study_quiet_seconds.
    std::vector<std::string> lines;
    {
      std::lock_guard<std::mutex> lock(study_mutex);
      auto quiet = std::chrono::duration<double>(config.study_quiet_seconds);
      for (auto it = studies.begin(); it != studies.end();) {
        const auto& s = it->second;
        if (Clock::now() - s.last >= quiet && s.forwarded + s.failed >= s.queued) {
          lines.push_back(event("study").s("destination", config.destinations[it->first.first].name).s("study", it->first.second)
                              .n("forwarded", double(s.forwarded)).n("failed", double(s.failed)).str());
          it = studies.erase(it);
        } else {
          ++it;
        }
      }
    }
    std::lock_guard<std::mutex> lock(report_mutex);
    for (const auto& l : lines) if (report) std::fprintf(report, "%s\n", l.c_str());
    if (report) std::fflush(report);
  }
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() = default;
int Gateway::port() const { return impl_->scp->port(); }

Result<std::unique_ptr<Gateway>> Gateway::create(const GatewayConfig& config) {
  if (auto st = validate(config); !st) return std::move(st).error();
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (config.key_file.empty())
    return gateway_error(ErrorCode::invalid_argument,
                         "the gateway needs a key file: with a one-time key, an instance resent after a restart would get other UIDs");
  auto key_read = Key::from_file(config.key_file);
  if (!key_read) return std::move(key_read).error();
  auto key = std::make_shared<const Key>(std::move(key_read).value());
  std::vector<std::string> names;
  for (const auto& d : config.destinations) {
    DeidConfig dc;
    dc.profile = d.profile;
    dc.options = d.options;
    dc.key = key;
    dc.verify = true;
    dc.record_tag_actions = false;
    auto engine = Deidentifier::create(dc);
    if (!engine) {
      Error e = std::move(engine).error();
      e.reason = "destination " + d.name + ": " + e.reason;
      return e;
    }
    impl->engines.push_back(std::move(*engine));
    impl->dests.push_back(std::make_unique<Impl::DestState>());
    names.push_back(d.name);
  }
  auto spool = Spool::open(config.spool, names);
  if (!spool) return std::move(spool).error();
  impl->spool = std::move(*spool);
  std::string report_path = config.report_file.empty() ? config.spool + "/reports.jsonl" : config.report_file;
  impl->report = std::fopen(report_path.c_str(), "a");
  if (!impl->report) return gateway_error(ErrorCode::io, "cannot append to the report file " + report_path);
  disable_nagle();
  Impl* raw = impl.get();
  ScpCallbacks cb;
  cb.temp_path = [raw] { return raw->spool.new_temp_path(); };
  cb.on_store = [raw](const std::string& f, const Peer& p, std::string& why) { return raw->on_store(f, p, why); };
  cb.log = [raw](const std::string& s) { raw->log(s); };
  cb.on_refused = [raw](const Peer& p, const std::string& why) {
    JsonLine line("association_refused");
    raw->emit(line.s("calling_ae", p.calling_ae).s("host", p.host).s("reason", why));
  };
  auto scp = StorageScp::open(config, std::move(cb));
  if (!scp) return std::move(scp).error();
  impl->scp = std::move(*scp);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

void Gateway::run(const std::atomic<bool>& stop) {
  Impl& g = *impl_;
  // Resume: what an earlier run received but had not finished.
  for (auto& p : g.spool.pending_incoming()) g.work.push_back(p);
  if (!g.work.empty()) g.log(fmt::format("resuming {} received instances from the spool", g.work.size()));
  g.emit(g.event("started").s("ae_title", g.config.ae_title).n("port", g.scp->port()).n("resumed", double(g.work.size())));
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < g.config.workers; ++i) threads.emplace_back([&g] { g.worker(); });
  for (std::size_t d = 0; d < g.config.destinations.size(); ++d) threads.emplace_back([&g, d] { g.sender(d); });
  std::thread reporter([&g] { g.reporter(); });
  g.log(fmt::format("listening on {}:{} as {}", g.config.listen_host, g.scp->port(), g.config.ae_title));
  g.scp->run(stop);  // returns once no association is open
  {
    std::lock_guard<std::mutex> lock(g.work_mutex);
    g.stopping.store(true);
  }
  g.work_cv.notify_all();
  for (auto& d : g.dests) d->cv.notify_all();
  for (auto& t : threads) t.join();
  reporter.join();
  g.write_status(false);
  { JsonLine line("stopped"); g.emit(line); }
  g.log("stopped; anything not yet delivered stays in the spool for the next start");
}

}  // namespace dicomscrub::gateway
