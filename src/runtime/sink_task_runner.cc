#include "runtime/sink_task_runner.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

namespace ferry::runtime {

using clock = std::chrono::steady_clock;

namespace {
topic_partition from_kafka(const kafka::tp& t) { return {t.topic, t.partition}; }
} // namespace

namespace {
// Views of a raw consumed message for error reports and the dead letter queue.
void describe(const rd_kafka_message_t* m, consumed_record& cr) {
    rd_kafka_timestamp_type_t tstype;
    cr.topic = rd_kafka_topic_name(m->rkt);
    cr.partition = m->partition;
    cr.offset = m->offset;
    cr.timestamp = rd_kafka_message_timestamp(m, &tstype);
    cr.timestamp_type = tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? 1 : 0;
    cr.key = m->key ? std::optional<std::string_view>(std::string_view((const char*)m->key, m->key_len)) : std::nullopt;
    cr.value = m->payload ? std::optional<std::string_view>(std::string_view((const char*)m->payload, m->len))
                          : std::nullopt;
    cr.headers.clear();
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
            cr.headers.push_back({name, val ? std::optional<std::string_view>(std::string_view((const char*)val, size))
                                            : std::nullopt});
    }
}
} // namespace

// KIP-610: a task reports a bad record; it goes through the same reporters (log, DLQ) and the same
// tolerance as conversion errors, at stage TASK_PUT. With errors.tolerance=none the report throws
// and the task fails.
class sink_task_runner::errant_reporter : public errant_record_reporter {
public:
    explicit errant_reporter(sink_task_runner& r) : _r(r) {}
    void report(const sink_record& rec, const std::string& message) override {
        consumed_record cr;
        std::string key_buf, value_buf;
        const rd_kafka_message_t* raw = nullptr;
        for (auto& m : _r._batch_msgs)
            if (m->partition == rec.original_partition && m->offset == rec.offset &&
                rec.original_topic == rd_kafka_topic_name(m->rkt)) {
                raw = m.get();
                break;
            }
        if (raw) {
            describe(raw, cr);
        } else {
            // Not a record the runtime consumed: serialize it with the task's converters, as Java does.
            ferry::headers h = rec.headers;
            cr.topic = rec.topic;
            cr.partition = rec.kafka_partition.value_or(-1);
            cr.offset = rec.offset;
            cr.timestamp = rec.timestamp.value_or(-1);
            if (_r._tp.key_converter->from_connect(rec.topic, h, rec.key_schema, rec.key, key_buf)) cr.key = key_buf;
            if (_r._tp.value_converter->from_connect(rec.topic, h, rec.value_schema, rec.val, value_buf)) cr.value = value_buf;
        }
        _r._op->handle_failure(stage::task_put, _r._settings.task_class, "org.apache.kafka.connect.errors.ConnectException",
                               message, &cr, nullptr);
    }

private:
    sink_task_runner& _r;
};

class sink_task_runner::context : public sink_task_context {
public:
    explicit context(sink_task_runner& r) : _r(r) {}
    const config_map& configs() const override { return _r._settings.task_config; }
    void offset(const topic_partition& tp, int64_t offset) override { _r._rewinds[tp] = offset; }
    void timeout(int64_t ms) override { _r._timeout_ms = ms; }
    std::set<topic_partition> assignment() const override { return _r._assigned; }
    void pause(const std::vector<topic_partition>& tps) override {
        for (auto& t : tps) {
            if (!_r._assigned.count(t))
                throw connect_error(fmt::format("Cannot pause partition {}-{}: not assigned to this task", t.topic, t.partition));
            _r._task_paused.insert(t);
        }
        _r.update_pauses();
    }
    void resume(const std::vector<topic_partition>& tps) override {
        for (auto& t : tps) _r._task_paused.erase(t);
        _r.update_pauses();
    }
    void request_commit() override { _r._commit_requested = true; }
    errant_record_reporter* errant_reporter() override { return _r._errant.get(); }

private:
    sink_task_runner& _r;
};

// Dead letter queue (spec 7): the original raw record, with optional error-context headers.
class sink_task_runner::dlq_reporter : public error_reporter {
public:
    dlq_reporter(sink_task_runner& r, std::unique_ptr<kafka::producer> p) : _r(r), _producer(std::move(p)) {}

    void report(const error_context& c) override {
        if (!c.consumed) return;
        auto& m = *c.consumed;
        _r._metrics.errors->deadletterqueue_produce_requests++;
        std::vector<kafka::header_bytes> headers;
        for (auto& [k, v] : m.headers) headers.push_back({k, v});
        std::vector<std::string> ctx;
        if (_r._settings.dlq_context_headers) {
            ctx = {std::string(m.topic),
                   std::to_string(m.partition),
                   std::to_string(m.offset),
                   _r._id.connector,
                   std::to_string(_r._id.task),
                   stage_name(c.st),
                   c.class_name,
                   c.exception_class,
                   c.message,
                   c.exception_class + ": " + c.message};
            static const char* names[] = {"__connect.errors.topic",
                                          "__connect.errors.partition",
                                          "__connect.errors.offset",
                                          "__connect.errors.connector.name",
                                          "__connect.errors.task.id",
                                          "__connect.errors.stage",
                                          "__connect.errors.class.name",
                                          "__connect.errors.exception.class.name",
                                          "__connect.errors.exception.message",
                                          "__connect.errors.exception.stacktrace"};
            for (size_t i = 0; i < ctx.size(); i++) {
                std::optional<std::string_view> v = ctx[i];
                if (i == 8 && c.message.empty()) v.reset();
                headers.push_back({names[i], v});
            }
        }
        auto r = _producer->send(_r._settings.dlq_topic, std::nullopt, m.key, m.value, headers,
                                 m.timestamp >= 0 ? m.timestamp : 0, nullptr);
        if (!r) {
            _r._metrics.errors->deadletterqueue_produce_failures++;
            log::get("runtime.errors")->error("[{}] Could not produce message to dead letter queue. topic={}: {}",
                                              _r._id.to_string(), _r._settings.dlq_topic, r.error().message);
        }
        _producer->poll(0);
    }

    // Sink commits wait for outstanding DLQ writes.
    void flush(int timeout_ms) {
        if (auto r = _producer->flush(timeout_ms); !r)
            log::get("runtime.errors")->error("[{}] dead letter queue flush: {}", _r._id.to_string(), r.error().message);
    }

private:
    sink_task_runner& _r;
    std::unique_ptr<kafka::producer> _producer;
};

sink_task_runner::sink_task_runner(task_id id, status_listener& listener, target_state initial,
                                   const plugin_registry& plugins, sink_task_settings settings, task_plugins tp)
    : worker_task(std::move(id), listener, initial), _plugins(plugins), _settings(std::move(settings)),
      _tp(std::move(tp)) {}

sink_task_runner::~sink_task_runner() = default;

void sink_task_runner::stop_plugin() {
    {
        std::lock_guard g(_wake_mu);
        if (_wake) _wake->wakeup();
    }
    if (_task && !_plugin_stopped) {
        _plugin_stopped = true;
        try {
            _task->stop();
        } catch (const std::exception& e) {
            log::get("runtime")->warn("[{}] exception while stopping task: {}", _id.to_string(), e.what());
        }
    }
}

void sink_task_runner::close_plugin() {
    std::lock_guard g(_plugin_mu);
    stop_plugin();
    _task.reset();
}

void sink_task_runner::update_pauses() {
    if (!_consumer) return;
    bool all = _paused_for_retry || _paused_for_target;
    std::vector<kafka::tp> pause, resume;
    for (auto& t : _assigned) {
        if (all || _task_paused.count(t)) pause.push_back({t.topic, t.partition});
        else resume.push_back({t.topic, t.partition});
    }
    if (auto r = _consumer->pause(pause); !r) log::get("runtime")->warn("[{}] {}", _id.to_string(), r.error().message);
    if (auto r = _consumer->resume(resume); !r) log::get("runtime")->warn("[{}] {}", _id.to_string(), r.error().message);
}

void sink_task_runner::on_assigned(const std::vector<kafka::tp>& partitions) {
    std::vector<topic_partition> tps;
    for (auto& t : partitions) {
        tps.push_back(from_kafka(t));
        _assigned.insert(from_kafka(t));
    }
    log::get("runtime")->info("[{}] Partitions assigned: {}", _id.to_string(), tps.size());
    if (_task) _task->open(tps);
    update_pauses();
}

void sink_task_runner::on_revoked(const std::vector<kafka::tp>& partitions) {
    std::set<topic_partition> revoked;
    for (auto& t : partitions) revoked.insert(from_kafka(t));
    if (_task && !revoked.empty()) {
        commit(true, &revoked);
        _task->close(std::vector<topic_partition>(revoked.begin(), revoked.end()));
    }
    // Records of revoked partitions that were not delivered go to the partitions' next owner.
    std::erase_if(_batch, [&](const sink_record& r) {
        return revoked.count(topic_partition{r.original_topic, r.original_partition}) > 0;
    });
    std::erase_if(_batch_msgs, [&](const kafka::message_ptr& m) {
        return revoked.count(topic_partition{rd_kafka_topic_name(m->rkt), m->partition}) > 0;
    });
    for (auto& t : revoked) {
        _assigned.erase(t);
        _task_paused.erase(t);
        _current.erase(t);
        _committed.erase(t);
        _batch_offsets.erase(t);
    }
}

void sink_task_runner::on_lost(const std::vector<kafka::tp>& partitions) {
    std::vector<topic_partition> tps;
    for (auto& t : partitions) tps.push_back(from_kafka(t));
    if (_task) _task->close(tps);
    for (auto& t : tps) {
        _assigned.erase(t);
        _current.erase(t);
        _committed.erase(t);
        _batch_offsets.erase(t);
    }
    std::erase_if(_batch, [&](const sink_record& r) {
        return std::find(tps.begin(), tps.end(), topic_partition{r.original_topic, r.original_partition}) != tps.end();
    });
    std::erase_if(_batch_msgs, [&](const kafka::message_ptr& m) {
        return std::find(tps.begin(), tps.end(), topic_partition{rd_kafka_topic_name(m->rkt), m->partition}) != tps.end();
    });
}

void sink_task_runner::commit(bool sync, const std::set<topic_partition>* only) {
    auto start = clock::now();
    if (_dlq) _dlq->flush(int(_settings.offset_flush_timeout_ms));
    offset_map current;
    for (auto& [tp, off] : _current)
        if (!only || only->count(tp)) current[tp] = offset_and_metadata{off, ""};
    offset_map to_commit;
    try {
        to_commit = _task->pre_commit(current);
    } catch (const std::exception& e) {
        _metrics.offset_commit_failure++;
        log::get("runtime")->error("[{}] Commit of offsets threw an unexpected exception, rewinding to last committed "
                                   "offsets: {}",
                                   _id.to_string(), e.what());
        for (auto& [tp, off] : _committed) {
            if (only && !only->count(tp)) continue;
            _rewinds[tp] = off;
            _current[tp] = off;
        }
        return;
    }
    std::vector<std::pair<kafka::tp, int64_t>> offsets;
    for (auto& [tp, om] : to_commit) {
        // Ignore offsets for partitions we do not own or beyond what was consumed.
        auto cur = _current.find(tp);
        if (cur == _current.end() || om.offset > cur->second || !_assigned.count(tp)) continue;
        auto c = _committed.find(tp);
        if (c != _committed.end() && c->second == om.offset) continue;
        offsets.push_back({{tp.topic, tp.partition}, om.offset});
    }
    if (offsets.empty()) return;
    auto r = _consumer->commit(offsets, !sync);
    if (!r) {
        _metrics.offset_commit_failure++;
        log::get("runtime")->error("[{}] Offset commit failed: {}", _id.to_string(), r.error().message);
        return;
    }
    for (auto& [t, off] : offsets) _committed[{t.topic, t.partition}] = off;
    _metrics.offset_commit_success++;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start).count();
    if (us > _metrics.offset_commit_time_us_max) _metrics.offset_commit_time_us_max = us;
}

void sink_task_runner::apply_rewinds() {
    if (_rewinds.empty()) return;
    auto rewinds = std::move(_rewinds);
    _rewinds.clear();
    for (auto& [tp, off] : rewinds) {
        if (!_assigned.count(tp)) continue;
        if (auto r = _consumer->seek({tp.topic, tp.partition}, off, 10000); !r)
            log::get("runtime")->error("[{}] {}", _id.to_string(), r.error().message);
        _current[tp] = off;
        _batch_offsets.erase(tp);
        std::erase_if(_batch, [&](const sink_record& r) {
            return r.original_topic == tp.topic && r.original_partition == tp.partition;
        });
        std::erase_if(_batch_msgs, [&](const kafka::message_ptr& m) {
            return tp.topic == rd_kafka_topic_name(m->rkt) && m->partition == tp.partition;
        });
    }
}

void sink_task_runner::convert_messages(std::vector<kafka::message_ptr>& msgs) {
    auto& kc = *_tp.key_converter;
    auto& vc = *_tp.value_converter;
    auto& hc = *_tp.header_conv;
    consumed_record cr;
    for (auto& m : msgs) {
        describe(m.get(), cr);
        const char* topic = rd_kafka_topic_name(m->rkt);
        record_active_topic(topic);
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(m.get(), &tstype);
        topic_partition tp{topic, m->partition};
        _batch_offsets[tp] = m->offset + 1;
        _metrics.records_read++;

        sink_record r;
        r.topic = topic;
        r.kafka_partition = m->partition;
        r.offset = m->offset;
        r.original_topic = r.topic;
        r.original_partition = m->partition;
        r.ts_type = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? timestamp_type::no_timestamp
                    : tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? timestamp_type::log_append_time
                                                                    : timestamp_type::create_time;
        if (ts >= 0) r.timestamp = ts;
        bool ok = _op->execute(stage::key_converter, _tp.key_converter_class,
                               [&] {
                                   auto sv = kc.to_connect(topic, r.headers, cr.key);
                                   r.key_schema = std::move(sv.schema);
                                   r.key = std::move(sv.val);
                               },
                               &cr, nullptr) &&
                  _op->execute(stage::value_converter, _tp.value_converter_class,
                               [&] {
                                   auto sv = vc.to_connect(topic, r.headers, cr.value);
                                   r.value_schema = std::move(sv.schema);
                                   r.val = std::move(sv.val);
                               },
                               &cr, nullptr) &&
                  _op->execute(stage::header_converter, _tp.header_converter_class,
                               [&] {
                                   for (auto& [k, v] : cr.headers) {
                                       auto sv = hc.to_connect_header(topic, k, v);
                                       r.headers.add(std::string(k), std::move(sv.schema), std::move(sv.val));
                                   }
                               },
                               &cr, nullptr);
        if (!ok) continue;
        if (!_tp.transforms.empty() && !_tp.transforms.apply(r, *_op, &cr, nullptr)) continue;
        _batch.push_back(std::move(r));
    }
    // Raw messages stay until the batch is delivered: the errant record reporter and the DLQ
    // send the original bytes.
    for (auto& m : msgs) _batch_msgs.push_back(std::move(m));
    msgs.clear();
}

void sink_task_runner::deliver() {
    auto start = clock::now();
    try {
        _task->put(_batch);
    } catch (const retriable_error& e) {
        log::get("runtime")->warn("[{}] RetriableException from SinkTask: {}. Pausing partitions and redelivering the "
                                  "batch{}",
                                  _id.to_string(), e.what(),
                                  _timeout_ms > 0 ? fmt::format(" in {} ms", _timeout_ms) : std::string());
        _paused_for_retry = true;
        update_pauses();
        _retry_at = clock::now() + std::chrono::milliseconds(std::max<int64_t>(_timeout_ms, 0));
        _timeout_ms = -1;
        return;
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start).count();
    _metrics.batches++;
    _metrics.batch_time_us_total += us;
    if (us > _metrics.batch_time_us_max) _metrics.batch_time_us_max = us;
    _metrics.records_sent += int64_t(_batch.size());
    for (auto& [tp, off] : _batch_offsets) _current[tp] = off;
    _batch_offsets.clear();
    _batch.clear();
    _batch_msgs.clear();
    if (_paused_for_retry) {
        _paused_for_retry = false;
        update_pauses();
    }
}

void sink_task_runner::execute() {
    auto log = log::get("runtime");
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
    if (_settings.errors.log_enable || !_settings.dlq_topic.empty()) _errant = std::make_unique<errant_reporter>(*this);
    _ctx = std::make_unique<context>(*this);
    {
        std::lock_guard g(_plugin_mu);
        if (stopping()) return;
        _task = _plugins.make_sink_task(_settings.task_class);
    }
    _task->initialize(*_ctx);
    _task->start(_settings.task_config);
    auto consumer = kafka::consumer::create(_settings.consumer_props, this, "connector-consumer-" + _id.to_string());
    if (!consumer) throw connect_error(consumer.error().message);
    _consumer = std::move(*consumer);
    {
        std::lock_guard g(_wake_mu);
        _wake = _consumer.get();
    }
    auto sub = _settings.topics_regex.empty() ? _consumer->subscribe(_settings.topics)
                                              : _consumer->subscribe_pattern(_settings.topics_regex);
    if (!sub) throw connect_error(sub.error().message);
    log->info("[{}] Sink task finished initialization and start", _id.to_string());
    if (current_target() != target_state::paused) report(state::running);

    auto interval = std::chrono::milliseconds(_settings.offset_flush_interval_ms);
    _next_commit = clock::now() + interval;
    bool reported_paused = false;
    try {
        while (!stopping()) {
            bool want_pause = current_target() == target_state::paused;
            if (want_pause != _paused_for_target) {
                _paused_for_target = want_pause;
                update_pauses();
            }
            if (want_pause && !reported_paused) {
                report(state::paused);
                reported_paused = true;
            } else if (!want_pause && reported_paused) {
                report(state::running);
                reported_paused = false;
            }
            auto now = clock::now();
            if (now >= _next_commit || _commit_requested) {
                _commit_requested = false;
                commit(false);
                _next_commit = clock::now() + interval;
            }
            apply_rewinds();
            // Poll timeout: until the next commit, shortened by a pending retry.
            auto until = _next_commit;
            if (_paused_for_retry) until = std::min(until, _retry_at);
            int timeout = int(std::clamp<int64_t>(
                std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count(), 0, 1000));
            if (want_pause) timeout = 100;
            _msgs.clear();
            auto pr = _consumer->poll_batch(timeout, size_t(_settings.max_poll_records), _msgs);
            if (!pr) log->warn("[{}] {}", _id.to_string(), pr.error().message);
            if (stopping()) break;
            if (!_msgs.empty()) convert_messages(_msgs);
            if (want_pause) continue;
            if (_paused_for_retry) {
                if (clock::now() < _retry_at) continue;
                deliver();
            } else {
                deliver(); // called even when the batch is empty, as Kafka Connect does
            }
        }
    } catch (...) {
        close_consumer_and_task();
        throw;
    }
    close_consumer_and_task();
}

void sink_task_runner::close_consumer_and_task() {
    // Closing the consumer revokes the partitions: pre_commit, commit and close() run there.
    if (_consumer) {
        _consumer->close();
        // librdkafka's destroy waits for every message still referenced: release them first.
        _msgs.clear();
        _batch_msgs.clear();
        _batch.clear();
        {
            std::lock_guard g(_wake_mu);
            _wake = nullptr;
        }
        _consumer.reset();
    }
    close_plugin();
}

} // namespace ferry::runtime
