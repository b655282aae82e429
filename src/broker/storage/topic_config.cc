#include "broker/storage/compression.hpp"
#include "broker/storage/log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ferry::broker::storage {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

result<> bad(std::string_view key, std::string_view value, std::string_view why) {
    return fail(errc::invalid_argument, "INVALID_CONFIG: invalid value '{}' for configuration {}: {}", value, key, why);
}

result<int64_t> parse_long(std::string_view key, std::string_view raw, int64_t min, int64_t max = INT64_MAX) {
    std::string_view v = trim(raw);
    int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return fail(bad(key, raw, "not a number").error());
    if (out < min) return fail(bad(key, raw, fmt::format("value must be at least {}", min)).error());
    if (out > max) return fail(bad(key, raw, fmt::format("value must be at most {}", max)).error());
    return out;
}

result<bool> parse_bool(std::string_view key, std::string_view raw) {
    std::string v(trim(raw));
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true") return true;
    if (v == "false") return false;
    return fail(bad(key, raw, "expected true or false").error());
}

result<double> parse_double(std::string_view key, std::string_view raw, double min, double max) {
    std::string v(trim(raw));
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size()) return fail(bad(key, raw, "not a number").error());
    if (d < min || d > max) return fail(bad(key, raw, fmt::format("value must be in [{}, {}]", min, max)).error());
    return d;
}

std::string render_long(int64_t v) {
    return std::to_string(v);
}
std::string render_double(double d) {
    std::string s = fmt::format("{}", d);
    if (s.find_first_of(".eE") == std::string::npos) s += ".0"; // Java renders doubles as 0.5, 1.0
    return s;
}

// How each key is parsed, applied and rendered. Keys Ferry does not act on (replication,
// tiered storage, preallocation, ...) are still validated and described with Kafka's defaults.
struct key_spec {
    const char* name;
    const char* kafka_default; // rendering when neither topic nor broker sets it
    result<> (*apply)(topic_config&, std::string_view key, std::string_view value);
    std::string (*render)(const topic_config&); // nullptr: not modelled, render the default
};

#define FIELD_LONG(field, min)                                                                                         \
    [](topic_config& c, std::string_view k, std::string_view v) -> result<> {                                          \
        auto r = parse_long(k, v, min);                                                                                \
        if (!r) return fail(std::move(r.error()));                                                                     \
        c.field = *r;                                                                                                  \
        return {};                                                                                                     \
    },                                                                                                                 \
        [](const topic_config& c) { return render_long(c.field); }

#define FIELD_INT(field, min)                                                                                          \
    [](topic_config& c, std::string_view k, std::string_view v) -> result<> {                                          \
        auto r = parse_long(k, v, min, INT32_MAX);                                                                     \
        if (!r) return fail(std::move(r.error()));                                                                     \
        c.field = int32_t(*r);                                                                                         \
        return {};                                                                                                     \
    },                                                                                                                 \
        [](const topic_config& c) { return render_long(c.field); }

#define CHECK_LONG(min, max)                                                                                           \
    [](topic_config&, std::string_view k, std::string_view v) -> result<> {                                            \
        auto r = parse_long(k, v, min, max);                                                                           \
        if (!r) return fail(std::move(r.error()));                                                                     \
        return {};                                                                                                     \
    },                                                                                                                 \
        nullptr

#define CHECK_BOOL                                                                                                     \
    [](topic_config&, std::string_view k, std::string_view v) -> result<> {                                            \
        auto r = parse_bool(k, v);                                                                                     \
        if (!r) return fail(std::move(r.error()));                                                                     \
        return {};                                                                                                     \
    },                                                                                                                 \
        nullptr

#define ANY_STRING [](topic_config&, std::string_view, std::string_view) -> result<> { return {}; }, nullptr

const std::vector<key_spec>& specs() {
    static const std::vector<key_spec> s = {
        {"cleanup.policy", "delete",
         [](topic_config& c, std::string_view k, std::string_view v) -> result<> {
             bool del = false, comp = false;
             std::string_view rest = v;
             while (!trim(rest).empty()) {
                 auto comma = rest.find(',');
                 std::string_view item = trim(rest.substr(0, comma));
                 if (item == "delete")
                     del = true;
                 else if (item == "compact")
                     comp = true;
                 else
                     return bad(k, v, "each policy must be 'compact' or 'delete'");
                 if (comma == std::string_view::npos) break;
                 rest.remove_prefix(comma + 1);
             }
             c.cleanup_delete = del;
             c.cleanup_compact = comp;
             return {};
         },
         [](const topic_config& c) -> std::string {
             if (c.cleanup_compact && c.cleanup_delete) return "compact,delete";
             if (c.cleanup_compact) return "compact";
             if (c.cleanup_delete) return "delete";
             return "";
         }},
        {"compression.type", "producer",
         [](topic_config& c, std::string_view k, std::string_view v) -> result<> {
             std::string t(trim(v));
             std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
             if (t != "producer" && t != "uncompressed" && !codec_from_name(t))
                 return bad(k, v, "expected one of uncompressed, zstd, lz4, snappy, gzip, producer");
             c.compression_type = t;
             return {};
         },
         [](const topic_config& c) { return c.compression_type; }},
        {"delete.retention.ms", "86400000", FIELD_LONG(delete_retention_ms, 0)},
        {"file.delete.delay.ms", "60000", CHECK_LONG(0, INT64_MAX)},
        {"flush.messages", "9223372036854775807", FIELD_LONG(flush_messages, 1)},
        {"flush.ms", "9223372036854775807", FIELD_LONG(flush_ms, 0)},
        {"follower.replication.throttled.replicas", "", ANY_STRING},
        {"index.interval.bytes", "4096", FIELD_INT(index_interval_bytes, 0)},
        {"leader.replication.throttled.replicas", "", ANY_STRING},
        {"local.retention.bytes", "-2", CHECK_LONG(-2, INT64_MAX)},
        {"local.retention.ms", "-2", CHECK_LONG(-2, INT64_MAX)},
        {"max.compaction.lag.ms", "9223372036854775807", FIELD_LONG(max_compaction_lag_ms, 1)},
        {"max.message.bytes", "1048588", FIELD_INT(max_message_bytes, 0)},
        {"message.downconversion.enable", "true", CHECK_BOOL},
        {"message.format.version", "3.0-IV1", ANY_STRING},
        {"message.timestamp.after.max.ms", "9223372036854775807", FIELD_LONG(message_timestamp_after_max_ms, 0)},
        {"message.timestamp.before.max.ms", "9223372036854775807", FIELD_LONG(message_timestamp_before_max_ms, 0)},
        {"message.timestamp.difference.max.ms", "9223372036854775807",
         // Deprecated by KIP-937; it bounds both directions unless before/after are set explicitly.
         [](topic_config& c, std::string_view k, std::string_view v) -> result<> {
             auto r = parse_long(k, v, 0);
             if (!r) return fail(std::move(r.error()));
             if (!c.overrides.count("message.timestamp.before.max.ms")) c.message_timestamp_before_max_ms = *r;
             if (!c.overrides.count("message.timestamp.after.max.ms")) c.message_timestamp_after_max_ms = *r;
             return {};
         },
         nullptr},
        {"message.timestamp.type", "CreateTime",
         [](topic_config& c, std::string_view k, std::string_view v) -> result<> {
             std::string_view t = trim(v);
             if (t == "CreateTime")
                 c.log_append_time = false;
             else if (t == "LogAppendTime")
                 c.log_append_time = true;
             else
                 return bad(k, v, "expected CreateTime or LogAppendTime");
             return {};
         },
         [](const topic_config& c) -> std::string { return c.log_append_time ? "LogAppendTime" : "CreateTime"; }},
        {"min.cleanable.dirty.ratio", "0.5",
         [](topic_config& c, std::string_view k, std::string_view v) -> result<> {
             auto r = parse_double(k, v, 0.0, 1.0);
             if (!r) return fail(std::move(r.error()));
             c.min_cleanable_dirty_ratio = *r;
             return {};
         },
         [](const topic_config& c) { return render_double(c.min_cleanable_dirty_ratio); }},
        {"min.compaction.lag.ms", "0", FIELD_LONG(min_compaction_lag_ms, 0)},
        {"min.insync.replicas", "1", CHECK_LONG(1, INT32_MAX)},
        {"preallocate", "false", CHECK_BOOL},
        {"remote.storage.enable", "false", CHECK_BOOL},
        {"retention.bytes", "-1", FIELD_LONG(retention_bytes, INT64_MIN)},
        {"retention.ms", "604800000", FIELD_LONG(retention_ms, -1)},
        {"segment.bytes", "1073741824", FIELD_INT(segment_bytes, 14)},
        {"segment.index.bytes", "10485760", FIELD_INT(segment_index_bytes, 4)},
        {"segment.jitter.ms", "0", CHECK_LONG(0, INT64_MAX)},
        {"segment.ms", "604800000", FIELD_LONG(segment_ms, 1)},
        {"unclean.leader.election.enable", "false", CHECK_BOOL},
    };
    return s;
}

#undef FIELD_LONG
#undef FIELD_INT
#undef CHECK_LONG
#undef CHECK_BOOL
#undef ANY_STRING

const key_spec* find_spec(std::string_view key) {
    for (const auto& s : specs())
        if (key == s.name) return &s;
    return nullptr;
}

} // namespace

result<> topic_config::set(std::string_view key, std::string_view value) {
    const key_spec* s = find_spec(key);
    if (!s) return fail(errc::invalid_argument, "INVALID_CONFIG: unknown topic configuration '{}'", key);
    if (auto r = s->apply(*this, key, value); !r) return r;
    overrides[std::string(key)] = std::string(value);
    return {};
}

std::vector<std::pair<std::string, std::string>> topic_config::describe() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& s : specs()) {
        auto it = overrides.find(s.name);
        if (it != overrides.end() && std::string_view(s.name) == "cleanup.policy") {
            // Kafka renders a list override in the order given, items trimmed and comma-joined.
            std::string joined;
            std::string_view rest = it->second;
            while (true) {
                auto comma = rest.find(',');
                std::string_view item = trim(rest.substr(0, comma));
                if (!item.empty()) joined += (joined.empty() ? "" : ",") + std::string(item);
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
            out.emplace_back(s.name, joined);
        } else if (s.render)
            out.emplace_back(s.name, s.render(*this));
        else if (it != overrides.end())
            out.emplace_back(s.name, it->second);
        else
            out.emplace_back(s.name, s.kafka_default);
    }
    return out;
}

result<topic_config> topic_config::with_overrides(const topic_config& defaults,
                                                  const std::map<std::string, std::string>& overrides) {
    topic_config c = defaults;
    c.overrides.clear();
    // Apply the deprecated difference key last so explicit before/after settings win over it.
    for (const auto& [k, v] : overrides)
        if (k != "message.timestamp.difference.max.ms")
            if (auto r = c.set(k, v); !r) return fail(std::move(r.error()));
    if (auto it = overrides.find("message.timestamp.difference.max.ms"); it != overrides.end())
        if (auto r = c.set(it->first, it->second); !r) return fail(std::move(r.error()));
    return c;
}

const std::vector<std::string>& topic_config::known_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> k;
        for (const auto& s : specs())
            k.emplace_back(s.name);
        return k;
    }();
    return keys;
}

} // namespace ferry::broker::storage
