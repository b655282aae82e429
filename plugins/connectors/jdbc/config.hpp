#pragma once
// Configuration of the JDBC source and sink: Confluent's keys and defaults (spec
// jdbc-connectors.md sections 1.1 and 2.1) as config_def tables, and the parsed settings the
// connectors and tasks work with.

#include "ferry/config/config_def.hpp"
#include "plugins/connectors/jdbc/common.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry::plugins::jdbc {

const config::config_def& source_config_def();
const config::config_def& source_task_config_def(); // + tables, tables.fetched
const config::config_def& sink_config_def();

// Connection settings shared by source and sink.
struct connection_settings {
    std::string url;
    std::optional<std::string> user;
    std::optional<std::string> password; // never logged
    int attempts = 3;
    int64_t backoff_ms = 10000;
    std::string dialect_name;
    std::string connector_name;
    std::string application_name = "ferry-jdbc";
    tz::zone_ptr zone; // db.timezone; the session time zone where the dialect can set one
};

enum class numeric_mapping { none, precision_only, best_fit, best_fit_eager_double };
enum class ts_granularity {
    connect_logical, micros_long, micros_string, micros_iso_datetime_string, nanos_long, nanos_string,
    nanos_iso_datetime_string
};

struct source_settings {
    connection_settings conn;
    std::string mode; // bulk | incrementing | timestamp | timestamp+incrementing
    std::string incrementing_column;
    std::vector<std::string> timestamp_columns;
    std::vector<std::string> incrementing_column_mapping;
    std::vector<std::string> timestamp_columns_mapping;
    int64_t timestamp_delay_ms = 0;
    std::optional<int64_t> timestamp_initial;
    ts_granularity granularity = ts_granularity::connect_logical;
    bool validate_non_null = true;
    std::string query; // query or query.masked
    bool query_masked = false;
    std::string query_suffix;
    int query_retry_attempts = -1;
    std::string topic_prefix;
    std::vector<std::string> whitelist, blacklist, include_list, exclude_list;
    std::optional<std::string> catalog_pattern, schema_pattern;
    std::vector<std::string> table_types;
    int poll_interval_ms = 5000;
    int batch_max_rows = 1000;
    int64_t table_poll_interval_ms = 60000;
    numeric_mapping numerics = numeric_mapping::none;
    quote_method quote = quote_method::always;
    std::string isolation_mode = "DEFAULT";
    // Ferry: bound timestamp polls by the oldest open transaction (PostgreSQL). On by default.
    bool late_commit_guard = true;
    // task only
    std::vector<std::string> tables;
    bool tables_fetched = false;

    bool uses_timestamp() const { return mode == "timestamp" || mode == "timestamp+incrementing"; }
    bool uses_incrementing() const { return mode == "incrementing" || mode == "timestamp+incrementing"; }
};

enum class insert_mode { insert, upsert, update };
enum class pk_mode { none, kafka, record_key, record_value };

struct sink_settings {
    connection_settings conn;
    insert_mode insert = insert_mode::insert;
    int batch_size = 3000;
    bool delete_enabled = false;
    std::vector<std::string> table_types;
    bool replace_null_with_default = true;
    std::string table_name_format = "${topic}";
    pk_mode pk = pk_mode::none;
    std::vector<std::string> pk_fields;
    std::vector<std::string> fields_whitelist;
    tz::zone_ptr date_zone; // date.timezone (UTC or db.timezone)
    std::vector<std::string> timestamp_fields;
    bool timestamp_nanos = false;
    std::string string_value_column = "record_value";
    bool auto_create = false;
    bool auto_evolve = false;
    quote_method quote = quote_method::always;
    int max_retries = 10;
    int retry_backoff_ms = 3000;
};

// Both throw config_error naming the key.
source_settings parse_source_settings(const config::config_map& props, bool task);
sink_settings parse_sink_settings(const config::config_map& props);

} // namespace ferry::plugins::jdbc
