#include "runtime/source_task_runner.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

#include <mutex>

namespace ferry::runtime {

using clock = std::chrono::steady_clock;

class source_task_runner::reader : public offset_storage_reader {
public:
    // A codec of its own: with poll-ahead the task reads offsets on the poller thread while the
    // task thread encodes them (the codec's converter keeps buffers between calls).
    reader(source_task_runner& r) : _r(r), _codec(r._plugins) {}
    value offset(const value& partition) override {
        // The first read brings the store up to date (the offsets topic read to its end), so that a
        // task taken over from another worker resumes from that worker's last commit. Once is
        // enough: while this task runs, only it commits offsets for its partitions, and its own
        // commits are in the store as soon as they are durable.
        std::call_once(_synced, [this] {
            if (auto r = _r._offsets->sync(std::chrono::seconds(30)); !r)
                throw connect_error("Failed to fetch offsets: " + r.error().message);
        });
        auto key = _codec.encode_key(_r._id.connector, partition);
        auto v = _r._offsets->get(key);
        if (!v) return value();
        return _codec.decode_value(std::string_view(*v));
    }

private:
    source_task_runner& _r;
    offset_codec _codec;
    std::once_flag _synced;
};

class source_task_runner::context : public source_task_context {
public:
    context(source_task_runner& r) : _r(r) {
        // Only when nothing edits records between poll() and the converters (record_format).
        if (r._tp.transforms.empty())
            _format = record_format{r._tp.key_converter_class, r._tp.value_converter_class, r._tp.key_converter_config,
                                    r._tp.value_converter_config};
    }
    const config_map& configs() const override { return _r._settings.task_config; }
    offset_storage_reader& offset_reader() override { return *_r._reader; }
    const record_format* output_format() const override { return _format ? &*_format : nullptr; }

private:
    source_task_runner& _r;
    std::optional<record_format> _format;
};

// Ferry extension (Kafka Connect has a DLQ for sinks only): a source record that fails conversion
// or transformation under errors.tolerance=all is written to the DLQ topic as JsonConverter
// (schemas.enable=true) key and value, with the __connect.errors.* context headers when enabled.
class source_task_runner::dlq_reporter : public error_reporter {
public:
    dlq_reporter(source_task_runner& r, std::unique_ptr<kafka::producer> p)
        : _r(r), _producer(std::move(p)), _json(r._plugins.make_converter("org.apache.kafka.connect.json.JsonConverter")) {
        _json->configure({{"schemas.enable", "true"}, {"converter.type", "value"}}, false);
    }

    void report(const error_context& c) override {
        if (!c.source) return;
        auto& rec = *c.source;
        _r._metrics.errors->deadletterqueue_produce_requests++;
        ferry::headers scratch;
        std::optional<std::string_view> key, val;
        try {
            if (_json->from_connect(rec.topic, scratch, rec.key_schema, rec.key, _key)) key = _key;
            if (_json->from_connect(rec.topic, scratch, rec.value_schema, rec.val, _value)) val = _value;
        } catch (const std::exception& e) {
            // The record cannot even be written as JSON: send what can be told about it.
            _value = describe_source_record(rec);
            val = _value;
            key.reset();
        }
        std::vector<kafka::header_bytes> headers;
        std::vector<std::pair<const char*, std::string>> ctx;
        if (_r._settings.dlq_context_headers) {
            ctx = {{"__connect.errors.topic", rec.topic},
                   {"__connect.errors.partition", rec.kafka_partition ? std::to_string(*rec.kafka_partition) : ""},
                   {"__connect.errors.connector.name", _r._id.connector},
                   {"__connect.errors.task.id", std::to_string(_r._id.task)},
                   {"__connect.errors.stage", stage_name(c.st)},
                   {"__connect.errors.class.name", c.class_name},
                   {"__connect.errors.exception.class.name", c.exception_class},
                   {"__connect.errors.exception.message", c.message},
                   {"__connect.errors.exception.stacktrace", c.exception_class + ": " + c.message}};
            for (auto& [k, v] : ctx) {
                if (std::string_view(k) == "__connect.errors.partition" && v.empty()) continue;
                std::optional<std::string_view> hv = v;
                if (std::string_view(k) == "__connect.errors.exception.message" && v.empty()) hv.reset();
                headers.push_back({k, hv});
            }
        }
        auto r = _producer->send(_r._settings.dlq_topic, std::nullopt, key, val, headers, rec.timestamp.value_or(0), nullptr);
        if (!r) {
            _r._metrics.errors->deadletterqueue_produce_failures++;
            log::get("runtime.errors")->error("[{}] Could not produce record to dead letter queue {}: {}",
                                              _r._id.to_string(), _r._settings.dlq_topic, r.error().message);
        }
        _producer->poll(0);
    }

    void flush(int timeout_ms) {
        if (auto r = _producer->flush(timeout_ms); !r)
            log::get("runtime.errors")->error("[{}] dead letter queue flush: {}", _r._id.to_string(), r.error().message);
    }

private:
    source_task_runner& _r;
    std::unique_ptr<kafka::producer> _producer;
    std::unique_ptr<converter> _json;
    std::string _key, _value;
};

source_task_runner::source_task_runner(task_id id, status_listener& listener, target_state initial,
                                       const plugin_registry& plugins, source_task_settings settings, task_plugins tp,
                                       std::shared_ptr<storage::offset_store> offsets)
    : worker_task(std::move(id), listener, initial), _plugins(plugins), _settings(std::move(settings)),
      _tp(std::move(tp)), _offsets(std::move(offsets)) {}

// close_plugin() has joined the poller whenever execute() started one; this is a safety net.
source_task_runner::~source_task_runner() { stop_poll_ahead(); }

void source_task_runner::stop_plugin() {
    if (_task && !_plugin_stopped) {
        _plugin_stopped = true;
        try {
            _task->stop();
        } catch (const std::exception& e) {
            log::get("runtime")->warn("[{}] exception while stopping task: {}", _id.to_string(), e.what());
        }
    }
}

uint32_t source_task_runner::partition_index_of(const shared_value& partition) {
    // Connectors assign one shared partition object to all records of a partition: the pointer
    // check settles almost every record without comparing or encoding the map. It comes first
    // because it reads only the record: the object itself shares a cache line with its reference
    // count, which the poller thread increments for every record it builds.
    if (_last_partition != UINT32_MAX) {
        auto& last = _partitions[_last_partition].partition;
        if (last.same_object(partition)) return _last_partition;
    }
    if (partition.is_null()) return UINT32_MAX;
    if (_last_partition != UINT32_MAX) {
        auto& last = _partitions[_last_partition].partition;
        if (last.get() == partition.get()) {
            last = partition; // the connector's current object, so the next record hits the pointer check
            return _last_partition;
        }
    }
    auto key = _codec->encode_key(_id.connector, partition);
    auto [it, inserted] = _partition_index.try_emplace(key, uint32_t(_partitions.size()));
    if (inserted) _partitions.push_back({partition, key, shared_value(), nullptr, false});
    _last_partition = it->second;
    _partitions[_last_partition].partition = partition;
    return it->second;
}

void source_task_runner::on_delivery(uint64_t seq, rd_kafka_resp_err_t err, int32_t partition, int64_t offset,
                                     int64_t ts) {
    slot* s = &_inflight.at_seq(seq);
    s->acked = true;
    _delivered++;
    source_record& rec = *s->record;
    const std::string& topic = _topics[s->topic_index].name;
    if (err) {
        auto msg = fmt::format("Failed to send record to topic {}: {}", topic, kafka::err_str(err));
        if (!_op->tolerate_all()) {
            if (!_async_failure) _async_failure = msg;
            return;
        }
        _op->handle_failure(stage::kafka_produce, "org.apache.kafka.clients.producer.KafkaProducer",
                            "org.apache.kafka.common.KafkaException", msg, nullptr, &rec);
        try {
            _task->commit_record(rec, nullptr);
        } catch (const std::exception& e) {
            log::get("runtime")->error("[{}] Exception thrown while calling task.commitRecord(): {}", _id.to_string(), e.what());
        }
        return;
    }
    _written++;
    if (s->topic_index != _last_active_topic_index) { // saves comparing the name for every record
        record_active_topic(topic);
        _last_active_topic_index = s->topic_index;
    }
    record_metadata md{topic, partition, offset, ts};
    try {
        _task->commit_record(rec, &md);
    } catch (const std::exception& e) {
        log::get("runtime")->error("[{}] Exception thrown while calling task.commitRecord(): {}", _id.to_string(), e.what());
    }
}

void source_task_runner::publish_delivery_counts() {
    if (_delivered) _metrics.active_records -= std::exchange(_delivered, 0);
    if (_written) _metrics.records_written += std::exchange(_written, 0);
}

void source_task_runner::advance_acked() {
    publish_delivery_counts();
    while (!_inflight.empty() && _inflight.front().acked) {
        auto& s = _inflight.front();
        if (s.partition_index != UINT32_MAX) {
            auto& p = _partitions[s.partition_index];
            if (!p.latest) _with_latest.push_back(s.partition_index);
            p.latest = s.record;
            p.dirty = true;
        }
        bool ends = s.ends_batch;
        _inflight.pop_front();
        if (ends) retire_batch();
    }
}

// Copies the offsets of the partitions' last acknowledged records into their committable offsets
// (before those records' batch is retired, and before a commit).
void source_task_runner::take_latest_offsets() {
    for (auto i : _with_latest) {
        auto& p = _partitions[i];
        p.committable = p.latest->source_offset;
        p.latest = nullptr;
    }
    _with_latest.clear();
}

// The oldest batch has no record in flight any more. With poll-ahead its records are destroyed on
// the poller thread (which empties retired batches before it polls); without, here.
void source_task_runner::retire_batch() {
    take_latest_offsets();
    auto done = std::move(_sent.front());
    _sent.pop_front();
    if (_ahead) {
        std::lock_guard l(_ahead->mu);
        if (_ahead->spare.size() < k_spare_batches) {
            _ahead->spare.push_back(std::move(done));
            _ahead->cv.notify_all();
            return;
        }
    }
    done.clear();
    if (_batch.capacity() == 0) _batch = std::move(done);
}

uint32_t source_task_runner::topic_index_of(const std::string& topic) {
    if (_last_topic != UINT32_MAX && _topics[_last_topic].name == topic) return _last_topic;
    auto [it, inserted] = _topic_index.try_emplace(topic, uint32_t(_topics.size()));
    if (inserted) _topics.push_back({topic, nullptr});
    return _last_topic = it->second;
}

// Before the first record to a topic: the topic creation check (only with topic.creation.*), then
// the producer's handle. The check must come first: a new handle makes librdkafka ask for the
// topic's metadata, and a broker with auto.create.topics.enable=true would create the topic with
// its own defaults on that request.
//
// A check that times out is retried after 100 ms, for as long as it takes, as Kafka Connect retries
// a send whose topic creation timed out (a RetriableException from TopicAdmin); meanwhile
// acknowledgements are served and offsets committed as usual. False when the task is stopped
// while waiting (the record is not sent).
bool source_task_runner::prepare_topic(uint32_t topic_index) {
    auto& t = _topics[topic_index];
    while (_settings.topic_groups && !maybe_create_topic(t.name)) {
        auto until = clock::now() + std::chrono::milliseconds(100);
        do {
            if (stopping()) return false;
            _producer->poll(10);
            advance_acked();
            commit_when_due();
        } while (clock::now() < until);
    }
    t.handle = _producer->topic_handle(t.name);
    return true;
}

// Kafka Connect's maybeCreateTopic: a topic that exists is left as it is; otherwise it is created
// with the settings of its topic creation group. Another creator winning the race counts as
// success. False when the broker did not answer within the admin client's default.api.timeout.ms
// (60 s, as Java's): the caller tries again. Anything else fails the task: its records cannot be
// written as configured.
bool source_task_runner::maybe_create_topic(const std::string& topic) {
    auto log = log::get("runtime");
    int timeout_ms = 60000;
    if (auto it = _settings.admin_props.find("default.api.timeout.ms"); it != _settings.admin_props.end()) {
        try {
            timeout_ms = std::max(1, std::stoi(it->second));
        } catch (const std::exception&) {
        }
    }
    auto& group = _settings.topic_groups->group_for(topic);
    auto failed = [&](const std::string& why) {
        return connect_error(fmt::format("Task {} failed to create new topic '{}' with topic creation {}: {}. Ensure "
                                         "that the task is authorized to create topics or that the topic exists and "
                                         "restart the task",
                                         _id.to_string(), topic, group.describe(), why));
    };
    log->info("[{}] The task will send records to topic '{}' for the first time. Checking whether topic exists",
              _id.to_string(), topic);
    if (!_admin) {
        auto admin = kafka::admin::create(_settings.admin_props, "connector-adminclient-" + _id.to_string());
        if (!admin) throw failed(admin.error().message);
        _admin = std::move(*admin);
    }
    auto retry = [&](const error& e) {
        log->warn("[{}] Failed to send record to topic '{}'. Backing off before retrying: Timed out while checking for "
                  "or creating topic '{}'. This could indicate a connectivity issue, unavailable topic partitions, or "
                  "if this is your first use of the topic it may have taken too long to create. ({})",
                  _id.to_string(), topic, topic, e.message);
        return false;
    };
    auto existing = _admin->describe_topic(topic, timeout_ms);
    if (!existing && existing.error().kind == errc::timeout) return retry(existing.error());
    if (!existing) throw failed(existing.error().message);
    if (*existing) {
        log->info("[{}] Topic '{}' already exists.", _id.to_string(), topic);
        return true;
    }
    log->info("[{}] Creating topic '{}'", _id.to_string(), topic);
    kafka::new_topic nt{topic, group.partitions, group.replication_factor, group.configs};
    auto created = _admin->create_topics({nt}, timeout_ms);
    if (!created && created.error().kind == errc::timeout) return retry(created.error());
    if (!created) throw failed(created.error().message);
    if (created->empty()) log->info("[{}] Found existing topic '{}'", _id.to_string(), topic);
    else log->info("[{}] Created topic '{}' using topic creation {}", _id.to_string(), topic, group.describe());
    return true;
}

void source_task_runner::commit_offsets(bool final) {
    auto start = clock::now();
    if (final && _producer) {
        // Wait for outstanding acknowledgements so that the final commit covers them.
        auto deadline = start + std::chrono::milliseconds(_settings.offset_flush_timeout_ms);
        while (!_inflight.empty() && clock::now() < deadline) {
            _producer->poll(50);
            advance_acked();
        }
    }
    // Skipped records reported to the DLQ must be there before their offsets are committed.
    if (_dlq) _dlq->flush(int(_settings.offset_flush_timeout_ms));
    take_latest_offsets();
    storage::offset_entries entries;
    for (auto& p : _partitions)
        if (p.dirty) entries.emplace_back(p.key, _codec->encode_value(p.committable));
    if (!entries.empty()) {
        auto r = _offsets->set(entries, std::chrono::milliseconds(_settings.offset_flush_timeout_ms));
        if (!r) {
            _metrics.offset_commit_failure++;
            log::get("runtime")->error("[{}] Failed to commit offsets (will retry at the next interval): {}",
                                       _id.to_string(), r.error().message);
            return;
        }
        for (auto& p : _partitions) p.dirty = false;
    }
    _metrics.offset_commit_success++;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start).count();
    if (us > _metrics.offset_commit_time_us_max) _metrics.offset_commit_time_us_max = us;
    if (_task) {
        try {
            _task->commit();
        } catch (const std::exception& e) {
            log::get("runtime")->error("[{}] Exception thrown while calling task.commit(): {}", _id.to_string(), e.what());
        }
    }
}

// Every offset.flush.interval.ms: commit what Kafka acknowledged.
void source_task_runner::commit_when_due() {
    if (clock::now() < _next_commit) return;
    commit_offsets(false);
    _next_commit = clock::now() + std::chrono::milliseconds(_settings.offset_flush_interval_ms);
}

void source_task_runner::send_batch() {
    auto& kc = *_tp.key_converter;
    auto& vc = *_tp.value_converter;
    auto& hc = *_tp.header_conv;
    auto& batch = *_cur;
    size_t last = batch.size() - 1;
    // Records sent, added to the active-records metric once per call.
    struct counter {
        std::atomic<int64_t>& metric;
        int64_t n = 0;
        ~counter() { metric += n; }
    } sent{_metrics.active_records};
    const bool format_offered = _ctx->output_format() != nullptr; // tasks may encode records only then
    for (; _batch_pos < batch.size(); _batch_pos++) {
        if (stopping()) break;
        auto& rec = batch[_batch_pos];
        auto skip = [&] {
            try {
                _task->commit_record(rec, nullptr);
            } catch (const std::exception& e) {
                log::get("runtime")->error("[{}] Exception thrown while calling task.commitRecord(): {}",
                                           _id.to_string(), e.what());
            }
            // A skipped record still moves its partition's offset forward once earlier ones are acked.
            uint32_t pidx = partition_index_of(rec.source_partition);
            _inflight.push_back(slot{&rec, pidx, topic_index_of(rec.topic), true, _batch_pos == last});
        };
        bool key_present = false, value_present = false;
        std::string_view key_bytes, value_bytes;
        if (rec.encoded) {
            // Written by the task in the converters' bytes (record_format): sent as they are.
            if (!format_offered) [[unlikely]]
                throw connect_error("the task wrote an encoded record without being given a record format");
            key_present = !rec.key.is_null();
            value_present = !rec.val.is_null();
            if (key_present) key_bytes = rec.key.as_bytes();
            if (value_present) value_bytes = rec.val.as_bytes();
        } else {
            if (!_tp.transforms.empty() && !_tp.transforms.apply(rec, *_op, nullptr, &rec)) {
                skip();
                continue;
            }
            if (!_op->execute(stage::key_converter, _tp.key_converter_class,
                              [&] { key_present = kc.from_connect(rec.topic, rec.headers, rec.key_schema, rec.key, _key_buf); },
                              nullptr, &rec) ||
                !_op->execute(stage::value_converter, _tp.value_converter_class,
                              [&] { value_present = vc.from_connect(rec.topic, rec.headers, rec.value_schema, rec.val, _value_buf); },
                              nullptr, &rec)) {
                skip();
                continue;
            }
            key_bytes = _key_buf;
            value_bytes = _value_buf;
        }
        _headers.clear();
        if (!rec.headers.empty()) {
            if (_header_bufs.size() < rec.headers.size()) _header_bufs.resize(rec.headers.size());
            size_t i = 0;
            bool ok = _op->execute(
                stage::header_converter, _tp.header_converter_class,
                [&] {
                    for (auto& h : rec.headers) {
                        bool present = hc.from_connect_header(rec.topic, h.key, h.schema, h.val, _header_bufs[i]);
                        _headers.push_back({h.key, present ? std::optional<std::string_view>(_header_bufs[i])
                                                           : std::nullopt});
                        i++;
                    }
                },
                nullptr, &rec);
            if (!ok) {
                skip();
                continue;
            }
        }
        if (rec.topic.empty()) {
            if (!_op->handle_failure(stage::kafka_produce, _settings.task_class, "org.apache.kafka.connect.errors.ConnectException",
                                     "record has no topic", nullptr, &rec)) {
                skip();
                continue;
            }
        }
        uint32_t pidx = partition_index_of(rec.source_partition);
        // A record without a timestamp gets the producer's wall clock, as Java's KafkaProducer
        // gives it. Read once per 64 records rather than by librdkafka for every message (the
        // records of a batch were read together; the clock was a tenth of the send path). After a
        // wait for producer queue space the next few records may carry the time before the wait.
        int64_t ts = rec.timestamp.value_or(0);
        if (ts <= 0) {
            if (_clock_uses == 0) {
                _clock_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
                _clock_uses = 64;
            }
            _clock_uses--;
            ts = _clock_ms;
        }
        std::optional<std::string_view> key, val;
        if (key_present) key = key_bytes;
        if (value_present) val = value_bytes;
        uint32_t tidx = topic_index_of(rec.topic);
        if (!_topics[tidx].handle && !prepare_topic(tidx)) [[unlikely]]
            break; // stopped while the topic check was retried
        uint64_t seq = _inflight.push_back(slot{&rec, pidx, tidx, false, _batch_pos == last});
        // An encoded record's bytes are its own and stay where they are until its acknowledgement
        // (its batch is retired only then, and the producer is destroyed before the batches left
        // at the end): librdkafka reads them there instead of copying them first.
        auto r = _producer->send(_topics[tidx].handle, rec.kafka_partition, key, val, _headers, ts,
                                 reinterpret_cast<void*>(static_cast<uintptr_t>(seq)),
                                 std::chrono::steady_clock::time_point::max(), !rec.encoded);
        if (!r) {
            _inflight.pop_back();
            throw connect_error(fmt::format("Unrecoverable exception trying to send: {}", r.error().message));
        }
        sent.n++;
    }
    if (_batch_pos < batch.size()) return; // stopping
    _cur = nullptr;
    _batch_pos = 0;
    _clock_uses = 0; // the next batch reads the clock afresh
}

void source_task_runner::execute() {
    auto log = log::get("runtime");
    _codec = std::make_unique<offset_codec>(_plugins);
    _op = std::make_unique<retry_operator>(_settings.errors, _id.connector, _id.task, &_stopping, _metrics.errors);
    if (_settings.errors.log_enable)
        _op->add_reporter(make_log_reporter(_id.connector, _id.task, _settings.errors.log_include_messages, _metrics.errors));
    if (!_settings.dlq_topic.empty()) {
        auto admin = kafka::admin::create(_settings.admin_props, "connector-dlq-adminclient-" + _id.connector);
        if (!admin) throw connect_error(admin.error().message);
        auto created = (*admin)->create_topics({{_settings.dlq_topic, 1, _settings.dlq_replication_factor, {}}}, 30000);
        if (!created) throw connect_error("Could not initialize dead letter queue: " + created.error().message);
        auto p = kafka::producer::create(_settings.dlq_producer_props, [](void*, rd_kafka_resp_err_t, int32_t, int64_t, int64_t) {},
                                         "connector-dlq-producer-" + _id.to_string());
        if (!p) throw connect_error(p.error().message);
        auto reporter = std::make_unique<dlq_reporter>(*this, std::move(*p));
        _dlq = reporter.get();
        _op->add_reporter(std::move(reporter));
    }
    auto producer = kafka::producer::create(
        _settings.producer_props,
        [this](void* opaque, rd_kafka_resp_err_t err, int32_t p, int64_t o, int64_t ts) {
            on_delivery(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(opaque)), err, p, o, ts);
        },
        "connector-producer-" + _id.to_string());
    if (!producer) throw connect_error(producer.error().message);
    _producer = std::move(*producer);
    _reader = std::make_unique<reader>(*this);
    _ctx = std::make_unique<context>(*this);
    {
        std::lock_guard g(_plugin_mu);
        if (stopping()) return;
        _task = _plugins.make_source_task(_settings.task_class);
    }
    _task->initialize(*_ctx);
    _task->start(_settings.task_config);
    log->info("[{}] Source task finished initialization and start", _id.to_string());
    if (current_target() != target_state::paused) report(state::running);
    if (_task->poll_concurrently()) {
        _ahead = std::make_unique<poll_ahead>();
        _ahead->thread = std::thread([this] { poll_ahead_loop(); });
    }

    _next_commit = clock::now() + std::chrono::milliseconds(_settings.offset_flush_interval_ms);
    try {
        while (!stopping()) {
            if (current_target() == target_state::paused) {
                report(state::paused);
                while (!stopping() && current_target() == target_state::paused) {
                    _producer->poll(100);
                    advance_acked();
                    commit_when_due();
                }
                if (stopping()) break;
                report(state::running);
            }
            if (_async_failure) throw connect_error(*_async_failure);
            if (!_cur) {
                if (_ahead) take_ahead();
                else poll_task(_batch);
                if (!_batch.empty()) {
                    _cur = &_sent.emplace_back(std::move(_batch));
                    _batch = {};
                    _batch_pos = 0;
                }
            }
            if (_cur) send_batch();
            _producer->poll(0);
            advance_acked();
            commit_when_due();
        }
    } catch (...) {
        // Keep what Kafka already acknowledged, then fail.
        commit_offsets(true);
        close_plugin();
        _producer.reset();
        throw;
    }
    commit_offsets(true);
    close_plugin();
    // Before the batches still in _sent: librdkafka may hold encoded records' bytes without a copy.
    _producer.reset();
}

void source_task_runner::close_plugin() {
    std::lock_guard g(_plugin_mu);
    stop_plugin(); // makes a poll() in progress on the poller thread return
    stop_poll_ahead();
    _task.reset();
}

// poll() with its metrics; a retriable_error is logged and counts as an empty batch.
void source_task_runner::poll_task(std::vector<source_record>& batch) {
    auto poll_start = clock::now();
    // A fresh batch array takes the size of the last batch at once instead of growing to it.
    if (batch.capacity() < _last_poll_size) batch.reserve(_last_poll_size);
    try {
        _task->poll(batch);
    } catch (const retriable_error& e) {
        log::get("runtime")->warn("[{}] Retriable exception from poll(), polling again: {}", _id.to_string(), e.what());
        batch.clear();
    }
    _metrics.records_polled += int64_t(batch.size());
    if (!batch.empty()) {
        _last_poll_size = batch.size();
        // poll-batch-avg/max-time-ms count batches that returned records, as Kafka does.
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - poll_start).count();
        _metrics.batches++;
        _metrics.batch_time_us_total += us;
        if (us > _metrics.batch_time_us_max) _metrics.batch_time_us_max = us;
    }
}

// The poller thread: polls while fewer than k_ahead_batches wait and the task is not paused. An
// exception other than retriable_error ends it; the task thread rethrows it once the batches
// polled before it are sent.
void source_task_runner::poll_ahead_loop() {
    auto& a = *_ahead;
    std::vector<source_record> batch;
    std::vector<std::vector<source_record>> retired, pool;
    try {
        for (;;) {
            bool room; // for another batch ahead (else only the retired batches are emptied)
            {
                std::unique_lock l(a.mu);
                // Pausing is not signalled on this condition variable: look again every 100 ms.
                while (!a.quit && !stopping() && a.spare.empty() &&
                       (a.ready.size() >= k_ahead_batches || current_target() == target_state::paused))
                    a.cv.wait_for(l, std::chrono::milliseconds(100));
                if (a.quit || stopping()) break;
                retired.swap(a.spare);
                room = a.ready.size() < k_ahead_batches && current_target() != target_state::paused;
            }
            // Retired batches: their records are destroyed here, off the task thread.
            for (auto& r : retired) {
                r.clear();
                if (pool.size() < k_pooled_batches) pool.push_back(std::move(r));
            }
            retired.clear();
            if (!room) continue;
            if (batch.capacity() == 0 && !pool.empty()) {
                batch = std::move(pool.back());
                pool.pop_back();
            }
            poll_task(batch);
            if (batch.empty()) continue;
            std::lock_guard l(a.mu);
            a.ready.push_back(std::move(batch));
            batch = {};
            a.cv.notify_all();
        }
    } catch (...) {
        std::lock_guard l(a.mu);
        a.error = std::current_exception();
    }
    std::lock_guard l(a.mu);
    a.done = true;
    a.cv.notify_all();
}

// Takes the next polled batch into _batch, waiting a little for one so that acknowledgements and
// offset commits keep being served; rethrows the poller's exception when nothing is left.
void source_task_runner::take_ahead() {
    auto& a = *_ahead;
    std::unique_lock l(a.mu);
    if (a.ready.empty() && !a.done) a.cv.wait_for(l, std::chrono::milliseconds(50), [&] { return !a.ready.empty() || a.done; });
    if (!a.ready.empty()) {
        _batch = std::move(a.ready.front());
        a.ready.pop_front();
        a.cv.notify_all();
        return;
    }
    if (a.error) std::rethrow_exception(a.error);
}

void source_task_runner::stop_poll_ahead() {
    if (!_ahead) return;
    {
        std::lock_guard l(_ahead->mu);
        _ahead->quit = true;
    }
    _ahead->cv.notify_all();
    if (_ahead->thread.joinable()) _ahead->thread.join();
}

} // namespace ferry::runtime
