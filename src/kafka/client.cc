#include "kafka/client.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace ferry::kafka {
namespace {

log::logger_ptr logger() {
    static auto l = log::get("kafka");
    return l;
}

// librdkafka logs through this instead of printing to stderr itself.
void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    auto l = logger();
    if (level <= 3) l->error("[{}] {}: {}", rd_kafka_name(rk), fac, buf);
    else if (level <= 4) l->warn("[{}] {}: {}", rd_kafka_name(rk), fac, buf);
    else if (level <= 6) l->debug("[{}] {}: {}", rd_kafka_name(rk), fac, buf);
    else l->trace("[{}] {}: {}", rd_kafka_name(rk), fac, buf);
}

void error_cb(rd_kafka_t* rk, int err, const char* reason, void*) {
    // Transport errors are retried by librdkafka; only fatal ones need operator attention.
    if (err == RD_KAFKA_RESP_ERR__FATAL) logger()->error("[{}] fatal client error: {}", rd_kafka_name(rk), reason);
    else logger()->debug("[{}] client error: {}", rd_kafka_name(rk), reason);
}

rd_kafka_topic_partition_list_t* to_list(const std::vector<tp>& tps) {
    auto* l = rd_kafka_topic_partition_list_new(static_cast<int>(tps.size()));
    for (auto& t : tps) rd_kafka_topic_partition_list_add(l, t.topic.c_str(), t.partition);
    return l;
}

std::vector<tp> from_list(const rd_kafka_topic_partition_list_t* l) {
    std::vector<tp> out;
    if (!l) return out;
    out.reserve(l->cnt);
    for (int i = 0; i < l->cnt; i++) out.push_back({l->elems[i].topic, l->elems[i].partition});
    return out;
}

struct list_guard {
    rd_kafka_topic_partition_list_t* l;
    ~list_guard() {
        if (l) rd_kafka_topic_partition_list_destroy(l);
    }
};

result<rk_ptr> new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return fail(errc::invalid_argument, "could not create Kafka client: {}", err);
    }
    return rk_ptr(rk);
}

result<rd_kafka_conf_t*> conf_for(const properties& java_props, client_kind kind, const std::string& log_name) {
    auto t = translate(java_props, kind);
    for (auto& k : t.ignored) logger()->debug("{}: ignoring client property {} (not used by librdkafka)", log_name, k);
    return make_conf(t.settings);
}

} // namespace

std::string err_str(rd_kafka_resp_err_t e) { return rd_kafka_err2str(e); }

void rk_deleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }

result<rd_kafka_conf_t*> make_conf(const properties& settings) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (auto& [k, v] : settings) {
        auto r = rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err));
        if (r == RD_KAFKA_CONF_UNKNOWN) {
            logger()->warn("ignoring unknown Kafka client property '{}'", k);
            continue;
        }
        if (r != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            // The message names the key; values may be secrets and are not repeated.
            return fail(errc::invalid_argument, "invalid Kafka client property '{}': {}", k, err);
        }
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    return conf;
}

// ---------------------------------------------------------------------------------------------
// producer

void producer::dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<producer*>(opaque);
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    self->_on_delivery(m->_private, m->err, m->partition, m->offset, ts);
}

result<std::unique_ptr<producer>> producer::create(const properties& java_props, delivery_fn on_delivery,
                                                   std::string log_name) {
    auto conf = conf_for(java_props, client_kind::producer, log_name);
    if (!conf) return fail(conf.error());
    std::unique_ptr<producer> p(new producer());
    p->_on_delivery = std::move(on_delivery);
    rd_kafka_conf_set_opaque(*conf, p.get());
    rd_kafka_conf_set_dr_msg_cb(*conf, &producer::dr_cb);
    auto rk = new_client(RD_KAFKA_PRODUCER, *conf);
    if (!rk) return fail(rk.error());
    p->_rk = std::move(*rk);
    return p;
}

producer::~producer() {
    for (auto& [_, rkt] : _topics) rd_kafka_topic_destroy(rkt);
    _topics.clear();
}

rd_kafka_topic_t* producer::topic_handle(std::string_view topic) {
    if (_last_rkt && topic == _last_topic) return _last_rkt;
    auto it = _topics.find(topic);
    if (it == _topics.end()) {
        std::string name(topic);
        auto* rkt = rd_kafka_topic_new(_rk.get(), name.c_str(), nullptr);
        it = _topics.emplace(std::move(name), rkt).first;
    }
    _last_topic = it->first;
    _last_rkt = it->second;
    return _last_rkt;
}

result<> producer::send(std::string_view topic, std::optional<int32_t> partition, std::optional<std::string_view> key,
                        std::optional<std::string_view> value, const std::vector<header_bytes>& headers,
                        int64_t timestamp_ms, void* opaque, std::chrono::steady_clock::time_point deadline) {
    return send(topic_handle(topic), partition, key, value, headers, timestamp_ms, opaque, deadline);
}

result<> producer::send(rd_kafka_topic_t* rkt, std::optional<int32_t> partition, std::optional<std::string_view> key,
                        std::optional<std::string_view> value, const std::vector<header_bytes>& headers,
                        int64_t timestamp_ms, void* opaque, std::chrono::steady_clock::time_point deadline, bool copy) {
    for (;;) {
        rd_kafka_headers_t* hdrs = nullptr;
        if (!headers.empty()) {
            hdrs = rd_kafka_headers_new(headers.size());
            for (auto& h : headers)
                rd_kafka_header_add(hdrs, h.key.data(), (ssize_t)h.key.size(), h.value ? h.value->data() : nullptr,
                                    h.value ? (ssize_t)h.value->size() : 0);
        }
        // Only the fields this message has (librdkafka's defaults are an unassigned partition, no
        // key, no value, the current time, no headers): fewer entries for produceva() to walk.
        rd_kafka_vu_t vu[8];
        size_t n = 0;
        auto bytes = [&](rd_kafka_vtype_t t, std::string_view b) {
            vu[n].vtype = t;
            vu[n].u.mem.ptr = const_cast<char*>(b.data());
            vu[n++].u.mem.size = b.size();
        };
        vu[n].vtype = RD_KAFKA_VTYPE_RKT;
        vu[n++].u.rkt = rkt;
        vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vu[n++].u.i = copy ? RD_KAFKA_MSG_F_COPY : 0;
        if (partition) {
            vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
            vu[n++].u.i32 = *partition;
        }
        if (key) bytes(RD_KAFKA_VTYPE_KEY, *key);
        if (value) bytes(RD_KAFKA_VTYPE_VALUE, *value);
        if (timestamp_ms > 0) {
            vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
            vu[n++].u.i64 = timestamp_ms;
        }
        vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vu[n++].u.ptr = opaque;
        if (hdrs) {
            vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
            vu[n++].u.headers = hdrs;
        }
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (rd_kafka_error_t* e = rd_kafka_produceva(_rk.get(), vu, n)) {
            err = rd_kafka_error_code(e);
            rd_kafka_error_destroy(e);
        }
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (std::chrono::steady_clock::now() >= deadline)
                return fail(errc::timeout, "producer queue full for topic {}", rd_kafka_topic_name(rkt));
            rd_kafka_poll(_rk.get(), 10);
            continue;
        }
        return fail(errc::unavailable, "failed to produce to {}: {}", rd_kafka_topic_name(rkt), err_str(err));
    }
}

int producer::poll(int timeout_ms) { return rd_kafka_poll(_rk.get(), timeout_ms); }

result<> producer::flush(int timeout_ms) {
    auto err = rd_kafka_flush(_rk.get(), timeout_ms);
    if (err) return fail(errc::timeout, "flush: {} ({} messages outstanding)", err_str(err), outstanding());
    return {};
}

int producer::outstanding() const { return rd_kafka_outq_len(_rk.get()); }

// ---------------------------------------------------------------------------------------------
// consumer

void consumer::rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                            void* opaque) {
    auto* self = static_cast<consumer*>(opaque);
    bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    auto tps = from_list(parts);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (cooperative) {
            if (auto* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, parts);
        }
        if (self->_listener) self->_listener->on_assigned(tps);
    } else {
        bool lost = rd_kafka_assignment_lost(rk);
        if (self->_listener) {
            if (lost) self->_listener->on_lost(tps);
            else self->_listener->on_revoked(tps);
        }
        if (cooperative) {
            if (auto* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }
}

result<std::unique_ptr<consumer>> consumer::create(const properties& java_props, rebalance_listener* listener,
                                                   std::string log_name) {
    auto conf = conf_for(java_props, client_kind::consumer, log_name);
    if (!conf) return fail(conf.error());
    std::unique_ptr<consumer> c(new consumer());
    c->_listener = listener;
    c->_log_name = std::move(log_name);
    rd_kafka_conf_set_opaque(*conf, c.get());
    rd_kafka_conf_set_rebalance_cb(*conf, &consumer::rebalance_cb);
    auto rk = new_client(RD_KAFKA_CONSUMER, *conf);
    if (!rk) return fail(rk.error());
    c->_rk = std::move(*rk);
    rd_kafka_poll_set_consumer(c->_rk.get());
    c->_queue = rd_kafka_queue_get_consumer(c->_rk.get());
    char buf[32];
    size_t size = sizeof buf;
    if (rd_kafka_conf_get(rd_kafka_conf(c->_rk.get()), "queued.min.messages", buf, &size) == RD_KAFKA_CONF_OK)
        c->_queue_max_msgs = size_t(std::max(0LL, std::atoll(buf)));
    size = sizeof buf;
    if (rd_kafka_conf_get(rd_kafka_conf(c->_rk.get()), "queued.max.messages.kbytes", buf, &size) == RD_KAFKA_CONF_OK)
        c->_queue_max_bytes = size_t(std::max(0LL, std::atoll(buf))) * 1024;
    return c;
}

consumer::~consumer() {
    close();
    if (_queue) rd_kafka_queue_destroy(_queue);
}

void consumer::close() {
    if (_closed || !_rk) return;
    _closed = true;
    rd_kafka_consumer_close(_rk.get());
}

result<> consumer::subscribe(const std::vector<std::string>& topics) {
    auto* l = rd_kafka_topic_partition_list_new((int)topics.size());
    list_guard g{l};
    for (auto& t : topics) rd_kafka_topic_partition_list_add(l, t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(_rk.get(), l)) return fail(errc::invalid_argument, "subscribe: {}", err_str(err));
    return {};
}

result<> consumer::subscribe_pattern(const std::string& regex) {
    std::string pat = regex;
    if (pat.empty() || pat[0] != '^') pat = "^(" + pat + ")$";
    return subscribe({pat});
}

result<> consumer::assign(const std::vector<std::pair<tp, int64_t>>& partitions_at) {
    auto* l = rd_kafka_topic_partition_list_new((int)partitions_at.size());
    list_guard g{l};
    for (auto& [t, off] : partitions_at) rd_kafka_topic_partition_list_add(l, t.topic.c_str(), t.partition)->offset = off;
    if (auto err = rd_kafka_assign(_rk.get(), l)) return fail(errc::invalid_argument, "assign: {}", err_str(err));
    return {};
}

result<> consumer::poll_batch(int timeout_ms, size_t max, std::vector<message_ptr>& out) {
    if (max == 0) return {};
    std::vector<rd_kafka_message_t*> raw(max);
    // What is queued already, without waiting...
    ssize_t n = rd_kafka_consume_batch_queue(_queue, 0, raw.data(), max);
    if (n == 0 && timeout_ms > 0) {
        // ...else wait for the first message only (rd_kafka_consume_batch_queue would block until
        // it has `max` of them or the timeout passes, holding back a trickle of records), then
        // take whatever arrived with it.
        if (rd_kafka_message_t* first = rd_kafka_consume_queue(_queue, timeout_ms)) {
            raw[0] = first;
            n = 1;
            if (max > 1) {
                ssize_t more = rd_kafka_consume_batch_queue(_queue, 0, raw.data() + 1, max - 1);
                if (more > 0) n += more;
            }
        }
    }
    if (n < 0) return fail(errc::unavailable, "consume: {}", err_str(rd_kafka_last_error()));
    std::optional<error> first_error;
    size_t bytes = 0;
    for (ssize_t i = 0; i < n; i++) {
        message_ptr m(raw[i]);
        bytes += m->len + m->key_len;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
        if (m->err) {
            // Errors that librdkafka retries by itself arrive here too; report the first.
            if (!first_error)
                first_error = error(errc::unavailable, fmt::format("consume error on {}: {}",
                                                                   m->rkt ? rd_kafka_topic_name(m->rkt) : "?",
                                                                   err_str(m->err)));
            continue;
        }
        out.push_back(std::move(m));
    }
    if (n > 0) watch_prefetch(size_t(n), bytes);
    if (first_error && out.empty()) return fail(*first_error);
    return {};
}

// librdkafka 2.0.2 stops fetching a partition whose prefetch queue is full and looks at it again
// only when its broker thread next wakes up - with nothing else to do, a second later
// (fetch.queue.backoff.ms and an earlier look came in 2.3). A consumer that empties a full queue in
// less than that second then waits for the rest of it, after every refill (the JDBC sink into
// PostgreSQL idled about a third of its run). So when a poll finds the queue (nearly) full, the
// first poll that finds it half drained wakes the fetching broker thread: a watermark query for an
// assigned partition is a request to its leader's thread, which then sees the room and fetches
// while the other half is consumed. The queue's bytes are estimated from the sizes of the messages
// taken. At most one small request per refill of the queue. The limits are per partition and the
// consumer queue holds all of them: with several partitions a nudge may come early, which costs one
// request and nothing else.
void consumer::watch_prefetch(size_t taken, size_t taken_bytes) {
    if (_queue_max_msgs == 0 || _queue_max_bytes == 0) return;
    size_t left = rd_kafka_queue_length(_queue);
    size_t level = left + taken;
    if (_full_level == 0) {
        size_t avg = taken_bytes / taken;
        if (level * 10 >= _queue_max_msgs * 9 || level * avg * 10 >= _queue_max_bytes * 9) _full_level = level;
    } else if (left * 2 <= _full_level) {
        _full_level = 0;
        nudge_fetcher();
    }
}

void consumer::nudge_fetcher() {
    rd_kafka_topic_partition_list_t* l = nullptr;
    if (rd_kafka_assignment(_rk.get(), &l) || !l) return;
    list_guard g{l};
    if (l->cnt == 0) return;
    // One partition per nudge, in turn: with several brokers, successive nudges reach each.
    auto& p = l->elems[_nudges++ % size_t(l->cnt)];
    int64_t low = 0, high = 0;
    rd_kafka_query_watermark_offsets(_rk.get(), p.topic, p.partition, &low, &high, 200);
}

void consumer::wakeup() {
    if (_queue) rd_kafka_queue_yield(_queue);
}

result<> consumer::commit(const std::vector<std::pair<tp, int64_t>>& offsets, bool async) {
    if (offsets.empty()) return {};
    auto* l = rd_kafka_topic_partition_list_new((int)offsets.size());
    list_guard g{l};
    for (auto& [t, off] : offsets) rd_kafka_topic_partition_list_add(l, t.topic.c_str(), t.partition)->offset = off;
    auto err = rd_kafka_commit(_rk.get(), l, async ? 1 : 0);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) return fail(errc::unavailable, "commit: {}", err_str(err));
    return {};
}

result<std::map<tp, int64_t>> consumer::committed(const std::vector<tp>& partitions, int timeout_ms) {
    auto* l = to_list(partitions);
    list_guard g{l};
    if (auto err = rd_kafka_committed(_rk.get(), l, timeout_ms)) return fail(errc::unavailable, "committed: {}", err_str(err));
    std::map<tp, int64_t> out;
    for (int i = 0; i < l->cnt; i++) out[{l->elems[i].topic, l->elems[i].partition}] = l->elems[i].offset;
    return out;
}

result<> consumer::pause(const std::vector<tp>& partitions) {
    if (partitions.empty()) return {};
    auto* l = to_list(partitions);
    list_guard g{l};
    if (auto err = rd_kafka_pause_partitions(_rk.get(), l)) return fail(errc::internal, "pause: {}", err_str(err));
    return {};
}

result<> consumer::resume(const std::vector<tp>& partitions) {
    if (partitions.empty()) return {};
    auto* l = to_list(partitions);
    list_guard g{l};
    if (auto err = rd_kafka_resume_partitions(_rk.get(), l)) return fail(errc::internal, "resume: {}", err_str(err));
    return {};
}

result<> consumer::seek(const tp& partition, int64_t offset, int timeout_ms) {
    auto* l = rd_kafka_topic_partition_list_new(1);
    list_guard g{l};
    rd_kafka_topic_partition_list_add(l, partition.topic.c_str(), partition.partition)->offset = offset;
    if (auto* e = rd_kafka_seek_partitions(_rk.get(), l, timeout_ms)) {
        std::string msg = rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
        return fail(errc::unavailable, "seek {}-{}: {}", partition.topic, partition.partition, msg);
    }
    return {};
}

std::vector<tp> consumer::assignment() const {
    rd_kafka_topic_partition_list_t* l = nullptr;
    if (rd_kafka_assignment(_rk.get(), &l)) return {};
    list_guard g{l};
    return from_list(l);
}

// ---------------------------------------------------------------------------------------------
// admin

result<std::unique_ptr<admin>> admin::create(const properties& java_props, std::string log_name) {
    auto conf = conf_for(java_props, client_kind::admin, log_name);
    if (!conf) return fail(conf.error());
    auto rk = new_client(RD_KAFKA_PRODUCER, *conf);
    if (!rk) return fail(rk.error());
    std::unique_ptr<admin> a(new admin());
    a->_rk = std::move(*rk);
    return a;
}

namespace {
// A request that got no answer in time - including because no broker could be reached within
// it, which Java's admin client also reports as a TimeoutException: the caller may try again.
bool timed_out(rd_kafka_resp_err_t e) {
    return e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT ||
           e == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE || e == RD_KAFKA_RESP_ERR__TRANSPORT ||
           e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
}
} // namespace

result<std::vector<std::string>> admin::create_topics(const std::vector<new_topic>& topics, int timeout_ms) {
    if (topics.empty()) return std::vector<std::string>{};
    char err[512];
    std::vector<rd_kafka_NewTopic_t*> nts;
    for (auto& t : topics) {
        auto* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof(err));
        if (!nt) {
            for (auto* x : nts) rd_kafka_NewTopic_destroy(x);
            return fail(errc::invalid_argument, "topic {}: {}", t.name, err);
        }
        for (auto& [k, v] : t.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
        nts.push_back(nt);
    }
    auto* q = rd_kafka_queue_new(_rk.get());
    auto* opts = rd_kafka_AdminOptions_new(_rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof(err));
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof(err));
    rd_kafka_CreateTopics(_rk.get(), nts.data(), nts.size(), opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    result<std::vector<std::string>> out = std::vector<std::string>{};
    if (!ev) {
        out = fail(errc::timeout, "CreateTopics timed out");
    } else if (auto e = rd_kafka_event_error(ev)) {
        out = fail(timed_out(e) ? errc::timeout : errc::unavailable, "CreateTopics: {}", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        auto* res = rd_kafka_event_CreateTopics_result(ev);
        auto** results = rd_kafka_CreateTopics_result_topics(res, &n);
        for (size_t i = 0; i < n; i++) {
            auto code = rd_kafka_topic_result_error(results[i]);
            const char* name = rd_kafka_topic_result_name(results[i]);
            if (code == RD_KAFKA_RESP_ERR_NO_ERROR) out->push_back(name);
            else if (code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                const char* msg = rd_kafka_topic_result_error_string(results[i]);
                out = fail(timed_out(code) ? errc::timeout : errc::unavailable, "could not create topic {}: {}", name,
                           msg ? msg : err_str(code));
                break;
            }
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    for (auto* x : nts) rd_kafka_NewTopic_destroy(x);
    return out;
}

result<std::vector<topic_info>> admin::list_topics(int timeout_ms) {
    const rd_kafka_metadata_t* md = nullptr;
    if (auto err = rd_kafka_metadata(_rk.get(), 1, nullptr, &md, timeout_ms))
        return fail(timed_out(err) ? errc::timeout : errc::unavailable, "metadata: {}", err_str(err));
    std::vector<topic_info> out;
    for (int i = 0; i < md->topic_cnt; i++)
        if (!md->topics[i].err) out.push_back({md->topics[i].topic, md->topics[i].partition_cnt});
    rd_kafka_metadata_destroy(md);
    return out;
}

result<std::optional<topic_info>> admin::describe_topic(const std::string& name, int timeout_ms) {
    auto topics = list_topics(timeout_ms);
    if (!topics) return fail(topics.error());
    for (auto& t : *topics)
        if (t.name == name) return std::optional<topic_info>(t);
    return std::optional<topic_info>();
}

result<std::string> admin::cluster_id(int timeout_ms) {
    char* id = rd_kafka_clusterid(_rk.get(), timeout_ms);
    if (!id) return fail(errc::unavailable, "cluster id not available");
    std::string s(id);
    rd_kafka_mem_free(_rk.get(), id);
    return s;
}

result<std::pair<int64_t, int64_t>> admin::watermarks(const tp& partition, int timeout_ms) {
    int64_t lo = 0, hi = 0;
    if (auto err = rd_kafka_query_watermark_offsets(_rk.get(), partition.topic.c_str(), partition.partition, &lo, &hi,
                                                    timeout_ms))
        return fail(errc::unavailable, "watermarks {}-{}: {}", partition.topic, partition.partition, err_str(err));
    return std::make_pair(lo, hi);
}

namespace {
// Runs one admin call and waits for its result event on a private queue.
template <class Call>
result<rd_kafka_event_t*> admin_call(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms, Call&& call) {
    char err[512];
    auto* q = rd_kafka_queue_new(rk);
    auto* opts = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof(err));
    call(opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    if (!ev) return fail(errc::timeout, "admin request timed out");
    if (rd_kafka_event_error(ev)) {
        std::string msg = rd_kafka_event_error_string(ev);
        rd_kafka_event_destroy(ev);
        return fail(errc::unavailable, "{}", msg);
    }
    return ev;
}

// The first error of a group result (group-level or partition-level), if any.
std::optional<std::string> group_result_error(const rd_kafka_group_result_t* g) {
    if (auto* e = rd_kafka_group_result_error(g)) return std::string(rd_kafka_error_string(e));
    if (auto* parts = rd_kafka_group_result_partitions(g))
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].err) return std::string(rd_kafka_err2str(parts->elems[i].err));
    return std::nullopt;
}
} // namespace

result<std::map<tp, int64_t>> admin::group_offsets(const std::string& group, int timeout_ms) {
    auto ev = admin_call(_rk.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms,
                         [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             auto* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
                             rd_kafka_ListConsumerGroupOffsets(_rk.get(), &req, 1, o, q);
                             rd_kafka_ListConsumerGroupOffsets_destroy(req);
                         });
    if (!ev) return fail(ev.error());
    std::map<tp, int64_t> out;
    size_t n = 0;
    auto* res = rd_kafka_event_ListConsumerGroupOffsets_result(*ev);
    auto** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(res, &n);
    std::optional<std::string> err;
    for (size_t i = 0; i < n; i++) {
        if (auto* e = rd_kafka_group_result_error(groups[i])) {
            err = rd_kafka_error_string(e);
            break;
        }
        if (auto* parts = rd_kafka_group_result_partitions(groups[i]))
            for (int j = 0; j < parts->cnt; j++)
                if (parts->elems[j].offset >= 0) out[{parts->elems[j].topic, parts->elems[j].partition}] = parts->elems[j].offset;
    }
    rd_kafka_event_destroy(*ev);
    if (err) return fail(errc::unavailable, "offsets of group {}: {}", group, *err);
    return out;
}

result<> admin::alter_group_offsets(const std::string& group, const std::map<tp, int64_t>& offsets, int timeout_ms) {
    auto* l = rd_kafka_topic_partition_list_new(int(offsets.size()));
    for (auto& [t, off] : offsets) rd_kafka_topic_partition_list_add(l, t.topic.c_str(), t.partition)->offset = off;
    auto ev = admin_call(_rk.get(), RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms,
                         [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             auto* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), l);
                             rd_kafka_AlterConsumerGroupOffsets(_rk.get(), &req, 1, o, q);
                             rd_kafka_AlterConsumerGroupOffsets_destroy(req);
                         });
    rd_kafka_topic_partition_list_destroy(l);
    if (!ev) return fail(ev.error());
    size_t n = 0;
    auto** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(*ev), &n);
    std::optional<std::string> err;
    for (size_t i = 0; i < n && !err; i++) err = group_result_error(groups[i]);
    rd_kafka_event_destroy(*ev);
    if (err) return fail(errc::unavailable, "altering offsets of group {}: {}", group, *err);
    return {};
}

result<> admin::delete_group_offsets(const std::string& group, const std::vector<tp>& partitions, int timeout_ms) {
    auto* l = to_list(partitions);
    auto ev = admin_call(_rk.get(), RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout_ms,
                         [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             auto* req = rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), l);
                             rd_kafka_DeleteConsumerGroupOffsets(_rk.get(), &req, 1, o, q);
                             rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
                         });
    rd_kafka_topic_partition_list_destroy(l);
    if (!ev) return fail(ev.error());
    size_t n = 0;
    auto** groups =
        rd_kafka_DeleteConsumerGroupOffsets_result_groups(rd_kafka_event_DeleteConsumerGroupOffsets_result(*ev), &n);
    std::optional<std::string> err;
    for (size_t i = 0; i < n && !err; i++) err = group_result_error(groups[i]);
    rd_kafka_event_destroy(*ev);
    if (err) return fail(errc::unavailable, "deleting offsets of group {}: {}", group, *err);
    return {};
}

result<> admin::delete_group(const std::string& group, int timeout_ms) {
    auto ev = admin_call(_rk.get(), RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms,
                         [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             auto* req = rd_kafka_DeleteGroup_new(group.c_str());
                             rd_kafka_DeleteGroups(_rk.get(), &req, 1, o, q);
                             rd_kafka_DeleteGroup_destroy(req);
                         });
    if (!ev) return fail(ev.error());
    size_t n = 0;
    auto** groups = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(*ev), &n);
    std::optional<std::string> err;
    for (size_t i = 0; i < n && !err; i++) {
        if (auto* e = rd_kafka_group_result_error(groups[i])) {
            // A group that never existed has no offsets to reset.
            if (rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) err = rd_kafka_error_string(e);
        }
    }
    rd_kafka_event_destroy(*ev);
    if (err) return fail(errc::conflict, "deleting group {}: {}", group, *err);
    return {};
}

} // namespace ferry::kafka
