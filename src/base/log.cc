#include "base/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>

namespace ferry::log {
namespace {

struct registry {
    std::mutex mu;
    spdlog::sink_ptr sink;
    std::map<std::string, logger_ptr, std::less<>> loggers;
    std::map<std::string, level_info, std::less<>> explicit_levels; // includes "root"
    spdlog::level::level_enum root = spdlog::level::info;
};

registry& reg() {
    static registry r;
    return r;
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view s) {
    std::string u(s);
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return std::toupper(c); });
    if (u == "TRACE") return spdlog::level::trace;
    if (u == "DEBUG") return spdlog::level::debug;
    if (u == "INFO") return spdlog::level::info;
    if (u == "WARN" || u == "WARNING") return spdlog::level::warn;
    if (u == "ERROR") return spdlog::level::err;
    if (u == "FATAL" || u == "CRITICAL") return spdlog::level::critical;
    if (u == "OFF") return spdlog::level::off;
    return std::nullopt;
}

const char* kafka_level_name(spdlog::level::level_enum l) {
    switch (l) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "FATAL";
    default: return "OFF";
    }
}

spdlog::sink_ptr sink_locked(registry& r) {
    if (!r.sink) {
        r.sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        r.sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%-5l%$ %n: %v");
    }
    return r.sink;
}

// The effective level of a logger: the most specific explicit setting among its dotted prefixes.
spdlog::level::level_enum effective_locked(registry& r, std::string_view name) {
    std::string_view best;
    const level_info* found = nullptr;
    for (auto& [k, v] : r.explicit_levels) {
        if (k == "root") continue;
        bool prefix = name == k || (name.size() > k.size() && name.substr(0, k.size()) == k && name[k.size()] == '.');
        if (prefix && k.size() >= best.size()) {
            best = k;
            found = &v;
        }
    }
    if (found) return *parse_level(found->level);
    return r.root;
}

} // namespace

void init(std::string_view default_level) {
    auto& r = reg();
    std::lock_guard g(r.mu);
    sink_locked(r);
    const char* env = std::getenv("FERRY_LOG_LEVEL");
    auto lvl = parse_level(env ? env : default_level);
    r.root = lvl.value_or(spdlog::level::info);
    for (auto& [name, l] : r.loggers) l->set_level(effective_locked(r, name));
}

logger_ptr get(std::string_view name) {
    auto& r = reg();
    std::lock_guard g(r.mu);
    if (auto it = r.loggers.find(name); it != r.loggers.end()) return it->second;
    auto l = std::make_shared<spdlog::logger>(std::string(name), sink_locked(r));
    l->set_level(effective_locked(r, name));
    l->flush_on(spdlog::level::warn);
    r.loggers.emplace(std::string(name), l);
    return l;
}

std::map<std::string, level_info> levels() {
    auto& r = reg();
    std::lock_guard g(r.mu);
    std::map<std::string, level_info> out;
    auto root = r.explicit_levels.find("root");
    out["root"] = root != r.explicit_levels.end() ? root->second : level_info{kafka_level_name(r.root), std::nullopt};
    for (auto& [k, v] : r.explicit_levels) out[k] = v;
    return out;
}

std::optional<level_info> level_of(std::string_view name) {
    auto& r = reg();
    std::lock_guard g(r.mu);
    if (auto it = r.explicit_levels.find(name); it != r.explicit_levels.end()) return it->second;
    if (name == "root") return level_info{kafka_level_name(r.root), std::nullopt};
    if (auto it = r.loggers.find(name); it != r.loggers.end())
        return level_info{kafka_level_name(it->second->level()), std::nullopt};
    return std::nullopt;
}

namespace {

// The Java namespaces Kafka Connect, Debezium and Confluent users put into /admin/loggers, and
// the Ferry logger doing that code's work. A namespace that contains one of these packages, or a
// class inside one, sets the Ferry logger too: "org.apache.kafka.connect" reaches every runtime
// logger, "io.debezium.connector.postgresql.PostgresStreamingChangeEventSource" the PostgreSQL
// connector's (Ferry's loggers are per subsystem, not per class).
constexpr std::pair<std::string_view, std::string_view> java_namespaces[] = {
    {"runtime", "org.apache.kafka.connect.runtime"},
    {"runtime.errors", "org.apache.kafka.connect.runtime.errors"},
    {"runtime.herder", "org.apache.kafka.connect.runtime.distributed"},
    {"runtime.herder", "org.apache.kafka.connect.runtime.standalone"},
    {"rest", "org.apache.kafka.connect.runtime.rest"},
    {"storage", "org.apache.kafka.connect.storage"},
    {"config", "org.apache.kafka.common.config"},
    {"kafka", "org.apache.kafka.clients"},
    {"connector.file", "org.apache.kafka.connect.file"},
    {"connector.jdbc", "io.confluent.connect.jdbc"},
    {"connector.postgres-cdc", "io.debezium.connector.postgresql"},
    {"schema-registry-client", "io.confluent.kafka.schemaregistry.client"},
    {"schema-registry", "io.confluent.kafka.schemaregistry"},
};

bool within(std::string_view name, std::string_view ns) {
    return name == ns || (name.size() > ns.size() && name.starts_with(ns) && name[ns.size()] == '.');
}

} // namespace

std::optional<std::vector<std::string>> set_level(std::string_view name, std::string_view level) {
    auto lvl = parse_level(level);
    if (!lvl) return std::nullopt;
    auto& r = reg();
    std::lock_guard g(r.mu);
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    std::vector<std::string> changed;
    if (name == "root") {
        r.root = *lvl;
        r.explicit_levels.clear();
        r.explicit_levels["root"] = level_info{kafka_level_name(*lvl), now};
    } else {
        r.explicit_levels[std::string(name)] = level_info{kafka_level_name(*lvl), now};
        for (auto& [ferry_name, java] : java_namespaces)
            if (within(java, name) || within(name, java))
                r.explicit_levels[std::string(ferry_name)] = level_info{kafka_level_name(*lvl), now};
    }
    for (auto& [n, l] : r.loggers) {
        auto eff = effective_locked(r, n);
        if (eff != l->level() || n == name) {
            l->set_level(eff);
            changed.push_back(n);
        }
    }
    if (std::find(changed.begin(), changed.end(), name) == changed.end()) changed.insert(changed.begin(), std::string(name));
    return changed;
}

} // namespace ferry::log
