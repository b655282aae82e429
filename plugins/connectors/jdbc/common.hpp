#pragma once
// Shared vocabulary of the JDBC connectors: JDBC URLs, table identifiers, column metadata in JDBC's
// terms (java.sql.Types), database errors, and the quote method. Dialects (dialect.hpp) speak it.

#include "plugins/connectors/jdbc/tz.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::plugins::jdbc {

// --- JDBC URLs ---------------------------------------------------------------------------------

enum class db_kind { postgres, mysql, sqlite };

struct jdbc_url {
    db_kind kind = db_kind::postgres;
    std::string subprotocol;                 // "postgresql", "mysql", "mariadb", "sqlite"
    std::vector<std::pair<std::string, int>> hosts; // port 0 = default
    std::string database;                    // db name, or the SQLite path
    std::map<std::string, std::string> params; // URL-decoded query parameters
    const std::string* param(std::string_view k) const {
        auto it = params.find(std::string(k));
        return it == params.end() ? nullptr : &it->second;
    }
};

// Throws config_error for malformed URLs and for subprotocols Ferry has no dialect for (the
// message lists the supported ones).
jdbc_url parse_jdbc_url(std::string_view url);
// The URL with every password-like parameter value replaced by "****" (as Java's sanitizedUrl).
std::string sanitize_url(std::string_view url);
// Dialect names as Confluent spells them (dialect.name).
db_kind dialect_from_name(std::string_view name);

// --- identifiers -------------------------------------------------------------------------------

enum class quote_method { always, never };

struct table_id {
    std::optional<std::string> catalog;
    std::optional<std::string> schema;
    std::string table;
    friend bool operator==(const table_id&, const table_id&) = default;
    friend auto operator<=>(const table_id&, const table_id&) = default;
    // "catalog.schema.table" without quotes (Java's toUnquotedString / QuoteMethod.NEVER).
    std::string unquoted() const;
};

// Splits "a.b.c" honouring the quote character (Java IdentifierRules.parseQualifiedIdentifier):
// `"my.schema"."t"` -> [my.schema, t]. Quotes are removed; doubled quotes inside are unescaped.
std::vector<std::string> parse_qualified(std::string_view fqn, char quote);

// Appends `name` quoted (quote char doubled inside) or bare.
void append_identifier(std::string& out, std::string_view name, char quote, quote_method m);
std::string quote_identifier(std::string_view name, char quote, quote_method m = quote_method::always);
std::string table_sql(const table_id& t, char quote, quote_method m);

// --- column metadata ---------------------------------------------------------------------------

// java.sql.Types, as far as the connectors care.
enum class jdbc_type {
    null_, boolean, bit, tinyint, smallint, integer, bigint, real, float_, double_, numeric, decimal,
    char_, varchar, longvarchar, nchar, nvarchar, longnvarchar, clob, nclob, sqlxml,
    binary, varbinary, longvarbinary, blob, date, time, timestamp, other, array, struct_
};

struct column_def {
    std::string name;        // the column label (alias or name)
    std::string type_name;   // the database's type name ("int8", "jsonb", "DATETIME", ...)
    jdbc_type type = jdbc_type::other;
    int precision = 0;
    int scale = 0;
    bool optional = true;    // nullable or unknown
    bool auto_increment = false;
    bool is_signed = true;
    bool primary_key = false;
    bool with_time_zone = false; // timestamptz/timetz; MySQL TIMESTAMP (stored as an instant)
    bool is_json = false;
    bool is_uuid = false;
    uint32_t native_type = 0;  // PG type OID / MySQL field type / SQLite storage class
};

enum class table_type { table, view, partitioned_table };

struct table_definition {
    table_id id;
    std::vector<column_def> columns;
    table_type type = table_type::table;
    // COPY into it does what INSERT would (PostgreSQL: a plain or partitioned table without rules).
    bool copy_as_insert = false;
    const column_def* find(std::string_view name) const {
        for (auto& c : columns)
            if (c.name == name) return &c;
        return nullptr;
    }
};

// --- instants -------------------------------------------------------------------------------------

// A java.sql.Timestamp: seconds since the epoch plus nanos of second (0..999,999,999).
struct instant {
    int64_t seconds = 0;
    int32_t nanos = 0;
    int64_t millis() const { return seconds * 1000 + nanos / 1000000; }
    int64_t micros() const { return seconds * 1000000 + nanos / 1000; }
    static instant from_millis(int64_t ms) {
        int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
        return {s, int32_t((ms - s * 1000) * 1000000)};
    }
    static instant from_micros(int64_t us) {
        int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
        return {s, int32_t((us - s * 1000000) * 1000)};
    }
    friend bool operator==(const instant&, const instant&) = default;
    friend auto operator<=>(const instant&, const instant&) = default;
};

// "2024-01-15 10:30:00.123456" (up to 9 fraction digits) in the given zone's wall clock.
std::string format_local(instant t, const tz::zone& z, int fraction_digits = 6);
// Parses "yyyy-MM-dd[ HH:mm:ss[.fffffffff]]" (also 'T'); nullopt when malformed. Result is the
// wall clock as UTC seconds (no zone applied).
std::optional<instant> parse_local(std::string_view s);

// --- errors -------------------------------------------------------------------------------------

// What went wrong in the database, classified so tasks can decide between retry, per-record error
// handling and failure. Never crosses the plugin boundary: tasks translate it.
class db_error : public std::runtime_error {
public:
    enum class kind {
        connection, // cannot connect / connection lost: retry after a back-off
        transient,  // deadlock, serialization failure, lock timeout, server shutting down: retry
        data,       // this data does not fit the table (constraint, type, value): the record is bad
        auth,       // authentication failed: operator action
        other       // anything else (syntax, missing table, permissions)
    };
    db_error(kind k, std::string msg, std::string sqlstate = {})
        : std::runtime_error(std::move(msg)), _kind(k), _sqlstate(std::move(sqlstate)) {}
    kind what_kind() const { return _kind; }
    const std::string& sqlstate() const { return _sqlstate; }
    bool retriable() const { return _kind == kind::connection || _kind == kind::transient; }

private:
    kind _kind;
    std::string _sqlstate;
};

// SQLSTATE classes -> kind (shared by PostgreSQL and MySQL, which both report SQLSTATEs).
db_error::kind classify_sqlstate(std::string_view sqlstate);

} // namespace ferry::plugins::jdbc
