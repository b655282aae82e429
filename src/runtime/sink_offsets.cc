#include "runtime/sink_offsets.hpp"

#include "kafka/client.hpp"

#include <fmt/format.h>

#include <charconv>
#include <memory>

namespace ferry::runtime {

namespace {

// Owns the librdkafka objects of one admin request.
struct admin_call {
    rd_kafka_t* rk;
    rd_kafka_queue_t* queue;
    rd_kafka_AdminOptions_t* options;
    rd_kafka_event_t* event = nullptr;

    admin_call(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms)
        : rk(rk), queue(rd_kafka_queue_new(rk)), options(rd_kafka_AdminOptions_new(rk, op)) {
        char err[256];
        rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, err, sizeof(err));
    }
    ~admin_call() {
        if (event) rd_kafka_event_destroy(event);
        rd_kafka_AdminOptions_destroy(options);
        rd_kafka_queue_destroy(queue);
    }
    admin_call(const admin_call&) = delete;
    admin_call& operator=(const admin_call&) = delete;

    // Waits for the answer; the request-level error, if any.
    result<> wait(int timeout_ms, std::string_view what) {
        event = rd_kafka_queue_poll(queue, timeout_ms + 2000);
        if (!event) return fail(errc::timeout, "{} timed out after {} ms", what, timeout_ms);
        if (rd_kafka_event_error(event))
            return fail(errc::unavailable, "{}: {}", what, rd_kafka_event_error_string(event));
        return {};
    }
};

struct partitions_deleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using partitions_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partitions_deleter>;

// The error of the single group result (and of its partitions).
std::optional<std::pair<rd_kafka_resp_err_t, std::string>> group_error(const rd_kafka_group_result_t* g) {
    if (const auto* e = rd_kafka_group_result_error(g))
        return std::pair{rd_kafka_error_code(e), std::string(rd_kafka_error_string(e))};
    if (const auto* parts = rd_kafka_group_result_partitions(g))
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].err)
                return std::pair{parts->elems[i].err,
                                 fmt::format("{}-{}: {}", parts->elems[i].topic, parts->elems[i].partition,
                                             rd_kafka_err2str(parts->elems[i].err))};
    return std::nullopt;
}

result<std::unique_ptr<kafka::admin>> make_admin(const kafka::properties& props, const std::string& connector) {
    auto a = kafka::admin::create(props, "connector-worker-adminclient-" + connector);
    if (!a)
        return fail(errc::internal, "Failed to create an admin client for connector {}: {}", connector,
                    a.error().message);
    return a;
}

result<std::map<topic_partition, int64_t>> list_offsets(rd_kafka_t* rk, const std::string& group, int timeout_ms) {
    admin_call call(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms);
    auto* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, call.options, call.queue);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    if (auto r = call.wait(timeout_ms, "ListConsumerGroupOffsets"); !r) return fail(r.error());
    size_t n = 0;
    auto** groups =
        rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(call.event), &n);
    std::map<topic_partition, int64_t> out;
    for (size_t i = 0; i < n; i++) {
        if (const auto* e = rd_kafka_group_result_error(groups[i]))
            return fail(errc::unavailable, "{}", rd_kafka_error_string(e));
        const auto* parts = rd_kafka_group_result_partitions(groups[i]);
        for (int j = 0; parts && j < parts->cnt; j++) {
            auto& p = parts->elems[j];
            if (p.err || p.offset < 0) continue; // no committed offset
            out[{p.topic, p.partition}] = p.offset;
        }
    }
    return out;
}

std::string zombie_message(std::string_view verb, const std::string& connector) {
    return fmt::format(
        "Failed to {0} consumer group offsets for connector {1} either because its tasks haven't stopped "
        "completely yet or the connector was resumed before the request to {0} its offsets could be "
        "successfully completed. If the connector is in a stopped state, this operation can be safely "
        "retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get "
        "rid of the zombie sink tasks.",
        verb, connector);
}

result<> commit_offsets(rd_kafka_t* rk, const std::string& group, const std::map<topic_partition, int64_t>& offsets,
                        const std::string& connector, int timeout_ms) {
    if (offsets.empty()) return {};
    partitions_ptr list(rd_kafka_topic_partition_list_new(int(offsets.size())));
    for (auto& [tp, off] : offsets)
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = off;
    admin_call call(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms);
    auto* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, call.options, call.queue);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    if (auto r = call.wait(timeout_ms, "AlterConsumerGroupOffsets"); !r)
        return fail(errc::internal, "Failed to alter consumer group offsets for connector {}: {}", connector,
                    r.error().message);
    size_t n = 0;
    auto** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(call.event), &n);
    for (size_t i = 0; i < n; i++)
        if (auto e = group_error(groups[i])) {
            if (e->first == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || e->first == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
                e->first == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
                return fail(errc::internal, "{}", zombie_message("alter", connector));
            return fail(errc::internal, "Failed to alter consumer group offsets for connector {}: {}", connector,
                        e->second);
        }
    return {};
}

// Deletes the whole group; not found counts as done.
result<> delete_group(rd_kafka_t* rk, const std::string& group, const std::string& connector, std::string_view verb,
                      int timeout_ms) {
    admin_call call(rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms);
    auto* req = rd_kafka_DeleteGroup_new(group.c_str());
    rd_kafka_DeleteGroups(rk, &req, 1, call.options, call.queue);
    rd_kafka_DeleteGroup_destroy(req);
    if (auto r = call.wait(timeout_ms, "DeleteGroups"); !r)
        return fail(errc::internal, "Failed to {} consumer group offsets for sink connector {}: {}", verb, connector,
                    r.error().message);
    size_t n = 0;
    auto** groups = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(call.event), &n);
    for (size_t i = 0; i < n; i++)
        if (auto e = group_error(groups[i])) {
            if (e->first == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) continue;
            if (e->first == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP)
                return fail(errc::internal, "{}", zombie_message(verb, connector));
            return fail(errc::internal, "Failed to {} consumer group offsets for sink connector {}: {}", verb,
                        connector, e->second);
        }
    return {};
}

// Removes the committed offsets of some partitions. The group is empty (the connector is stopped),
// so deleting it and committing back the offsets that stay is the same as OffsetDelete - and works
// with brokers without that API (Ferry's own; librdkafka 2.0's DeleteConsumerGroupOffsets aborts
// the process when the broker answers that it does not support it).
result<> delete_offsets(rd_kafka_t* rk, const std::string& group, const std::vector<topic_partition>& partitions,
                        const std::string& connector, int timeout_ms) {
    if (partitions.empty()) return {};
    auto current = list_offsets(rk, group, timeout_ms);
    if (!current)
        return fail(errc::internal, "Failed to alter consumer group offsets for connector {}: {}", connector,
                    current.error().message);
    size_t before = current->size();
    for (auto& tp : partitions)
        current->erase(tp);
    if (current->size() == before) return {}; // none of them had an offset
    if (auto r = delete_group(rk, group, connector, "alter", timeout_ms); !r) return r;
    return commit_offsets(rk, group, *current, connector, timeout_ms);
}

// Integer.parseInt / Long.parseLong of String.valueOf(the JSON value).
template <class T> std::optional<T> parse_integer(const value& v) {
    if (v.is_integer()) {
        auto x = v.to_int64();
        if (x < int64_t(std::numeric_limits<T>::min()) || x > int64_t(std::numeric_limits<T>::max()))
            return std::nullopt;
        return T(x);
    }
    if (v.type() != value::kind::string) return std::nullopt;
    auto& s = v.as_string();
    std::string_view sv = s;
    if (!sv.empty() && sv.front() == '+') sv.remove_prefix(1);
    T out{};
    auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), out);
    if (ec != std::errc() || p != sv.data() + sv.size() || sv.empty()) return std::nullopt;
    return out;
}

std::string java_text(const value& v) {
    return v.type() == value::kind::string ? v.as_string() : to_java_string(v);
}

} // namespace

result<std::vector<connector_offset>> read_sink_offsets(const kafka::properties& admin_props, const std::string& group,
                                                        const std::string& connector, int timeout_ms) {
    auto admin = make_admin(admin_props, connector);
    if (!admin) return fail(admin.error());
    auto offsets = list_offsets((*admin)->handle(), group, timeout_ms);
    if (!offsets)
        return fail(errc::internal, "Failed to retrieve consumer group offsets for sink connector {}: {}", connector,
                    offsets.error().message);
    std::vector<connector_offset> out;
    for (auto& [tp, off] : *offsets) {
        value::map_type partition, offset;
        partition.emplace_back(value("kafka_partition"), value(int32_t(tp.partition)));
        partition.emplace_back(value("kafka_topic"), value(tp.topic));
        offset.emplace_back(value("kafka_offset"), value(int64_t(off)));
        out.push_back({value(std::move(partition)), value(std::move(offset))});
    }
    return out;
}

result<sink_offsets> parse_sink_offsets(const std::vector<connector_offset>& offsets) {
    sink_offsets out;
    for (auto& o : offsets) {
        if (o.partition.is_null())
            return fail(errc::invalid_argument, "The partition for a sink connector offset cannot be null or missing");
        const value* topic = o.partition.type() == value::kind::map ? o.partition.map_get("kafka_topic") : nullptr;
        const value* part = o.partition.type() == value::kind::map ? o.partition.map_get("kafka_partition") : nullptr;
        if (!topic || !part)
            return fail(
                errc::invalid_argument,
                "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
        if (topic->is_null())
            return fail(errc::invalid_argument, "Kafka topic names must be valid strings and may not be null");
        if (part->is_null())
            return fail(errc::invalid_argument, "Kafka partitions must be valid numbers and may not be null");
        auto p = parse_integer<int32_t>(*part);
        if (!p)
            return fail(errc::invalid_argument,
                        "Failed to parse the following Kafka partition value in the provided offsets: '{}'. Partition "
                        "values for sink connectors need to be integers.",
                        java_text(*part));
        topic_partition tp{java_text(*topic), *p};
        if (o.offset.is_null()) {
            out[tp] = std::nullopt;
            continue;
        }
        const value* off = o.offset.type() == value::kind::map ? o.offset.map_get("kafka_offset") : nullptr;
        if (!off)
            return fail(errc::invalid_argument,
                        "The offset for a sink connector should either be null or contain the key 'kafka_offset'");
        auto n = parse_integer<int64_t>(*off);
        if (!n)
            return fail(errc::invalid_argument,
                        "Failed to parse the following Kafka offset value in the provided offsets: '{}'. Offset values "
                        "for sink connectors need to be integers.",
                        java_text(*off));
        out[tp] = *n;
    }
    return out;
}

result<> alter_sink_offsets(const kafka::properties& admin_props, const std::string& group, const sink_offsets& offsets,
                            const std::string& connector, int timeout_ms) {
    auto admin = make_admin(admin_props, connector);
    if (!admin) return fail(admin.error());
    std::map<topic_partition, int64_t> commits;
    std::vector<topic_partition> deletes;
    for (auto& [tp, off] : offsets) {
        if (off)
            commits[tp] = *off;
        else
            deletes.push_back(tp);
    }
    if (auto r = commit_offsets((*admin)->handle(), group, commits, connector, timeout_ms); !r) return r;
    return delete_offsets((*admin)->handle(), group, deletes, connector, timeout_ms);
}

result<> reset_sink_offsets(const kafka::properties& admin_props, const std::string& group,
                            const std::string& connector, int timeout_ms) {
    auto admin = make_admin(admin_props, connector);
    if (!admin) return fail(admin.error());
    return delete_group((*admin)->handle(), group, connector, "reset", timeout_ms);
}

} // namespace ferry::runtime
