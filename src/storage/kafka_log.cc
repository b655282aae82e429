#include "storage/kafka_log.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

#include <memory>

namespace ferry::storage {

namespace {
log::logger_ptr logger() {
    static auto l = log::get("storage");
    return l;
}

struct pending_send {
    std::function<void(const error*)> done;
};
} // namespace

result<std::unique_ptr<kafka_log>> kafka_log::start(kafka_log_options opts, callback cb, std::chrono::milliseconds timeout) {
    std::unique_ptr<kafka_log> log(new kafka_log());
    log->_opts = std::move(opts);
    log->_cb = std::move(cb);
    auto& o = log->_opts;
    int tmo = int(timeout.count());

    auto admin_props = o.client_props;
    admin_props["client.id"] = o.client_id + "-admin";
    auto admin = kafka::admin::create(admin_props, o.client_id + "-admin");
    if (!admin) return fail(admin.error());
    auto configs = o.topic_configs;
    configs["cleanup.policy"] = "compact";
    auto created = (*admin)->create_topics({{o.topic, o.partitions, o.replication_factor, configs}}, tmo);
    if (!created) return fail(errc::unavailable, "could not create topic {}: {}", o.topic, created.error().message);
    if (!created->empty()) logger()->info("Created topic {} with {} partition(s) (compacted)", o.topic, o.partitions);
    std::optional<kafka::topic_info> info;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto d = (*admin)->describe_topic(o.topic, tmo);
        if (d && *d && (*d)->partitions > 0) {
            info = **d;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!info) return fail(errc::unavailable, "topic {} did not appear in metadata", o.topic);
    if (o.require_partitions && info->partitions != o.partitions)
        return fail(errc::invalid_argument, "Topic '{}' supplied via the '{}' property is required to have a single "
                                            "partition in order to guarantee consistency of connector configurations, "
                                            "but found {} partitions.",
                    o.topic, "config.storage.topic", info->partitions);
    log->_partitions = info->partitions;
    log->_positions.assign(size_t(log->_partitions), 0);

    auto cprops = o.client_props;
    cprops["client.id"] = o.client_id;
    cprops["enable.auto.commit"] = "false";
    cprops["enable.partition.eof"] = "false";
    // librdkafka needs a group id even for assign(); no group is joined and nothing is committed.
    cprops["group.id"] = o.client_id;
    auto consumer = kafka::consumer::create(cprops, nullptr, o.client_id);
    if (!consumer) return fail(consumer.error());
    log->_consumer = std::move(*consumer);
    std::vector<std::pair<kafka::tp, int64_t>> all;
    for (int32_t p = 0; p < log->_partitions; p++) all.push_back({{o.topic, p}, RD_KAFKA_OFFSET_BEGINNING});
    if (auto r = log->_consumer->assign(all); !r) return fail(r.error());

    auto pprops = o.client_props;
    pprops["client.id"] = o.client_id;
    pprops["acks"] = "all";
    pprops["partitioner"] = "murmur2_random"; // the same partition for a key as Java's workers
    for (auto& [k, v] : o.producer_overrides) pprops[k] = v;
    auto* raw = log.get();
    auto producer = kafka::producer::create(
        pprops,
        [raw](void* opaque, rd_kafka_resp_err_t err, int32_t, int64_t, int64_t) {
            std::unique_ptr<pending_send> p(static_cast<pending_send*>(opaque));
            if (err) {
                error e(errc::unavailable, fmt::format("write to {} failed: {}", raw->_opts.topic, kafka::err_str(err)));
                if (!raw->_send_failure) raw->_send_failure = e;
                if (p && p->done) p->done(&e);
            } else if (p && p->done) {
                p->done(nullptr);
            }
        },
        o.client_id);
    if (!producer) return fail(producer.error());
    log->_producer = std::move(*producer);

    log->_thread = std::thread([raw] { raw->consume_loop(); });
    if (auto r = log->read_to_end(timeout); !r) return fail(r.error());
    return log;
}

kafka_log::~kafka_log() { stop(); }

void kafka_log::stop() {
    if (_stop.exchange(true)) return;
    _cv.notify_all();
    if (_thread.joinable()) _thread.join();
    if (_producer) (void)flush(std::chrono::seconds(5));
    _consumer.reset();
    _producer.reset();
}

void kafka_log::consume_loop() {
    std::vector<kafka::message_ptr> msgs;
    while (!_stop) {
        msgs.clear();
        auto r = _consumer->poll_batch(100, 1000, msgs);
        if (!r) logger()->debug("{}: {}", _opts.topic, r.error().message);
        if (msgs.empty()) continue;
        for (auto& m : msgs) {
            log_record rec;
            if (m->key) rec.key = std::string_view((const char*)m->key, m->key_len);
            if (m->payload) rec.value = std::string_view((const char*)m->payload, m->len);
            rec.partition = m->partition;
            rec.offset = m->offset;
            try {
                _cb(rec);
            } catch (const std::exception& e) {
                logger()->error("{}: failed to apply record at {}-{}: {}", _opts.topic, m->partition, m->offset, e.what());
            }
            std::lock_guard g(_mu);
            if (m->partition >= 0 && m->partition < _partitions) _positions[size_t(m->partition)] = m->offset + 1;
        }
        msgs.clear();
        _cv.notify_all();
    }
}

result<std::vector<int64_t>> kafka_log::end_offsets(std::chrono::milliseconds timeout) {
    // One ListOffsets request (timestamp -1 = latest) for all partitions, as Java's
    // consumer.endOffsets(), sent through the PRODUCER's connection. A broker answers the requests
    // of a connection in order, and librdkafka's consumer keeps a fetch parked at the broker (up to
    // fetch.wait.max.ms, 500 ms) whenever it has caught up: a ListOffsets on the consumer's
    // connection waited behind it. Asked one partition at a time that way, reading the 25-partition
    // offsets topic to its end took ~11 s (GET /connectors/{c}/offsets); asked at once, every
    // write-then-read-back (a registry registration, a distributed config write) still waited up
    // to 500 ms whenever the consumer had already sent its next fetch. The producer's connection
    // has no fetch in it.
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> list(
        rd_kafka_topic_partition_list_new(_partitions), rd_kafka_topic_partition_list_destroy);
    for (int32_t p = 0; p < _partitions; p++)
        rd_kafka_topic_partition_list_add(list.get(), _opts.topic.c_str(), p)->offset = -1;
    auto err = rd_kafka_offsets_for_times(_producer ? _producer->handle() : _consumer->handle(), list.get(),
                                          int(timeout.count()));
    if (err) return fail(errc::unavailable, "end offsets of {}: {}", _opts.topic, kafka::err_str(err));
    std::vector<int64_t> ends(size_t(_partitions), 0);
    for (int i = 0; i < list->cnt; i++) {
        const auto& e = list->elems[i];
        if (e.err)
            return fail(errc::unavailable, "end offset of {}-{}: {}", _opts.topic, e.partition, kafka::err_str(e.err));
        if (e.partition >= 0 && e.partition < _partitions) ends[size_t(e.partition)] = e.offset < 0 ? 0 : e.offset;
    }
    return ends;
}

result<> kafka_log::read_to_end(std::chrono::milliseconds timeout) {
    auto ends = end_offsets(timeout);
    if (!ends) return fail(ends.error());
    std::unique_lock l(_mu);
    bool ok = _cv.wait_for(l, timeout, [&] {
        if (_stop) return true;
        for (int32_t p = 0; p < _partitions; p++)
            if (_positions[size_t(p)] < (*ends)[size_t(p)]) return false;
        return true;
    });
    if (!ok) return fail(errc::timeout, "timed out reading topic {} to its end", _opts.topic);
    return {};
}

result<> kafka_log::send(std::string_view key, std::optional<std::string_view> value,
                         std::function<void(const error*)> on_done) {
    std::lock_guard g(_producer_mu);
    auto* p = new pending_send{std::move(on_done)};
    auto r = _producer->send(_opts.topic, std::nullopt, key, value, {}, 0, p);
    if (!r) {
        delete p;
        return r;
    }
    _producer->poll(0);
    return {};
}

result<> kafka_log::flush(std::chrono::milliseconds timeout) {
    std::lock_guard g(_producer_mu);
    auto r = _producer->flush(int(timeout.count()));
    if (!r) return r;
    if (_send_failure) {
        auto e = *_send_failure;
        _send_failure.reset();
        return fail(std::move(e));
    }
    return {};
}

result<> kafka_log::send_sync(std::string_view key, std::optional<std::string_view> value, std::chrono::milliseconds timeout) {
    if (auto r = send(key, value); !r) return r;
    return flush(timeout);
}

} // namespace ferry::storage
