#include "runtime/distributed/kafka_status_store.hpp"

#include "base/log.hpp"
#include "base/json_writer.hpp"

#include <rapidjson/document.h>

#include <thread>

namespace ferry::runtime {

namespace {
constexpr std::string_view connector_prefix = "status-connector-";
constexpr std::string_view task_prefix = "status-task-";
constexpr std::string_view topic_prefix = "status-topic-";
constexpr std::string_view topic_separator = ":connector-";

std::string topic_key(const std::string& topic, const std::string& connector) {
    return std::string(topic_prefix) + topic + std::string(topic_separator) + connector;
}

std::optional<task_id> parse_task_key(std::string_view rest) {
    auto dash = rest.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    task_id id;
    id.connector = std::string(rest.substr(0, dash));
    try {
        id.task = std::stoi(std::string(rest.substr(dash + 1)));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return id;
}
} // namespace

kafka_status_store::~kafka_status_store() { stop(); }

result<> kafka_status_store::start() {
    _opts.producer_overrides["retries"] = "0"; // as Java: this store retries by itself
    auto log = storage::kafka_log::start(_opts, [this](const storage::log_record& r) { apply(r); });
    if (!log) return fail(log.error());
    _log = std::move(*log);
    return {};
}

void kafka_status_store::stop() {
    if (_log) _log->stop();
}

std::string kafka_status_store::encode(const status_entry& e) {
    json_writer w;
    w.begin_object().key("state").str(state_name(e.st)).key("trace");
    if (e.trace.empty()) w.null();
    else w.str(e.trace);
    w.key("worker_id").str(e.worker_id).key("generation").num(e.generation).end_object();
    return w.take();
}

std::optional<status_entry> kafka_status_store::decode(std::string_view json) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("state") || !d["state"].IsString()) return std::nullopt;
    status_entry e;
    auto st = state_from_name(d["state"].GetString());
    if (!st) return std::nullopt;
    e.st = *st;
    if (d.HasMember("trace") && d["trace"].IsString()) e.trace = d["trace"].GetString();
    if (d.HasMember("worker_id") && d["worker_id"].IsString()) e.worker_id = d["worker_id"].GetString();
    if (d.HasMember("generation") && d["generation"].IsInt()) e.generation = d["generation"].GetInt();
    return e;
}

void kafka_status_store::apply(const storage::log_record& r) {
    if (!r.key) return;
    std::string_view key = *r.key;
    std::lock_guard g(_mu);
    if (key.starts_with(connector_prefix)) {
        std::string name(key.substr(connector_prefix.size()));
        if (!r.value) {
            _connectors.erase(name);
            return;
        }
        if (auto e = decode(*r.value)) _connectors[name] = *e;
    } else if (key.starts_with(task_prefix)) {
        auto id = parse_task_key(key.substr(task_prefix.size()));
        if (!id) return;
        if (!r.value) {
            _tasks.erase(*id);
            return;
        }
        auto e = decode(*r.value);
        if (!e) return;
        // An UNASSIGNED from an older generation must not hide a newer RUNNING (spec 4.4).
        auto it = _tasks.find(*id);
        if (e->st == state::unassigned && it != _tasks.end() && it->second.st == state::running &&
            e->generation <= it->second.generation && it->second.worker_id != e->worker_id)
            return;
        _tasks[*id] = *e;
    } else if (key.starts_with(topic_prefix)) {
        // Topic names cannot contain ':', so the first one ends the topic (Java parses it so too).
        auto rest = key.substr(topic_prefix.size());
        auto sep = rest.find(':');
        if (sep == std::string_view::npos || !rest.substr(sep).starts_with(topic_separator)) return;
        std::string topic(rest.substr(0, sep)), connector(rest.substr(sep + topic_separator.size()));
        if (!r.value) {
            auto it = _topics.find(connector);
            if (it != _topics.end()) {
                it->second.erase(topic);
                if (it->second.empty()) _topics.erase(it);
            }
            return;
        }
        _topics[connector].insert(topic);
    }
}

void kafka_status_store::write(const std::string& key, std::optional<std::string> value, uint64_t seq) {
    auto retry = [this, key, value, seq](const error* err) {
        if (!err) return;
        {
            std::lock_guard g(_mu);
            if (_sequence[key] != seq) return; // a newer status replaced this one
        }
        log::get("runtime.status")->warn("Failed to write status {} ({}), retrying", key, err->message);
        // Retry from a fresh thread: this callback runs on the producer's delivery path.
        std::thread([this, key, value, seq] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            write(key, value, seq);
        }).detach();
    };
    if (auto r = _log->send(key, value ? std::optional<std::string_view>(*value) : std::nullopt, retry); !r)
        log::get("runtime.status")->error("Failed to write status {}: {}", key, r.error().message);
}

void kafka_status_store::put_connector(const std::string& c, const status_entry& e) {
    auto key = std::string(connector_prefix) + c;
    uint64_t seq;
    {
        std::lock_guard g(_mu);
        // Safe writes: do not overwrite a newer generation's entry of another worker.
        auto it = _connectors.find(c);
        if ((e.st == state::unassigned || e.st == state::failed) && it != _connectors.end() &&
            it->second.worker_id != e.worker_id && it->second.generation > e.generation)
            return;
        _connectors[c] = e;
        seq = _sequence[key] = ++_next_seq;
    }
    write(key, encode(e), seq);
}

void kafka_status_store::put_task(const task_id& id, const status_entry& e) {
    auto key = std::string(task_prefix) + id.connector + "-" + std::to_string(id.task);
    uint64_t seq;
    {
        std::lock_guard g(_mu);
        auto it = _tasks.find(id);
        if ((e.st == state::unassigned || e.st == state::failed) && it != _tasks.end() &&
            it->second.worker_id != e.worker_id && it->second.generation > e.generation)
            return;
        _tasks[id] = e;
        seq = _sequence[key] = ++_next_seq;
    }
    write(key, encode(e), seq);
}

void kafka_status_store::remove_connector(const std::string& c) {
    remove_topics(c); // as Java's onDeletion: the topic records go with the connector
    std::vector<task_id> tasks;
    {
        std::lock_guard g(_mu);
        _connectors.erase(c);
        for (auto it = _tasks.begin(); it != _tasks.end();) {
            if (it->first.connector == c) {
                tasks.push_back(it->first);
                it = _tasks.erase(it);
            } else {
                ++it;
            }
        }
    }
    auto tombstone = [this](const std::string& key) {
        uint64_t seq;
        {
            std::lock_guard g(_mu);
            seq = _sequence[key] = ++_next_seq;
        }
        write(key, std::nullopt, seq);
    };
    tombstone(std::string(connector_prefix) + c);
    for (auto& t : tasks) tombstone(std::string(task_prefix) + t.connector + "-" + std::to_string(t.task));
}

void kafka_status_store::remove_task(const task_id& id) {
    auto key = std::string(task_prefix) + id.connector + "-" + std::to_string(id.task);
    uint64_t seq;
    {
        std::lock_guard g(_mu);
        _tasks.erase(id);
        seq = _sequence[key] = ++_next_seq;
    }
    write(key, std::nullopt, seq);
}

std::optional<status_entry> kafka_status_store::connector(const std::string& c) const {
    std::lock_guard g(_mu);
    auto it = _connectors.find(c);
    if (it == _connectors.end()) return std::nullopt;
    return it->second;
}

std::optional<status_entry> kafka_status_store::task(const task_id& id) const {
    std::lock_guard g(_mu);
    auto it = _tasks.find(id);
    if (it == _tasks.end()) return std::nullopt;
    return it->second;
}

std::map<int32_t, status_entry> kafka_status_store::tasks(const std::string& c) const {
    std::lock_guard g(_mu);
    std::map<int32_t, status_entry> out;
    for (auto it = _tasks.lower_bound(task_id{c, INT32_MIN}); it != _tasks.end() && it->first.connector == c; ++it)
        out[it->first.task] = it->second;
    return out;
}

void kafka_status_store::put_topic(const std::string& connector, const std::string& topic, int32_t task,
                                   int64_t discover_ms) {
    auto key = topic_key(topic, connector);
    uint64_t seq;
    {
        std::lock_guard g(_mu);
        if (!_topics[connector].insert(topic).second) return;
        seq = _sequence[key] = ++_next_seq;
    }
    json_writer w;
    w.begin_object().key("topic").begin_object();
    w.key("name").str(topic).key("connector").str(connector).key("task").num(task);
    w.key("discoverTimestamp").num(discover_ms).end_object().end_object();
    write(key, w.take(), seq);
}

std::vector<std::string> kafka_status_store::topics(const std::string& connector) const {
    std::lock_guard g(_mu);
    auto it = _topics.find(connector);
    if (it == _topics.end()) return {};
    return {it->second.begin(), it->second.end()};
}

void kafka_status_store::remove_topics(const std::string& connector) {
    std::vector<std::pair<std::string, uint64_t>> keys;
    {
        std::lock_guard g(_mu);
        auto it = _topics.find(connector);
        if (it == _topics.end()) return;
        for (auto& t : it->second) {
            auto key = topic_key(t, connector);
            keys.emplace_back(key, _sequence[key] = ++_next_seq);
        }
        _topics.erase(it);
    }
    for (auto& [key, seq] : keys) write(key, std::nullopt, seq);
}

std::vector<std::string> kafka_status_store::connectors() const {
    std::lock_guard g(_mu);
    std::vector<std::string> out;
    for (auto& [k, _] : _connectors) out.push_back(k);
    return out;
}

} // namespace ferry::runtime
