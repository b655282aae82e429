#include "runtime/worker.hpp"

#include "base/log.hpp"
#include "runtime/sink_task_runner.hpp"
#include "runtime/source_task_runner.hpp"
#include "runtime/connector_config.hpp"
#include "runtime/topic_creation.hpp"

#include <fmt/format.h>

namespace ferry::runtime {

using namespace config;

namespace {
log::logger_ptr logger() {
    static auto l = log::get("runtime");
    return l;
}

std::string get_or(const config_map& m, const std::string& k, const std::string& def = {}) {
    auto it = m.find(k);
    return it == m.end() ? def : it->second;
}
} // namespace

// Runs one connector instance: start/stop/pause follow the target state; the context forwards
// the connector's requests to the herder.
class worker::connector_holder : public connector_context {
public:
    connector_holder(worker& w, std::string name) : _w(w), _name(std::move(name)) {}

    void request_task_reconfiguration() override {
        if (_w._s.on_reconfiguration_request) _w._s.on_reconfiguration_request(_name);
    }
    void raise_error(const std::string& message) override {
        if (_w._s.on_connector_error) _w._s.on_connector_error(_name, message);
    }

    std::unique_ptr<connector> instance;
    plugin_type type = plugin_type::source;
    config_map resolved;
    bool started = false;

    void start() {
        if (started) return;
        instance->start(resolved);
        started = true;
    }
    void stop() {
        if (!started) return;
        started = false;
        try {
            instance->stop();
        } catch (const std::exception& e) {
            logger()->error("[{}] Error while shutting down connector: {}", _name, e.what());
        }
    }

private:
    worker& _w;
    std::string _name;
};

worker::worker(worker_settings s) : _s(std::move(s)) {}

worker::~worker() { stop_all(); }

plugin_type worker::connector_type(const config_map& cfg) const {
    auto cls = get_or(cfg, "connector.class");
    auto info = _s.plugins->find_connector(cls);
    if (!info) {
        // make_connector's message lists the available connectors.
        (void)_s.plugins->make_connector(cls);
    }
    return info->type;
}

result<> worker::start_connector(const std::string& name, const config_map& raw_config, target_state target) {
    auto holder = std::make_unique<connector_holder>(*this, name);
    try {
        holder->resolved = resolve(raw_config);
        holder->type = connector_type(holder->resolved);
        // As Kafka Connect's SourceConnectorConfig: a source connector that uses topic creation
        // does not start without valid topic.creation.default.* settings.
        if (holder->type == plugin_type::source && _s.config.values.get_bool("topic.creation.enable") &&
            uses_topic_creation(holder->resolved)) {
            config_def d = source_connector_def();
            add_topic_creation_keys(d, holder->resolved);
            (void)topic_creation::from(d.parse(holder->resolved), holder->resolved);
        }
        holder->instance = _s.plugins->make_connector(get_or(holder->resolved, "connector.class"));
        holder->instance->initialize(*holder);
        if (target == target_state::started) holder->start();
    } catch (const std::exception& e) {
        logger()->error("[{}] Failed to start connector: {}", name, e.what());
        _s.listener->on_connector_state(name, state::failed, trace_of(e));
        std::lock_guard g(_mu);
        _connectors.erase(name);
        return fail(errc::invalid_argument, "Failed to start connector {}: {}", name, e.what());
    }
    logger()->info("[{}] Connector started in target state {}", name, target_state_name(target));
    _s.listener->on_connector_state(name,
                                    target == target_state::started  ? state::running
                                    : target == target_state::paused ? state::paused
                                                                     : state::stopped,
                                    "");
    std::lock_guard g(_mu);
    _connectors[name] = std::move(holder);
    return {};
}

result<> worker::set_connector_target(const std::string& name, target_state target) {
    connector_holder* h;
    {
        std::lock_guard g(_mu);
        auto it = _connectors.find(name);
        if (it == _connectors.end()) return fail(errc::not_found, "connector {} is not running on this worker", name);
        h = it->second.get();
    }
    try {
        if (target == target_state::started) h->start();
        else h->stop();
    } catch (const std::exception& e) {
        _s.listener->on_connector_state(name, state::failed, trace_of(e));
        return fail(errc::internal, "connector {}: {}", name, e.what());
    }
    _s.listener->on_connector_state(name,
                                    target == target_state::started  ? state::running
                                    : target == target_state::paused ? state::paused
                                                                     : state::stopped,
                                    "");
    for (auto& id : tasks_of(name)) set_task_target(id, target);
    return {};
}

void worker::stop_connector(const std::string& name) {
    std::unique_ptr<connector_holder> h;
    {
        std::lock_guard g(_mu);
        auto it = _connectors.find(name);
        if (it == _connectors.end()) return;
        h = std::move(it->second);
        _connectors.erase(it);
    }
    h->stop();
    logger()->info("[{}] Connector stopped", name);
}

bool worker::connector_running(const std::string& name) const {
    std::lock_guard g(_mu);
    return _connectors.count(name) > 0;
}

result<std::vector<config_map>> worker::connector_task_configs(const std::string& name) {
    connector_holder* h;
    {
        std::lock_guard g(_mu);
        auto it = _connectors.find(name);
        if (it == _connectors.end()) return fail(errc::not_found, "connector {} is not running on this worker", name);
        h = it->second.get();
    }
    int max_tasks = 1;
    try {
        max_tasks = std::get<int32_t>(config_def::parse_value("tasks.max", get_or(h->resolved, "tasks.max", "1"),
                                                              config_type::int_));
    } catch (const std::exception& e) {
        return fail(errc::invalid_argument, "{}", e.what());
    }
    std::vector<config_map> configs;
    try {
        if (!h->started) h->start();
        configs = h->instance->task_configs(max_tasks);
    } catch (const std::exception& e) {
        _s.listener->on_connector_state(name, state::failed, trace_of(e));
        return fail(errc::internal, "connector {} failed to generate task configs: {}", name, e.what());
    }
    bool enforce = get_or(h->resolved, "tasks.max.enforce", "true") != "false";
    if ((int)configs.size() > max_tasks) {
        auto msg = fmt::format("The connector {} has generated {} tasks, which is greater than {}, the maximum number "
                               "of tasks it is configured to create. ",
                               name, configs.size(), max_tasks);
        if (enforce) {
            _s.listener->on_connector_state(name, state::failed,
                                            "org.apache.kafka.connect.errors.TooManyTasksException: " + msg);
            return fail(errc::invalid_argument, "{}", msg);
        }
        logger()->warn("{}", msg);
    }
    // The framework adds task.class and, for sinks, the topics to each task config. The raw
    // (unresolved) values are what gets stored, as Kafka Connect does.
    auto& raw_sink_topics = h->resolved;
    for (auto& c : configs) {
        c["task.class"] = h->instance->task_class();
        if (h->type == plugin_type::sink) {
            if (auto it = raw_sink_topics.find("topics"); it != raw_sink_topics.end()) c["topics"] = it->second;
            if (auto it = raw_sink_topics.find("topics.regex"); it != raw_sink_topics.end())
                c["topics.regex"] = it->second;
        }
    }
    return configs;
}

task_plugins worker::make_task_plugins(const config_map& cc) {
    task_plugins tp;
    auto& wraw = _s.config.raw;
    auto setup = [&](const char* key, bool is_key) {
        std::string cls = get_or(cc, key);
        config_map sub;
        if (!cls.empty()) {
            sub = with_prefix_stripped(cc, std::string(key) + ".");
        } else {
            cls = get_or(wraw, key);
            sub = with_prefix_stripped(wraw, std::string(key) + ".");
        }
        sub["converter.type"] = is_key ? "key" : "value";
        auto c = _s.plugins->make_converter(cls);
        c->configure(sub, is_key);
        auto info = _s.plugins->find(cls, plugin_type::converter);
        return std::make_tuple(std::move(c), info ? info->class_name : cls, std::move(sub));
    };
    std::tie(tp.key_converter, tp.key_converter_class, tp.key_converter_config) = setup("key.converter", true);
    std::tie(tp.value_converter, tp.value_converter_class, tp.value_converter_config) = setup("value.converter", false);
    std::string hcls = get_or(cc, "header.converter");
    config_map hsub;
    if (!hcls.empty()) {
        hsub = with_prefix_stripped(cc, "header.converter.");
    } else {
        hcls = _s.config.values.get_string("header.converter");
        hsub = with_prefix_stripped(wraw, "header.converter.");
    }
    hsub["converter.type"] = "header";
    tp.header_conv = _s.plugins->make_header_converter(hcls);
    tp.header_conv->configure(hsub);
    auto hinfo = _s.plugins->find(hcls, plugin_type::header_converter);
    tp.header_converter_class = hinfo ? hinfo->class_name : hcls;
    tp.transforms = transform_chain::build(*_s.plugins, cc);
    return tp;
}

kafka::properties worker::producer_props(const std::string& connector, int32_t task, const config_map& cc) const {
    kafka::properties p;
    // Framework defaults (spec 3.1), as Java's worker sets them: one request in flight keeps each
    // partition's records in order across retries, without the idempotent producer. (Ferry used
    // librdkafka's idempotent producer with five requests in flight until 2026-11-24: with
    // librdkafka 2.0.2 its broker thread spent its time in poll() and clock reads, the worker's
    // system time doubled, and a 2M-row CDC snapshot ran at half the rate it has this way:
    // bench/RESULTS.md.)
    p["acks"] = "all";
    p["enable.idempotence"] = "false";
    p["max.in.flight.requests.per.connection"] = "1";
    // Retry sending for as long as it takes (librdkafka: message.timeout.ms=0): a broker outage
    // stalls the task instead of failing it after librdkafka's default five minutes.
    p["delivery.timeout.ms"] = "2147483647";
    p["partitioner"] = "murmur2_random"; // Java's partitioning of keyed records
    p["client.id"] = fmt::format("connector-producer-{}-{}", connector, task);
    for (auto& [k, v] : _s.config.client_props("producer.")) p[k] = v;
    p["bootstrap.servers"] = _s.bootstrap_servers;
    // connector.client.config.override.policy decides which producer.override.* keys apply.
    for (auto& [k, v] : with_prefix_stripped(cc, "producer.override."))
        if (_s.config.override_allowed(k)) p[k] = v;
    return p;
}

kafka::properties worker::consumer_props(const std::string& connector, int32_t task, const config_map& cc) const {
    kafka::properties p;
    p["group.id"] = "connect-" + connector;
    p["enable.auto.commit"] = "false";
    p["auto.offset.reset"] = "earliest";
    p["client.id"] = fmt::format("connector-consumer-{}-{}", connector, task);
    // Prefetch queue bounds (librdkafka's own keys; a worker's consumer.* or a connector's
    // consumer.override.* still wins). librdkafka 2.0.2 stops fetching a partition when its queue
    // holds queued.min.messages or queued.max.messages.kbytes and looks again only after a fixed
    // one-second back-off (fetch.queue.backoff.ms came in 2.3): with its defaults (100,000
    // messages, 64 MiB) any sink that drains that in less than a second sat idle for the rest of
    // it. A FileStreamSink took 5.2 s for 1M records of 63 bytes and 6.3 s for 1M of 548 bytes,
    // 1.4 s and 2.5 s with these; the JDBC sink into PostgreSQL 8.4 s -> 4.6 s (bench/RESULTS.md).
    // The price is a larger peak while a backlog is read (258 vs 166 MiB in the second case).
    p["queued.min.messages"] = "250000";
    p["queued.max.messages.kbytes"] = "131072";
    for (auto& [k, v] : _s.config.client_props("consumer.")) p[k] = v;
    p["bootstrap.servers"] = _s.bootstrap_servers;
    // connector.client.config.override.policy decides which consumer.override.* keys apply.
    for (auto& [k, v] : with_prefix_stripped(cc, "consumer.override."))
        if (_s.config.override_allowed(k)) p[k] = v;
    return p;
}

kafka::properties worker::admin_props(const config_map& cc) const {
    kafka::properties p;
    for (auto& [k, v] : _s.config.client_props("admin.")) p[k] = v;
    p["bootstrap.servers"] = _s.bootstrap_servers;
    // connector.client.config.override.policy decides which admin.override.* keys apply.
    for (auto& [k, v] : with_prefix_stripped(cc, "admin.override."))
        if (_s.config.override_allowed(k)) p[k] = v;
    return p;
}

result<> worker::start_task(const task_id& id, const config_map& raw_cc, const config_map& raw_tc, target_state target) {
    {
        std::lock_guard g(_mu);
        if (_tasks.count(id)) return fail(errc::already_exists, "task {} is already running", id.to_string());
    }
    std::shared_ptr<worker_task> t;
    try {
        auto cc = resolve(raw_cc);
        auto tc = resolve(raw_tc);
        auto task_class = get_or(tc, "task.class");
        auto type = connector_type(cc);
        bool creates_topics = type == plugin_type::source &&
                              _s.config.values.get_bool("topic.creation.enable") && uses_topic_creation(cc);
        auto def = enriched_connector_def(*_s.plugins, type, config_def(), cc, creates_topics);
        auto vals = def.parse(cc);
        auto flush_interval = _s.config.values.get_long("offset.flush.interval.ms");
        auto flush_timeout = _s.config.values.get_long("offset.flush.timeout.ms");
        auto tp = make_task_plugins(cc);
        if (type == plugin_type::source) {
            source_task_settings s;
            s.task_class = task_class;
            s.connector_config = cc;
            s.task_config = tc;
            s.producer_props = producer_props(id.connector, id.task, cc);
            s.offset_flush_interval_ms = flush_interval;
            s.offset_flush_timeout_ms = flush_timeout;
            s.errors = error_handling_config::from(vals);
            s.dlq_topic = vals.get_string("errors.deadletterqueue.topic.name");
            s.dlq_replication_factor = int16_t(vals.get_int("errors.deadletterqueue.topic.replication.factor"));
            s.dlq_context_headers = vals.get_bool("errors.deadletterqueue.context.headers.enable");
            s.dlq_producer_props = producer_props(id.connector, id.task, cc);
            s.dlq_producer_props["client.id"] = fmt::format("connector-dlq-producer-{}-{}", id.connector, id.task);
            s.admin_props = admin_props(cc);
            if (creates_topics) s.topic_groups = std::make_shared<topic_creation>(topic_creation::from(vals, cc));
            t = std::make_shared<source_task_runner>(id, *_s.listener, target, *_s.plugins, std::move(s), std::move(tp),
                                                     _s.offsets);
        } else {
            sink_task_settings s;
            s.task_class = task_class;
            s.connector_config = cc;
            s.task_config = tc;
            s.consumer_props = consumer_props(id.connector, id.task, cc);
            s.topics = vals.get_list("topics");
            s.topics_regex = vals.get_string("topics.regex");
            s.offset_flush_interval_ms = flush_interval;
            s.offset_flush_timeout_ms = flush_timeout;
            auto mpr = get_or(cc, "consumer.override.max.poll.records",
                              get_or(_s.config.raw, "consumer.max.poll.records", "500"));
            s.max_poll_records = std::max(1, std::atoi(mpr.c_str()));
            s.errors = error_handling_config::from(vals);
            s.dlq_topic = vals.get_string("errors.deadletterqueue.topic.name");
            s.dlq_replication_factor = int16_t(vals.get_int("errors.deadletterqueue.topic.replication.factor"));
            s.dlq_context_headers = vals.get_bool("errors.deadletterqueue.context.headers.enable");
            s.dlq_producer_props = producer_props(id.connector, id.task, cc);
            s.dlq_producer_props["client.id"] = fmt::format("connector-dlq-producer-{}-{}", id.connector, id.task);
            s.admin_props = admin_props(cc);
            t = std::make_shared<sink_task_runner>(id, *_s.listener, target, *_s.plugins, std::move(s), std::move(tp));
        }
    } catch (const std::exception& e) {
        logger()->error("[{}] Failed to start task: {}", id.to_string(), e.what());
        _s.listener->on_task_state(id, state::failed, trace_of(e));
        return fail(errc::invalid_argument, "Failed to start task {}: {}", id.to_string(), e.what());
    }
    {
        std::lock_guard g(_mu);
        _tasks[id] = t;
    }
    t->start();
    return {};
}

void worker::set_task_target(const task_id& id, target_state target) {
    std::lock_guard g(_mu);
    if (auto it = _tasks.find(id); it != _tasks.end()) it->second->transition_to(target);
}

void worker::stop_tasks(const std::vector<task_id>& ids) {
    std::vector<std::shared_ptr<worker_task>> stopping;
    {
        std::lock_guard g(_mu);
        for (auto& id : ids) {
            auto it = _tasks.find(id);
            if (it == _tasks.end()) continue;
            stopping.push_back(it->second);
            _tasks.erase(it);
        }
    }
    for (auto& t : stopping) t->stop();
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(_s.config.values.get_long("task.shutdown.graceful.timeout.ms"));
    for (auto& t : stopping) t->await_stop(deadline);
}

std::vector<task_id> worker::tasks_of(const std::string& connector) const {
    std::lock_guard g(_mu);
    std::vector<task_id> out;
    for (auto& [id, _] : _tasks)
        if (id.connector == connector) out.push_back(id);
    return out;
}

std::vector<task_id> worker::all_tasks() const {
    std::lock_guard g(_mu);
    std::vector<task_id> out;
    for (auto& [id, _] : _tasks) out.push_back(id);
    return out;
}

void worker::for_each_task(const std::function<void(const task_id&, const task_metrics&)>& fn) const {
    std::lock_guard g(_mu);
    for (auto& [id, t] : _tasks) fn(id, t->metrics());
}

void worker::stop_all() {
    stop_tasks(all_tasks());
    std::vector<std::string> names;
    {
        std::lock_guard g(_mu);
        for (auto& [n, _] : _connectors) names.push_back(n);
    }
    for (auto& n : names) stop_connector(n);
}

} // namespace ferry::runtime
