#include "broker/broker.hpp"

#include "base/log.hpp"
#include "broker/bytes_codec.hpp"
#include "broker/executor.hpp"
#include "broker/group_coordinator.hpp"
#include "broker/handlers.hpp"
#include "broker/memory_log.hpp"
#include "broker/metrics.hpp"
#include "broker/network/server.hpp"
#include "broker/partition_state.hpp"
#include "broker/protocol/api.hpp"
#include "broker/state_journal.hpp"
#include "broker/txn_coordinator.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>

namespace ferry::broker {

namespace {

auto logger() {
    static auto l = ferry::log::get("broker");
    return l;
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Splits "host:port", "[v6]:port" or "PLAINTEXT://host:port".
result<std::pair<std::string, uint16_t>> parse_endpoint(std::string s) {
    auto scheme = s.find("://");
    if (scheme != std::string::npos) s = s.substr(scheme + 3);
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return fail(errc::invalid_argument, "listener '{}' must be host:port", s);
    std::string host = s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string port = s.substr(colon + 1);
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end || p < 0 || p > 65535) return fail(errc::invalid_argument, "listener '{}': bad port", s);
    return std::make_pair(host, static_cast<uint16_t>(p));
}

// A 22-character base64url id like Kafka's cluster ids.
std::string new_cluster_id() {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::mt19937_64 rng{std::random_device{}()};
    std::string s;
    for (int i = 0; i < 22; ++i)
        s += alphabet[rng() % 64];
    return s;
}

const std::string cluster_id_key = "cluster.id";

} // namespace

struct broker::impl {
    broker_config cfg;
    std::unique_ptr<storage::log_manager> logs;
    std::unique_ptr<state_journal> journal;
    executor exec;
    std::unique_ptr<partition_registry> partitions;
    std::unique_ptr<group_coordinator> groups;
    std::unique_ptr<txn_coordinator> txns;
    broker_metrics metrics;
    std::unique_ptr<kafka_api> api;
    std::unique_ptr<net::server> srv;
    std::string advertised_host;
    uint16_t advertised_port = 0;
    std::string cluster_id;
    std::atomic<net::server*> live_server{nullptr};
    std::mutex stop_mu;
    bool stopped = false;
    std::string temp_state_dir; // in-memory mode only; removed at shutdown
    uint64_t periodic_timer = 0;

    ~impl() { shutdown(); }

    // Storage calls this after every append: wake the network threads that have parked fetches.
    void on_append() {
        auto* s = live_server.load(std::memory_order_acquire);
        if (!s) return;
        for (auto& l : s->loops())
            if (l->data_watcher_count() > 0) l->signal_data();
    }

    void schedule_periodic() {
        periodic_timer = exec.schedule_after(1000, [this] {
            if (journal) (void)journal->sync();
            static thread_local int64_t last_sweep = 0;
            int64_t now = wall_ms();
            if (now - last_sweep > 600000) {
                last_sweep = now;
                groups->expire_offsets(now);
                for (auto& ps : partitions->all())
                    ps->expire_producers(now, cfg.producer_id_expiration_ms);
            }
            schedule_periodic();
        });
    }

    void shutdown() {
        std::lock_guard lk(stop_mu);
        if (stopped) return;
        stopped = true;
        // Coordinator first: its queued work still answers through live network threads.
        exec.stop();
        live_server.store(nullptr, std::memory_order_release);
        if (srv) srv->stop();
        if (journal) {
            if (auto r = journal->sync(); !r)
                logger()->error("syncing the coordinator journal failed: {}", r.error().message);
        }
        if (logs) logs->close();
        journal.reset();
        if (!temp_state_dir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(temp_state_dir, ec);
        }
        logger()->info("broker {} stopped", cfg.node_id);
    }
};

broker::broker(std::unique_ptr<impl> p) : _impl(std::move(p)) {}
broker::~broker() {
    stop();
}
void broker::stop() {
    if (_impl) _impl->shutdown();
}
std::string broker::bootstrap_servers() const {
    const auto& h = _impl->advertised_host;
    if (h.find(':') != std::string::npos) return "[" + h + "]:" + std::to_string(_impl->advertised_port);
    return h + ":" + std::to_string(_impl->advertised_port);
}
uint16_t broker::port() const {
    return _impl->srv ? _impl->srv->port() : 0;
}
storage::log_manager& broker::logs() {
    return *_impl->logs;
}
const broker_config& broker::config() const {
    return _impl->cfg;
}

result<std::unique_ptr<broker>> broker::start(broker_config cfg) {
    auto p = std::make_unique<impl>();
    auto listen = parse_endpoint(cfg.listener);
    if (!listen) return fail(listen.error());
    if (cfg.log_dir.empty() && !cfg.in_memory)
        return fail(errc::invalid_argument, "broker: log.dirs (log_dir) is required");
    cfg.storage.log_dir = cfg.log_dir;
    cfg.storage.default_partitions = cfg.num_partitions;
    p->cfg = cfg;
    auto& c = p->cfg;

    if (c.in_memory) {
        p->logs = make_memory_log_manager(c.storage.defaults);
    } else {
        auto lm = storage::log_manager::open(c.storage);
        if (!lm) return fail(errc::io, "broker: opening log dir {}: {}", c.log_dir, lm.error().message);
        p->logs = std::move(*lm);
    }
    std::string state_dir = c.in_memory ? std::string() : c.log_dir;
    if (c.in_memory) {
        // A private temporary directory keeps the journal code path identical in unit tests.
        char tmpl[] = "/tmp/ferry-broker-mem-XXXXXX";
        if (!mkdtemp(tmpl)) return fail(errc::io, "broker: cannot create a temporary directory");
        state_dir = tmpl;
        p->temp_state_dir = tmpl;
    }
    auto j = state_journal::open(state_dir, "ferry-coordinator");
    if (!j) return fail(j.error());
    p->journal = std::move(*j);
    auto cid = p->journal->entries().find(cluster_id_key);
    if (cid == p->journal->entries().end()) {
        p->cluster_id = new_cluster_id();
        if (auto r = p->journal->put(cluster_id_key, p->cluster_id); !r) return fail(r.error());
        (void)p->journal->sync();
    } else {
        p->cluster_id = cid->second;
    }

    auto* raw = p.get();
    p->partitions = std::make_unique<partition_registry>(*p->logs, [raw] { raw->on_append(); });
    auto t0 = std::chrono::steady_clock::now();
    p->partitions->load_all();
    auto* logs = p->logs.get();
    group_config gc;
    gc.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
    gc.min_session_timeout_ms = c.group_min_session_timeout_ms;
    gc.max_session_timeout_ms = c.group_max_session_timeout_ms;
    gc.offsets_retention_ms = c.offsets_retention_minutes * 60000;
    p->groups =
        std::make_unique<group_coordinator>(gc, p->exec, *p->journal, [logs](const std::string& t, int32_t part) {
            auto n = logs->partition_count(t);
            return n && part >= 0 && part < *n;
        });
    txn_config tc;
    tc.max_timeout_ms = c.transaction_max_timeout_ms;
    tc.abort_check_interval_ms = c.transaction_abort_check_interval_ms;
    tc.id_expiration_ms = c.transactional_id_expiration_ms;
    p->txns = std::make_unique<txn_coordinator>(tc, p->exec, *p->journal, *p->partitions, *p->groups);
    p->groups->load();
    p->txns->load();
    p->exec.start();
    p->exec.post([raw] {
        raw->txns->start_timers();
        raw->schedule_periodic();
    });
    auto loaded_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();

    net::server_config sc;
    sc.host = listen->first;
    sc.port = listen->second;
    sc.network_threads = c.network_threads;
    sc.max_request_bytes = c.socket_request_max_bytes;

    api_context ac;
    ac.cfg = &p->cfg;
    ac.logs = p->logs.get();
    ac.partitions = p->partitions.get();
    ac.exec = &p->exec;
    ac.groups = p->groups.get();
    ac.txns = p->txns.get();
    ac.metrics = &p->metrics;
    ac.cluster_id = p->cluster_id;

    // Advertised address: explicit, else the listener's (a wildcard bind advertises loopback).
    std::string adv_host = listen->first;
    int32_t adv_port = -1;
    if (!c.advertised.empty()) {
        auto adv = parse_endpoint(c.advertised);
        if (!adv) return fail(adv.error());
        adv_host = adv->first;
        adv_port = adv->second;
    }
    if (adv_host.empty() || adv_host == "0.0.0.0" || adv_host == "::") adv_host = "127.0.0.1";
    p->advertised_host = adv_host;

    p->api = std::make_unique<kafka_api>(ac);
    p->srv = std::make_unique<net::server>(sc, *p->api);
    if (auto r = p->srv->bind(); !r) {
        p->exec.stop();
        p->logs->close();
        return fail(r.error());
    }
    p->advertised_port = adv_port > 0 ? static_cast<uint16_t>(adv_port) : p->srv->port();
    p->api->set_advertised(p->advertised_host, p->advertised_port);
    if (auto r = p->srv->start(); !r) {
        p->exec.stop();
        p->logs->close();
        return fail(r.error());
    }
    p->live_server.store(p->srv.get(), std::memory_order_release);
    logger()->info(
        "broker {} serving Kafka protocol on {}:{} (advertised {}:{}), log dir {}, {} topics, state loaded in {} ms",
        c.node_id, sc.host, p->srv->port(), p->advertised_host, p->advertised_port,
        c.in_memory ? "(memory)" : c.log_dir, p->logs->topics().size(), loaded_ms);
    return std::unique_ptr<broker>(new broker(std::move(p)));
}

std::string broker::metrics_text() const {
    auto& p = *_impl;
    prometheus_writer w;
    w.family("kafka_server_brokertopicmetrics_bytesin_total", "counter", "Bytes received from clients (all requests).");
    w.sample("kafka_server_brokertopicmetrics_bytesin_total",
             p.srv ? static_cast<double>(p.srv->stats().bytes_in.load()) : 0);
    w.family("kafka_server_brokertopicmetrics_bytesout_total", "counter", "Bytes sent to clients (all responses).");
    w.sample("kafka_server_brokertopicmetrics_bytesout_total",
             p.srv ? static_cast<double>(p.srv->stats().bytes_out.load()) : 0);
    w.family("ferry_broker_produced_records_total", "counter", "Records appended by Produce requests.");
    w.sample("ferry_broker_produced_records_total", static_cast<double>(p.metrics.produced_records.load()));
    w.family("ferry_broker_produced_batches_total", "counter", "Record batches appended by Produce requests.");
    w.sample("ferry_broker_produced_batches_total", static_cast<double>(p.metrics.produced_batches.load()));
    w.family("ferry_broker_produced_bytes_total", "counter", "Record batch bytes appended by Produce requests.");
    w.sample("ferry_broker_produced_bytes_total", static_cast<double>(p.metrics.produced_bytes.load()));
    w.family("ferry_broker_produce_errors_total", "counter", "Partitions of Produce requests answered with an error.");
    w.sample("ferry_broker_produce_errors_total", static_cast<double>(p.metrics.produce_errors.load()));
    w.family("ferry_broker_fetched_bytes_total", "counter", "Record bytes returned by Fetch requests.");
    w.sample("ferry_broker_fetched_bytes_total", static_cast<double>(p.metrics.fetched_bytes.load()));
    w.family("ferry_broker_connections", "gauge", "Open client connections.");
    w.sample("ferry_broker_connections", p.srv ? static_cast<double>(p.srv->stats().connections.load()) : 0);
    w.family("kafka_network_requestmetrics_requests_total", "counter", "Requests received, per API.");
    for (auto& a : proto::supported_apis())
        w.sample("kafka_network_requestmetrics_requests_total", {{"request", a.name}},
                 static_cast<double>(p.metrics.requests[static_cast<size_t>(a.key)].load()));

    auto states = p.partitions->all();
    w.family("kafka_log_log_size", "gauge", "Partition size on disk in bytes.");
    for (auto& s : states)
        w.sample("kafka_log_log_size", {{"topic", s->topic()}, {"partition", std::to_string(s->partition())}},
                 static_cast<double>(s->log()->size_bytes()));
    w.family("kafka_log_log_logendoffset", "gauge", "Log end offset (= high watermark on one node).");
    for (auto& s : states)
        w.sample("kafka_log_log_logendoffset", {{"topic", s->topic()}, {"partition", std::to_string(s->partition())}},
                 static_cast<double>(s->log()->log_end_offset()));
    w.family("kafka_log_log_logstartoffset", "gauge", "Log start offset.");
    for (auto& s : states)
        w.sample("kafka_log_log_logstartoffset", {{"topic", s->topic()}, {"partition", std::to_string(s->partition())}},
                 static_cast<double>(s->log()->log_start_offset()));

    std::map<std::string, int64_t> group_states;
    size_t txn_ongoing = 0, txn_ids = 0;
    if (!p.stopped) {
        p.exec.run_sync([&] {
            group_states = p.groups->state_counts();
            txn_ongoing = p.txns->ongoing_count();
            txn_ids = p.txns->transactional_id_count();
        });
    }
    w.family("kafka_coordinator_group_groups", "gauge", "Consumer groups per state.");
    for (auto& [st, n] : group_states)
        w.sample("kafka_coordinator_group_groups", {{"state", st}}, static_cast<double>(n));
    w.family("ferry_broker_transactions_ongoing", "gauge", "Open transactions.");
    w.sample("ferry_broker_transactions_ongoing", static_cast<double>(txn_ongoing));
    w.family("ferry_broker_transactional_ids", "gauge", "Known transactional ids.");
    w.sample("ferry_broker_transactional_ids", static_cast<double>(txn_ids));
    return w.take();
}

// ---------------------------------------------------------------- server.properties
result<broker_config> broker_config_from_properties(const std::map<std::string, std::string>& props) {
    broker_config c;
    c.properties = props;
    auto get = [&](const std::string& k) -> const std::string* {
        auto it = props.find(k);
        return it == props.end() ? nullptr : &it->second;
    };
    auto as_i64 = [&](const std::string& k, int64_t& out) -> result<> {
        if (auto* v = get(k)) {
            char* end = nullptr;
            errno = 0;
            long long x = std::strtoll(v->c_str(), &end, 10);
            if (v->empty() || *end || errno) return fail(errc::invalid_argument, "{}: '{}' is not a number", k, *v);
            out = x;
        }
        return {};
    };
    auto as_i32 = [&](const std::string& k, int32_t& out) -> result<> {
        int64_t x = out;
        if (auto r = as_i64(k, x); !r) return r;
        if (x < INT32_MIN || x > INT32_MAX) return fail(errc::invalid_argument, "{}: {} is out of range", k, x);
        out = static_cast<int32_t>(x);
        return {};
    };
    auto as_bool = [&](const std::string& k, bool& out) -> result<> {
        if (auto* v = get(k)) {
            if (*v == "true")
                out = true;
            else if (*v == "false")
                out = false;
            else
                return fail(errc::invalid_argument, "{}: '{}' must be true or false", k, *v);
        }
        return {};
    };
#define TRY(x)                                                                                                         \
    if (auto _r = (x); !_r) return fail(_r.error())

    if (auto* v = get("listeners")) {
        // The first PLAINTEXT listener (or the first of any name).
        std::string chosen;
        size_t start = 0;
        while (start <= v->size()) {
            size_t pos = v->find(',', start);
            if (pos == std::string::npos) pos = v->size();
            std::string item = v->substr(start, pos - start);
            if (chosen.empty() || item.rfind("PLAINTEXT://", 0) == 0) {
                if (chosen.empty() || chosen.rfind("PLAINTEXT://", 0) != 0) chosen = item;
            }
            start = pos + 1;
        }
        if (!chosen.empty()) c.listener = chosen;
    } else if (auto* port = get("port")) {
        c.listener = (get("host.name") ? *get("host.name") : std::string("127.0.0.1")) + ":" + *port;
    }
    if (auto* v = get("advertised.listeners")) c.advertised = v->substr(0, v->find(','));
    if (auto* v = get("log.dirs"))
        c.log_dir = v->substr(0, v->find(','));
    else if (auto* d = get("log.dir"))
        c.log_dir = *d;
    else
        c.log_dir = "/tmp/kafka-logs"; // Kafka's default for log.dir
    if (auto* v = get("log.dirs"); v && v->find(',') != std::string::npos)
        logger()->warn("log.dirs lists several directories; Ferry's broker uses only the first, {}", c.log_dir);

    TRY(as_i32("broker.id", c.node_id));
    TRY(as_i32("node.id", c.node_id));
    TRY(as_i32("num.partitions", c.num_partitions));
    int32_t rf = c.default_replication_factor;
    TRY(as_i32("default.replication.factor", rf));
    c.default_replication_factor = static_cast<int16_t>(rf);
    TRY(as_bool("auto.create.topics.enable", c.auto_create_topics));
    TRY(as_bool("ferry.replication.factor.clamp", c.clamp_replication_factor));
    TRY(as_i32("group.initial.rebalance.delay.ms", c.group_initial_rebalance_delay_ms));
    TRY(as_i32("group.min.session.timeout.ms", c.group_min_session_timeout_ms));
    TRY(as_i32("group.max.session.timeout.ms", c.group_max_session_timeout_ms));
    TRY(as_i64("offsets.retention.minutes", c.offsets_retention_minutes));
    TRY(as_i32("transaction.max.timeout.ms", c.transaction_max_timeout_ms));
    TRY(as_i64("transaction.abort.timed.out.transaction.cleanup.interval.ms", c.transaction_abort_check_interval_ms));
    TRY(as_i64("producer.id.expiration.ms", c.producer_id_expiration_ms));
    TRY(as_i64("transactional.id.expiration.ms", c.transactional_id_expiration_ms));
    int32_t threads = c.network_threads;
    TRY(as_i32("num.network.threads", threads));
    c.network_threads = std::max(1, threads);
    TRY(as_i64("socket.request.max.bytes", c.socket_request_max_bytes));

    auto& d = c.storage.defaults;
    int64_t hours = -2, minutes = -2, ms = -2;
    TRY(as_i64("log.retention.hours", hours));
    TRY(as_i64("log.retention.minutes", minutes));
    TRY(as_i64("log.retention.ms", ms));
    if (ms != -2)
        d.retention_ms = ms;
    else if (minutes != -2)
        d.retention_ms = minutes < 0 ? -1 : minutes * 60000;
    else if (hours != -2)
        d.retention_ms = hours < 0 ? -1 : hours * 3600000;
    TRY(as_i64("log.retention.bytes", d.retention_bytes));
    TRY(as_i64("log.segment.bytes", d.segment_bytes));
    int64_t roll_hours = -2, roll_ms = -2;
    TRY(as_i64("log.roll.hours", roll_hours));
    TRY(as_i64("log.roll.ms", roll_ms));
    if (roll_ms != -2)
        d.segment_ms = roll_ms;
    else if (roll_hours != -2)
        d.segment_ms = roll_hours * 3600000;
    TRY(as_i64("log.cleaner.delete.retention.ms", d.delete_retention_ms));
    TRY(as_i64("log.cleaner.min.compaction.lag.ms", d.min_compaction_lag_ms));
    TRY(as_i64("log.cleaner.max.compaction.lag.ms", d.max_compaction_lag_ms));
    if (auto* v = get("log.cleaner.min.cleanable.ratio"))
        d.min_cleanable_dirty_ratio = std::strtod(v->c_str(), nullptr);
    TRY(as_i32("message.max.bytes", d.max_message_bytes));
    TRY(as_i64("log.flush.interval.messages", d.flush_messages));
    TRY(as_i64("log.flush.interval.ms", d.flush_ms));
    if (auto* v = get("log.cleanup.policy")) {
        d.cleanup_delete = v->find("delete") != std::string::npos;
        d.cleanup_compact = v->find("compact") != std::string::npos;
    }
    if (auto* v = get("log.message.timestamp.type")) d.log_append_time = *v == "LogAppendTime";
    if (auto* v = get("compression.type")) d.compression_type = *v;
    TRY(as_i64("log.retention.check.interval.ms", c.storage.retention_check_interval_ms));
    TRY(as_i64("log.flush.scheduler.interval.ms", c.storage.flush_scheduler_interval_ms));
    TRY(as_i64("log.cleaner.backoff.ms", c.storage.cleaner_backoff_ms));
    TRY(as_i64("log.flush.offset.checkpoint.interval.ms", c.storage.recovery_point_checkpoint_interval_ms));
    // Ferry's durability floor: dirty partitions are fsynced at least this often (0 = never).
    TRY(as_i64("ferry.log.flush.periodic.ms", c.storage.periodic_flush_ms));
    if (auto* v = get("log.cleaner.dedupe.buffer.size"))
        c.storage.cleaner_dedupe_buffer_bytes = std::strtoull(v->c_str(), nullptr, 10);
#undef TRY
    c.storage.log_dir = c.log_dir;
    c.storage.default_partitions = c.num_partitions;
    return c;
}

} // namespace ferry::broker
