#pragma once
// Configuration of io.debezium.connector.postgresql.PostgresConnector: Debezium's keys and
// defaults (spec debezium-postgres.md section 1) in one config_def table, and the parsed,
// typed settings the task works with.

#include "ferry/config/config_def.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::plugins::postgres_cdc {

inline constexpr const char* connector_class = "io.debezium.connector.postgresql.PostgresConnector";
inline constexpr const char* task_class_name = "io.debezium.connector.postgresql.PostgresConnectorTask";
// What source.version carries: Ferry's own version in Debezium's "<x.y.z>.Final" shape would claim
// a Debezium release, so it is Ferry's version string.
inline constexpr const char* connector_name = "postgresql";

const config::config_def& config_definition();

enum class snapshot_mode { initial, initial_only, no_data, always, when_needed };
enum class decimal_mode { precise, double_, string };
enum class time_precision { adaptive, adaptive_time_microseconds, connect, isostring, microseconds, nanoseconds };
enum class binary_mode { bytes, base64, base64_url_safe, hex };
enum class interval_mode { numeric, string };
enum class hstore_mode { json, map };
enum class autocreate_mode { disabled, all_tables, filtered, no_tables };
enum class lsn_flush_mode { connector, manual, connector_and_driver };

// column.mask.with.<N>.chars / column.mask.hash.<alg>.with.salt.<salt> / column.truncate.to.<N>.chars
struct column_rule {
    enum kind { mask, hash, truncate } k = mask;
    int length = 0;            // mask and truncate
    std::string algorithm;     // hash: Java MessageDigest name (SHA-256, MD5 ...)
    std::string salt;          // hash
    bool v2 = false;           // column.mask.hash.v2.*
    std::vector<std::string> patterns; // regexes over schema.table.column
};

struct settings {
    // connection
    std::string hostname;
    int port = 5432;
    std::string user;
    std::string password;
    std::string dbname;
    std::string sslmode = "prefer";
    std::string sslcert, sslkey, sslpassword, sslrootcert;
    bool tcp_keepalive = true;
    std::string initial_statements;
    // identity
    std::string topic_prefix;
    // replication
    std::string slot_name = "debezium";
    bool slot_drop_on_stop = false;
    std::vector<std::pair<std::string, std::string>> slot_stream_params;
    int slot_max_retries = 6;
    int64_t slot_retry_delay_ms = 10000;
    std::string publication_name = "dbz_publication";
    autocreate_mode publication_autocreate = autocreate_mode::all_tables;
    bool publish_via_partition_root = false;
    std::vector<std::pair<std::string, std::string>> replica_identity_autoset; // schema.table -> identity
    int64_t status_update_interval_ms = 10000;
    lsn_flush_mode flush_mode = lsn_flush_mode::connector;
    int64_t xmin_fetch_interval_ms = 0;
    // filters (raw regex lists; compiled by the filter object)
    std::vector<std::string> schema_include, schema_exclude, table_include, table_exclude, column_include,
        column_exclude, message_prefix_include, message_prefix_exclude;
    std::string message_key_columns;
    bool skip_truncate = true, skip_create = false, skip_update = false, skip_delete = false;
    // values
    decimal_mode decimals = decimal_mode::precise;
    time_precision temporal = time_precision::adaptive;
    binary_mode binary = binary_mode::bytes;
    interval_mode intervals = interval_mode::numeric;
    hstore_mode hstore = hstore_mode::json;
    int money_fraction_digits = 2;
    bool include_unknown_datatypes = false;
    std::string unavailable_placeholder = "__debezium_unavailable_value";
    std::vector<column_rule> column_rules;
    bool avro_schema_names = false;
    bool avro_field_names = false;
    bool tombstones_on_delete = true;
    bool skip_messages_without_change = false;
    bool provide_transaction_metadata = false;
    bool extended_headers = false;
    // snapshot and engine
    snapshot_mode snapshot = snapshot_mode::initial;
    std::string snapshot_isolation = "serializable";
    bool snapshot_lock_shared = false;
    int64_t snapshot_lock_timeout_ms = 10000;
    int snapshot_fetch_size = 10240;
    int64_t snapshot_delay_ms = 0;
    int64_t streaming_delay_ms = 0;
    std::vector<std::string> snapshot_include;
    std::vector<std::pair<std::string, std::string>> snapshot_select_overrides; // schema.table -> SQL
    int max_batch_size = 2048;
    int max_queue_size = 8192;
    int64_t max_queue_size_bytes = 0;
    int64_t poll_interval_ms = 500;
    int64_t heartbeat_interval_ms = 0;
    std::string heartbeat_action_query;
    std::string topic_delimiter = ".";
    std::string transaction_topic_suffix = "transaction";
    std::string heartbeat_topic_prefix = "__debezium-heartbeat";
    int64_t errors_max_retries = -1;
    int64_t retriable_restart_wait_ms = 10000;
    std::string converting_failure = "warn"; // event.converting.failure.handling.mode

    std::string task_id = "0";
};

// Parses and validates; throws config_error naming the key (including the cross-key rules that
// validate_extra reports).
settings parse_settings(const config::config_map& props);

// Checks beyond the table: topic.prefix or its legacy name present, plugin.name, include and
// exclude lists not both set, max.queue.size > max.batch.size. (key, message) pairs.
std::vector<std::pair<std::string, std::string>> validate_extra(const config::config_map& props);
// Debezium settings present in `props` that ask for something Ferry does not do (signals and
// incremental snapshots, Java custom converters, ...): one sentence each, for a warning at start,
// so that a migrated configuration does not silently lose a feature it relies on.
std::vector<std::string> unsupported_settings(const config::config_map& props);

} // namespace ferry::plugins::postgres_cdc
