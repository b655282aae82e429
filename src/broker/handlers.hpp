#pragma once
// The request handlers: one function per API, dispatched by api key.
//
// Produce, Fetch, ListOffsets, Metadata, ApiVersions and the admin APIs run on the network thread
// that read the request (storage and the partition registry are thread-safe). Group and
// transaction APIs are decoded there and posted to the coordinator thread, which answers through
// the request's reply token. A Fetch that finds fewer than min_bytes parks on its network thread
// until data arrives (storage's append listener signals the loops) or max_wait_ms passes.

#include "broker/broker.hpp"
#include "broker/executor.hpp"
#include "broker/group_coordinator.hpp"
#include "broker/metrics.hpp"
#include "broker/network/server.hpp"
#include "broker/partition_state.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/txn_coordinator.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace ferry::broker {

struct api_context {
    const broker_config* cfg = nullptr;
    storage::log_manager* logs = nullptr;
    partition_registry* partitions = nullptr;
    executor* exec = nullptr;
    group_coordinator* groups = nullptr;
    txn_coordinator* txns = nullptr;
    broker_metrics* metrics = nullptr;
    std::string advertised_host;
    int32_t advertised_port = 0;
    std::string cluster_id;
};

class kafka_api final : public net::request_handler {
public:
    explicit kafka_api(api_context ctx) : _c(std::move(ctx)) {}

    net::outcome handle(net::request_context& ctx, char* body, size_t size) override;
    // Before serving: the address clients are told (known once the listener is bound).
    void set_advertised(std::string host, int32_t port) {
        _c.advertised_host = std::move(host);
        _c.advertised_port = port;
    }

    // Topic name rules (legal characters, length, not "." or "..").
    static bool valid_topic_name(const std::string& name);

private:
    struct parked_fetch;

    net::outcome api_versions(net::request_context& ctx, char* body, size_t size);
    net::outcome metadata(net::request_context& ctx, char* body, size_t size);
    net::outcome produce(net::request_context& ctx, char* body, size_t size);
    net::outcome fetch(net::request_context& ctx, char* body, size_t size);
    net::outcome list_offsets(net::request_context& ctx, char* body, size_t size);
    net::outcome find_coordinator(net::request_context& ctx, char* body, size_t size);
    net::outcome offset_for_leader_epoch(net::request_context& ctx, char* body, size_t size);
    net::outcome describe_cluster(net::request_context& ctx, char* body, size_t size);
    net::outcome group_api(net::request_context& ctx, char* body, size_t size);
    net::outcome txn_api(net::request_context& ctx, char* body, size_t size);
    // handlers_admin.cc
    net::outcome create_topics(net::request_context& ctx, char* body, size_t size);
    net::outcome delete_topics(net::request_context& ctx, char* body, size_t size);
    net::outcome create_partitions(net::request_context& ctx, char* body, size_t size);
    net::outcome describe_configs(net::request_context& ctx, char* body, size_t size);
    net::outcome alter_configs(net::request_context& ctx, char* body, size_t size, bool incremental);
    net::outcome delete_records(net::request_context& ctx, char* body, size_t size);

    // Runs one fetch pass; returns the bytes of record data collected.
    // `seen` (optional) receives each partition's append count, read before the partition was.
    size_t run_fetch(proto::fetch_request& req, proto::fetch_response& resp, bool& any_error,
                     std::vector<std::pair<std::shared_ptr<partition_state>, uint64_t>>* seen = nullptr);
    void complete_parked(const std::shared_ptr<parked_fetch>& pf, bool timed_out);
    // Auto-creates a topic for Metadata; false if it could not be created.
    bool auto_create(const std::string& topic);

    api_context _c;
};

} // namespace ferry::broker
