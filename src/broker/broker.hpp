#pragma once
// Ferry's single-node Kafka-protocol broker: the embedded Kafka of `ferry dev`, the test broker
// of the integration tests, and `ferry broker broker.properties` on its own.
//
// Lifecycle. broker::start() opens (and recovers) the log dir through the storage layer, rebuilds
// producer/transaction state from the logs, reloads groups, offsets and transactional ids from
// the coordinator journal, binds the listener and starts serving; when it returns, clients can
// connect. stop() (also run by the destructor) closes every connection, finishes the
// coordinator's queued work, fsyncs the journal and closes the logs. A process killed instead
// loses nothing that storage's flush policy and the page cache kept (a SIGKILL loses nothing;
// power loss loses at most the unflushed tail).
//
// Threads: `network_threads` epoll loops that also run the produce/fetch/metadata/admin
// handlers, one coordinator thread for groups and transactions, and storage's background thread.
//
// Scope: one node, no replication, PLAINTEXT only. Replication factors above 1 are clamped to 1
// with a warning by default (Kafka Connect and the Schema Registry ask for 3), or rejected with
// INVALID_REPLICATION_FACTOR when `ferry.replication.factor.clamp=false`.

#include "base/error.hpp"
#include "broker/storage/log.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ferry::broker {

struct broker_config {
    std::string listener = "127.0.0.1:9092"; // host:port to bind; port 0 = any free port
    std::string advertised;                  // host:port clients are told; empty = the listener's
    std::string log_dir;                     // required
    int32_t node_id = 0;
    int32_t num_partitions = 1;
    int16_t default_replication_factor = 1;
    bool auto_create_topics = true;
    bool clamp_replication_factor = true;
    int32_t group_initial_rebalance_delay_ms = 3000;
    int32_t group_min_session_timeout_ms = 6000;
    int32_t group_max_session_timeout_ms = 1800000;
    int64_t offsets_retention_minutes = 10080;
    int32_t transaction_max_timeout_ms = 900000;
    int64_t transaction_abort_check_interval_ms = 10000;
    int64_t transactional_id_expiration_ms = 604800000;
    int64_t producer_id_expiration_ms = 86400000;
    int network_threads = 1;
    int64_t socket_request_max_bytes = 104857600;
    // Storage: broker-level topic defaults (log.retention.*, log.segment.bytes, ...), schedules.
    storage::log_manager_config storage;
    // Every property as given (DescribeConfigs reports them as the broker's static config).
    std::map<std::string, std::string> properties;
    // Unit tests only: keep the logs in memory (nothing durable).
    bool in_memory = false;
};

// Builds a config from Kafka server.properties keys (listeners, advertised.listeners, log.dirs,
// num.partitions, log.retention.hours/minutes/ms/bytes, log.segment.bytes,
// auto.create.topics.enable, log.flush.interval.*, group.initial.rebalance.delay.ms,
// node.id/broker.id, ...). Unknown Kafka keys are accepted and ignored.
result<broker_config> broker_config_from_properties(const std::map<std::string, std::string>& props);

class broker {
public:
    static result<std::unique_ptr<broker>> start(broker_config cfg);
    ~broker();
    broker(const broker&) = delete;
    broker& operator=(const broker&) = delete;

    // "host:port" as advertised, for bootstrap.servers.
    std::string bootstrap_servers() const;
    uint16_t port() const;
    void stop();

    // Broker metrics in Prometheus text exposition format (bytes in/out, requests per API,
    // partition sizes, group states).
    std::string metrics_text() const;

    storage::log_manager& logs();
    const broker_config& config() const;

    struct impl;

private:
    explicit broker(std::unique_ptr<impl> p);
    std::unique_ptr<impl> _impl;
};

// `ferry broker broker.properties [--override key=value ...]`: runs until SIGINT/SIGTERM.
// `args` are the arguments after the subcommand. Returns the process exit code.
int broker_main(const std::vector<std::string>& args);

} // namespace ferry::broker
