#include "runtime/distributed/kafka_config_store.hpp"

#include "base/json_writer.hpp"
#include "base/log.hpp"

#include <rapidjson/document.h>

namespace ferry::runtime {

namespace {
log::logger_ptr logger() {
    static auto l = log::get("runtime.config");
    return l;
}

constexpr auto write_timeout = std::chrono::seconds(30);

std::optional<config_map> parse_properties(std::string_view json) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("properties") || !d["properties"].IsObject())
        return std::nullopt;
    config_map m;
    for (auto& e : d["properties"].GetObject()) {
        if (e.value.IsString()) m[e.name.GetString()] = std::string(e.value.GetString(), e.value.GetStringLength());
        else if (e.value.IsNull()) continue;
        else if (e.value.IsBool()) m[e.name.GetString()] = e.value.GetBool() ? "true" : "false";
        else if (e.value.IsInt64()) m[e.name.GetString()] = std::to_string(e.value.GetInt64());
    }
    return m;
}

bool read_bool(const rapidjson::Value& o, const char* k) { return o.HasMember(k) && o[k].IsBool() && o[k].GetBool(); }
} // namespace

kafka_config_store::~kafka_config_store() { stop(); }

std::string kafka_config_store::encode_properties(const config_map& m) {
    json_writer w;
    w.begin_object().key("properties").string_map(m).end_object();
    return w.take();
}

std::string kafka_config_store::encode_target_state(target_state s) {
    // Workers older than KIP-875 read "state" only and know no STOPPED: they see PAUSED.
    json_writer w;
    w.begin_object().key("state").str(s == target_state::stopped ? "PAUSED" : target_state_name(s));
    w.key("state.v2").str(target_state_name(s)).end_object();
    return w.take();
}

result<> kafka_config_store::start() {
    auto log = storage::kafka_log::start(_opts, [this](const storage::log_record& r) { apply(r); });
    if (!log) return fail(log.error());
    _log = std::move(*log);
    return {};
}

void kafka_config_store::stop() {
    if (_log) _log->stop();
}

result<> kafka_config_store::read_to_end(std::chrono::milliseconds timeout) { return _log->read_to_end(timeout); }

config_snapshot kafka_config_store::snapshot() const {
    std::lock_guard g(_mu);
    return _state;
}

void kafka_config_store::apply(const storage::log_record& r) {
    if (!r.key) return;
    std::string_view key = *r.key;
    std::function<void()> notify;
    {
        std::lock_guard g(_mu);
        _state.offset = r.offset + 1;
        rapidjson::Document d;
        if (r.value) {
            d.Parse(r.value->data(), r.value->size());
            if (d.HasParseError() || !d.IsObject()) {
                logger()->error("Ignoring config topic record {} at offset {}: the value is not a JSON object", key,
                                r.offset);
                return;
            }
        }
        // Prefixes in Kafka Connect's order of precedence.
        if (key.starts_with("target-state-")) {
            std::string c(key.substr(13));
            if (!r.value) {
                _state.target_states.erase(c);
            } else {
                const char* field = d.HasMember("state.v2") ? "state.v2" : "state";
                std::optional<target_state> ts;
                if (d.HasMember(field) && d[field].IsString()) ts = target_state_from_name(d[field].GetString());
                if (!ts) {
                    logger()->error("Invalid target state for connector {} at offset {}", c, r.offset);
                    return;
                }
                _state.target_states[c] = *ts;
            }
            notify = [this, c] { _listener->on_target_state(c); };
        } else if (key.starts_with("connector-")) {
            std::string c(key.substr(10));
            if (!r.value) {
                _state.connectors.erase(c);
                _state.target_states.erase(c);
                _state.tasks.erase(c);
                _state.inconsistent.erase(c);
                _deferred.erase(c);
                notify = [this, c] { _listener->on_connector_config(c, true); };
            } else {
                auto props = parse_properties(*r.value);
                if (!props) {
                    logger()->error("Invalid connector config for {} at offset {}", c, r.offset);
                    return;
                }
                _state.connectors[c] = std::move(*props);
                notify = [this, c] { _listener->on_connector_config(c, false); };
            }
        } else if (key.starts_with("task-")) {
            auto rest = key.substr(5);
            auto dash = rest.rfind('-');
            if (dash == std::string_view::npos) return;
            std::string c(rest.substr(0, dash));
            int32_t n = std::atoi(std::string(rest.substr(dash + 1)).c_str());
            if (!r.value) return; // task tombstones are ignored, as in Kafka Connect
            auto props = parse_properties(*r.value);
            if (!props) {
                logger()->error("Invalid task config for {} at offset {}", std::string(key), r.offset);
                return;
            }
            _deferred[c][n] = std::move(*props);
        } else if (key.starts_with("commit-")) {
            std::string c(key.substr(7));
            if (!r.value || !d.HasMember("tasks") || !d["tasks"].IsInt()) return;
            int32_t n = d["tasks"].GetInt();
            auto& def = _deferred[c];
            bool complete = true;
            for (int32_t i = 0; i < n; i++)
                if (!def.count(i)) complete = false;
            if (!complete) {
                // Keep the last consistent task set; the connector must regenerate its tasks.
                logger()->warn("Task configs of connector {} at offset {} are incomplete: marked inconsistent", c,
                               r.offset);
                _state.inconsistent.insert(c);
            } else {
                std::vector<config_map> tasks;
                for (int32_t i = 0; i < n; i++) tasks.push_back(def[i]);
                _state.tasks[c] = std::move(tasks);
                _state.inconsistent.erase(c);
            }
            _deferred.erase(c);
            notify = [this, c] { _listener->on_task_configs(c); };
        } else if (key.starts_with("restart-connector-")) {
            if (!r.value) return;
            restart_request rr{std::string(key.substr(18)), read_bool(d, "include-tasks"), read_bool(d, "only-failed")};
            notify = [this, rr] { _listener->on_restart_request(rr); };
        } else if (key.starts_with("tasks-fencing-")) {
            // Exactly-once source support is not implemented; fencing records are not needed.
        } else if (key == "session-key") {
            if (r.value) _state.session_key_json = std::string(*r.value);
            notify = [this] { _listener->on_session_key(); };
        } else if (key.starts_with("logger-cluster-")) {
            if (!r.value || !d.HasMember("level") || !d["level"].IsString()) return;
            std::string ns(key.substr(15)), level = d["level"].GetString();
            notify = [this, ns, level] { _listener->on_logger_level(ns, level); };
        } else {
            logger()->warn("Unknown key '{}' in the config topic at offset {}", std::string(key), r.offset);
        }
    }
    if (notify && _listener) notify();
}

result<> kafka_config_store::write(const std::string& key, std::optional<std::string> value) {
    if (!_log) return fail(errc::internal, "config store not started");
    return _log->send_sync(key, value ? std::optional<std::string_view>(*value) : std::nullopt, write_timeout);
}

result<> kafka_config_store::put_connector_config(const std::string& c, const config_map& cfg) {
    return write("connector-" + c, encode_properties(cfg));
}

result<> kafka_config_store::remove_connector(const std::string& c) {
    if (auto r = write("connector-" + c, std::nullopt); !r) return r;
    return write("target-state-" + c, std::nullopt);
}

result<> kafka_config_store::put_target_state(const std::string& c, target_state s) {
    return write("target-state-" + c, encode_target_state(s));
}

result<> kafka_config_store::put_task_configs(const std::string& c, const std::vector<config_map>& tasks) {
    // Read to the end first so that this write is ordered after everything we know (spec 4.2).
    if (auto r = read_to_end(write_timeout); !r) return r;
    for (size_t i = 0; i < tasks.size(); i++)
        if (auto r = _log->send("task-" + c + "-" + std::to_string(i), encode_properties(tasks[i])); !r) return r;
    if (auto r = _log->flush(write_timeout); !r) return r;
    if (auto r = read_to_end(write_timeout); !r) return r;
    json_writer w;
    w.begin_object().key("tasks").num(int64_t(tasks.size())).end_object();
    if (auto r = write("commit-" + c, w.take()); !r) return r;
    return read_to_end(write_timeout);
}

result<> kafka_config_store::put_restart_request(const restart_request& rr) {
    json_writer w;
    w.begin_object().key("include-tasks").boolean(rr.include_tasks).key("only-failed").boolean(rr.only_failed).end_object();
    return write("restart-connector-" + rr.connector, w.take());
}

result<> kafka_config_store::put_logger_level(const std::string& ns, const std::string& level) {
    json_writer w;
    w.begin_object().key("level").str(level).end_object();
    return write("logger-cluster-" + ns, w.take());
}

result<> kafka_config_store::put_session_key(const std::string& json) { return write("session-key", json); }

} // namespace ferry::runtime
