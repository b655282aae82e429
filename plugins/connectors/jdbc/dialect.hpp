#pragma once
// The dialect interface: everything that differs between PostgreSQL, MariaDB/MySQL and SQLite sits
// behind two classes, so the source and sink share one design instead of three copies.
//
//   dialect  - stateless knowledge: identifier quoting, Connect -> SQL types, DDL, the DML shapes
//              Confluent generates (kept for logs, docs and tests), and connect().
//   session  - one live connection: table metadata, DB time, the late-commit watermark, streaming
//              reads (cursor) and the sink's bulk write path (write()).
//
// Threading: a session is used by one thread at a time (the task thread, or the connector's
// table monitor, which has its own session). Errors are thrown as db_error (common.hpp), which
// the tasks translate into Connect's categories (retriable_error, data_error, connect_error).
//
// Transactions: a session never autocommits. Source reads run in a transaction that end_query()
// ends; sink writes accumulate until commit() (one transaction per put(), as Confluent does).

#include "ferry/connect/record.hpp"
#include "plugins/connectors/jdbc/common.hpp"
#include "plugins/connectors/jdbc/config.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ferry::plugins::jdbc {

// --- source ---------------------------------------------------------------------------------------

struct query_param {
    enum class kind { int64, timestamp } k = kind::int64;
    int64_t i = 0;
    instant ts;
    // How a timestamp is compared: true = the column holds instants (timestamptz, MySQL TIMESTAMP),
    // false = wall clock in db.timezone (timestamp without time zone, DATETIME), as Java's
    // setTimestamp(i, ts, Calendar(db.timezone)) does.
    bool instant_column = false;
    static query_param of_int(int64_t v) { return {kind::int64, v, {}, false}; }
    static query_param of_ts(instant t, bool instant_col) { return {kind::timestamp, 0, t, instant_col}; }
};

// A streaming result set. Column accessors are valid after next() returned true and until the
// next call; text/bytes views point into the cursor's buffers.
class cursor {
public:
    virtual ~cursor() = default;
    virtual const std::vector<column_def>& columns() const = 0;
    virtual bool next() = 0;
    virtual bool is_null(int c) const = 0;
    virtual bool get_bool(int c) const = 0;
    virtual int64_t get_int64(int c) const = 0; // integers, and numerics/decimals truncated
    virtual double get_double(int c) const = 0;
    virtual std::string_view get_text(int c) const = 0;
    virtual std::string_view get_bytes(int c) const = 0;
    // The value rescaled to `scale` (HALF_UP), as big-endian two's complement unscaled bytes.
    virtual void get_decimal(int c, int32_t scale, std::string& unscaled) const = 0;
    virtual int32_t get_date(int c) const = 0;        // days since the epoch of the calendar date
    virtual int64_t get_time_micros(int c) const = 0; // wall-clock micros since midnight
    // An instant; wall-clock columns are interpreted in `z` (db.timezone).
    virtual instant get_timestamp(int c, const tz::zone& z) const = 0;
};

// How one result column becomes one Connect field (Confluent's addFieldToSchema and
// columnConverterFor, table-driven).
enum class reader_kind {
    boolean, int8, int16, int32, int64, float32, float64, decimal, string, bytes, date, time, timestamp
};

struct column_reader {
    int column = 0; // index in the result
    reader_kind kind = reader_kind::string;
    int32_t scale = 0; // decimal
};

struct schema_mapping {
    schema_ptr schema;
    std::vector<column_reader> readers; // one per field, in field order
};

// --- sink -----------------------------------------------------------------------------------------

struct sink_column {
    enum class source { kafka_topic, kafka_partition, kafka_offset, key, key_field, value_field, value };
    std::string name;
    schema_ptr schema; // the Connect schema of the value written
    source from = source::value_field;
    int field_index = -1;          // in the key/value struct schema
    bool key = false;
    bool timestamp_field = false;  // listed in timestamp.fields.list (INT64/STRING -> TIMESTAMP)
    const column_def* db = nullptr; // the table's column, when known
};

struct write_plan {
    uint64_t id = 0; // unique per plan: names staging tables and statement caches
    table_id table;
    std::string table_ref; // quoted
    std::vector<sink_column> keys;
    std::vector<sink_column> values; // non-key columns
    insert_mode mode = insert_mode::insert;
    bool replace_null_with_default = true;
    bool timestamp_nanos = false;
    const tz::zone* zone = nullptr;      // db.timezone
    const tz::zone* date_zone = nullptr; // date.timezone
    bool copy_target = false; // table_definition::copy_as_insert of the target
};

enum class write_op { insert, upsert, update, remove };

// The value a column takes for a record (kafka coordinates are materialised into `scratch`).
const value& column_value(const sink_column& c, const sink_record& r, bool replace_null_with_default, value& scratch);
// A timestamp.fields.list value (INT64 micros/nanos since the epoch, or their decimal string).
instant timestamp_field_instant(const value& v, bool nanos);

// --- the interfaces -------------------------------------------------------------------------------

class dialect;

// A sink write encoded ahead of time (see session::encode): what goes on the wire, with no
// reference to the records left, so the sink can hand it to a writer thread and return.
class encoded_write {
public:
    virtual ~encoded_write() = default;
};

class session {
public:
    virtual ~session() = default;
    virtual bool is_valid() = 0;
    virtual std::vector<table_id> list_tables(const std::optional<std::string>& catalog_pattern,
                                              const std::optional<std::string>& schema_pattern,
                                              const std::vector<std::string>& table_types) = 0;
    // nullopt when the table does not exist.
    virtual std::optional<table_definition> describe_table(const table_id& t) = 0;
    // SELECT CURRENT_TIMESTAMP as an instant.
    virtual instant current_time() = 0;
    // The start of the oldest transaction still open in the database (other than Ferry's own
    // readers), or nullopt when there is none or the dialect cannot tell.
    virtual std::optional<instant> oldest_open_transaction() { return std::nullopt; }
    // Runs a SELECT inside a read transaction and streams it `fetch_size` rows at a time.
    virtual std::unique_ptr<cursor> query(const std::string& sql, const std::vector<query_param>& params,
                                          int fetch_size) = 0;
    // Closes the open cursor, if any, and ends the read transaction.
    virtual void end_query() = 0;
    virtual void execute(const std::string& sql) = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    // Defaults used to qualify sink table names (connection.getSchema()/getCatalog()).
    virtual std::optional<std::string> default_schema() { return std::nullopt; }
    virtual std::optional<std::string> default_catalog() { return std::nullopt; }
    // Writes records of one table in the current transaction. Throws db_error.
    virtual void write(const write_plan& plan, write_op op, std::span<const sink_record* const> records) = 0;
    // Deferred writes. encode() runs on the caller's thread and does no I/O; it may run while
    // another thread is inside run() for an earlier write, and nothing else may. run() executes
    // the write in the current transaction exactly as write() would have, on whichever thread
    // owns the session at the time. A session that cannot defer returns nullptr: use write().
    // drop_plan() of the write's plan must wait until its run() has returned.
    virtual std::unique_ptr<encoded_write> encode(const write_plan& plan, write_op op,
                                                  std::span<const sink_record* const> records) {
        (void)plan, (void)op, (void)records;
        return nullptr;
    }
    virtual void run(encoded_write& w) { (void)w; }
    // Forgets per-plan state (staging tables, prepared statements) of plans that no longer exist.
    virtual void drop_plan(uint64_t plan_id) { (void)plan_id; }
    // Asks a running statement to stop; the only method callable from another thread.
    virtual void cancel() {}
    // A short, password-free description for logs ("PostgreSQL 15.4 at 127.0.0.1:5432/db").
    virtual std::string describe() const = 0;
};

class dialect {
public:
    virtual ~dialect() = default;
    virtual db_kind kind() const = 0;
    virtual std::string_view name() const = 0; // "PostgreSql", "MySql", "Sqlite" (Confluent's names)
    virtual char quote_char() const = 0;
    virtual std::unique_ptr<session> connect(const connection_settings& s, const jdbc_url& url) const = 0;

    quote_method quoting() const { return _quote; }
    void set_quoting(quote_method q) { _quote = q; }

    // Identifiers.
    virtual table_id parse_table(std::string_view fqn) const;
    std::string table(const table_id& t) const { return table_sql(t, quote_char(), _quote); }
    std::string column(std::string_view name) const { return quote_identifier(name, quote_char(), _quote); }
    // Qualified column reference "schema"."table"."col" (the source's criteria columns).
    std::string column(const table_id& t, std::string_view name) const;

    // Source: result columns -> Connect schema (null name in query mode).
    schema_mapping map_columns(const std::optional<std::string>& schema_name, const std::vector<column_def>& cols,
                               numeric_mapping numerics, ts_granularity granularity, bool warn_skipped) const;

    // Sink DDL and DML (Confluent's statements; the fast write paths live in the sessions).
    // Throws connect_error("<name> (<TYPE>) type doesn't have a mapping to the SQL database column type").
    // `key`: the column is part of the primary key (MySQL cannot index TEXT).
    virtual std::string sql_type(const schema& s, bool timestamp_field, bool key = false) const = 0;
    std::string create_table(const table_id& t, const std::vector<const sink_column*>& cols) const;
    virtual std::vector<std::string> alter_table(const table_id& t, const std::vector<const sink_column*>& cols) const;
    virtual std::string insert_sql(const write_plan& p) const;
    virtual std::string upsert_sql(const write_plan& p) const = 0;
    virtual std::string update_sql(const write_plan& p) const;
    std::string delete_sql(const write_plan& p) const;
    // A literal for a column DEFAULT (Confluent's formatColumnValue).
    virtual std::string format_literal(const schema& s, const value& v) const;

protected:
    void column_spec(std::string& out, const sink_column& c) const;
    quote_method _quote = quote_method::always;
};

std::unique_ptr<dialect> make_dialect(db_kind k);
// From dialect.name when set, else from the URL's subprotocol.
std::unique_ptr<dialect> make_dialect(const connection_settings& s, const jdbc_url& url);

// A stop-aware sleep (connection back-off between attempts; polling intervals): stop() from
// another thread ends a wait at once.
class waiter {
public:
    // false when stopped
    bool wait_ms(int64_t ms) {
        std::unique_lock l(_mu);
        _cv.wait_for(l, std::chrono::milliseconds(std::max<int64_t>(ms, 0)), [&] { return _stop; });
        return !_stop;
    }
    void stop() {
        std::lock_guard g(_mu);
        _stop = true;
        _cv.notify_all();
    }
    bool stopped() {
        std::lock_guard g(_mu);
        return _stop;
    }

private:
    std::mutex _mu;
    std::condition_variable _cv;
    bool _stop = false;
};

// Opens a session with connection.attempts / connection.backoff.ms; `stopping` aborts the waits.
// Throws db_error (the last attempt's) when every attempt failed.
std::unique_ptr<session> connect_with_retries(const dialect& d, const connection_settings& s, const jdbc_url& url,
                                              const std::function<bool(int64_t wait_ms)>& wait);

} // namespace ferry::plugins::jdbc
